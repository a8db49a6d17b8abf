"""Long random sequences of operations against a small in-test world (issue 2).

The world is a few dicts (companies, persons), the two lists and an
append-only history list; every operation goes through the rules engine and
its :class:`~leadcore.rules.Outcome` is applied to the world. Each rule
predicts whether the engine must refuse, so a refusal is checked to be the
expected typed error, and the world is checked to be unchanged by it. After
every step the invariants of R1-R5 and §6 are checked.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from leadcore.errors import (
    DeletedItemError,
    InheritedCategoryError,
    LastCategoryError,
    LeadcoreError,
    LeadStatusNotEditable,
    ListRuleError,
    TransitionRefused,
    ValidationError,
)
from leadcore.history import HistoryEntry, HistoryKind, StatusSource, replay
from leadcore.lists import CategoryList, LeadStatusList, Lists, new_database
from leadcore.model import (
    CategoryGroup,
    CategoryId,
    Company,
    CompanyId,
    LeadStatusId,
    Person,
    PersonId,
)
from leadcore.policies import LeadPolicy, ReasonRequired, RevealPolicy
from leadcore.rules import (
    Actor,
    Outcome,
    change_company_category,
    create_company,
    create_person,
    effective_category_id,
    is_status_visible,
    move_company_to_next_category,
    move_person,
    recheck_visibility,
    set_lead_status,
    set_person_category,
)

START = datetime(2026, 1, 1, tzinfo=UTC)
PICK = st.integers(min_value=0, max_value=2**16)

Snapshot = tuple[
    CategoryList,
    LeadStatusList,
    dict[CompanyId, Company],
    dict[PersonId, Person],
    tuple[HistoryEntry, ...],
]


K = TypeVar("K", bound=int)


def _pick(keys: list[K], index: int) -> K:
    return sorted(keys)[index % len(keys)]


class LeadWorld(RuleBasedStateMachine):
    """The world: lists, companies, persons, history; one rule per operation."""

    def __init__(self) -> None:
        super().__init__()
        self.categories, self.statuses = new_database()
        self.companies: dict[CompanyId, Company] = {}
        self.persons: dict[PersonId, Person] = {}
        self.history: list[HistoryEntry] = []
        self.policy = LeadPolicy()
        self.ticks = 0
        self.last_id = 0
        # What the invariant saw after the previous step.
        self.seen: dict[PersonId, tuple[bool, LeadStatusId | None]] = {}
        self.seen_history = 0

    # --- helpers -------------------------------------------------------------------------------

    @property
    def lists(self) -> Lists:
        return Lists(self.categories, self.statuses)

    def actor(self) -> Actor:
        self.ticks += 1
        return Actor(START + timedelta(minutes=self.ticks))

    def new_id(self) -> int:
        self.last_id += 1
        return self.last_id

    def company_of(self, person: Person) -> Company | None:
        return None if person.company_id is None else self.companies[person.company_id]

    def visible(self, person: Person, categories: CategoryList | None = None) -> bool:
        return is_status_visible(person, self.company_of(person), categories or self.categories)

    def snapshot(self) -> Snapshot:
        return (
            self.categories,
            self.statuses,
            dict(self.companies),
            dict(self.persons),
            tuple(self.history),
        )

    def apply(self, out: Outcome) -> None:
        for company in out.companies:
            self.companies[company.id] = company
        for person in out.persons:
            self.persons[person.id] = person
        self.history.extend(out.history)

    def refused(
        self, snap: Snapshot, err: LeadcoreError, expected: type[LeadcoreError] | None
    ) -> None:
        """Check a refusal was predicted, is the predicted type, says what to do, changed
        nothing."""
        assert expected is not None, f"unexpected refusal {err!r}"
        assert type(err) is expected, f"expected {expected.__name__}, got {err!r}"
        assert err.fix
        assert self.snapshot() == snap
        event(f"refused: {expected.__name__}")

    def category_id(self, index: int, *, none: bool = False) -> CategoryId | None:
        ids = [c.id for c in self.categories]
        if none and index % (len(ids) + 1) == len(ids):
            return None
        return _pick(ids, index)

    def assignable_category(self, category_id: CategoryId | None) -> bool:
        return category_id is None or not self.categories.get(category_id).deleted

    def persons_under(self, category_id: CategoryId) -> list[tuple[Person, Company | None]]:
        return [
            (p, self.company_of(p))
            for p in self.persons.values()
            if effective_category_id(p, self.company_of(p)) == category_id
        ]

    # --- setup --------------------------------------------------------------------------------

    @initialize(
        reveal=st.sampled_from(RevealPolicy),
        reason_required=st.booleans(),
    )
    def choose_policy(self, reveal: RevealPolicy, reason_required: bool) -> None:
        transitions = ReasonRequired() if reason_required else LeadPolicy().transitions
        self.policy = LeadPolicy(transitions, reveal)
        # Start with a lead company with a person and a person without company, so every
        # rule is enabled from the first step.
        self.create_company(category=0, none=False)  # Lead, the first by id
        self.create_person(0, True, 0, False, 0, False)
        self.create_person(0, False, 0, False, 0, False)

    # --- companies and persons ----------------------------------------------------------------

    @rule(category=PICK, none=st.booleans())
    def create_company(self, category: int, none: bool) -> None:
        category_id = None if none else self.category_id(category)
        now = self.actor().at
        company = Company(CompanyId(self.new_id()), "Co", category_id, now, now)
        snap = self.snapshot()
        try:
            out = create_company(company, self.categories)
        except DeletedItemError as err:
            assert not self.assignable_category(category_id)
            self.refused(snap, err, DeletedItemError)
            return
        assert self.assignable_category(category_id)
        self.apply(out)

    @rule(
        company=PICK,
        with_company=st.booleans(),
        own=PICK,
        with_own=st.booleans(),
        status=PICK,
        with_status=st.booleans(),
    )
    def create_person(
        self,
        company: int,
        with_company: bool,
        own: int,
        with_own: bool,
        status: int,
        with_status: bool,
    ) -> None:
        employer = (
            self.companies[_pick(list(self.companies), company)]
            if with_company and self.companies
            else None
        )
        own_id = self.category_id(own, none=True) if with_own else None
        status_id = _pick([s.id for s in self.statuses], status) if with_status else None
        actor = self.actor()
        person = Person(
            PersonId(self.new_id()),
            None if employer is None else employer.id,
            "P",
            str(self.last_id),
            actor.at,
            actor.at,
            own_category_id=own_id,
        )
        snap = self.snapshot()
        visible = is_status_visible(person, employer, self.categories)
        expected: type[LeadcoreError] | None = None
        if employer is not None and own_id is not None:
            expected = InheritedCategoryError
        elif not self.assignable_category(own_id):
            expected = DeletedItemError
        elif status_id is not None and not visible:
            expected = LeadStatusNotEditable
        elif status_id is not None and self.statuses.get(status_id).deleted:
            expected = DeletedItemError
        elif status_id is not None and self._needs_reason(status_id):
            expected = TransitionRefused
        try:
            out = create_person(
                person, employer, self.lists, actor, status_id=status_id, policy=self.policy
            )
        except LeadcoreError as err:
            self.refused(snap, err, expected)
            return
        assert expected is None, f"expected {expected.__name__}"
        (new,) = out.persons
        if visible:
            wanted = self.statuses.default.id if status_id is None else status_id
            assert new.lead_status_id == wanted
            source = StatusSource.DEFAULT if status_id is None else StatusSource.USER
            assert [(e.kind, e.from_status, e.source) for e in out.history] == [
                (HistoryKind.CHANGE, None, source)
            ]
        else:
            assert new == person
            assert out.events == ()
        self.apply(out)

    def _needs_reason(self, status_id: LeadStatusId) -> bool:
        policy = self.policy.transitions
        return isinstance(policy, ReasonRequired) and self.statuses.get(status_id).key in (
            policy.keys
        )

    @precondition(lambda self: self.persons)
    @rule(person=PICK, status=PICK, reason=st.sampled_from([None, "", "Because"]))
    def set_status(self, person: int, status: int, reason: str | None) -> None:
        target = self.persons[_pick(list(self.persons), person)]
        status_id = _pick([s.id for s in self.statuses], status)
        expected: type[LeadcoreError] | None = None
        if not self.visible(target):
            expected = LeadStatusNotEditable
        elif self.statuses.get(status_id).deleted:
            expected = DeletedItemError
        elif status_id != target.lead_status_id and self._needs_reason(status_id) and not reason:
            expected = TransitionRefused
        snap = self.snapshot()
        try:
            out = set_lead_status(
                target,
                self.company_of(target),
                self.lists,
                status_id,
                self.actor(),
                reason=reason,
                policy=self.policy,
            )
        except LeadcoreError as err:
            self.refused(snap, err, expected)
            return
        assert expected is None, f"expected {expected.__name__}"
        if status_id == target.lead_status_id:
            assert out == Outcome()
        else:
            assert out.persons[0].lead_status_id == status_id
            assert [e.kind for e in out.history] == [HistoryKind.CHANGE]
        self.apply(out)

    @precondition(lambda self: self.companies)
    @rule(company=PICK, category=PICK, none=st.booleans())
    def change_company_category(self, company: int, category: int, none: bool) -> None:
        target = self.companies[_pick(list(self.companies), company)]
        category_id = None if none else self.category_id(category)
        members = [p for p in self.persons.values() if p.company_id == target.id]
        snap = self.snapshot()
        try:
            out = change_company_category(
                target, members, self.lists, category_id, self.actor(), policy=self.policy
            )
        except DeletedItemError as err:
            assert not self.assignable_category(category_id)
            self.refused(snap, err, DeletedItemError)
            return
        assert self.assignable_category(category_id)
        self.apply(out)
        assert self.companies[target.id].category_id == category_id

    @precondition(lambda self: self.companies)
    @rule(company=PICK)
    def move_company_to_next_category(self, company: int) -> None:
        target = self.companies[_pick(list(self.companies), company)]
        members = [p for p in self.persons.values() if p.company_id == target.id]
        current = target.category_id
        later = [
            c
            for c in self.categories.active()
            if current is None or (c.rank, c.id) > (self.categories.get(current).rank, current)
        ]
        snap = self.snapshot()
        try:
            out = move_company_to_next_category(
                target, members, self.lists, self.actor(), policy=self.policy
            )
        except LastCategoryError as err:
            assert later == []
            self.refused(snap, err, LastCategoryError)
            return
        self.apply(out)
        assert self.companies[target.id].category_id == later[0].id

    @precondition(lambda self: self.persons)
    @rule(person=PICK, category=PICK)
    def set_person_category(self, person: int, category: int) -> None:
        target = self.persons[_pick(list(self.persons), person)]
        category_id = self.category_id(category, none=True)
        snap = self.snapshot()
        expected: type[LeadcoreError] | None = None
        if target.company_id is not None:
            expected = InheritedCategoryError
        elif not self.assignable_category(category_id):
            expected = DeletedItemError
        try:
            out = set_person_category(
                target, self.lists, category_id, self.actor(), policy=self.policy
            )
        except LeadcoreError as err:
            self.refused(snap, err, expected)
            return
        assert expected is None, f"expected {expected.__name__}"
        self.apply(out)
        assert self.persons[target.id].own_category_id == category_id

    @precondition(lambda self: self.persons)
    @rule(
        person=PICK,
        company=PICK,
        leave=st.booleans(),
        own=PICK,
        with_own=st.booleans(),
    )
    def move_person(self, person: int, company: int, leave: bool, own: int, with_own: bool) -> None:
        target = self.persons[_pick(list(self.persons), person)]
        to = (
            None
            if leave or not self.companies
            else self.companies[_pick(list(self.companies), company)]
        )
        own_id = self.category_id(own) if with_own else None
        expected: type[LeadcoreError] | None = None
        if to is not None and own_id is not None:
            expected = InheritedCategoryError
        elif to is None and not self.assignable_category(own_id):
            expected = DeletedItemError
        before_category = effective_category_id(target, self.company_of(target))
        snap = self.snapshot()
        try:
            out = move_person(
                target,
                self.company_of(target),
                to,
                self.lists,
                self.actor(),
                own_category_id=own_id,
                policy=self.policy,
            )
        except LeadcoreError as err:
            self.refused(snap, err, expected)
            return
        assert expected is None, f"expected {expected.__name__}"
        self.apply(out)
        moved = self.persons[target.id]
        assert moved.company_id == (None if to is None else to.id)
        if to is None:
            assert moved.own_category_id == (before_category if own_id is None else own_id)

    # --- admin --------------------------------------------------------------------------------

    def _admin_change(self, category_id: CategoryId, after: CategoryList) -> None:
        affected = self.persons_under(category_id)
        out = recheck_visibility(
            affected, self.categories, after, self.statuses, self.actor(), policy=self.policy
        )
        self.categories = after
        self.apply(out)

    @rule(category=PICK)
    def flip_lead_status_flag(self, category: int) -> None:
        category_id = self.category_id(category)
        assert category_id is not None
        item = self.categories.get(category_id)
        snap = self.snapshot()
        try:
            after = self.categories.set_lead_status_enabled(
                category_id, not item.enable_lead_status
            )
        except ValidationError as err:
            assert item.group is not CategoryGroup.POTENTIAL_CUSTOMER
            self.refused(snap, err, ValidationError)
            return
        assert item.group is CategoryGroup.POTENTIAL_CUSTOMER
        self._admin_change(category_id, after)

    @rule(category=PICK, group=st.sampled_from(CategoryGroup))
    def change_category_group(self, category: int, group: CategoryGroup) -> None:
        category_id = self.category_id(category)
        assert category_id is not None
        self._admin_change(category_id, self.categories.set_group(category_id, group))

    @rule(category=PICK, restore=st.booleans())
    def delete_or_restore_category(self, category: int, restore: bool) -> None:
        category_id = self.category_id(category)
        assert category_id is not None
        before = [c.lead_enabled for c in self.categories]
        if restore:
            self.categories = self.categories.restore(category_id)
        else:
            self.categories = self.categories.delete(category_id)
        assert [c.lead_enabled for c in self.categories] == before

    @rule(seed=st.integers(min_value=0, max_value=2**32))
    def reorder_categories(self, seed: int) -> None:
        ids = [c.id for c in self.categories]
        random.Random(seed).shuffle(ids)
        self.categories = self.categories.reorder(ids)
        assert [c.id for c in self.categories] == ids

    @rule(status=PICK, restore=st.booleans())
    def delete_or_restore_status(self, status: int, restore: bool) -> None:
        status_id = _pick([s.id for s in self.statuses], status)
        if restore:
            self.statuses = self.statuses.restore(status_id)
            return
        snap = self.snapshot()
        try:
            self.statuses = self.statuses.delete(status_id)
        except ListRuleError as err:
            assert status_id == self.statuses.default_id
            self.refused(snap, err, ListRuleError)
            return
        assert status_id != self.statuses.default_id

    def hidden_holders(self) -> list[PersonId]:
        return [
            p.id
            for p in self.persons.values()
            if p.lead_status_id not in (None, self.statuses.default_id) and not self.visible(p)
        ]

    @precondition(lambda self: self.hidden_holders())
    @rule(person=PICK)
    def delete_a_status_a_hidden_person_holds(self, person: int) -> None:
        """Aim at the case a reveal must handle: the kept value was deleted meanwhile."""
        held = self.persons[_pick(self.hidden_holders(), person)].lead_status_id
        assert held is not None
        self.statuses = self.statuses.delete(held)
        assert self.statuses.get(held).deleted

    @rule(status=PICK)
    def choose_default_status(self, status: int) -> None:
        status_id = _pick([s.id for s in self.statuses], status)
        snap = self.snapshot()
        try:
            self.statuses = self.statuses.set_default(status_id)
        except DeletedItemError as err:
            assert self.statuses.get(status_id).deleted
            self.refused(snap, err, DeletedItemError)
            return
        assert self.statuses.default.id == status_id

    # --- invariants -----------------------------------------------------------------------------

    @invariant()
    def world_is_consistent(self) -> None:
        """Every check after every step; then remember what was seen for the next step."""
        self.check_category_is_inherited()
        self.check_visible_status_is_never_empty()
        self.check_history_replays_to_the_stored_statuses()
        self.check_hidden_values_change_only_by_a_reveal()
        self.check_status_changed_is_the_latest_history_entry()
        self.seen = {pid: (self.visible(p), p.lead_status_id) for pid, p in self.persons.items()}
        self.seen_history = len(self.history)

    def check_status_changed_is_the_latest_history_entry(self) -> None:
        """``Person.status_changed`` is the greatest time of the person's history entries
        (change, hide, reveal), ``None`` while it has none: what ``person.status_changed``
        searches."""
        latest: dict[int, datetime] = {}
        for entry in self.history:
            before = latest.get(entry.person_id)
            latest[entry.person_id] = entry.at if before is None else max(before, entry.at)
        for person in self.persons.values():
            assert person.status_changed == latest.get(person.id), person

    def check_category_is_inherited(self) -> None:
        for person in self.persons.values():
            company = self.company_of(person)
            if company is None:
                assert effective_category_id(person, None) == person.own_category_id
            else:
                assert person.own_category_id is None
                assert effective_category_id(person, company) == company.category_id

    def check_visible_status_is_never_empty(self) -> None:
        for person in self.persons.values():
            if self.visible(person):
                assert person.lead_status_id is not None
                assert person.lead_status_id in self.statuses

    def check_history_replays_to_the_stored_statuses(self) -> None:
        replayed = replay(self.history)
        for pid, person in self.persons.items():
            assert replayed.get(pid) == person.lead_status_id
        assert set(replayed) <= set(self.persons)
        for entry in self.history[self.seen_history :]:
            if entry.kind is HistoryKind.HIDE:
                assert entry.from_status == entry.to_status

    def check_hidden_values_change_only_by_a_reveal(self) -> None:
        new_entries = self.history[self.seen_history :]
        for pid, person in self.persons.items():
            if pid not in self.seen:
                continue
            was_visible, old = self.seen[pid]
            visible = self.visible(person)
            mine = [e for e in new_entries if e.person_id == pid]
            kinds = [e.kind for e in mine]
            now = person.lead_status_id
            if not was_visible and not visible:
                assert now == old, "a hidden value changes only by a reveal"
                assert kinds == []
            elif was_visible and not visible:
                assert now == old, "a hide keeps the value"
                assert kinds == [HistoryKind.HIDE]
            elif not was_visible and visible:
                assert kinds == [HistoryKind.REVEAL]
                assert (mine[0].from_status, mine[0].to_status) == (old, now)
                kept = old is not None and old in self.statuses
                kept = kept and not self.statuses.get(old).deleted  # type: ignore[arg-type]
                if self.policy.reveal is RevealPolicy.RESTORE_PREVIOUS and kept:
                    assert now == old
                else:
                    assert now == self.statuses.default.id
            else:
                assert kinds == ([] if now == old else [HistoryKind.CHANGE])


TestLeadWorld = LeadWorld.TestCase
