"""Laws of the dashboards, on random command sequences through the service.

- The funnel's figures (who entered each stage, who converted) equal the figures
  recomputed by replaying the whole history in time order, where a person enters a
  stage when its replayed status changes to it; deleted persons count nowhere.
- New leads equal the persons whose replayed status went from none to one in the period.
- Persons per status at a period that holds now equal the grouped counts of the
  stored statuses (visible only, and the hidden ones).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from leadcore.clock import FixedClock
from leadcore.criteria.ast import Period
from leadcore.errors import LeadcoreError
from leadcore.history import HistoryEntry
from leadcore.model import LeadStatusId, PersonId
from leadcore.service import LeadService
from leadcore.views import ReportPeriod
from leadcore.views.dashboard_figures import read_limit

START = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
ZONES = (UTC, ZoneInfo("Europe/Copenhagen"), ZoneInfo("America/New_York"))
STATUS_KEYS = ("open", "contacting", "qualified", "disqualified", "renurture")
CATEGORIES = ("Lead", "Marketing qualified lead", "Customer", "Opportunity")

actions = st.one_of(
    st.tuples(st.just("status"), st.integers(0, 30), st.sampled_from(STATUS_KEYS)),
    st.tuples(st.just("status"), st.integers(0, 30), st.sampled_from(STATUS_KEYS[1:3])),
    st.tuples(st.just("status"), st.integers(0, 30), st.sampled_from(STATUS_KEYS[:3])),
    st.tuples(st.just("category"), st.integers(0, 1), st.sampled_from(CATEGORIES)),
    st.tuples(st.just("add"), st.integers(0, 2)),
    st.tuples(st.just("delete"), st.integers(0, 30)),
)
operations = st.tuples(
    st.lists(st.tuples(st.just("add"), st.integers(0, 2)), min_size=1, max_size=6),
    st.lists(st.tuples(st.integers(0, 30), actions), min_size=1, max_size=30),
).map(
    lambda t: [
        *(op for add in t[0] for op in (("advance", 3), add)),
        *(op for hours, action in t[1] for op in (("advance", hours), action)),
    ]
)
periods = st.tuples(st.integers(-2, 3), st.integers(1, 40), st.sampled_from(ZONES)).map(
    lambda t: ReportPeriod(
        START.date() + timedelta(days=t[0]), START.date() + timedelta(days=t[0] + t[1]), t[2]
    )
)


def run(ops: list[tuple[object, ...]]) -> tuple[LeadService, FixedClock]:
    """The service after ``ops`` (refused commands are part of the sequence)."""
    clock = FixedClock(START)
    service = LeadService.in_memory(clock=clock)
    lists = service.lists()
    lead = lists.categories.by_name("Lead").id
    companies = [
        service.companies.add("Acme", category_id=lead).id,
        service.companies.add("Bolt", category_id=lists.categories.by_name("Customer").id).id,
    ]
    persons: list[PersonId] = []
    for op in ops:
        try:
            if op[0] == "add":
                where = int(op[1])  # type: ignore[call-overload]
                if where == 2:
                    persons.append(service.persons.add("B2C", category_id=lead).id)
                else:
                    persons.append(service.persons.add("P", company_id=companies[where]).id)
            elif op[0] == "status" and persons:
                person = persons[int(op[1]) % len(persons)]  # type: ignore[call-overload]
                service.persons.set_lead_status(person, lists.statuses.by_key(str(op[2])).id)
            elif op[0] == "category":
                company = companies[int(op[1])]  # type: ignore[call-overload]
                service.companies.change_category(company, lists.categories.by_name(str(op[2])).id)
            elif op[0] == "advance":
                clock.advance(timedelta(hours=int(op[1])))  # type: ignore[call-overload]
            elif op[0] == "delete" and persons:
                service.persons.delete(persons.pop(int(op[1]) % len(persons)))  # type: ignore[call-overload]
        except LeadcoreError:
            pass  # a refused command (a hidden status, a deleted person) changes nothing
    return service, clock


def history_of_existing(service: LeadService) -> list[HistoryEntry]:
    existing = {p.id for p in service.persons.find()}
    with service.context.uow() as uow:
        return [e for e in uow.history if e.person_id in existing]


def replayed_funnel(
    history: list[HistoryEntry], stages: list[LeadStatusId], start: datetime, end: datetime
) -> tuple[list[int], list[tuple[int, int]]]:
    """Entered per stage and (entered, converted) per step, by replaying every entry."""
    status: dict[PersonId, LeadStatusId | None] = {}
    entries_into: list[dict[PersonId, list[datetime]]] = [{} for _ in stages]
    for entry in sorted(history, key=lambda e: e.at):
        before = status.get(entry.person_id)
        status[entry.person_id] = entry.to_status
        if entry.to_status != before and entry.to_status in stages and start <= entry.at < end:
            stage = stages.index(entry.to_status)
            entries_into[stage].setdefault(entry.person_id, []).append(entry.at)
    entered = [len(times) for times in entries_into]
    steps = []
    for i in range(len(stages) - 1):
        converted = sum(
            1
            for person, times in entries_into[i].items()
            if any(t >= min(times) for t in entries_into[i + 1].get(person, []))
        )
        steps.append((entered[i], converted))
    return entered, steps


@given(operations, periods)
def test_the_funnel_equals_a_replay_of_the_history(
    ops: list[tuple[object, ...]], period: ReportPeriod
) -> None:
    service, clock = run(ops)
    statuses = service.lists().statuses
    stages = [statuses.by_key(k).id for k in ("open", "contacting", "qualified")]
    tile = service.dashboards.funnel(period)
    history = history_of_existing(service)
    end = read_limit(period.end_at, clock.now())
    entered, steps = replayed_funnel(history, stages, period.start_at, end)
    assert [s.entered for s in tile.stages] == entered
    assert [(s.entered, s.converted) for s in tile.steps] == steps
    previous_end = read_limit(period.start_at, clock.now())
    previous, _ = replayed_funnel(history, stages, period.previous().start_at, previous_end)
    assert [s.previous for s in tile.stages] == previous
    for step in tile.steps:
        assert step.rate == (step.converted / step.entered if step.entered else None)


@given(operations, periods)
def test_new_leads_equal_the_persons_whose_replayed_status_first_appeared(
    ops: list[tuple[object, ...]], period: ReportPeriod
) -> None:
    service, clock = run(ops)
    end = read_limit(period.end_at, clock.now())
    became: set[PersonId] = set()
    status: dict[PersonId, LeadStatusId | None] = {}
    for entry in history_of_existing(service):
        first = status.get(entry.person_id) is None and entry.to_status is not None
        if first and period.start_at <= entry.at < end:
            became.add(entry.person_id)
        status[entry.person_id] = entry.to_status
    tile = service.dashboards.new_leads(period, granularity=Period.WEEK)
    assert tile.total == len(became)
    assert sum(b.total for b in tile.buckets) == tile.total


@given(operations)
def test_persons_per_status_now_equal_the_grouped_counts(ops: list[tuple[object, ...]]) -> None:
    service, clock = run(ops)
    today: date = clock.now().date()
    tile = service.dashboards.status_counts(ReportPeriod.of(Period.DAY, today, UTC))
    counts = service.persons.count_by("person.lead_status", visible_only=True)
    assert {c.status_id: c.count for c in tile.counts} == {
        k: v for k, v in counts.as_dict().items() if k is not None
    }
    assert tile.hidden == counts.hidden
