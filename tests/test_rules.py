"""Example tests of the rules engine, one group per rule (R1-R8, R10)."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

from leadcore.errors import (
    DeletedItemError,
    InheritedCategoryError,
    LastCategoryError,
    LeadStatusNotEditable,
    TransitionRefused,
)
from leadcore.history import (
    CompanyCategoryChanged,
    HistoryEntry,
    HistoryKind,
    PersonCategoryChanged,
    PersonMoved,
    StatusSource,
    replay,
)
from leadcore.lists import Lists, new_database
from leadcore.model import (
    AssociateId,
    Category,
    CategoryGroup,
    CategoryId,
    Company,
    CompanyId,
    LeadStatusId,
    Person,
    PersonId,
)
from leadcore.policies import (
    AllOf,
    ForwardOnly,
    LeadPolicy,
    ReasonRequired,
    RevealPolicy,
    TransitionTable,
)
from leadcore.rules import (
    Actor,
    Outcome,
    change_company_category,
    create_company,
    create_person,
    effective_category_id,
    effective_group,
    is_status_visible,
    lead_status_view,
    move_company_to_next_category,
    move_person,
    next_category,
    recheck_visibility,
    set_lead_status,
    set_person_category,
)

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
BO = AssociateId(7)
ACTOR = Actor(AT, BO)
CATEGORIES, STATUSES = new_database()
LISTS = Lists(CATEGORIES, STATUSES)
RESTORE = LeadPolicy(reveal=RevealPolicy.RESTORE_PREVIOUS)


def cat(name: str) -> CategoryId:
    return CATEGORIES.by_name(name).id


def st(key: str) -> LeadStatusId:
    return STATUSES.by_key(key).id


LEAD, MQL, OPPORTUNITY, CUSTOMER = (
    cat("Lead"),
    cat("Marketing qualified lead"),
    cat("Opportunity"),
    cat("Customer"),
)
OPEN, CONTACTING, QUALIFIED = st("open"), st("contacting"), st("qualified")
DISQUALIFIED, RENURTURE = st("disqualified"), st("renurture")


def company(category: CategoryId | None, cid: int = 1) -> Company:
    return Company(CompanyId(cid), f"Company {cid}", category, AT, AT)


def new_person(pid: int, employer: Company | None, own: CategoryId | None = None) -> Person:
    return Person(
        PersonId(pid),
        None if employer is None else employer.id,
        "Person",
        str(pid),
        AT,
        AT,
        own_category_id=own,
    )


def created(
    pid: int, employer: Company | None, lists: Lists = LISTS, own: CategoryId | None = None
) -> Person:
    """A person created through the rules (status as R5 says)."""
    return create_person(new_person(pid, employer, own), employer, lists, ACTOR).persons[0]


def with_status(person: Person, employer: Company | None, status: LeadStatusId) -> Person:
    out = set_lead_status(person, employer, LISTS, status, ACTOR)
    return out.persons[0]


# --- R1 visible ----------------------------------------------------------------------------------


@pytest.mark.parametrize("category", list(CATEGORIES), ids=lambda c: c.name)
def test_r1_visible_only_under_lead_enabled_potential_customer(category: Category) -> None:
    acme = company(category.id)
    expected = category.name in {"Lead", "Marketing qualified lead"}
    assert is_status_visible(new_person(1, acme), acme, CATEGORIES) is expected


def test_r1_potential_customer_without_the_flag_is_not_visible() -> None:
    acme = company(OPPORTUNITY)
    assert effective_group(new_person(1, acme), acme, CATEGORIES) is (
        CategoryGroup.POTENTIAL_CUSTOMER
    )
    assert not is_status_visible(new_person(1, acme), acme, CATEGORIES)


def test_r1_no_category_means_not_visible() -> None:
    acme = company(None)
    assert effective_group(new_person(1, acme), acme, CATEGORIES) is None
    assert not is_status_visible(new_person(1, acme), acme, CATEGORIES)
    assert not is_status_visible(new_person(2, None), None, CATEGORIES)


def test_r1_person_without_company_uses_its_own_category() -> None:
    assert is_status_visible(new_person(1, None, LEAD), None, CATEGORIES)
    assert not is_status_visible(new_person(1, None, CUSTOMER), None, CATEGORIES)


def test_r1_the_view_shows_visibility_label_and_tooltip() -> None:
    acme = company(LEAD)
    ann = created(1, acme)
    view = lead_status_view(ann, acme, LISTS)
    assert (view.visible, view.editable, view.deleted) == (True, True, False)
    assert (view.status_id, view.label) == (OPEN, "Open")
    danish = lead_status_view(ann, acme, LISTS, "da")
    assert danish.label == "Åben"
    assert danish.tooltip == STATUSES.get(OPEN).description("da")
    other = company(CUSTOMER, 2)
    hidden = lead_status_view(new_person(2, other), other, LISTS)
    assert (hidden.visible, hidden.editable, hidden.label, hidden.tooltip) == (
        False,
        False,
        None,
        None,
    )


# --- R2 per person -------------------------------------------------------------------------------


def test_r2_persons_of_one_company_hold_their_own_status() -> None:
    acme = company(LEAD)
    ann, bob = created(1, acme), created(2, acme)
    ann = with_status(ann, acme, QUALIFIED)
    assert (ann.lead_status_id, bob.lead_status_id) == (QUALIFIED, OPEN)
    bob = with_status(bob, acme, RENURTURE)
    assert (ann.lead_status_id, bob.lead_status_id) == (QUALIFIED, RENURTURE)


def test_r2_setting_a_status_changes_only_that_person_and_records_it() -> None:
    acme = company(LEAD)
    ann = created(1, acme)
    out = set_lead_status(ann, acme, LISTS, CONTACTING, Actor(LATER, BO), reason="Called")
    assert out.companies == ()
    assert out.persons == (
        attrs.evolve(ann, lead_status_id=CONTACTING, updated=LATER, status_changed=LATER),
    )
    assert out.events == (
        HistoryEntry(
            ann.id,
            HistoryKind.CHANGE,
            OPEN,
            CONTACTING,
            LATER,
            BO,
            StatusSource.USER,
            "Called",
        ),
    )
    assert out.history == out.events


def test_r2_setting_the_same_status_is_a_no_op_without_history() -> None:
    acme = company(LEAD)
    ann = created(1, acme)
    assert set_lead_status(ann, acme, LISTS, OPEN, ACTOR) == Outcome()


# --- R3 inherited category -----------------------------------------------------------------------


def test_r3_a_person_has_its_companys_category() -> None:
    acme = company(MQL)
    assert effective_category_id(new_person(1, acme), acme) == MQL
    stray = attrs.evolve(new_person(1, acme), own_category_id=CUSTOMER)
    assert effective_category_id(stray, acme) == MQL


def test_r3_setting_the_category_on_a_person_with_company_is_refused() -> None:
    acme = company(LEAD)
    ann = created(1, acme)
    with pytest.raises(InheritedCategoryError, match="Change the category on the company") as err:
        set_person_category(ann, LISTS, CUSTOMER, ACTOR)
    assert err.value.rule == "R3"
    assert err.value.context == {"rule": "R3", "person_id": 1, "company_id": 1}


def test_r3_a_person_without_company_has_its_own_category() -> None:
    solo = created(1, None)
    assert solo.lead_status_id is None
    out = set_person_category(solo, LISTS, LEAD, ACTOR)
    solo = out.persons[0]
    assert effective_category_id(solo, None) == LEAD
    assert solo.lead_status_id == OPEN
    assert out.events[0] == PersonCategoryChanged(solo.id, None, LEAD, AT, BO)
    assert [e.kind for e in out.history] == [HistoryKind.REVEAL]


def test_r3_a_new_person_with_company_cannot_carry_an_own_category() -> None:
    acme = company(LEAD)
    with pytest.raises(InheritedCategoryError):
        create_person(new_person(1, acme, CUSTOMER), acme, LISTS, ACTOR)


def test_r3_moving_into_a_company_drops_the_own_category() -> None:
    acme = company(LEAD)
    solo = created(1, None, own=CUSTOMER)
    moved = move_person(solo, None, acme, LISTS, ACTOR).persons[0]
    assert (moved.company_id, moved.own_category_id) == (acme.id, None)
    with pytest.raises(InheritedCategoryError):
        move_person(solo, None, acme, LISTS, ACTOR, own_category_id=LEAD)


def test_r3_leaving_every_company_keeps_the_category_as_its_own() -> None:
    acme = company(LEAD)
    ann = with_status(created(1, acme), acme, QUALIFIED)
    out = move_person(ann, acme, None, LISTS, ACTOR)
    solo = out.persons[0]
    assert (solo.company_id, solo.own_category_id, solo.lead_status_id) == (None, LEAD, QUALIFIED)
    assert out.events == (PersonMoved(ann.id, acme.id, None, AT, BO),)


def test_r3_leaving_a_company_with_another_own_category() -> None:
    acme = company(LEAD)
    ann = with_status(created(1, acme), acme, QUALIFIED)
    out = move_person(ann, acme, None, LISTS, ACTOR, own_category_id=CUSTOMER)
    solo = out.persons[0]
    assert (solo.own_category_id, solo.lead_status_id) == (CUSTOMER, QUALIFIED)
    assert [e.kind for e in out.history] == [HistoryKind.HIDE]


def test_r3_moving_a_person_without_company_nowhere() -> None:
    solo = created(1, None, own=CUSTOMER)
    assert move_person(solo, None, None, LISTS, ACTOR) == Outcome()
    assert move_person(solo, None, None, LISTS, ACTOR, own_category_id=CUSTOMER) == Outcome()
    out = move_person(solo, None, None, LISTS, ACTOR, own_category_id=LEAD)
    assert out == set_person_category(solo, LISTS, LEAD, ACTOR)


# --- R4 hidden, kept, searchable, read-only ------------------------------------------------------


def _qualified_lead() -> tuple[Company, Person]:
    acme = company(LEAD)
    return acme, with_status(created(1, acme), acme, QUALIFIED)


def test_r4_company_leaving_the_lead_category_hides_and_keeps() -> None:
    acme, ann = _qualified_lead()
    out = change_company_category(acme, [ann], LISTS, CUSTOMER, ACTOR)
    assert out.companies == (attrs.evolve(acme, category_id=CUSTOMER, updated=AT),)
    # only the time of the latest history entry changes: the status itself is kept
    assert out.persons == (attrs.evolve(ann, status_changed=AT),)
    assert out.events == (
        CompanyCategoryChanged(acme.id, LEAD, CUSTOMER, AT, BO),
        HistoryEntry(ann.id, HistoryKind.HIDE, QUALIFIED, QUALIFIED, AT, BO),
    )
    moved = out.companies[0]
    view = lead_status_view(ann, moved, LISTS)
    assert (view.visible, view.editable, view.label) == (False, False, "Qualified")


def test_r4_hidden_status_cannot_be_edited_and_nothing_changes() -> None:
    acme, ann = _qualified_lead()
    moved = change_company_category(acme, [ann], LISTS, CUSTOMER, ACTOR).companies[0]
    before = (ann, moved)
    with pytest.raises(LeadStatusNotEditable, match="hidden and read-only") as err:
        set_lead_status(ann, moved, LISTS, CONTACTING, ACTOR)
    assert err.value.rule == "R4"
    assert "'Customer'" in str(err.value)
    assert "Move the company" in str(err.value)
    assert (ann, moved) == before


def test_r4_admin_switching_the_flag_off_hides() -> None:
    acme, ann = _qualified_lead()
    after = CATEGORIES.set_lead_status_enabled(LEAD, False)
    out = recheck_visibility([(ann, acme)], CATEGORIES, after, STATUSES, ACTOR)
    # only the time of the latest history entry changes: the status itself is kept
    assert out.persons == (attrs.evolve(ann, status_changed=AT),)
    assert out.events == (HistoryEntry(ann.id, HistoryKind.HIDE, QUALIFIED, QUALIFIED, AT, BO),)
    assert not is_status_visible(ann, acme, after)
    with pytest.raises(LeadStatusNotEditable):
        set_lead_status(ann, acme, Lists(after, STATUSES), OPEN, ACTOR)


def test_r4_admin_changing_the_group_hides() -> None:
    acme, ann = _qualified_lead()
    after = CATEGORIES.set_group(LEAD, CategoryGroup.CUSTOMER)
    out = recheck_visibility([(ann, acme)], CATEGORIES, after, STATUSES, ACTOR)
    assert [e.kind for e in out.history] == [HistoryKind.HIDE]
    assert ann.lead_status_id == QUALIFIED


def test_r4_person_moved_to_a_non_lead_company_is_hidden() -> None:
    acme, ann = _qualified_lead()
    other = company(CUSTOMER, 2)
    out = move_person(ann, acme, other, LISTS, ACTOR)
    assert out.persons[0].lead_status_id == QUALIFIED
    assert [e.kind for e in out.history] == [HistoryKind.HIDE]


def test_r4_moving_between_non_lead_categories_records_nothing_for_persons() -> None:
    acme = company(CUSTOMER)
    ann = created(1, acme)
    out = change_company_category(acme, [ann], LISTS, cat("Partner"), ACTOR)
    assert out.history == ()
    assert out.persons == ()


def test_r4_recheck_ignores_unaffected_persons() -> None:
    acme, ann = _qualified_lead()
    after = CATEGORIES.rename(LEAD, "Inbound")
    assert recheck_visibility([(ann, acme)], CATEGORIES, after, STATUSES, ACTOR) == Outcome()


# --- R5 new leads start Open ---------------------------------------------------------------------


def test_r5_new_person_under_lead_company_starts_open_by_default() -> None:
    acme = company(LEAD)
    out = create_person(new_person(1, acme), acme, LISTS, ACTOR)
    assert out.persons[0].lead_status_id == OPEN
    assert out.events == (
        HistoryEntry(PersonId(1), HistoryKind.CHANGE, None, OPEN, AT, BO, StatusSource.DEFAULT),
    )


def test_r5_new_person_may_start_in_a_chosen_status() -> None:
    acme = company(LEAD)
    out = create_person(
        new_person(1, acme), acme, LISTS, Actor(AT, BO, StatusSource.IMPORT), status_id=QUALIFIED
    )
    assert out.persons[0].lead_status_id == QUALIFIED
    assert out.history[0].source is StatusSource.IMPORT


def test_r5_new_person_under_non_lead_company_has_no_status_and_no_history() -> None:
    acme = company(CUSTOMER)
    out = create_person(new_person(1, acme), acme, LISTS, ACTOR)
    assert out.persons == (new_person(1, acme),)
    assert out.events == ()


def test_r5_default_is_the_lists_default() -> None:
    statuses = STATUSES.set_default(CONTACTING)
    acme = company(LEAD)
    assert created(1, acme, Lists(CATEGORIES, statuses)).lead_status_id == CONTACTING


def _hidden_qualified() -> tuple[Company, Person]:
    acme, ann = _qualified_lead()
    moved = change_company_category(acme, [ann], LISTS, CUSTOMER, ACTOR).companies[0]
    return moved, ann


def test_r5_company_moved_back_in_gets_open_and_history_keeps_the_old_value() -> None:
    acme, ann = _hidden_qualified()
    out = change_company_category(acme, [ann], LISTS, LEAD, Actor(LATER, BO))
    assert out.persons == (
        attrs.evolve(ann, lead_status_id=OPEN, updated=LATER, status_changed=LATER),
    )
    assert out.history == (HistoryEntry(ann.id, HistoryKind.REVEAL, QUALIFIED, OPEN, LATER, BO),)


def test_r5_flag_switched_on_gives_open() -> None:
    acme, ann = _hidden_qualified()
    prospect = cat("Prospect")
    acme = change_company_category(acme, [ann], LISTS, prospect, ACTOR).companies[0]
    after = CATEGORIES.set_lead_status_enabled(prospect, True)
    out = recheck_visibility([(ann, acme)], CATEGORIES, after, STATUSES, ACTOR)
    assert out.persons[0].lead_status_id == OPEN
    assert out.history[0].kind is HistoryKind.REVEAL
    assert out.history[0].from_status == QUALIFIED


def test_r5_person_moved_to_a_lead_company_gets_open() -> None:
    acme, ann = _hidden_qualified()
    lead_co = company(MQL, 2)
    out = move_person(ann, acme, lead_co, LISTS, ACTOR)
    assert out.persons[0].lead_status_id == OPEN
    assert out.events == (
        PersonMoved(ann.id, acme.id, lead_co.id, AT, BO),
        HistoryEntry(ann.id, HistoryKind.REVEAL, QUALIFIED, OPEN, AT, BO),
    )


def test_r5_person_without_status_revealed_gets_open() -> None:
    acme = company(CUSTOMER)
    ann = created(1, acme)
    out = change_company_category(acme, [ann], LISTS, LEAD, ACTOR)
    assert out.persons[0].lead_status_id == OPEN
    assert out.history == (HistoryEntry(ann.id, HistoryKind.REVEAL, None, OPEN, AT, BO),)


def test_r5_restore_policy_brings_the_kept_value_back() -> None:
    acme, ann = _hidden_qualified()
    out = change_company_category(acme, [ann], LISTS, LEAD, ACTOR, policy=RESTORE)
    # only the time of the latest history entry changes: the status itself is kept
    assert out.persons == (attrs.evolve(ann, status_changed=AT),)
    assert out.history == (HistoryEntry(ann.id, HistoryKind.REVEAL, QUALIFIED, QUALIFIED, AT, BO),)
    moved = move_person(ann, acme, company(MQL, 2), LISTS, ACTOR, policy=RESTORE)
    assert moved.persons[0].lead_status_id == QUALIFIED


def test_r5_restore_falls_back_to_the_default_when_the_kept_value_is_deleted() -> None:
    acme, ann = _hidden_qualified()
    lists = Lists(CATEGORIES, STATUSES.delete(QUALIFIED))
    out = change_company_category(acme, [ann], lists, LEAD, ACTOR, policy=RESTORE)
    assert out.persons[0].lead_status_id == OPEN


def test_r5_restore_falls_back_to_the_default_when_nothing_was_kept() -> None:
    acme = company(CUSTOMER)
    ann = created(1, acme)
    out = change_company_category(acme, [ann], LISTS, LEAD, ACTOR, policy=RESTORE)
    assert out.persons[0].lead_status_id == OPEN


def test_r5_move_between_two_lead_enabled_categories_keeps_the_status() -> None:
    acme, ann = _qualified_lead()
    out = change_company_category(acme, [ann], LISTS, MQL, ACTOR)
    assert out.persons == ()
    assert out.history == ()
    assert out.companies[0].category_id == MQL
    other = company(MQL, 2)
    moved = move_person(ann, acme, other, LISTS, ACTOR)
    assert moved.persons[0].lead_status_id == QUALIFIED
    assert moved.history == ()


def test_r5_b2c_person_between_lead_categories_keeps_the_status() -> None:
    solo = created(1, None, own=LEAD)
    solo = with_status(solo, None, CONTACTING)
    out = set_person_category(solo, LISTS, MQL, ACTOR)
    assert out.persons[0].lead_status_id == CONTACTING
    assert out.history == ()


# --- R6 tooltip ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["open", "contacting", "qualified", "disqualified", "renurture"])
def test_r6_the_view_carries_the_description_as_tooltip(key: str) -> None:
    acme = company(LEAD)
    ann = with_status(created(1, acme), acme, st(key)) if key != "open" else created(1, acme)
    status = STATUSES.by_key(key)
    assert lead_status_view(ann, acme, LISTS).tooltip == status.tooltip
    assert lead_status_view(ann, acme, LISTS, "da").tooltip == status.description("da")


# --- R7 lists on records -------------------------------------------------------------------------


def test_r7_deleted_status_cannot_be_newly_assigned() -> None:
    acme = company(LEAD)
    ann = created(1, acme)
    lists = Lists(CATEGORIES, STATUSES.delete(RENURTURE))
    with pytest.raises(DeletedItemError, match="'Re-nurture'"):
        set_lead_status(ann, acme, lists, RENURTURE, ACTOR)
    with pytest.raises(DeletedItemError):
        create_person(new_person(2, acme), acme, lists, ACTOR, status_id=RENURTURE)


def test_r7_record_holding_a_deleted_status_keeps_showing_its_name() -> None:
    acme = company(LEAD)
    ann = with_status(created(1, acme), acme, RENURTURE)
    lists = Lists(CATEGORIES, STATUSES.delete(RENURTURE))
    view = lead_status_view(ann, acme, lists, "da")
    assert (view.label, view.deleted, view.editable) == ("Genoptag kontakt", True, True)
    out = set_lead_status(ann, acme, lists, CONTACTING, ACTOR)
    assert out.persons[0].lead_status_id == CONTACTING


def test_r7_deleted_category_cannot_be_newly_assigned_but_keeps_visibility() -> None:
    acme, ann = _qualified_lead()
    categories = CATEGORIES.delete(LEAD)
    lists = Lists(categories, STATUSES)
    assert is_status_visible(ann, acme, categories)
    assert with_status(ann, acme, CONTACTING).lead_status_id == CONTACTING
    with pytest.raises(DeletedItemError, match="category 'Lead'"):
        change_company_category(company(CUSTOMER, 2), [], lists, LEAD, ACTOR)
    with pytest.raises(DeletedItemError):
        create_company(company(LEAD, 3), categories)
    with pytest.raises(DeletedItemError):
        set_person_category(created(4, None), lists, LEAD, ACTOR)
    assert create_company(company(MQL, 3), categories) == Outcome(companies=(company(MQL, 3),))


# --- R8 transitions ------------------------------------------------------------------------------


def test_r8_permissive_default_allows_any_move() -> None:
    acme = company(LEAD)
    ann = created(1, acme)
    for key in ["renurture", "open", "disqualified", "qualified", "contacting"]:
        ann = with_status(ann, acme, st(key))
        assert ann.lead_status_id == st(key)


def test_r8_table_refuses_naming_the_rule_and_changes_nothing() -> None:
    acme = company(LEAD)
    ann = created(1, acme)
    policy = LeadPolicy(TransitionTable({"open": frozenset({"contacting"})}))
    with pytest.raises(TransitionRefused, match=r"\[transition-table\]") as err:
        set_lead_status(ann, acme, LISTS, QUALIFIED, ACTOR, policy=policy)
    assert err.value.rule == "transition-table"
    assert ann.lead_status_id == OPEN
    out = set_lead_status(ann, acme, LISTS, CONTACTING, ACTOR, policy=policy)
    assert out.persons[0].lead_status_id == CONTACTING


def test_r8_table_judges_a_first_status_as_a_move_from_no_status() -> None:
    acme = company(LEAD)
    policy = LeadPolicy(TransitionTable({"open": frozenset({"contacting"})}))
    with pytest.raises(TransitionRefused, match="a new lead cannot start at 'Qualified'"):
        create_person(new_person(1, acme), acme, LISTS, ACTOR, status_id=QUALIFIED, policy=policy)
    default = create_person(new_person(1, acme), acme, LISTS, ACTOR, policy=policy)
    assert default.persons[0].lead_status_id == OPEN
    listed = LeadPolicy(
        TransitionTable({"open": frozenset({"contacting"})}, first=frozenset({"qualified"}))
    )
    out = create_person(new_person(1, acme), acme, LISTS, ACTOR, status_id=QUALIFIED, policy=listed)
    assert out.persons[0].lead_status_id == QUALIFIED
    assert (out.history[0].from_status, out.history[0].to_status) == (None, QUALIFIED)


def test_r8_reason_required_and_recorded() -> None:
    acme = company(LEAD)
    ann = created(1, acme)
    policy = LeadPolicy(ReasonRequired())
    with pytest.raises(TransitionRefused, match="needs a reason"):
        set_lead_status(ann, acme, LISTS, DISQUALIFIED, ACTOR, policy=policy)
    out = set_lead_status(ann, acme, LISTS, DISQUALIFIED, ACTOR, reason="Student", policy=policy)
    assert out.history[0].reason == "Student"


def test_r8_forward_only_and_all_of() -> None:
    acme = company(LEAD)
    ann = with_status(created(1, acme), acme, QUALIFIED)
    policy = LeadPolicy(AllOf((ForwardOnly(), ReasonRequired())))
    with pytest.raises(TransitionRefused, match="forward-only"):
        set_lead_status(ann, acme, LISTS, CONTACTING, ACTOR, policy=policy)
    with pytest.raises(TransitionRefused, match="reason-required"):
        set_lead_status(ann, acme, LISTS, DISQUALIFIED, ACTOR, policy=policy)


def test_r8_policies_check_a_chosen_first_status() -> None:
    acme = company(LEAD)
    policy = LeadPolicy(ReasonRequired())
    with pytest.raises(TransitionRefused):
        create_person(
            new_person(1, acme), acme, LISTS, ACTOR, status_id=DISQUALIFIED, policy=policy
        )
    out = create_person(
        new_person(1, acme),
        acme,
        LISTS,
        ACTOR,
        status_id=DISQUALIFIED,
        reason="Bounced",
        policy=policy,
    )
    assert out.history[0].reason == "Bounced"


def test_r8_policies_do_not_apply_to_default_assignments() -> None:
    acme = company(LEAD)
    strict = LeadPolicy(
        AllOf((ForwardOnly(), ReasonRequired(frozenset({"open"})), TransitionTable({})))
    )
    out = create_person(new_person(1, acme), acme, LISTS, ACTOR, policy=strict)
    assert out.persons[0].lead_status_id == OPEN
    hidden, ann = _hidden_qualified()
    revealed = change_company_category(hidden, [ann], LISTS, LEAD, ACTOR, policy=strict)
    assert revealed.persons[0].lead_status_id == OPEN


# --- R10 next category ---------------------------------------------------------------------------


def test_r10_next_category_by_rank() -> None:
    assert next_category(CATEGORIES, LEAD).id == MQL
    assert next_category(CATEGORIES, MQL).id == OPPORTUNITY
    assert next_category(CATEGORIES, None).id == LEAD


def test_r10_next_skips_deleted_and_follows_rank_not_id() -> None:
    categories = CATEGORIES.delete(MQL)
    assert next_category(categories, LEAD).id == OPPORTUNITY
    assert next_category(categories, MQL).id == OPPORTUNITY
    ids = [c.id for c in CATEGORIES]
    reordered = CATEGORIES.reorder([ids[2], ids[0], *ids[3:], ids[1]])
    assert next_category(reordered, OPPORTUNITY).id == LEAD


def test_r10_refused_at_the_last_category() -> None:
    last = list(CATEGORIES)[-1]
    with pytest.raises(LastCategoryError, match="no category after 'Other'") as err:
        next_category(CATEGORIES, last.id)
    assert err.value.rule == "R10"
    assert "reorder the category list" in str(err.value)


def test_r10_move_company_to_next_category_cascades() -> None:
    acme, ann = _qualified_lead()
    out = move_company_to_next_category(acme, [ann], LISTS, ACTOR)
    acme = out.companies[0]
    assert acme.category_id == MQL
    assert out.history == ()
    out = move_company_to_next_category(acme, [ann], LISTS, ACTOR)
    assert out.companies[0].category_id == OPPORTUNITY
    assert [e.kind for e in out.history] == [HistoryKind.HIDE]


def test_r10_move_at_the_last_changes_nothing() -> None:
    last = company(list(CATEGORIES)[-1].id)
    with pytest.raises(LastCategoryError):
        move_company_to_next_category(last, [], LISTS, ACTOR)


# --- history ------------------------------------------------------------------------------------


def test_history_of_a_whole_story_replays_to_the_stored_status() -> None:
    log: list[HistoryEntry] = []
    acme = company(LEAD)
    first = create_person(new_person(1, acme), acme, LISTS, ACTOR)
    log += first.history
    ann = first.persons[0]
    step = set_lead_status(ann, acme, LISTS, QUALIFIED, ACTOR)
    log += step.history
    ann = step.persons[0]
    step = change_company_category(acme, [ann], LISTS, CUSTOMER, ACTOR)
    log += step.history
    acme = step.companies[0]
    step = change_company_category(acme, [ann], LISTS, LEAD, ACTOR)
    log += step.history
    ann = step.persons[0]
    assert [e.kind for e in log] == [
        HistoryKind.CHANGE,
        HistoryKind.CHANGE,
        HistoryKind.HIDE,
        HistoryKind.REVEAL,
    ]
    assert replay(log) == {ann.id: ann.lead_status_id} == {ann.id: OPEN}
