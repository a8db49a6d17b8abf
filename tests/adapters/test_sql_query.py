"""Criteria, orders, pages, totals and grouped counts in SQL equal those in memory.

The in-memory adapter is the oracle: hypothesis draws lists, rows (hostile
text, persons without company, missing statuses, datetimes at midnight in
four zones), a clock near period edges, a criterion over every field and
operator, an order, a page and a counted field; the same rows go into a SQL
database, and the statements of ``leadcore.adapters.sql._query`` must give the
same ids in the same order, the same totals and the same grouped counts. On
SQLite always, on PostgreSQL where it is reachable.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sql_query_support import Database, postgres_database, sqlite_database
from sqlalchemy import inspect, text
from sqlalchemy.dialects import postgresql, sqlite

from leadcore.adapters.memory import InMemoryStore
from leadcore.adapters.sql._casefold import casefold_table, postgres_risky_characters
from leadcore.adapters.sql._compile import MAX_LIKE_BYTES
from leadcore.adapters.sql._query import (
    COMPANY_LABEL,
    count_companies,
    count_companies_by,
    count_persons,
    count_persons_by,
    grouped_counts,
    person_with_company_select,
    select_companies,
    select_persons,
)
from leadcore.criteria.ast import (
    AllOf,
    AnyOf,
    Condition,
    Criterion,
    Group,
    Groups,
    Not,
    Operator,
    Period,
)
from leadcore.criteria.build import MAX_NESTING, PERIOD_OPERATORS, condition, expected_values
from leadcore.criteria.errors import BadValueError
from leadcore.criteria.evaluate import Environment
from leadcore.criteria.fields import Entity, fields_for
from leadcore.errors import UntranslatableCriterion, ValidationError
from leadcore.lists import CategoryList, LeadStatusList, Lists, new_database
from leadcore.model import AssociateId, Company, CompanyId, Person, PersonId
from leadcore.queries import Order, Page, Query
from leadcore.testing.strategies import (
    Scenario,
    category_lists,
    clock_readings,
    companies,
    criteria,
    edge_datetimes,
    environments,
    lead_status_lists,
    nul_texts,
    scenarios,
)

GROUP_FIELDS = (
    "person.lead_status",
    "person.category",
    "person.category_group",
    "person.owner",
    "company.category",
    "company.category_group",
    "company.owner",
)
COMPANY_GROUP_FIELDS = ("company.category", "company.category_group", "company.owner")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> Iterator[Database]:
    if request.param == "sqlite":
        yield sqlite_database()
        return
    yield from postgres_database()


def _orders(entity: Entity) -> st.SearchStrategy[tuple[Order, ...]]:
    keys = sorted(fields_for(entity))
    item = st.builds(Order, st.sampled_from(keys), st.booleans())
    return st.lists(item, max_size=2).map(tuple)


_PAGES = st.builds(Page, st.integers(0, 4), st.none() | st.integers(0, 5))


def _memory(scenario: Scenario) -> InMemoryStore:
    store = InMemoryStore(Lists(scenario.categories, scenario.statuses))
    with store.unit_of_work() as uow:
        for company in _companies(scenario):
            uow.companies.add(company)
        for person, _ in scenario.rows:
            uow.persons.add(person)
        uow.commit()
    return store


def _companies(scenario: Scenario) -> list[Company]:
    return sorted({c.id: c for _, c in scenario.rows if c is not None}.values(), key=_id)


def _id(row: Company | Person) -> int:
    return row.id


def _fill(database: Database, scenario: Scenario) -> None:
    database.fill(
        scenario.categories,
        scenario.statuses,
        _companies(scenario),
        [p for p, _ in scenario.rows],
    )


def _query(scenario: Scenario, order: tuple[Order, ...], page: Page) -> Query:
    env = scenario.environment
    return Query(
        scenario.criterion,
        order=order,
        page=page,
        now=env.now,
        current_associate=env.current_associate,
    )


_SETTINGS = settings(
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    max_examples=40,
)


@_SETTINGS
@given(
    scenario=scenarios(max_rows=10, max_leaves=6),
    order=_orders(Entity.PERSON),
    page=_PAGES,
    group=st.sampled_from(GROUP_FIELDS),
    visible_only=st.booleans(),
)
def test_persons_in_sql_equal_persons_in_memory(
    database: Database,
    scenario: Scenario,
    order: tuple[Order, ...],
    page: Page,
    group: str,
    visible_only: bool,
) -> None:
    store = _memory(scenario)
    _fill(database, scenario)
    env = scenario.environment
    query = _query(scenario, order, page)
    visible_only = visible_only and group == "person.lead_status"
    lists = Lists(scenario.categories, scenario.statuses)
    with store.unit_of_work() as uow:
        expected = uow.persons.find_page(query)
        expected_pairs = uow.persons.find_with_companies(query)
        expected_counts = uow.persons.count_by(query, group, visible_only=visible_only)
    found = [row.id for row in database.rows(select_persons(query, env))]
    assert found == [p.id for p in expected.items]
    (total,) = database.rows(count_persons(query, env))[0]
    assert total == expected.total
    pairs = database.rows(person_with_company_select(query, env))
    assert [(row.id, row._mapping[f"{COMPANY_LABEL}id"]) for row in pairs] == [
        (p.id, None if c is None else c.id) for p, c in expected_pairs
    ]
    counts = grouped_counts(
        database.rows(count_persons_by(query, env, group, visible_only)), group, lists
    )
    assert counts == expected_counts


@st.composite
def _company_world(draw: st.DrawFn) -> tuple[CategoryList, LeadStatusList, list[Company]]:
    cats = draw(category_lists())
    found = draw(st.lists(companies(cats), max_size=8, unique_by=_id))
    return cats, draw(lead_status_lists()), found


@_SETTINGS
@given(
    data=st.data(),
    world=_company_world(),
    order=_orders(Entity.COMPANY),
    page=_PAGES,
    group=st.sampled_from(COMPANY_GROUP_FIELDS),
)
def test_companies_in_sql_equal_companies_in_memory(
    database: Database,
    data: st.DataObject,
    world: tuple[CategoryList, LeadStatusList, list[Company]],
    order: tuple[Order, ...],
    page: Page,
    group: str,
) -> None:
    cats, sts, rows = world
    criterion = data.draw(criteria(cats, sts, Entity.COMPANY, max_leaves=6))
    env = data.draw(environments(cats))
    lists = Lists(cats, sts)
    store = InMemoryStore(lists)
    with store.unit_of_work() as uow:
        for company in rows:
            uow.companies.add(company)
        uow.commit()
    database.fill(cats, sts, rows, [])
    query = Query(criterion, order, page, current_associate=env.current_associate, now=env.now)
    with store.unit_of_work() as uow:
        expected = uow.companies.find_page(query)
        expected_counts = uow.companies.count_by(query, group)
    found = [row.id for row in database.rows(select_companies(query, env))]
    assert found == [c.id for c in expected.items]
    assert database.rows(count_companies(query, env))[0][0] == expected.total
    counted = database.rows(count_companies_by(query, env, group))
    assert grouped_counts(counted, group, lists) == expected_counts


# --- NUL in criteria values: refused alike -------------------------------------------

_NUL_FIELDS = ("person.first_name", "person.email", "company.name", "person.first_touch.source")
_VALUED_TEXT_OPS = [
    op
    for op in fields_for(Entity.PERSON)["person.first_name"].operators
    if op not in (Operator.SET, Operator.NOT_SET)
]


@_SETTINGS
@given(
    scenario=scenarios(max_rows=4, max_leaves=4),
    key=st.sampled_from(_NUL_FIELDS),
    op=st.sampled_from(_VALUED_TEXT_OPS),
    nul=nul_texts(3),
    where=st.sampled_from(("alone", "and", "or not", "group")),
)
def test_text_with_nul_is_refused_alike_in_memory_and_sql(
    database: Database, scenario: Scenario, key: str, op: Operator, nul: str, where: str
) -> None:
    """Issue 23: SQLite's LIKE stops at NUL and PostgreSQL refuses it, so memory and SQL
    would disagree on ``contains``, ``ends`` and ``not_contains``: both refuse the value
    with the same typed error, wherever the leaf sits in the tree."""
    leaf = Condition(key, op, (nul,))
    shapes: dict[str, Criterion] = {
        "alone": leaf,
        "and": AllOf((scenario.criterion, leaf)),
        "or not": AnyOf((scenario.criterion, Not(leaf))),
        "group": Groups((Group((leaf,)),)),
    }
    criterion = shapes[where]
    query = Query(criterion, now=scenario.environment.now)
    store = _memory(scenario)
    with store.unit_of_work() as uow, pytest.raises(BadValueError, match="NUL") as in_memory:
        uow.persons.find_page(query)
    with pytest.raises(BadValueError, match="NUL") as in_sql:
        database.rows(select_persons(query, scenario.environment))
    with pytest.raises(BadValueError, match="NUL") as counted:
        database.rows(count_persons_by(query, scenario.environment, "person.lead_status", False))
    assert str(in_memory.value) == str(in_sql.value) == str(counted.value)
    assert type(in_sql.value) is BadValueError


# --- datetimes over the whole calendar -------------------------------------------------

_DATE_FIELDS = ("person.registered", "person.updated", "person.status_changed")
_EDGE_DAYS = (
    date.min,
    date.min + timedelta(days=1),
    date.min + timedelta(days=2),
    date.max - timedelta(days=2),
    date.max - timedelta(days=1),
    date.max,
)


@st.composite
def _edge_leaves(draw: st.DrawFn) -> Condition:
    """A date leaf on a person's times: any operator, days near the calendar's edges or
    anywhere, counts of periods up to past the edge."""
    key = draw(st.sampled_from(_DATE_FIELDS))
    spec = fields_for(Entity.PERSON)[key]
    op = draw(st.sampled_from(sorted(spec.operators, key=lambda o: o.value)))
    low, high = expected_values(op)
    if high == 0:
        return Condition(key, op, ())
    if op in PERIOD_OPERATORS:
        period = draw(st.sampled_from(Period))
        if high == 2 and (low == 2 or draw(st.booleans())):
            return Condition(key, op, (draw(st.integers(1, 3) | st.just(10**6)), period))
        return Condition(key, op, (period,))
    day = st.sampled_from(_EDGE_DAYS) | st.dates()
    count = low if high is not None else draw(st.integers(1, 3))
    return Condition(key, op, tuple(draw(day) for _ in range(count)))


@st.composite
def _edge_rows(draw: st.DrawFn) -> list[Person]:
    moments = edge_datetimes()
    return [
        Person(
            PersonId(n),
            None,
            "A",
            f"L{n}",
            draw(moments),
            draw(moments),
            status_changed=draw(st.none() | moments),
        )
        for n in range(1, draw(st.integers(1, 6)) + 1)
    ]


@_SETTINGS
@given(
    rows=_edge_rows(),
    now=edge_datetimes() | clock_readings(),
    leaves=st.lists(_edge_leaves(), min_size=1, max_size=3),
    order=st.sampled_from(_DATE_FIELDS),
    descending=st.booleans(),
)
def test_times_over_the_whole_calendar_in_sql_equal_memory(
    database: Database,
    rows: list[Person],
    now: datetime,
    leaves: list[Condition],
    order: str,
    descending: bool,
) -> None:
    """Issue 23: stored times from hypothesis' full range (years 1 and 9999, offsets that
    cross a day) and clocks anywhere in it are stored by both and found alike."""
    cats, sts = new_database()
    store = InMemoryStore(Lists(cats, sts))
    with store.unit_of_work() as uow:
        for person in rows:
            uow.persons.add(person)
        uow.commit()
    database.fill(cats, sts, [], rows)
    env = Environment(cats, now)
    trees: list[Criterion] = [*leaves, AnyOf(tuple(leaves)), Not(AllOf(tuple(leaves)))]
    for criterion in trees:
        query = Query(criterion, order=(Order(order, descending),), now=now)
        with store.unit_of_work() as uow:
            expected = [p.id for p in uow.persons.find(query)]
        found = [row.id for row in database.rows(select_persons(query, env))]
        assert found == expected, criterion
    stored = {row.id: row for row in database.rows(select_persons(Query(), env))}
    for person in rows:  # the same instants (== is False across zones for an ambiguous time)
        row = stored[person.id]
        assert row.registered == person.registered.astimezone(UTC)
        assert row.updated == person.updated.astimezone(UTC)
        changed = person.status_changed
        assert row.status_changed == (None if changed is None else changed.astimezone(UTC))


# --- hostile text is data ---------------------------------------------------------------

_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
_HOSTILE = (
    "'; DROP TABLE persons; --",
    '" OR 1=1 --',
    "%",
    "_",
    "\\",
    "\\%",
    "\\_",
    "a%b_c\\d",
    "%%",
    "' OR ''='",
    "Robert'); DELETE FROM companies;--",
    "ß",
    "SS",
    "İ",
    "i̇",
    "ﬁ",
    "Σ",
    "ς",
    "$leadcore$",
    ":name",
    "%(x)s",
    "?",
    "\n\t\r\x01\x7f",
)
_NAMES = (*_HOSTILE, "plain", "Straße", "STRASSE", "ǅemal", "ΌΣΟΣ", "x" * 20_000 + "Ø", "ẞ" * 200)
_TEXT_FIELDS = ("person.first_name", "company.name", "person.first_touch.source")
_TEXT_OPS = sorted(
    (op for op in fields_for(Entity.PERSON)["person.first_name"].operators
     if op not in (Operator.SET, Operator.NOT_SET)),
    key=lambda op: op.value,
)  # fmt: skip


def _hostile_rows() -> tuple[list[Company], list[Person]]:
    companies = [
        Company(CompanyId(n), name, None, _AT, _AT) for n, name in enumerate(_NAMES, start=1)
    ]
    persons = [
        Person(
            PersonId(n),
            None if n % 3 == 0 else CompanyId(n),
            name,
            _NAMES[-n],
            _AT,
            _AT,
            email=name[::-1],
        )
        for n, name in enumerate(_NAMES, start=1)
    ]
    return companies, persons


def test_hostile_text_in_every_text_operator_is_data(database: Database) -> None:
    cats, sts = new_database()
    companies, persons = _hostile_rows()
    store = InMemoryStore(Lists(cats, sts))
    with store.unit_of_work() as uow:
        for company in companies:
            uow.companies.add(company)
        for person in persons:
            uow.persons.add(person)
        uow.commit()
    database.fill(cats, sts, companies, persons)
    env = Environment(cats, _AT)
    matched = 0
    for key in _TEXT_FIELDS:
        for op in _TEXT_OPS:
            for value in _HOSTILE:
                query = Query(Condition(key, op, (value,)), now=_AT)
                with store.unit_of_work() as uow:
                    expected = [p.id for p in uow.persons.find(query)]
                statement = select_persons(query, env)
                sql = str(statement.compile(dialect=database.engine.dialect))
                assert value not in sql or value in ("%", "_", "\\", "?", "%%")
                found = [row.id for row in database.rows(statement)]
                assert found == expected, (key, op, value)
                matched += len(found)
    assert matched > 0
    assert set(inspect(database.engine).get_table_names()) >= {"persons", "companies"}
    assert database.rows(count_persons(Query(), env))[0][0] == len(persons)


# --- what cannot be translated is refused ------------------------------------------------


def test_text_with_nul_is_refused_not_dropped() -> None:
    """Refused by validation, before the SQL compiler's own refusal would be reached."""
    env = Environment(new_database()[0], _AT)
    leaf = Condition("person.first_name", Operator.CONTAINS, ("a\x00b",))
    with pytest.raises(BadValueError, match="NUL") as refused:
        select_persons(Query(leaf), env)
    assert not isinstance(refused.value, UntranslatableCriterion)


def test_a_wildcard_pattern_longer_than_sqlite_accepts_is_refused() -> None:
    env = Environment(new_database()[0], _AT)
    long = "%" + "x" * MAX_LIKE_BYTES
    with pytest.raises(UntranslatableCriterion, match="LIKE pattern"):
        count_persons(Query(condition("person.last_name", "begins", long)), env)
    # without the wildcard the same length is compared without LIKE
    count_persons(Query(condition("person.last_name", "begins", long[1:])), env)


def test_a_date_criterion_needs_an_aware_clock() -> None:
    env = Environment(new_database()[0], datetime(2026, 1, 5, 9, 0))
    with pytest.raises(UntranslatableCriterion, match="time zone"):
        count_persons(Query(condition("person.registered", "today")), env)
    count_persons(Query(condition("person.retired", "is_true")), env)


def test_a_negative_page_and_a_bad_counted_field_are_refused() -> None:
    env = Environment(new_database()[0], _AT)
    with pytest.raises(ValidationError):
        select_persons(Query(page=Page(-1, 2)), env)
    with pytest.raises(ValidationError):
        count_persons_by(Query(), env, "person.first_name")
    with pytest.raises(ValidationError):
        count_persons_by(Query(), env, "person.owner", visible_only=True)


# --- dates in a zone with summer time ---------------------------------------------------


def test_days_in_a_zone_with_summer_time_match_memory(database: Database) -> None:
    """Copenhagen: the clock's day decides; stored instants next to local midnights on
    both sides of the switches to and from summer time."""
    zone = ZoneInfo("Europe/Copenhagen")
    cats, sts = new_database()
    stamps: list[datetime] = []
    for day in (date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30), date(2026, 10, 25),
                date(2026, 10, 26), date(2026, 12, 31), date(2027, 1, 1)):  # fmt: skip
        midnight = datetime.combine(day, datetime.min.time(), zone)
        for delta in (timedelta(0), timedelta(microseconds=-1), timedelta(hours=1)):
            stamps.append((midnight + delta).astimezone(UTC))
    persons = [
        Person(PersonId(n), None, "A", "B", at, at, status_changed=at.astimezone(UTC))
        for n, at in enumerate(stamps, start=1)
    ]
    store = InMemoryStore(Lists(cats, sts))
    with store.unit_of_work() as uow:
        for person in persons:
            uow.persons.add(person)
        uow.commit()
    database.fill(cats, sts, [], persons)
    clocks = [
        datetime(2026, 3, 29, 0, 30, tzinfo=zone),
        datetime(2026, 10, 25, 23, 59, tzinfo=zone),
        datetime(2027, 1, 1, 0, 0, tzinfo=zone),
    ]
    leaves: list[Criterion] = [
        condition("person.registered", "today"),
        condition("person.registered", "before_today"),
        condition("person.registered", "on", date(2026, 3, 29)),
        condition("person.registered", "after", date(2026, 10, 25)),
        condition("person.status_changed", "this", "week"),
        condition("person.status_changed", "last", 1, "day"),
        condition("person.status_changed", "this", "year"),
        condition("person.updated", "previous", 2, "month"),
    ]
    for now in clocks:
        env = Environment(cats, now)
        for leaf in leaves:
            query = Query(leaf, now=now)
            with store.unit_of_work() as uow:
                expected = [p.id for p in uow.persons.find(query)]
            assert [r.id for r in database.rows(select_persons(query, env))] == expected, (
                now,
                leaf,
            )


# --- the casefold function --------------------------------------------------------------


def test_the_sql_casefold_is_pythons_casefold_for_every_character(database: Database) -> None:
    """Every character that folds (and its neighbours), and text mixing them."""
    table = casefold_table()
    chars = sorted(set(table.single) | set(table.multi))
    if database.dialect == "postgresql":
        with database.engine.connect() as db:
            chars = sorted(set(chars) | postgres_risky_characters(db))
    mixed = ["".join(chars[i : i + 50]) + " Øst æble" for i in range(0, len(chars), 50)]
    samples = [*chars, *mixed, "Straße ΌΣΟΣ İstanbul ǅ ﬁ", "Øst A/S", "ASCII only", ""]
    with database.engine.connect() as db:
        for start in range(0, len(samples), 400):
            batch = samples[start : start + 400]
            params: dict[str, Any] = {f"s{i}": s for i, s in enumerate(batch)}
            columns = ", ".join(f"leadcore_casefold(:s{i})" for i in range(len(batch)))
            (row,) = db.execute(text(f"select {columns}"), params).all()
            assert list(row) == [s.casefold() for s in batch]


def test_golden_compiles_for_both_dialects() -> None:
    """The statements compile on both dialects without a database (golden files pin them)."""
    env = Environment(new_database()[0], _AT, current_associate=AssociateId(1))
    query = Query(
        condition("person.lead_status", "in", 1, 2)
        & condition("company.category_group", "not_in", 1)
        & condition("person.owner", "current_associate"),
        (Order("person.last_name"), Order("person.lead_status", descending=True)),
        Page(10, 20),
    )
    for dialect in (sqlite.dialect(), postgresql.dialect()):  # type: ignore[no-untyped-call]
        sql = str(select_persons(query, env).compile(dialect=dialect))
        assert "LEFT OUTER JOIN companies" in sql
        assert "NULLS LAST" in sql


def test_the_deepest_tree_the_validator_accepts_compiles_and_answers(database: Database) -> None:
    """MAX_NESTING levels of and/or/not: one expression, the same answer as in memory."""
    cats, sts = new_database()
    persons = [
        Person(PersonId(n), None, "A", f"L{n}", _AT, _AT, retired=n % 2 == 0) for n in range(1, 7)
    ]
    tree: Criterion = condition("person.retired", "is_true")
    for depth in range(MAX_NESTING):
        leaf = condition("person.id", "gt", depth % 5)
        tree = ~tree if depth % 3 == 0 else (tree | leaf if depth % 3 == 1 else tree & leaf)
    store = InMemoryStore(Lists(cats, sts))
    with store.unit_of_work() as uow:
        for person in persons:
            uow.persons.add(person)
        uow.commit()
    database.fill(cats, sts, [], persons)
    env = Environment(cats, _AT)
    query = Query(tree, now=_AT)
    with store.unit_of_work() as uow:
        expected = [p.id for p in uow.persons.find(query)]
    assert [r.id for r in database.rows(select_persons(query, env))] == expected
