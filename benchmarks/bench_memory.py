"""Benchmarks of the in-memory adapter (``memory.*``): indexes and planner versus a full scan.

Data: 1,000,000 persons in 100,000 companies (a tenth with --quick), generated
with the run's fixed seed. A few companies hold 10,000 persons each (a tenth
with --quick) for the company move; the rest hold about ten. Five percent of
the persons have no company and a category of their own.

Every benchmark's ``details`` also answers the same question with SQLite (the
standard library's ``sqlite3``, in memory, hand-written SQL, an index on every
column the questions filter or join on), measured in the same run; its answer
is checked against leadcore's.
"""

from __future__ import annotations

import contextlib
import gc
import random
import sqlite3
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from benchmarks import Result, Run, benchmark, median_time
from leadcore import _collector, rules
from leadcore.adapters.memory import InMemoryStore
from leadcore.clock import FixedClock
from leadcore.criteria.ast import Criterion
from leadcore.criteria.build import condition
from leadcore.criteria.evaluate import Environment, person_predicate
from leadcore.history import HistoryEntry, HistoryKind, StatusSource
from leadcore.lists import Lists, new_database
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
from leadcore.queries import Page, Query
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

    lists: Lists
    companies: list[Company]
    persons: list[Person]
    history: list[HistoryEntry]
    big: tuple[CompanyId, ...]


def generate(run: Run) -> Dataset:
    """The benchmark data for ``run`` (deterministic for its seed and scale)."""
    rng = random.Random(run.seed)
    categories, statuses = new_database()
    lists = Lists(categories, statuses)
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


_SCHEMA = (
    "CREATE TABLE category (id INTEGER PRIMARY KEY, grp INTEGER NOT NULL)",
    "CREATE TABLE company (id INTEGER PRIMARY KEY, name TEXT, category INTEGER, owner INTEGER,"
    " registered TEXT, updated TEXT)",
    "CREATE TABLE person (id INTEGER PRIMARY KEY, company_id INTEGER, first_name TEXT,"
    " last_name TEXT, email TEXT, owner INTEGER, lead_status INTEGER, own_category INTEGER,"
    " retired INTEGER, registered TEXT, updated TEXT)",
)
_INDEXES = (
    "CREATE INDEX company_category ON company (category)",
    "CREATE INDEX company_owner ON company (owner)",
    "CREATE INDEX person_company ON person (company_id)",
    "CREATE INDEX person_owner ON person (owner)",
    "CREATE INDEX person_status ON person (lead_status)",
    "CREATE INDEX person_own_category ON person (own_category)",
)


Tables = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]


def _sqlite_tables(companies: list[Company], persons: list[Person]) -> Tables:
    company_rows = [
        (c.id, c.name, c.category_id, c.owner_id, c.registered.isoformat(), c.updated.isoformat())
        for c in companies
    ]
    person_rows = [
        (p.id, p.company_id, p.first_name, p.last_name, p.email, p.owner_id, p.lead_status_id,
         p.own_category_id, int(p.retired), p.registered.isoformat(), p.updated.isoformat())
        for p in persons
    ]  # fmt: skip
    return company_rows, person_rows


def sqlite_load(data: Dataset, tables: Tables) -> sqlite3.Connection:
    """An in-memory SQLite database with ``data``'s categories and ``tables``' rows:
    indexed tables filled by executemany in one transaction."""
    companies, persons = tables
    connection = sqlite3.connect(":memory:", isolation_level=None)
    for statement in _SCHEMA + _INDEXES:
        connection.execute(statement)
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO category VALUES (?, ?)",
        [(c.id, int(c.group)) for c in data.lists.categories.items],
    )
    connection.executemany("INSERT INTO company VALUES (?,?,?,?,?,?)", companies)
    connection.executemany("INSERT INTO person VALUES (?,?,?,?,?,?,?,?,?,?,?)", persons)
    connection.execute("COMMIT")
    connection.execute("ANALYZE")
    return connection


_SQLITE: dict[float, sqlite3.Connection] = {}


def shared_sqlite(run: Run) -> sqlite3.Connection:
    """The SQLite peer of :func:`shared`, built once per scale from the store's rows as
    they are then (benchmarks that change the store change the peer the same way)."""
    if run.scale not in _SQLITE:
        data, store = shared(run)
        tables = _sqlite_tables(_all_companies(store), _all_persons(store))
        _SQLITE[run.scale] = sqlite_load(data, tables)
    return _SQLITE[run.scale]


def _sqlite_time(run: Run, connection: sqlite3.Connection, sql: str, *args: Any) -> float:
    return median_time(lambda: connection.execute(sql, args).fetchall(), max(1, run.repeats))


_JOINED = (
    "FROM person p LEFT JOIN company c ON c.id = p.company_id "
    "LEFT JOIN category k ON k.id = c.category "
)
_SQL_THREE_LEAF = (
    "SELECT count(*) " + _JOINED + "WHERE p.lead_status IN (1, 2) AND p.owner = ? "
    "AND (k.grp IS NULL OR k.grp <> ?)"
)
_SQL_SELECTIVE = (
    "FROM person p JOIN company c ON c.id = p.company_id JOIN category k ON k.id = c.category "
    "WHERE k.grp = ? AND p.owner IN (7, 8) "
)


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
    peer = shared_sqlite(run)
    customer = int(CategoryGroup.CUSTOMER)
    assert peer.execute(_SQL_THREE_LEAF, (ME, customer)).fetchone()[0] == matched
    sqlite_s = _sqlite_time(run, peer, _SQL_THREE_LEAF, ME, customer)
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
            {
                "matched": matched,
                "baseline": "full scan with the compiled predicate",
                "sqlite_s": sqlite_s,
                "sqlite_over_leadcore": round(sqlite_s / value, 2),
                "sqlite": _SQL_THREE_LEAF,
            },
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
    peer = shared_sqlite(run)
    sql = "SELECT p.* " + _SQL_SELECTIVE + "ORDER BY p.id"
    potential = int(CategoryGroup.POTENTIAL_CUSTOMER)
    assert [r[0] for r in peer.execute(sql, (potential,))] == [p.id for p in found]
    sqlite_s = _sqlite_time(run, peer, sql, potential)
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
                "sqlite_s": sqlite_s,
                "sqlite_over_leadcore": round(sqlite_s / value, 2),
                "sqlite": sql + " (rows as tuples, no objects built)",
            },
        )
    ]


@benchmark("memory.page_first50")
def page_first50(run: Run) -> list[Result]:
    """The first page of 50 (ordered by id, with the total) of a 1%-selective find,
    versus the full find of the same criterion."""
    data, store = shared(run)
    query = Query(_selective(), current_associate=ME, now=NOW)
    paged = attrs.evolve(query, page=Page(0, 50))

    def adapter() -> object:
        with store.unit_of_work() as uow:
            return uow.persons.find_page(paged)

    def baseline() -> list[Person]:
        with store.unit_of_work() as uow:
            return uow.persons.find(query)

    whole = baseline()
    with store.unit_of_work() as uow:
        result = uow.persons.find_page(paged)
    assert list(result.items) == whole[:50], "the page is not the find's first 50"
    assert result.total == len(whole)
    peer = shared_sqlite(run)
    potential = int(CategoryGroup.POTENTIAL_CUSTOMER)
    page_sql = "SELECT p.* " + _SQL_SELECTIVE + "ORDER BY p.id LIMIT 50"
    count_sql = "SELECT count(*) " + _SQL_SELECTIVE
    assert [r[0] for r in peer.execute(page_sql, (potential,))] == [p.id for p in result.items]
    assert peer.execute(count_sql, (potential,)).fetchone()[0] == result.total

    def sqlite_page() -> None:
        peer.execute(page_sql, (potential,)).fetchall()
        peer.execute(count_sql, (potential,)).fetchone()

    sqlite_s = median_time(sqlite_page, max(1, run.repeats))
    value, base = _timed_pair(run, adapter, baseline)
    ratio = value / base
    return [
        Result(
            "memory.page_first50",
            len(data.persons),
            value,
            "s",
            base,
            ratio,
            "ratio <= 0.2",
            ratio <= 0.2,
            {
                "matched": result.total,
                "path": "persons.find_page: 50 members read from the match bitset, "
                "total from bit_count()",
                "baseline": "persons.find of the same criterion (every match, by id)",
                "sqlite_s": sqlite_s,
                "sqlite_over_leadcore": round(sqlite_s / value, 2),
                "sqlite": page_sql + "; " + count_sql,
            },
        )
    ]


def _board_criterion() -> Criterion:
    return condition(
        "person.category_group", "in", int(CategoryGroup.POTENTIAL_CUSTOMER)
    ) & condition("person.retired", "is_false")


@benchmark("memory.group_counts")
def group_counts(run: Run) -> list[Result]:
    """Counts per lead status of the persons matching a criterion (a board's columns),
    versus a full scan that groups in plain Python."""
    data, store = shared(run)
    criteria = _board_criterion()
    query = Query(criteria, current_associate=ME, now=NOW)
    persons, companies = _all_persons(store), {c.id: c for c in _all_companies(store)}
    with store.unit_of_work() as uow:
        test = person_predicate(criteria, Environment(uow.lists.load().categories, NOW, ME))

    def adapter() -> dict[int | None, int]:
        with store.unit_of_work() as uow:
            return uow.persons.count_by(query, "person.lead_status").as_dict()

    def baseline() -> dict[int | None, int]:
        counts: dict[int | None, int] = {}
        for p in persons:
            if test(p, None if p.company_id is None else companies[p.company_id]):
                counts[p.lead_status_id] = counts.get(p.lead_status_id, 0) + 1
        return counts

    found = adapter()
    assert {k: v for k, v in found.items() if v} == baseline(), "the adapter and the scan disagree"
    peer = shared_sqlite(run)
    sql = (
        "SELECT lead_status, sum(n) FROM ("
        "SELECT p.lead_status, count(*) AS n FROM category k "
        "JOIN company c ON c.category = k.id JOIN person p ON p.company_id = c.id "
        "WHERE k.grp = ?1 AND p.retired = 0 GROUP BY p.lead_status "
        "UNION ALL SELECT p.lead_status, count(*) FROM category k "
        "JOIN person p ON p.own_category = k.id "
        "WHERE k.grp = ?1 AND p.company_id IS NULL AND p.retired = 0 GROUP BY p.lead_status"
        ") GROUP BY lead_status"
    )
    potential = int(CategoryGroup.POTENTIAL_CUSTOMER)
    assert dict(peer.execute(sql, (potential,)).fetchall()) == {k: v for k, v in found.items() if v}
    sqlite_s = _sqlite_time(run, peer, sql, potential)
    value, base = _timed_pair(run, adapter, baseline)
    ratio = base / value
    return [
        Result(
            "memory.group_counts",
            len(data.persons),
            value,
            "s",
            base,
            ratio,
            "ratio >= 20",
            ratio >= 20,
            {
                "buckets": {str(k): v for k, v in found.items()},
                "criteria": "person.category_group in {Potential customer} "
                "and person.retired is false",
                "path": "persons.count_by(query, 'person.lead_status'): one "
                "(matches & status bits).bit_count() per status",
                "baseline": "full scan with the compiled predicate, grouping in a dict",
                "sqlite_s": sqlite_s,
                "sqlite_over_leadcore": round(sqlite_s / value, 2),
                "sqlite": sql,
            },
        )
    ]


@benchmark("memory.company_move_10k")
def company_move(run: Run) -> list[Result]:
    """Move a company with 10,000 persons into a lead-enabled category, through the service."""
    from leadcore.service import LeadService

    data, store = shared(run)
    peer = shared_sqlite(run)
    lead = data.lists.categories.by_name("Lead").id
    default_status = data.lists.statuses.default.id
    service = LeadService(
        store.unit_of_work,
        clock=FixedClock(NOW),
        ids=store.ids(),
        associate=ME,
    )
    size = run.size(10_000)
    times: list[float] = []
    rules_times: list[float] = []
    sqlite_times: list[float] = []
    history_before = _history_len(store)
    for company_id in data.big[: max(1, run.repeats)]:
        with store.unit_of_work() as uow:  # the baseline: the pure rules engine alone
            company, persons = uow.companies.get(company_id), uow.persons.of_company(company_id)
        gc.collect()
        start = time.perf_counter()
        lists = data.lists
        rules.change_company_category(company, persons, lists, lead, Actor(NOW, ME))
        rules_times.append(time.perf_counter() - start)
        gc.collect()
        start = time.perf_counter()
        service.companies.change_category(company_id, lead)
        times.append(time.perf_counter() - start)
        start = time.perf_counter()
        peer.execute("BEGIN")
        peer.execute(
            "UPDATE company SET category = ?, updated = ? WHERE id = ?",
            (lead, NOW.isoformat(), company_id),
        )
        peer.execute(
            "UPDATE person SET lead_status = coalesce(lead_status, ?), updated = ? "
            "WHERE company_id = ?",
            (default_status, NOW.isoformat(), company_id),
        )
        peer.execute("COMMIT")  # fmt: skip
        sqlite_times.append(time.perf_counter() - start)
    appended = _history_len(store) - history_before
    times.sort()
    rules_times.sort()
    sqlite_times.sort()
    per_person = times[len(times) // 2] / size * 1e6
    rules_per_person = rules_times[len(rules_times) // 2] / size * 1e6
    sqlite_per_person = sqlite_times[len(sqlite_times) // 2] / size * 1e6
    with store.unit_of_work() as uow:
        opened = uow.persons.count(
            Query(
                condition("company.id", "eq", int(data.big[0]))
                & condition("person.lead_status", "in", 1)
            )
        )
    ratio = per_person / rules_per_person
    return [
        Result(
            "memory.company_move_10k",
            size,
            per_person,
            "us/person",
            rules_per_person,
            ratio,
            "ratio <= 2.5",
            ratio <= 2.5,
            {
                "median_seconds": times[len(times) // 2],
                "moves": len(times),
                "history_appended": appended,
                "persons_opened_in_first": opened,
                "path": "service.companies.change_category (rules + unit of work + commit)",
                "baseline": "rules.change_company_category alone on the same persons, "
                "measured in the same run",
                "sqlite_us_per_person": round(sqlite_per_person, 3),
                "sqlite": "one transaction: UPDATE company ...; UPDATE person SET "
                "lead_status = coalesce(lead_status, default), updated = ? WHERE company_id = ? "
                "(no history rows)",
            },
        )
    ]


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _full_collection() -> float:
    start = time.perf_counter()
    gc.collect()
    return time.perf_counter() - start


@benchmark("memory.load")
def load(run: Run) -> list[Result]:
    """Loading persons with their companies from rows in memory, in rows per second,
    versus SQLite ``executemany`` of the same rows into indexed tables; opening a store
    file (JSON snapshot, history included) is reported beside it."""
    from pathlib import Path

    data, store = shared(run)
    rows = len(data.persons) + len(data.companies)
    with tempfile.TemporaryDirectory() as folder:
        path = store.save(Path(folder) / "crm.json")
        file_bytes = path.stat().st_size
        gc.collect()
        seconds, loaded = _timed(lambda: InMemoryStore.load(path))
        assert isinstance(loaded, InMemoryStore)
        assert len(loaded) == len(data.persons)
        pause_before = _full_collection()
        loaded.freeze()
        pause_frozen = _full_collection()
        gc.unfreeze()
        del loaded
        gc.collect()
        paused = _collector.collector_paused
        _collector.collector_paused = contextlib.nullcontext  # type: ignore[assignment]
        try:
            unpaused_seconds, unpaused = _timed(lambda: InMemoryStore.load(path))
        finally:
            _collector.collector_paused = paused
        del unpaused
        gc.collect()
    bulk_seconds, bulk = _timed(lambda: build_store(data))
    del bulk
    gc.collect()
    company_values = [attrs.astuple(c, recurse=False) for c in data.companies]
    person_values = [attrs.astuple(p, recurse=False) for p in data.persons]

    def from_rows() -> InMemoryStore:
        """The same question SQLite answers: rows in memory into an indexed store,
        each record built (and checked) from its row."""
        built = InMemoryStore(data.lists, clock=FixedClock(NOW))
        built.load_bulk(
            [Company(*values) for values in company_values],
            [Person(*values) for values in person_values],
        )
        return built

    rows_seconds, from_rows_store = _timed(from_rows)
    del from_rows_store
    gc.collect()
    tables = _sqlite_tables(data.companies, data.persons)
    sqlite_seconds, peer = _timed(lambda: sqlite_load(data, tables))
    assert isinstance(peer, sqlite3.Connection)
    assert peer.execute("SELECT count(*) FROM person").fetchone()[0] == len(data.persons)
    peer.close()
    value = rows / rows_seconds
    baseline = rows / sqlite_seconds
    ratio = value / baseline
    return [
        Result(
            "memory.load",
            rows,
            round(value),
            "rows/s",
            round(baseline),
            ratio,
            "ratio >= 1",
            ratio >= 1,
            {
                "path": "rows (tuples of values) in memory: build and check every company "
                "and person, bulk-load them and build the indexes (history not included, "
                "as in the SQLite peer)",
                "seconds": round(rows_seconds, 3),
                "from_file_rows_per_s": round(rows / seconds),
                "from_file_seconds": round(seconds, 3),
                "from_file_path": "InMemoryStore.load(path): read the JSON snapshot (history "
                "included), build and check every record, build the indexes",
                "persons": len(data.persons),
                "companies": len(data.companies),
                "history_entries": len(data.history),
                "file_mb": round(file_bytes / 1e6, 1),
                "seconds_with_the_collector_running": round(unpaused_seconds, 3),
                "full_collection_pause_s": round(pause_before, 3),
                "full_collection_pause_after_freeze_s": round(pause_frozen, 3),
                "load_bulk_rows_per_s": round(rows / bulk_seconds),
                "load_bulk_note": "records already built in memory: the store and its indexes",
                "baseline": "SQLite (in memory) executemany of the same rows, as tuples "
                "already in memory, into tables with 6 indexes, one transaction, then ANALYZE",
                "sqlite_seconds": round(sqlite_seconds, 3),
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
        store._state.history.clear()
        store._state.history_of.clear()
        gc.collect()
        without_history, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    index_bytes = store._state.indexes.nbytes()
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
    del store
    gc.collect()
    peer = shared_sqlite(run)
    pages = peer.execute("PRAGMA page_count").fetchone()[0]
    page_size = peer.execute("PRAGMA page_size").fetchone()[0]
    details["sqlite_bytes_per_person"] = round(pages * page_size / n, 1)
    details["sqlite"] = (
        "the same persons and companies (no history) in SQLite's in-memory database with "
        "its 6 indexes: page_count * page_size"
    )
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
