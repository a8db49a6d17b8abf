"""The relative operators (last N, older than N, this and previous N periods), "has a value" /
"has no value", and the field ``person.status_changed``: boundaries, missing values, forms."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadcore.criteria.ast import ALWAYS, NEVER, Condition, Criterion, Operator, Period
from leadcore.criteria.build import condition
from leadcore.criteria.describe import describe
from leadcore.criteria.errors import BadValueError, CriteriaParseError
from leadcore.criteria.evaluate import Environment, company_predicate, person_predicate
from leadcore.criteria.fields import Entity, fields_for
from leadcore.criteria.json import from_json, to_json
from leadcore.criteria.normalize import normalize
from leadcore.criteria.restrictions import (
    Restriction,
    RestrictionExportError,
    export_restrictions,
    import_restrictions,
)
from leadcore.criteria.text import format, parse
from leadcore.lists import new_database
from leadcore.model import (
    CategoryId,
    Company,
    CompanyId,
    Person,
    PersonId,
    Utm,
)
from leadcore.testing.strategies import clock_readings, person_rows, stored_datetimes

CATEGORIES, STATUSES = new_database()
AT = datetime(2026, 1, 1, tzinfo=UTC)
# Wednesday 2026-03-18, noon UTC
NOW = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)


def matches(leaf: Criterion, at: datetime | None, now: datetime = NOW) -> bool:
    """Whether a person whose status last changed ``at`` matches ``leaf`` (and its complement
    the other way round)."""
    person = Person(PersonId(1), None, "Ann", "Lee", AT, AT, status_changed=at)
    env = Environment(CATEGORIES, now)
    result = person_predicate(leaf, env)(person, None)
    assert person_predicate(~leaf, env)(person, None) is not result
    return result


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- last N / older than N -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "last", "older"),
    [
        (utc(2026, 3, 18, 23, 59), True, False),  # today
        (utc(2026, 3, 12, 0, 0), True, False),  # 6 days ago: the 7th day of "the last 7 days"
        (utc(2026, 3, 11, 23, 59), False, True),  # 7 days ago: older than 7 days
        (utc(2026, 3, 19, 0, 0), False, False),  # tomorrow: neither
        (utc(2025, 1, 1, 0, 0), False, True),
    ],
)
def test_last_and_older_than_days_split_the_past_at_midnight(
    at: datetime, last: bool, older: bool
) -> None:
    assert matches(condition("person.status_changed", "last", 7, "day"), at) is last
    assert matches(condition("person.status_changed", "older_than", 7, "day"), at) is older


def test_weeks_are_seven_days_back_from_today_not_calendar_weeks() -> None:
    leaf = condition("person.status_changed", "last", 2, "week")
    assert matches(leaf, utc(2026, 3, 5, 0, 0))  # 13 days ago, in an earlier calendar week
    assert not matches(leaf, utc(2026, 3, 4, 12, 0))  # 14 days ago


def test_a_month_back_from_the_31st_is_the_last_day_of_the_shorter_month() -> None:
    now = utc(2026, 3, 31, 12, 0)
    last = condition("person.status_changed", "last", 1, "month")
    older = condition("person.status_changed", "older_than", 1, "month")
    assert matches(last, utc(2026, 3, 1, 0, 0), now)
    assert not matches(last, utc(2026, 2, 28, 12, 0), now)  # the day a month back
    assert matches(older, utc(2026, 2, 28, 12, 0), now)
    assert not matches(older, utc(2026, 3, 1, 0, 0), now)


def test_days_are_taken_in_the_clock_timezone_across_daylight_saving() -> None:
    copenhagen = ZoneInfo("Europe/Copenhagen")  # summer time starts 29 March 2026
    now = datetime(2026, 3, 30, 0, 30, tzinfo=copenhagen)  # Monday, 22:30 UTC on Sunday
    leaf = condition("person.status_changed", "last", 1, "day")  # today only
    assert matches(leaf, utc(2026, 3, 29, 22, 0), now)  # 00:00 Monday in Copenhagen
    assert not matches(leaf, utc(2026, 3, 29, 21, 59), now)  # 23:59 Sunday in Copenhagen


def test_counts_past_the_calendar_edge_are_clamped() -> None:
    huge = 10**9
    assert matches(condition("person.status_changed", "last", huge, "year"), utc(1, 1, 1, 0, 0))
    assert not matches(
        condition("person.status_changed", "older_than", huge, "day"), utc(1, 1, 1, 0, 0)
    )


# --- this and previous N periods (SuperOffice's counted period operators) ---------------------


@pytest.mark.parametrize(
    ("operator", "count", "period", "first", "last"),
    [
        ("this_and_previous", 3, "month", date(2025, 12, 1), date(2026, 3, 31)),
        ("previous", 2, "week", date(2026, 3, 2), date(2026, 3, 15)),  # weeks start on Monday
        ("next", 2, "quarter", date(2026, 4, 1), date(2026, 9, 30)),
        ("this_and_next", 1, "year", date(2026, 1, 1), date(2027, 12, 31)),
    ],
)
def test_counted_periods_span_whole_calendar_periods(
    operator: str, count: int, period: str, first: date, last: date
) -> None:
    leaf = condition("person.status_changed", operator, count, period)
    day = timedelta(days=1)
    for inside in (first, last):
        assert matches(leaf, datetime.combine(inside, datetime.min.time(), UTC))
    for outside in (first - day, last + day):
        assert not matches(leaf, datetime.combine(outside, datetime.min.time(), UTC))


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [
        ("month", date(2026, 2, 1), date(2026, 4, 30)),
        ("week", date(2026, 3, 9), date(2026, 3, 29)),  # weeks start on Monday
        ("year", date(2025, 1, 1), date(2027, 12, 31)),
    ],
)
def test_this_previous_and_next_spans_three_whole_periods(
    period: str, first: date, last: date
) -> None:
    """SuperOffice's thisPreviousAndNext: the current period and the one either side."""
    leaf = condition("person.status_changed", "this_previous_and_next", period)
    day = timedelta(days=1)
    for inside in (first, last):
        assert matches(leaf, datetime.combine(inside, datetime.min.time(), UTC))
    for outside in (first - day, last + day):
        assert not matches(leaf, datetime.combine(outside, datetime.min.time(), UTC))


def test_a_count_of_one_is_the_plain_operator() -> None:
    counted = condition("person.registered", "this_and_previous", 1, "week")
    plain = condition("person.registered", "this_and_previous", "week")
    assert counted != plain
    assert normalize(counted) == normalize(plain) == plain


@pytest.mark.parametrize(
    ("operator", "values"),
    [
        ("last", ("day",)),  # the count is required
        ("last", (0, "day")),
        ("older_than", (-1, "week")),
        ("older_than", (True, "week")),
        ("this_and_previous", (2.0, "month")),
        ("this", (2, "month")),  # "this" takes no count
        ("last", (3, 3)),
    ],
)
def test_bad_counts_are_refused(operator: str, values: tuple[object, ...]) -> None:
    with pytest.raises(BadValueError):
        condition("person.registered", operator, *values)  # type: ignore[arg-type]


# --- has a value / has no value ------------------------------------------------------------


def test_status_changed_is_missing_without_history() -> None:
    assert not matches(condition("person.status_changed", "set"), None)
    assert matches(condition("person.status_changed", "not_set"), None)
    assert matches(condition("person.status_changed", "set"), AT)
    # every date operator is false on a missing value, and its negation true
    for leaf in (
        condition("person.status_changed", "last", 30, "day"),
        condition("person.status_changed", "older_than", 30, "day"),
        condition("person.status_changed", "this_and_previous", 2, "month"),
    ):
        assert not matches(leaf, None)


def person_with(**changes: object) -> Person:
    return Person(PersonId(1), None, "Ann", "", AT, AT, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("key", "person", "company", "present"),
    [
        ("person.email", person_with(email=""), None, True),  # "" is a value
        ("person.owner", person_with(owner_id=None), None, False),
        ("person.lead_status", person_with(lead_status_id=2), None, True),
        ("person.category", person_with(own_category_id=None), None, False),
        ("person.category_group", person_with(own_category_id=CategoryId(99)), None, False),
        ("person.category_group", person_with(own_category_id=CategoryId(1)), None, True),
        ("person.first_touch.source", person_with(first_touch_utm=None), None, False),
        ("person.first_touch.source", person_with(first_touch_utm=Utm(medium="x")), None, False),
        ("person.first_touch.source", person_with(first_touch_utm=Utm(source="")), None, True),
        ("company.name", person_with(), None, False),  # no company: every company field missing
        ("company.name", person_with(), Company(CompanyId(1), "A", None, AT, AT), True),
        ("company.category", person_with(), Company(CompanyId(1), "A", None, AT, AT), False),
        ("person.has_company", person_with(), None, True),
        ("person.retired", person_with(), None, True),
    ],
)
def test_has_a_value_is_not_none(
    key: str, person: Person, company: Company | None, present: bool
) -> None:
    env = Environment(CATEGORIES, NOW)
    assert person_predicate(condition(key, "set"), env)(person, company) is present
    assert person_predicate(condition(key, "not_set"), env)(person, company) is not present


def test_presence_on_fields_that_are_never_missing_normalizes_to_a_constant() -> None:
    assert normalize(condition("person.email", "set")) is ALWAYS
    assert normalize(condition("person.id", "not_set")) is NEVER
    # a company field can be missing in a person search but not in a company search
    assert normalize(condition("company.name", "set")) == condition("company.name", "set")
    company_name = condition("company.name", "set", entity=Entity.COMPANY)
    assert normalize(company_name, Entity.COMPANY) is ALWAYS
    acme = Company(CompanyId(1), "Acme", None, AT, AT)
    assert company_predicate(company_name, Environment(CATEGORIES, NOW))(acme)


def test_every_field_offers_has_a_value() -> None:
    for entity in Entity:
        for spec in fields_for(entity).values():
            assert {Operator.SET, Operator.NOT_SET} <= spec.operators


# --- the outside forms --------------------------------------------------------------------


def test_text_json_round_trips_of_the_new_operators() -> None:
    tree = (
        condition("person.status_changed", "last", 30, "day")
        | condition("person.registered", "this_and_previous", 3, "month")
        | ~condition("person.owner", "set")
        | condition("company.registered", "older_than", 1, "year")
    )
    text = format(tree)
    assert text == (
        "person.status_changed last 30 days or person.registered this and previous 3 months"
        " or not person.owner has a value or company.registered older than 1 year"
    )
    assert parse(text) == tree
    assert from_json(to_json(tree)) == tree


def test_superoffice_counted_periods_read_and_write_the_count() -> None:
    leaf = condition("person.registered", "this_and_previous", 3, "month")
    rows = export_restrictions(leaf)
    assert [(r.name, r.operator, r.values) for r in rows] == [
        ("personRegisteredDate", "thisAndPrevious", ("3", "month"))
    ]
    assert import_restrictions(rows) == leaf
    # SuperOffice's own example: "registered this or last month" is thisAndPrevious 1, 3
    one = import_restrictions([Restriction("personRegisteredDate", "thisAndPrevious", ("1", "3"))])
    assert one == condition("person.registered", "this_and_previous", "month")
    status_changed = Restriction("personLeadStatusChangedDate", "previousPeriod", ("2", "week"))
    assert import_restrictions([status_changed]) == condition(
        "person.status_changed", "previous", 2, "week"
    )


@pytest.mark.parametrize(
    "leaf",
    [
        condition("person.registered", "last", 7, "day"),
        condition("person.registered", "older_than", 7, "day"),
    ],
)
def test_superoffice_has_no_rolling_window(leaf: Condition) -> None:
    with pytest.raises(RestrictionExportError, match=r"SuperOffice has no (rolling window|.older)"):
        export_restrictions(leaf)


def test_presence_is_written_as_superoffice_is_null_and_is_not_null() -> None:
    """operators.mdx lists isNull and isNotNull for all types."""
    for op, name in (("set", "isNotNull"), ("not_set", "isNull")):
        leaf = condition("person.owner", op)
        rows = export_restrictions(leaf)
        assert [(r.name, r.operator, r.values) for r in rows] == [("personAssociateId", name, ())]
        assert import_restrictions(rows) == leaf


# --- the property: agree with a hand-written predicate ------------------------------


def _local_day(at: datetime, now: datetime) -> date:
    return at.astimezone(now.tzinfo).date()


def _months_back(today: date, months: int) -> date:
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    day = today.day
    while True:
        try:
            return date(year, month + 1, day)
        except ValueError:
            day -= 1  # the 31st of a shorter month is its last day


def _hand_written(op: Operator, count: int, period: Period, at: date, today: date) -> bool:
    """Whole calendar days back from today: ``last`` is (today - N periods, today],
    ``older_than`` is up to and including today - N periods."""
    if period is Period.DAY:
        back = today - timedelta(days=count)
    elif period is Period.WEEK:
        back = today - timedelta(weeks=count)
    else:
        back = _months_back(today, count * _MONTHS[period])
    if op is Operator.LAST:
        return back < at <= today
    return at <= back


_MONTHS = {Period.MONTH: 1, Period.QUARTER: 3, Period.YEAR: 12}


@given(
    rows=person_rows(CATEGORIES, STATUSES, max_size=4),
    now=clock_readings(),
    changed=st.none() | stored_datetimes(),
    op=st.sampled_from((Operator.LAST, Operator.OLDER_THAN, Operator.SET, Operator.NOT_SET)),
    count=st.integers(1, 400),
    period=st.sampled_from(Period),
    key=st.sampled_from(("person.status_changed", "person.registered", "company.updated")),
)
def test_relative_and_presence_operators_agree_with_a_hand_written_predicate(
    rows: list[tuple[Person, Company | None]],
    now: datetime,
    changed: datetime | None,
    op: Operator,
    count: int,
    period: Period,
    key: str,
) -> None:
    values: tuple[object, ...] = () if op in (Operator.SET, Operator.NOT_SET) else (count, period)
    leaf = Condition(key, op, values)  # type: ignore[arg-type]
    match = person_predicate(leaf, Environment(CATEGORIES, now))
    for person, company in rows:
        row = attrs.evolve(person, status_changed=changed)
        if key == "company.updated":
            value = None if company is None else company.updated
        else:
            value = row.status_changed if key == "person.status_changed" else row.registered
        if op is Operator.SET:
            expected = value is not None
        elif op is Operator.NOT_SET:
            expected = value is None
        else:
            expected = value is not None and _hand_written(
                op, count, period, _local_day(value, now), now.date()
            )
        assert match(row, company) is expected


def test_the_clock_zone_decides_today() -> None:
    east = timezone(timedelta(hours=14))
    now = datetime(2026, 3, 18, 11, 0, tzinfo=UTC)  # already 19 March at UTC+14
    leaf = condition("person.status_changed", "last", 1, "day")
    assert matches(leaf, utc(2026, 3, 18, 10, 0), now)
    assert not matches(leaf, utc(2026, 3, 18, 9, 0), now.astimezone(east))


def test_descriptions_of_unfilled_relative_rows_list_what_is_there() -> None:
    """An inactive row of the Find screen (no values yet) is described, not a KeyError."""
    assert describe(Condition("person.registered", Operator.LAST)) == (
        "Registered is in the last (none)"
    )
    assert describe(Condition("person.registered", Operator.OLDER_THAN, (3,)), "da") == (
        "Registreret er mere end 3"
    )


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("person.registered last days", 23),  # the count is missing: the values are pointed at
        ("person.registered last 0 days", 23),  # a count below 1: the count itself
        ("person.registered this 2 weeks", 23),  # "this" takes no count
        ("person.registered has a value 3", 30),  # nothing may follow
    ],
)
def test_text_refusals_point_at_the_count(text: str, position: int) -> None:
    with pytest.raises(CriteriaParseError) as caught:
        parse(text)
    assert caught.value.position == position


def test_json_refuses_a_count_below_one_at_its_path() -> None:
    document = (
        '{"version": 1, "criteria": {"type": "condition", "field": "person.registered",'
        ' "operator": "last", "values": [0, {"period": "day"}]}}'
    )
    with pytest.raises(BadValueError) as caught:
        from_json(document)
    assert isinstance(caught.value, CriteriaParseError)
    assert caught.value.position == "$.criteria.values[0]"
