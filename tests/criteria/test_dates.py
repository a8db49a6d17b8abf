"""Relative date operators at period boundaries, with a fixed clock, in several timezones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from leadcore.criteria.build import condition
from leadcore.criteria.evaluate import Environment, person_predicate
from leadcore.errors import ValidationError
from leadcore.lists import new_database
from leadcore.model import Person, PersonId

CATEGORIES, _ = new_database()
PLUS_14 = timezone(timedelta(hours=14))
MINUS_12 = timezone(timedelta(hours=-12))


def registered_matches(now: datetime, registered: datetime, operator: str, *values: object) -> bool:
    person = Person(PersonId(1), None, "Ann", "Lee", registered, registered)
    env = Environment(CATEGORIES, now)
    leaf = condition("person.registered", operator, *values)  # type: ignore[arg-type]
    result = person_predicate(leaf, env)(person, None)
    assert result is not person_predicate(~leaf, env)(person, None)
    return result


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# Monday 2026-01-05: the week runs Monday 5 to Sunday 11 January.
MONDAY = utc(2026, 1, 5, 0, 0)


@pytest.mark.parametrize(
    ("registered", "operator", "expected"),
    [
        (utc(2026, 1, 4, 23, 59), "this", False),  # Sunday before: previous week
        (utc(2026, 1, 4, 23, 59), "previous", True),
        (utc(2026, 1, 5, 0, 0), "this", True),  # week start, inclusive
        (utc(2026, 1, 11, 23, 59), "this", True),  # Sunday, last day
        (utc(2026, 1, 12, 0, 0), "this", False),  # next Monday, exclusive
        (utc(2026, 1, 12, 0, 0), "next", True),
        (utc(2026, 1, 18, 23, 59), "next", True),
        (utc(2026, 1, 19, 0, 0), "next", False),
        (utc(2025, 12, 29, 0, 0), "previous", True),  # previous week spans the year end
        (utc(2025, 12, 28, 23, 59), "previous", False),
        (utc(2026, 1, 18, 12, 0), "this_and_next", True),
        (utc(2025, 12, 29, 12, 0), "this_and_next", False),
        (utc(2025, 12, 29, 12, 0), "this_and_previous", True),
        (utc(2026, 1, 12, 12, 0), "this_and_previous", False),
    ],
)
def test_week_starts_on_monday(registered: datetime, operator: str, expected: bool) -> None:
    assert registered_matches(MONDAY, registered, operator, "week") is expected


def test_a_sunday_clock_is_still_in_the_week_that_began_on_monday() -> None:
    sunday = utc(2026, 1, 11, 23, 0)
    assert registered_matches(sunday, utc(2026, 1, 5, 0, 0), "this", "week")
    assert not registered_matches(sunday, utc(2026, 1, 12, 0, 0), "this", "week")


QUARTER_END = utc(2026, 3, 31, 23, 59)


@pytest.mark.parametrize(
    ("registered", "operator", "expected"),
    [
        (utc(2026, 1, 1, 0, 0), "this", True),
        (utc(2026, 3, 31, 23, 59), "this", True),
        (utc(2026, 4, 1, 0, 0), "this", False),
        (utc(2026, 4, 1, 0, 0), "next", True),
        (utc(2026, 6, 30, 12, 0), "next", True),
        (utc(2026, 7, 1, 0, 0), "next", False),
        (utc(2025, 12, 31, 23, 59), "this", False),
        (utc(2025, 12, 31, 23, 59), "previous", True),
        (utc(2025, 10, 1, 0, 0), "previous", True),
        (utc(2025, 9, 30, 23, 59), "previous", False),
        (utc(2026, 6, 30, 0, 0), "this_and_next", True),
        (utc(2025, 10, 1, 0, 0), "this_and_previous", True),
    ],
)
def test_quarter_boundaries(registered: datetime, operator: str, expected: bool) -> None:
    assert registered_matches(QUARTER_END, registered, operator, "quarter") is expected


YEAR_END = utc(2025, 12, 31, 23, 59)


@pytest.mark.parametrize(
    ("registered", "operator", "period", "expected"),
    [
        (utc(2025, 1, 1, 0, 0), "this", "year", True),
        (utc(2026, 1, 1, 0, 0), "this", "year", False),
        (utc(2026, 1, 1, 0, 0), "next", "year", True),
        (utc(2024, 12, 31, 0, 0), "previous", "year", True),
        (utc(2024, 1, 1, 0, 0), "this_and_previous", "year", True),
        (utc(2023, 12, 31, 0, 0), "this_and_previous", "year", False),
        (utc(2026, 12, 31, 0, 0), "this_and_next", "year", True),
        (utc(2025, 12, 1, 0, 0), "this", "month", True),
        (utc(2026, 1, 1, 0, 0), "next", "month", True),
        (utc(2025, 11, 30, 0, 0), "previous", "month", True),
        (utc(2025, 12, 31, 0, 0), "this", "day", True),
        (utc(2026, 1, 1, 0, 0), "next", "day", True),
        (utc(2025, 12, 30, 0, 0), "previous", "day", True),
        (utc(2025, 12, 30, 0, 0), "this_and_next", "day", False),
    ],
)
def test_year_end(registered: datetime, operator: str, period: str, expected: bool) -> None:
    assert registered_matches(YEAR_END, registered, operator, period) is expected


def test_leap_february() -> None:
    now = utc(2028, 2, 29, 12, 0)
    assert registered_matches(now, utc(2028, 2, 1, 0, 0), "this", "month")
    assert registered_matches(now, utc(2028, 3, 31, 0, 0), "next", "month")
    assert not registered_matches(now, utc(2028, 4, 1, 0, 0), "next", "month")
    assert registered_matches(now, utc(2028, 1, 31, 0, 0), "previous", "month")


@pytest.mark.parametrize(
    ("operator", "registered", "expected"),
    [
        ("today", utc(2026, 1, 5, 0, 0), True),
        ("today", utc(2026, 1, 4, 23, 59), False),
        ("before_today", utc(2026, 1, 4, 23, 59), True),
        ("before_today", utc(2026, 1, 5, 0, 0), False),
        ("after_today", utc(2026, 1, 6, 0, 0), True),
        ("after_today", utc(2026, 1, 5, 23, 59), False),
    ],
)
def test_today_operators(operator: str, registered: datetime, expected: bool) -> None:
    assert registered_matches(MONDAY, registered, operator) is expected


def test_explicit_dates_are_inclusive_calendar_days() -> None:
    at = utc(2026, 1, 5, 23, 59)
    assert registered_matches(MONDAY, at, "on", date(2026, 1, 5))
    assert registered_matches(MONDAY, at, "date_between", date(2026, 1, 5), date(2026, 1, 5))
    assert registered_matches(MONDAY, at, "before", date(2026, 1, 6))
    assert not registered_matches(MONDAY, at, "before", date(2026, 1, 5))
    assert registered_matches(MONDAY, at, "after", date(2026, 1, 4))
    assert not registered_matches(MONDAY, at, "after", date(2026, 1, 5))
    assert not registered_matches(MONDAY, at, "date_between", date(2026, 1, 6), date(2026, 1, 1))


def test_the_day_of_a_datetime_is_taken_in_the_clock_timezone() -> None:
    stored = utc(2026, 1, 4, 23, 0)  # Sunday in UTC, Monday 13:00 in UTC+14
    assert registered_matches(MONDAY.astimezone(PLUS_14), stored, "this", "week")
    assert not registered_matches(MONDAY, stored, "this", "week")
    assert registered_matches(MONDAY.astimezone(PLUS_14), stored, "on", date(2026, 1, 5))
    assert registered_matches(MONDAY, stored, "on", date(2026, 1, 4))
    evening = datetime(2026, 1, 5, 20, 0, tzinfo=MINUS_12)  # Tuesday 08:00 UTC
    assert registered_matches(MONDAY, evening, "on", date(2026, 1, 6))


def test_a_naive_clock_reading_takes_stored_datetimes_as_local() -> None:
    # A stored naive datetime cannot occur: the model refuses it at construction.
    with pytest.raises(ValidationError, match="timezone-aware"):
        registered_matches(MONDAY, datetime(2026, 1, 4, 23, 0), "on", date(2026, 1, 4))
    assert registered_matches(datetime(2026, 1, 4, 12, 0), utc(2026, 1, 4, 1, 0), "today")
    assert registered_matches(datetime(2026, 1, 4, 12, 0), utc(2026, 1, 4, 23, 0), "today")
    assert not registered_matches(datetime(2026, 1, 5, 12, 0), utc(2026, 1, 4, 23, 0), "today")


def test_calendar_extremes_match_nothing_beyond_them() -> None:
    last = datetime(9999, 12, 31, 12, 0, tzinfo=UTC)
    first = datetime(1, 1, 1, 12, 0, tzinfo=UTC)
    assert not registered_matches(last, last, "next", "year")
    assert not registered_matches(last, last, "after_today")
    assert registered_matches(last, last, "this_and_next", "year")
    assert not registered_matches(last, last, "after", date.max)
    assert registered_matches(last, last, "on", date.max)
    assert not registered_matches(first, first, "previous", "week")
    assert not registered_matches(first, first, "before", date.min)
    assert registered_matches(first, first, "this_and_previous", "quarter")
    assert registered_matches(first, first, "before_today") is False


def test_a_local_day_beyond_the_calendar_is_clamped_not_an_error() -> None:
    last = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
    assert registered_matches(last.astimezone(MINUS_12), last, "on", date.max)
    assert registered_matches(datetime(9999, 12, 31, tzinfo=PLUS_14), last, "on", date.max)
    first = datetime(1, 1, 1, 1, 0, tzinfo=UTC)
    assert registered_matches(datetime(1, 1, 1, tzinfo=MINUS_12), first, "on", date.min)
