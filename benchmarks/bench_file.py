"""Benchmarks of the journaled file store (``memory.*`` names, file-backed stores).

The files live in a scratch folder beside the repository (on the same disk as
the work, not in a RAM-backed /tmp), removed afterwards. Every durable commit
pays an ``fdatasync``; the baselines measure that floor in the same run, and
``details`` answers the same question with SQLite (stdlib ``sqlite3``, WAL,
``synchronous=FULL``: one durable transaction per command) as a peer.
"""

from __future__ import annotations

import gc
import os
import shutil
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks import Result, Run, benchmark
from benchmarks.bench_memory import ME, NOW, Dataset, build_store, shared
from leadcore.adapters.memory import InMemoryStore
from leadcore.clock import FixedClock
from leadcore.criteria.build import condition
from leadcore.model import LeadStatusId, PersonId
from leadcore.queries import Query
from leadcore.service import LeadService

_SCRATCH = Path(__file__).resolve().parent.parent / ".bench-scratch"


@contextmanager
def _scratch() -> Iterator[Path]:
    _SCRATCH.mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=_SCRATCH))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _service(store: InMemoryStore) -> LeadService:
    return LeadService(store.unit_of_work, clock=FixedClock(NOW), ids=store.ids(), associate=ME)


def _subset(data: Dataset, persons: int) -> Dataset:
    """The last ``persons`` persons of ``data`` and their companies (the big ones come first)."""
    chosen = data.persons[-persons:]
    needed = {p.company_id for p in chosen}
    ids = {p.id for p in chosen}
    return Dataset(
        data.lists,
        [c for c in data.companies if c.id in needed],
        chosen,
        [h for h in data.history if h.person_id in ids],
        data.big,
    )


def _file_store(data: Dataset, path: Path) -> InMemoryStore:
    build_store(data).save(path)
    return InMemoryStore.open(path, clock=FixedClock(NOW))


def _lead_persons(store: InMemoryStore, count: int) -> list[PersonId]:
    """``count`` persons whose lead status is visible (so that it can be set)."""
    with store.unit_of_work() as uow:
        enabled = [c.id for c in uow.lists.load().categories.items if c.lead_enabled]
        visible = condition("person.category", "in", *enabled)
        found = [p.id for p in uow.persons.find(Query(visible, now=NOW))[:count]]
    assert found, "the data has no person with a visible lead status"
    return found


def _status_commits(store: InMemoryStore, commits: int) -> float:
    """Seconds per ``persons.set_lead_status`` command, alternating Contacting and Qualified."""
    service = _service(store)
    people = _lead_persons(store, 50)
    start = time.perf_counter()
    for n in range(commits):
        service.persons.set_lead_status(
            people[n % len(people)], LeadStatusId(2 + (n // len(people)) % 2)
        )
    return (time.perf_counter() - start) / commits


def _sqlite_connection(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute(
        "CREATE TABLE person (id INTEGER PRIMARY KEY, company_id INTEGER, first_name TEXT, "
        "last_name TEXT, email TEXT, owner_id INTEGER, lead_status_id INTEGER, "
        "registered TEXT, version INTEGER)"
    )
    connection.execute("CREATE INDEX person_status ON person (lead_status_id)")
    connection.execute("CREATE INDEX person_company ON person (company_id)")
    return connection


def _sqlite_rows(data: Dataset) -> list[tuple[object, ...]]:
    return [
        (
            p.id,
            p.company_id,
            p.first_name,
            p.last_name,
            p.email,
            p.owner_id,
            p.lead_status_id,
            p.registered.isoformat(),
            1,
        )
        for p in data.persons
    ]


def _sqlite_update_commits(data: Dataset, folder: Path, commits: int) -> float:
    """Seconds per one-row UPDATE in its own durable transaction."""
    connection = _sqlite_connection(folder / f"peer-{len(data.persons)}.db")
    connection.execute("BEGIN")
    connection.executemany("INSERT INTO person VALUES (?,?,?,?,?,?,?,?,?)", _sqlite_rows(data))
    connection.execute("COMMIT")
    ids = [p.id for p in data.persons[:50]]
    start = time.perf_counter()
    for n in range(commits):
        connection.execute("BEGIN")
        connection.execute(
            "UPDATE person SET lead_status_id = ?, version = version + 1 WHERE id = ?",
            (2 + (n // 50) % 2, ids[n % 50]),
        )
        connection.execute("COMMIT")
    elapsed = (time.perf_counter() - start) / commits
    connection.close()
    return elapsed


@benchmark("memory.commit_growth")
def commit_growth(run: Run) -> list[Result]:
    """One small command on a file store of 100,000 persons against one of 1,000."""
    data, _ = shared(run)
    large_n = min(run.size(100_000), len(data.persons))
    commits = run.size(3_000)
    with _scratch() as folder:
        small_data, large_data = _subset(data, 1_000), _subset(data, large_n)
        with _file_store(small_data, folder / "small.json") as small:
            per_small = _status_commits(small, commits)
        with _file_store(large_data, folder / "large.json") as large:
            per_large = _status_commits(large, commits)
            snapshot_mb = (folder / "large.json").stat().st_size / 1e6
        peer_small = _sqlite_update_commits(small_data, folder, commits)
        peer_large = _sqlite_update_commits(large_data, folder, commits)
    ratio = per_large / per_small
    return [
        Result(
            "memory.commit_growth",
            large_n,
            round(per_large * 1e3, 4),
            "ms per commit",
            round(per_small * 1e3, 4),
            round(ratio, 2),
            "ratio <= 2",
            ratio <= 2,
            {
                "commits": commits,
                "small_persons": 1_000,
                "large_snapshot_mb": round(snapshot_mb, 1),
                "sqlite_ms_per_commit_small": round(peer_small * 1e3, 4),
                "sqlite_ms_per_commit_large": round(peer_large * 1e3, 4),
            },
        )
    ]


def _fsync_floor(folder: Path, count: int) -> float:
    """Seconds for ``count`` appends of 400 bytes, each followed by one fdatasync."""
    sync = getattr(os, "fdatasync", os.fsync)
    fd = os.open(folder / "floor", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        start = time.perf_counter()
        for _ in range(count):
            os.write(fd, b"x" * 400)
            sync(fd)
        return time.perf_counter() - start
    finally:
        os.close(fd)


def _add_persons(service: LeadService, count: int) -> float:
    lead = service.lists().categories.by_name("Lead").id
    companies = [service.companies.add(f"Company {n}", category_id=lead).id for n in range(10)]
    start = time.perf_counter()
    for n in range(count):
        service.persons.add("Ann", f"No. {n}", company_id=companies[n % 10], email=f"a{n}@x.dk")
    return time.perf_counter() - start


def _sqlite_inserts(folder: Path, count: int) -> float:
    connection = _sqlite_connection(folder / "peer-import.db")
    start = time.perf_counter()
    for n in range(count):
        connection.execute("BEGIN")
        connection.execute(
            "INSERT INTO person VALUES (?,?,?,?,?,?,?,?,?)",
            (n + 1, n % 10 + 1, "Ann", f"No. {n}", f"a{n}@x.dk", None, 1, NOW.isoformat(), 1),
        )
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


@benchmark("memory.import_file")
def import_file(run: Run) -> list[Result]:
    """100,000 persons added one command each to a file store, against the durable floor."""
    count = run.size(100_000)
    with _scratch() as folder:
        with InMemoryStore.open(folder / "crm.json", clock=FixedClock(NOW)) as store:
            durable = _add_persons(_service(store), count)
            compaction_error = store.compaction_error
        in_memory = _add_persons(_service(InMemoryStore(clock=FixedClock(NOW))), count)
        floor = _fsync_floor(folder, count)
        peer = _sqlite_inserts(folder, count)
    baseline = in_memory + floor
    ratio = durable / baseline
    return [
        Result(
            "memory.import_file",
            count,
            round(durable, 3),
            "s",
            round(baseline, 3),
            round(ratio, 2),
            "ratio <= 2",
            ratio <= 2 and compaction_error is None,
            {
                "persons_per_second": round(count / durable),
                "in_memory_s": round(in_memory, 3),
                "fdatasync_floor_s": round(floor, 3),
                "sqlite_one_transaction_each_s": round(peer, 3),
            },
        )
    ]


def _count_latencies(store: InMemoryStore, until: threading.Event) -> list[float]:
    query = Query(condition("person.lead_status", "in", 1, 2), now=NOW)
    latencies = []
    while not until.is_set():
        start = time.perf_counter()
        with store.unit_of_work() as uow:
            uow.persons.count(query)
        latencies.append(time.perf_counter() - start)
    return latencies


@benchmark("memory.reader_wait")
def reader_wait(run: Run) -> list[Result]:
    """The longest ``persons.count`` while a 1,000,000-person store compacts, against its median."""
    data, _ = shared(run)
    with _scratch() as folder, _file_store(data, folder / "crm.json") as store:
        idle_stop = threading.Event()
        timer = threading.Timer(1.0, idle_stop.set)
        timer.start()
        idle = _count_latencies(store, idle_stop)
        done = threading.Event()

        def compact() -> None:
            started = time.perf_counter()
            store.save()
            compact.seconds = time.perf_counter() - started  # type: ignore[attr-defined]
            done.set()

        compactor = threading.Thread(target=compact)
        compactor.start()
        during = _count_latencies(store, done)
        compactor.join()
        seconds = compact.seconds  # type: ignore[attr-defined]
    median = statistics.median(idle)
    longest = max(during)
    return [
        Result(
            "memory.reader_wait",
            len(data.persons),
            round(longest * 1e3, 3),
            "ms longest count during compaction",
            round(median * 1e3, 3),
            round(longest / median, 1),
            "longest <= 100 ms",
            longest <= 0.1,
            {
                "compaction_s": round(seconds, 2),
                "counts_during_compaction": len(during),
                "median_during_compaction_ms": round(statistics.median(during) * 1e3, 3),
                "switch_interval_ms": 5.0,
            },
        )
    ]


def _json_lines(path: Path) -> float:
    import json

    start = time.perf_counter()
    with path.open("rb") as handle:
        for line in handle:
            json.loads(line)
    return time.perf_counter() - start


def _sqlite_read_all(data: Dataset, folder: Path) -> float:
    path = folder / "peer-read.db"
    connection = _sqlite_connection(path)
    connection.execute("BEGIN")
    connection.executemany("INSERT INTO person VALUES (?,?,?,?,?,?,?,?,?)", _sqlite_rows(data))
    connection.execute("COMMIT")
    connection.close()
    start = time.perf_counter()
    connection = sqlite3.connect(path)
    rows = connection.execute("SELECT * FROM person").fetchall()
    connection.close()
    assert len(rows) == len(data.persons)
    return time.perf_counter() - start


@benchmark("memory.reopen")
def reopen(run: Run) -> list[Result]:
    """Opening a 1,000,000-person file store, against parsing its JSON lines alone."""
    data, _ = shared(run)
    with _scratch() as folder:
        path = folder / "crm.json"
        build_store(data).save(path)
        size_mb = path.stat().st_size / 1e6
        gc.collect()
        start = time.perf_counter()
        store = InMemoryStore.open(path, clock=FixedClock(NOW))
        seconds = time.perf_counter() - start
        store.close()
        del store
        parse = _json_lines(path)
        peer = _sqlite_read_all(data, folder)
    ratio = seconds / parse
    return [
        Result(
            "memory.reopen",
            len(data.persons),
            round(seconds, 2),
            "s",
            round(parse, 2),
            round(ratio, 2),
            "ratio <= 4",
            ratio <= 4,
            {
                "snapshot_mb": round(size_mb, 1),
                "mb_per_s": round(size_mb / seconds, 1),
                "records": len(data.persons) + len(data.companies) + len(data.history),
                "sqlite_select_all_persons_s": round(peer, 2),
            },
        )
    ]
