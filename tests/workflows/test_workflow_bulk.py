"""Bulk update: every change and skip reason, batches, progress, stop, conflicts, failures,
and the laws: apply then history replay gives the stored statuses; the preview's
changed set is what apply changes on the same state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadcore import (
    FeatureNotLicensed,
    InactiveOwnerError,
    LeadService,
    NotFoundError,
    ValidationError,
)
from leadcore.adapters.memory import InMemoryStore
from leadcore.clock import FixedClock, SequentialIds
from leadcore.criteria.build import condition
from leadcore.criteria.fields import Entity
from leadcore.errors import BulkFailed, DeletedItemError
from leadcore.history import StatusSource, replay
from leadcore.licence import Feature, Licence
from leadcore.lists import Lists, new_database
from leadcore.model import AssociateId, CategoryId, CompanyId, LeadStatusId, PersonId
from leadcore.policies import (
    ForwardOnly,
    LeadPolicy,
    Permissive,
    ReasonRequired,
    TransitionPolicy,
)
from leadcore.ports import UnitOfWork
from leadcore.workflows import (
    BulkLog,
    BulkProgress,
    BulkScope,
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

AT = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
CATS, STATUSES = new_database()
LEAD = CATS.by_name("Lead").id
MQL = CATS.by_name("Marketing qualified lead").id
OPPORTUNITY = CATS.by_name("Opportunity").id
CUSTOMER = CATS.by_name("Customer").id
OPEN, CONTACTING, QUALIFIED = (STATUSES.by_key(k).id for k in ("open", "contacting", "qualified"))
DISQUALIFIED = STATUSES.by_key("disqualified").id


def service(**kwargs: object) -> LeadService:
    return LeadService.in_memory(clock=FixedClock(AT), **kwargs)  # type: ignore[arg-type]


def test_set_status_changes_visible_persons_and_logs_every_skip_with_its_reason() -> None:
    s = service()
    acme = s.companies.add("Acme", category_id=LEAD)
    bolt = s.companies.add("Bolt", category_id=CUSTOMER)
    ann = s.persons.add("Ann", company_id=acme.id)
    done = s.persons.add("Dan", company_id=acme.id, status_id=QUALIFIED)
    old = s.persons.add("Old", company_id=acme.id, retired=True)
    hid = s.persons.add("Hid", company_id=bolt.id)
    scope = BulkScope.of_ids(
        persons=[ann.id, done.id, old.id, hid.id, PersonId(99)], companies=[acme.id]
    )
    log = s.bulk.apply(scope, SetLeadStatus(QUALIFIED))
    assert [(str(c.record), c.before, c.after) for c in log.changed] == [
        (f"person {ann.id}", OPEN, QUALIFIED)
    ]
    reasons = {str(k.record): k.reason for k in log.skipped}
    assert reasons == {
        f"company {acme.id}": SkipReason.NOT_APPLICABLE,
        f"person {done.id}": SkipReason.UNCHANGED,
        f"person {old.id}": SkipReason.RETIRED,
        f"person {hid.id}": SkipReason.HIDDEN_STATUS,
        "person 99": SkipReason.NOT_FOUND,
    }
    assert log.complete
    assert not log.stopped
    assert log.pending == ()
    assert s.persons.get(ann.id).lead_status_id == QUALIFIED
    assert s.persons.get(old.id).lead_status_id == OPEN
    entry = s.persons.history(ann.id)[-1]
    assert (entry.source, entry.from_status, entry.to_status) == (
        StatusSource.BULK,
        OPEN,
        QUALIFIED,
    )


def test_transition_refused_by_the_policy_is_a_skip_and_changes_nothing() -> None:
    s = service(policy=LeadPolicy(transitions=ForwardOnly()))
    acme = s.companies.add("Acme", category_id=LEAD)
    ahead = s.persons.add("Ann", company_id=acme.id, status_id=QUALIFIED)
    behind = s.persons.add("Bo", company_id=acme.id)
    log = s.bulk.apply(BulkScope.of_ids(persons=[ahead.id, behind.id]), SetLeadStatus(CONTACTING))
    assert log.changed_records == {RecordRef.person(behind.id)}
    assert [(k.record.id, k.reason) for k in log.skipped] == [
        (ahead.id, SkipReason.TRANSITION_REFUSED)
    ]
    assert "forward-only" in log.skipped[0].detail
    assert s.persons.get(ahead.id).version == ahead.version


def test_a_reason_reaches_the_policy_and_the_history() -> None:
    s = service(policy=LeadPolicy(transitions=ReasonRequired()))
    acme = s.companies.add("Acme", category_id=LEAD)
    ann = s.persons.add("Ann", company_id=acme.id)
    scope = BulkScope.of_ids(persons=[ann.id])
    refused = s.bulk.apply(scope, SetLeadStatus(DISQUALIFIED))
    assert refused.skip_counts() == {SkipReason.TRANSITION_REFUSED: 1}
    s.bulk.apply(scope, SetLeadStatus(DISQUALIFIED, reason="no budget"))
    assert s.persons.history(ann.id)[-1].reason == "no budget"


def test_without_the_lead_status_licence_every_person_is_skipped_for_licence() -> None:
    s = service(licence=Licence.of(Feature.MARKETING_PREMIUM))
    acme = s.companies.add("Acme", category_id=LEAD)
    ann = s.persons.add("Ann", company_id=acme.id)
    log = s.bulk.apply(BulkScope.of_ids(persons=[ann.id]), SetLeadStatus(QUALIFIED))
    assert log.changed == ()
    assert log.skip_counts() == {SkipReason.LICENCE: 1}
    assert "lead-status" in log.skipped[0].detail


def test_clear_status_clears_visible_ones_and_replay_agrees() -> None:
    s = service()
    acme = s.companies.add("Acme", category_id=LEAD)
    bolt = s.companies.add("Bolt", category_id=LEAD)
    ann = s.persons.add("Ann", company_id=acme.id)
    hid = s.persons.add("Hid", company_id=bolt.id)
    s.companies.change_category(bolt.id, CUSTOMER)
    log = s.bulk.apply(BulkScope.of_ids(persons=[ann.id, hid.id]), ClearLeadStatus())
    assert [(c.record.id, c.before, c.after) for c in log.changed] == [(ann.id, OPEN, None)]
    assert [k.reason for k in log.skipped] == [SkipReason.HIDDEN_STATUS]
    assert s.persons.get(ann.id).lead_status_id is None
    assert replay(s.persons.history(ann.id)) == {ann.id: None}
    again = s.bulk.apply(BulkScope.of_ids(persons=[ann.id]), ClearLeadStatus())
    assert again.skip_counts() == {SkipReason.UNCHANGED: 1}


def test_set_owner_on_persons_and_companies_refuses_an_inactive_owner_up_front() -> None:
    s = service()
    ann = s.associates.add("Ann")
    gone = s.associates.add("Gone")
    s.associates.retire(gone.id)
    acme = s.companies.add("Acme")
    bo = s.persons.add("Bo", company_id=acme.id)
    scope = BulkScope.of_ids(persons=[bo.id], companies=[acme.id])
    with pytest.raises(InactiveOwnerError):
        s.bulk.apply(scope, SetOwner(gone.id))
    with pytest.raises(InactiveOwnerError):
        s.bulk.preview(scope, SetOwner(AssociateId(77)))
    log = s.bulk.apply(scope, SetOwner(ann.id))
    assert [str(c.record) for c in log.changed] == [f"company {acme.id}", f"person {bo.id}"]
    assert s.companies.get(acme.id).owner_id == ann.id == s.persons.get(bo.id).owner_id
    cleared = s.bulk.apply(scope, SetOwner(None))
    assert len(cleared.changed) == 2
    assert s.persons.get(bo.id).owner_id is None


def test_set_company_category_cascades_and_persons_with_a_company_are_refused_r3() -> None:
    s = service()
    acme = s.companies.add("Acme", category_id=LEAD)
    ann = s.persons.add("Ann", company_id=acme.id)
    solo = s.persons.add("Solo")
    scope = BulkScope.of_ids(persons=[ann.id, solo.id], companies=[acme.id])
    log = s.bulk.apply(scope, SetCompanyCategory(CUSTOMER))
    assert log.changed_records == {RecordRef.company(acme.id), RecordRef.person(solo.id)}
    assert [k.reason for k in log.skipped] == [SkipReason.INHERITED_CATEGORY]
    assert [e.kind.value for e in s.persons.history(ann.id)][-1] == "hide"
    assert s.persons.history(ann.id)[-1].source is StatusSource.BULK
    assert s.persons.get(solo.id).own_category_id == CUSTOMER


def test_bad_arguments_are_refused_before_anything_is_written() -> None:
    s = service()
    acme = s.companies.add("Acme", category_id=LEAD)
    s.persons.add("Ann", company_id=acme.id)
    scope = BulkScope.of_criteria(condition("person.first_name", "equals", "Ann"))
    with pytest.raises(NotFoundError):
        s.bulk.apply(scope, SetLeadStatus(LeadStatusId(99)))
    s.categories.delete(MQL)
    with pytest.raises(DeletedItemError):
        s.bulk.apply(BulkScope.of_ids(companies=[acme.id]), SetCompanyCategory(MQL))
    with pytest.raises(ValidationError):
        s.bulk.apply(scope, SetLeadStatus(QUALIFIED), batch_size=0)
    with pytest.raises(ValidationError):
        BulkScope(persons=(PersonId(1),), criteria=condition("person.retired", "is_true"))
    assert s.companies.get(acme.id).version == 1


def test_scopes_of_criteria_and_selections() -> None:
    s = service()
    acme = s.companies.add("Acme", category_id=LEAD)
    ids = [
        s.persons.add(name, "Berg" if name < "C" else "Dahl", company_id=acme.id).id
        for name in ("Ann", "Bo", "Cy", "Di")
    ]
    bergs = condition("person.last_name", "equals", "Berg")
    assert s.bulk.preview(
        BulkScope.of_criteria(bergs), SetLeadStatus(QUALIFIED)
    ).changed_records == {RecordRef.person(i) for i in ids[:2]}
    selection = s.selections.create_static("two", persons=ids[1:3])
    log = s.bulk.apply(BulkScope.of_selection(selection.id), SetLeadStatus(QUALIFIED))
    assert log.changed_records == {RecordRef.person(i) for i in ids[1:3]}
    companies = BulkScope.of_criteria(condition("company.name", "equals", "Acme"), Entity.COMPANY)
    assert s.bulk.preview(companies, SetCompanyCategory(CUSTOMER)).changed_records == {
        RecordRef.company(acme.id)
    }


def _people(s: LeadService, n: int) -> list[PersonId]:
    acme = s.companies.add("Acme", category_id=LEAD)
    return [s.persons.add(f"P{k}", company_id=acme.id).id for k in range(n)]


def test_progress_after_each_batch_and_stop_between_batches() -> None:
    s = service()
    ids = _people(s, 7)
    seen: list[BulkProgress] = []
    log = s.bulk.apply(
        BulkScope.of_ids(persons=ids),
        SetLeadStatus(CONTACTING),
        batch_size=3,
        progress=seen.append,
        stop=lambda: len(seen) >= 2,
    )
    assert [(p.batch, p.batches, p.done, p.total) for p in seen] == [(1, 3, 3, 7), (2, 3, 6, 7)]
    assert log.stopped
    assert log.batches_committed == 2
    assert not log.complete
    assert log.pending == (RecordRef.person(ids[6]),)
    stored = {i: s.persons.get(i).lead_status_id for i in ids}
    assert {i for i, v in stored.items() if v == CONTACTING} == {c.record.id for c in log.changed}
    assert stored[ids[6]] == OPEN


def test_a_failure_in_a_batch_raises_with_the_log_of_the_batches_that_stand(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = service()
    ids = _people(s, 5)
    from leadcore import rules

    real = rules.set_lead_status
    calls = []

    def failing(*args: object, **kwargs: object) -> rules.Outcome:
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rules, "set_lead_status", failing)
    with pytest.raises(BulkFailed) as caught:
        s.bulk.apply(BulkScope.of_ids(persons=ids), SetLeadStatus(QUALIFIED), batch_size=2)
    log: BulkLog = caught.value.log
    assert log.batches_committed == 1
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert log.changed_records == {RecordRef.person(ids[0]), RecordRef.person(ids[1])}
    assert [s.persons.get(i).lead_status_id for i in ids] == [QUALIFIED] * 2 + [OPEN] * 3


class Interfering:
    """A unit-of-work factory whose first ``times`` commits are preceded by another
    writer saving ``victim`` (so those commits meet a conflict)."""

    def __init__(self, store: InMemoryStore, victim: PersonId, times: int) -> None:
        self.store, self.victim, self.times = store, victim, times

    def __call__(self) -> UnitOfWork:
        return cast(UnitOfWork, _InterferingUnit(self))


class _InterferingUnit:
    def __init__(self, owner: Interfering) -> None:
        self._owner = owner
        self._inner = owner.store.unit_of_work()

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def __enter__(self) -> Self:
        self._inner.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._inner.__exit__(kind, exc, tb)

    def commit(self) -> None:
        owner = self._owner
        if owner.times > 0:
            owner.times -= 1
            with owner.store.unit_of_work() as other:  # same thread: the store lock is reentrant
                person = other.persons.get(owner.victim)
                other.persons.save(person)
                other.commit()
        self._inner.commit()


def _interfered(times: int) -> tuple[LeadService, list[PersonId], Interfering]:
    store = InMemoryStore(Lists(CATS, STATUSES))
    plain = LeadService(store.unit_of_work, clock=FixedClock(AT), ids=SequentialIds())
    ids = _people(plain, 4)
    factory = Interfering(store, ids[1], times)
    return LeadService(factory, clock=FixedClock(AT), ids=SequentialIds()), ids, factory


def test_a_conflict_is_retried_once_from_fresh_reads() -> None:
    s, ids, factory = _interfered(times=1)
    log = s.bulk.apply(BulkScope.of_ids(persons=ids), SetLeadStatus(QUALIFIED))
    assert factory.times == 0
    assert len(log.changed) == 4
    assert log.skipped == ()
    assert all(s.persons.get(i).lead_status_id == QUALIFIED for i in ids)


def test_a_record_conflicting_again_is_skipped_as_changed_by_someone_else() -> None:
    s, ids, _ = _interfered(times=2)
    log = s.bulk.apply(BulkScope.of_ids(persons=ids), SetLeadStatus(QUALIFIED))
    assert [(k.record.id, k.reason.value) for k in log.skipped] == [
        (ids[1], "changed by someone else")
    ]
    assert log.changed_records == {RecordRef.person(i) for i in ids if i != ids[1]}
    assert s.persons.get(ids[1]).lead_status_id == OPEN


def test_a_writer_that_keeps_interfering_costs_only_its_record() -> None:
    s, ids, factory = _interfered(times=10)
    log = s.bulk.apply(BulkScope.of_ids(persons=ids), SetLeadStatus(QUALIFIED), batch_size=2)
    assert [(k.record.id, k.reason, k.batch) for k in log.skipped] == [
        (ids[1], SkipReason.CONFLICT, 1)
    ]
    assert log.complete
    assert len(log.changed) == 3
    assert factory.times < 10 - 2, "the other writer never got in: the test tested nothing"


def test_bulk_status_fires_the_lead_status_rule_and_later_persons_see_the_move() -> None:
    s = service()
    s.automation.add_rule(Trigger.lead_status_set(QUALIFIED), OPPORTUNITY)
    acme = s.companies.add("Acme", category_id=LEAD)
    first, second = (s.persons.add(n, company_id=acme.id).id for n in ("Ann", "Bo"))
    preview = s.bulk.preview(BulkScope.of_ids(persons=[first, second]), SetLeadStatus(QUALIFIED))
    log = s.bulk.apply(BulkScope.of_ids(persons=[first, second]), SetLeadStatus(QUALIFIED))
    assert preview.changed == log.changed
    assert preview.skipped == log.skipped
    assert log.changed_records == {RecordRef.person(first)}
    assert [k.reason for k in log.skipped] == [SkipReason.HIDDEN_STATUS]  # moved by the rule
    assert [a.decision.value for a in log.automation] == ["applied"]
    assert s.companies.get(acme.id).category_id == OPPORTUNITY
    assert s.persons.history(second)[-1].source is StatusSource.AUTOMATION


def test_distribute_owners_as_a_bulk_change_skips_retired_persons_without_using_a_turn() -> None:
    s = service()
    ann, bo = s.associates.add("Ann"), s.associates.add("Bo")
    ids = [s.persons.add(f"P{k}", retired=k == 1).id for k in range(4)]
    log = s.bulk.apply(
        BulkScope.of_ids(persons=ids), DistributeOwners(Distribute(associates=(ann.id, bo.id)))
    )
    assert [(c.record.id, c.after) for c in log.changed] == [
        (ids[0], ann.id),
        (ids[2], bo.id),
        (ids[3], ann.id),
    ]
    assert [k.reason for k in log.skipped] == [SkipReason.RETIRED]


# --- the laws ------------------------------------------------------------------------------

POLICIES: st.SearchStrategy[TransitionPolicy] = st.sampled_from(
    [Permissive(), ForwardOnly(), ReasonRequired()]
)
CATEGORY_CHOICES = [LEAD, MQL, OPPORTUNITY, CUSTOMER, None]


@st.composite
def states(draw: st.DrawFn) -> tuple[LeadService, list[PersonId], list[int]]:
    """A service with a few companies in varied categories, persons with varied statuses
    (some retired, some without company), and maybe an automation rule."""
    s = service(policy=LeadPolicy(transitions=draw(POLICIES)))
    associates = [s.associates.add(f"A{k}").id for k in range(2)]
    if draw(st.booleans()):
        s.automation.add_rule(
            Trigger.lead_status_set(draw(st.sampled_from([CONTACTING, QUALIFIED]))),
            draw(st.sampled_from([OPPORTUNITY, MQL, CUSTOMER])),
            confirm=draw(st.booleans()),
        )
    companies = [
        s.companies.add(
            f"C{k}", category_id=draw(st.sampled_from([LEAD, MQL, OPPORTUNITY, CUSTOMER]))
        ).id
        for k in range(draw(st.integers(1, 3)))
    ]
    persons: list[PersonId] = []
    for k in range(draw(st.integers(1, 8))):
        company = draw(st.sampled_from([*companies, None]))
        own = None if company is not None else draw(st.sampled_from(CATEGORY_CHOICES))
        person = s.persons.add(
            f"P{k}",
            company_id=company,
            category_id=own,
            retired=draw(st.booleans()) and draw(st.booleans()),
        )
        if s.persons.lead_status_view(person.id).editable and draw(st.booleans()):
            s.persons.set_lead_status(
                person.id, draw(st.sampled_from([CONTACTING, QUALIFIED])), reason="because"
            )
        persons.append(person.id)
    if draw(st.booleans()):  # hide some statuses after the fact
        s.companies.change_category(companies[0], draw(st.sampled_from([CUSTOMER, OPPORTUNITY])))
    return s, persons, [*companies, *associates]


CHANGES = st.one_of(
    st.builds(
        SetLeadStatus,
        st.sampled_from([OPEN, CONTACTING, QUALIFIED, DISQUALIFIED]),
        st.sampled_from([None, "why not"]),
    ),
    st.just(ClearLeadStatus()),
    st.builds(SetCompanyCategory, st.sampled_from([CategoryId(c) for c in (LEAD, CUSTOMER)])),
    st.builds(SetOwner, st.sampled_from([AssociateId(1), AssociateId(2), None])),
    st.just(DistributeOwners(Distribute(associates=(1, 2)))),
)


@given(state=states(), change=CHANGES, batch_size=st.integers(1, 4), data=st.data())
def test_preview_changes_exactly_what_apply_changes_on_the_same_state(
    state: tuple[LeadService, list[PersonId], list[int]],
    change: SetLeadStatus,
    batch_size: int,
    data: st.DataObject,
) -> None:
    s, persons, companies = state
    chosen = data.draw(st.lists(st.sampled_from(persons), max_size=8))
    scope = BulkScope.of_ids(persons=chosen, companies=[CompanyId(c) for c in companies[:1]])
    preview = s.bulk.preview(scope, change, batch_size=batch_size)
    before = [s.persons.get(p) for p in persons]
    assert before == [s.persons.get(p) for p in persons]  # the preview wrote nothing
    log = s.bulk.apply(scope, change, batch_size=batch_size)
    assert preview.changed_records == log.changed_records
    assert preview.changed == log.changed
    assert preview.skipped == log.skipped
    assert preview.batches == log.batches_total == log.batches_committed
    assert len(log.changed) + len(log.skipped) == len(set(chosen)) + 1


@given(state=states(), change=CHANGES, batch_size=st.integers(1, 4))
def test_apply_then_history_replay_gives_the_stored_statuses(
    state: tuple[LeadService, list[PersonId], list[int]],
    change: SetLeadStatus,
    batch_size: int,
) -> None:
    s, persons, companies = state
    log = s.bulk.apply(
        BulkScope.of_ids(persons=persons, companies=[CompanyId(c) for c in companies[:1]]),
        change,
        batch_size=batch_size,
    )
    with s.context.uow() as uow:
        replayed = replay(uow.history)
    for person_id in persons:
        assert replayed.get(person_id) == s.persons.get(person_id).lead_status_id
    for entry in log.changed:  # the log matches the data: each change holds
        assert entry.after == stored_value(s, entry.record, change)


def stored_value(s: LeadService, record: RecordRef, change: object) -> int | None:
    """The stored value a change of ``change``'s kind sets on ``record``."""
    if record.kind.value == "company":
        company = s.companies.get(CompanyId(record.id))
        return (
            company.owner_id
            if isinstance(change, SetOwner | DistributeOwners)
            else (company.category_id)
        )
    person = s.persons.get(PersonId(record.id))
    if isinstance(change, SetOwner | DistributeOwners):
        return person.owner_id
    if isinstance(change, SetCompanyCategory):
        return person.own_category_id
    return person.lead_status_id


def test_stop_callable_and_progress_are_optional_and_empty_scopes_do_nothing() -> None:
    s = service()
    log = s.bulk.apply(BulkScope.of_ids(), ClearLeadStatus())
    assert (log.batches_total, log.changed, log.skipped, log.complete) == (0, (), (), True)
    stop: Callable[[], bool] = lambda: True  # noqa: E731
    ids = _people(s, 2)
    stopped = s.bulk.apply(BulkScope.of_ids(persons=ids), ClearLeadStatus(), stop=stop)
    assert stopped.stopped
    assert stopped.batches_committed == 0
    assert len(stopped.pending) == 2


def test_a_licence_without_category_automation_still_applies_bulk_status() -> None:
    s = service(licence=Licence.of(Feature.LEAD_STATUS))
    acme = s.companies.add("Acme", category_id=LEAD)
    ann = s.persons.add("Ann", company_id=acme.id)
    with pytest.raises(FeatureNotLicensed):
        s.automation.add_rule(Trigger.sale_sold(), CUSTOMER)
    log = s.bulk.apply(BulkScope.of_ids(persons=[ann.id]), SetLeadStatus(QUALIFIED))
    assert log.changed_records == {RecordRef.person(ann.id)}
    assert log.automation == ()


def test_a_preview_on_the_file_store_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with LeadService.in_memory(path=path, clock=FixedClock(AT)) as s:
        ids = _people(s, 3)
        s.automation.add_rule(Trigger.lead_status_set(QUALIFIED), CUSTOMER, confirm=True)
        files = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.suffix != ".lock"}
        preview = s.bulk.preview(BulkScope.of_ids(persons=ids), SetLeadStatus(QUALIFIED))
        assert len(preview.changed) == 3
        assert [a.decision.value for a in preview.automation] == ["suggested"]
        assert s.automation.suggestions() == []
        after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.suffix != ".lock"}
        assert after == files
