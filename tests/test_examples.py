"""The runnable scripts of examples/: every one runs, and shows what it promises.

Each script runs in a subprocess, as a user runs it. The step-by-step walk-through
(examples/work_with_leads.py, the story ``leadcore demo`` tells on a sample) must show
the key lines of each section in the order given here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPT = EXAMPLES / "work_with_leads.py"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def output() -> str:
    done = run(str(SCRIPT))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def section(output: str, title: str) -> str:
    """The text of the section whose heading starts with ``title``."""
    start = output.index(f"\n{title}")
    end = output.find("\n\n", start + 1)
    return output[start : len(output) if end == -1 else end]


def assert_in_order(text: str, phrases: list[str], where: str) -> None:
    position = 0
    for phrase in phrases:
        found = text.find(phrase, position)
        assert found != -1, f"{phrase!r} missing from {where!r} (after offset {position})"
        position = found + len(phrase)


def test_the_introduction_lists_the_statuses_of_a_new_database(output: str) -> None:
    intro = output[: output.index("\nStep 1:")]
    assert_in_order(
        intro,
        [
            "LeadService.in_memory()",
            "Open / Åben: No outreach has been made yet",
            "Contacting / Kontakter",
            "Qualified / Kvalificeret",
            "Disqualified / Diskvalificeret",
            "Re-nurture / Genoptag kontakt",
            "Categories with lead status enabled: Lead, Marketing qualified lead",
        ],
        "introduction",
    )


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "Step 1: See lead information on a person",
            [
                "Ann Ash (company Acme) - Category: Lead (Potential customer / Potentiel kunde)",
                "Lead status: Open / Leadstatus: Åben  (editable)",
                "tooltip (en): No outreach has been made yet",
                "tooltip (da): Der er endnu ikke taget kontakt",
                "history records it with source 'default'",
            ],
        ),
        (
            "Step 2: Update the lead status",
            [
                "Kontakter (Contacting)",
                "Kvalificeret (Qualified)",
                "Diskvalificeret (Disqualified)",
                "Genoptag kontakt (Re-nurture)",
                "Ann Ash: Open -> Contacting by associate 1 at 09:02",
                "Bob Birch: Open -> Qualified by associate 1 at 09:02 (reason: Budget confirmed)",
                "Lead status: Contacting / Leadstatus: Kontakter  (editable)",
                "tooltip (da): Du forsøger at komme i kontakt med leadet",
            ],
        ),
        (
            "Step 3: Show leads on the Contacts tab",
            [
                "Ann Ash    Lead   Potential customer   Contacting",
                "Bob Birch  Lead   Potential customer   Qualified",
            ],
        ),
        (
            "Step 4: Create selections",
            [
                "person.lead_status in (Open, Contacting) and "
                "company.category_group not in (Customer)",
                "reads (en): Lead status is one of Open, Contacting and "
                "Company category group is not one of Customer",
                "reads (da): Leadstatus er en af Åben, Kontakter og "
                "Firmakategorigruppe er ikke en af Kunde",
                "count: 1",
                "found: Ann Ash",
                '"Show all my potential customers"',
                "companies found: 1 (Acme)",
                "static selection #1 'Leads today'",
                "dynamic selection #2 'Open leads'",
                "static members: Ann Ash",
                "dynamic members: Ann Ash",
                "Kontakter         1  Ann",
                "Kvalificeret      1  Bob",
                'First touch source is "google" / Første kontakt kilde er "google"',
                "refused with FeatureNotLicensed: searching on 'person.first_touch.source' "
                "needs the 'marketing-premium' feature",
                "with Marketing Premium it finds: Dan Dove",
                "source=google, campaign=spring",
            ],
        ),
        (
            "Tip 1: I cannot see the Lead status field",
            [
                "Cy Cole (company Globex) - Category: Customer",
                "Lead status field is not shown (nothing stored, read-only)",
                "(Prospect is Potential customer, but lead status is not enabled)",
                "refused with LeadStatusNotEditable: [R4]",
                "refused with ValidationError: category 'Customer' cannot enable lead status",
                "The admin enables lead status on Prospect:",
                "Di Dahl (company Initech) - Category: Prospect",
                "Lead status: Open / Leadstatus: Åben  (editable)",
            ],
        ),
        (
            "Tip 2: I cannot pick Lead or Marketing qualified lead",
            [
                "categories: Customer, Prospect, Partner, Supplier, Competitor, Other",
                "refused with NotFoundError: unknown category name 'Marketing qualified lead'",
                "added: Lead, Marketing qualified lead, Opportunity, Lost opportunity "
                "(changed: True)",
                "running it again adds nothing (changed: False)",
                "unchanged by the second run: True",
                "Zed Zahl: Open",
            ],
        ),
        (
            "Tip 3: The Lead status field disappeared",
            [
                "history: hide for Bob Birch, value kept",
                "Lead status field is not shown (stored value 'Qualified' kept, read-only)",
                "a search for Lead status is one of Qualified and Company id = 1",
                "still finds: Bob Birch",
                "dynamic: Di Dahl",
                "static: Ann Ash",
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
                "Bob Birch (company Acme) - Category: Lead",
                "Lead status: Open / Leadstatus: Åben",
                "the earlier value 'Qualified' stays in the history (reveal entry)",
                "Gus Gray (company Acme) - Category: Lead",
                "Hal Hill (no company) - Category: Lead",
                "keeps the status (Lead -> MQL)",
                "Category: Marketing qualified lead",
                "Lead status: Qualified / Leadstatus: Kvalificeret",
                "RESTORE_PREVIOUS",
                "Bob Birch (company Acme) - Category: Lead",
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
        (
            "The status history",
            ["for 9 persons (service.persons.history)", "gives every stored status: True"],
        ),
    ],
)
def test_the_walk_through_shows_each_step(output: str, title: str, expected: list[str]) -> None:
    assert_in_order(section(output, title), expected, title)


def test_every_step_and_tip_is_walked_through_in_order(output: str) -> None:
    titles = [f"Step {n}:" for n in range(1, 5)] + [f"Tip {n}:" for n in range(1, 7)]
    titles.append("The status history")
    positions = [output.index(f"\n{title}") for title in titles]
    assert positions == sorted(positions)


def test_the_demo_is_deterministic(output: str) -> None:
    assert run(str(SCRIPT)).stdout == output


def test_a_history_that_does_not_replay_fails_the_demo() -> None:
    """The final check can fail: with a replay that loses every entry the demo exits non-zero."""
    broken = (
        "import runpy, leadcore.history as h; h.replay = lambda entries: {}; "
        f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')"
    )
    done = run("-c", broken)
    assert done.returncode != 0
    assert "gives every stored status: False" in done.stdout
    assert "the history does not replay to the stored status of" in done.stderr


# --- the other scripts of examples/ ------------------------------------------------------------

EXPECTED = {
    "work_with_leads.py": ["The status history", "gives every stored status: True"],
    "embed_in_app.py": [
        "Ann is now Contacting",
        "Bob is now Qualified",
        "columns: {'Open': 0, 'Contacting': 1, 'Qualified': 1,",
        "closed; the file is complete: True",
        "reopened, columns: {'Open': 0, 'Contacting': 1, 'Qualified': 1,",
        "Ann's history (kind, by): [('change', 2), ('change', 1)]",
    ],
    "import_csv.py": [
        "read 3 companies and 5 persons",
        "imported 3 companies, 4 persons",
        "refused: person row at line 6: the person row names company key 'initech'",
        "Ann Ash (registered 2025-03-04): Contacting (visible)",
        "2025-03-04 09:20 change -> Open [import]",
        "2025-03-06 10:00 change -> Contacting [import]",
        "Bob Birch (registered 2025-03-05): Open (visible)",
        "2025-03-05 11:00 change -> Open [default]",
        "2025-05-02 09:00 change -> Disqualified [import] (No budget this year)",
        "Di Dahl (registered 2024-11-20): Qualified (hidden, kept)",
        "hide -> Qualified [import]",
        "Acme's source UTM stays its own: Utm(source='fair'",
        "replaying the history gives every stored status: True",
    ],
    "own_adapter.py": [
        "outbox: OutboxRecord(companies=(1,), persons=(), history_entries=0)",
        "outbox: OutboxRecord(companies=(), persons=(1,), history_entries=1)",
        "running the conformance kit on OutboxStore:",
        " passed in ",  # the count grows with the kit; the exit code says none failed
    ],
}


def test_every_script_in_examples_is_run_by_the_suite() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - {"work_with_leads.py"}))
def test_each_example_runs_and_shows_what_it_promises(name: str) -> None:
    done = run(str(EXAMPLES / name))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ""
    assert_in_order(done.stdout, EXPECTED[name], name)


def test_the_demo_command_runs_the_leadcore_demo() -> None:
    tasks = (EXAMPLES.parent / "tasks.py").read_text(encoding="utf-8")
    assert '_run(PYTHON, "-m", "leadcore", "demo")' in tasks
