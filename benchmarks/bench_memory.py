"""Benchmarks of the in-memory adapter (``memory.*``): indexes and planner versus a full scan.

Data: 1,000,000 persons in 100,000 companies (a tenth with --quick), generated
with the run's fixed seed. A few companies hold 10,000 persons each (a tenth
with --quick) for the company move; the rest hold about ten. Five percent of
the persons have no company and a category of their own.
"""

from __future__ import annotations

import gc
import random
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from benchmarks import Result, Run, benchmark, median_time
from leadcore import rules
from leadcore.adapters.memory import InMemoryStore
from leadcore.clock import FixedClock, SequentialIds
from leadcore.criteria.ast import Criterion
from leadcore.criteria.build import condition
from leadcore.criteria.evaluate import Environment, person_predicate
from leadcore.history import HistoryEntry, HistoryKind, StatusSource
from leadcore.lists import new_database
from leadcore.model import (
    AssociateId,
    CategoryGroup,
    CategoryId,
    Company,
    CompanyId,
    LeadStatusId,
    Person,
    PersonId,
)
from leadcore.ports import Query, StoredLists
from leadcore.rules import Actor

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
ASSOCIATES = 100
ME = AssociateId(7)
BIG_COMPANIES = 5

_FIRST = ("Ann", "Bo", "Carl", "Dorte", "Emil", "Frida", "Gustav", "Hanne", "Ida", "Jens")
_LAST = ("Hansen", "Jensen", "Nielsen", "Pedersen", "Larsen", "Sørensen", "Rasmussen", "Berg")


@attrs.frozen
class Dataset:
    """Generated records, the lists they refer to, and which companies are the big ones."""

    lists: StoredLists
    companies: list[Company]
    persons: list[Person]
    history: list[HistoryEntry]
    big: tuple[CompanyId, ...]


def generate(run: Run) -> Dataset:
    """The benchmark data for ``run`` (deterministic for its seed and scale)."""
    rng = random.Random(run.seed)
    categories, statuses = new_database()
    lists = StoredLists(categories, statuses)
    lead_enabled = {c.id for c in categories.items if c.lead_enabled}
    customer = categories.by_name("Customer").id
    n_persons, n_companies = run.size(1_000_000), run.size(100_000)
    big_size = run.size(10_000)
    category_ids = [c.id for c in categories.items]
    weights = [15, 10, 10, 5, 25, 10, 5, 5, 5, 10]
    days = [NOW - timedelta(days=d, hours=d % 24) for d in range(1000)]
    companies = []
    for n in range(1, n_companies + 1):
        at = days[rng.randrange(len(days))]
        chosen = customer if n <= BIG_COMPANIES else rng.choices(category_ids, weights)[0]
        companies.append(
            Company(
                CompanyId(n),
                f"Company {n}",
                CategoryId(chosen),
                at,
                at,
                owner_id=AssociateId(rng.randrange(1, ASSOCIATES + 1)),
                version=1,
            )
        )
    persons: list[Person] = []
    history: list[HistoryEntry] = []
    for n in range(1, n_persons + 1):
        if n <= BIG_COMPANIES * big_size:
            company: Company | None = companies[(n - 1) // big_size]
        elif rng.random() < 0.05:
            company = None
        else:
            company = companies[BIG_COMPANIES + rng.randrange(n_companies - BIG_COMPANIES)]
        own = None if company is not None else CategoryId(rng.choices(category_ids, weights)[0])
        category = own if company is None else company.category_id
        status: LeadStatusId | None = None
        if n > BIG_COMPANIES * big_size and (category in lead_enabled or rng.random() < 0.2):
            status = LeadStatusId(rng.randrange(1, 6))
        at = days[rng.randrange(len(days))]
        first, last = _FIRST[rng.randrange(len(_FIRST))], _LAST[rng.randrange(len(_LAST))]
        person = Person(
            PersonId(n),
            None if company is None else company.id,
            first,
            last,
            at,
            at,
            email=f"{first.lower()}.{n}@example.com",
            owner_id=AssociateId(rng.randrange(1, ASSOCIATES + 1)),
            lead_status_id=status,
            own_category_id=own,
            retired=rng.random() < 0.05,
            version=1,
        )
        persons.append(person)
        if status is not None:
            history.append(
                HistoryEntry(
                    person.id, HistoryKind.CHANGE, None, status, at, source=StatusSource.IMPORT
                )
            )
    big = tuple(CompanyId(n) for n in range(1, BIG_COMPANIES + 1))
    return Dataset(lists, companies, persons, history, big)


def build_store(data: Dataset) -> InMemoryStore:
    """A store holding ``data``, bulk-loaded (indexes built once; records made at version 1)."""
    store = InMemoryStore(data.lists, clock=FixedClock(NOW))
    store.load_bulk(data.companies, data.persons, data.history)
    return store


_CACHE: dict[float, tuple[Dataset, InMemoryStore]] = {}


def shared(run: Run) -> tuple[Dataset, InMemoryStore]:
    """The dataset and a store holding it, built once per scale."""
    if run.scale not in _CACHE:
        data = generate(run)
        _CACHE[run.scale] = (data, build_store(data))
    return _CACHE[run.scale]


def scan(store: InMemoryStore, criteria: Criterion) -> list[Person]:
    """The baseline: every person through the compiled predicate, a plain loop."""
    with store.unit_of_work() as uow:
        lists = uow.lists.load()
    test = person_predicate(criteria, Environment(lists.categories, NOW, current_associate=ME))
    companies = {c.id: c for c in _all_companies(store)}
    return [
        p
        for p in _all_persons(store)
        if test(p, None if p.company_id is None else companies[p.company_id])
    ]


def _all_companies(store: InMemoryStore) -> list[Company]:
    with store.unit_of_work() as uow:
        return uow.companies.find(Query())


def _all_persons(store: InMemoryStore) -> list[Person]:
    with store.unit_of_work() as uow:
        return uow.persons.find(Query())


def _timed_pair(
    run: Run, adapter: Callable[[], object], baseline: Callable[[], object]
) -> tuple[float, float]:
    repeats = max(1, run.repeats)
    return median_time(adapter, repeats), median_time(baseline, max(1, min(3, repeats)))


def _three_leaf() -> Criterion:
    return (
        condition("person.lead_status", "in", 1, 2)
        & condition("company.category_group", "not_in", int(CategoryGroup.CUSTOMER))
        & condition("person.owner", "current_associate")
    )


def _selective() -> Criterion:
    return condition(
        "company.category_group", "in", int(CategoryGroup.POTENTIAL_CUSTOMER)
    ) & condition("person.owner", "in", 7, 8)


@benchmark("memory.count_3leaf")
def count_three_leaf(run: Run) -> list[Result]:
    """Count of the criteria issue's 3-leaf criterion: indexes versus a full scan."""
    data, store = shared(run)
    criteria = _three_leaf()
    query = Query(criteria, current_associate=ME, now=NOW)
    everything = (_all_persons(store), {c.id: c for c in _all_companies(store)})
    with store.unit_of_work() as uow:
        test = person_predicate(
            criteria, Environment(uow.lists.load().categories, NOW, current_associate=ME)
        )

    def adapter() -> int:
        with store.unit_of_work() as uow:
            return uow.persons.count(query)

    def baseline() -> int:
        persons, companies = everything
        return sum(
            1 for p in persons if test(p, None if p.company_id is None else companies[p.company_id])
        )

    matched = adapter()
    assert matched == baseline(), "the adapter and the scan disagree"
    value, base = _timed_pair(run, adapter, baseline)
    ratio = base / value
    return [
        Result(
            "memory.count_3leaf",
            len(data.persons),
            value,
            "s",
            base,
            ratio,
            "ratio >= 100",
            ratio >= 100,
            {"matched": matched, "baseline": "full scan with the compiled predicate"},
        )
    ]


@benchmark("memory.find_selective")
def find_selective(run: Run) -> list[Result]:
    """Find (all rows, by id) of a criterion matching about 1% of persons, versus a scan."""
    data, store = shared(run)
    criteria = _selective()
    query = Query(criteria, current_associate=ME, now=NOW)
    persons, companies = _all_persons(store), {c.id: c for c in _all_companies(store)}
    with store.unit_of_work() as uow:
        test = person_predicate(
            criteria, Environment(uow.lists.load().categories, NOW, current_associate=ME)
        )

    def adapter() -> list[Person]:
        with store.unit_of_work() as uow:
            return uow.persons.find(query)

    def baseline() -> list[Person]:
        found = [
            p for p in persons if test(p, None if p.company_id is None else companies[p.company_id])
        ]
        found.sort(key=lambda p: p.id)
        return found

    found = adapter()
    assert found == baseline(), "the adapter and the scan disagree"
    value, base = _timed_pair(run, adapter, baseline)
    ratio = base / value
    return [
        Result(
            "memory.find_selective",
            len(data.persons),
            value,
            "s",
            base,
            ratio,
            "ratio >= 10",
            ratio >= 10,
            {
                "matched": len(found),
                "share": round(len(found) / len(data.persons), 4),
                "criteria": "company.category_group in {Potential customer} "
                "and person.owner in {7, 8}",
                "baseline": "full scan with the compiled predicate, sorted by id",
            },
        )
    ]


@benchmark("memory.company_move_10k")
def company_move(run: Run) -> list[Result]:
    """Move a company with 10,000 persons into a lead-enabled category, through the service."""
    from leadcore.service import LeadService

    data, store = shared(run)
    lead = data.lists.categories.by_name("Lead").id
    service = LeadService(
        store.unit_of_work,
        clock=FixedClock(NOW),
        ids=SequentialIds({"person": store.max_id("person"), "company": store.max_id("company")}),
        associate=ME,
    )
    size = run.size(10_000)
    times: list[float] = []
    rules_times: list[float] = []
    history_before = _history_len(store)
    for company_id in data.big[: max(1, run.repeats)]:
        with store.unit_of_work() as uow:  # the baseline: the pure rules engine alone
            company, persons = uow.companies.get(company_id), uow.persons.of_company(company_id)
        gc.collect()
        start = time.perf_counter()
        lists = rules.Lists(data.lists.categories, data.lists.statuses)
        rules.change_company_category(company, persons, lists, lead, Actor(NOW, ME))
        rules_times.append(time.perf_counter() - start)
        gc.collect()
        start = time.perf_counter()
        service.change_company_category(company_id, lead)
        times.append(time.perf_counter() - start)
    appended = _history_len(store) - history_before
    times.sort()
    rules_times.sort()
    per_person = times[len(times) // 2] / size * 1e6
    rules_per_person = rules_times[len(rules_times) // 2] / size * 1e6
    with store.unit_of_work() as uow:
        opened = uow.persons.count(
            Query(
                condition("company.id", "eq", int(data.big[0]))
                & condition("person.lead_status", "in", 1)
            )
        )
    return [
        Result(
            "memory.company_move_10k",
            size,
            per_person,
            "us/person",
            rules_per_person,
            per_person / rules_per_person,
            "value < 20",
            per_person < 20,
            {
                "median_seconds": times[len(times) // 2],
                "moves": len(times),
                "history_appended": appended,
                "persons_opened_in_first": opened,
                "path": "LeadService.change_company_category (rules + unit of work + commit)",
                "baseline_path": "rules.change_company_category alone on the same persons",
            },
        )
    ]


def _history_len(store: InMemoryStore) -> int:
    with store.unit_of_work() as uow:
        return sum(1 for _ in uow.history)


@benchmark("memory.bytes_per_person")
def bytes_per_person(run: Run) -> list[Result]:
    """Memory held by a bulk-loaded store per person (tracemalloc), everything included."""
    gc.collect()
    tracemalloc.start()
    try:
        data = generate(run)
        n = len(data.persons)
        history = len(data.history)
        gc.collect()
        raw, _ = tracemalloc.get_traced_memory()
        store = build_store(data)
        del data
        gc.collect()
        total, _peak = tracemalloc.get_traced_memory()
        with_history = total
        store._history.clear()
        store._history_of.clear()
        gc.collect()
        without_history, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    index_bytes = store._indexes.nbytes()
    value = with_history / n
    details: dict[str, Any] = {
        "method": "tracemalloc: bytes allocated and still held after generating the data "
        "and bulk-loading it (persons, companies, history, slots, members, indexes)",
        "baseline": "the generated persons, companies and history alone, before the store",
        "history_entries": history,
        "bytes_per_person_without_history": round(without_history / n, 1),
        "index_bytes_per_person": round(index_bytes / n, 1),
        "companies": store.company_count,
    }
    return [
        Result(
            "memory.bytes_per_person",
            n,
            round(value, 1),
            "bytes",
            round(raw / n, 1),
            value / (raw / n),
            "value < 800",
            value < 800,
            details,
        )
    ]
