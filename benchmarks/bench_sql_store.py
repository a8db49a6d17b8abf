"""SQL adapter storage benchmarks: the import call's load rate and one command's commit time.

Per database (``sql.sqlite.*``; ``sql.postgresql.*`` where PostgreSQL is
reachable at 127.0.0.1:5432, database ``test``, in a schema of its own):

- ``import_load``: 1,000,000 persons in 100,000 companies through
  ``LeadService.import_records`` (every row through the rules, history
  included) into an empty database; the value is rows per second. Baseline:
  the same number of person rows inserted by hand (stdlib ``sqlite3``
  ``executemany`` for SQLite, ``COPY`` for PostgreSQL), no rules; ``ratio`` is
  the baseline's rate over leadcore's (context only: the import checks and
  derives every row).
- ``commit_1m_vs_1k``: the median time of one small command
  (``persons.set_lead_status`` on one person) on a store of 1,000,000 persons against
  one of 1,000 (the population of ``bench_criteria``). Target: ratio <= 2.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, insert

from benchmarks import Result, Run, benchmark
from benchmarks._postgres import CLEANUP, PG_URL, new_schema, postgres_unreachable
from benchmarks.bench_sql import _make_rows
from leadcore.adapters.sql import SqlStore, make_engine
from leadcore.adapters.sql._engine import begin_write
from leadcore.adapters.sql._schema import companies, persons
from leadcore.clock import FixedClock
from leadcore.importing import CompanyRow, PersonRow
from leadcore.lists import Lists, new_database
from leadcore.model import AssociateId, LeadStatusId, PersonId
from leadcore.service import LeadService


def _new_engine(dialect: str) -> Engine:
    """An empty database of ``dialect`` (a temporary SQLite file or a new PostgreSQL schema)."""
    if dialect == "sqlite":
        directory = tempfile.TemporaryDirectory(prefix="leadcore-bench-")
        CLEANUP.append(directory.cleanup)
        engine = make_engine(os.path.join(directory.name, "crm.db"))
        CLEANUP.append(engine.dispose)
        return engine
    schema = new_schema()
    engine = make_engine(f"{PG_URL}?options=-csearch_path%3D{schema}")
    CLEANUP.append(engine.dispose)
    return engine


def _service(store: SqlStore) -> LeadService:
    return LeadService(
        store.unit_of_work,
        clock=FixedClock(store.clock.now()),
        ids=store.ids(),
        associate=AssociateId(1),
    )


def _skipped(name: str, why: str) -> list[Result]:
    return [Result(name, 1, 0.0, "s", None, None, "skipped", True, {"skipped": why})]


def _import_load(name: str, dialect: str, run: Run) -> list[Result]:
    n = run.size(1_000_000)
    lists = Lists(*new_database())
    lead = lists.categories.by_name("Lead").id
    company_rows = [
        CompanyRow(f"c{i}", f"Company {i}", category_id=lead) for i in range(max(1, n // 10))
    ]
    person_rows = [
        PersonRow(f"First {i}", f"Last {i}", company_key=f"c{i % len(company_rows)}")
        for i in range(n)
    ]
    store = SqlStore.open(_new_engine(dialect), lists=lists)
    service = _service(store)
    start = time.perf_counter()
    report = service.import_records(company_rows, person_rows)
    seconds = time.perf_counter() - start
    store.close()
    assert report.imported_persons == n
    rate = n / seconds
    baseline_rate = n / _hand_insert(dialect, n)
    return [
        Result(
            name,
            n,
            rate,
            "rows/s",
            baseline_rate,
            baseline_rate / rate,
            "report rows per second (ratio: hand insert's rate over the import's)",
            True,
            {"seconds": seconds, "companies": len(company_rows)},
        )
    ]


def _hand_insert(dialect: str, n: int) -> float:
    """Seconds to insert ``n`` bare person rows by hand into an empty table."""
    rows = [(i, f"First {i}", f"Last {i}") for i in range(1, n + 1)]
    if dialect == "sqlite":
        directory = tempfile.TemporaryDirectory(prefix="leadcore-bench-")
        with sqlite3.connect(os.path.join(directory.name, "hand.db")) as db:
            db.execute("CREATE TABLE p (id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT)")
            start = time.perf_counter()
            db.executemany("INSERT INTO p VALUES (?, ?, ?)", rows)
            db.commit()
            seconds = time.perf_counter() - start
        directory.cleanup()
        return seconds
    engine = _new_engine("postgresql")
    with engine.begin() as db:
        db.exec_driver_sql(
            "CREATE TABLE p (id integer PRIMARY KEY, first_name text, last_name text)"
        )
    start = time.perf_counter()
    with engine.begin() as db:
        cursor = db.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy("COPY p (id, first_name, last_name) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    return time.perf_counter() - start


def _loaded_store(dialect: str, n: int, run: Run) -> SqlStore:
    """A store holding the criteria benchmark's population of ``n`` persons."""
    company_rows, person_rows, _ = _make_rows(Run(scale=n / 1_000_000, seed=run.seed))
    engine = _new_engine(dialect)
    store = SqlStore.open(engine)
    with begin_write(engine) as db:
        for table, rows in ((companies, company_rows), (persons, person_rows)):
            for begin in range(0, len(rows), 50_000):
                db.execute(insert(table), rows[begin : begin + 50_000])
        db.commit()
    with engine.connect() as db:
        db.exec_driver_sql("ANALYZE")
        db.commit()
    return store


def _commit_time(store: SqlStore, repeats: int) -> float:
    service = _service(store)
    person = PersonId(1)
    visible = service.persons.lead_status_view(person).visible
    times = []
    for k in range(max(3, repeats)):
        status = LeadStatusId(1 + k % 3)
        start = time.perf_counter()
        if visible:
            service.persons.set_lead_status(person, status)
        else:
            service.persons.edit(person, last_name=f"Edit {k}")
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _commit_1m_vs_1k(name: str, dialect: str, run: Run) -> list[Result]:
    big_n = run.size(1_000_000)
    small_n = max(10, min(1_000, big_n // 10))
    big = _loaded_store(dialect, big_n, run)
    small = _loaded_store(dialect, small_n, run)
    repeats = max(5, run.repeats * 3)
    big_time = _commit_time(big, repeats)
    small_time = _commit_time(small, repeats)
    big.close()
    small.close()
    ratio = big_time / small_time
    return [
        Result(
            name,
            big_n,
            big_time,
            "s",
            small_time,
            ratio,
            f"one command's commit on {big_n} persons <= 2x on {small_n}",
            ratio <= 2,
            {"small_n": small_n},
        )
    ]


def _register(dialect: str) -> None:
    def guarded(fn: Callable[[str, str, Run], list[Result]], name: str) -> Any:
        def run_it(run: Run) -> list[Result]:
            if dialect == "postgresql":
                why = postgres_unreachable()
                if why is not None:
                    return _skipped(name, why)
            return fn(name, dialect, run)

        return run_it

    for short, fn in (("import_load", _import_load), ("commit_1m_vs_1k", _commit_1m_vs_1k)):
        name = f"sql.{dialect}.{short}"
        benchmark(name)(guarded(fn, name))


_register("sqlite")
_register("postgresql")
