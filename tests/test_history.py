"""The append-only status history (§6) and its replay."""

from __future__ import annotations

from datetime import UTC, datetime

from leadcore.history import (
    CompanyCategoryChanged,
    HistoryEntry,
    HistoryKind,
    StatusSource,
    replay,
)
from leadcore.model import CategoryId, CompanyId, LeadStatusId, PersonId

AT = datetime(2026, 1, 5, tzinfo=UTC)
P1, P2 = PersonId(1), PersonId(2)
OPEN, CONTACTING, QUALIFIED = LeadStatusId(1), LeadStatusId(2), LeadStatusId(3)


def change(person: PersonId, old: LeadStatusId | None, new: LeadStatusId) -> HistoryEntry:
    return HistoryEntry(person, HistoryKind.CHANGE, old, new, AT)


def test_replay_of_nothing_is_empty() -> None:
    assert replay([]) == {}


def test_replay_follows_each_person_in_order() -> None:
    entries = [
        HistoryEntry(P1, HistoryKind.CHANGE, None, OPEN, AT, source=StatusSource.DEFAULT),
        HistoryEntry(P2, HistoryKind.CHANGE, None, OPEN, AT, source=StatusSource.DEFAULT),
        change(P1, OPEN, CONTACTING),
        change(P2, OPEN, QUALIFIED),
        change(P1, CONTACTING, QUALIFIED),
    ]
    assert replay(entries) == {P1: QUALIFIED, P2: QUALIFIED}
    assert replay(entries[:3]) == {P1: CONTACTING, P2: OPEN}


def test_hide_keeps_and_reveal_sets_the_value() -> None:
    entries = [
        change(P1, None, QUALIFIED),
        HistoryEntry(P1, HistoryKind.HIDE, QUALIFIED, QUALIFIED, AT),
    ]
    assert replay(entries) == {P1: QUALIFIED}
    entries.append(HistoryEntry(P1, HistoryKind.REVEAL, QUALIFIED, OPEN, AT))
    assert replay(entries) == {P1: OPEN}


def test_replay_accepts_any_iterable_and_does_not_consume_twice() -> None:
    entries = (change(P1, None, OPEN), change(P1, OPEN, CONTACTING))
    assert replay(iter(entries)) == {P1: CONTACTING}
    assert replay(entries) == replay(list(entries))


def test_entries_and_events_are_values() -> None:
    entry = HistoryEntry(P1, HistoryKind.CHANGE, OPEN, CONTACTING, AT, reason="Called")
    assert entry == HistoryEntry(P1, HistoryKind.CHANGE, OPEN, CONTACTING, AT, reason="Called")
    assert entry.source is StatusSource.USER
    assert entry.by is None
    event = CompanyCategoryChanged(CompanyId(1), CategoryId(1), CategoryId(2), AT)
    assert {event, event} == {event}


def test_source_and_kind_codes_are_stable() -> None:
    assert [s.value for s in StatusSource] == ["user", "default", "automation", "bulk", "import"]
    assert [k.value for k in HistoryKind] == ["change", "hide", "reveal"]
