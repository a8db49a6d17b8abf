"""The lead dashboards' tiles: frozen values computed from the status history.

Every tile covers a :class:`ReportPeriod` (local calendar days in an explicit time
zone) and, where it makes sense, compares it with the previous period of the same
length. The figures come from the history (:meth:`leadcore.ports.HistoryRepository.between`),
read for the persons that exist and match a :class:`DashboardFilter`; a figure
"at" a period is measured at its end, or now when the period has not ended yet.
The service computes them (:class:`leadcore.service.dashboards.DashboardsArea`);
this module holds the values and the pure computation.

>>> from datetime import date, timezone
>>> period = ReportPeriod(date(2026, 3, 1), date(2026, 4, 1), timezone.utc)
>>> period.days, period.previous().start
(31, datetime.date(2026, 1, 29))
"""

from __future__ import annotations

import enum
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta, tzinfo

import attrs
from cattrs.preconf.json import JsonConverter, make_converter

from leadcore.criteria.ast import ALWAYS, Criterion, Period, all_of
from leadcore.criteria.build import condition
from leadcore.errors import ValidationError
from leadcore.history import HistoryEntry, HistoryKind
from leadcore.lists import LeadStatusList
from leadcore.model import (
    AssociateId,
    CategoryId,
    Language,
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
    "converter",
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


def _bucket_after(start: date, unit: Period) -> date:
    if unit is Period.DAY:
        return start + timedelta(days=1)
    if unit is Period.WEEK:
        return start + timedelta(days=7)
    months = {Period.MONTH: 1, Period.QUARTER: 3, Period.YEAR: 12}[unit]
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@attrs.frozen
class ReportPeriod:
    """Local calendar days ``start`` (included) to ``end`` (excluded) in the time zone ``tz``.

    Both ends are dates (not datetimes), ``start < end``, at most
    :data:`MAX_PERIOD_DAYS` days; ``tz`` is any :class:`datetime.tzinfo` (a
    ``zoneinfo.ZoneInfo`` for a clock's local zone). Anything else is a
    :class:`leadcore.errors.ValidationError`.

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

    @classmethod
    def of(cls, unit: Period, day: date, tz: tzinfo) -> ReportPeriod:
        """The day, week (Monday first), month, quarter or year that contains ``day``."""
        start = _bucket_start(day, unit)
        return cls(start, _bucket_after(start, unit), tz)

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
        """The period of the same number of days that ends where this one starts."""
        return ReportPeriod(self.start - (self.end - self.start), self.start, self.tz)


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


def _label(statuses: LeadStatusList, status_id: LeadStatusId, language: Language) -> str:
    if status_id in statuses:
        return statuses.get(status_id).label(language)
    return f"#{status_id}"


def _status_order(statuses: LeadStatusList, held: Iterable[LeadStatusId]) -> list[LeadStatusId]:
    """Active statuses in rank order, then deleted or unknown ones that are ``held``."""
    ordered = [s.id for s in statuses.active()]
    known = set(ordered)
    ordered += sorted({s for s in held if s not in known})
    return ordered


_TICK = timedelta(microseconds=1)


def read_limit(moment: datetime, now: datetime) -> datetime:
    """Entries before this count at ``moment`` (a period's end, excluded), or up to and
    including now when ``moment`` is later than now (not public API)."""
    return moment if moment <= now else now + _TICK


def _as_of(moment: datetime, now: datetime) -> datetime:
    return moment if moment <= now else now


History = Mapping[PersonId, Sequence[HistoryEntry]]
"""The history a tile reads: each person's entries, oldest first (see
:meth:`leadcore.ports.HistoryRepository.between`)."""


# --- persons per status -----------------------------------------------------------------------


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


def _state_at(
    entries: Sequence[HistoryEntry], limit: datetime
) -> tuple[LeadStatusId | None, bool, datetime | None]:
    """The stored status, whether it shows, and since when it is held, before ``limit``."""
    status: LeadStatusId | None = None
    visible = False
    since: datetime | None = None
    hide = HistoryKind.HIDE
    for entry in entries:
        if entry.at >= limit:
            break
        if entry.to_status != status:
            since = entry.at
            status = entry.to_status
        visible = entry.kind is not hide and status is not None
    return status, visible, since


def status_counts(
    history: History,
    statuses: LeadStatusList,
    period: ReportPeriod,
    now: datetime,
    language: Language,
) -> StatusCountsTile:
    """:class:`StatusCountsTile` from every entry before the period's end (not public API)."""
    limits = (read_limit(period.end_at, now), read_limit(period.start_at, now))
    counts: tuple[dict[LeadStatusId, int], dict[LeadStatusId, int]] = ({}, {})
    hidden = [0, 0]
    for entries in history.values():
        for side, limit in enumerate(limits):
            if entries[0].at >= limit:
                continue
            status, visible, _ = _state_at(entries, limit)
            if status is None:
                continue
            if visible:
                counts[side][status] = counts[side].get(status, 0) + 1
            else:
                hidden[side] += 1
    order = _status_order(statuses, [*counts[0], *counts[1]])
    return StatusCountsTile(
        period,
        tuple(
            StatusCount(s, _label(statuses, s, language), counts[0].get(s, 0), counts[1].get(s, 0))
            for s in order
        ),
        hidden[0],
        hidden[1],
    )


# --- the qualification funnel -----------------------------------------------------------------


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


Entries = list[dict[PersonId, datetime]]
"""Per funnel stage: each person's first (or last) time of entering it."""


def _entries_into(
    history: History,
    stages: Sequence[LeadStatusId],
    current: tuple[datetime, datetime],
    previous: tuple[datetime, datetime],
) -> tuple[tuple[Entries, Entries], tuple[Entries, Entries]]:
    """For the ``current`` and the ``previous`` side ``(start, limit)``: each person's first
    and last entry into each stage."""
    position = {status: i for i, status in enumerate(stages)}
    first: Entries = [{} for _ in stages]
    last: Entries = [{} for _ in stages]
    first_before: Entries = [{} for _ in stages]
    last_before: Entries = [{} for _ in stages]
    start, limit = current
    previous_start, previous_limit = previous
    lowest, highest = min(start, previous_start), max(limit, previous_limit)
    for person_id, entries in history.items():
        if entries[-1].at < lowest:
            continue
        for entry in entries:
            at = entry.at
            if at >= highest:
                break
            to = entry.to_status
            if to is None or to == entry.from_status:
                continue
            index = position.get(to)
            if index is None:
                continue
            if start <= at < limit:
                first[index].setdefault(person_id, at)
                last[index][person_id] = at
            if previous_start <= at < previous_limit:
                first_before[index].setdefault(person_id, at)
                last_before[index][person_id] = at
    return (first, last), (first_before, last_before)


def _conversions(
    first: list[dict[PersonId, datetime]], last: list[dict[PersonId, datetime]]
) -> list[tuple[int, int, float | None]]:
    steps: list[tuple[int, int, float | None]] = []
    for i in range(len(first) - 1):
        later = last[i + 1]
        entered = len(first[i])
        converted = sum(
            1 for person, at in first[i].items() if person in later and later[person] >= at
        )
        steps.append((entered, converted, converted / entered if entered else None))
    return steps


def funnel(
    history: History,
    statuses: LeadStatusList,
    stages: Sequence[LeadStatusId],
    period: ReportPeriod,
    now: datetime,
    language: Language,
) -> FunnelTile:
    """:class:`FunnelTile` from the entries of the period and the previous one (not public API)."""
    current, previous = _entries_into(
        history,
        stages,
        (period.start_at, read_limit(period.end_at, now)),
        (period.previous().start_at, read_limit(period.start_at, now)),
    )
    current_steps = _conversions(*current)
    previous_steps = _conversions(*previous)
    return FunnelTile(
        period,
        tuple(
            FunnelStage(s, _label(statuses, s, language), len(current[0][i]), len(previous[0][i]))
            for i, s in enumerate(stages)
        ),
        tuple(
            FunnelStep(stages[i], stages[i + 1], *current_steps[i], previous_steps[i][2])
            for i in range(len(stages) - 1)
        ),
    )


# --- new leads ----------------------------------------------------------------------------------


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


def new_lead_entries(
    history: History, start: datetime, limit: datetime
) -> dict[PersonId, datetime]:
    """Each person's first entry from no status to one in [start, limit) (not public API)."""
    found: dict[PersonId, datetime] = {}
    for person_id, entries in history.items():
        for entry in entries:
            at = entry.at
            if at >= limit:
                break
            if at >= start and entry.from_status is None and entry.to_status is not None:
                found[person_id] = at
                break
    return found


def new_leads(
    history: History,
    period: ReportPeriod,
    now: datetime,
    granularity: Period,
    by: LeadBreakdown | None,
    persons: dict[PersonId, Person],
) -> NewLeadsTile:
    """:class:`NewLeadsTile`; ``persons`` holds the new leads' records (not public API)."""
    current = new_lead_entries(history, period.start_at, read_limit(period.end_at, now))
    previous = new_lead_entries(
        history, period.previous().start_at, read_limit(period.start_at, now)
    )
    starts: list[date] = []
    day = _bucket_start(period.start, granularity)
    while day < period.end:
        starts.append(day)
        day = _bucket_after(day, granularity)
    index = {start: i for i, start in enumerate(starts)}
    per_bucket: list[dict[str | None, int]] = [{} for _ in starts]
    for person_id, at in current.items():
        bucket = index[_bucket_start(at.astimezone(period.tz).date(), granularity)]
        value = None if by is None else by.value_of(persons[person_id])
        per_bucket[bucket][value] = per_bucket[bucket].get(value, 0) + 1
    totals: dict[str | None, int] = {}
    for counts in per_bucket:
        for value, n in counts.items():
            totals[value] = totals.get(value, 0) + n
    values: tuple[str | None, ...] = ()
    if by is not None:
        values = tuple(sorted(totals, key=lambda v: (v is None, -totals[v], v or "")))
    return NewLeadsTile(
        period,
        granularity,
        by,
        values,
        tuple(
            NewLeadsBucket(start, sum(counts.values()), tuple(counts.get(v, 0) for v in values))
            for start, counts in zip(starts, per_bucket, strict=True)
        ),
        tuple(totals.get(v, 0) for v in values),
        len(current),
        len(previous),
    )


# --- time in status ---------------------------------------------------------------------------


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


Stays = dict[LeadStatusId, list[float]]
"""Per status: one duration in seconds per person."""


def _stays(
    entries: Sequence[HistoryEntry],
    start: datetime,
    limit: datetime,
    as_of: datetime,
    latest: Stays,
    cumulative: Stays,
) -> None:
    """Add one person's latest and cumulative stays (seconds) per status held in the
    period: its entries before ``limit``, the last stay measured up to ``as_of``."""
    status: LeadStatusId | None = None
    since = start
    spells: list[tuple[LeadStatusId, datetime, datetime]] = []
    for entry in entries:
        at = entry.at
        if at >= limit:
            break
        to = entry.to_status
        if to != status:
            if status is not None:
                spells.append((status, since, at))
            status, since = to, at
    if status is not None:
        spells.append((status, since, as_of))
    count = len(spells)
    if (
        count == 1
        or (count == 2 and spells[0][0] != spells[1][0])
        or (count > 2 and len({held for held, _, _ in spells}) == count)
    ):
        for held, began, ended in spells:  # each status held once: latest == cumulative
            if ended > start:
                seconds = (ended - began).total_seconds()
                latest[held].append(seconds)
                cumulative[held].append(seconds)
        return
    last: dict[LeadStatusId, tuple[float, datetime]] = {}
    total: dict[LeadStatusId, float] = {}
    for held, began, ended in spells:
        seconds = (ended - began).total_seconds()
        last[held] = (seconds, ended)
        total[held] = total.get(held, 0.0) + seconds
    for held, (seconds, ended) in last.items():
        if ended > start:
            latest[held].append(seconds)
            cumulative[held].append(total[held])


def time_in_status(
    history: History,
    statuses: LeadStatusList,
    period: ReportPeriod,
    now: datetime,
    language: Language,
) -> TimeInStatusTile:
    """:class:`TimeInStatusTile` from every entry before the period's end (not public API)."""
    sides = (
        (period.start_at, read_limit(period.end_at, now), _as_of(period.end_at, now)),
        (
            period.previous().start_at,
            read_limit(period.start_at, now),
            _as_of(period.start_at, now),
        ),
    )
    figures: list[tuple[Stays, Stays]] = [
        (defaultdict(list), defaultdict(list)),
        (defaultdict(list), defaultdict(list)),
    ]
    for (start, limit, as_of), (latest, cumulative) in zip(sides, figures, strict=True):
        if as_of <= start:
            continue
        for entries in history.values():
            if entries[0].at < limit:
                _stays(entries, start, limit, as_of, latest, cumulative)
    order = _status_order(statuses, [*figures[0][0], *figures[1][0]])
    return TimeInStatusTile(
        period,
        tuple(
            StatusTime(
                s,
                _label(statuses, s, language),
                DurationFigures.of(figures[0][0].get(s, []), figures[0][1].get(s, [])),
                DurationFigures.of(figures[1][0].get(s, []), figures[1][1].get(s, [])),
            )
            for s in order
        ),
    )


# --- ageing -------------------------------------------------------------------------------------


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


def ageing(
    history: History,
    statuses: LeadStatusList,
    period: ReportPeriod,
    now: datetime,
    older_than: timedelta,
    persons_limit: int,
    language: Language,
) -> AgeingTile:
    """:class:`AgeingTile` from every entry before the period's end (not public API)."""
    as_of = _as_of(period.end_at, now)
    limit = read_limit(period.end_at, now)
    before = _as_of(period.start_at, now)
    before_limit = read_limit(period.start_at, now)
    aged: dict[LeadStatusId, list[AgedPerson]] = {}
    previous: dict[LeadStatusId, int] = {}
    hidden = 0
    for person_id, person_entries in history.items():
        if person_entries[0].at >= limit:
            continue
        status, visible, since = _state_at(person_entries, limit)
        if status is not None and since is not None:
            if not visible:
                hidden += 1
            elif as_of - since > older_than:
                aged.setdefault(status, []).append(AgedPerson(person_id, since, as_of - since))
        status, visible, since = _state_at(person_entries, before_limit)
        if status is not None and since is not None and visible and before - since > older_than:
            previous[status] = previous.get(status, 0) + 1
    buckets = []
    for s in _status_order(statuses, [*aged, *previous]):
        found = sorted(aged.get(s, []), key=lambda p: (p.since, p.person_id))
        buckets.append(
            AgeingBucket(
                s,
                _label(statuses, s, language),
                len(found),
                previous.get(s, 0),
                tuple(found[:persons_limit]),
            )
        )
    return AgeingTile(period, older_than, as_of, tuple(buckets), hidden)


# --- serialization ------------------------------------------------------------------------------


def _make_converter() -> JsonConverter:
    made = make_converter()
    made.register_unstructure_hook(timedelta, lambda d: d.total_seconds())
    made.register_unstructure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, tzinfo), str
    )
    return made


converter: JsonConverter = _make_converter()
"""The cattrs converter that turns any tile into JSON-ready data: dates and datetimes as
ISO text, durations as seconds, the time zone by its name.

>>> import json
>>> from datetime import timezone
>>> period = ReportPeriod(date(2026, 3, 1), date(2026, 3, 8), timezone.utc)
>>> json.dumps(converter.unstructure(NewLeadsBucket(period.start, 2)))
'{"start": "2026-03-01", "total": 2, "counts": []}'
>>> converter.unstructure(period)["tz"], converter.unstructure(timedelta(minutes=2))
('UTC', 120.0)
"""
