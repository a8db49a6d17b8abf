"""SQL pushdown benchmarks: criteria, finds and grouped counts answered by the database.

1,000,000 persons in 100,000 companies (the population of
``benchmarks/bench_criteria.py``, same seed), loaded into a SQLite file and,
where it is reachable, into a PostgreSQL schema of their own (127.0.0.1:5432,
database ``test``). The criterion is the criteria benchmark's 3-leaf one:
``person.lead_status in {Open, Contacting} and company.category_group not in
{Customer} and person.owner current associate``.

Per database (``sql.sqlite.*``, ``sql.postgresql.*``):

- ``count_vs_python`` / ``find_vs_python``: the statement of
  ``leadcore.adapters.sql._query`` against loading every person (with its
  company) into Python and filtering with the compiled predicate. Target: at
  least 10x faster (``ratio`` is the baseline's time over leadcore's).
- ``count_vs_sql`` / ``find_vs_sql``: against the same question written by hand
  in SQL, run through the same SQLAlchemy connection with the same result types
  (so the row conversion both pay is not counted against the SQL). Target: at
  most 1.5x its time. ``details`` also give the hand-written SQL through the
  bare driver (for SQLite: the standard library's ``sqlite3`` on the same file).
- ``count_by_status``: grouped counts per lead status against a hand-written
  ``GROUP BY``. Target: at most 1.5x.

The load through the import call and one command's commit time need the
repositories of the SQL adapter; they are measured there (``sql-core``).
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, create_engine, select, text

from benchmarks import Result, Run, benchmark
from benchmarks._postgres import CLEANUP, PG_URL, new_schema, postgres_unreachable
from benchmarks.bench_criteria import _ME, _NOW, _population
from leadcore.adapters.sql._casefold import install_casefold
from leadcore.adapters.sql._query import count_persons, count_persons_by, select_persons
from leadcore.adapters.sql._schema import companies, metadata, persons
from leadcore.criteria.build import condition
from leadcore.criteria.evaluate import Environment, person_predicate
from leadcore.lists import new_database
from leadcore.model import CategoryGroup, Company, CompanyId, Person, PersonId
from leadcore.queries import Query

_CATEGORIES = new_database()[0]
_CUSTOMER_IDS = sorted(c.id for c in _CATEGORIES.items if c.group is CategoryGroup.CUSTOMER)
_CRITERION = (
    condition("person.lead_status", "in", 1, 2)
    & condition("company.category_group", "not_in", CategoryGroup.CUSTOMER)
    & condition("person.owner", "current_associate")
)
_ENV = Environment(_CATEGORIES, _NOW, current_associate=_ME)
_QUERY = Query(_CRITERION, current_associate=_ME, now=_NOW)
_CUSTOMERS = ", ".join(str(i) for i in _CUSTOMER_IDS)
_HAND_WHERE = (
    "p.lead_status_id IN (1, 2) AND (c.category_id IS NULL OR c.category_id NOT IN "
    f"({_CUSTOMERS})) AND p.owner_id = {int(_ME)}"
)
HAND_COUNT = (
    "SELECT count(*) FROM persons p LEFT JOIN companies c ON c.id = p.company_id "
    f"WHERE {_HAND_WHERE}"
)
HAND_FIND = (
    "SELECT p.* FROM persons p LEFT JOIN companies c ON c.id = p.company_id "
    f"WHERE {_HAND_WHERE} ORDER BY p.id"
)
HAND_GROUP = "SELECT lead_status_id, count(*) FROM persons GROUP BY lead_status_id"

_PERSON_COLUMNS = [c.name for c in persons.c]
_COMPANY_COLUMNS = [c.name for c in companies.c]


class _Dataset:
    """One loaded database: an engine for leadcore's statements and a hand-SQL runner."""

    def __init__(self, engine: Engine, hand: Callable[[str], list[Any]], n: int) -> None:
        self.engine = engine
        self.hand = hand
        self.n = n

    def rows(self, statement: Any) -> list[Any]:
        with self.engine.connect() as db:
            return list(db.execute(statement).all())


_CACHE: dict[tuple[str, int, int], _Dataset | str] = {}


_ROWS: dict[tuple[int, int], tuple[list[dict[str, Any]], list[dict[str, Any]], int]] = {}


def _rows(run: Run) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """The population as table rows (made once per size, for both databases)."""
    key = (run.size(1_000_000), run.seed)
    if key not in _ROWS:
        _ROWS.clear()
        _ROWS[key] = _make_rows(run)
    return _ROWS[key]


def _make_rows(run: Run) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    people, by_id = _population(
        run.size(1_000_000), run.size(100_000), run.seed, [c.id for c in _CATEGORIES.items]
    )
    blank = {
        f"{attr}{suffix}": (False if not suffix else None)
        for attr in ("first_touch_utm", "lead_creation_utm")
        for suffix in ("", "_source", "_medium", "_campaign", "_term", "_content")
    }
    company_rows = [
        {
            "id": c.id,
            "name": c.name,
            "category_id": c.category_id,
            "registered": c.registered,
            "updated": c.updated,
            "owner_id": c.owner_id,
            "version": 1,
            **blank,
            **{k.replace("first_touch", "source"): v for k, v in blank.items() if "first" in k},
        }
        for key, c in by_id.items()
        if key is not None
    ]
    person_rows = [
        {
            "id": p.id,
            "company_id": p.company_id,
            "first_name": p.first_name,
            "last_name": p.last_name,
            "registered": p.registered,
            "updated": p.updated,
            "email": p.email,
            "owner_id": p.owner_id,
            "lead_status_id": p.lead_status_id,
            "own_category_id": p.own_category_id,
            "retired": p.retired,
            "version": 1,
            "status_changed": p.status_changed,
            **blank,
        }
        for p in people
    ]
    return company_rows, person_rows, len(people)


def _sqlite_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _load_sqlite(run: Run) -> _Dataset:
    company_rows, person_rows, n = _rows(run)
    handle, path = tempfile.mkstemp(prefix="leadcore-bench-", suffix=".sqlite3")
    os.close(handle)
    CLEANUP.append(lambda: os.remove(path))
    engine = create_engine(f"sqlite:///{path}")
    install_casefold(engine)
    metadata.create_all(engine)
    peer = sqlite3.connect(path, check_same_thread=False)
    for table, columns, rows in (
        ("companies", _COMPANY_COLUMNS, company_rows),
        ("persons", _PERSON_COLUMNS, person_rows),
    ):
        marks = ", ".join("?" for _ in columns)
        peer.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
            ([_sqlite_value(row[c]) for c in columns] for row in rows),
        )
    peer.commit()
    peer.execute("ANALYZE")
    peer.commit()
    CLEANUP.append(peer.close)
    CLEANUP.append(engine.dispose)
    return _Dataset(engine, lambda sql: peer.execute(sql).fetchall(), n)


def _load_postgres(run: Run) -> _Dataset | str:
    why = postgres_unreachable()
    if why is not None:
        return why
    company_rows, person_rows, n = _rows(run)
    schema = new_schema()
    engine = create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    CLEANUP.append(engine.dispose)
    install_casefold(engine)
    metadata.create_all(engine)
    with engine.begin() as db:
        cursor = db.connection.driver_connection.cursor()  # type: ignore[union-attr]
        for table, columns, rows in (
            ("companies", _COMPANY_COLUMNS, company_rows),
            ("persons", _PERSON_COLUMNS, person_rows),
        ):
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[c] for c in columns])
        db.exec_driver_sql("ANALYZE")
    raw = engine.raw_connection()
    CLEANUP.append(raw.close)

    def hand(sql: str) -> list[Any]:
        cursor = raw.cursor()
        cursor.execute(sql)
        rows = list(cursor.fetchall())
        raw.commit()
        return rows

    return _Dataset(engine, hand, n)


def _dataset(dialect: str, run: Run) -> _Dataset | str:
    key = (dialect, run.size(1_000_000), run.seed)
    if key not in _CACHE:
        _CACHE[key] = _load_sqlite(run) if dialect == "sqlite" else _load_postgres(run)
    return _CACHE[key]


def _median(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _load_and_filter(data: _Dataset) -> list[int]:
    """The baseline: every person with its company into Python, filtered by the predicate."""
    test = person_predicate(_CRITERION, _ENV)
    company_cache: dict[int, Company] = {}
    matched: list[int] = []
    columns = [*persons.c, *(c.label(f"c_{c.name}") for c in companies.c)]
    statement = select(*columns).select_from(
        persons.outerjoin(companies, persons.c.company_id == companies.c.id)
    )
    with data.engine.connect() as db:
        for row in db.execute(statement):
            company = None
            if row.company_id is not None:
                company = company_cache.get(row.company_id)
                if company is None:
                    company = Company(
                        CompanyId(row.c_id), row.c_name, row.c_category_id, row.c_registered,
                        row.c_updated, row.c_owner_id,
                    )  # fmt: skip
                    company_cache[row.company_id] = company
            person = Person(
                PersonId(row.id), row.company_id, row.first_name, row.last_name, row.registered,
                row.updated, email=row.email, owner_id=row.owner_id,
                lead_status_id=row.lead_status_id, own_category_id=row.own_category_id,
                retired=row.retired, status_changed=row.status_changed,
            )  # fmt: skip
            if test(person, company):
                matched.append(person.id)
    matched.sort()  # the order of a find: by id (the scan's order is the database's)
    return matched


_BASELINES: dict[int, tuple[list[int], float]] = {}


def _baseline(data: _Dataset) -> tuple[list[int], float]:
    """The load-and-filter answer and its time, measured once per database (it takes
    minutes on the full population; count and find share it)."""
    if id(data) not in _BASELINES:
        start = time.perf_counter()
        matched = _load_and_filter(data)
        _BASELINES[id(data)] = (matched, time.perf_counter() - start)
    return _BASELINES[id(data)]


def _skipped(name: str, why: str) -> list[Result]:
    return [Result(name, 1, 0.0, "s", None, None, f"skipped: {why}", False, {"skipped": why})]


def _python_baseline(name: str, dialect: str, run: Run, count: bool) -> list[Result]:
    data = _dataset(dialect, run)
    if isinstance(data, str):
        return _skipped(name, data)
    statement = count_persons(_QUERY, _ENV) if count else select_persons(_QUERY, _ENV)

    def pushed() -> Any:
        rows = data.rows(statement)
        return rows[0][0] if count else [r.id for r in rows]

    expected, baseline = _baseline(data)
    answer = pushed()
    if answer != (len(expected) if count else expected):
        raise AssertionError(f"{name}: SQL and the Python filter disagree")
    value = _median(pushed, run.repeats)
    ratio = baseline / value
    return [
        Result(
            name, data.n, round(value, 5), "s", round(baseline, 4), round(ratio, 1),
            "ratio >= 10", ratio >= 10,
            {"matches": len(expected), "baseline": "load every person and company into "
             "Python, filter with the compiled predicate (one run)"},
        )
    ]  # fmt: skip


def _hand_baseline(name: str, dialect: str, run: Run, kind: str) -> list[Result]:
    data = _dataset(dialect, run)
    if isinstance(data, str):
        return _skipped(name, data)
    if kind == "count":
        statement: Any = count_persons(_QUERY, _ENV)
        hand_sql = HAND_COUNT

        def ours() -> Any:
            return data.rows(statement)[0][0]

        def hand() -> Any:
            return data.hand(hand_sql)[0][0]
    elif kind == "find":
        statement = select_persons(_QUERY, _ENV)
        hand_sql = HAND_FIND

        def ours() -> Any:
            return [r.id for r in data.rows(statement)]

        def hand() -> Any:
            return [r[0] for r in data.hand(hand_sql)]
    else:
        statement = count_persons_by(Query(now=_NOW), _ENV, "person.lead_status")
        hand_sql = HAND_GROUP

        def ours() -> Any:
            return sorted((r[0] or 0, r[2]) for r in data.rows(statement))

        def hand() -> Any:
            return sorted((r[0] or 0, r[1]) for r in data.hand(hand_sql))

    if ours() != hand():
        raise AssertionError(f"{name}: leadcore's SQL and the hand-written SQL disagree")
    typed = text(hand_sql)
    if kind == "find":
        typed = typed.columns(*persons.c)  # type: ignore[assignment]

    def hand_core() -> Any:
        """The hand-written SQL through the same Core connection and result types."""
        rows = data.rows(typed)
        return [r[0] for r in rows] if kind == "find" else rows

    timed: dict[str, list[float]] = {"ours": [], "core": [], "raw": []}
    for _ in range(max(1, run.repeats)):
        for key, fn in (("ours", ours), ("core", hand_core), ("raw", hand)):
            start = time.perf_counter()
            fn()
            timed[key].append(time.perf_counter() - start)
    value, baseline = statistics.median(timed["ours"]), statistics.median(timed["core"])
    raw = statistics.median(timed["raw"])
    ratio = value / baseline
    compiled = str(statement.compile(dialect=data.engine.dialect))
    peer = "stdlib sqlite3 on the same file" if dialect == "sqlite" else "psycopg cursor"
    return [
        Result(
            name, data.n, round(value, 5), "s", round(baseline, 5), round(ratio, 3),
            "ratio <= 1.5", ratio <= 1.5,
            {"baseline": "the hand-written SQL run through the same SQLAlchemy connection "
             "(same result types)", "hand_sql": hand_sql, "leadcore_sql": compiled,
             "hand_sql_raw_driver_s": round(raw, 5), "raw_driver": peer,
             "over_raw_driver": round(value / raw, 3)},
        )
    ]  # fmt: skip


for _dialect in ("sqlite", "postgresql"):

    def _register(dialect: str) -> None:
        prefix = f"sql.{dialect}."

        @benchmark(prefix + "count_vs_python")
        def count_vs_python(run: Run) -> list[Result]:
            """Count pushed down vs load-and-filter in Python."""
            return _python_baseline(prefix + "count_vs_python", dialect, run, count=True)

        @benchmark(prefix + "find_vs_python")
        def find_vs_python(run: Run) -> list[Result]:
            """Find pushed down vs load-and-filter in Python."""
            return _python_baseline(prefix + "find_vs_python", dialect, run, count=False)

        @benchmark(prefix + "count_vs_sql")
        def count_vs_sql(run: Run) -> list[Result]:
            """Count vs the same count in hand-written SQL."""
            return _hand_baseline(prefix + "count_vs_sql", dialect, run, "count")

        @benchmark(prefix + "find_vs_sql")
        def find_vs_sql(run: Run) -> list[Result]:
            """Find vs the same find in hand-written SQL."""
            return _hand_baseline(prefix + "find_vs_sql", dialect, run, "find")

        @benchmark(prefix + "count_by_status")
        def count_by_status(run: Run) -> list[Result]:
            """Grouped counts per lead status vs a hand-written GROUP BY."""
            return _hand_baseline(prefix + "count_by_status", dialect, run, "group")

    _register(_dialect)
