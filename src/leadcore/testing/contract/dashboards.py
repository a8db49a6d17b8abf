"""The lead dashboards' tiles over the adapter, through the service
(:class:`DashboardsContract`)."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

from leadcore.model import AssociateId, PersonId
from leadcore.testing.contract.base import AT, AdapterBase

__all__ = ["DashboardsContract"]


class DashboardsContract(AdapterBase):
    """The lead dashboards' tiles work over the adapter (they read it through
    :meth:`~leadcore.ports.HistoryRepository.between` and the person queries)."""

    def _dashboards_story(self) -> tuple[Any, Any, dict[str, PersonId]]:
        """Three leads of January 2026: Ann and Bo at Acme, Cy without company (owned by
        associate 1). Ann goes Contacting (day 1) and Qualified (day 2), Bo Contacting
        (day 2); Acme becomes a customer on day 3 (Ann and Bo hidden); now is day 10."""
        from leadcore.clock import FixedClock, SequentialIds
        from leadcore.service import LeadService

        clock = FixedClock(AT)
        service = LeadService(self.factory(), clock=clock, ids=SequentialIds())
        lists = service.lists()
        lead = lists.categories.by_name("Lead").id
        owner = service.associates.add("Owner").id
        acme = service.companies.add("Acme", category_id=lead)
        people = {
            "ann": service.persons.add("Ann", company_id=acme.id).id,
            "bo": service.persons.add("Bo", company_id=acme.id).id,
            "cy": service.persons.add("Cy", category_id=lead, owner_id=owner).id,
        }
        status = lists.statuses.by_key
        clock.advance(timedelta(days=1))
        service.persons.set_lead_status(people["ann"], status("contacting").id)
        clock.advance(timedelta(days=1))
        service.persons.set_lead_status(people["ann"], status("qualified").id)
        service.persons.set_lead_status(people["bo"], status("contacting").id)
        clock.advance(timedelta(days=1))
        service.companies.change_category(acme.id, lists.categories.by_name("Customer").id)
        clock.set(AT + timedelta(days=10))
        return service, lists, people

    def test_dashboard_tiles_over_the_adapter(self) -> None:
        from leadcore.views.dashboards import DashboardFilter, ReportPeriod

        service, lists, people = self._dashboards_story()
        january = ReportPeriod(AT.date().replace(day=1), AT.date().replace(month=2, day=1), UTC)
        open_, contacting, qualified = (
            lists.statuses.by_key(k).id for k in ("open", "contacting", "qualified")
        )
        funnel = service.dashboards.funnel(january)
        assert [(s.status_id, s.entered, s.previous) for s in funnel.stages] == [
            (open_, 3, 0),
            (contacting, 2, 0),
            (qualified, 1, 0),
        ]
        assert [(s.entered, s.converted) for s in funnel.steps] == [(3, 2), (2, 1)]
        counts = service.dashboards.status_counts(january)
        assert (counts.total, counts.hidden) == (1, 2)
        assert (counts.counts[0].status_id, counts.counts[0].count) == (open_, 1)
        visible = service.persons.count_by("person.lead_status", visible_only=True)
        assert {c.status_id: c.count for c in counts.counts} == {
            k: v for k, v in visible.as_dict().items() if k is not None
        }
        times = {
            t.status_id: t.current for t in service.dashboards.time_in_status(january).statuses
        }
        assert times[open_].persons == 3
        assert times[open_].latest_median == timedelta(days=2)
        assert times[contacting].cumulative_average == timedelta(days=4.5)
        assert times[qualified].latest_average == timedelta(days=8)
        aged = service.dashboards.ageing(january, 5)
        assert [(b.status_id, b.count) for b in aged.buckets if b.count] == [(open_, 1)]
        assert aged.buckets[0].persons[0].person_id == people["cy"]
        assert aged.hidden == 2
        new = service.dashboards.new_leads(january)
        assert (new.total, new.previous_total) == (3, 0)
        assert [b.total for b in new.buckets if b.total] == [3]
        mine = DashboardFilter(owners=frozenset({AssociateId(1)}))
        assert [s.entered for s in service.dashboards.funnel(january, filters=mine).stages] == [
            1,
            0,
            0,
        ]
        deleted = service.persons.delete(people["cy"])
        assert deleted is not None
        assert [s.entered for s in service.dashboards.funnel(january).stages] == [2, 2, 1]
