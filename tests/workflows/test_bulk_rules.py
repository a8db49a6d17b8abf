"""The pure decisions of a bulk update (leadcore.workflows.bulk.BulkRules, owner_turns),
without a store: every change and skip reason for one record, what the decision needs
read, the automation trigger, and the laws of the owners' round robin."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadcore.errors import ValidationError
from leadcore.history import HistoryEntry, HistoryKind, StatusSource
from leadcore.lists import Lists, new_database
from leadcore.model import AssociateId, CategoryId, Company, CompanyId, Person, PersonId
from leadcore.policies import ForwardOnly, LeadPolicy
from leadcore.rules import Actor
from leadcore.workflows import (
    ClearLeadStatus,
    Distribute,
    DistributeOwners,
    RecordRef,
    SetCompanyCategory,
    SetLeadStatus,
    SetOwner,
    SkipReason,
    Trigger,
)
from leadcore.workflows.automation import AutomationRule, AutomationRules
from leadcore.workflows.bulk import BulkRules, BulkStep, RecordChange, RecordSkip, owner_turns

AT = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
CATS, STATUSES = new_database()
LISTS = Lists(CATS, STATUSES)
LEAD, CUSTOMER = CATS.by_name("Lead").id, CATS.by_name("Customer").id
OPEN, CONTACTING, QUALIFIED = (STATUSES.by_key(k).id for k in ("open", "contacting", "qualified"))
ACTOR = Actor(AT, AssociateId(5), StatusSource.BULK)
ACME = Company(CompanyId(1), "Acme", LEAD, AT, AT)
BOLT = Company(CompanyId(2), "Bolt", CUSTOMER, AT, AT)


def person(
    person_id: int, at: Company | None = ACME, *, status: int | None = OPEN, **kwargs: object
) -> Person:
    return Person(
        PersonId(person_id),
        None if at is None else at.id,
        f"P{person_id}",
        "",
        AT,
        AT,
        lead_status_id=None if status is None else STATUSES.get(status).id,
        **kwargs,  # type: ignore[arg-type]
    )


def ref(person_id: int) -> RecordRef:
    return RecordRef.person(person_id)


def skipped(step: BulkStep) -> SkipReason:
    assert isinstance(step, RecordSkip), step
    return step.reason


def changed(step: BulkStep) -> RecordChange:
    assert isinstance(step, RecordChange), step
    return step


def test_set_lead_status_changes_a_visible_person_and_skips_with_every_reason() -> None:
    rules = BulkRules(SetLeadStatus(QUALIFIED), LISTS, ACTOR)
    ann = person(1)
    step = changed(rules.for_person(ref(1), ann, ACME))
    assert (step.before, step.after, step.trigger) == (OPEN, QUALIFIED, None)
    assert step.outcome.persons[0].lead_status_id == QUALIFIED
    (entry,) = step.outcome.history
    assert (entry.source, entry.by, entry.at) == (StatusSource.BULK, AssociateId(5), AT)
    assert skipped(rules.for_person(ref(1), step.outcome.persons[0], ACME)) is SkipReason.UNCHANGED
    assert skipped(rules.for_person(ref(9), None)) is SkipReason.NOT_FOUND
    assert skipped(rules.for_person(ref(2), person(2, retired=True), ACME)) is SkipReason.RETIRED
    hidden = person(3, BOLT)
    assert skipped(rules.for_person(ref(3), hidden, BOLT)) is SkipReason.HIDDEN_STATUS
    unlicensed = BulkRules(SetLeadStatus(QUALIFIED), LISTS, ACTOR, lead_status=False)
    assert skipped(unlicensed.for_person(ref(1), ann, ACME)) is SkipReason.LICENCE
    company = rules.for_company(RecordRef.company(1), ACME)
    assert skipped(company) is SkipReason.NOT_APPLICABLE


def test_the_transition_policy_refuses_with_its_reason() -> None:
    forward = BulkRules(
        SetLeadStatus(CONTACTING), LISTS, ACTOR, LeadPolicy(transitions=ForwardOnly())
    )
    step = forward.for_person(ref(1), person(1, status=QUALIFIED), ACME)
    assert isinstance(step, RecordSkip)
    assert step.reason is SkipReason.TRANSITION_REFUSED
    assert "forward-only" in step.detail


def test_a_status_set_triggers_the_automation_only_where_a_rule_and_a_company_exist() -> None:
    rule = AutomationRule(Trigger.lead_status_set(QUALIFIED), CUSTOMER)
    rules = BulkRules(SetLeadStatus(QUALIFIED), LISTS, ACTOR, automation=AutomationRules((rule,)))
    assert changed(rules.for_person(ref(1), person(1), ACME)).trigger == rule.trigger
    no_company = person(2, None, own_category_id=LEAD)
    assert changed(rules.for_person(ref(2), no_company, None)).trigger is None
    other = BulkRules(SetLeadStatus(CONTACTING), LISTS, ACTOR, automation=AutomationRules((rule,)))
    assert changed(other.for_person(ref(1), person(1), ACME)).trigger is None


def test_clear_lead_status_records_a_change_to_none() -> None:
    rules = BulkRules(ClearLeadStatus(), LISTS, ACTOR)
    step = changed(rules.for_person(ref(1), person(1), ACME))
    assert (step.before, step.after) == (OPEN, None)
    cleared = step.outcome.persons[0]
    assert (cleared.lead_status_id, cleared.status_changed, cleared.updated) == (None, AT, AT)
    assert step.outcome.events == (
        HistoryEntry(PersonId(1), HistoryKind.CHANGE, OPEN, None, AT, ACTOR.by, StatusSource.BULK),
    )
    assert skipped(rules.for_person(ref(2), person(2, status=None), ACME)) is SkipReason.UNCHANGED
    assert skipped(rules.for_person(ref(3), person(3, BOLT), BOLT)) is SkipReason.HIDDEN_STATUS


def test_owners_are_set_on_persons_and_companies() -> None:
    rules = BulkRules(SetOwner(AssociateId(7)), LISTS, ACTOR)
    step = changed(rules.for_company(RecordRef.company(1), ACME))
    assert step.outcome.companies[0].owner_id == AssociateId(7)
    assert step.outcome.persons == ()
    owned = person(1, owner_id=AssociateId(7))
    assert skipped(rules.for_person(ref(1), owned)) is SkipReason.UNCHANGED
    assert skipped(rules.for_company(RecordRef.company(3), None)) is SkipReason.NOT_FOUND
    turns = BulkRules(DistributeOwners(Distribute(associates=(8,))), LISTS, ACTOR)
    assert changed(turns.for_person(ref(1), person(1), owner=AssociateId(8))).after == 8
    with pytest.raises(ValidationError, match="no owner to distribute"):
        turns.for_person(ref(1), person(1))


def test_company_category_moves_a_company_with_its_persons_and_a_lone_persons_own() -> None:
    rules = BulkRules(SetCompanyCategory(CUSTOMER), LISTS, ACTOR)
    ann = person(1)
    assert rules.needs_persons(ACME)
    assert not rules.needs_persons(BOLT)
    step = changed(rules.for_company(RecordRef.company(1), ACME, [ann]))
    assert (step.before, step.after) == (LEAD, CUSTOMER)
    assert [h.kind for h in step.outcome.history] == [HistoryKind.HIDE]
    assert skipped(rules.for_company(RecordRef.company(2), BOLT)) is SkipReason.UNCHANGED
    assert skipped(rules.for_person(ref(1), ann)) is SkipReason.INHERITED_CATEGORY
    alone = person(2, None, status=None, own_category_id=LEAD)
    step = changed(rules.for_person(ref(2), alone))
    assert (step.before, step.after) == (LEAD, CUSTOMER)
    moved = step.outcome.persons[0]
    assert skipped(rules.for_person(ref(2), moved)) is SkipReason.UNCHANGED


def test_what_a_decision_needs_read() -> None:
    status = BulkRules(SetLeadStatus(QUALIFIED), LISTS, ACTOR)
    assert status.needs_company(person(1))
    assert not status.needs_company(person(2, None))
    assert not status.needs_company(person(3, retired=True))
    assert not BulkRules(SetLeadStatus(QUALIFIED), LISTS, ACTOR, lead_status=False).needs_company(
        person(1)
    )
    assert not BulkRules(SetOwner(None), LISTS, ACTOR).needs_company(person(1))
    assert not BulkRules(SetOwner(None), LISTS, ACTOR).needs_persons(ACME)
    assert RecordSkip.conflict(ref(4)).reason is SkipReason.CONFLICT


def test_owner_turns_skip_missing_retired_and_conflicted_records_and_continue_after_the_last() -> (
    None
):
    people = {PersonId(1): person(1), PersonId(2): person(2, retired=True), PersonId(3): person(3)}
    refs = [RecordRef.company(1), RecordRef.company(9), ref(1), ref(2), ref(3), ref(4)]
    pool = (AssociateId(7), AssociateId(8))
    turns = owner_turns(refs, people, {ACME.id: ACME}, pool, AssociateId(7))
    assert turns == [8, None, 7, None, 8, None]
    conflicted = owner_turns(refs, people, {ACME.id: ACME}, pool, None, conflicted={ref(1)})
    assert conflicted == [7, None, None, None, 8, None]


@given(
    takers=st.integers(0, 40),
    pool=st.lists(st.integers(1, 9), min_size=1, max_size=5, unique=True).map(sorted),
    last=st.none() | st.integers(1, 9),
)
def test_owner_turns_are_even_and_go_round_in_order(
    takers: int, pool: list[int], last: int | None
) -> None:
    people = {PersonId(i): person(i) for i in range(1, takers + 1)}
    associates = tuple(AssociateId(a) for a in pool)
    owners = owner_turns(
        [ref(i) for i in range(1, takers + 1)],
        people,
        {},
        associates,
        None if last is None else AssociateId(last),
    )
    assert None not in owners
    assert len(owners) == takers
    counts = [owners.count(a) for a in associates]
    assert max(counts, default=0) - min(counts, default=0) <= 1
    for earlier, later in itertools.pairwise(owners):
        assert later is not None
        assert earlier is not None
        assert associates.index(later) == (associates.index(earlier) + 1) % len(associates)


def test_a_category_change_to_none_is_a_company_change_too() -> None:
    rules = BulkRules(SetCompanyCategory(None), LISTS, ACTOR)
    step = changed(rules.for_company(RecordRef.company(1), ACME, [person(1)]))
    assert step.outcome.companies[0].category_id is None
    assert step.after is None
    assert CategoryId(LEAD) == step.before
