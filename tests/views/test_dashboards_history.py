"""The history the tiles read from the in-memory store: out of time order, reopened from
its file, and the unit's own entries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from leadcore.adapters.memory import InMemoryStore
from leadcore.clock import FixedClock, SequentialIds
from leadcore.criteria.ast import ALWAYS
from leadcore.history import HistoryEntry, HistoryKind
from leadcore.lists import Lists, new_database
from leadcore.model import LeadStatusId, PersonId
from leadcore.queries import Query
from leadcore.service import LeadService
from leadcore.views import ReportPeriod

START = datetime(2026, 4, 6, 9, 0, tzinfo=UTC)
APRIL = ReportPeriod(date(2026, 4, 1), date(2026, 5, 1), UTC)


def _story(service: LeadService, clock: FixedClock) -> PersonId:
    """Ann goes Open (Apr 6) -> Contacting (Apr 8); then the clock is set back and Bo is
    added on Apr 7, after Ann's later entries."""
    lists = service.lists()
    lead = lists.categories.by_name("Lead").id
    ann = service.persons.add("Ann", category_id=lead).id
    clock.set(START + timedelta(days=2))
    service.persons.set_lead_status(ann, lists.statuses.by_key("contacting").id)
    clock.set(START + timedelta(days=1))
    bo = service.persons.add("Bo", category_id=lead).id
    service.persons.set_lead_status(
        ann, lists.statuses.by_key("qualified").id
    )  # Apr 7, out of order
    clock.set(START + timedelta(days=10))
    return bo


def test_entries_appended_out_of_time_order_are_read_oldest_first() -> None:
    clock = FixedClock(START)
    store = InMemoryStore(Lists(*new_database()), clock=clock)
    service = LeadService(store.unit_of_work, clock=clock, ids=SequentialIds())
    _story(service, clock)
    with store.unit_of_work() as uow:
        ann = uow.history.between(None, None)[PersonId(1)]
        assert [e.at.day for e in ann] == [6, 7, 8]
        assert [e.to_status for e in ann] == [1, 3, 2]
        window = uow.history.between(START + timedelta(days=1), None, Query(ALWAYS))
        assert {p: [e.at.day for e in es] for p, es in window.items()} == {1: [7, 8], 2: [7]}
    # Ann's status replayed in time order: Qualified on Apr 7, then Contacting on Apr 8.
    counts = {c.label: c.count for c in service.dashboards.status_counts(APRIL).counts}
    assert (counts["Open"], counts["Contacting"], counts["Qualified"]) == (1, 1, 0)


def test_the_tiles_read_the_same_after_the_file_store_is_reopened(tmp_path: Path) -> None:
    clock = FixedClock(START)
    file = tmp_path / "crm.json"
    with LeadService.in_memory(path=file, clock=clock) as service:
        _story(service, clock)
        before = (service.dashboards.funnel(APRIL), service.dashboards.time_in_status(APRIL))
    with LeadService.in_memory(path=file, clock=clock) as service:
        assert (
            service.dashboards.funnel(APRIL),
            service.dashboards.time_in_status(APRIL),
        ) == before


def test_a_units_own_entries_are_read_in_time_order_with_the_stored_ones() -> None:
    clock = FixedClock(START)
    store = InMemoryStore(Lists(*new_database()), clock=clock)
    service = LeadService(store.unit_of_work, clock=clock, ids=SequentialIds())
    _story(service, clock)
    early = HistoryEntry(PersonId(1), HistoryKind.CHANGE, LeadStatusId(1), LeadStatusId(5), START)
    with store.unit_of_work() as uow:
        uow.history.append([early])
        ann = uow.history.between(None, START + timedelta(days=1, hours=1))[PersonId(1)]
        assert [(e.at.day, e.to_status) for e in ann] == [(6, 1), (6, 5), (7, 3)]
    with store.unit_of_work() as uow:  # not committed: gone
        assert len(uow.history.between(None, None)[PersonId(1)]) == 3
