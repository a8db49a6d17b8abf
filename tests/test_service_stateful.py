"""The service driven through random command sequences, with the domain invariants
checked after every step.

Commands include refused ones (unknown and deleted ids, hidden statuses, missing
reasons, persons with company given a category...). After every step:

- a person's category is its company's (R3): a person with a company has no own
  category, and a search on ``person.category`` finds exactly the persons whose
  company (or own category, without company) is in it;
- a visible lead status is never empty and names a status of the list (R1, R5);
- a hidden value is preserved: a person hidden after a step has the status it had
  before the step (R4);
- replaying the history gives every stored status (§6); the history only grows,
  has one hide or reveal per person whose visibility changed in the step (and
  none for the others), and is exactly the published history entries;
- every saved selection (static, dynamic on a category, combined, frozen) reads as
  an independent model says; deleting one that a combined selection reads is
  refused;
- the adapter's indexes equal indexes rebuilt from the data;
- a deleted person or company is gone, its history stays, no static selection
  holds it, and its id is never handed out again (after a reopen too); every
  owner a command set is a known, active associate;
- a refused command leaves no trace: lists, companies, persons (with versions),
  history, selections and published events are as before.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, rule

from leadcore.adapters.memory import InMemoryStore
from leadcore.clock import FixedClock, RecordingPublisher, SequentialIds
from leadcore.criteria.ast import Condition
from leadcore.criteria.build import condition
from leadcore.criteria.fields import Entity
from leadcore.errors import LeadcoreError
from leadcore.history import HistoryEntry, HistoryKind, replay
from leadcore.lists import Lists, new_database
from leadcore.model import (
    AssociateId,
    Availability,
    CategoryGroup,
    CategoryId,
    CompanyId,
    LeadStatusId,
    Person,
    PersonId,
    SelectionId,
)
from leadcore.policies import LeadPolicy, ReasonRequired, RevealPolicy
from leadcore.queries import Page, Query
from leadcore.rules import effective_category_id, is_status_visible
from leadcore.selections import CombinedSelection, DynamicSelection, Operation, StaticSelection
from leadcore.service import LeadService
from leadcore.testing.strategies import hostile_texts

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHANGE, HIDE, REVEAL = HistoryKind.CHANGE, HistoryKind.HIDE, HistoryKind.REVEAL

# Lead (1) and Marketing qualified lead (2) are drawn half the time, so that statuses are
# shown, hidden and revealed often; 10 categories exist at start, some are added, 12 unknown.
category_ids = st.one_of(
    st.sampled_from([CategoryId(1), CategoryId(2)]), st.integers(1, 12).map(CategoryId)
)
maybe_category = st.one_of(category_ids, category_ids, st.none())
status_ids = st.integers(1, 7).map(LeadStatusId)  # 5 exist at start; one can be added
reasons = st.one_of(st.just("because"), st.none())
groups = st.sampled_from(list(CategoryGroup))


class ServiceMachine(RuleBasedStateMachine):
    """Random commands against one in-memory service."""

    policy = LeadPolicy(transitions=ReasonRequired())

    companies = Bundle("companies")
    persons = Bundle("persons")
    selections = Bundle("selections")
    associates = Bundle("associates")

    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock(START)
        self.store = InMemoryStore(Lists(*new_database()), clock=self.clock)
        self.published = RecordingPublisher()
        self.service = LeadService(
            self.store.unit_of_work,
            clock=self.clock,
            ids=SequentialIds(),
            events=self.published,
            policy=self.policy,
            associate=AssociateId(1),
        )
        self.previous: dict[PersonId, tuple[LeadStatusId | None, bool]] = {}
        self.previous_history: list[HistoryEntry] = []
        self.deleted_persons: set[PersonId] = set()
        self.deleted_companies: set[CompanyId] = set()

    # --- running a command ------------------------------------------------------------------

    def _state(self) -> tuple[object, ...]:
        with self.store.unit_of_work() as uow:
            return (
                uow.lists.load(),
                uow.companies.find(Query()),
                uow.persons.find(Query()),
                list(uow.history),
                uow.selections.all(),
                uow.associates.all(),
                len(self.published.events),
            )

    def attempt(self, command: Callable[[], Any]) -> Any:
        """Run ``command``; a refusal must leave the state exactly as it was."""
        before = self._state()
        try:
            return command()
        except LeadcoreError:
            assert self._state() == before, "a refused command left a trace"
            self.store.verify_indexes()
            return None

    # --- rules ------------------------------------------------------------------------------

    @rule(target=companies, category=maybe_category)
    def add_company(self, category: CategoryId | None) -> object:
        created = self.attempt(lambda: self.service.companies.add("Co", category_id=category))
        if created is not None:
            assert created.id not in self.deleted_companies, "a deleted id was reused"
        return multiple() if created is None else created.id

    @rule(
        target=persons,
        company=st.none() | companies,
        own=maybe_category,
        status=st.one_of(st.none(), st.none(), status_ids),
        reason=reasons,
        count=st.integers(1, 3),
    )
    def add_persons(
        self,
        company: CompanyId | None,
        own: CategoryId | None,
        status: LeadStatusId | None,
        reason: str | None,
        count: int,
    ) -> object:
        added = []
        for _ in range(count):
            created = self.attempt(
                lambda: self.service.persons.add(
                    "Pat", company_id=company, category_id=own, status_id=status, reason=reason
                )
            )
            if created is not None:
                assert created.id not in self.deleted_persons, "a deleted id was reused"
                added.append(created.id)
        return multiple(*added)

    @rule(company=companies, category=maybe_category)
    def change_company_category(self, company: CompanyId, category: CategoryId | None) -> None:
        self.attempt(lambda: self.service.companies.change_category(company, category))

    @rule(company=companies)
    def move_company_to_next_category(self, company: CompanyId) -> None:
        self.attempt(lambda: self.service.companies.move_to_next_category(company))

    @rule(person=persons, category=maybe_category)
    def set_person_category(self, person: PersonId, category: CategoryId | None) -> None:
        self.attempt(lambda: self.service.persons.set_category(person, category))

    @rule(person=persons, company=st.none() | companies, own=st.one_of(st.none(), category_ids))
    def move_person(
        self, person: PersonId, company: CompanyId | None, own: CategoryId | None
    ) -> None:
        self.attempt(lambda: self.service.persons.move(person, company, own_category_id=own))

    @rule(person=persons, status=status_ids, reason=reasons)
    def set_lead_status(self, person: PersonId, status: LeadStatusId, reason: str | None) -> None:
        self.attempt(lambda: self.service.persons.set_lead_status(person, status, reason=reason))

    @rule(
        action=st.sampled_from(["switch", "group", "delete", "restore", "add"]),
        category=category_ids,
        enabled=st.booleans(),
        group=groups,
    )
    def administer_categories(
        self, action: str, category: CategoryId, enabled: bool, group: CategoryGroup
    ) -> None:
        service = self.service
        commands: dict[str, Callable[[], object]] = {
            "switch": lambda: service.categories.set_lead_status_enabled(category, enabled),
            "group": lambda: service.categories.set_group(category, group),
            "delete": lambda: service.categories.delete(category),
            "restore": lambda: service.categories.restore(category),
            "add": lambda: service.categories.add(
                f"Added {len(service.lists().categories)}", group, enable_lead_status=enabled
            ),
        }
        self.attempt(commands[action])

    @rule(
        action=st.sampled_from(["delete", "restore", "default", "add"]),
        status=status_ids,
    )
    def administer_statuses(self, action: str, status: LeadStatusId) -> None:
        service = self.service
        commands: dict[str, Callable[[], object]] = {
            "delete": lambda: service.statuses.delete(status),
            "restore": lambda: service.statuses.restore(status),
            "default": lambda: service.statuses.set_default(status),
            "add": lambda: service.statuses.add("Nurturing"),
        }
        self.attempt(commands[action])

    @rule(target=selections, category=category_ids)
    def save_category_selection(self, category: CategoryId) -> object:
        criteria = condition("person.category", "in", category)
        saved = self.attempt(lambda: self.service.selections.create_dynamic("Cat", criteria))
        return multiple() if saved is None else saved.id

    @rule(target=selections, members=st.lists(persons, max_size=3))
    def save_static_selection(self, members: list[PersonId]) -> object:
        saved = self.attempt(lambda: self.service.selections.create_static("S", persons=members))
        return multiple() if saved is None else saved.id

    @rule(
        target=selections,
        first=selections,
        second=selections,
        operation=st.sampled_from(list(Operation)),
    )
    def combine_selections(
        self, first: SelectionId, second: SelectionId, operation: Operation
    ) -> object:
        saved = self.attempt(
            lambda: self.service.selections.create_combined("C", first, second, operation)
        )
        return multiple() if saved is None else saved.id

    @rule(target=selections, selection=selections)
    def freeze_selection(self, selection: SelectionId) -> object:
        saved = self.attempt(lambda: self.service.selections.freeze(selection))
        return multiple() if saved is None else saved.id

    @rule(selection=selections)
    def delete_selection(self, selection: SelectionId) -> None:
        self.attempt(lambda: self.service.selections.delete(selection))

    # --- associates, editing, retiring, deleting ---------------------------------------------

    @rule(target=associates, name=st.sampled_from(["Ann", "Bo", " "]))
    def add_associate(self, name: str) -> object:
        added = self.attempt(lambda: self.service.associates.add(name))
        return multiple() if added is None else added.id

    @rule(
        associate=associates,
        action=st.sampled_from(["rename", "away", "normal", "retire"]),
    )
    def administer_associate(self, associate: AssociateId, action: str) -> None:
        service = self.service
        commands: dict[str, Callable[[], object]] = {
            "rename": lambda: service.associates.rename(associate, "Renamed"),
            "away": lambda: service.associates.set_availability(associate, Availability.AWAY),
            "normal": lambda: service.associates.set_availability(associate, Availability.NORMAL),
            "retire": lambda: service.associates.retire(associate),
        }
        self.attempt(commands[action])

    def _owner_ok(self, owner: AssociateId | None) -> bool:
        """Whether ``owner`` may be set now: None, or a stored associate not retired."""
        if owner is None:
            return True
        with self.store.unit_of_work() as uow:
            known = {a.id: a for a in uow.associates.all()}
        return owner in known and not known[owner].retired

    @rule(
        person=persons,
        first=st.sampled_from(["Pat", "Kim", ""]),
        owner=st.none() | associates | st.just(AssociateId(99)),
        change_owner=st.booleans(),
    )
    def edit_person(
        self, person: PersonId, first: str, owner: AssociateId | None, change_owner: bool
    ) -> None:
        allowed = self._owner_ok(owner)
        with self.store.unit_of_work() as uow:
            stored = uow.persons.find(Query(condition("person.id", "eq", person)))
        before = stored[0].owner_id if stored else None
        if change_owner:
            edited = self.attempt(
                lambda: self.service.persons.edit(person, first_name=first, owner_id=owner)
            )
        else:
            edited = self.attempt(lambda: self.service.persons.edit(person, first_name=first))
        if edited is not None and change_owner and owner not in (None, before):
            assert allowed, "an unknown or retired associate became an owner"

    @rule(company=companies, owner=st.none() | associates | st.just(AssociateId(99)))
    def edit_company(self, company: CompanyId, owner: AssociateId | None) -> None:
        allowed = self._owner_ok(owner)
        with self.store.unit_of_work() as uow:
            found = uow.companies.find(
                Query(condition("company.id", "eq", company, entity=Entity.COMPANY))
            )
        before = found[0].owner_id if found else None
        edited = self.attempt(
            lambda: self.service.companies.edit(company, name="Co", owner_id=owner)
        )
        if edited is not None and owner not in (None, before):
            assert allowed, "an unknown or retired associate became an owner"

    @rule(person=persons, retired=st.booleans())
    def retire_person(self, person: PersonId, retired: bool) -> None:
        if retired:
            self.attempt(lambda: self.service.persons.retire(person))
        else:
            self.attempt(lambda: self.service.persons.unretire(person))

    @rule(person=persons)
    def delete_person(self, person: PersonId) -> None:
        if self.attempt(lambda: self.service.persons.delete(person)) is not None:
            self.deleted_persons.add(person)

    @rule(
        company=companies,
        mode=st.sampled_from(["refuse", "move", "delete"]),
        move_to=st.none() | companies,
    )
    def delete_company(self, company: CompanyId, mode: Any, move_to: CompanyId | None) -> None:
        done = self.attempt(
            lambda: self.service.companies.delete(
                company, persons=mode, move_to=move_to if mode == "move" else None
            )
        )
        if done is not None:
            self.deleted_companies.add(company)
            self.deleted_persons.update(done.persons)

    @rule(hours=st.integers(1, 24 * 40))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(timedelta(hours=hours))

    # --- invariants -------------------------------------------------------------------------

    @invariant()
    def domain_invariants_hold(self) -> None:
        self.store.verify_indexes()
        with self.store.unit_of_work() as uow:
            stored = uow.lists.load()
            companies = {c.id: c for c in uow.companies.find(Query())}
            persons: list[Person] = uow.persons.find(Query())
            history = list(uow.history)
        categories, statuses = stored.categories, stored.statuses

        effective: dict[PersonId, CategoryId | None] = {}
        current: dict[PersonId, tuple[LeadStatusId | None, bool]] = {}
        for person in persons:
            company = None if person.company_id is None else companies[person.company_id]
            if company is not None:
                assert person.own_category_id is None, "R3: a person with company has no own"
                effective[person.id] = company.category_id
            else:
                effective[person.id] = person.own_category_id
            visible = is_status_visible(person, company, categories)
            if visible:
                assert person.lead_status_id is not None, "R5: a visible status is never empty"
            if person.lead_status_id is not None:
                assert person.lead_status_id in statuses
            old = self.previous.get(person.id)
            if old is not None and not visible:
                assert person.lead_status_id == old[0], "R4: a hidden value is preserved"
            current[person.id] = (person.lead_status_id, visible)

        for category in categories:
            found = self.service.persons.find(condition("person.category", "in", category.id))
            expected = {p for p, c in effective.items() if c == category.id}
            assert {p.id for p in found} == expected, "R3: persons take the company's category"

        self.check_selections(effective)

        stored_status = {p.id: p.lead_status_id for p in persons}
        for person_id, status in replay(history).items():
            if person_id in self.deleted_persons:
                assert person_id not in stored_status, "a deleted person is gone"
                continue  # its history stays
            assert stored_status[person_id] == status, "history replays to the stored status"
        replayed = replay(history)
        assert not self.deleted_persons & stored_status.keys(), "a deleted person is gone"
        assert not self.deleted_companies & companies.keys(), "a deleted company is gone"
        assert self.store.max_id("person") >= max(self.deleted_persons, default=0)
        assert self.store.max_id("company") >= max(self.deleted_companies, default=0)
        with self.store.unit_of_work() as uow:
            for selection in uow.selections.all():
                if isinstance(selection, StaticSelection):
                    assert selection.members.persons <= stored_status.keys()
                    assert selection.members.companies <= companies.keys()
        assert all(s is None for p, s in stored_status.items() if p not in replayed)
        assert history[: len(self.previous_history)] == self.previous_history
        step = history[len(self.previous_history) :]
        for person_id, (_, visible) in current.items():
            kinds = [e.kind for e in step if e.person_id == person_id and e.kind is not CHANGE]
            was = self.previous.get(person_id)
            if was is None or was[1] == visible:
                assert kinds == [], "no hide or reveal without a visibility change"
            else:
                assert kinds == [REVEAL if visible else HIDE], "every hide/reveal is recorded"
        published = [e for e in self.published.events if isinstance(e, HistoryEntry)]
        assert published == history, "exactly the committed history is published"

        self.previous = current
        self.previous_history = history

    def check_selections(self, effective: dict[PersonId, CategoryId | None]) -> None:
        """Every saved selection reads as an independent model of its kind says."""
        with self.store.unit_of_work() as uow:
            saved = {s.id: s for s in uow.selections.all()}

        def expected(selection: Any) -> frozenset[PersonId]:
            if isinstance(selection, StaticSelection):
                return selection.members.persons
            if isinstance(selection, DynamicSelection):
                assert isinstance(selection.criteria, Condition)
                (wanted,) = selection.criteria.values
                return frozenset(p for p, c in effective.items() if c == wanted)
            assert isinstance(selection, CombinedSelection)
            first, second = expected(saved[selection.first]), expected(saved[selection.second])
            return {
                Operation.ONLY_FIRST: first - second,
                Operation.ONLY_SECOND: second - first,
                Operation.COMMON: first & second,
                Operation.DIFFERENCE: first ^ second,
                Operation.ALL: first | second,
            }[selection.operation]

        for selection_id, selection in saved.items():
            members = self.service.selections.members(selection_id)
            assert members.persons == expected(selection), "selection members"
            assert members.companies == frozenset()

    @invariant()
    def reads_agree_with_the_records(self) -> None:
        """Grouped counts, pages and person cards agree with the records read plainly."""
        with self.store.unit_of_work() as uow:
            categories = uow.lists.load().categories
            companies = {c.id: c for c in uow.companies.find(Query())}
            persons: list[Person] = uow.persons.find(Query())
        rows = [(p, None if p.company_id is None else companies[p.company_id]) for p in persons]
        by_status: dict[object, int] = {}
        visible: dict[object, int] = {}
        hidden = 0
        for person, company in rows:
            status = person.lead_status_id
            by_status[status] = by_status.get(status, 0) + 1
            if status is not None and not is_status_visible(person, company, categories):
                hidden += 1
            else:
                visible[status] = visible.get(status, 0) + 1
        counts = self.service.persons.count_by("person.lead_status")
        assert {k: v for k, v in counts.as_dict().items() if v} == by_status
        shown = self.service.persons.count_by("person.lead_status", visible_only=True)
        assert {k: v for k, v in shown.as_dict().items() if v} == visible
        assert shown.hidden == hidden
        pages = [self.service.persons.find_page(page=Page(n, 3)) for n in range(0, len(rows), 3)]
        assert [p for page in pages for p in page] == persons
        assert all(page.total == len(persons) for page in pages)
        for person, company in rows[:3]:
            card = self.service.persons.card(person.id)
            assert (card.person, card.company) == (person, company)
            category = effective_category_id(person, company)
            assert (card.category and card.category.id) == category


ServiceMachine.TestCase.settings = settings(max_examples=min(settings().max_examples, 40))
TestServiceMachine = ServiceMachine.TestCase


class RestorePreviousMachine(ServiceMachine):
    """The same, under the opt-in restore-previous reveal policy and no reason rule."""

    policy = LeadPolicy(reveal=RevealPolicy.RESTORE_PREVIOUS)


RestorePreviousMachine.TestCase.settings = settings(max_examples=min(settings().max_examples, 25))
TestRestorePreviousMachine = RestorePreviousMachine.TestCase


class FileStoreMachine(ServiceMachine):
    """The same commands on a journaled file store that compacts often and is reopened.

    Every state reached, hostile text included, must come back equal from the file.
    """

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="leadcore-machine-"))
        self.store = self._open()
        parts = attrs.asdict(self.service.context, recurse=False)
        self.service = LeadService(**{**parts, "uow": self.store.unit_of_work})

    def _open(self) -> InMemoryStore:
        return InMemoryStore.open(
            self.folder / "crm.json",
            lists=Lists(*new_database()),
            clock=self.clock,
            compact_share=0.25,
            compact_min_bytes=0,
        )

    @rule(name=hostile_texts(12) | st.sampled_from(["\ud800", "a\udfff b", "\x00", "Å" * 5000]))
    def add_company_with_hostile_name(self, name: str) -> None:
        self.attempt(lambda: self.service.companies.add(name))

    @rule()
    def close_and_reopen(self) -> None:
        before = self._state()
        top = (self.store.max_id("person"), self.store.max_id("company"))
        self.store.close()
        assert self.store.compaction_error is None
        self.store = self._open()
        assert self.store.dropped == []
        parts = attrs.asdict(self.service.context, recurse=False)
        self.service = LeadService(**{**parts, "uow": self.store.unit_of_work})
        assert self._state() == before, "the file did not give back the state"
        assert (self.store.max_id("person"), self.store.max_id("company")) == top

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.folder, ignore_errors=True)


FileStoreMachine.TestCase.settings = settings(max_examples=min(settings().max_examples, 25))
TestFileStoreMachine = FileStoreMachine.TestCase
