"""The in-memory adapter itself: bulk load, index consistency, isolation, clock helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)

from leadcore.adapters._memory_index import CATEGORY
from leadcore.adapters.memory import IndexMismatch, InMemoryStore, InMemoryUnitOfWork
from leadcore.clock import FixedClock, RecordingPublisher, SequentialIds, SystemClock
from leadcore.criteria.ast import Criterion
from leadcore.criteria.build import condition
from leadcore.criteria.evaluate import Environment, person_predicate
from leadcore.errors import ConflictError, NotFoundError, ValidationError
from leadcore.history import HistoryEntry, HistoryKind
from leadcore.lists import new_database
from leadcore.model import (
    Associate,
    AssociateId,
    CategoryGroup,
    CategoryId,
    Company,
    CompanyId,
    LeadStatusId,
    Person,
    PersonId,
)
from leadcore.ports import Clock, EventPublisher, IdGenerator, UnitOfWork
from leadcore.queries import Query

AT = datetime(2026, 1, 5, tzinfo=UTC)
CATEGORIES, STATUSES = new_database()


def _person(n: int, company: int | None = None, **changes: Any) -> Person:
    person = Person(
        PersonId(n), None if company is None else CompanyId(company), "A", f"P{n}", AT, AT
    )
    return attrs.evolve(person, **changes)


def _company(n: int, category: int | None = None) -> Company:
    return Company(
        CompanyId(n), f"C{n}", None if category is None else CategoryId(category), AT, AT
    )


def test_the_adapter_implements_the_ports() -> None:
    uow: UnitOfWork = InMemoryStore().unit_of_work()
    clock: Clock = FixedClock(AT)
    ids: IdGenerator = SequentialIds()
    publisher: EventPublisher = RecordingPublisher()
    publisher.publish([])
    assert isinstance(uow, InMemoryUnitOfWork)
    assert (clock.now(), ids.next_id("x")) == (AT, 1)


def test_load_bulk_checks_everything_before_storing_anything() -> None:
    store = InMemoryStore()
    store.load_bulk([_company(1)], [_person(1, 1)])
    with pytest.raises(ConflictError):
        store.load_bulk([_company(2)], [_person(2, 2), _person(1)])
    with pytest.raises(NotFoundError):
        store.load_bulk([_company(3)], [_person(3, 9)])
    with pytest.raises(ConflictError):
        store.load_bulk([_company(4), _company(4)], [])
    assert (len(store), store.company_count) == (1, 1)
    store.verify_indexes()
    assert store.max_id("person") == 1
    assert store.max_id("company") == 1
    assert store.max_id("selection") == 0
    with pytest.raises(ValidationError):
        store.max_id("invoice")


def test_load_bulk_stores_version_one_and_history() -> None:
    store = InMemoryStore()
    entry = HistoryEntry(PersonId(1), HistoryKind.CHANGE, None, LeadStatusId(1), AT)
    store.load_bulk([_company(1)], [_person(1, 1, version=5)], [entry])
    with store.unit_of_work() as uow:
        assert uow.persons.get(PersonId(1)).version == 1
        assert uow.companies.get(CompanyId(1)).version == 1
        assert uow.history.for_person(PersonId(1)) == [entry]


def test_verify_indexes_detects_corruption() -> None:
    store = InMemoryStore()
    store.load_bulk([_company(1, 1)], [_person(1, 1), _person(2)])
    store.verify_indexes()
    store._state.indexes.maps[CATEGORY][CategoryId(1)] = 0b10
    with pytest.raises(IndexMismatch, match="category"):
        store.verify_indexes()


def test_verify_indexes_detects_wrong_members() -> None:
    store = InMemoryStore()
    store.load_bulk([_company(1), _company(2)], [_person(1, 1)])
    store._state.members[CompanyId(2)].append(0)
    with pytest.raises(IndexMismatch, match="company members"):
        store.verify_indexes()


def test_has_changes_and_empty_commit() -> None:
    store = InMemoryStore()
    with store.unit_of_work() as uow:
        assert not uow.has_changes
        uow.commit()
        uow.settings.set("a", 1)
        assert uow.has_changes
        uow.commit()
        assert not uow.has_changes
        assert uow.store is store


def test_save_many_refuses_a_person_twice_and_an_unknown_company() -> None:
    store = InMemoryStore()
    store.load_bulk([_company(1)], [_person(1, 1)])
    with store.unit_of_work() as uow:
        ann = uow.persons.get(PersonId(1))
        with pytest.raises(ValidationError, match="twice"):
            uow.persons.save_many([ann, ann])
        with pytest.raises(NotFoundError):
            uow.persons.save(attrs.evolve(ann, company_id=CompanyId(7)))
        assert not uow.has_changes


def test_person_moving_between_companies_updates_members_and_indexes() -> None:
    store = InMemoryStore()
    lead = CATEGORIES.by_name("Lead").id
    customer = CATEGORIES.by_name("Customer").id
    store.load_bulk([_company(1, lead), _company(2, customer)], [_person(1, 1), _person(2, 1)])
    with store.unit_of_work() as uow:
        ann = uow.persons.get(PersonId(1))
        uow.persons.save(attrs.evolve(ann, company_id=CompanyId(2)))
        uow.commit()
    store.verify_indexes()
    with store.unit_of_work() as uow:
        assert [p.id for p in uow.persons.of_company(CompanyId(2))] == [1]
        query = Query(condition("person.category", "in", customer), now=AT)
        assert [p.id for p in uow.persons.find(query)] == [1]


def test_query_without_now_uses_the_store_clock() -> None:
    clock = FixedClock(AT)
    store = InMemoryStore(clock=clock)
    store.load_bulk([], [_person(1)])
    today = Query(condition("person.registered", "today"))
    with store.unit_of_work() as uow:
        assert uow.persons.count(today) == 1
    clock.advance(timedelta(days=2))
    with store.unit_of_work() as uow:
        assert uow.persons.count(today) == 0


def test_company_find_orders_and_pages() -> None:
    store = InMemoryStore()
    store.load_bulk([_company(3, 1), _company(1, 5), _company(2, 1)], [])
    from leadcore.criteria.fields import Entity
    from leadcore.queries import Order, Page

    lead = condition("company.category", "in", 1, entity=Entity.COMPANY)
    with store.unit_of_work() as uow:
        assert [c.id for c in uow.companies.find(Query(lead, now=AT))] == [2, 3]
        named = Query(order=(Order("company.category"), Order("company.name", True)), now=AT)
        assert [c.id for c in uow.companies.find(named)] == [3, 2, 1]
        paged = Query(order=(Order("company.name"),), page=Page(1, 1), now=AT)
        assert [c.id for c in uow.companies.find(paged)] == [2]
        assert uow.companies.count(Query(~lead, now=AT)) == 1


def test_clock_helpers() -> None:
    assert SystemClock().now().tzinfo is not None
    clock = FixedClock(AT)
    assert clock.advance(timedelta(days=1)).now() == AT + timedelta(days=1)
    with pytest.raises(ValidationError):
        clock.set(datetime(2026, 1, 1))
    ids = SequentialIds({"person": 3})
    ids.skip_past("person", 2)
    assert (ids.next_id("person"), ids.last("person"), ids.last("company")) == (4, 4, 0)
    publisher = RecordingPublisher()
    entry = HistoryEntry(PersonId(1), HistoryKind.CHANGE, None, LeadStatusId(1), AT)
    publisher.publish([entry])
    publisher.publish([entry, entry])
    assert [len(b) for b in publisher.batches] == [1, 2]
    publisher.clear()
    assert publisher.events == []


# --- stateful: random writes, rollbacks and conflicts keep the indexes right ---------------

_CATEGORY_IDS = [c.id for c in CATEGORIES.items]
_STATUS_IDS = [s.id for s in STATUSES.items]
_OWNERS = [AssociateId(1), AssociateId(2)]
_PROBES: list[Criterion] = [
    condition("person.lead_status", "in", 1, 2),
    condition("company.category_group", "not_in", int(CategoryGroup.CUSTOMER)),
    condition("person.category_group", "in", int(CategoryGroup.POTENTIAL_CUSTOMER)),
    condition("person.owner", "current_associate"),
    condition("company.owner", "in", 2),
    condition("person.retired", "is_true") | condition("person.has_company", "is_false"),
    condition("person.first_name", "begins", "b") & condition("person.category", "in", 1, 5),
]


class StoreMachine(RuleBasedStateMachine):
    """Random writes in units that commit, roll back or conflict; the indexes always match."""

    companies = Bundle("companies")
    persons = Bundle("persons")

    @initialize()
    def start(self) -> None:
        self.store = InMemoryStore(clock=FixedClock(AT))
        self.model_companies: dict[CompanyId, Company] = {}
        self.model_persons: dict[PersonId, Person] = {}
        self.model_history = 0
        self.next_id = 1

    def _fresh(self) -> int:
        self.next_id += 1
        return self.next_id

    def _finish(self, uow: InMemoryUnitOfWork, commit: bool) -> None:
        if not commit:
            uow.rollback()
            return
        uow.commit()
        with self.store.unit_of_work() as reader:
            for company_id in list(self.model_companies):
                self.model_companies[company_id] = reader.companies.get(company_id)
            for person_id in list(self.model_persons):
                self.model_persons[person_id] = reader.persons.get(person_id)

    @rule(
        target=companies,
        category=st.none() | st.sampled_from(_CATEGORY_IDS),
        owner=st.none() | st.sampled_from(_OWNERS),
    )
    def add_company(self, category: CategoryId | None, owner: AssociateId | None) -> CompanyId:
        company_id = CompanyId(self._fresh())
        with self.store.unit_of_work() as uow:
            uow.companies.add(attrs.evolve(_company(company_id), category_id=category,
                                           owner_id=owner))  # fmt: skip
            self.model_companies[company_id] = uow.companies.get(company_id)
            self._finish(uow, True)
        return company_id

    @rule(company=st.none() | companies, fail=st.booleans())
    def add_and_roll_back(self, company: CompanyId | None, fail: bool) -> None:
        """A unit that adds records and then fails or ends without commit leaves nothing."""
        company_id, person_id = CompanyId(self._fresh()), PersonId(self._fresh())
        with self.store.unit_of_work() as uow:
            uow.companies.add(_company(company_id, 1))
            uow.persons.add(_person(person_id, company_id))
            if company is not None and company in self.model_companies:
                uow.persons.add(_person(self._fresh(), company))
            if fail:
                with pytest.raises(ConflictError):
                    uow.persons.add(_person(person_id))

    @rule(
        target=persons,
        company=st.none() | companies,
        status=st.none() | st.sampled_from(_STATUS_IDS),
        own=st.none() | st.sampled_from(_CATEGORY_IDS),
        name=st.sampled_from(["Ann", "bo", "Bea"]),
    )
    def add_person(
        self,
        company: CompanyId | None,
        status: LeadStatusId | None,
        own: CategoryId | None,
        name: str,
    ) -> PersonId:
        person_id = PersonId(self._fresh())
        if company is not None and company not in self.model_companies:
            company = None
        person = _person(person_id, first_name=name, lead_status_id=status)
        person = attrs.evolve(
            person, company_id=company, own_category_id=own if company is None else None
        )
        with self.store.unit_of_work() as uow:
            uow.persons.add(person)
            self.model_persons[person_id] = uow.persons.get(person_id)
            self._finish(uow, True)
        return person_id

    @rule(
        company=companies,
        category=st.none() | st.sampled_from(_CATEGORY_IDS),
        owner=st.none() | st.sampled_from(_OWNERS),
        also_persons=st.booleans(),
        commit=st.booleans(),
    )
    def change_company(
        self,
        company: CompanyId,
        category: CategoryId | None,
        owner: AssociateId | None,
        also_persons: bool,
        commit: bool,
    ) -> None:
        if company not in self.model_companies:
            return
        with self.store.unit_of_work() as uow:
            current = uow.companies.get(company)
            uow.companies.save(attrs.evolve(current, category_id=category, owner_id=owner))
            if also_persons:
                members = uow.persons.of_company(company)
                uow.persons.save_many(
                    attrs.evolve(p, lead_status_id=LeadStatusId(1)) for p in members
                )
                uow.history.append(
                    [HistoryEntry(p.id, HistoryKind.CHANGE, None, LeadStatusId(1), AT)
                     for p in members]
                )  # fmt: skip
                if commit:
                    self.model_history += len(members)
            self._finish(uow, commit)

    @rule(
        person=persons,
        company=st.none() | companies,
        status=st.none() | st.sampled_from(_STATUS_IDS),
        owner=st.none() | st.sampled_from(_OWNERS),
        retired=st.booleans(),
        commit=st.booleans(),
    )
    def change_person(
        self,
        person: PersonId,
        company: CompanyId | None,
        status: LeadStatusId | None,
        owner: AssociateId | None,
        retired: bool,
        commit: bool,
    ) -> None:
        if person not in self.model_persons:
            return
        if company is not None and company not in self.model_companies:
            company = None
        with self.store.unit_of_work() as uow:
            current = uow.persons.get(person)
            changed = attrs.evolve(
                current,
                company_id=company,
                own_category_id=current.own_category_id if company is None else None,
                lead_status_id=status,
                owner_id=owner,
                retired=retired,
            )
            uow.persons.save(changed)
            self._finish(uow, commit)

    @rule(person=persons, company=companies)
    def conflicting_units(self, person: PersonId, company: CompanyId) -> None:
        if person not in self.model_persons or company not in self.model_companies:
            return
        loser, winner = self.store.unit_of_work(), self.store.unit_of_work()
        with loser, winner:
            mine = loser.persons.get(person)
            loser.persons.save(attrs.evolve(mine, company_id=company, own_category_id=None))
            loser.history.append([HistoryEntry(person, HistoryKind.HIDE, None, None, AT)])
            theirs = winner.persons.get(person)
            winner.persons.save(attrs.evolve(theirs, retired=not theirs.retired))
            self._finish(winner, True)
            with pytest.raises(ConflictError):
                loser.commit()

    @rule(
        category=st.sampled_from(_CATEGORY_IDS),
        group=st.sampled_from(list(CategoryGroup)),
        commit=st.booleans(),
    )
    def admin_changes_a_group(
        self, category: CategoryId, group: CategoryGroup, commit: bool
    ) -> None:
        with self.store.unit_of_work() as uow:
            lists = uow.lists.load()
            uow.lists.save(
                attrs.evolve(lists, categories=lists.categories.set_group(category, group))
            )
            self._finish(uow, commit)

    @rule(person=persons, commit=st.booleans())
    def delete_person(self, person: PersonId, commit: bool) -> None:
        if person not in self.model_persons:
            return
        with self.store.unit_of_work() as uow:
            uow.persons.delete(uow.persons.get(person))
            inside = {p.id for p in uow.persons.find(Query(now=AT))}
            assert inside == self.model_persons.keys() - {person}, "read your own deletion"
            if commit:
                del self.model_persons[person]
            self._finish(uow, commit)

    @rule(company=companies, delete_persons=st.booleans(), commit=st.booleans())
    def delete_company(self, company: CompanyId, delete_persons: bool, commit: bool) -> None:
        """Delete a company after deleting its persons or moving them out of it."""
        if company not in self.model_companies:
            return
        with self.store.unit_of_work() as uow:
            members = uow.persons.of_company(company)
            for person in members:
                if delete_persons:
                    uow.persons.delete(person)
                else:
                    uow.persons.save(attrs.evolve(person, company_id=None))
            uow.companies.delete(uow.companies.get(company))
            if commit:
                del self.model_companies[company]
                if delete_persons:
                    for person in members:
                        del self.model_persons[person.id]
            self._finish(uow, commit)

    @invariant()
    def indexes_match_a_rebuild(self) -> None:
        self.store.verify_indexes()

    @invariant()
    def store_holds_exactly_the_committed_state(self) -> None:
        with self.store.unit_of_work() as uow:
            assert {c.id: c for c in uow.companies.find(Query(now=AT))} == self.model_companies
            assert {p.id: p for p in uow.persons.find(Query(now=AT))} == self.model_persons
            assert len(list(uow.history)) == self.model_history

    @invariant()
    def queries_agree_with_a_scan_of_the_model(self) -> None:
        with self.store.unit_of_work() as uow:
            categories = uow.lists.load().categories
            for probe in _PROBES:
                test = person_predicate(
                    probe, Environment(categories, AT, current_associate=AssociateId(1))
                )
                expected = sorted(
                    p.id
                    for p in self.model_persons.values()
                    if test(p, self.model_companies.get(p.company_id)
                            if p.company_id is not None else None)
                )  # fmt: skip
                query = Query(probe, now=AT, current_associate=AssociateId(1))
                assert [p.id for p in uow.persons.find(query)] == expected
                assert uow.persons.count(query) == len(expected)


StoreMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=40, deadline=None)
TestStoreMachine = StoreMachine.TestCase


def test_verify_indexes_detects_a_lost_history_entry() -> None:
    store = InMemoryStore()
    entry = HistoryEntry(PersonId(1), HistoryKind.CHANGE, None, LeadStatusId(1), AT)
    store.load_bulk([], [_person(1)], [entry])
    store.verify_indexes()
    store._state.history_of[PersonId(1)].clear()
    with pytest.raises(IndexMismatch, match="history"):
        store.verify_indexes()


def test_the_storage_doc_examples_print_what_their_comments_say(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The examples run in an empty directory: the files they make stay out of the tree."""
    import contextlib
    import io
    import re

    doc = Path(__file__).resolve().parents[2] / "docs" / "storage.md"
    blocks = re.findall(r"```python\n(.*?)```", doc.read_text("utf-8"), re.S)
    assert blocks, "docs/storage.md lost its example"
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        expected = [m.split(":")[0] for m in re.findall(r"^ *print\(.*\)  # (.*)$", block, re.M)]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, str(doc), "exec"), {"__name__": "storage_doc"})
        assert out.getvalue().splitlines() == expected


def test_threads_retrying_on_conflict_lose_no_update() -> None:
    import threading

    store = InMemoryStore()
    store.load_bulk([], [_person(1, first_name="0")])
    conflicts: list[int] = []

    def bump(times: int) -> None:
        done = 0
        while done < times:
            with store.unit_of_work() as uow:
                person = uow.persons.get(PersonId(1))
                changed = attrs.evolve(person, first_name=str(int(person.first_name) + 1))
                try:
                    uow.persons.save(changed)
                    uow.commit()
                except ConflictError:
                    conflicts.append(1)
                    continue
            done += 1

    workers = [threading.Thread(target=bump, args=(50,)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    with store.unit_of_work() as uow:
        person = uow.persons.get(PersonId(1))
    assert (person.first_name, person.version) == ("200", 201)
    store.verify_indexes()


def test_two_open_units_adding_one_id_conflict_at_commit() -> None:
    store = InMemoryStore()
    first, second = store.unit_of_work(), store.unit_of_work()
    with first, second:
        first.persons.add(_person(1, first_name="First"))
        second.persons.add(_person(1, first_name="Second"))
        first.commit()
        with pytest.raises(ConflictError):
            second.commit()
        assert not second.has_changes
    with store.unit_of_work() as uow:
        assert uow.persons.get(PersonId(1)).first_name == "First"
    store.verify_indexes()


def test_a_conflict_found_at_commit_writes_nothing() -> None:
    store = InMemoryStore()
    store.load_bulk([_company(1)], [_person(1, 1), _person(2, 1)])
    first, second = store.unit_of_work(), store.unit_of_work()
    with first, second:
        first.persons.save(attrs.evolve(first.persons.get(PersonId(2)), first_name="Changed"))
        first.companies.save(
            attrs.evolve(first.companies.get(CompanyId(1)), category_id=CategoryId(1))
        )
        first.history.append([HistoryEntry(PersonId(2), HistoryKind.HIDE, None, None, AT)])
        second.companies.save(attrs.evolve(second.companies.get(CompanyId(1)), name="2nd"))
        second.commit()
        with pytest.raises(ConflictError):
            first.commit()
    with store.unit_of_work() as uow:
        assert uow.persons.get(PersonId(2)).first_name == "A"
        assert uow.companies.get(CompanyId(1)).category_id is None
        assert list(uow.history) == []
        in_lead = Query(condition("person.category", "in", 1), now=AT)
        assert uow.persons.count(in_lead) == 0
    store.verify_indexes()


def test_a_company_rename_does_not_rekey_its_persons_but_a_category_change_does() -> None:
    from leadcore.clock import SequentialIds, SystemClock
    from leadcore.service import LeadService

    store = InMemoryStore()
    service = LeadService(store.unit_of_work, clock=SystemClock(), ids=SequentialIds())
    categories = service.lists().categories
    lead, customer = categories.by_name("Lead").id, categories.by_name("Customer").id
    acme = service.companies.add("Acme", category_id=customer)
    for n in range(3):
        service.persons.add(f"P{n}", company_id=acme.id)
    with store.unit_of_work() as uow:
        uow.companies.save(attrs.evolve(uow.companies.get(acme.id), name="Acme Ltd"))
        assert store._state.rows_touched_by(uow._unit.pending) == {}
        uow.commit()
    service.companies.change_category(acme.id, lead)
    store.verify_indexes()
    lead_query = Query(condition("person.category", "in", lead))
    with store.unit_of_work() as uow:
        assert uow.persons.count(lead_query) == 3


def test_ids_continue_after_the_highest_ids_ever_stored_deleted_ones_included() -> None:
    store = InMemoryStore()
    with store.unit_of_work() as uow:
        uow.associates.add(Associate(AssociateId(4), "Ann"))
        uow.companies.add(Company(CompanyId(9), "Acme", None, AT, AT))
        uow.persons.add(Person(PersonId(3), None, "Bo", "Berg", AT, AT))
        uow.commit()
    with store.unit_of_work() as uow:
        uow.persons.delete(uow.persons.get(PersonId(3)))
        uow.commit()
    ids = store.ids()
    kinds = ("company", "person", "selection", "associate")
    assert [ids.next_id(kind) for kind in kinds] == [10, 4, 1, 5]
