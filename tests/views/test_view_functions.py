"""The pure view functions of leadcore.views, without a store: the contacts tab, Find
results, the board's plan and assembly, grouping and labels, the person card, the
dashboards' read window, and the laws the board's columns keep (their criteria
partition the records, and count what the grouped counts count)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadcore.criteria.ast import ALWAYS, Operator
from leadcore.criteria.build import condition
from leadcore.criteria.evaluate import person_predicate
from leadcore.criteria.fields import Entity
from leadcore.errors import FeatureNotLicensed, ValidationError
from leadcore.licence import Feature, Licence
from leadcore.lists import Lists, new_database
from leadcore.model import (
    AssociateId,
    CategoryId,
    Company,
    CompanyId,
    LeadStatusId,
    Person,
    PersonId,
    SelectionId,
)
from leadcore.queries import GroupedCounts, Order, Page, PageResult
from leadcore.selections import DynamicSelection, Members, StaticSelection, Target
from leadcore.testing.strategies import category_lists, lead_status_lists, person_rows
from leadcore.views.board import (
    BoardPlan,
    ColumnCards,
    board,
    board_plan,
    check_card_move,
    column_scopes,
)
from leadcore.views.cards import person_card
from leadcore.views.columns import ColumnFilter
from leadcore.views.contacts import contacts_tab
from leadcore.views.dashboard_figures import new_lead_persons, read_window
from leadcore.views.dashboards import ReportPeriod
from leadcore.views.groups import (
    group_buckets,
    is_deleted_item,
    member_groups,
    value_criterion,
    value_label,
)
from leadcore.views.results import COMPANY_RESULTS, results_page, results_plan
from leadcore.views.scope import MAX_ROWS, MemberRows, Reading, Scope, selection_scope
from leadcore.views.settings import Layout, unstructure_layout

AT = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
CATS, STATUSES = new_database()
STORED = Lists(CATS, STATUSES)
LISTS = Lists(CATS, STATUSES)
LEAD = CATS.by_name("Lead").id
CUSTOMER = CATS.by_name("Customer").id
OPEN, CONTACTING, QUALIFIED = (STATUSES.by_key(k).id for k in ("open", "contacting", "qualified"))
ANN, BO = AssociateId(7), AssociateId(8)
NAMES = {ANN: "Ann", BO: "Bo"}


def reading(licence: Licence | None = None, language: str = "en") -> Reading:
    chosen = Licence.full() if licence is None else licence
    return Reading(STORED, NAMES, chosen, AT, ANN, "da" if language == "da" else "en")


def company(company_id: int, name: str, category: CategoryId | None = LEAD) -> Company:
    return Company(CompanyId(company_id), name, category, AT, AT)


def person(
    person_id: int,
    first: str,
    at: Company | None = None,
    *,
    status: LeadStatusId | None = OPEN,
    owner: AssociateId | None = None,
    retired: bool = False,
) -> Person:
    return Person(
        PersonId(person_id),
        None if at is None else at.id,
        first,
        "Ash",
        AT,
        AT,
        lead_status_id=status,
        owner_id=owner,
        retired=retired,
    )


ACME = company(1, "Acme")
STAFF = [
    person(1, "Ann", ACME, owner=ANN),
    person(2, "Bo", ACME, status=QUALIFIED, owner=BO),
    person(3, "Anders", ACME, owner=ANN),
    person(4, "Cy", ACME, status=None, retired=True),
]


# --- the contacts tab ----------------------------------------------------------------------


def test_contacts_tab_filters_groups_two_levels_orders_and_pages() -> None:
    layout = Layout(
        ("person.name", "person.owner"),
        filters=(ColumnFilter("person.retired", (), Operator.IS_FALSE),),
        grouping=("person.lead_status", "person.owner"),
        order=(Order("person.name"),),
    )
    tab = contacts_tab(ACME, STAFF, reading(), Page(0, 2), layout=layout)
    assert tab.total == 3
    assert [row["person.name"].text for row in tab.rows] == ["Anders Ash", "Ann Ash"]
    assert tab.has_more
    assert [(g.label, g.count, [(s.label, s.count) for s in g.groups]) for g in tab.groups] == [
        ("Open", 2, [("Ann", 2)]),
        ("Qualified", 1, [("Bo", 1)]),
    ]
    assert [c.key for c in tab.columns] == ["person.name", "person.owner"]


def test_contacts_tab_reads_the_saved_layout_and_reports_what_no_longer_loads() -> None:
    saved = unstructure_layout(Layout(("person.name", "person.shoe_size")))
    tab = contacts_tab(ACME, STAFF, reading(), Page(0, 50), saved=saved)
    assert tab.layout.columns == ("person.name",)
    assert [(d.part, d.key) for d in tab.dropped] == [("column", "person.shoe_size")]
    default = contacts_tab(ACME, STAFF, reading(), Page(0, 50))
    assert default.dropped == ()
    assert default.layout.columns[0] == "person.name"
    assert default.total == len(STAFF)


def test_contacts_tab_refuses_a_lead_status_grouping_without_its_licence_and_a_big_page() -> None:
    grouped = Layout(("person.name",), grouping=("person.lead_status",))
    with pytest.raises(ValidationError, match="the licence lacks lead-status"):
        contacts_tab(ACME, STAFF, reading(Licence.of()), Page(0, 10), layout=grouped)
    with pytest.raises(ValidationError, match="bad view page"):
        contacts_tab(ACME, STAFF, reading(), Page(0, MAX_ROWS + 1), layout=Layout(("person.name",)))


# --- Find results --------------------------------------------------------------------------


def test_results_of_companies_without_a_layout_use_the_company_columns() -> None:
    plan = results_plan(Scope(Entity.COMPANY, ALWAYS), reading())
    assert plan.loaded.layout == COMPANY_RESULTS
    assert plan.scope.criteria == ALWAYS
    found = PageResult((ACME,), 1, Page(0, 50))
    page = results_page(plan, found, {}, reading())
    assert page.entity == "company"
    assert page.rows[0].texts() == {
        "company.name": "Acme",
        "company.category": "Lead",
        "company.owner": "",
    }


def test_results_narrow_the_scope_by_the_filters_and_show_persons_with_their_company() -> None:
    layout = Layout(
        ("person.name", "company.name", "person.lead_status"),
        filters=(ColumnFilter("person.name", ("an",)),),
        order=(Order("person.name", descending=True),),
    )
    scope = Scope(Entity.PERSON, condition("person.retired", "is_false"))
    plan = results_plan(scope, reading(language="da"), layout=layout)
    test = person_predicate(plan.scope.criteria, reading().environment())
    assert [p.first_name for p in STAFF if test(p, ACME)] == ["Ann", "Anders"]
    assert [o.descending for o in plan.order] == [True, True]
    found = PageResult((STAFF[0],), 2, Page(0, 1))
    page = results_page(plan, found, {ACME.id: ACME}, reading(language="da"))
    assert page.rows[0].texts() == {
        "person.name": "Ann Ash",
        "company.name": "Acme",
        "person.lead_status": "Åben",
    }
    assert page.has_more


def test_a_saved_find_results_layout_is_read_leniently() -> None:
    saved = unstructure_layout(Layout(("person.name", "person.gone")))
    plan = results_plan(Scope(Entity.PERSON, ALWAYS), reading(), saved=saved)
    assert plan.loaded.saved
    assert [c.key for c in plan.columns] == ["person.name"]


# --- the board -----------------------------------------------------------------------------


def test_board_plan_defaults_and_refusals() -> None:
    plan = board_plan(Entity.PERSON, None, Licence.full(), page=Page(0, 10))
    assert (plan.group_by, plan.visible_only) == ("person.lead_status", True)
    assert [c.key for c in plan.columns] == ["person.name", "company.name"]
    with pytest.raises(ValidationError, match=r"cannot group by 'person\.email'"):
        board_plan(Entity.PERSON, "person.email", Licence.full(), page=Page(0, 10))
    with pytest.raises(ValidationError, match="cannot group by"):
        board_plan(
            Entity.PERSON, "person.owner", Licence.full(), page=Page(0, 10), sub_group_by="x"
        )
    with pytest.raises(FeatureNotLicensed):
        board_plan(Entity.PERSON, None, Licence.of(), page=Page(0, 10))
    with pytest.raises(ValidationError, match="the licence lacks marketing-premium"):
        board_plan(
            Entity.PERSON,
            "person.owner",
            Licence.of(Feature.LEAD_STATUS),
            page=Page(0, 10),
            card_columns=["person.first_touch.source"],
        )
    with pytest.raises(ValidationError, match="bad view page"):
        board_plan(Entity.PERSON, "person.owner", Licence.full(), page=Page(0, MAX_ROWS + 1))


def test_column_scopes_hide_empty_columns_and_pick_asked_values() -> None:
    plan = board_plan(Entity.PERSON, "person.owner", Licence.full(), page=Page(0, 10))
    counts = GroupedCounts.build("person.owner", {ANN: 2, None: 0}, STORED)
    scope = Scope(Entity.PERSON, ALWAYS)
    assert [v for v, _ in column_scopes(plan, scope, counts, LISTS)] == [ANN, None]
    assert [v for v, _ in column_scopes(plan, scope, counts, LISTS, hide_empty=True)] == [ANN]
    ((value, inner),) = column_scopes(plan, scope, counts, LISTS, values=[None])
    assert value is None
    assert inner.criteria == condition("person.owner", "not_in", ANN)


def test_board_assembles_labels_counts_cards_deleted_items_and_sub_groups() -> None:
    deleted = STATUSES.delete(CONTACTING)
    stored = Lists(CATS, deleted)
    view = Reading(stored, NAMES, Licence.full(), AT, ANN, "en")
    plan = board_plan(
        Entity.PERSON, None, Licence.full(), page=Page(0, 1), sub_group_by="person.owner"
    )
    counts = GroupedCounts.build("person.lead_status", {OPEN: 2, CONTACTING: 1}, stored, 1)
    subs = GroupedCounts.build("person.owner", {ANN: 2}, stored)
    columns = [
        ColumnCards(OPEN, 2, (STAFF[0],), {ACME.id: ACME}, subs),
        ColumnCards(CONTACTING, 1),
        ColumnCards(None, 0),
    ]
    shown = board(plan, counts, columns, view)
    assert (shown.entity, shown.label, shown.total, shown.left_out) == (
        "person",
        "Lead status",
        4,
        1,
    )  # the total counts the persons left out too
    assert [(c.label, c.count, c.has_more, c.deleted) for c in shown.columns] == [
        ("Open", 2, True, False),
        ("Contacting", 1, True, True),
        ("No value", 0, False, False),
    ]
    assert shown.column(OPEN).cards[0]["company.name"].text == "Acme"
    assert [(g.label, g.count) for g in shown.column(OPEN).sub_groups] == [("Ann", 2)]
    assert [h.key for h in shown.card_columns] == ["person.name", "company.name"]


def test_card_moves_that_are_no_command_are_refused() -> None:
    check_card_move("company.category", 1, None, Entity.PERSON)
    with pytest.raises(ValidationError, match="company card cannot be moved"):
        check_card_move("person.owner", 1, 7, Entity.COMPANY)
    with pytest.raises(ValidationError, match="no-value column"):
        check_card_move("person.lead_status", 1, None, Entity.PERSON)
    with pytest.raises(ValidationError, match="cannot be moved on a board"):
        check_card_move("company.category_group", 1, 2, Entity.COMPANY)


# --- grouping and labels -------------------------------------------------------------------


def test_labels_in_the_readers_language_and_deleted_items() -> None:
    cells = reading(language="da").cells
    assert value_label("person.lead_status", OPEN, cells) == (
        "Åben",
        STATUSES.get(OPEN).description("da") or None,
    )
    assert value_label("person.owner", BO, cells) == ("Bo", None)
    assert value_label("person.owner", 99, cells) == ("#99", None)
    assert value_label("company.category", None, cells) == ("Ingen værdi", None)
    gone = Lists(CATS.delete(CUSTOMER), STATUSES)
    assert is_deleted_item("company.category", CUSTOMER, gone)
    assert not is_deleted_item("company.category", LEAD, gone)
    assert not is_deleted_item("company.category", None, gone)


def test_group_buckets_keep_the_non_empty_buckets_in_order() -> None:
    counts = GroupedCounts.build("person.lead_status", {QUALIFIED: 1, OPEN: 2}, STORED)
    buckets = group_buckets("person.lead_status", counts, reading().cells)
    assert [(b.value, b.label, b.count) for b in buckets] == [
        (OPEN, "Open", 2),
        (QUALIFIED, "Qualified", 1),
    ]


def test_member_groups_nest_each_level() -> None:
    rows = MemberRows.of_persons(STAFF, {ACME.id: ACME}, ALWAYS, reading())
    groups = member_groups(rows, ["person.owner", "person.lead_status"], reading().cells)
    assert [(g.label, [(s.label, s.count) for s in g.groups]) for g in groups] == [
        ("Ann", [("Open", 2)]),
        ("Bo", [("Qualified", 1)]),
        ("No value", [("No value", 1)]),
    ]


GROUPED = ["person.lead_status", "person.category", "person.category_group", "person.owner"]


@given(
    data=st.data(),
    key=st.sampled_from(GROUPED),
    visible_only=st.booleans(),
)
def test_the_columns_criteria_partition_the_records_and_count_what_the_counts_count(
    data: st.DataObject, key: str, visible_only: bool
) -> None:
    visible_only = visible_only and key == "person.lead_status"
    cats = data.draw(category_lists())
    sts = data.draw(lead_status_lists())
    rows = data.draw(person_rows(cats, sts))
    stored = Lists(cats, sts)
    view = Reading(stored, {}, Licence.full(), AT, ANN)
    companies = {c.id: c for _, c in rows if c is not None}
    loaded = MemberRows.of_persons([p for p, _ in rows], companies, ALWAYS, view)
    counts = loaded.count_by(key, visible_only=visible_only)
    lists = Lists(cats, sts)
    matched: dict[int, int] = {}
    for bucket in counts.buckets:
        criterion = value_criterion(
            key, bucket.value, counts, Entity.PERSON, lists, visible_only=visible_only
        )
        test = person_predicate(criterion, view.environment())
        members = [p.id for p, c in rows if test(p, c)]
        assert len(members) == bucket.count
        for member in members:
            matched[member] = matched.get(member, 0) + 1
    assert all(n == 1 for n in matched.values())  # no record in two columns
    assert len(matched) + counts.hidden == len(rows)  # every record shown or left out


# --- scopes, readings, cards, dashboards ---------------------------------------------------


def test_a_selection_scope_is_its_criteria_or_its_members() -> None:
    leads = condition("person.retired", "is_false")
    dynamic = DynamicSelection(SelectionId(1), "Leads", Target.PERSONS, leads)
    assert selection_scope(dynamic, None) == (Entity.PERSON, Scope(Entity.PERSON, leads))
    static = StaticSelection(SelectionId(2), "Firms", Target.COMPANIES, Members())
    assert selection_scope(static, None) == (Entity.COMPANY, None)
    both = StaticSelection(SelectionId(3), "All", Target.COMPANIES_AND_PERSONS, Members())
    assert selection_scope(both, Entity.PERSON) == (Entity.PERSON, None)
    with pytest.raises(ValidationError, match="lists companies, not persons"):
        selection_scope(static, Entity.PERSON)


def test_a_reading_checks_queries_as_the_service_does() -> None:
    query = reading().query(
        condition("person.owner", "current_associate"), Entity.PERSON, [Order("person.email")]
    )
    assert (query.now, query.current_associate, query.order) == (
        AT,
        ANN,
        (Order("person.email"),),
    )
    with pytest.raises(FeatureNotLicensed, match=r"person\.first_touch\.source"):
        reading(Licence.of(Feature.LEAD_STATUS)).query(
            ALWAYS, Entity.PERSON, [Order("person.first_touch.source")]
        )


def test_person_card_shows_the_effective_category_and_the_status_only_when_licensed() -> None:
    card = person_card(STAFF[0], ACME, LISTS, "da")
    assert card.category is not None
    assert (card.category.name, card.category_group) == ("Lead", CATS.get(LEAD).group)
    assert card.lead_status is not None
    assert card.lead_status.label == "Åben"
    unlicensed = person_card(STAFF[0], ACME, LISTS, lead_status=False)
    assert unlicensed.lead_status is None
    alone = person_card(person(9, "Solo"), None, LISTS)
    assert (alone.company, alone.category, alone.category_group) == (None, None, None)


def test_the_dashboards_read_window_and_new_lead_persons() -> None:
    march = ReportPeriod(date(2026, 3, 1), date(2026, 4, 1), UTC)
    now = datetime(2026, 3, 10, tzinfo=UTC)
    start, end = read_window(march, now, since_previous=False)
    assert start is None
    assert end > now
    start, _ = read_window(march, now, since_previous=True)
    assert start == march.previous().start_at
    assert new_lead_persons({}, march, now) == []


def test_board_plan_is_a_value() -> None:
    plan = board_plan(Entity.COMPANY, "company.owner", Licence.full(), page=Page(0, 3))
    assert plan == BoardPlan(Entity.COMPANY, "company.owner", None, plan.columns, (), Page(0, 3))
    assert not plan.visible_only
