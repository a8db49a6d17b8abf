"""Concurrent reads through one service on PostgreSQL (``sql.postgresql.concurrent_reads``).

A store of 200,000 persons in 20,000 companies (the criteria benchmark's
population; 20,000 with --quick) serves a fixed mix of the reads a web backend
sends: Find pages (``persons.find_page`` of a three-leaf criterion and of a
category group, 50 rows with the total; ``views.find_results`` with its
columns), a lead-status board (``views.board`` of a criterion: the column
counts and 10 cards per column), grouped counts by owner and a company page.
The same reads run once on one thread and once on 8 threads sharing the one
service, each thread taking the next read from a shared queue; the value is the
throughput on 8 threads (reads per second), the baseline the throughput on one
thread, ``ratio`` their quotient. Target: ratio >= 1.6 on the 2-core
development machine, where the database server and the Python process share
the cores: while one thread's query runs in a PostgreSQL backend, other
threads build their queries and read their rows. (SQLite is not measured so:
its work in these reads is mostly Python's, the case-folding function and the
row conversion, under the interpreter lock; 8 threads gave 0.86x one thread
in a quick run, while a slow read no longer holds up the others.)

``details.serialized_ratio`` is the same 8-thread run with every unit of work
held behind one lock, as the SQL store did before reads ran side by side: what
the change bought.
"""

from __future__ import annotations

import collections
import statistics
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from benchmarks import Result, Run, benchmark
from benchmarks._postgres import postgres_unreachable
from benchmarks.bench_criteria import _ME, _NOW
from benchmarks.bench_sql import _CRITERION
from benchmarks.bench_sql_store import _loaded_store
from leadcore.adapters.sql import SqlStore
from leadcore.clock import FixedClock
from leadcore.criteria.build import condition
from leadcore.model import CategoryGroup
from leadcore.ports import UnitOfWork
from leadcore.queries import Page
from leadcore.service import LeadService

THREADS = 8
ROUNDS = 8
"""How many times the mix of reads is sent per measurement."""


class _Serialized:
    """A unit of work held behind one lock from ``with`` to its end (the old SQL store)."""

    def __init__(self, inner: UnitOfWork, gate: threading.Lock) -> None:
        self._inner, self._gate = inner, gate

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __enter__(self) -> _Serialized:
        self._gate.acquire()
        self._inner.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._inner.__exit__(exc_type, exc, tb)
        finally:
            self._gate.release()


def _service(store: SqlStore, *, serialized: bool = False) -> LeadService:
    factory: Callable[[], Any] = store.unit_of_work
    if serialized:
        gate = threading.Lock()

        def factory() -> Any:
            return _Serialized(store.unit_of_work(), gate)

    return LeadService(factory, clock=FixedClock(_NOW), ids=store.ids(), associate=_ME)


def _mix(service: LeadService) -> list[Callable[[], object]]:
    """The reads of one round."""
    open_leads = condition("person.lead_status", "in", 1, 2) & condition(
        "person.retired", "is_false"
    )
    prospects = condition("company.category_group", "in", CategoryGroup.POTENTIAL_CUSTOMER)
    return [
        lambda: service.persons.find_page(_CRITERION, page=Page(0, 50)),
        lambda: service.views.board(open_leads, cards=10),
        lambda: service.persons.find_page(prospects, page=Page(100, 50)),
        lambda: service.persons.count_by("person.owner", open_leads),
        lambda: service.views.find_results(open_leads, None, page=Page(0, 50)),
        lambda: service.companies.find_page(prospects, page=Page(0, 50)),
    ]


def _run(service: LeadService, threads: int) -> float:
    """Seconds to send ROUNDS rounds of the mix, each of ``threads`` threads taking the
    next read from one queue."""
    queue = collections.deque(_mix(service) * ROUNDS)
    errors: list[BaseException] = []
    start = threading.Barrier(threads + 1)

    def work() -> None:
        start.wait()
        try:
            while True:
                try:
                    read = queue.popleft()
                except IndexError:
                    return
                read()
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    began = time.perf_counter()
    start.wait()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - began
    if errors:
        raise errors[0]
    return seconds


def _median(service: LeadService, threads: int, repeats: int) -> float:
    return statistics.median(_run(service, threads) for _ in range(repeats))


def _concurrent_reads(name: str, dialect: str, run: Run) -> list[Result]:
    n = run.size(200_000)
    store = _loaded_store(dialect, n, run)
    try:
        service = _service(store)
        reads = len(_mix(service)) * ROUNDS
        _run(service, THREADS)  # warm: the pool's connections, plans, caches
        repeats = max(1, min(run.repeats, 3))
        one = _median(service, 1, repeats)
        many = _median(service, THREADS, repeats)
        serialized = _median(_service(store, serialized=True), THREADS, repeats)
    finally:
        store.close()
    ratio = one / many
    return [
        Result(
            name,
            n,
            reads / many,
            "reads/s",
            reads / one,
            ratio,
            f"throughput on {THREADS} threads >= 1.6x one thread",
            ratio >= 1.6,
            {
                "threads": THREADS,
                "reads": reads,
                "seconds_one_thread": one,
                "seconds_threads": many,
                "seconds_serialized": serialized,
                "serialized_ratio": one / serialized,
            },
        )
    ]


def _register(dialect: str) -> None:
    name = f"sql.{dialect}.concurrent_reads"

    def run_it(run: Run) -> list[Result]:
        if dialect == "postgresql":
            why = postgres_unreachable()
            if why is not None:
                return [
                    Result(name, 1, 0.0, "reads/s", None, None, "skipped", True, {"skipped": why})
                ]
        return _concurrent_reads(name, dialect, run)

    benchmark(name)(run_it)


_register("postgresql")
