"""Restrictions copied from SuperOffice's public documentation and request collections,
each with its source, read with the provider it was written for: the expected leadcore
criterion (in the text form) or the expected refusal (reason and position).

The fixture, superoffice_cases.jsonl, is one JSON object a line: ``id``, ``source``
(``owner/repo:path``), ``form`` (rows, groups, string, filter), ``provider``, ``input``,
then ``expect`` (leadcore text) or ``refused`` (part of the reason) with ``position``;
``notes`` lists report note kinds that must appear; ``adapted`` says what was changed
from the source (a column of another archive read as one leadcore models).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from leadcore.criteria.superoffice import (
    Imported,
    NoteKind,
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

CASES = [
    json.loads(line)
    for line in (Path(__file__).parent / "superoffice_cases.jsonl").read_text("utf-8").splitlines()
    if line.strip()
]
FORMS = {"rows", "groups", "string", "filter"}
PROVIDERS = {
    "FindContact",
    "ContactPersonDynamicSelectionV2",
    "Person",
    "SimplePerson",
    "Contact",
}
REPOSITORIES = {
    "SuperOfficeDocs/docs",
    "SuperOffice/SDK-Doc",
    "SuperOffice/RESTful-HTTP-Queries",
}


def _read(case: dict[str, Any]) -> Imported:
    form, given, name = case["form"], case["input"], case["provider"]
    if form == "rows":
        return read_rows(given, name)
    if form == "groups":
        return read_groups(given, name)
    if form == "string":
        return read_string(given, name)
    assert form == "filter"
    return read_filter(given, name)


def test_the_fixture_covers_every_form_and_provider() -> None:
    assert len(CASES) >= 60
    assert len({c["id"] for c in CASES}) == len(CASES)
    assert {c["form"] for c in CASES} == FORMS
    assert {c["provider"] for c in CASES} == PROVIDERS
    for form in ("rows", "string", "filter"):
        assert any("refused" in c for c in CASES if c["form"] == form)
        assert any("expect" in c for c in CASES if c["form"] == form)
    for case in CASES:
        repo, _, path = case["source"].partition(":")
        assert repo in REPOSITORIES, case["id"]
        assert path, case["id"]


@pytest.mark.parametrize("case", [c for c in CASES if "expect" in c], ids=lambda c: c["id"])
def test_a_documented_restriction_reads_as_expected(case: dict[str, Any]) -> None:
    got = _read(case)
    entity = provider(case["provider"]).entities[0]
    assert got.criterion == parse(case["expect"], entity=entity)
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


@pytest.mark.parametrize("case", [c for c in CASES if "expect" in c], ids=lambda c: c["id"])
def test_what_is_read_is_written_back_in_every_form(case: dict[str, Any]) -> None:
    """Each documented restriction, once read, is written by every writer of its provider
    and reads back to the same criterion."""
    got = _read(case).criterion
    name = case["provider"]
    assert read_rows(write_rows(got, name), name).criterion == got
    assert read_string(write_string(got, name), name).criterion == got
    assert read_filter(write_filter(got, name), name).criterion == got
    assert read_groups(write_groups(got, name), name).criterion == got
