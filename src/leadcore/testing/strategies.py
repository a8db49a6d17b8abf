"""Hypothesis strategies for leadcore's data: lists, companies, persons, criteria.

For property tests of leadcore itself and of applications that embed it. The
data is *hostile* on purpose: deleted list items in use, persons without status
or company, empty strings, ``%`` and ``_`` in text, case and unicode folding
traps (``ß``, ``İ``), datetimes in several timezones around period boundaries.
:func:`edge_datetimes` reaches the calendar's edges (years 1 and 9999, offsets
that cross a day). Stored text holds no NUL (the model refuses it): the
strategies of stored data never generate it, :func:`hostile_values` and
:func:`nul_texts` do, to test that it is refused. Everything is small so
generation stays fast.

>>> from hypothesis import given, settings
>>> from leadcore.criteria.evaluate import person_predicate
>>> @settings(max_examples=5, database=None)
... @given(scenarios())
... def check(s):
...     match = person_predicate(s.criterion, s.environment)
...     for person, company in s.rows:
...         assert match(person, company) != person_predicate(~s.criterion, s.environment)(
...             person, company)
>>> check()
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import TypeAlias

import attrs
from hypothesis import strategies as st

from leadcore._checks import MAX_MOMENT, MIN_MOMENT
from leadcore.criteria.ast import (
    ALWAYS,
    NEVER,
    AllOf,
    AnyOf,
    Condition,
    Criterion,
    Group,
    Groups,
    Not,
    Operator,
    Period,
    Value,
)
from leadcore.criteria.build import PERIOD_OPERATORS, expected_values
from leadcore.criteria.evaluate import Environment
from leadcore.criteria.fields import Entity, Field, ListKind, ValueType, fields_for
from leadcore.lists import CategoryList, LeadStatusList
from leadcore.model import (
    Associate,
    AssociateId,
    Availability,
    Category,
    CategoryGroup,
    CategoryId,
    Company,
    CompanyId,
    LeadStatus,
    LeadStatusId,
    Person,
    PersonId,
    Utm,
)

__all__ = [
    "ASSOCIATE_IDS",
    "Scenario",
    "associates",
    "category_lists",
    "clock_readings",
    "companies",
    "conditions",
    "criteria",
    "edge_datetimes",
    "environments",
    "groups",
    "hostile_texts",
    "hostile_values",
    "lead_status_lists",
    "nul_texts",
    "person_rows",
    "persons",
    "scenarios",
    "stored_datetimes",
]

Row: TypeAlias = tuple[Person, Company | None]

ASSOCIATE_IDS: tuple[AssociateId, ...] = tuple(AssociateId(i) for i in range(1, 5))
"""The associate ids generated rows and criteria use (small, so they collide)."""

_ALPHABET = "aAbB%_ßsSİiı é\"'\\\n\r\t\x01\x7f"
"""Traps for case folding, wildcards, quoting and escaping (quotes, backslash, line
breaks, control characters; no NUL, which SQL databases refuse in text)."""
_ZONES = (
    UTC,
    timezone(timedelta(hours=14)),
    timezone(timedelta(hours=-12)),
    timezone(timedelta(hours=5, minutes=30)),
)
_FIRST_DAY = date(2025, 9, 20)
_DAYS = 240  # up to mid-May 2026: a week start, quarter ends, a year end inside


def hostile_texts(max_size: int = 5) -> st.SearchStrategy[str]:
    """Short text from a tiny alphabet full of traps: case, ``%``, ``_``, ``ß``, ``İ``, ``ı``,
    quotes, backslash, newlines and control characters.

    >>> from hypothesis import find
    >>> find(hostile_texts(), lambda s: "%" in s and "_" in s) in ("%_", "_%")
    True
    """
    return st.text(alphabet=_ALPHABET, max_size=max_size)


def nul_texts(max_size: int = 5) -> st.SearchStrategy[str]:
    """Text of :func:`hostile_texts` with at least one NUL (U+0000) somewhere in it: what
    no stored field and no criteria value takes (see docs/criteria.md, "NUL characters").

    >>> from hypothesis import find
    >>> "\\x00" in find(nul_texts(), lambda s: True)
    True
    """
    return st.builds(
        lambda head, tail: f"{head}\x00{tail}", hostile_texts(max_size), hostile_texts(max_size)
    )


_SURROGATES = "\ud800\udbff\udc00\udfff"
"""Lone surrogates: ``str`` can hold them, UTF-8 (and so no file or database) cannot."""


def hostile_values(max_size: int = 6) -> st.SearchStrategy[object]:
    """What a hostile caller passes where leadcore wants text: the traps of
    :func:`hostile_texts`, NUL, lone surrogates, any other character, text tens of
    thousands of characters long, and values that are no text at all (``bytes``,
    ints, bools, ``None``).

    Each must either be refused with a typed error or be stored so that it reads
    back from a file unchanged.

    >>> from hypothesis import find
    >>> find(hostile_values(), lambda v: isinstance(v, str) and "\\ud800" in v)
    '\\ud800'
    >>> find(hostile_values(), lambda v: isinstance(v, str) and len(v) > 10_000)[:3]
    '000'
    """
    texts = st.one_of(
        hostile_texts(max_size),
        st.text(alphabet=_ALPHABET + "\x00" + _SURROGATES, max_size=max_size),
        st.text(max_size=max_size),
        st.builds(
            str.__mul__,
            st.text(alphabet="0 \x00ßİ\n", min_size=1, max_size=3),
            st.integers(10_001, 40_000),
        ),
    )
    others = st.one_of(st.binary(max_size=max_size), st.integers(), st.booleans(), st.none())
    return st.one_of(texts, others)


def _names(prefix: str) -> st.SearchStrategy[str]:
    return hostile_texts(4).map(lambda s: f"{prefix}{s}")


_NAME_TRAPS = st.one_of(st.just(""), st.just(""), hostile_texts(3))


def _list_name(draw: st.DrawFn, prefix: str, n: int) -> str:
    """``"<prefix><traps> <n>"``: sometimes with quotes, backslashes, line breaks and
    control characters inside, and unique ignoring case because the traps hold no
    digit and the name ends in `` <n>``."""
    return f"{prefix}{draw(_NAME_TRAPS)} {n}"


@st.composite
def category_lists(draw: st.DrawFn, max_size: int = 6) -> CategoryList:
    """A category list with every group possible, lead status on some Potential customer ones,
    and deleted items. Ids are 1..n.

    >>> from hypothesis import find
    >>> cats = find(category_lists(), lambda c: any(i.deleted for i in c.items))
    >>> len(cats) >= 1
    True
    """
    size = draw(st.integers(1, max_size))
    items = []
    for n in range(1, size + 1):
        group = draw(st.sampled_from(CategoryGroup))
        enabled = group is CategoryGroup.POTENTIAL_CUSTOMER and draw(st.booleans())
        items.append(
            Category(
                id=CategoryId(n),
                name=_list_name(draw, "Category", n),
                group=group,
                rank=n,
                deleted=draw(st.booleans()),
                enable_lead_status=enabled,
            )
        )
    return CategoryList(tuple(items))


@st.composite
def lead_status_lists(draw: st.DrawFn, max_size: int = 6) -> LeadStatusList:
    """A lead-status list (ids 1..n) whose default is active and with deleted items.

    >>> from hypothesis import find
    >>> find(lead_status_lists(), lambda s: len(s) > 1).default.deleted
    False
    """
    size = draw(st.integers(1, max_size))
    deleted = [False] + [draw(st.booleans()) for _ in range(size - 1)]
    items = tuple(
        LeadStatus(
            LeadStatusId(n), key=f"s{n}", name=_list_name(draw, "Status", n), rank=n, deleted=gone
        )
        for n, gone in enumerate(deleted, start=1)
    )
    return LeadStatusList(items, default_id=LeadStatusId(1))


def associates() -> st.SearchStrategy[Associate]:
    """An associate with one of :data:`ASSOCIATE_IDS`, any availability.

    >>> from hypothesis import find
    >>> find(associates(), lambda a: True).id in ASSOCIATE_IDS
    True
    """
    return st.builds(
        Associate,
        id=st.sampled_from(ASSOCIATE_IDS),
        name=_names("Associate "),
        availability=st.sampled_from(Availability),
        groups=st.frozensets(st.sampled_from(("sales", "marketing")), max_size=2),
    )


_STORED = tuple(
    datetime.combine(_FIRST_DAY + timedelta(days=day), time(), zone) + timedelta(minutes=minute)
    for day in range(_DAYS + 1)
    for minute in (0, 1, 60 * 12, 60 * 24 - 1)
    for zone in _ZONES
)


def stored_datetimes() -> st.SearchStrategy[datetime]:
    """A timezone-aware datetime between late 2025 and mid 2026, in one of four zones
    (UTC+14 to UTC-12), at or next to midnight, so its calendar day depends on the
    clock's zone.

    >>> from hypothesis import find
    >>> find(stored_datetimes(), lambda d: True).tzinfo is not None
    True
    """
    return st.sampled_from(_STORED)


_OFFSETS = st.builds(
    lambda minutes: timezone(timedelta(minutes=minutes)), st.integers(-(24 * 60 - 1), 24 * 60 - 1)
)
"""Every fixed offset a ``datetime`` takes, to a minute short of a day either way."""


def _utc_is_a_datetime(value: datetime) -> bool:
    return MIN_MOMENT <= value <= MAX_MOMENT


def edge_datetimes() -> st.SearchStrategy[datetime]:
    """A timezone-aware datetime from hypothesis' full range (years 1 to 9999) in any
    fixed offset or named zone, often within two days of the calendar's edges, whose
    UTC time a ``datetime`` holds: every time the model accepts (it refuses the rest,
    such as ``0001-01-01T00:00+01:00``).

    >>> from hypothesis import find
    >>> late = find(edge_datetimes(), lambda d: d.year == 9999 and d.utcoffset() < timedelta(0))
    >>> late.astimezone(UTC).year
    9999
    """
    zones = st.one_of(st.just(UTC), _OFFSETS, st.timezones())
    first_days = st.datetimes(max_value=datetime(1, 1, 3), timezones=zones)
    last_days = st.datetimes(min_value=datetime(9999, 12, 29), timezones=zones)
    anywhere = st.datetimes(timezones=zones)
    return st.one_of(first_days, last_days, anywhere).filter(_utc_is_a_datetime)


def clock_readings() -> st.SearchStrategy[datetime]:
    """A clock reading in the same window as :func:`stored_datetimes`, biased to period
    boundaries (week start, quarter end, year end).

    >>> from hypothesis import find
    >>> find(clock_readings(), lambda d: True).tzinfo is not None
    True
    """
    boundaries = [
        datetime(2025, 12, 31, 23, 59, tzinfo=UTC),
        datetime(2026, 1, 1, 0, 0, tzinfo=UTC),
        datetime(2026, 3, 31, 12, 0, tzinfo=timezone(timedelta(hours=-12))),
        datetime(2026, 1, 5, 0, 0, tzinfo=timezone(timedelta(hours=14))),  # a Monday
        datetime(2026, 1, 4, 23, 0, tzinfo=UTC),  # a Sunday
    ]
    return st.one_of(st.sampled_from(boundaries), stored_datetimes())


_UTM_POOL = (
    Utm(),
    Utm(source="newsletter", medium="email", campaign="Spring_25%"),
    Utm(source="", medium="ß", term="İi", content="a%b"),
    Utm(source="ADS", campaign="x_y"),
)


def _utms() -> st.SearchStrategy[Utm | None]:
    part = st.none() | hostile_texts(4)
    generated = st.builds(Utm, source=part, medium=part, campaign=part, term=part, content=part)
    return st.one_of(st.none(), st.sampled_from(_UTM_POOL), generated)


@st.composite
def companies(draw: st.DrawFn, categories: CategoryList, company_id: int | None = None) -> Company:
    """A company whose category is any item of ``categories`` (deleted included) or none.

    >>> from hypothesis import find
    >>> from leadcore.lists import new_database
    >>> find(companies(new_database()[0]), lambda c: c.category_id is None).category_id is None
    True
    """
    ids = [item.id for item in categories.items]
    return Company(
        id=CompanyId(draw(st.integers(1, 30)) if company_id is None else company_id),
        name=draw(_names("C")),
        category_id=draw(st.none() | st.sampled_from(ids)),
        registered=draw(stored_datetimes()),
        updated=draw(stored_datetimes()),
        owner_id=draw(st.none() | st.sampled_from(ASSOCIATE_IDS)),
        source_utm=draw(_utms()),
        first_touch_utm=draw(_utms()),
        lead_creation_utm=draw(_utms()),
    )


@st.composite
def persons(
    draw: st.DrawFn,
    categories: CategoryList,
    statuses: LeadStatusList,
    company_id: int | None = None,
    person_id: int | None = None,
) -> Person:
    """A person of company ``company_id`` (``None``: a B2C person, with or without its own
    category), with any status of ``statuses`` (deleted included) or none, hostile names
    and e-mail, optional UTM data points.

    >>> from hypothesis import find
    >>> from leadcore.lists import new_database
    >>> cats, sts = new_database()
    >>> find(persons(cats, sts), lambda p: p.lead_status_id is None).company_id is None
    True
    """
    first = draw(hostile_texts())
    last = draw(hostile_texts())
    if not (first.strip() or last.strip()):
        last = last + "x"
    own = None
    if company_id is None:
        own = draw(st.none() | st.sampled_from([i.id for i in categories.items]))
    return Person(
        id=PersonId(draw(st.integers(1, 30)) if person_id is None else person_id),
        company_id=None if company_id is None else CompanyId(company_id),
        first_name=first,
        last_name=last,
        registered=draw(stored_datetimes()),
        updated=draw(stored_datetimes()),
        email=draw(hostile_texts(6)),
        owner_id=draw(st.none() | st.sampled_from(ASSOCIATE_IDS)),
        lead_status_id=draw(st.none() | st.sampled_from([i.id for i in statuses.items])),
        own_category_id=own,
        first_touch_utm=draw(_utms()),
        lead_creation_utm=draw(_utms()),
        retired=draw(st.booleans()),
        status_changed=draw(st.none() | stored_datetimes()),
    )


@st.composite
def person_rows(
    draw: st.DrawFn, categories: CategoryList, statuses: LeadStatusList, max_size: int = 8
) -> list[Row]:
    """Rows of a person search: ``(person, its company or None)``, companies shared by
    several persons, about a third of the persons without company.

    >>> from hypothesis import find
    >>> from leadcore.lists import new_database
    >>> cats, sts = new_database()
    >>> rows = find(person_rows(cats, sts), lambda rows: len(rows) >= 2)
    >>> all((c is None) == (p.company_id is None) for p, c in rows)
    True
    """
    pool = draw(st.lists(companies(categories), max_size=3, unique_by=lambda c: c.id).map(tuple))
    size = draw(st.integers(0, max_size))
    rows: list[Row] = []
    for n in range(1, size + 1):
        company = draw(st.none() | st.sampled_from(pool)) if pool else None
        person = draw(
            persons(categories, statuses, None if company is None else company.id, person_id=n)
        )
        rows.append((person, company))
    return rows


def _values(
    draw: st.DrawFn,
    spec: Field,
    op: Operator,
    categories: CategoryList,
    statuses: LeadStatusList,
) -> tuple[Value, ...]:
    low, high = expected_values(op)
    if high == 0:
        return ()
    if op in PERIOD_OPERATORS:
        period = draw(st.sampled_from(Period))
        if high == 2 and (low == 2 or draw(st.booleans())):
            # a count of periods: mostly small, sometimes past the calendar's edge
            count = draw(st.integers(1, 40) | st.sampled_from((1, 400, 10**7)))
            return (count, period)
        return (period,)
    one: st.SearchStrategy[Value]
    vt = spec.value_type
    if vt is ValueType.LIST:
        if spec.list_kind is ListKind.CATEGORY_GROUP:
            one = st.sampled_from([int(g) for g in CategoryGroup])
        elif spec.list_kind is ListKind.LEAD_STATUS:
            one = st.sampled_from([i.id for i in statuses.items] + [99])
        else:
            one = st.sampled_from([i.id for i in categories.items] + [99])
    elif vt is ValueType.ASSOCIATE:
        one = st.sampled_from(ASSOCIATE_IDS)
    elif vt is ValueType.TEXT:
        one = hostile_texts(3)
    elif vt is ValueType.NUMBER:
        one = st.integers(0, 10) | st.sampled_from((2.5, -1.0, float("inf")))
    else:
        one = st.builds(
            lambda n: _FIRST_DAY + timedelta(days=n), st.integers(0, _DAYS)
        ) | st.sampled_from((date.min, date.max))
    count = draw(st.integers(0, 3)) if high is None else low
    return tuple(draw(one) for _ in range(count))


@st.composite
def conditions(
    draw: st.DrawFn,
    categories: CategoryList,
    statuses: LeadStatusList,
    entity: Entity = Entity.PERSON,
    *,
    licensed_fields: bool = True,
) -> Condition:
    """A valid leaf for a search of ``entity``: any registered field, any operator of its
    type, values of the right type and count drawn so that they hit the rows (list ids of
    the lists, deleted included, plus an unknown id; hostile text; boundary dates).

    >>> from hypothesis import find
    >>> from leadcore.criteria.build import validate
    >>> from leadcore.lists import new_database
    >>> cats, sts = new_database()
    >>> leaf = find(conditions(cats, sts), lambda c: c.operator is Operator.NOT_IN)
    >>> validate(leaf) is leaf
    True
    """
    specs = [f for f in fields_for(entity).values() if licensed_fields or f.feature is None]
    spec = draw(st.sampled_from(specs))
    op = draw(st.sampled_from(sorted(spec.operators, key=lambda o: o.value)))
    return Condition(spec.key, op, _values(draw, spec, op, categories, statuses))


@st.composite
def groups(
    draw: st.DrawFn,
    categories: CategoryList,
    statuses: LeadStatusList,
    entity: Entity = Entity.PERSON,
) -> Groups:
    """SuperOffice's group form: up to three groups (some subtract), each with up to three
    criteria, some of them inactive (no value where one is needed), some groups empty.

    >>> from hypothesis import find
    >>> from leadcore.lists import new_database
    >>> cats, sts = new_database()
    >>> form = find(groups(cats, sts), lambda g: any(x.subtract for x in g.groups))
    >>> any(group.subtract for group in form.groups)
    True
    """
    leaf = conditions(categories, statuses, entity)
    inactive = leaf.map(
        lambda c: c if expected_values(c.operator)[1] == 0 else Condition(c.field, c.operator)
    )
    group = st.builds(
        Group,
        criteria=st.lists(leaf | inactive, max_size=3).map(tuple),
        subtract=st.booleans(),
    )
    return Groups(tuple(draw(st.lists(group, max_size=3))))


def criteria(
    categories: CategoryList,
    statuses: LeadStatusList,
    entity: Entity = Entity.PERSON,
    *,
    max_leaves: int = 8,
) -> st.SearchStrategy[Criterion]:
    """A criteria tree: leaves of :func:`conditions`, ALWAYS/NEVER, and/or (also nested
    unflattened and empty ones), not (also doubled), and the group form.

    >>> from hypothesis import find
    >>> from leadcore.criteria.build import validate
    >>> from leadcore.lists import new_database
    >>> cats, sts = new_database()
    >>> tree = find(criteria(cats, sts), lambda c: isinstance(c, Not))
    >>> validate(tree) is tree
    True
    """
    base: st.SearchStrategy[Criterion] = st.one_of(
        conditions(categories, statuses, entity),
        st.sampled_from((ALWAYS, NEVER)),
        groups(categories, statuses, entity),
    )

    def extend(children: st.SearchStrategy[Criterion]) -> st.SearchStrategy[Criterion]:
        kids = st.lists(children, max_size=3).map(tuple)
        return st.one_of(kids.map(AllOf), kids.map(AnyOf), children.map(Not))

    return st.recursive(base, extend, max_leaves=max_leaves)


def environments(categories: CategoryList) -> st.SearchStrategy[Environment]:
    """An evaluation environment over ``categories``: a clock reading near period
    boundaries, a current associate or none, the full licence.

    >>> from hypothesis import find
    >>> from leadcore.licence import Licence
    >>> from leadcore.lists import new_database
    >>> find(environments(new_database()[0]), lambda e: True).licence == Licence.full()
    True
    """
    return st.builds(
        Environment,
        categories=st.just(categories),
        now=clock_readings(),
        current_associate=st.none() | st.sampled_from(ASSOCIATE_IDS),
    )


@attrs.frozen
class Scenario:
    """Lists, person rows, an environment and a criterion that fit together."""

    categories: CategoryList
    statuses: LeadStatusList
    rows: Sequence[Row]
    environment: Environment
    criterion: Criterion


@st.composite
def scenarios(draw: st.DrawFn, max_rows: int = 8, max_leaves: int = 8) -> Scenario:
    """A whole person-search world: lists, rows, environment and a criterion over them.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5, database=None)
    ... @given(scenarios(max_rows=3))
    ... def check(s):
    ...     assert s.environment.categories is s.categories
    ...     assert all(p.company_id == (c and c.id) for p, c in s.rows)
    >>> check()
    """
    cats = draw(category_lists())
    sts = draw(lead_status_lists())
    return Scenario(
        categories=cats,
        statuses=sts,
        rows=draw(person_rows(cats, sts, max_size=max_rows)),
        environment=draw(environments(cats)),
        criterion=draw(criteria(cats, sts, max_leaves=max_leaves)),
    )
