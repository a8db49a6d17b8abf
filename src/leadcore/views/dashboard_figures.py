"""How the dashboards' figures are computed from the status history: pure functions
from each person's entries (:meth:`leadcore.ports.HistoryRepository.between`) to the
tiles of :mod:`leadcore.views.dashboards`.

The service (:class:`leadcore.service.dashboards.Dashboards`) checks the
arguments, reads the entries of the :func:`read_window` (and, for a breakdown of
new leads, the :func:`new_lead_persons`) in one unit of work, and calls one
function here per tile.

>>> from datetime import date, datetime, timezone
>>> from leadcore.history import HistoryEntry, HistoryKind, StatusSource
>>> from leadcore.lists import new_database
>>> period = ReportPeriod(date(2026, 3, 1), date(2026, 4, 1), timezone.utc)
>>> now = datetime(2026, 5, 1, tzinfo=timezone.utc)
>>> opened = HistoryEntry(PersonId(1), HistoryKind.CHANGE, None, LeadStatusId(1),
...                       datetime(2026, 3, 2, tzinfo=timezone.utc), None, StatusSource.USER)
>>> tile = status_counts({PersonId(1): [opened]}, new_database()[1], period, now, "en")
>>> [(c.label, c.count, c.delta) for c in tile.counts][:1]
[('Open', 1, 1)]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta

from leadcore.criteria.ast import Period
from leadcore.history import HistoryEntry, HistoryKind
from leadcore.lists import LeadStatusList
from leadcore.model import Language, LeadStatusId, Person, PersonId
from leadcore.views.dashboards import (
    AgedPerson,
    AgeingBucket,
    AgeingTile,
    DurationFigures,
    FunnelStage,
    FunnelStep,
    FunnelTile,
    LeadBreakdown,
    NewLeadsBucket,
    NewLeadsTile,
    ReportPeriod,
    StatusCount,
    StatusCountsTile,
    StatusTime,
    TimeInStatusTile,
    _bucket_after,
    _bucket_start,
)

__all__ = [
    "History",
    "ageing",
    "funnel",
    "new_lead_entries",
    "new_lead_persons",
    "new_leads",
    "read_limit",
    "read_window",
    "status_counts",
    "time_in_status",
]


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
    including now when ``moment`` is later than now.

    >>> from datetime import timezone
    >>> now = datetime(2026, 3, 1, tzinfo=timezone.utc)
    >>> read_limit(datetime(2026, 4, 1, tzinfo=timezone.utc), now) - now
    datetime.timedelta(microseconds=1)
    """
    return moment if moment <= now else now + _TICK


def read_window(
    period: ReportPeriod, now: datetime, *, since_previous: bool
) -> tuple[datetime | None, datetime]:
    """The ``(start, end)`` of the history a tile of ``period`` reads at ``now``: every
    entry before the period's end (:func:`read_limit`), and with ``since_previous``
    (the funnel, new leads) only those from the previous period's start on.

    >>> from datetime import date, timezone
    >>> march = ReportPeriod(date(2026, 3, 1), date(2026, 4, 1), timezone.utc)
    >>> start, end = read_window(march, datetime(2026, 5, 1, tzinfo=timezone.utc),
    ...                          since_previous=True)
    >>> start.date(), end.date()
    (datetime.date(2026, 1, 29), datetime.date(2026, 4, 1))
    """
    start = period.previous().start_at if since_previous else None
    return start, read_limit(period.end_at, now)


def _as_of(moment: datetime, now: datetime) -> datetime:
    return moment if moment <= now else now


History = Mapping[PersonId, Sequence[HistoryEntry]]
"""The history a tile reads: each person's entries, oldest first (see
:meth:`leadcore.ports.HistoryRepository.between`)."""


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
    """Persons per visible lead status at the end of ``period`` and of the previous one
    (:class:`StatusCountsTile`), from every entry before the period's end; labels
    in ``language``."""
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
    keys: Sequence[str],
    period: ReportPeriod,
    now: datetime,
    language: Language,
) -> FunnelTile:
    """The funnel through the lead statuses of ``keys`` (:class:`FunnelTile`): who
    entered each stage in ``period`` and in the previous one, and the conversion
    between them, from the entries of both periods. An unknown key is a
    :class:`leadcore.errors.NotFoundError`."""
    stages = [statuses.by_key(key).id for key in keys]
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


def new_lead_entries(
    history: History, start: datetime, limit: datetime
) -> dict[PersonId, datetime]:
    """Each person's first entry from no status to one in ``[start, limit)``: the time
    it became a new lead."""
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


def new_lead_persons(history: History, period: ReportPeriod, now: datetime) -> list[PersonId]:
    """The persons that became new leads in ``period`` (by id): those whose records a
    breakdown of new leads reads (:func:`new_leads`)."""
    return sorted(new_lead_entries(history, period.start_at, read_limit(period.end_at, now)))


def new_leads(
    history: History,
    period: ReportPeriod,
    now: datetime,
    granularity: Period,
    by: LeadBreakdown | None,
    persons: dict[PersonId, Person],
) -> NewLeadsTile:
    """New leads per ``granularity`` bucket of ``period``, optionally ``by`` a UTM
    breakdown, against the previous period (:class:`NewLeadsTile`); ``persons``
    holds the new leads' records (:func:`new_lead_persons`) when ``by`` is given."""
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
    """Time in each status of the persons that held it during ``period`` and the
    previous one (:class:`TimeInStatusTile`), from every entry before the period's end."""
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


def ageing(
    history: History,
    statuses: LeadStatusList,
    period: ReportPeriod,
    now: datetime,
    older_than: timedelta,
    persons_limit: int,
    language: Language,
) -> AgeingTile:
    """Leads that have held a visible status longer than ``older_than`` at the end of
    ``period`` (or ``now``), per status, with the oldest ``persons_limit`` persons of
    each (:class:`AgeingTile`), from every entry before the period's end."""
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
