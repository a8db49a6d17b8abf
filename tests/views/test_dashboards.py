"""The lead dashboards' tiles on the seed's story: leads from two campaigns worked
through Open -> Contacting -> Qualified, a company that becomes a customer (its
persons' statuses hidden, R4), over two months so that every tile has a previous
period to compare with."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from leadcore.clock import FixedClock
from leadcore.criteria.ast import Period
from leadcore.criteria.build import condition
from leadcore.errors import FeatureNotLicensed, NotFoundError, ValidationError
from leadcore.licence import Feature, Licence
from leadcore.model import AssociateId, LeadStatusId, PersonId, Utm
from leadcore.service import LeadService
from leadcore.views import DashboardFilter, LeadBreakdown, ReportPeriod, converter
from leadcore.views.dashboards import MAX_PERIOD_DAYS

START = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)  # a Monday
FEBRUARY = ReportPeriod(date(2026, 2, 1), date(2026, 3, 1), UTC)
MARCH = ReportPeriod(date(2026, 3, 1), date(2026, 3, 29), UTC)  # 28 days: February before it


class Story:
    """February: Ann, Bo (Acme, campaign "spring", source "fair") and Cy (no company,
    campaign "web") become leads on Feb 2. Ann goes Contacting (Feb 3) and Qualified
    (Feb 4); Bo Contacting (Feb 4). March: Dan (Acme, "spring") becomes a lead on
    Mar 2 and goes Contacting on Mar 3; Acme becomes a customer on Mar 10 (Ann, Bo and
    Dan hidden). Now is Mar 20, 09:00."""

    def __init__(self, licence: Licence | None = None) -> None:
        self.clock = FixedClock(START)
        self.service = LeadService.in_memory(clock=self.clock, licence=licence)
        lists = self.service.lists()
        self.status = {k: lists.statuses.by_key(k).id for k in ("open", "contacting", "qualified")}
        lead = lists.categories.by_name("Lead").id
        self.customer = lists.categories.by_name("Customer").id
        self.mql = lists.categories.by_name("Marketing qualified lead").id
        self.owner = self.service.associates.add("Sales").id
        spring = Utm(source="fair", campaign="spring")
        self.acme = self.service.companies.add("Acme", category_id=lead).id
        add = self.service.persons.add
        self.ann = add("Ann", company_id=self.acme, lead_creation_utm=spring).id
        self.bo = add("Bo", company_id=self.acme, lead_creation_utm=spring).id
        self.cy = add(
            "Cy",
            category_id=self.mql,
            owner_id=self.owner,
            lead_creation_utm=Utm(source="google", campaign="web"),
            first_touch_utm=Utm(source="newsletter"),
        ).id
        self.at(1)
        self.service.persons.set_lead_status(self.ann, self.status["contacting"])
        self.at(2)
        self.service.persons.set_lead_status(self.ann, self.status["qualified"])
        self.service.persons.set_lead_status(self.bo, self.status["contacting"])
        self.at(28)  # Mar 2
        self.dan = add("Dan", company_id=self.acme, lead_creation_utm=spring).id
        self.at(29)
        self.service.persons.set_lead_status(self.dan, self.status["contacting"])
        self.at(36)  # Mar 10
        self.service.companies.change_category(self.acme, self.customer)
        self.at(46)  # Mar 20

    def at(self, days: int) -> None:
        self.clock.set(START + timedelta(days=days))


@pytest.fixture
def story() -> Story:
    return Story()


def test_the_funnel_counts_who_entered_each_stage_and_converted(story: Story) -> None:
    tile = story.service.dashboards.funnel(FEBRUARY)
    assert [(s.label, s.entered, s.previous) for s in tile.stages] == [
        ("Open", 3, 0),
        ("Contacting", 2, 0),
        ("Qualified", 1, 0),
    ]
    assert [(s.entered, s.converted, s.rate) for s in tile.steps] == [(3, 2, 2 / 3), (2, 1, 0.5)]
    march = story.service.dashboards.funnel(MARCH)
    assert [(s.entered, s.previous, s.delta) for s in march.stages] == [
        (1, 3, -2),
        (1, 2, -1),
        (0, 1, -1),
    ]
    assert [(s.rate, s.previous_rate) for s in march.steps] == [(1.0, 2 / 3), (0.0, 0.5)]


def test_the_funnel_takes_other_stages_and_refuses_bad_ones(story: Story) -> None:
    tile = story.service.dashboards.funnel(FEBRUARY, stages=("contacting", "qualified"))
    assert [s.entered for s in tile.stages] == [2, 1]
    with pytest.raises(ValidationError, match="2 to 20 different stages"):
        story.service.dashboards.funnel(FEBRUARY, stages=("open",))
    with pytest.raises(ValidationError):
        story.service.dashboards.funnel(FEBRUARY, stages=("open", "open"))
    with pytest.raises(NotFoundError, match="nosuch"):
        story.service.dashboards.funnel(FEBRUARY, stages=("open", "nosuch"))


def test_persons_per_status_counts_visible_statuses_at_the_end_of_each_period(
    story: Story,
) -> None:
    february = story.service.dashboards.status_counts(FEBRUARY)
    assert [(c.label, c.count) for c in february.counts] == [
        ("Open", 1),
        ("Contacting", 1),
        ("Qualified", 1),
        ("Disqualified", 0),
        ("Re-nurture", 0),
    ]
    march = story.service.dashboards.status_counts(MARCH, language="da")
    assert [(c.label, c.count, c.delta) for c in march.counts][:3] == [
        ("Åben", 1, 0),
        ("Kontakter", 0, -1),
        ("Kvalificeret", 0, -1),
    ]
    assert (march.total, march.hidden, march.previous_hidden) == (1, 3, 0)


def test_new_leads_per_day_and_week_and_by_campaign_and_source(story: Story) -> None:
    days = story.service.dashboards.new_leads(FEBRUARY)
    assert len(days.buckets) == 28
    assert [(b.start, b.total) for b in days.buckets if b.total] == [(date(2026, 2, 2), 3)]
    assert (days.values, days.total, days.previous_total, days.delta) == ((), 3, 0, 3)
    weeks = story.service.dashboards.new_leads(MARCH, granularity=Period.WEEK)
    assert weeks.buckets[0].start == date(2026, 2, 23)  # the week that holds March 1
    assert [b.total for b in weeks.buckets] == [0, 1, 0, 0, 0]
    by_campaign = story.service.dashboards.new_leads(FEBRUARY, by=LeadBreakdown.CAMPAIGN)
    assert (by_campaign.values, by_campaign.totals) == (("spring", "web"), (2, 1))
    assert by_campaign.buckets[1].counts == (2, 1)
    first_touch = story.service.dashboards.new_leads(
        FEBRUARY, granularity=Period.MONTH, by=LeadBreakdown.FIRST_TOUCH_SOURCE
    )
    assert (first_touch.values, first_touch.totals) == (("newsletter", None), (1, 2))
    creation = story.service.dashboards.new_leads(MARCH, by=LeadBreakdown.LEAD_CREATION_SOURCE)
    assert (creation.values, creation.totals, creation.delta) == (("fair",), (1,), -2)


def test_time_in_status_latest_and_cumulative_average_and_median(story: Story) -> None:
    tile = story.service.dashboards.time_in_status(MARCH)
    figures = {t.label: t for t in tile.statuses}
    opened = figures["Open"].current
    # Cy has been Open since Feb 2 (46 days); Dan was Open one day in March; Ann and
    # Bo left Open in February and do not count for March.
    assert opened.persons == 2
    assert opened.latest_average == timedelta(days=23.5)
    assert opened.cumulative_median == timedelta(days=23.5)
    contacting = figures["Contacting"]
    # Bo since Feb 4 (44 days, hidden since Mar 10: still counted, R4), Dan since Mar 3.
    assert contacting.current.persons == 2
    assert contacting.current.latest_average == timedelta(days=(44 + 17) / 2)
    # At the end of February: Ann 1 day, Bo Feb 4, 09:00 -> Mar 1, 00:00.
    bo = datetime(2026, 3, 1, tzinfo=UTC) - datetime(2026, 2, 4, 9, tzinfo=UTC)
    assert contacting.previous.latest_average == (timedelta(days=1) + bo) / 2
    assert contacting.latest_average_delta == timedelta(days=30.5) - (timedelta(days=1) + bo) / 2
    assert figures["Disqualified"].current.latest_average is None


def test_cumulative_time_adds_up_every_stay(story: Story) -> None:
    service = story.service
    story.at(47)
    service.companies.change_category(story.acme, story.mql)  # revealed: back to Open (R5)
    story.at(48)
    service.persons.set_lead_status(story.bo, story.status["contacting"])
    story.at(50)
    period = ReportPeriod(date(2026, 3, 1), date(2026, 4, 1), UTC)
    contacting = {t.label: t.current for t in service.dashboards.time_in_status(period).statuses}
    # Bo: Contacting Feb 4 -> Mar 21 (45 days), Open one day, Contacting Mar 22 -> 24 (2).
    # Dan: Contacting Mar 3 -> Mar 21 (18 days).
    assert contacting["Contacting"].latest_median == timedelta(days=(2 + 18) / 2)
    assert contacting["Contacting"].cumulative_average == timedelta(days=(47 + 18) / 2)


def test_ageing_lists_the_oldest_visible_leads_per_status(story: Story) -> None:
    tile = story.service.dashboards.ageing(MARCH, 30)
    assert tile.as_of == START + timedelta(days=46)
    assert [(b.label, b.count, b.previous) for b in tile.buckets if b.count or b.previous] == [
        ("Open", 1, 0),
    ]
    cy = tile.buckets[0].persons[0]
    assert (cy.person_id, cy.since, cy.age) == (story.cy, START, timedelta(days=46))
    assert tile.hidden == 3
    younger = story.service.dashboards.ageing(FEBRUARY, 10, persons_limit=0)
    assert [(b.count, b.persons) for b in younger.buckets][:3] == [(1, ()), (1, ()), (1, ())]
    with pytest.raises(ValidationError, match="older_than_days"):
        story.service.dashboards.ageing(MARCH, -1)
    with pytest.raises(ValidationError, match="persons_limit"):
        story.service.dashboards.ageing(MARCH, 3, persons_limit=True)


def test_every_tile_filters_by_owner_category_and_criterion(story: Story) -> None:
    service = story.service
    mine = DashboardFilter(owners=[story.owner])
    assert [s.entered for s in service.dashboards.funnel(FEBRUARY, filters=mine).stages] == [
        1,
        0,
        0,
    ]
    mql = DashboardFilter(categories=[story.mql])
    assert service.dashboards.new_leads(FEBRUARY, filters=mql).total == 1
    named = DashboardFilter(criteria=condition("person.first_name", "begins", "a"))
    assert service.dashboards.status_counts(FEBRUARY, filters=named).total == 1
    assert service.dashboards.ageing(MARCH, 0, filters=named).hidden == 1
    times = service.dashboards.time_in_status(FEBRUARY, filters=named).statuses
    assert [t.current.persons for t in times][:3] == [1, 1, 1]
    nobody = DashboardFilter(owners=[AssociateId(99)])
    assert service.dashboards.status_counts(MARCH, filters=nobody).total == 0


def test_a_deleted_person_is_counted_by_no_tile(story: Story) -> None:
    story.service.persons.delete(story.cy)
    assert [s.entered for s in story.service.dashboards.funnel(FEBRUARY).stages] == [2, 2, 1]
    assert story.service.dashboards.new_leads(FEBRUARY).total == 2


def test_the_time_zone_decides_the_day_and_the_period() -> None:
    clock = FixedClock(datetime(2026, 1, 31, 23, 30, tzinfo=UTC))
    service = LeadService.in_memory(clock=clock)
    service.persons.add("Ann", category_id=service.lists().categories.by_name("Lead").id)
    clock.set(datetime(2026, 2, 5, tzinfo=UTC))
    copenhagen = ZoneInfo("Europe/Copenhagen")  # 00:30 on February 1 there
    february_cph = ReportPeriod(date(2026, 2, 1), date(2026, 3, 1), copenhagen)
    assert service.dashboards.new_leads(february_cph).buckets[0].total == 1
    assert service.dashboards.new_leads(FEBRUARY).total == 0
    assert service.dashboards.new_leads(FEBRUARY).previous_total == 1


def test_a_period_that_has_not_ended_is_measured_now() -> None:
    clock = FixedClock(datetime(2026, 3, 10, 12, tzinfo=UTC))
    service = LeadService.in_memory(clock=clock)
    service.persons.add("Ann", category_id=service.lists().categories.by_name("Lead").id)
    clock.advance(timedelta(days=2))
    tile = service.dashboards.time_in_status(ReportPeriod.of(Period.MONTH, date(2026, 3, 1), UTC))
    assert tile.statuses[0].current.latest_average == timedelta(days=2)
    future = ReportPeriod(date(2026, 4, 1), date(2026, 5, 1), UTC)
    assert service.dashboards.funnel(future).stages[0].entered == 0
    assert service.dashboards.ageing(future, 1).as_of == clock.now()


def test_report_periods_are_checked_where_they_are_made() -> None:
    assert ReportPeriod.of(Period.WEEK, date(2026, 1, 1), UTC).start == date(2025, 12, 29)
    quarter = ReportPeriod.of(Period.QUARTER, date(2026, 11, 30), UTC)
    assert (quarter.start, quarter.end) == (date(2026, 10, 1), date(2027, 1, 1))
    year = ReportPeriod.of(Period.YEAR, date(2026, 6, 1), UTC)
    assert (year.days, year.previous().start) == (365, date(2025, 1, 1))
    assert ReportPeriod.of(Period.DAY, date(2026, 6, 1), UTC).days == 1
    bad: list[tuple[object, object, object]] = [
        (datetime(2026, 1, 1, tzinfo=UTC), date(2026, 2, 1), UTC),
        (date(2026, 1, 1), "2026-02-01", UTC),
        (date(2026, 1, 1), date(2026, 2, 1), "UTC"),
        (date(2026, 1, 1), date(2026, 1, 1), UTC),
        (date(2000, 1, 1), date(2000, 1, 1) + timedelta(days=MAX_PERIOD_DAYS + 1), UTC),
    ]
    for start, end, tz in bad:
        with pytest.raises(ValidationError):
            ReportPeriod(start, end, tz)  # type: ignore[arg-type]


def test_bad_arguments_are_refused_before_anything_is_read(story: Story) -> None:
    service = story.service
    with pytest.raises(ValidationError, match="ReportPeriod"):
        service.dashboards.funnel((date(2026, 2, 1), date(2026, 3, 1)))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="DashboardFilter"):
        service.dashboards.status_counts(FEBRUARY, filters=None)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="granularity"):
        service.dashboards.new_leads(FEBRUARY, granularity="day")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="language must be"):
        service.dashboards.funnel(FEBRUARY, language="fr")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="LeadBreakdown"):
        service.dashboards.new_leads(FEBRUARY, by="campaign")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        DashboardFilter(owners=["x"]).criterion()  # type: ignore[list-item]


def test_the_tiles_need_the_lead_dashboards_feature() -> None:
    story = Story()
    without = story.service.acting_as(
        None, licence=Licence.of(Feature.LEAD_STATUS, Feature.MARKETING_PREMIUM)
    )
    calls: list[Callable[[], object]] = [
        lambda: without.dashboards.status_counts(FEBRUARY),
        lambda: without.dashboards.funnel(FEBRUARY),
        lambda: without.dashboards.new_leads(FEBRUARY),
        lambda: without.dashboards.time_in_status(FEBRUARY),
        lambda: without.dashboards.ageing(FEBRUARY, 1),
    ]
    for call in calls:
        with pytest.raises(FeatureNotLicensed, match="lead-dashboards"):
            call()


def test_utm_tiles_need_marketing_premium() -> None:
    story = Story()
    basic = story.service.acting_as(
        None, licence=Licence.of(Feature.LEAD_STATUS, Feature.LEAD_DASHBOARDS)
    )
    assert basic.dashboards.new_leads(FEBRUARY).total == 3
    for by in LeadBreakdown:
        with pytest.raises(FeatureNotLicensed, match="marketing-premium"):
            basic.dashboards.new_leads(FEBRUARY, by=by)
    utm = DashboardFilter(criteria=condition("person.lead_creation.campaign", "equals", "web"))
    with pytest.raises(FeatureNotLicensed, match="marketing-premium"):
        basic.dashboards.funnel(FEBRUARY, filters=utm)
    assert [s.entered for s in story.service.dashboards.funnel(FEBRUARY, filters=utm).stages] == [
        1,
        0,
        0,
    ]


def test_tiles_serialize_to_json(story: Story) -> None:
    tiles = [
        story.service.dashboards.status_counts(MARCH),
        story.service.dashboards.funnel(MARCH),
        story.service.dashboards.new_leads(MARCH, by=LeadBreakdown.CAMPAIGN),
        story.service.dashboards.time_in_status(MARCH),
        story.service.dashboards.ageing(MARCH, 1),
    ]
    for tile in tiles:
        data = json.loads(json.dumps(converter.unstructure(tile)))
        assert data["period"] == {"start": "2026-03-01", "end": "2026-03-29", "tz": "UTC"}
    ageing = converter.unstructure(tiles[-1])
    assert ageing["buckets"][0]["persons"][0]["age"] == 46 * 86400.0
    assert ageing["buckets"][0]["persons"][0]["person_id"] == PersonId(story.cy)
    assert LeadStatusId(ageing["buckets"][0]["status_id"]) == story.status["open"]
