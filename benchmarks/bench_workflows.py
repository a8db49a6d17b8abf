"""Benchmarks of the workflows: bulk set-status and lead distribution (``workflows.*``).

Data: 100,000 persons (a tenth with --quick) in 20,000 companies of the two
lead-enabled categories (so every status is visible and editable), imported
with the run's fixed seed; every person starts Open.

``workflows.bulk_status``: ``service.bulk.apply`` setting the status of
every person (batches of 1,000, each a unit of work on the embedded default,
with history entries of source ``bulk``), persons per second. Each repeat
sets another status, so every person changes every time. The baseline is the
rules engine alone on the same persons: ``rules.set_lead_status`` for each,
nothing stored. Target: bulk reaches at least a third of the rules' rate.
``details`` gives SQLite (stdlib ``sqlite3``, in memory, indexed): the same
change as ``UPDATE`` of the person rows plus ``INSERT`` of the history rows,
a transaction per 1,000 persons.

``workflows.distribute``: ``service.distribution.distribute`` handing the same
persons (without owner) to 50 associates round robin, persons per second;
baseline the same round robin as ``UPDATE person SET owner`` in SQLite,
a transaction per 1,000 persons.
"""

from __future__ import annotations

import gc
import itertools
import random
import sqlite3
import time
from datetime import UTC, datetime

from benchmarks import Result, Run, benchmark
from leadcore import rules
from leadcore.clock import FixedClock
from leadcore.importing import CompanyRow, PersonRow
from leadcore.lists import Lists
from leadcore.model import Company, CompanyId, LeadStatusId, Person, PersonId
from leadcore.service import LeadService
from leadcore.workflows import BulkScope, Distribute, SetLeadStatus

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
BATCH = 1000


def _service(run: Run) -> tuple[LeadService, list[PersonId]]:
    rng = random.Random(run.seed)
    service = LeadService.in_memory(clock=FixedClock(NOW))
    categories = service.lists().categories
    enabled = [c.id for c in categories.active() if c.lead_enabled]
    n_persons, n_companies = run.size(100_000), max(1, run.size(20_000))
    companies = [
        CompanyRow(f"c{k}", f"Company {k}", category_id=rng.choice(enabled))
        for k in range(n_companies)
    ]
    persons = [
        PersonRow(f"P{n}", f"L{n % 97}", company_key=f"c{rng.randrange(n_companies)}")
        for n in range(n_persons)
    ]
    report = service.import_records(companies, persons, on_error="stop")
    return service, [p for p in report.persons if p is not None]


def _targets(service: LeadService) -> list[LeadStatusId]:
    statuses = service.lists().statuses
    return [statuses.by_key(k).id for k in ("contacting", "qualified", "renurture", "open")]


def _rules_alone(persons: list[Person], companies: dict[CompanyId, Company], lists: Lists,
                 status: LeadStatusId) -> float:  # fmt: skip
    actor = rules.Actor(NOW)
    start = time.perf_counter()
    for person in persons:
        company = None if person.company_id is None else companies[person.company_id]
        rules.set_lead_status(person, company, lists, status, actor)
    return time.perf_counter() - start


def _sqlite_database(persons: list[Person]) -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:")
    connection.executescript(
        """
        CREATE TABLE person (id INTEGER PRIMARY KEY, company INTEGER, status INTEGER,
                             owner INTEGER, version INTEGER, updated TEXT);
        CREATE TABLE history (person INTEGER, from_status INTEGER, to_status INTEGER,
                              at TEXT, source TEXT);
        CREATE INDEX person_company ON person(company);
        CREATE INDEX person_status ON person(status);
        CREATE INDEX person_owner ON person(owner);
        CREATE INDEX history_person ON history(person);
        """
    )
    with connection:
        connection.executemany(
            "INSERT INTO person VALUES (?,?,?,?,1,?)",
            [(p.id, p.company_id, p.lead_status_id, None, NOW.isoformat()) for p in persons],
        )
    return connection


def _sqlite_status(connection: sqlite3.Connection, ids: list[PersonId], status: int) -> float:
    at = NOW.isoformat()
    start = time.perf_counter()
    for k in range(0, len(ids), BATCH):
        batch = ids[k : k + BATCH]
        with connection:
            marks = ",".join("?" * len(batch))
            before = connection.execute(
                f"SELECT id, status FROM person WHERE id IN ({marks})", batch
            ).fetchall()
            connection.executemany(
                "UPDATE person SET status = ?, version = version + 1, updated = ? WHERE id = ?",
                [(status, at, i) for i, _ in before],
            )
            connection.executemany(
                "INSERT INTO history VALUES (?,?,?,?,'bulk')",
                [(i, old, status, at) for i, old in before],
            )
    return time.perf_counter() - start


@benchmark("workflows.bulk_status")
def bulk_status(run: Run) -> list[Result]:
    """Bulk set-status of every person against the rules engine alone."""
    service, ids = _service(run)
    targets = _targets(service)
    engine_lists = service.lists()
    repeats = max(1, min(run.repeats, 3))
    bulks: list[float] = []
    baselines: list[float] = []
    peers: list[float] = []
    connection = _sqlite_database(service.persons.get_many(ids))
    scope = BulkScope.of_ids(persons=ids)
    for k in range(repeats):
        status = targets[k % len(targets)]
        persons = service.persons.get_many(ids)
        companies = {c.id: c for c in service.companies.find()}
        gc.collect()
        baselines.append(_rules_alone(persons, companies, engine_lists, status))
        gc.collect()
        start = time.perf_counter()
        log = service.bulk.apply(scope, SetLeadStatus(status), batch_size=BATCH)
        bulks.append(time.perf_counter() - start)
        assert len(log.changed) == len(ids), "every person must change in every repeat"
        gc.collect()
        peers.append(_sqlite_status(connection, ids, status))
    connection.close()
    n = len(ids)
    bulk_rate = n / sorted(bulks)[len(bulks) // 2]
    rules_rate = n / sorted(baselines)[len(baselines) // 2]
    sqlite_rate = n / sorted(peers)[len(peers) // 2]
    ratio = bulk_rate / rules_rate
    return [
        Result(
            benchmark="workflows.bulk_status",
            n=n,
            value=round(bulk_rate),
            unit="persons/s",
            baseline=round(rules_rate),
            ratio=round(ratio, 3),
            target="ratio >= 0.333 (bulk at least a third of the rules engine's rate)",
            met=ratio >= 1 / 3,
            details={
                "batch_size": BATCH,
                "bulk_s": [round(t, 3) for t in bulks],
                "rules_alone_s": [round(t, 3) for t in baselines],
                "sqlite_persons_per_s": round(sqlite_rate),
                "sqlite_s": [round(t, 3) for t in peers],
                "bulk_vs_sqlite": round(bulk_rate / sqlite_rate, 3),
            },
        )
    ]


@benchmark("workflows.distribute")
def distribute(run: Run) -> list[Result]:
    """Distributing the persons over 50 associates, round robin."""
    service, ids = _service(run)
    associates = tuple(service.associates.add(f"Associate {k}").id for k in range(50))
    to = Distribute(associates=associates)
    connection = _sqlite_database(service.persons.get_many(ids))
    gc.collect()
    start = time.perf_counter()
    log = service.distribution.distribute(BulkScope.of_ids(persons=ids), to, batch_size=BATCH)
    elapsed = time.perf_counter() - start
    assert len(log.changed) == len(ids)
    counts: dict[int, int] = {}
    for change in log.changed:
        assert change.after is not None
        counts[change.after] = counts.get(change.after, 0) + 1
    gc.collect()
    owners = itertools.cycle(associates)
    at = NOW.isoformat()
    start = time.perf_counter()
    for k in range(0, len(ids), BATCH):
        with connection:
            connection.executemany(
                "UPDATE person SET owner = ?, version = version + 1, updated = ? WHERE id = ?",
                [(next(owners), at, i) for i in ids[k : k + BATCH]],
            )
    peer = time.perf_counter() - start
    connection.close()
    n = len(ids)
    rate, sqlite_rate = n / elapsed, n / peer
    spread = max(counts.values()) - min(counts.get(a, 0) for a in associates)
    return [
        Result(
            benchmark="workflows.distribute",
            n=n,
            value=round(rate),
            unit="persons/s",
            baseline=round(sqlite_rate),
            ratio=round(rate / sqlite_rate, 3),
            target="report persons/s (baseline: the same round robin as SQLite UPDATEs); "
            "fair: counts differ by at most one",
            met=spread <= 1,
            details={
                "associates": len(associates),
                "batch_size": BATCH,
                "seconds": round(elapsed, 3),
                "sqlite_s": round(peer, 3),
                "count_spread": spread,
            },
        )
    ]
