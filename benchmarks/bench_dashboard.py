"""Benchmark of the lead dashboards (``views.dashboard``): the funnel and time-in-status
tiles over one year of history for 1,000,000 persons (a tenth with --quick).

Data: every person became a lead (Open) on a random hour of the year; 60 % then went
Contacting some days later, and of those half went Qualified and a quarter
Disqualified, some days later again (about 2.1 entries per person). The history is
appended in time order, as a running installation appends it.

leadcore answers through the service (``dashboards.funnel`` and ``dashboards.time_in_status``
over the year, in one unit of work each). The baseline replays the whole history in
plain Python (every entry, grouped per person, each person's status replayed) and
computes the same figures (``details`` also gives it with the cyclic collector
paused, as the tiles run); SQLite (the standard library's ``sqlite3``, in memory,
the history in one table indexed on (at) and (person, at), window functions for the
stays) answers the same question in the same run. All three answers are checked to
agree.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from benchmarks import Result, Run, benchmark, median_time
from leadcore import _collector
from leadcore.adapters.memory import InMemoryStore
from leadcore.clock import FixedClock, SequentialIds
from leadcore.history import HistoryEntry, HistoryKind, StatusSource
from leadcore.lists import Lists, new_database
from leadcore.model import CategoryId, LeadStatusId, Person, PersonId
from leadcore.service import LeadService
from leadcore.views import ReportPeriod

YEAR = ReportPeriod(date(2025, 11, 27), date(2026, 11, 27), UTC)
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
OPEN, CONTACTING, QUALIFIED, DISQUALIFIED = (LeadStatusId(i) for i in (1, 2, 3, 4))
STAGES = (OPEN, CONTACTING, QUALIFIED)

Figures = tuple[list[tuple[int, int]], list[tuple[int, int]], dict[int, tuple[float, ...]]]
"""(entered per stage with its previous figure, (entered, converted) per step, and per
status: persons, latest average and median, cumulative average and median in seconds)."""


def generate(run: Run) -> tuple[Lists, list[Person], list[HistoryEntry]]:
    """Persons (all leads, without company) and a year of their history, in time order."""
    rng = random.Random(run.seed)
    categories, statuses = new_database()
    lead = CategoryId(categories.by_name("Lead").id)
    start = YEAR.start_at
    hours = [start + timedelta(hours=h) for h in range(YEAR.days * 24)]  # all before its end
    top = len(hours) - 1
    persons: list[Person] = []
    history: list[HistoryEntry] = []
    change, default, user = HistoryKind.CHANGE, StatusSource.DEFAULT, StatusSource.USER
    for n in range(1, run.size(1_000_000) + 1):
        person_id = PersonId(n)
        h = rng.randrange(top - 24 * 5)
        status = OPEN
        history.append(HistoryEntry(person_id, change, None, OPEN, hours[h], source=default))
        if rng.random() < 0.6:
            h = min(h + rng.randrange(1, 24 * 20), top)
            history.append(
                HistoryEntry(person_id, change, status, CONTACTING, hours[h], None, user)
            )
            status = CONTACTING
            roll = rng.random()
            if roll < 0.75:
                h = min(h + rng.randrange(1, 24 * 30), top)
                to = QUALIFIED if roll < 0.5 else DISQUALIFIED
                history.append(HistoryEntry(person_id, change, status, to, hours[h], None, user))
                status = to
        persons.append(
            Person(
                person_id,
                None,
                "P",
                f"{n}",
                start,
                start,
                lead_status_id=status,
                own_category_id=lead,
                version=1,
                status_changed=hours[h],
            )
        )
    history.sort(key=lambda e: e.at)
    return Lists(categories, statuses), persons, history


def _from_tiles(service: LeadService) -> Figures:
    funnel = service.dashboards.funnel(YEAR)
    stays = service.dashboards.time_in_status(YEAR)
    return (
        [(s.entered, s.previous) for s in funnel.stages],
        [(s.entered, s.converted) for s in funnel.steps],
        {
            t.status_id: (
                t.current.persons,
                *(
                    round(d.total_seconds(), 3)
                    for d in (
                        t.current.latest_average,
                        t.current.latest_median,
                        t.current.cumulative_average,
                        t.current.cumulative_median,
                    )
                    if d is not None
                ),
            )
            for t in stays.statuses
            if t.current.persons
        },
    )


def _replayed(history: list[HistoryEntry]) -> Figures:
    """The baseline: replay every entry per person in plain Python, then the figures."""
    start, end = YEAR.start_at, min(YEAR.end_at, NOW)
    timelines: dict[PersonId, list[HistoryEntry]] = {}
    for entry in history:
        timelines.setdefault(entry.person_id, []).append(entry)
    entered: list[set[PersonId]] = [set() for _ in STAGES]
    first_into: list[dict[PersonId, datetime]] = [{} for _ in STAGES]
    last_into: list[dict[PersonId, datetime]] = [{} for _ in STAGES]
    latest: dict[int, list[float]] = {}
    cumulative: dict[int, list[float]] = {}
    for person_id, entries in timelines.items():
        status: LeadStatusId | None = None
        since = start
        spells: list[tuple[LeadStatusId, datetime, datetime]] = []
        for entry in entries:
            if entry.at > end:
                break
            if entry.to_status == status:
                continue
            if status is not None:
                spells.append((status, since, entry.at))
            status, since = entry.to_status, entry.at
            if status in STAGES and start <= entry.at:
                i = STAGES.index(status)
                entered[i].add(person_id)
                first_into[i].setdefault(person_id, entry.at)
                last_into[i][person_id] = entry.at
        if status is not None:
            spells.append((status, since, end))
        total: dict[int, float] = {}
        last: dict[int, float] = {}
        overlaps: set[int] = set()
        for held, began, ended in spells:
            seconds = (ended - began).total_seconds()
            total[held] = total.get(held, 0.0) + seconds
            last[held] = seconds
            if ended > start:
                overlaps.add(held)
        for kept in overlaps:
            latest.setdefault(kept, []).append(last[kept])
            cumulative.setdefault(kept, []).append(total[kept])
    steps = []
    for i in range(len(STAGES) - 1):
        later = last_into[i + 1]
        converted = sum(1 for p, at in first_into[i].items() if p in later and later[p] >= at)
        steps.append((len(entered[i]), converted))
    return (
        [(len(s), 0) for s in entered],
        steps,
        {
            s: (
                len(latest[s]),
                *(
                    round(timedelta(seconds=v).total_seconds(), 3)
                    for v in (
                        statistics.fmean(latest[s]),
                        statistics.median(latest[s]),
                        statistics.fmean(cumulative[s]),
                        statistics.median(cumulative[s]),
                    )
                ),
            )
            for s in sorted(latest)
        },
    )


def _sqlite(history: list[HistoryEntry]) -> tuple[sqlite3.Connection, float]:
    """The history in an in-memory SQLite table; returns the connection and the load time."""
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE TABLE history (seq INTEGER PRIMARY KEY, person INTEGER NOT NULL,"
        " kind TEXT NOT NULL, from_status INTEGER, to_status INTEGER, at REAL NOT NULL)"
    )
    began = time.perf_counter()
    db.executemany(
        "INSERT INTO history (person, kind, from_status, to_status, at) VALUES (?, ?, ?, ?, ?)",
        (
            (e.person_id, e.kind.value, e.from_status, e.to_status, e.at.timestamp())
            for e in history
        ),
    )
    db.execute("CREATE INDEX history_at ON history (at)")
    db.execute("CREATE INDEX history_person ON history (person, at, seq)")
    db.commit()
    return db, time.perf_counter() - began


_SQL_ENTERED = """
SELECT person, MIN(at), MAX(at) FROM history
WHERE at >= :start AND at < :end AND to_status = :status
  AND (from_status IS NULL OR from_status != to_status)
GROUP BY person
"""

_SQL_STAYS = """
CREATE TEMP TABLE stays AS
WITH changes AS (
  SELECT person, to_status AS status, at,
         LEAD(at, 1, :end) OVER (PARTITION BY person ORDER BY at, seq) AS until
  FROM history
  WHERE at < :end AND kind != 'hide' AND to_status IS NOT from_status
), spells AS (
  SELECT person, status, at, until,
         ROW_NUMBER() OVER (PARTITION BY person, status ORDER BY at DESC) AS recent
  FROM changes
)
SELECT status, person,
       SUM(CASE WHEN recent = 1 THEN until - at END) AS latest,
       SUM(until - at) AS cumulative
FROM spells WHERE status IS NOT NULL GROUP BY status, person HAVING MAX(until) > :start
"""


def _median(db: sqlite3.Connection, column: str, status: int, count: int) -> float:
    rows = db.execute(
        f"SELECT {column} FROM stays WHERE status = ? ORDER BY {column} LIMIT ? OFFSET ?",
        (status, 2 - count % 2, (count - 1) // 2),
    ).fetchall()
    return float(sum(r[0] for r in rows)) / len(rows)


def _from_sqlite(db: sqlite3.Connection) -> Figures:
    start, end = YEAR.start_at.timestamp(), min(YEAR.end_at, NOW).timestamp()
    into = []
    for status in STAGES:
        rows = db.execute(_SQL_ENTERED, {"start": start, "end": end, "status": status})
        into.append({person: (first, last) for person, first, last in rows})
    steps = []
    for i in range(len(STAGES) - 1):
        later = into[i + 1]
        converted = sum(1 for p, (a, _) in into[i].items() if p in later and later[p][1] >= a)
        steps.append((len(into[i]), converted))
    db.execute("DROP TABLE IF EXISTS stays")
    db.execute(_SQL_STAYS, {"start": start, "end": end})
    stays: dict[int, tuple[float, ...]] = {}
    for status, count, latest, cumulative in db.execute(
        "SELECT status, COUNT(*), AVG(latest), AVG(cumulative) FROM stays"
        " GROUP BY status ORDER BY status"
    ).fetchall():
        stays[status] = (
            count,
            round(latest, 3),
            round(_median(db, "latest", status, count), 3),
            round(cumulative, 3),
            round(_median(db, "cumulative", status, count), 3),
        )
    return [(len(s), 0) for s in into], steps, stays


def _agree(a: Figures, b: Figures) -> bool:
    """Equal counts; durations equal within a millisecond (float sums differ in order)."""
    if a[0] != b[0] or a[1] != b[1] or a[2].keys() != b[2].keys():
        return False
    return all(
        x[0] == y[0] and all(abs(p - q) <= 1e-3 for p, q in zip(x[1:], y[1:], strict=True))
        for x, y in zip(a[2].values(), b[2].values(), strict=True)
    )


def _timed(fn: Callable[[], Figures], repeats: int) -> tuple[float, Figures]:
    """The median time of ``repeats`` calls and the last call's answer."""
    answers: list[Figures] = []
    seconds = median_time(lambda: answers.append(fn()), repeats)
    return seconds, answers[-1]


@benchmark("views.dashboard")
def dashboard(run: Run) -> list[Result]:
    """Funnel and time-in-status tiles over a year of history versus a plain replay."""
    lists, persons, history = generate(run)
    store = InMemoryStore(lists, clock=FixedClock(NOW))
    with _collector.collector_paused():
        store.load_bulk([], persons, history)
    service = LeadService(store.unit_of_work, clock=FixedClock(NOW), ids=SequentialIds())
    repeats = max(1, min(run.repeats, 3 if run.scale < 1 else 2))  # a full run is long

    def everything() -> list[HistoryEntry]:
        with store.unit_of_work() as uow:
            return list(uow.history)

    value, tiles = _timed(lambda: _from_tiles(service), repeats)
    baseline, replayed = _timed(lambda: _replayed(everything()), repeats)
    with _collector.collector_paused():  # context: the replay with the tiles' collector pause
        paused, _ = _timed(lambda: _replayed(everything()), repeats)
    db, load_seconds = _sqlite(history)
    sqlite_seconds, from_sqlite = _timed(lambda: _from_sqlite(db), repeats)
    details: dict[str, Any] = {
        "persons": len(persons),
        "history_entries": len(history),
        "period": f"{YEAR.start} .. {YEAR.end} (UTC)",
        "tiles_s": round(value, 3),
        "plain_python_replay_s": round(baseline, 3),
        "plain_python_replay_collector_paused_s": round(paused, 3),
        "sqlite_s": round(sqlite_seconds, 3),
        "sqlite_load_and_index_s": round(load_seconds, 3),
        "sqlite_ratio": round(sqlite_seconds / value, 2) if value else None,
        "answers_agree": _agree(tiles, replayed) and _agree(tiles, from_sqlite),
        "funnel_entered": [e for e, _ in tiles[0]],
        "funnel_converted": [c for _, c in tiles[1]],
    }
    db.close()
    ratio = baseline / value if value else None
    return [
        Result(
            "views.dashboard",
            len(persons),
            round(value, 4),
            "s",
            round(baseline, 4),
            None if ratio is None else round(ratio, 2),
            "report: baseline / value (plain replay over tiles), answers agree",
            bool(details["answers_agree"]),
            details,
        )
    ]
