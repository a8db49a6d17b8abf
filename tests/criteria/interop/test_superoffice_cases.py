"""Restrictions copied from SuperOffice's public documentation and request collections,
each with its source, read with the provider it was written for: the expected leadcore
criterion (in the text form) or the expected refusal (reason and position).

The fixture, superoffice_cases.jsonl, is one JSON object a line: ``id``, ``source``
(``owner/repo:path``), ``form`` (rows, groups, string, filter), ``provider``, ``input``,
then ``expect`` (leadcore text) or ``refused`` (part of the reason) with ``position``;
``entity`` (``company``) reads it as a company search instead of the provider's first;
``notes`` lists report note kinds that must appear; ``adapted`` says what was changed
from the source (a column of another archive read as one leadcore models);
``written`` is the criterion as the writers write it where it differs (``>=`` on an int
column is written ``> N-1``); ``export_refused`` is part of the reason every writer gives
for a criterion SuperOffice cannot take back (``notEnds``).

``python tests/criteria/interop/test_superoffice_cases.py`` prints the figures by provider
(how many cases read, how many are refused and why); docs/criteria-formats.md holds the
same table, and :func:`test_the_figures_in_the_docs_are_the_fixtures` keeps them equal.
"""

from __future__ import annotations

import collections
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from leadcore.criteria.ast import Criterion
from leadcore.criteria.fields import Entity
from leadcore.criteria.superoffice import (
    PROVIDERS,
    Imported,
    NoteKind,
    SuperOfficeExportError,
    SuperOfficeReadError,
    provider,
    read_filter,
    read_groups,
    read_rows,
    read_string,
    write_filter,
    write_groups,
    write_rows,
    write_string,
)
from leadcore.criteria.text import parse

HERE = Path(__file__).parent
CASES = [
    json.loads(line)
    for line in (HERE / "superoffice_cases.jsonl").read_text("utf-8").splitlines()
    if line.strip()
]
FORMS = {"rows", "groups", "string", "filter"}
REPOSITORIES = {
    "SuperOfficeDocs/docs",
    "SuperOffice/SDK-Doc",
    "SuperOffice/RESTful-HTTP-Queries",
}
DOCS = HERE.parents[2] / "docs" / "criteria-formats.md"


def _entity(case: dict[str, Any]) -> Entity:
    if "entity" in case:
        return Entity(case["entity"])
    return provider(case["provider"]).entities[0]


def _read(case: dict[str, Any]) -> Imported:
    form, given, name, entity = case["form"], case["input"], case["provider"], _entity(case)
    if form == "rows":
        return read_rows(given, name, entity=entity)
    if form == "groups":
        return read_groups(given, name, entity=entity)
    if form == "string":
        return read_string(given, name, entity=entity)
    assert form == "filter"
    return read_filter(given, name, entity=entity)


def test_the_fixture_covers_every_form_and_provider() -> None:
    assert len(CASES) >= 170
    assert len({c["id"] for c in CASES}) == len(CASES)
    assert {c["form"] for c in CASES} == FORMS
    own = {p.name for p in PROVIDERS.values() if p.name != "leadcore"}
    assert {c["provider"] for c in CASES} == own  # every SuperOffice provider, siblings too
    for form in ("rows", "string", "filter"):
        assert any("refused" in c for c in CASES if c["form"] == form)
        assert any("expect" in c for c in CASES if c["form"] == form)
    for case in CASES:
        repo, _, path = case["source"].partition(":")
        assert repo in REPOSITORIES, case["id"]
        assert path, case["id"]
        assert ("expect" in case) != ("refused" in case), case["id"]


@pytest.mark.parametrize("case", [c for c in CASES if "expect" in c], ids=lambda c: c["id"])
def test_a_documented_restriction_reads_as_expected(case: dict[str, Any]) -> None:
    got = _read(case)
    assert got.criterion == parse(case["expect"], entity=_entity(case))
    assert got.report.provider == case["provider"]
    kinds = {note.kind for note in got.report.notes}
    for kind in case.get("notes", []):
        assert NoteKind(kind) in kinds, (case["id"], got.report.notes)


@pytest.mark.parametrize("case", [c for c in CASES if "refused" in c], ids=lambda c: c["id"])
def test_a_restriction_leadcore_cannot_read_is_refused_by_name(case: dict[str, Any]) -> None:
    with pytest.raises(SuperOfficeReadError) as caught:
        _read(case)
    err = caught.value
    assert case["refused"] in err.reason, err.reason
    assert err.position == case["position"]
    assert err.restriction  # the restriction is named


def _written_back(got: Criterion, name: str, entity: Entity) -> list[Criterion]:
    return [
        read_rows(write_rows(got, name, entity=entity), name, entity=entity).criterion,
        read_string(write_string(got, name, entity=entity), name, entity=entity).criterion,
        read_filter(write_filter(got, name, entity=entity), name, entity=entity).criterion,
        read_groups(write_groups(got, name, entity=entity), name, entity=entity).criterion,
    ]


@pytest.mark.parametrize("case", [c for c in CASES if "expect" in c], ids=lambda c: c["id"])
def test_what_is_read_is_written_back_in_every_form(case: dict[str, Any]) -> None:
    """Each documented restriction, once read, is written by every writer of its provider
    and reads back to the same criterion (or to its ``written`` form), or every writer
    refuses it naming the operator."""
    got, entity = _read(case).criterion, _entity(case)
    name = case["provider"]
    if "export_refused" in case:
        for writer in (write_rows, write_string, write_filter, write_groups):
            with pytest.raises(SuperOfficeExportError, match=case["export_refused"]):
                writer(got, name, entity=entity)
        return
    expected = parse(case["written"], entity=entity) if "written" in case else got
    assert _written_back(got, name, entity) == [expected] * 4


# --- the figures ------------------------------------------------------------------------


REASONS = {
    "not a column leadcore models": "column not modelled",
    "company's e-mail": "company e-mail",
    "half-year": "half-year period",
    "two ways": "period 5, defined two ways",
    "tags": "tags",
    "$filter syntax": "$filter function in a string",
    "not a SuperOffice operator": "operator not of the column's type",
    "a company search has no person fields": "person column in a company search",
    "is 0 for a person without a company": "person.contact_id",
}
"""A short label for each refusal reason of the fixture (the figures' why)."""


def _reason(case: dict[str, Any]) -> str:
    return REASONS[case["refused"]]


def figures() -> list[str]:
    """The fixture's figures by provider, as the rows of a Markdown table: how many cases
    read, how many are refused and why, how many read but are refused by the writers."""
    by_provider: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for case in CASES:
        by_provider[case["provider"]].append(case)
    lines = [
        "| provider | cases | read | refused on reading (why) | read, refused on writing |",
        "|---|---|---|---|---|",
    ]
    totals = [0, 0, 0, 0]
    for name in sorted(by_provider, key=lambda n: (-len(by_provider[n]), n.casefold())):
        cases = by_provider[name]
        read = [c for c in cases if "expect" in c]
        refused = [c for c in cases if "refused" in c]
        unwritten = [c for c in read if "export_refused" in c]
        why = collections.Counter(_reason(c) for c in refused)
        shown = "; ".join(f"{n} {reason}" for reason, n in sorted(why.items()))
        cell = f"{len(refused)}" + (f" ({shown})" if shown else "")
        lines.append(f"| {name} | {len(cases)} | {len(read)} | {cell} | {len(unwritten)} |")
        for i, n in enumerate((len(cases), len(read), len(refused), len(unwritten))):
            totals[i] += n
    lines.append(f"| all | {totals[0]} | {totals[1]} | {totals[2]} | {totals[3]} |")
    return lines


def test_every_case_reads_or_is_refused_as_the_fixture_says() -> None:
    outcomes: collections.Counter[str] = collections.Counter()
    for case in CASES:
        try:
            _read(case)
            outcomes["read"] += 1
        except SuperOfficeReadError:
            outcomes["refused"] += 1
    assert outcomes["read"] == sum("expect" in c for c in CASES)
    assert outcomes["refused"] == sum("refused" in c for c in CASES)


def test_the_figures_in_the_docs_are_the_fixtures() -> None:
    text = DOCS.read_text("utf-8")
    for line in figures():
        assert line in text, f"docs/criteria-formats.md lacks the figures line {line!r}"


if __name__ == "__main__":  # print the figures (docs/criteria-formats.md holds the same)
    sys.stdout.write("\n".join(figures()) + "\n")
