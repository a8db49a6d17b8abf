"""Dashboards (``service.dashboards``): the lead dashboards' tiles (persons per status,
the qualification funnel, new leads, time in status, ageing), computed from the
status history.

Every tile takes a :class:`leadcore.views.dashboards.ReportPeriod` (local days in an
explicit time zone) and a :class:`~leadcore.views.dashboards.DashboardFilter` (owner,
category, criterion), reads the history of the matching persons through
:meth:`leadcore.ports.HistoryRepository.between` in one unit of work, and needs the
lead-dashboards and lead-status features (:class:`leadcore.errors.FeatureNotLicensed`).

>>> from datetime import timedelta, timezone
>>> from leadcore import LeadService
>>> from leadcore.views import ReportPeriod
>>> service = LeadService.in_memory()
>>> today = service.context.clock.now().date()
>>> period = ReportPeriod(today, today + timedelta(days=1), timezone.utc)
>>> service.dashboards.status_counts(period).total
0
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import get_args

from leadcore._collector import collector_paused
from leadcore.criteria.ast import Period
from leadcore.criteria.fields import Entity
from leadcore.errors import ValidationError
from leadcore.licence import Feature
from leadcore.lists import Lists
from leadcore.model import Language, Person, PersonId
from leadcore.service._resource import Resource
from leadcore.views.dashboard_figures import (
    History,
    ageing,
    funnel,
    new_lead_persons,
    new_leads,
    read_window,
    status_counts,
    time_in_status,
)
from leadcore.views.dashboards import (
    AgeingTile,
    DashboardFilter,
    FunnelTile,
    LeadBreakdown,
    NewLeadsTile,
    ReportPeriod,
    StatusCountsTile,
    TimeInStatusTile,
)

__all__ = ["DEFAULT_FUNNEL", "EVERYONE", "MAX_AGE_DAYS", "MAX_PERSONS_LISTED", "Dashboards"]

EVERYONE = DashboardFilter()
"""The default filter: every person that exists."""

DEFAULT_FUNNEL = ("open", "contacting", "qualified")
"""The qualification funnel's stages, as lead-status keys."""

MAX_AGE_DAYS = 36600
"""The largest ``older_than_days`` an ageing tile takes (about a hundred years)."""

MAX_PERSONS_LISTED = 10000
"""The most persons an ageing tile lists per status (its counts are always complete)."""


def _check_int(value: object, name: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValidationError(
            f"{name} must be a whole number from {low} to {high}",
            why=f"got {value!r}",
            fix=f"Pass an int between {low} and {high}",
            field=name,
            value=value,
        )
    return value


class Dashboards(Resource, namespace="dashboards"):
    """Dashboards: persons per status, funnel, new leads, time in status, ageing."""

    __slots__ = ()

    def _dashboard_read(
        self,
        operation: str,
        period: ReportPeriod,
        filters: DashboardFilter,
        since_previous: bool,
        new_leads_of: bool = False,
        language: str = "en",
    ) -> tuple[History, Lists, datetime, dict[PersonId, Person]]:
        """Check licence and arguments, then read the entries a tile needs
        (:func:`~leadcore.views.dashboard_figures.read_window`) in one unit of work,
        with the records of the period's new leads when ``new_leads_of``.
        """
        context = self._context
        context.licence.require(Feature.LEAD_DASHBOARDS, operation)
        context.require_lead_status(operation)
        if not isinstance(period, ReportPeriod):
            raise ValidationError(
                f"{operation} needs a ReportPeriod",
                why=f"got {type(period).__name__}",
                fix="Pass leadcore.views.ReportPeriod(start, end, tz)",
            )
        if language not in get_args(Language):
            raise ValidationError(
                f"{operation} cannot show labels in {language!r}",
                why="labels come in English and Danish",
                fix="Pass language='en' or language='da'",
                language=language,
            )
        if not isinstance(filters, DashboardFilter):
            raise ValidationError(
                f"{operation} needs a DashboardFilter",
                why=f"got {type(filters).__name__}",
                fix="Pass leadcore.views.DashboardFilter(owners=..., categories=..., criteria=...)",
            )
        query = context.query(filters.criterion(), Entity.PERSON)
        now = context.clock.now()
        start, end = read_window(period, now, since_previous=since_previous)
        with context.uow() as uow, collector_paused():
            lists = uow.lists.load()
            history = uow.history.between(start, end, query)
            persons: dict[PersonId, Person] = {}
            if new_leads_of:
                wanted = new_lead_persons(history, period, now)
                persons = {p.id: p for p in uow.persons.get_many(wanted)}
        return history, lists, now, persons

    def status_counts(
        self,
        period: ReportPeriod,
        *,
        filters: DashboardFilter = EVERYONE,
        language: Language = "en",
    ) -> StatusCountsTile:
        """Persons per visible lead status at the end of ``period`` and of the previous one.

        >>> from datetime import date, timezone
        >>> from leadcore.views import ReportPeriod
        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> _ = service.persons.add("Ann", category_id=lead)
        >>> today = service.context.clock.now().date()
        >>> tile = service.dashboards.status_counts(ReportPeriod(today, today + timedelta(days=1),
        ...                                                timezone.utc))
        >>> [(c.label, c.count, c.delta) for c in tile.counts][:2], tile.total
        ([('Open', 1, 1), ('Contacting', 0, 0)], 1)
        """
        history, lists, now, _ = self._dashboard_read(
            "the persons-per-status tile", period, filters, False, language=language
        )
        with collector_paused():  # many short-lived, acyclic objects
            return status_counts(history, lists.statuses, period, now, language)

    def funnel(
        self,
        period: ReportPeriod,
        *,
        stages: Sequence[str] = DEFAULT_FUNNEL,
        filters: DashboardFilter = EVERYONE,
        language: Language = "en",
    ) -> FunnelTile:
        """The qualification funnel: who entered each stage (lead-status keys, default
        Open -> Contacting -> Qualified) in ``period`` and the conversion between them.

        >>> from datetime import date, timezone
        >>> from leadcore.views import ReportPeriod
        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> lists = service.lists()
        >>> ann = service.persons.add("Ann", category_id=lists.categories.by_name("Lead").id)
        >>> _ = service.persons.set_lead_status(ann.id, lists.statuses.by_key("contacting").id)
        >>> today = service.context.clock.now().date()
        >>> tile = service.dashboards.funnel(ReportPeriod(today, today + timedelta(days=1),
        ...                                         timezone.utc))
        >>> [(s.label, s.entered) for s in tile.stages]
        [('Open', 1), ('Contacting', 1), ('Qualified', 0)]
        >>> [(s.converted, s.rate) for s in tile.steps]
        [(1, 1.0), (0, 0.0)]
        """
        keys = list(stages)
        if not 2 <= len(keys) <= 20 or len(set(keys)) != len(keys):
            raise ValidationError(
                "a funnel needs 2 to 20 different stages",
                why=f"got {keys!r}",
                fix="Pass lead-status keys in funnel order, e.g. ('open', 'contacting')",
                stages=keys,
            )
        history, lists, now, _ = self._dashboard_read(
            "the funnel tile", period, filters, True, language=language
        )
        with collector_paused():  # many short-lived, acyclic objects
            return funnel(history, lists.statuses, keys, period, now, language)

    def new_leads(
        self,
        period: ReportPeriod,
        *,
        granularity: Period = Period.DAY,
        by: LeadBreakdown | None = None,
        filters: DashboardFilter = EVERYONE,
    ) -> NewLeadsTile:
        """New leads per day, week, month (quarter, year) of ``period``, optionally ``by``
        campaign or source; a breakdown reads UTM data and needs marketing premium.

        >>> from datetime import date, timezone
        >>> from leadcore.views import ReportPeriod
        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> _ = service.persons.add("Ann", category_id=service.lists().categories.by_name(
        ...     "Lead").id)
        >>> today = service.context.clock.now().date()
        >>> tile = service.dashboards.new_leads(ReportPeriod.of(Period.WEEK, today, timezone.utc))
        >>> tile.total, len(tile.buckets)
        (1, 7)
        """
        if not isinstance(granularity, Period):
            raise ValidationError(
                "new leads are counted per day, week, month, quarter or year",
                why=f"got granularity {granularity!r}",
                fix="Pass a leadcore.criteria.ast.Period",
            )
        if by is not None:
            if not isinstance(by, LeadBreakdown):
                raise ValidationError(
                    "new leads are broken down by a LeadBreakdown",
                    why=f"got by={by!r}",
                    fix="Pass a leadcore.views.LeadBreakdown or None",
                )
            self._context.licence.require(Feature.MARKETING_PREMIUM, f"new leads by {by.value}")
        history, _, now, persons = self._dashboard_read(
            "the new-leads tile", period, filters, True, new_leads_of=by is not None
        )
        with collector_paused():  # many short-lived, acyclic objects
            return new_leads(history, period, now, granularity, by, persons)

    def time_in_status(
        self,
        period: ReportPeriod,
        *,
        filters: DashboardFilter = EVERYONE,
        language: Language = "en",
    ) -> TimeInStatusTile:
        """Time in each status (latest and cumulative stay, average and median) of the
        persons that held it during ``period``, and the same for the previous period.

        >>> from datetime import date, timezone
        >>> from leadcore.clock import FixedClock
        >>> clock = FixedClock(datetime(2026, 3, 10, tzinfo=timezone.utc))
        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory(clock=clock)
        >>> _ = service.persons.add("Ann", category_id=service.lists().categories.by_name(
        ...     "Lead").id)
        >>> _ = clock.advance(timedelta(days=2))
        >>> march = ReportPeriod(date(2026, 3, 1), date(2026, 4, 1), timezone.utc)
        >>> tile = service.dashboards.time_in_status(march)
        >>> tile.statuses[0].label, tile.statuses[0].current.latest_average
        ('Open', datetime.timedelta(days=2))
        """
        history, lists, now, _ = self._dashboard_read(
            "the time-in-status tile", period, filters, False, language=language
        )
        with collector_paused():  # many short-lived, acyclic objects
            return time_in_status(history, lists.statuses, period, now, language)

    def ageing(
        self,
        period: ReportPeriod,
        older_than_days: int,
        *,
        filters: DashboardFilter = EVERYONE,
        persons_limit: int = 100,
        language: Language = "en",
    ) -> AgeingTile:
        """Leads that have held a visible status for more than ``older_than_days`` days at
        the end of ``period`` (or now), per status, with the oldest ``persons_limit``
        persons of each.

        >>> from datetime import date, timezone
        >>> from leadcore.clock import FixedClock
        >>> clock = FixedClock(datetime(2026, 3, 1, tzinfo=timezone.utc))
        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory(clock=clock)
        >>> ann = service.persons.add("Ann", category_id=service.lists().categories.by_name(
        ...     "Lead").id)
        >>> _ = clock.advance(timedelta(days=40))
        >>> tile = service.dashboards.ageing(ReportPeriod.of(Period.MONTH, date(2026, 4, 1),
        ...                                            timezone.utc), 30)
        >>> bucket = tile.buckets[0]
        >>> bucket.label, bucket.count, bucket.persons[0].person_id == ann.id
        ('Open', 1, True)
        """
        days = _check_int(older_than_days, "older_than_days", 0, MAX_AGE_DAYS)
        limit = _check_int(persons_limit, "persons_limit", 0, MAX_PERSONS_LISTED)
        history, lists, now, _ = self._dashboard_read(
            "the ageing tile", period, filters, False, language=language
        )
        with collector_paused():  # many short-lived, acyclic objects
            return ageing(
                history, lists.statuses, period, now, timedelta(days=days), limit, language
            )
