"""Report periods at the calendar's edges (issue 23).

Periods in year 1 or year 9999 raised ``OverflowError`` / ``ValueError`` (the unit
containing a day past 9999-12-31, the previous period before 0001-01-01, a weekly
bucket after the last Monday, midnight of 0001-01-01 east of UTC). Now each is a
``ValidationError`` saying why, or the tile's figures, in memory and in SQLite alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadcore import LeadService
from leadcore.clock import FixedClock
from leadcore.criteria.ast import Period
from leadcore.errors import LeadcoreError, ValidationError
from leadcore.model import AssociateId
from leadcore.views import LeadBreakdown, ReportPeriod

EAST = timezone(timedelta(hours=5))
WEST = timezone(timedelta(hours=-5))


def test_a_unit_ending_after_the_calendar_is_a_typed_error() -> None:
    for unit in Period:
        with pytest.raises(ValidationError, match="ends after the calendar"):
            ReportPeriod.of(unit, date.max, UTC)
    with pytest.raises(ValidationError, match="the year containing 9999-06-01"):
        ReportPeriod.of(Period.YEAR, date(9999, 6, 1), UTC)
    december = ReportPeriod.of(Period.MONTH, date(9999, 11, 30), UTC)
    assert (december.start, december.end) == (date(9999, 11, 1), date(9999, 12, 1))
    assert ReportPeriod.of(Period.WEEK, date.min, UTC).start == date.min  # a Monday


def test_a_period_without_a_previous_one_is_a_typed_error() -> None:
    with pytest.raises(ValidationError, match="no previous period of 1 days"):
        ReportPeriod(date.min, date(1, 1, 2), UTC).previous()
    assert ReportPeriod(date(1, 1, 3), date(1, 1, 5), UTC).previous().start == date.min


def test_midnight_of_the_first_day_east_of_utc_has_no_utc_time() -> None:
    with pytest.raises(ValidationError, match="start has no UTC time") as info:
        ReportPeriod(date.min, date(1, 1, 2), EAST)
    assert info.value.context["field"] == "start"
    assert ReportPeriod(date.min, date(1, 1, 2), WEST).start_at.year == 1
    last = ReportPeriod(date(9999, 12, 30), date.max, WEST)
    assert last.end_at.astimezone(UTC) == datetime(9999, 12, 31, 5, tzinfo=UTC)


# --- the tiles at the edges, in memory and in SQLite ------------------------------------

FIRST = datetime(1, 1, 1, 12, tzinfo=UTC)
LAST = datetime(9999, 12, 30, 12, tzinfo=UTC)


def _service(kind: str) -> LeadService:
    clock = FixedClock(FIRST)
    if kind == "memory":
        service = LeadService.in_memory(clock=clock, associate=AssociateId(1))
    else:
        service = LeadService.sql(":memory:", clock=clock, associate=AssociateId(1))
    lists = service.lists()
    lead = lists.categories.by_name("Lead").id
    qualified = lists.statuses.by_key("qualified").id
    early = service.persons.add("Ann", category_id=lead)  # Open in year 1
    clock.set(LAST - timedelta(days=3))
    late = service.persons.add("Bo", category_id=lead)
    clock.set(LAST)
    service.persons.set_lead_status(early.id, qualified)
    service.persons.set_lead_status(late.id, qualified)
    clock.set(datetime.max.replace(tzinfo=UTC))
    return service


@pytest.fixture(scope="module", params=["memory", "sqlite"])
def service(request: pytest.FixtureRequest) -> Iterator[LeadService]:
    made = _service(request.param)
    yield made
    made.close()


def _tiles(service: LeadService, period: ReportPeriod, granularity: Period) -> dict[str, object]:
    return {
        "counts": service.dashboards.status_counts(period),
        "funnel": service.dashboards.funnel(period),
        "new": service.dashboards.new_leads(
            period, granularity=granularity, by=LeadBreakdown.CAMPAIGN
        ),
        "time": service.dashboards.time_in_status(period),
        "ageing": service.dashboards.ageing(period, 1),
    }


def test_the_last_month_has_its_figures_in_weekly_buckets(service: LeadService) -> None:
    """Walking the weeks of December 9999 raised OverflowError after the last Monday."""
    december = ReportPeriod(date(9999, 12, 1), date.max, UTC)
    tiles = _tiles(service, december, Period.WEEK)
    new = tiles["new"]
    assert new.total == 1  # type: ignore[attr-defined]
    assert new.buckets[-1].start == date(9999, 12, 27)  # type: ignore[attr-defined]
    assert tiles["counts"].total == 2  # type: ignore[attr-defined]


def test_the_first_days_have_their_figures_or_say_why_not(service: LeadService) -> None:
    january = ReportPeriod(date.min, date(1, 1, 2), UTC)
    assert service.dashboards.status_counts(january).total == 1
    with pytest.raises(ValidationError, match="no previous period"):
        service.dashboards.funnel(january)
    later = ReportPeriod(date(1, 1, 2), date(1, 1, 3), WEST)
    assert service.dashboards.new_leads(later).total == 0


# --- fuzz: any period, any zone -----------------------------------------------------------

_DAYS = st.one_of(
    st.dates(),
    st.sampled_from([date.min, date(1, 1, 2), date(1, 1, 8), date(1, 2, 1),
                     date(9999, 12, 1), date(9999, 12, 27), date(9999, 12, 30), date.max]),
)  # fmt: skip
_ZONES: st.SearchStrategy[tzinfo] = st.one_of(
    st.just(UTC),
    st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m))),
    st.timezones(),
)


@st.composite
def _periods(draw: st.DrawFn) -> tuple[object, object, object, object, object]:
    """Arguments for ReportPeriod(start, end, tz) or ReportPeriod.of(unit, day, tz), at the
    edges mostly, sometimes of the wrong type."""
    start = draw(_DAYS | st.sampled_from([None, "2026-01-01", datetime(2026, 1, 1), 3]))
    end = draw(
        _DAYS
        | st.integers(1, 40).map(
            lambda n: (
                start + timedelta(days=n)
                if type(start) is date and date.max - start > timedelta(days=n)
                else date.max
            )
        )
    )
    tz = draw(_ZONES | st.sampled_from([None, "UTC", 5]))
    unit = draw(st.sampled_from(Period) | st.sampled_from(["week", None]))
    return start, end, tz, unit, draw(st.sampled_from(Period))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(arguments=_periods(), by_unit=st.booleans())
def test_any_period_gives_figures_or_a_typed_error(
    service: LeadService,
    arguments: tuple[object, object, object, object, Period],
    by_unit: bool,
) -> None:
    """ReportPeriod's fuzz test (issue 23): building it, its previous period, its moments
    and every tile over it raise only leadcore's typed errors."""
    start, end, tz, unit, granularity = arguments
    try:
        period = (
            ReportPeriod.of(unit, start, tz)  # type: ignore[arg-type]
            if by_unit
            else ReportPeriod(start, end, tz)  # type: ignore[arg-type]
        )
    except ValidationError:
        return
    assert period.start_at.astimezone(UTC) <= period.end_at.astimezone(UTC)
    no_previous: ValidationError | None = None
    try:
        before = period.previous()
    except ValidationError as error:
        no_previous = error
    else:
        assert (before.end, before.days) == (period.start, period.days)
    try:
        tiles = _tiles(service, period, granularity)
    except LeadcoreError as error:
        failure: LeadcoreError | None = error
    else:
        failure = None
    if failure is not None:  # only a period without a previous one lacks the deltas
        assert str(failure) == str(no_previous)
    else:
        assert tiles["counts"].total <= 2  # type: ignore[attr-defined]
