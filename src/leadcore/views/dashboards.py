"""The lead dashboards' tiles: frozen values computed from the status history.

Every tile covers a :class:`ReportPeriod` (local calendar days in an explicit time
zone) and, where it makes sense, compares it with the previous period of the same
length. The figures come from the history (:meth:`leadcore.ports.HistoryRepository.between`),
read for the persons that exist and match a :class:`DashboardFilter`; a figure
"at" a period is measured at its end, or now when the period has not ended yet.
The service computes them (:class:`leadcore.service.dashboards.Dashboards`,
with the pure functions of :mod:`leadcore.views.dashboard_figures`); this module
holds the values. Every tile turns into JSON-able data through the views' one
converter, :data:`leadcore.views.converter`.

>>> from datetime import date, timezone
>>> period = ReportPeriod(date(2026, 3, 1), date(2026, 4, 1), timezone.utc)
>>> period.days, period.previous().start
(31, datetime.date(2026, 1, 29))
"""

from __future__ import annotations

import enum
import statistics
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, tzinfo

import attrs

from leadcore._checks import MAX_MOMENT, MIN_MOMENT
from leadcore.criteria.ast import ALWAYS, Criterion, Period, all_of
from leadcore.criteria.build import condition
from leadcore.errors import ValidationError
from leadcore.model import (
    AssociateId,
    CategoryId,
    LeadStatusId,
    Person,
    PersonId,
    Utm,
)

__all__ = [
    "MAX_PERIOD_DAYS",
    "AgedPerson",
    "AgeingBucket",
    "AgeingTile",
    "DashboardFilter",
    "DurationFigures",
    "FunnelStage",
    "FunnelStep",
    "FunnelTile",
    "LeadBreakdown",
    "NewLeadsBucket",
    "NewLeadsTile",
    "ReportPeriod",
    "StatusCount",
    "StatusCountsTile",
    "StatusTime",
    "TimeInStatusTile",
]

MAX_PERIOD_DAYS = 3660
"""The longest period a tile covers (about ten years): bounds the buckets a tile builds."""


# --- the period and the filter ---------------------------------------------------------------


def _local_midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz)


def _bucket_start(day: date, unit: Period) -> date:
    if unit is Period.DAY:
        return day
    if unit is Period.WEEK:
        return day - timedelta(days=day.weekday())
    if unit is Period.MONTH:
        return day.replace(day=1)
    if unit is Period.QUARTER:
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


def _next_start(start: date, unit: Period) -> date | None:
    """The first day of the day, week, month ... after ``start``'s; ``None`` when that
    lies beyond the calendar's last day (9999-12-31)."""
    if unit is Period.DAY or unit is Period.WEEK:
        step = timedelta(days=1 if unit is Period.DAY else 7)
        return start + step if date.max - start >= step else None
    months = {Period.MONTH: 1, Period.QUARTER: 3, Period.YEAR: 12}[unit]
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1) if index // 12 <= date.max.year else None


def _bucket_after(start: date, unit: Period) -> date:
    """:func:`_next_start`, or the calendar's last day: a period ends on it at the latest,
    so a walk over its buckets stops there."""
    return _next_start(start, unit) or date.max


def _in_utc(moment: datetime) -> bool:
    """True when ``moment``'s UTC time is a datetime (comparing never overflows)."""
    return MIN_MOMENT <= moment <= MAX_MOMENT


@attrs.frozen
class ReportPeriod:
    """Local calendar days ``start`` (included) to ``end`` (excluded) in the time zone ``tz``.

    Both ends are dates (not datetimes), ``start < end``, at most
    :data:`MAX_PERIOD_DAYS` days; ``tz`` is any :class:`datetime.tzinfo` (a
    ``zoneinfo.ZoneInfo`` for a clock's local zone), and the local midnights that
    begin and end the period have a UTC time (times are stored and searched in
    UTC: ``0001-01-01`` in a zone east of UTC begins in the year 0). Anything else
    is a :class:`leadcore.errors.ValidationError`, and so is a period at the
    calendar's edge where :meth:`of` or :meth:`previous` would leave it.

    >>> from datetime import date, timezone
    >>> march = ReportPeriod.of(Period.MONTH, date(2026, 3, 17), timezone.utc)
    >>> march.start, march.end, march.start_at.isoformat()
    (datetime.date(2026, 3, 1), datetime.date(2026, 4, 1), '2026-03-01T00:00:00+00:00')
    >>> ReportPeriod(date(2026, 3, 2), date(2026, 3, 1), timezone.utc)
    Traceback (most recent call last):
    ...
    leadcore.errors.ValidationError: a report period must end after it starts: ...
    """

    start: date
    end: date
    tz: tzinfo

    def __attrs_post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, date) or isinstance(value, datetime):
                raise ValidationError(
                    f"a report period's {name} must be a date",
                    why=f"got {type(value).__name__}; periods are local calendar days",
                    fix="Pass a datetime.date and the time zone as tz",
                    field=name,
                )
        if not isinstance(self.tz, tzinfo):
            raise ValidationError(
                "a report period needs a time zone",
                why=f"tz is {type(self.tz).__name__}, not a datetime.tzinfo",
                fix="Pass the clock's zone, e.g. zoneinfo.ZoneInfo('Europe/Copenhagen')",
                field="tz",
            )
        if self.end <= self.start:
            raise ValidationError(
                "a report period must end after it starts",
                why=f"start {self.start} is not before end {self.end} (the end is excluded)",
                fix="Give an end at least one day after the start",
                start=self.start,
                end=self.end,
            )
        if (self.end - self.start).days > MAX_PERIOD_DAYS:
            raise ValidationError(
                "a report period is too long",
                why=f"{(self.end - self.start).days} days; a tile covers at most {MAX_PERIOD_DAYS}",
                fix="Split the question into shorter periods",
                start=self.start,
                end=self.end,
            )
        for name in ("start", "end"):
            day = getattr(self, name)
            try:
                inside = _in_utc(_local_midnight(day, self.tz))
            except Exception as error:  # a tzinfo of one's own whose offset fails
                raise ValidationError(
                    "a report period's time zone gives no UTC offset",
                    why=f"{type(error).__name__} for midnight of {day}",
                    fix="Pass a datetime.timezone or a zoneinfo.ZoneInfo",
                    field="tz",
                ) from None
            if not inside:
                raise ValidationError(
                    f"a report period's {name} has no UTC time",
                    why=f"midnight of {day} in {self.tz} is before the year 1 in UTC, and "
                    "times are stored and searched in UTC",
                    fix="Start the period a day later, or give it in UTC",
                    field=name,
                    start=self.start,
                    end=self.end,
                )

    @classmethod
    def of(cls, unit: Period, day: date, tz: tzinfo) -> ReportPeriod:
        """The day, week (Monday first), month, quarter or year that contains ``day``.

        One that would end after the calendar's last day (9999-12-31) is a
        :class:`ValidationError`.

        >>> from datetime import date, timezone
        >>> ReportPeriod.of(Period.YEAR, date(9999, 6, 1), timezone.utc)
        Traceback (most recent call last):
        ...
        leadcore.errors.ValidationError: the year containing 9999-06-01 ends after the calendar: ...
        """
        if not isinstance(unit, Period):
            raise ValidationError(
                "a report period's unit must be a Period",
                why=f"got {type(unit).__name__}",
                fix="Pass Period.DAY, WEEK, MONTH, QUARTER or YEAR",
                field="unit",
            )
        if not isinstance(day, date) or isinstance(day, datetime):
            raise ValidationError(
                "a report period is chosen by a date",
                why=f"got {type(day).__name__}",
                fix="Pass a datetime.date (a datetime's .date() in the zone tz)",
                field="day",
            )
        start = _bucket_start(day, unit)
        end = _next_start(start, unit)
        if end is None:
            raise ValidationError(
                f"the {unit.value} containing {day} ends after the calendar",
                why="the day after its last would be after 9999-12-31, the last day a date holds",
                fix="Pick an earlier day, or give the period by its dates "
                "(ReportPeriod(start, end, tz), whose end is excluded)",
                unit=unit.value,
                day=day,
            )
        return cls(start, end, tz)

    @property
    def days(self) -> int:
        """How many days the period has."""
        return (self.end - self.start).days

    @property
    def start_at(self) -> datetime:
        """The first moment of the period (local midnight of ``start``)."""
        return _local_midnight(self.start, self.tz)

    @property
    def end_at(self) -> datetime:
        """The first moment after the period (local midnight of ``end``)."""
        return _local_midnight(self.end, self.tz)

    def previous(self) -> ReportPeriod:
        """The period of the same number of days that ends where this one starts.

        A period too close to the calendar's first day to have one is a
        :class:`ValidationError` (the tiles that compare with it say so too).

        >>> from datetime import date, timezone
        >>> ReportPeriod(date(1, 1, 3), date(1, 1, 8), timezone.utc).previous()
        Traceback (most recent call last):
        ...
        leadcore.errors.ValidationError: the period 0001-01-03 to 0001-01-08 has no previous ...
        """
        length = self.end - self.start
        if self.start - date.min < length:
            raise ValidationError(
                f"the period {self.start} to {self.end} has no previous period of "
                f"{length.days} days",
                why="it would begin before 0001-01-01, the first day a date holds",
                fix="Choose a period that starts at least its own length after 0001-01-01",
                start=self.start,
                end=self.end,
            )
        return ReportPeriod(self.start - length, self.start, self.tz)


def _frozen_ids(values: Iterable[int]) -> frozenset[int]:
    return frozenset(values)


@attrs.frozen
class DashboardFilter:
    """Which persons a tile counts: owned by one of ``owners``, in one of ``categories``
    (the effective category, R3) and matching ``criteria`` (person criteria).

    An empty set does not restrict. Every tile counts only persons that exist (a
    deleted person's history stays, but no tile counts it).

    >>> DashboardFilter(owners=[7]).criterion()
    Condition(field='person.owner', operator=<Operator.IN: 'in'>, values=(7,))
    >>> DashboardFilter().criterion()
    Always()
    """

    owners: frozenset[AssociateId] = attrs.field(default=frozenset(), converter=_frozen_ids)
    categories: frozenset[CategoryId] = attrs.field(default=frozenset(), converter=_frozen_ids)
    criteria: Criterion = ALWAYS

    def __attrs_post_init__(self) -> None:
        for name in ("owners", "categories"):
            for value in getattr(self, name):
                if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                    raise ValidationError(
                        f"a dashboard filter's {name} must be ids",
                        why=f"{value!r} is not a positive int",
                        fix=f"Pass the ids of the {name} to count, or leave the set empty",
                        field=name,
                        value=value,
                    )

    def criterion(self) -> Criterion:
        """The filter as one person criterion (validated when built)."""
        parts: list[Criterion] = []
        if self.owners:
            parts.append(condition("person.owner", "in", *sorted(self.owners)))
        if self.categories:
            parts.append(condition("person.category", "in", *sorted(self.categories)))
        if self.criteria is not ALWAYS:
            parts.append(self.criteria)
        return all_of(parts)


# --- the tiles ---------------------------------------------------------------------------------


@attrs.frozen
class StatusCount:
    """How many persons held ``status_id`` visibly at the end of the period and of the
    previous one, and the difference."""

    status_id: LeadStatusId
    label: str
    count: int
    previous: int

    @property
    def delta(self) -> int:
        """``count - previous``."""
        return self.count - self.previous


@attrs.frozen
class StatusCountsTile:
    """Persons per lead status (visible statuses, R1), in list rank order.

    ``hidden`` counts persons whose stored status was hidden at the end of the
    period (in no bucket; R4 keeps them counted here).
    """

    period: ReportPeriod
    counts: tuple[StatusCount, ...]
    hidden: int
    previous_hidden: int

    @property
    def total(self) -> int:
        """Persons with a visible status at the end of the period."""
        return sum(c.count for c in self.counts)


@attrs.frozen
class FunnelStage:
    """How many persons entered ``status_id`` in the period and in the previous one."""

    status_id: LeadStatusId
    label: str
    entered: int
    previous: int

    @property
    def delta(self) -> int:
        """``entered - previous``."""
        return self.entered - self.previous


@attrs.frozen
class FunnelStep:
    """The conversion from one stage to the next: of the ``entered`` persons who entered
    ``from_status`` in the period, ``converted`` entered ``to_status`` later in the same
    period. ``rate`` is their quotient (``None`` when nobody entered); ``previous_rate``
    the same for the previous period."""

    from_status: LeadStatusId
    to_status: LeadStatusId
    entered: int
    converted: int
    rate: float | None
    previous_rate: float | None


@attrs.frozen
class FunnelTile:
    """The qualification funnel (default Open -> Contacting -> Qualified) from the history.

    A person *enters* a stage when an entry changes its stored status to that
    stage (a change or a reveal; a hide changes nothing); each person counts once
    per stage and period.
    """

    period: ReportPeriod
    stages: tuple[FunnelStage, ...]
    steps: tuple[FunnelStep, ...]


class LeadBreakdown(enum.Enum):
    """What new leads are counted by (each a UTM data point: needs marketing premium)."""

    CAMPAIGN = "campaign"
    """The lead-creation UTM's campaign (the campaign that made the lead)."""
    FIRST_TOUCH_SOURCE = "first_touch_source"
    """The first-touch UTM's source."""
    LEAD_CREATION_SOURCE = "lead_creation_source"
    """The lead-creation UTM's source."""

    def value_of(self, person: Person) -> str | None:
        """The person's value for this breakdown (``None`` when not recorded)."""
        utm: Utm | None
        if self is LeadBreakdown.FIRST_TOUCH_SOURCE:
            utm = person.first_touch_utm
            return None if utm is None else utm.source
        utm = person.lead_creation_utm
        if utm is None:
            return None
        return utm.campaign if self is LeadBreakdown.CAMPAIGN else utm.source


@attrs.frozen
class NewLeadsBucket:
    """New leads in one day, week, month, ... starting on local date ``start``; ``counts``
    line up with :attr:`NewLeadsTile.values` (empty without a breakdown)."""

    start: date
    total: int
    counts: tuple[int, ...] = ()


@attrs.frozen
class NewLeadsTile:
    """New leads per ``granularity`` in the period, optionally ``by`` a UTM data point.

    A person becomes a new lead when it first gets a status (an entry from no
    status to one); it counts once per period, at its first such entry. Buckets
    cover the whole period in local time (the first and last may be cut by the
    period's ends). ``values`` are the breakdown's values, most leads first, the
    missing value (``None``) last; ``totals`` line up with them.
    """

    period: ReportPeriod
    granularity: Period
    by: LeadBreakdown | None
    values: tuple[str | None, ...]
    buckets: tuple[NewLeadsBucket, ...]
    totals: tuple[int, ...]
    total: int
    previous_total: int

    @property
    def delta(self) -> int:
        """``total - previous_total``."""
        return self.total - self.previous_total


@attrs.frozen
class DurationFigures:
    """Time in one status over ``persons`` persons: the latest stay (the most recent one)
    and the cumulative time (all stays added up), average and median; ``None`` when no
    person was in the status."""

    persons: int
    latest_average: timedelta | None
    latest_median: timedelta | None
    cumulative_average: timedelta | None
    cumulative_median: timedelta | None

    @classmethod
    def of(cls, latest: list[float], cumulative: list[float]) -> DurationFigures:
        """Figures of the latest and cumulative stays given in seconds, one per person.

        >>> DurationFigures.of([60.0, 180.0], [60.0, 300.0]).cumulative_average
        datetime.timedelta(seconds=180)
        """
        if not latest:
            return cls(0, None, None, None, None)
        return cls(
            len(latest),
            timedelta(seconds=statistics.fmean(latest)),
            timedelta(seconds=statistics.median(latest)),
            timedelta(seconds=statistics.fmean(cumulative)),
            timedelta(seconds=statistics.median(cumulative)),
        )


@attrs.frozen
class StatusTime:
    """Time in ``status_id`` for the period (``current``) and the previous one."""

    status_id: LeadStatusId
    label: str
    current: DurationFigures
    previous: DurationFigures

    @property
    def latest_average_delta(self) -> timedelta | None:
        """How much the average latest stay changed (``None`` if either is missing)."""
        if self.current.latest_average is None or self.previous.latest_average is None:
            return None
        return self.current.latest_average - self.previous.latest_average


@attrs.frozen
class TimeInStatusTile:
    """Time in status, per status in rank order.

    A person counts for a status when it held that status at some moment of the
    period. Its *latest* stay is its most recent stay in the status, its
    *cumulative* time the sum of all its stays, both measured from the history's
    start to the end of the period (or now), hidden time included (R4).
    """

    period: ReportPeriod
    statuses: tuple[StatusTime, ...]


@attrs.frozen
class AgedPerson:
    """A person that has held its status since ``since``, ``age`` long at the tile's moment."""

    person_id: PersonId
    since: datetime
    age: timedelta


@attrs.frozen
class AgeingBucket:
    """Persons in ``status_id`` for longer than the tile's limit: ``count`` at the end of
    the period, ``previous`` at the end of the previous one, and the oldest ``persons``
    (oldest first, at most the tile's ``persons_limit``)."""

    status_id: LeadStatusId
    label: str
    count: int
    previous: int
    persons: tuple[AgedPerson, ...]

    @property
    def delta(self) -> int:
        """``count - previous``."""
        return self.count - self.previous


@attrs.frozen
class AgeingTile:
    """Leads that have held a visible status longer than ``older_than`` at ``as_of`` (the
    end of the period, or now), per status in rank order. ``hidden`` counts the persons
    whose status was hidden then (left out: nobody works a hidden lead)."""

    period: ReportPeriod
    older_than: timedelta
    as_of: datetime
    buckets: tuple[AgeingBucket, ...]
    hidden: int
