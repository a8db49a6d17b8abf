"""The views over the adapter, through the service: boards, the contacts tab,
Find results, saved layouts, refused card moves (:class:`ViewsContract`)."""

from __future__ import annotations

from typing import Any

import pytest

from leadcore.criteria.ast import ALWAYS
from leadcore.criteria.build import condition
from leadcore.model import AssociateId, CompanyId
from leadcore.queries import Order, Page
from leadcore.testing.contract._records import _NOW
from leadcore.testing.contract.base import AdapterBase, UnitOfWorkFactory

__all__ = ["ViewsContract"]


def _views_service(factory: UnitOfWorkFactory) -> Any:
    """A :class:`leadcore.LeadService` over ``factory``, acting as associate 1 at ``_NOW``."""
    from leadcore.clock import FixedClock, SequentialIds
    from leadcore.service import LeadService

    return LeadService(factory, clock=FixedClock(_NOW), ids=SequentialIds(),
                       associate=AssociateId(1))  # fmt: skip


class ViewsContract(AdapterBase):
    """The views over the adapter: board counts and cards, the contacts tab, Find
    results, saved layouts and refused card moves (through :class:`leadcore.LeadService`)."""

    def _story(self) -> tuple[Any, dict[str, int]]:
        service = _views_service(self.factory())
        lists = service.lists()
        ids = {
            "lead": lists.categories.by_name("Lead").id,
            "customer": lists.categories.by_name("Customer").id,
            "open": lists.statuses.by_key("open").id,
            "qualified": lists.statuses.by_key("qualified").id,
        }
        ann_a = service.associates.add("Ann").id
        acme = service.companies.add("Acme", category_id=ids["lead"]).id
        bolt = service.companies.add("Bolt", category_id=ids["lead"]).id
        ids["acme"], ids["bolt"], ids["owner"] = acme, bolt, ann_a
        ids["ann"] = service.persons.add("Ann", "Ash", company_id=acme, owner_id=ann_a).id
        ids["bo"] = service.persons.add("Bo", "Berg", company_id=acme, email="bo@acme.dk").id
        ids["cy"] = service.persons.add("Cy", "Cole", company_id=bolt).id
        ids["dee"] = service.persons.add("Dee", "Dahl").id
        service.persons.set_lead_status(ids["bo"], ids["qualified"])
        service.persons.set_lead_status(ids["cy"], ids["qualified"])
        service.companies.change_category(bolt, ids["customer"])  # Cy's status is hidden
        return service, ids

    def test_board_counts_cards_and_left_out(self) -> None:
        service, ids = self._story()
        board = service.views.board(service.selections.create_dynamic("All", ALWAYS).id)
        assert board.counts()[ids["open"]] == 1
        assert board.counts()[ids["qualified"]] == 1
        assert board.counts()[None] == 1
        assert board.left_out == 1
        assert board.total == 4
        assert [r.id for r in board.column(ids["qualified"]).cards] == [ids["bo"]]
        fair = service.selections.create_static("Fair", persons=[ids["ann"], ids["cy"]])
        static = service.views.board(fair.id)
        assert static.counts()[ids["open"]] == 1
        assert static.left_out == 1
        owners = service.views.board(ALWAYS, "person.owner")
        assert owners.counts() == {ids["owner"]: 1, None: 3}

    def test_contacts_tab_filters_groups_and_pages(self) -> None:
        from leadcore.views import ColumnFilter, Layout

        service, ids = self._story()
        layout = Layout(
            ("person.name", "person.lead_status"),
            filters=(ColumnFilter("person.last_name", ("a",)),),
            grouping=("person.lead_status",),
        )
        tab = service.views.contacts_tab(CompanyId(ids["acme"]), layout)
        assert tab.total == 1
        assert [r.id for r in tab.rows] == [ids["ann"]]
        assert [(g.value, g.count) for g in tab.groups] == [(ids["open"], 1)]
        whole = service.views.contacts_tab(CompanyId(ids["acme"]), Layout(("person.name",)),
                                     page=Page(1, 1))  # fmt: skip
        assert whole.total == 2
        assert [r.id for r in whole.rows] == [ids["bo"]]

    def test_find_results_and_layouts_per_associate(self) -> None:
        from leadcore.views import Layout

        service, ids = self._story()
        shown = service.views.find_results(
            condition("person.has_company", "is_true"), page=Page(0, 2)
        )
        assert shown.total == 3
        assert [r.id for r in shown.rows] == [ids["ann"], ids["bo"]]
        mine = Layout(("person.email",), order=(Order("person.email", descending=True),))
        service.views.save_layout("find_results", mine)
        assert service.views.layout("find_results").layout == mine
        other = service.acting_as(AssociateId(2))
        assert not other.views.layout("find_results").saved
        assert service.views.find_results().rows[0].texts() == {"person.email": "bo@acme.dk"}

    def test_a_refused_card_move_changes_nothing(self) -> None:
        from leadcore.errors import LeadcoreError

        service, ids = self._story()
        before = service.views.board(ALWAYS)
        person = service.persons.get(ids["cy"])
        with pytest.raises(LeadcoreError):
            service.views.move_card("person.lead_status", ids["cy"], ids["open"])  # hidden (R4)
        with pytest.raises(LeadcoreError):
            service.views.move_card("person.category", ids["ann"], ids["customer"])  # R3
        assert service.views.board(ALWAYS) == before
        assert service.persons.get(ids["cy"]) == person
        service.views.move_card("person.lead_status", ids["ann"], ids["qualified"])
        assert service.views.board(ALWAYS).counts()[ids["qualified"]] == 2
