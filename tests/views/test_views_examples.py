"""The views against the seed's story: the contacts tab of a company, Find results with
category, lead status and lead source, and a dynamic selection in the board view.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from leadcore import LeadService
from leadcore.clock import FixedClock
from leadcore.criteria.ast import ALWAYS, Operator
from leadcore.criteria.build import condition
from leadcore.criteria.fields import Entity
from leadcore.errors import (
    FeatureNotLicensed,
    InheritedCategoryError,
    LeadStatusNotEditable,
    NotFoundError,
    TransitionRefused,
    ValidationError,
)
from leadcore.licence import Feature, Licence
from leadcore.model import AssociateId, CompanyId, LeadStatusId, Person, Utm
from leadcore.policies import ForwardOnly, LeadPolicy
from leadcore.queries import Order, Page
from leadcore.selections import Operation, Target
from leadcore.views import (
    BadLayoutError,
    Board,
    ColumnFilter,
    ContactsTab,
    Layout,
    ResultsPage,
    UnknownColumnError,
    converter,
)

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


class Story:
    """Acme (Lead) with three leads, Bolt (Customer) whose former lead is hidden,
    a B2C person, two associates."""

    def __init__(self, service: LeadService) -> None:
        self.service = service
        lists = service.lists()
        cats, statuses = lists.categories, lists.statuses
        self.lead = cats.by_name("Lead").id
        self.mql = cats.by_name("Marketing qualified lead").id
        self.customer = cats.by_name("Customer").id
        self.open = statuses.by_key("open").id
        self.contacting = statuses.by_key("contacting").id
        self.qualified = statuses.by_key("qualified").id
        self.disqualified = statuses.by_key("disqualified").id
        self.renurture = statuses.by_key("renurture").id
        self.ann_a = service.associates.add("Anne Agent").id
        self.bo_a = service.associates.add("Bo Boss").id
        self.acme = service.companies.add("Acme", category_id=self.lead).id
        self.bolt = service.companies.add("Bolt", category_id=self.lead).id
        ad = Utm(source="linkedin", medium="ad", campaign="spring")
        self.ann = service.persons.add(
            "Ann", "Ash", company_id=self.acme, email="ann@acme.dk", owner_id=self.ann_a,
            lead_creation_utm=ad,
        ).id  # fmt: skip
        self.anders = service.persons.add(
            "Anders", "Berg", company_id=self.acme, email="anders@acme.dk", owner_id=self.bo_a
        ).id
        self.carl = service.persons.add(
            "Carl", "Cole", company_id=self.acme, email="carl@acme.dk", owner_id=self.ann_a
        ).id
        service.persons.set_lead_status(self.anders, self.contacting)
        service.persons.set_lead_status(self.carl, self.qualified)
        self.dora = service.persons.add("Dora", "Dahl", company_id=self.bolt).id
        service.persons.set_lead_status(self.dora, self.qualified)
        service.companies.change_category(self.bolt, self.customer)  # Dora's status hidden
        self.eve = service.persons.add("Eve", "Egg", category_id=self.mql).id  # B2C lead


@pytest.fixture
def story() -> Story:
    clock = FixedClock(AT)
    return Story(LeadService.in_memory(clock=clock, associate=AssociateId(1)))


# --- the contacts tab ("Vis leads på Kontakt-detaljefanen") ----------------------------------


def test_contacts_tab_default_columns_in_danish(story: Story) -> None:
    tab = story.service.views.contacts_tab(CompanyId(story.acme), language="da")
    labels = [c.label for c in tab.columns]
    assert labels[:3] == ["Navn", "E-mail", "Vores kontakt"]
    assert "Leadstatus" in labels
    assert "Kategorigruppe" in labels
    assert tab.total == 3
    assert [r.id for r in tab.rows] == [story.ann, story.anders, story.carl]
    ann = tab.rows[0]
    status = ann["person.lead_status"]
    assert (status.text, status.visible, status.editable) == ("Åben", True, True)
    assert status.tooltip == "Der er endnu ikke taget kontakt (standard for alle nye leads)"
    assert ann["person.owner"].text == "Anne Agent"
    assert ann["person.category"].text == "Lead"
    assert ann["person.category"].editable is False  # inherited from the company (R3)
    assert ann["person.category_group"].text == "Potentiel kunde"
    assert ann["person.registered"].value == AT


def test_hidden_status_shows_kept_but_not_visible_nor_editable(story: Story) -> None:
    tab = story.service.views.contacts_tab(CompanyId(story.bolt), Layout(("person.lead_status",)))
    cell = tab.rows[0]["person.lead_status"]
    assert (cell.value, cell.text, cell.visible, cell.editable) == (
        story.qualified, "Qualified", False, False,
    )  # fmt: skip


def test_contacts_tab_filters_group_two_levels_and_sort(story: Story) -> None:
    layout = Layout(
        ("person.name", "person.owner", "person.lead_status"),
        filters=(
            ColumnFilter("person.email", ("a",)),  # text: begins with
            ColumnFilter("person.lead_status", (story.open, story.contacting)),  # items
            ColumnFilter("person.registered", (date(2026, 3, 1), date(2026, 3, 31))),  # range
            ColumnFilter("person.first_name", ()),  # inactive, ignored
        ),
        grouping=("person.owner", "person.lead_status"),
        order=(Order("person.name", descending=True),),
    )
    tab = story.service.views.contacts_tab(CompanyId(story.acme), layout)
    assert tab.total == 2
    assert [r.id for r in tab.rows] == [story.ann, story.anders]  # owner 1 first, then 2
    assert [(g.label, g.count) for g in tab.groups] == [("Anne Agent", 1), ("Bo Boss", 1)]
    assert [(s.label, s.count) for s in tab.groups[0].groups] == [("Open", 1)]
    assert [(s.label, s.count) for s in tab.groups[1].groups] == [("Contacting", 1)]


def test_contacts_tab_sorts_by_a_column_and_pages(story: Story) -> None:
    layout = Layout(("person.name",), order=(Order("person.email", descending=True),))
    tab = story.service.views.contacts_tab(CompanyId(story.acme), layout, page=Page(0, 2))
    assert [r["person.name"].text for r in tab.rows] == ["Carl Cole", "Ann Ash"]
    assert tab.total == 3
    assert tab.has_more


def test_utm_columns_need_marketing_premium(story: Story) -> None:
    layout = Layout(("person.name", "person.lead_creation.source"))
    tab = story.service.views.contacts_tab(CompanyId(story.acme), layout)
    assert tab.rows[0]["person.lead_creation.source"].text == "linkedin"
    basic = story.service.acting_as(
        AssociateId(1), licence=Licence.of(Feature.LEAD_STATUS, Feature.BOARD)
    )
    with pytest.raises(BadLayoutError) as refused:
        basic.views.contacts_tab(CompanyId(story.acme), layout)
    assert refused.value.context["column"] == "person.lead_creation.source"


def test_bad_layouts_are_refused_with_typed_errors(story: Story) -> None:
    service = story.service
    with pytest.raises(UnknownColumnError):
        service.views.contacts_tab(CompanyId(story.acme), Layout(("person.shoe_size",)))
    with pytest.raises(BadLayoutError):
        service.views.contacts_tab(
            CompanyId(story.acme), Layout(("person.name",), grouping=("person.email",))
        )
    with pytest.raises(ValidationError):
        service.views.contacts_tab(
            CompanyId(story.acme),
            Layout(("person.name",), filters=(ColumnFilter("person.registered", ("soon",)),)),
        )
    with pytest.raises(NotFoundError):
        service.views.contacts_tab(CompanyId(999))
    with pytest.raises(ValidationError):
        service.views.contacts_tab(CompanyId(story.acme), page=Page(0, 100_000))


# --- layouts per associate ------------------------------------------------------------------


def test_each_associate_gets_their_own_layout_back(story: Story) -> None:
    mine = story.service.acting_as(AssociateId(story.ann_a))
    theirs = story.service.acting_as(AssociateId(story.bo_a))
    mine.views.save_layout("contacts_tab", Layout(("person.email",), grouping=("person.owner",)))
    theirs.views.save_layout("contacts_tab", Layout(("person.name", "person.lead_status")))
    assert mine.views.layout("contacts_tab").layout.columns == ("person.email",)
    assert [h.key for h in mine.views.contacts_tab(CompanyId(story.acme)).columns] == [
        "person.email"
    ]
    assert theirs.views.layout("contacts_tab").layout.columns == (
        "person.name", "person.lead_status",
    )  # fmt: skip
    with pytest.raises(ValidationError):
        story.service.acting_as(None).views.save_layout("contacts_tab", Layout(()))
    with pytest.raises(ValidationError):
        mine.views.save_layout("dashboard", Layout(()))
    with pytest.raises(UnknownColumnError):
        mine.views.save_layout("contacts_tab", Layout(("person.shoe_size",)))


def test_a_saved_layout_loads_without_what_no_longer_exists(story: Story) -> None:
    mine = story.service.acting_as(AssociateId(story.ann_a))
    saved = Layout(
        ("person.name", "person.lead_creation.source", "person.lead_status"),
        filters=(ColumnFilter("person.lead_status", (story.open, story.renurture)),),
        order=(Order("person.lead_creation.source"),),
    )
    mine.views.save_layout("contacts_tab", saved)
    mine.statuses.delete(LeadStatusId(story.renurture))
    without_utm = mine.acting_as(
        AssociateId(story.ann_a), licence=Licence.of(Feature.LEAD_STATUS, Feature.BOARD)
    )
    loaded = without_utm.views.layout("contacts_tab")
    assert loaded.saved
    assert loaded.layout.columns == ("person.name", "person.lead_status")
    assert loaded.layout.filters == (ColumnFilter("person.lead_status", (story.open,)),)
    assert {(d.part, d.key, d.item) for d in loaded.dropped} == {
        ("column", "person.lead_creation.source", None),
        ("order", "person.lead_creation.source", None),
        ("filter item", "person.lead_status", story.renurture),
    }
    tab = without_utm.views.contacts_tab(CompanyId(story.acme))
    assert tab.dropped == loaded.dropped
    assert [r.id for r in tab.rows] == [story.ann]


def test_a_saved_date_range_filter_comes_back_as_dates(story: Story) -> None:
    march = ColumnFilter("person.registered", (date(2026, 3, 1), date(2026, 3, 31)))
    today = ColumnFilter("person.registered", (date(2026, 3, 2),), Operator.ON)
    saved = Layout(("person.name",), filters=(march, today))
    story.service.views.save_layout("find_results", saved)
    loaded = story.service.views.layout("find_results")
    assert loaded.layout == saved
    assert loaded.dropped == ()


def test_a_garbled_saved_layout_is_a_typed_error(story: Story) -> None:
    with story.service.context.uow() as uow:
        uow.settings.set("views.contacts_tab/1", {"columns": [1, 2], "colour": "red"})
        uow.commit()
    with pytest.raises(ValidationError):
        story.service.views.layout("contacts_tab")


# --- Find results ("Opret udvalg") ------------------------------------------------------------


def test_find_results_show_category_lead_status_and_lead_source(story: Story) -> None:
    leads = condition("person.category_group", "in", 2)
    shown = story.service.views.find_results(leads, page=Page(0, 2))
    keys = [c.key for c in shown.columns]
    assert {"person.category", "person.lead_status", "person.lead_creation.source"} <= set(keys)
    assert shown.total == 4
    assert len(shown.rows) == 2
    assert shown.has_more
    first = shown.rows[0]
    assert (first["person.category"].text, first["person.lead_status"].text) == ("Lead", "Open")
    assert first["person.lead_creation.source"].text == "linkedin"


def test_find_results_of_static_combined_and_dynamic_selections(story: Story) -> None:
    service = story.service
    fair = service.selections.create_static("Fair", persons=[story.carl, story.ann, story.dora])
    acme = service.selections.create_dynamic("Acme", condition("company.name", "equals", "acme"))
    both = service.selections.create_combined("Both", fair.id, acme.id, Operation.COMMON)
    layout = Layout(("person.name",), order=(Order("person.name"),))
    assert [r.id for r in service.views.find_results(fair.id, layout).rows] == [
        story.ann, story.carl, story.dora,
    ]  # fmt: skip
    common = service.views.find_results(both.id, layout, page=Page(1, 5))
    assert [r.id for r in common.rows] == [story.carl]
    assert common.total == 2
    dynamic = service.views.find_results(acme.id, layout)
    assert dynamic.total == 3
    companies = service.views.find_results(ALWAYS, entity=Entity.COMPANY)
    assert [r["company.name"].text for r in companies.rows] == ["Acme", "Bolt"]


# --- board view -------------------------------------------------------------------------------


def test_board_of_a_dynamic_selection_by_lead_status(story: Story) -> None:
    service = story.service
    leads = service.selections.create_dynamic("All", ALWAYS)
    board = service.views.board(leads.id)
    assert [c.label for c in board.columns] == [
        "Open", "Contacting", "Qualified", "Disqualified", "Re-nurture", "No value",
    ]  # fmt: skip
    assert board.counts() == {
        story.open: 2, story.contacting: 1, story.qualified: 1,
        story.disqualified: 0, story.renurture: 0, None: 0,
    }  # fmt: skip
    assert board.left_out == 1
    assert board.total == 5
    assert [r.id for r in board.column(story.open).cards] == [story.ann, story.eve]
    assert (board.column(story.qualified).tooltip or "").startswith("Right match")
    hidden_empty = service.views.board(leads.id, hide_empty=True)
    assert [c.value for c in hidden_empty.columns] == [
        story.open,
        story.contacting,
        story.qualified,
    ]


def test_board_cards_page_sort_and_sub_groups(story: Story) -> None:
    service = story.service
    board = service.views.board(
        ALWAYS, cards=1, order=[Order("person.name", descending=True)],
        sub_group_by="person.owner", card_columns=["person.name", "person.email"],
    )  # fmt: skip
    opened = board.column(story.open)
    assert [r["person.name"].text for r in opened.cards] == ["Eve Egg"]
    assert opened.has_more
    assert [h.key for h in board.card_columns] == ["person.name", "person.email"]
    assert [(g.label, g.count) for g in opened.sub_groups] == [("Anne Agent", 1), ("No value", 1)]
    rest = service.views.board_column(ALWAYS, "person.lead_status", story.open, page=Page(1, 5),
                                order=[Order("person.name", descending=True)])  # fmt: skip
    assert [r.id for r in rest.cards] == [story.ann]
    assert not rest.has_more


def test_boards_by_category_owner_and_of_companies(story: Story) -> None:
    service = story.service
    by_category = service.views.board(ALWAYS, "person.category", hide_empty=True)
    assert [(c.label, c.count) for c in by_category.columns] == [
        ("Lead", 3),
        ("Marketing qualified lead", 1),
        ("Customer", 1),
    ]  # rank order
    assert by_category.left_out == 0
    by_owner = service.views.board(ALWAYS, "person.owner", language="da")
    assert [(c.label, c.count) for c in by_owner.columns] == [
        ("Anne Agent", 2),
        ("Bo Boss", 1),
        ("Ingen værdi", 2),
    ]
    companies = service.views.board(ALWAYS, entity=Entity.COMPANY, hide_empty=True)
    assert companies.entity == "company"
    assert companies.group_by == "company.category"
    assert {c.label: c.count for c in companies.columns} == {"Lead": 1, "Customer": 1}
    with pytest.raises(ValidationError):
        service.views.board(ALWAYS, "person.email")
    with pytest.raises(ValidationError):
        service.views.board(ALWAYS, "person.lead_status", entity=Entity.COMPANY)


def test_board_of_static_and_combined_selections(story: Story) -> None:
    service = story.service
    fair = service.selections.create_static("Fair", persons=[story.ann, story.dora, story.carl])
    board = service.views.board(fair.id)
    assert board.counts()[story.open] == 1
    assert board.counts()[story.qualified] == 1
    assert board.left_out == 1
    assert board.total == 3
    rest = service.selections.create_static("Rest", persons=[story.ann])
    minus = service.selections.create_combined("Fair-rest", fair.id, rest.id, Operation.ONLY_FIRST)
    assert service.views.board(minus.id).counts()[story.open] == 0
    firms = service.selections.create_static(
        "Firms", Target.COMPANIES, companies=[CompanyId(story.acme)]
    )
    assert service.views.board(firms.id).counts()[story.lead] == 1
    with pytest.raises(ValidationError):
        service.views.board(firms.id, entity=Entity.PERSON)


def test_board_needs_its_licence(story: Story) -> None:
    basic = story.service.acting_as(None, licence=Licence.of(Feature.LEAD_STATUS))
    with pytest.raises(FeatureNotLicensed):
        basic.views.board()
    with pytest.raises(FeatureNotLicensed):
        basic.views.move_card("person.lead_status", story.ann, story.qualified)


# --- moving cards -----------------------------------------------------------------------------


def test_moving_a_card_changes_the_status_through_the_rules(story: Story) -> None:
    service = story.service
    service.views.move_card("person.lead_status", story.ann, story.qualified)
    assert service.views.board().column(story.qualified).count == 2
    assert [e.to_status for e in service.persons.history(story.ann)][-1] == story.qualified


def test_refused_moves_change_nothing(story: Story) -> None:
    strict = story.service.acting_as(AssociateId(1), policy=LeadPolicy(ForwardOnly()))
    before = strict.views.board(ALWAYS, "person.lead_status")
    history = strict.persons.history(story.carl)
    with pytest.raises(TransitionRefused):
        strict.views.move_card("person.lead_status", story.carl, story.open)
    with pytest.raises(LeadStatusNotEditable):
        strict.views.move_card("person.lead_status", story.dora, story.open)  # hidden (R4)
    with pytest.raises(ValidationError):
        strict.views.move_card("person.lead_status", story.ann, None)
    with pytest.raises(InheritedCategoryError):
        strict.views.move_card("person.category", story.ann, story.mql)  # R3
    with pytest.raises(ValidationError):
        strict.views.move_card("person.category_group", story.ann, 1)
    assert strict.views.board(ALWAYS, "person.lead_status") == before
    assert strict.persons.history(story.carl) == history


def test_moving_category_and_owner_cards(story: Story) -> None:
    service = story.service
    eve = service.views.move_card("person.category", story.eve, story.lead)  # B2C: its own category
    assert isinstance(eve, Person)
    assert eve.own_category_id == story.lead
    moved = service.views.move_card("company.category", story.ann, story.mql)  # moves Acme
    assert moved.id == story.ann
    assert service.companies.get(CompanyId(story.acme)).category_id == story.mql
    company = service.views.move_card(
        "company.owner", story.bolt, story.bo_a, entity=Entity.COMPANY
    )
    assert company.owner_id == story.bo_a
    service.views.move_card("person.owner", story.carl, None)
    assert service.views.board(ALWAYS, "person.owner").counts()[None] == 3
    with pytest.raises(ValidationError):
        service.views.move_card("company.owner", story.eve, story.bo_a)  # no company


def test_views_serialize_with_the_converter(story: Story) -> None:
    service = story.service
    views: list[tuple[object, type]] = [
        (service.views.board(sub_group_by="person.owner"), Board),
        (service.views.contacts_tab(CompanyId(story.acme)), ContactsTab),
        (service.views.find_results(), ResultsPage),
    ]
    for view, kind in views:
        data = converter.unstructure(view)
        assert json.loads(json.dumps(data)) == data
        assert converter.structure(data, kind) == view
    registered = service.views.contacts_tab(CompanyId(story.acme)).rows[0]["person.registered"]
    assert converter.unstructure(registered)["value"] == {"datetime": AT.isoformat()}


def test_a_deleted_status_still_held_has_its_column_after_the_active_ones(story: Story) -> None:
    service = story.service
    service.statuses.delete(LeadStatusId(story.contacting))
    board = service.views.board()
    assert [c.value for c in board.columns] == [
        story.open, story.qualified, story.disqualified, story.renurture, story.contacting, None,
    ]  # fmt: skip
    contacting = board.column(story.contacting)
    assert contacting.deleted
    assert [r.id for r in contacting.cards] == [story.anders]


def test_a_dynamic_selection_of_companies_and_persons_is_counted_by_criteria(story: Story) -> None:
    service = story.service
    both = service.selections.create_dynamic(
        "Acme people", condition("company.name", "equals", "acme"), Target.COMPANIES_AND_PERSONS,
        entity=Entity.PERSON,
    )  # fmt: skip
    assert service.views.board(both.id).total == 3
    firms = service.selections.create_dynamic("Firms", ALWAYS, Target.COMPANIES_AND_PERSONS)
    assert service.views.board(firms.id, entity=Entity.COMPANY).total == 2
    assert service.views.board(firms.id).total == 4  # the companies' persons (mapped, loaded)
