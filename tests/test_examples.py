"""The runnable walk-through (docs/examples/work_with_leads.py, what the demo runs)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "examples" / "work_with_leads.py"


@pytest.fixture(scope="module")
def output() -> str:
    done = subprocess.run(
        [sys.executable, str(SCRIPT)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def section(output: str, title: str) -> str:
    """The text of the section whose heading starts with ``title``."""
    start = output.index(f"\n{title}")
    end = output.find("\n\n", start + 1)
    return output[start : len(output) if end == -1 else end]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "Step 1: See lead information on a person",
            [
                "Category: Lead (Potential customer / Potentiel kunde)",
                "Lead status: Open / Leadstatus: Åben  (editable)",
                "tooltip (en): No outreach has been made yet",
                "tooltip (da): Der er endnu ikke taget kontakt",
            ],
        ),
        (
            "Step 2: Update the lead status",
            [
                "Kontakter (Contacting)",
                "Kvalificeret (Qualified)",
                "Diskvalificeret (Disqualified)",
                "Genoptag kontakt (Re-nurture)",
                "person 1: Open -> Contacting by associate 1",
                "person 2: Open -> Qualified by associate 1",
            ],
        ),
        ("Step 3: Show leads on the Contacts tab", ["Bob Birch  Lead   Potential customer"]),
        ("Step 4: Create selections", ["found: Bob Birch", "Kvalificeret      1  Bob"]),
        (
            "Tip 1: I cannot see the Lead status field",
            [
                "Cy Cole (company Globex) - Category: Customer",
                "(Prospect is Potential customer, but lead status is not enabled)",
                "Lead status field is not shown (nothing stored, read-only)",
                "The admin enables lead status on Prospect:",
                "Lead status: Open / Leadstatus: Åben  (editable)",
            ],
        ),
        (
            "Tip 2: I cannot pick Lead or Marketing qualified lead",
            [
                "refused with NotFoundError: unknown category name 'Marketing qualified lead'",
                "added: Lead, Marketing qualified lead, Opportunity, Lost opportunity",
                "running it again adds nothing (changed: False)",
                "unchanged by the second run: True",
            ],
        ),
        (
            "Tip 3: The Lead status field disappeared",
            [
                "history: hide for person 2, value kept",
                "Lead status field is not shown (stored value 'Qualified' kept, read-only)",
                "still finds: Bob Birch",
                "refused with LeadStatusNotEditable: [R4]",
            ],
        ),
        (
            "Tip 4: Different persons in the same company",
            ["Di Dahl: Åben", "Eve Egg: Genoptag kontakt", "Fay Fox: Diskvalificeret"],
        ),
        (
            "Tip 5: A person always gets Lead status = Open",
            [
                "the earlier value 'Qualified' stays in the history (reveal entry)",
                "Gus Gray (company Acme) - Category: Lead",
                "Hal Hill (no company) - Category: Lead",
                "keeps the status (Lead -> MQL)",
                "RESTORE_PREVIOUS",
                "Lead status: Qualified / Leadstatus: Kvalificeret",
            ],
        ),
        (
            "Tip 6: I cannot change the category of a person",
            [
                "refused with InheritedCategoryError: [R3]",
                "Change the category on the company instead",
                "Ann Ash (company Acme) - Category: Opportunity",
                "Hal Hill (no company) - Category: Partner",
            ],
        ),
        ("The status history", ["replaying them gives every stored status: True"]),
    ],
)
def test_the_walk_through_shows_each_step(output: str, title: str, expected: list[str]) -> None:
    text = section(output, title)
    for phrase in expected:
        assert phrase in text, f"{phrase!r} missing from {title!r}"


def test_every_step_and_tip_is_walked_through_in_order(output: str) -> None:
    titles = [f"Step {n}:" for n in range(1, 5)] + [f"Tip {n}:" for n in range(1, 7)]
    positions = [output.index(f"\n{title}") for title in titles]
    assert positions == sorted(positions)
