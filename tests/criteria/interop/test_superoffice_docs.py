"""docs/criteria-formats.md section 3 agrees with the code: its operator table is
:data:`~leadcore.criteria.superoffice.operators.OPERATORS` row by row, its list of what
is not written is :data:`~leadcore.criteria.superoffice.operators.NOT_WRITTEN`, and its
provider tables are the providers' column maps.

``python tests/criteria/interop/test_superoffice_docs.py`` prints the tables.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from leadcore.criteria.fields import Entity, fields_for
from leadcore.criteria.superoffice import PROVIDERS, SIBLINGS
from leadcore.criteria.superoffice.operators import NOT_WRITTEN, OPERATORS, Construct, Spelling

DOCS = Path(__file__).parents[3] / "docs" / "criteria-formats.md"

_CONSTRUCTS = {
    Construct.ANY: "`equals`/`eq` any of them (or)",
    Construct.NONE_OF: "`ne` each (and)",
    Construct.ON_OR_AFTER: "`on` or `after`",
    Construct.ON_OR_BEFORE: "`before` or `on`",
    Construct.NOT_ON: "`before` or `after`",
    Construct.FLAG: "`is_true` / `is_false` by the value",
}


def _code(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f"`{n}`".replace("|", "\\|") for n in names)


def _row(s: Spelling) -> str:
    if isinstance(s.reads_as, Construct):
        construct = _CONSTRUCTS[s.reads_as]
    else:
        construct = f"`{s.reads_as.value}`"
    vt = "every type" if s.source == "OPS All types" else s.value_type.value
    written = f"`{s.written}`" if s.written else "(read only)"
    odata = (s.function and f"`{s.function}(...)`") or (s.filter_name and f"`{s.filter_name}`")
    if s.written and not odata:
        odata = written
    return f"| {construct} | {vt} | {written} | {odata or ''} | {_code(s.read)} | {s.source} |"


def operator_table() -> list[str]:
    """The operator table of docs/criteria-formats.md, one row per spelling."""
    return [
        "| leadcore | column type | written (rows, strings) | written (`$filter`) "
        "| read | source |",
        "|---|---|---|---|---|---|",
        *dict.fromkeys(_row(s) for s in OPERATORS),  # set/not_set: one row for every type
    ]


def not_written() -> list[str]:
    """The list of what no writer writes, with the reason each gives."""
    return [f"* `{op.value}`: {why}." for op, why in NOT_WRITTEN.items()]


def sibling_lines() -> list[str]:
    """The sibling providers, each with its parent and its reference page."""
    return [
        f"| {name} | {parent} | `{PROVIDERS[name.casefold()].source}` |"
        for name, parent in SIBLINGS.items()
    ]


def dynamic_table() -> list[str]:
    """Field -> Dynamic column, in a person search and in a company search."""
    dynamic = PROVIDERS["dynamic"]
    lines = ["| field | person search | company search |", "|---|---|---|"]
    for key in fields_for(Entity.PERSON):
        person = dynamic.column(key, Entity.PERSON)
        if person is None:
            continue
        company = dynamic.column(key, Entity.COMPANY) if key.startswith("company.") else None
        lines.append(f"| `{key}` | `{person}` | {f'`{company}`' if company else ''} |")
    return lines


@pytest.mark.parametrize(
    "lines",
    [operator_table(), not_written(), sibling_lines(), dynamic_table()],
    ids=["operators", "not written", "siblings", "dynamic"],
)
def test_the_docs_hold_the_tables_of_the_code(lines: list[str]) -> None:
    text = DOCS.read_text("utf-8")
    for line in lines:
        assert line in text, f"docs/criteria-formats.md lacks {line!r}"


if __name__ == "__main__":
    for table in (operator_table(), not_written(), sibling_lines(), dynamic_table()):
        sys.stdout.write("\n".join(table) + "\n\n")


PAGES = json.loads((Path(__file__).parent / "superoffice_provider_columns.json").read_text("utf-8"))
"""Per provider, the columns its reference page lists for leadcore's map, with their
restriction types (copied from SuperOfficeDocs/docs en/api/archive-providers/reference)."""


def test_every_provider_map_is_on_its_reference_page_with_its_parents_types() -> None:
    for provider in PROVIDERS.values():
        if provider.name in ("Dynamic", "leadcore"):
            continue
        page = PAGES[provider.name]
        assert page["source"] == provider.source
        assert set(page["columns"]) == set(provider.columns.values()), provider.name
        if provider.parent:
            assert page["columns"] == PAGES[provider.parent]["columns"], provider.name
    assert set(PAGES) == {p.name for p in PROVIDERS.values()} - {"Dynamic", "leadcore"}
