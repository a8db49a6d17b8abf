"""Benchmark of the bulk import (``memory.import``): the import call against the rules alone.

Data: 100,000 persons in 20,000 companies (a tenth with --quick), generated with
the run's fixed seed as import rows: companies in every category, 5% of the
persons without company (some with a category of their own), a third of the
persons with one to three earlier status changes, registration times over the
last 1,000 days.

The baseline is the rules engine alone on the same records: each company and
person built and passed through ``rules.create_company`` / ``rules.create_person``,
and each earlier status change of a visible person through ``rules.set_lead_status``,
without storage. ``details`` gives SQLite (stdlib ``sqlite3``, in memory,
``executemany`` into tables with indexes on the person's company, status and
owner and on the history's person) on the same records in the same run.
"""

from __future__ import annotations

import gc
import random
import sqlite3
import time
from datetime import UTC, datetime, timedelta

from benchmarks import Result, Run, benchmark
from leadcore import rules
from leadcore.clock import FixedClock
from leadcore.importing import CompanyRow, PersonRow, StatusChange
from leadcore.lists import Lists, new_database
from leadcore.model import AssociateId, Company, CompanyId, LeadStatusId, Person, PersonId
from leadcore.service import LeadService

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
_FIRST = ("Ann", "Bo", "Carl", "Dorte", "Emil", "Frida", "Gustav", "Hanne", "Ida", "Jens")
_LAST = ("Hansen", "Jensen", "Nielsen", "Pedersen", "Larsen", "Sørensen", "Rasmussen", "Berg")


def _rows(run: Run) -> tuple[list[CompanyRow], list[PersonRow]]:
    rng = random.Random(run.seed)
    categories, statuses = new_database()
    category_ids = [c.id for c in categories.active()]
    status_ids = [s.id for s in statuses.active()]
    n_persons, n_companies = run.size(100_000), run.size(20_000)
    days = [NOW - timedelta(days=d, hours=d % 24) for d in range(1, 1000)]
    companies = [
        CompanyRow(
            f"c{n}",
            f"Company {n}",
            category_id=rng.choice(category_ids),
            owner_id=AssociateId(rng.randrange(1, 101)),
            registered=rng.choice(days),
        )
        for n in range(n_companies)
    ]
    persons = []
    for n in range(n_persons):
        registered = rng.choice(days)
        without = rng.random() < 0.05
        changes: tuple[StatusChange, ...] = ()
        if rng.random() < 1 / 3:
            changes = tuple(
                StatusChange(rng.choice(status_ids), registered + timedelta(hours=k))
                for k in range(rng.randrange(1, 4))
            )
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        persons.append(
            PersonRow(
                first,
                last,
                company_key=None if without else f"c{rng.randrange(n_companies)}",
                category_id=rng.choice(category_ids) if without and rng.random() < 0.5 else None,
                email=f"{first.lower()}.{n}@example.com",
                owner_id=AssociateId(rng.randrange(1, 101)),
                registered=registered,
                history=changes,
            )
        )
    return companies, persons


def _rules_alone(companies: list[CompanyRow], persons: list[PersonRow]) -> float:
    """The same records built and passed through the rules engine, nothing stored: each
    company and person created, and each earlier status change of a visible person
    applied with ``rules.set_lead_status`` (what adding them one by one would run)."""
    categories, statuses = new_database()
    lists = Lists(categories, statuses)
    start = time.perf_counter()
    by_key: dict[str, Company] = {}
    for n, crow in enumerate(companies, start=1):
        registered = crow.registered or NOW
        company = Company(
            CompanyId(n),
            crow.name,
            crow.category_id,
            registered=registered,
            updated=NOW,
            owner_id=crow.owner_id,
        )
        by_key[crow.key] = rules.create_company(company, lists.categories).companies[0]
    for n, prow in enumerate(persons, start=1):
        employer = None if prow.company_key is None else by_key[prow.company_key]
        registered = prow.registered or NOW
        person = Person(
            PersonId(n),
            None if employer is None else employer.id,
            prow.first_name,
            prow.last_name,
            registered=registered,
            updated=NOW,
            email=prow.email,
            owner_id=prow.owner_id,
            own_category_id=prow.category_id,
        )
        created = rules.create_person(person, employer, lists, rules.Actor(registered)).persons[0]
        if prow.history and rules.is_status_visible(created, employer, lists.categories):
            for change in prow.history:
                changed = rules.set_lead_status(
                    created, employer, lists, change.status_id, rules.Actor(change.at)
                ).persons
                created = changed[0] if changed else created
    return time.perf_counter() - start


def _import(companies: list[CompanyRow], persons: list[PersonRow]) -> tuple[float, int, int]:
    service = LeadService.in_memory(clock=FixedClock(NOW))
    for n in range(1, 101):  # the owners the rows name (ids 1-100) are associates
        service.associates.add(f"Associate {n}")
    start = time.perf_counter()
    report = service.import_records(companies, persons, on_error="stop")
    elapsed = time.perf_counter() - start
    return elapsed, report.imported_persons, len(report.refused)


def _sqlite(companies: list[CompanyRow], persons: list[PersonRow]) -> float:
    """executemany into indexed in-memory tables, the statuses resolved as the import does."""
    company_rows = [
        (n, c.name, c.category_id, c.owner_id, (c.registered or NOW).isoformat())
        for n, c in enumerate(companies, start=1)
    ]
    key_ids = {c.key: n for n, c in enumerate(companies, start=1)}
    person_rows = []
    history_rows = []
    for n, p in enumerate(persons, start=1):
        status = p.history[-1].status_id if p.history else None
        person_rows.append(
            (
                n,
                None if p.company_key is None else key_ids[p.company_key],
                p.first_name,
                p.last_name,
                p.email,
                p.owner_id,
                status,
                p.category_id,
                (p.registered or NOW).isoformat(),
            )
        )
        previous: LeadStatusId | None = None
        for change in p.history:
            history_rows.append((n, previous, change.status_id, change.at.isoformat()))
            previous = change.status_id
    start = time.perf_counter()
    connection = sqlite3.connect(":memory:")
    connection.executescript(
        """
        CREATE TABLE company (id INTEGER PRIMARY KEY, name TEXT, category INTEGER,
                              owner INTEGER, registered TEXT);
        CREATE TABLE person (id INTEGER PRIMARY KEY, company INTEGER REFERENCES company(id),
                             first TEXT, last TEXT, email TEXT, owner INTEGER, status INTEGER,
                             category INTEGER, registered TEXT);
        CREATE TABLE history (person INTEGER, from_status INTEGER, to_status INTEGER, at TEXT);
        CREATE INDEX person_company ON person(company);
        CREATE INDEX person_status ON person(status);
        CREATE INDEX person_owner ON person(owner);
        CREATE INDEX history_person ON history(person);
        """
    )
    with connection:
        connection.executemany("INSERT INTO company VALUES (?,?,?,?,?)", company_rows)
        connection.executemany("INSERT INTO person VALUES (?,?,?,?,?,?,?,?,?)", person_rows)
        connection.executemany("INSERT INTO history VALUES (?,?,?,?)", history_rows)
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


@benchmark("memory.import")
def import_records(run: Run) -> list[Result]:
    """Persons with their companies through ``LeadService.import_records``."""
    companies, persons = _rows(run)
    repeats = max(1, min(run.repeats, 3))
    imports: list[float] = []
    baselines: list[float] = []
    peers: list[float] = []
    imported = refused = 0
    for _ in range(repeats):
        gc.collect()
        baselines.append(_rules_alone(companies, persons))
        gc.collect()
        elapsed, imported, refused = _import(companies, persons)
        imports.append(elapsed)
        gc.collect()
        peers.append(_sqlite(companies, persons))
    value = sorted(imports)[len(imports) // 2]
    baseline = sorted(baselines)[len(baselines) // 2]
    peer = sorted(peers)[len(peers) // 2]
    ratio = value / baseline
    return [
        Result(
            "memory.import",
            len(persons),
            len(persons) / value,
            "persons/s",
            len(persons) / baseline,
            ratio,
            "ratio <= 3 (import time / rules-alone time)",
            ratio <= 3,
            {
                "import_seconds": value,
                "rules_alone_seconds": baseline,
                "companies": len(companies),
                "persons_with_history": sum(1 for p in persons if p.history),
                "imported_persons": imported,
                "refused_rows": refused,
                "sqlite_executemany_seconds": peer,
                "sqlite_persons_per_second": len(persons) / peer,
                "import_vs_sqlite": value / peer,
                "repeats": repeats,
                "path": "LeadService.import_records (rules + unit of work + commit)",
                "baseline_path": "Company/Person built + rules.create_company/create_person "
                "+ rules.set_lead_status per earlier change",
            },
        )
    ]
