"""The adapter conformance kit: abstract pytest test classes for storage adapters.

An adapter proves it behaves like leadcore's in-memory default by subclassing
the ``*Contract`` classes (pytest does not collect them by themselves) in a
class named ``Test*`` and implementing :meth:`AdapterContract.fresh_factory`:
given the lists to start with, return a factory of units of work over a new,
empty store.

.. code-block:: python

    from leadcore.adapters.memory import InMemoryStore
    from leadcore.testing.contract import AdapterContract

    class TestMyAdapter(AdapterContract):
        def fresh_factory(self, lists):
            return InMemoryStore(lists).unit_of_work

The classes cover CRUD, versions and conflicts, rollback (on exception, on
leaving without commit, after a failed commit), history order, settings, lists,
selections, and find/count agreeing with the compiled predicate on generated
data and generated criteria (the kit's own, aimed at what adapters index, and
the hostile scenarios of :mod:`leadcore.testing.strategies`), with order and paging.

An adapter may detect a conflict when saving or when committing; the kit
accepts both. Two open units never write the same row in the kit, so an adapter
that writes through to a database holding row locks does not block itself.

>>> issubclass(AdapterContract, QueryContract)
True
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadcore.criteria.ast import ALWAYS, Criterion, Group, Groups
from leadcore.criteria.build import condition
from leadcore.criteria.evaluate import Environment, company_predicate, person_predicate
from leadcore.criteria.fields import Entity
from leadcore.errors import ConflictError, NotFoundError, ValidationError
from leadcore.history import HistoryEntry, HistoryKind
from leadcore.lists import new_database
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
from leadcore.ports import Order, Page, Query, StoredLists, UnitOfWork
from leadcore.selections import DynamicSelection, Members, StaticSelection, Target
from leadcore.testing.strategies import Scenario, scenarios

__all__ = [
    "AT",
    "AdapterContract",
    "ConflictContract",
    "CrudContract",
    "HistoryContract",
    "ListsContract",
    "QueryContract",
    "RollbackContract",
    "SelectionContract",
    "SettingsContract",
    "UnitOfWorkFactory",
    "company_rows",
    "contract_criteria",
    "person_rows",
]

UnitOfWorkFactory = Callable[[], UnitOfWork]
"""Makes a new unit of work over one store."""

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
"""The time the kit's records are stamped with; queries run at ``AT + 30 days``."""

_NOW = AT + timedelta(days=30)
_ASSOCIATES = (AssociateId(1), AssociateId(2), AssociateId(3))
_NAMES = ("Ann", "ann", "Bo", "Åse", "Bob", "Lee")


def _lists() -> StoredLists:
    categories, statuses = new_database()
    return StoredLists(categories, statuses)


def _company(n: int, category: int | None = None, owner: int | None = None) -> Company:
    return Company(
        CompanyId(n),
        f"Company {n}",
        None if category is None else CategoryId(category),
        AT,
        AT,
        owner_id=None if owner is None else AssociateId(owner),
    )


def _person(n: int, company: int | None = None, **changes: Any) -> Person:
    values: dict[str, Any] = {"first_name": "P", "last_name": f"Person {n}"}
    values.update(changes)
    company_id = None if company is None else CompanyId(company)
    return Person(PersonId(n), company_id, registered=AT, updated=AT, **values)


# --- data and criteria strategies -------------------------------------------------------


_CATEGORY_IDS = tuple(c.id for c in new_database()[0].items)
_STATUS_IDS = tuple(s.id for s in new_database()[1].items)


@st.composite
def company_rows(draw: st.DrawFn, max_size: int = 6) -> list[Company]:
    """Companies with ids 1..n, random categories and owners (some missing)."""
    count = draw(st.integers(0, max_size))
    return [
        Company(
            CompanyId(n),
            draw(st.sampled_from(("Acme", "acme ltd", "Beta", "Øst A/S"))),
            draw(st.none() | st.sampled_from(_CATEGORY_IDS)),
            draw(st.sampled_from((AT - timedelta(days=3), AT, _NOW))),
            AT,
            owner_id=draw(st.none() | st.sampled_from(_ASSOCIATES)),
        )
        for n in range(1, count + 1)
    ]


@st.composite
def person_rows(draw: st.DrawFn, companies: Sequence[Company], max_size: int = 14) -> list[Person]:
    """Persons with ids 1..n over ``companies``; some without company (with a category)."""
    count = draw(st.integers(0, max_size))
    company_ids = [c.id for c in companies]
    persons = []
    for n in range(1, count + 1):
        company = draw(st.none() | st.sampled_from(company_ids)) if company_ids else None
        persons.append(
            Person(
                PersonId(n),
                company,
                draw(st.sampled_from(_NAMES)),
                draw(st.sampled_from(_NAMES)),
                draw(st.sampled_from((AT - timedelta(days=40), AT, _NOW))),
                AT,
                email=draw(st.sampled_from(("", "a@x.dk", "B@Y.com"))),
                owner_id=draw(st.none() | st.sampled_from(_ASSOCIATES)),
                lead_status_id=draw(st.none() | st.sampled_from(_STATUS_IDS)),
                own_category_id=(
                    draw(st.none() | st.sampled_from(_CATEGORY_IDS)) if company is None else None
                ),
                retired=draw(st.booleans()),
                status_changed=draw(st.none() | st.sampled_from((AT - timedelta(days=40), AT))),
            )
        )
    return persons


def _ids(pool: Sequence[int]) -> st.SearchStrategy[list[int]]:
    return st.lists(st.sampled_from(pool), max_size=3)


def _person_leaves() -> st.SearchStrategy[Criterion]:
    groups = tuple(range(6))
    in_ops = st.sampled_from(("in", "not_in"))
    list_leaf = st.one_of(
        st.tuples(st.just("person.lead_status"), in_ops, _ids(_STATUS_IDS)),
        st.tuples(st.just("person.category"), in_ops, _ids(_CATEGORY_IDS)),
        st.tuples(st.just("company.category"), in_ops, _ids(_CATEGORY_IDS)),
        st.tuples(st.just("person.category_group"), in_ops, _ids(groups)),
        st.tuples(st.just("company.category_group"), in_ops, _ids(groups)),
        st.tuples(st.sampled_from(("person.owner", "company.owner")), in_ops, _ids(_ASSOCIATES)),
    ).map(lambda t: condition(t[0], t[1], *t[2]))
    flag_leaf = st.tuples(
        st.sampled_from(("person.retired", "person.has_company")),
        st.sampled_from(("is_true", "is_false")),
    ).map(lambda t: condition(t[0], t[1]))
    me_leaf = st.tuples(
        st.sampled_from(("person.owner", "company.owner")),
        st.sampled_from(("current_associate", "not_current_associate")),
    ).map(lambda t: condition(t[0], t[1]))
    text_leaf = st.tuples(
        st.sampled_from(("person.first_name", "person.email", "company.name")),
        st.sampled_from(("begins", "contains", "not_begins", "equals")),
        st.sampled_from(("a", "A%", "b", "ø", "x.dk")),
    ).map(lambda t: condition(t[0], t[1], t[2]))
    other_leaf = st.one_of(
        st.integers(0, 12).map(lambda n: condition("person.id", "gt", n)),
        st.sampled_from(("before_today", "today")).map(
            lambda op: condition("person.registered", op)
        ),
    )
    presence_leaf = st.tuples(
        st.sampled_from(("person.lead_status", "company.owner", "person.status_changed")),
        st.sampled_from(("set", "not_set")),
    ).map(lambda t: condition(t[0], t[1]))
    relative_leaf = st.tuples(
        st.sampled_from(("last", "older_than", "this_and_previous")), st.integers(1, 60)
    ).map(lambda t: condition("person.status_changed", t[0], t[1], "day"))
    return st.one_of(
        list_leaf, flag_leaf, me_leaf, text_leaf, other_leaf, presence_leaf, relative_leaf
    )


def _tree(leaves: st.SearchStrategy[Criterion]) -> st.SearchStrategy[Criterion]:
    def extend(inner: st.SearchStrategy[Criterion]) -> st.SearchStrategy[Criterion]:
        return st.one_of(
            st.tuples(inner, inner).map(lambda t: t[0] & t[1]),
            st.tuples(inner, inner).map(lambda t: t[0] | t[1]),
            inner.map(lambda c: ~c),
        )

    return st.recursive(leaves, extend, max_leaves=6)


def _groups(leaves: st.SearchStrategy[Criterion]) -> st.SearchStrategy[Criterion]:
    group = st.builds(
        lambda items, subtract: Group(tuple(items), subtract=subtract),
        st.lists(leaves, min_size=0, max_size=3),
        st.booleans(),
    )
    return st.lists(group, max_size=3).map(lambda gs: Groups(tuple(gs)))


def contract_criteria() -> st.SearchStrategy[Criterion]:
    """Person criteria the kit checks adapters with: and/or/not trees and group forms.

    Leaves cover list, associate ("me" included), yes/no, text, number and date
    fields, on persons and through their company, "has a value" and the relative
    operators on the time of the latest status change.
    """
    leaves = _person_leaves()
    return st.one_of(_tree(leaves), _groups(leaves))


def _company_criteria() -> st.SearchStrategy[Criterion]:
    in_ops = st.sampled_from(("in", "not_in"))
    leaf = st.one_of(
        st.tuples(st.just("company.category"), in_ops, _ids(_CATEGORY_IDS)),
        st.tuples(st.just("company.category_group"), in_ops, _ids(tuple(range(6)))),
        st.tuples(st.just("company.owner"), in_ops, _ids(_ASSOCIATES)),
    ).map(lambda t: condition(t[0], t[1], *t[2], entity=Entity.COMPANY))
    text = st.sampled_from(("a", "A%", "b")).map(
        lambda v: condition("company.name", "begins", v, entity=Entity.COMPANY)
    )
    return _tree(st.one_of(leaf, text))


# --- the contract classes ---------------------------------------------------------------


class AdapterBase(abc.ABC):
    """What every contract class needs from the adapter under test."""

    @abc.abstractmethod
    def fresh_factory(self, lists: StoredLists) -> UnitOfWorkFactory:
        """A factory of units of work over a new, empty store holding ``lists``."""

    def factory(self) -> UnitOfWorkFactory:
        """A new empty store with a new database's lists."""
        return self.fresh_factory(_lists())

    def seeded(
        self, companies: Sequence[Company] = (), persons: Sequence[Person] = ()
    ) -> UnitOfWorkFactory:
        """A new store holding ``companies`` and ``persons`` (committed, version 1)."""
        factory = self.factory()
        with factory() as uow:
            for company in companies:
                uow.companies.add(company)
            for person in persons:
                uow.persons.add(person)
            uow.commit()
        return factory


class CrudContract(AdapterBase):
    """Add, get, save, versions, of_company, referential checks."""

    def test_add_stores_version_one_and_get_returns_it(self) -> None:
        factory = self.factory()
        with factory() as uow:
            company = uow.companies.add(_company(1, category=1))
            person = uow.persons.add(_person(1, company=1))
            assert (company.version, person.version) == (1, 1)
            uow.commit()
        with factory() as uow:
            assert uow.companies.get(CompanyId(1)) == company
            assert uow.persons.get(PersonId(1)) == person

    def test_get_unknown_raises_not_found(self) -> None:
        with self.factory()() as uow:
            with pytest.raises(NotFoundError):
                uow.persons.get(PersonId(99))
            with pytest.raises(NotFoundError):
                uow.companies.get(CompanyId(99))

    def test_add_an_existing_id_is_a_conflict(self) -> None:
        factory = self.seeded([_company(1)], [_person(1)])
        with factory() as uow:
            with pytest.raises(ConflictError):
                uow.companies.add(_company(1))
            with pytest.raises(ConflictError):
                uow.persons.add(_person(1))

    def test_person_of_unknown_company_is_refused(self) -> None:
        with self.factory()() as uow, pytest.raises(NotFoundError):
            uow.persons.add(_person(1, company=5))

    def test_save_bumps_the_version(self) -> None:
        factory = self.seeded([_company(1)], [_person(1, company=1)])
        with factory() as uow:
            person = uow.persons.get(PersonId(1))
            saved = uow.persons.save(attrs.evolve(person, first_name="Ann"))
            again = uow.persons.save(attrs.evolve(saved, last_name="Lee"))
            assert (saved.version, again.version) == (2, 3)
            company = uow.companies.save(attrs.evolve(uow.companies.get(CompanyId(1)), name="X"))
            assert company.version == 2
            uow.commit()
        with factory() as uow:
            assert uow.persons.get(PersonId(1)).full_name == "Ann Lee"
            assert uow.persons.get(PersonId(1)).version == 3
            assert uow.companies.get(CompanyId(1)).name == "X"

    def test_save_unknown_raises_not_found(self) -> None:
        with self.factory()() as uow, pytest.raises(NotFoundError):
            uow.persons.save(_person(1))

    def test_of_company_lists_its_persons_by_id_including_unsaved_changes(self) -> None:
        factory = self.seeded(
            [_company(1), _company(2)], [_person(3, 1), _person(1, 1), _person(2, 2)]
        )
        with factory() as uow:
            assert [p.id for p in uow.persons.of_company(CompanyId(1))] == [1, 3]
            moved = attrs.evolve(uow.persons.get(PersonId(2)), company_id=CompanyId(1))
            uow.persons.save(moved)
            uow.persons.add(_person(4, 1))
            assert [p.id for p in uow.persons.of_company(CompanyId(1))] == [1, 2, 3, 4]
            assert uow.persons.of_company(CompanyId(2)) == []

    def test_save_many_stores_all_or_none(self) -> None:
        factory = self.seeded([], [_person(1), _person(2)])
        with factory() as uow:
            one, two = uow.persons.get(PersonId(1)), uow.persons.get(PersonId(2))
            stale = attrs.evolve(two, version=7)
            with pytest.raises(ConflictError):
                uow.persons.save_many([attrs.evolve(one, first_name="X"), stale])
            assert uow.persons.get(PersonId(1)).first_name == "P"
            saved = uow.persons.save_many([one, two])
            assert [p.version for p in saved] == [2, 2]


class ConflictContract(AdapterBase):
    """A stale copy raises ConflictError and writes nothing (no lost update)."""

    def test_stale_save_in_one_unit_is_refused(self) -> None:
        factory = self.seeded([], [_person(1)])
        with factory() as uow:
            loaded = uow.persons.get(PersonId(1))
            uow.persons.save(attrs.evolve(loaded, first_name="New"))
            with pytest.raises(ConflictError) as caught:
                uow.persons.save(attrs.evolve(loaded, first_name="Lost"))
            assert caught.value.context["id"] == 1
            assert uow.persons.get(PersonId(1)).first_name == "New"

    def test_concurrent_units_cannot_lose_an_update(self) -> None:
        factory = self.seeded([_company(1)], [_person(1, 1)])
        first, second = factory(), factory()
        with first, second:
            mine = first.persons.get(PersonId(1))
            theirs = second.persons.get(PersonId(1))
            second.persons.save(attrs.evolve(theirs, first_name="Theirs"))
            second.commit()
            with pytest.raises(ConflictError):
                _save_and_commit(first, attrs.evolve(mine, first_name="Mine"))
        with factory() as uow:
            assert uow.persons.get(PersonId(1)).first_name == "Theirs"
            assert uow.persons.get(PersonId(1)).version == 2

    def test_a_conflict_writes_nothing_of_the_unit(self) -> None:
        # The two units never write the same row while both are open, so an adapter
        # that writes through with row locks (SQL) runs this without blocking itself.
        factory = self.seeded([_company(1)], [_person(1, 1), _person(2, 1)])
        first, second = factory(), factory()
        with first, second:
            company = first.companies.get(CompanyId(1))
            first.persons.save(attrs.evolve(first.persons.get(PersonId(2)), first_name="A"))
            first.history.append([_entry(2)])
            first.settings.set("k", 1)
            second.companies.save(attrs.evolve(second.companies.get(CompanyId(1)), name="2nd"))
            second.commit()
            with pytest.raises(ConflictError):
                _save_company_and_commit(first, attrs.evolve(company, name="First"))
        with factory() as uow:
            assert uow.persons.get(PersonId(2)).first_name == "P"
            assert uow.companies.get(CompanyId(1)).name == "2nd"
            assert list(uow.history) == []
            assert uow.settings.get("k") is None

    def test_two_units_adding_one_id_conflict(self) -> None:
        factory = self.factory()
        first, second = factory(), factory()
        with first, second:
            first.persons.add(_person(1, first_name="First"))
            first.commit()
            with pytest.raises(ConflictError):
                _add_and_commit(second, _person(1, first_name="Second"))
        with factory() as uow:
            assert uow.persons.get(PersonId(1)).first_name == "First"


def _save_company_and_commit(uow: UnitOfWork, company: Company) -> None:
    """Save then commit; an adapter may detect the conflict at either step."""
    uow.companies.save(company)
    uow.commit()


def _add_and_commit(uow: UnitOfWork, person: Person) -> None:
    """Add then commit; an adapter may detect the conflict at either step."""
    uow.persons.add(person)
    uow.commit()


def _save_and_commit(uow: UnitOfWork, person: Person) -> None:
    """Save then commit; an adapter may detect the conflict at either step."""
    uow.persons.save(person)
    uow.commit()


def _entry(person: int, to: int | None = 1, reason: str | None = None) -> HistoryEntry:
    return HistoryEntry(
        PersonId(person),
        HistoryKind.CHANGE,
        None,
        None if to is None else LeadStatusId(to),
        AT,
        reason=reason,
    )


class RollbackContract(AdapterBase):
    """Leaving without commit, or with an exception, leaves no trace."""

    def _change_everything(self, uow: UnitOfWork) -> None:
        uow.companies.add(_company(2, category=1))
        uow.persons.add(_person(5, company=2, lead_status_id=LeadStatusId(1)))
        person = uow.persons.get(PersonId(1))
        uow.persons.save(attrs.evolve(person, lead_status_id=LeadStatusId(2)))
        company = uow.companies.get(CompanyId(1))
        uow.companies.save(attrs.evolve(company, category_id=CategoryId(5)))
        uow.history.append([_entry(1, 2)])
        uow.settings.set("theme", "dark")
        lists = uow.lists.load()
        categories, _ = lists.categories.add("Fresh", lists.categories.get(CategoryId(1)).group)
        uow.lists.save(attrs.evolve(lists, categories=categories))

    def _assert_untouched(self, factory: UnitOfWorkFactory) -> None:
        with factory() as uow:
            with pytest.raises(NotFoundError):
                uow.companies.get(CompanyId(2))
            with pytest.raises(NotFoundError):
                uow.persons.get(PersonId(5))
            assert uow.persons.get(PersonId(1)).lead_status_id is None
            assert uow.persons.get(PersonId(1)).version == 1
            assert uow.companies.get(CompanyId(1)).category_id is None
            assert list(uow.history) == []
            assert uow.settings.get("theme") is None
            assert uow.lists.load().version == 1
            assert uow.persons.count(Query(condition("person.lead_status", "in", 1, 2))) == 0
            assert uow.persons.count(Query(condition("company.category", "in", 5))) == 0

    def test_exit_without_commit_rolls_back(self) -> None:
        factory = self.seeded([_company(1)], [_person(1, 1)])
        with factory() as uow:
            self._change_everything(uow)
            assert uow.persons.get(PersonId(5)).version == 1
        self._assert_untouched(factory)

    def test_exception_rolls_back(self) -> None:
        factory = self.seeded([_company(1)], [_person(1, 1)])

        def refused_halfway() -> None:
            with factory() as uow:
                self._change_everything(uow)
                raise RuntimeError("refused halfway")

        with pytest.raises(RuntimeError):
            refused_halfway()
        self._assert_untouched(factory)

    def test_explicit_rollback_then_commit_keeps_only_later_changes(self) -> None:
        factory = self.seeded([_company(1)], [_person(1, 1)])
        with factory() as uow:
            self._change_everything(uow)
            uow.rollback()
            uow.settings.set("after", True)
            uow.commit()
        with factory() as uow:
            assert uow.settings.get("after") is True
            assert uow.settings.get("theme") is None
            assert uow.persons.get(PersonId(1)).version == 1

    def test_committed_changes_are_visible_to_later_units(self) -> None:
        factory = self.seeded([_company(1)], [_person(1, 1)])
        with factory() as uow:
            self._change_everything(uow)
            uow.commit()
        with factory() as uow:
            assert uow.persons.get(PersonId(5)).company_id == 2
            assert uow.persons.count(Query(condition("company.category", "in", 5))) == 1
            assert uow.lists.load().version == 2
            assert uow.settings.get("theme") == "dark"
            assert [e.person_id for e in uow.history] == [1]

    def test_uncommitted_changes_are_invisible_to_other_units(self) -> None:
        factory = self.seeded([_company(1)], [_person(1, 1)])
        with factory() as writer:
            self._change_everything(writer)
            self._assert_untouched(factory)


class HistoryContract(AdapterBase):
    """The status history is append-only and kept in order."""

    def test_append_order_and_per_person(self) -> None:
        factory = self.factory()
        with factory() as uow:
            uow.history.append([_entry(1, 1), _entry(2, 1)])
            uow.history.append([_entry(1, 2, reason="called")])
            assert [e.to_status for e in uow.history.for_person(PersonId(1))] == [1, 2]
            uow.commit()
        with factory() as uow:
            uow.history.append([_entry(1, 3)])
            assert [e.to_status for e in uow.history.for_person(PersonId(1))] == [1, 2, 3]
            uow.commit()
        with factory() as uow:
            assert [(e.person_id, e.to_status) for e in uow.history] == [
                (1, 1),
                (2, 1),
                (1, 2),
                (1, 3),
            ]
            assert uow.history.for_person(PersonId(1))[1].reason == "called"
            assert uow.history.for_person(PersonId(9)) == []


class SettingsContract(AdapterBase):
    """Settings hold plain JSON values by key."""

    def test_get_default_set_and_get(self) -> None:
        factory = self.factory()
        with factory() as uow:
            assert uow.settings.get("missing", 42) == 42
            uow.settings.set("columns", {"person": ["name", "status"], "width": 3})
            uow.commit()
        with factory() as uow:
            assert uow.settings.get("columns") == {"person": ["name", "status"], "width": 3}

    def test_stored_value_is_a_copy(self) -> None:
        factory = self.factory()
        value: dict[str, list[int]] = {"a": [1]}
        with factory() as uow:
            uow.settings.set("v", value)
            uow.commit()
        value["a"].append(2)
        with factory() as uow:
            assert uow.settings.get("v") == {"a": [1]}

    def test_non_json_value_is_refused(self) -> None:
        with self.factory()() as uow, pytest.raises(ValidationError):
            uow.settings.set("when", datetime.now(UTC))


class ListsContract(AdapterBase):
    """The two admin lists are saved together, versioned."""

    def test_load_save_and_conflict(self) -> None:
        factory = self.factory()
        with factory() as uow:
            lists = uow.lists.load()
            assert lists.version == 1
            assert lists.statuses.default.key == "open"
            statuses, added = lists.statuses.add("Nurturing")
            saved = uow.lists.save(attrs.evolve(lists, statuses=statuses))
            assert saved.version == 2
            with pytest.raises(ConflictError):
                uow.lists.save(lists)
            uow.commit()
        with factory() as uow:
            loaded = uow.lists.load()
            assert loaded.version == 2
            assert loaded.statuses.get(added.id).name == "Nurturing"
            assert loaded.categories == lists.categories


class SelectionContract(AdapterBase):
    """Selections are stored, versioned, listed and deleted."""

    def test_crud(self) -> None:
        factory = self.factory()
        static = StaticSelection(
            SelectionId(2), "Hot", Target.PERSONS, Members(persons=frozenset({PersonId(1)}))
        )
        dynamic = DynamicSelection(
            SelectionId(1), "Open leads", Target.PERSONS, condition("person.lead_status", "in", 1)
        )
        with factory() as uow:
            assert uow.selections.add(static).version == 1
            uow.selections.add(dynamic)
            with pytest.raises(ConflictError):
                uow.selections.add(static)
            uow.commit()
        with factory() as uow:
            assert [s.id for s in uow.selections.all()] == [1, 2]
            loaded = uow.selections.get(SelectionId(2))
            renamed = uow.selections.save(attrs.evolve(loaded, name="Warm"))
            assert renamed.version == 2
            with pytest.raises(ConflictError):
                uow.selections.save(loaded)
            uow.selections.delete(SelectionId(1))
            with pytest.raises(NotFoundError):
                uow.selections.get(SelectionId(1))
            uow.commit()
        with factory() as uow:
            assert [(s.id, s.name) for s in uow.selections.all()] == [(2, "Warm")]
            assert uow.selections.get(SelectionId(2)) == renamed
            with pytest.raises(NotFoundError):
                uow.selections.delete(SelectionId(1))


def _query(criteria: Criterion, **changes: Any) -> Query:
    return Query(criteria, now=_NOW, current_associate=_ASSOCIATES[0], **changes)


def _environment(lists: StoredLists) -> Environment:
    return Environment(lists.categories, _NOW, current_associate=_ASSOCIATES[0])


class QueryContract(AdapterBase):
    """find/count agree with the compiled predicate; order and paging."""

    def _expected(
        self, persons: Sequence[Person], companies: Sequence[Company], criteria: Criterion
    ) -> list[PersonId]:
        test = person_predicate(criteria, _environment(_lists()))
        by_id = {c.id: c for c in companies}
        return sorted(
            p.id for p in persons if test(p, None if p.company_id is None else by_id[p.company_id])
        )

    @settings(suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data(), criteria=contract_criteria())
    def test_find_and_count_agree_with_the_predicate(
        self, data: st.DataObject, criteria: Criterion
    ) -> None:
        companies = data.draw(company_rows())
        persons = data.draw(person_rows(companies))
        factory = self.seeded(companies, persons)
        expected = self._expected(persons, companies, criteria)
        with factory() as uow:
            assert sorted(p.id for p in uow.persons.find(_query(criteria))) == expected
            assert uow.persons.count(_query(criteria)) == len(expected)

    @settings(suppress_health_check=[HealthCheck.too_slow])
    @given(scenario=scenarios(max_rows=10))
    def test_find_and_count_agree_on_hostile_scenarios(self, scenario: Scenario) -> None:
        companies = {c.id: c for _, c in scenario.rows if c is not None}
        factory = self.fresh_factory(StoredLists(scenario.categories, scenario.statuses))
        with factory() as uow:
            for company in companies.values():
                uow.companies.add(company)
            for person, _ in scenario.rows:
                uow.persons.add(person)
            uow.commit()
        env = scenario.environment
        test = person_predicate(scenario.criterion, env)
        expected = sorted(p.id for p, c in scenario.rows if test(p, c))
        query = Query(scenario.criterion, now=env.now, current_associate=env.current_associate)
        with factory() as uow:
            assert sorted(p.id for p in uow.persons.find(query)) == expected
            assert uow.persons.count(query) == len(expected)

    @settings(suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data(), criteria=contract_criteria())
    def test_find_sees_the_units_own_changes(
        self, data: st.DataObject, criteria: Criterion
    ) -> None:
        companies = data.draw(company_rows(max_size=4))
        persons = data.draw(person_rows(companies, max_size=8))
        factory = self.seeded(companies, persons)
        changed_companies = data.draw(company_rows(max_size=len(companies)))
        later = data.draw(person_rows(companies, max_size=12))
        with factory() as uow:
            for company in changed_companies:
                uow.companies.save(attrs.evolve(company, version=1))
            current = {c.id: c for c in companies}
            current.update({c.id: c for c in changed_companies})
            known = {p.id for p in persons}
            for person in later:
                if person.id in known:
                    uow.persons.save(attrs.evolve(person, version=1))
                else:
                    uow.persons.add(person)
            final = {p.id: p for p in persons}
            final.update({p.id: p for p in later})
            expected = self._expected(list(final.values()), list(current.values()), criteria)
            assert sorted(p.id for p in uow.persons.find(_query(criteria))) == expected
            assert uow.persons.count(_query(criteria)) == len(expected)

    @settings(suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data(), criteria=_company_criteria())
    def test_company_find_and_count_agree_with_the_predicate(
        self, data: st.DataObject, criteria: Criterion
    ) -> None:
        companies = data.draw(company_rows())
        factory = self.seeded(companies)
        test = company_predicate(criteria, _environment(_lists()))
        expected = sorted(c.id for c in companies if test(c))
        with factory() as uow:
            assert sorted(c.id for c in uow.companies.find(_query(criteria))) == expected
            assert uow.companies.count(_query(criteria)) == len(expected)

    def test_order_missing_values_last_then_id_and_paging(self) -> None:
        persons = [
            _person(1, last_name="b", owner_id=AssociateId(2)),
            _person(2, last_name="A", owner_id=None),
            _person(3, last_name="c", owner_id=AssociateId(1)),
            _person(4, last_name="a", owner_id=AssociateId(2)),
        ]
        factory = self.seeded([], persons)
        with factory() as uow:
            by_name = uow.persons.find(_query(ALWAYS, order=(Order("person.last_name"),)))
            assert [p.id for p in by_name] == [2, 4, 1, 3]
            by_owner = uow.persons.find(
                _query(ALWAYS, order=(Order("person.owner", descending=True),))
            )
            assert [p.id for p in by_owner] == [1, 4, 3, 2]
            two = _query(ALWAYS, order=(Order("person.last_name"),), page=Page(1, 2))
            assert [p.id for p in uow.persons.find(two)] == [4, 1]
            assert uow.persons.count(two) == 4
            assert [p.id for p in uow.persons.find(_query(ALWAYS, page=Page(3)))] == [4]

    def test_list_fields_order_by_rank(self) -> None:
        lists = _lists()
        contacting, open_ = lists.statuses.by_key("contacting"), lists.statuses.by_key("open")
        persons = [
            _person(1, lead_status_id=contacting.id),
            _person(2, lead_status_id=None),
            _person(3, lead_status_id=open_.id),
        ]
        factory = self.seeded([], persons)
        with factory() as uow:
            ordered = uow.persons.find(_query(ALWAYS, order=(Order("person.lead_status"),)))
            assert [p.id for p in ordered] == [3, 1, 2]

    def test_bad_criteria_are_refused(self) -> None:
        from leadcore.criteria.ast import Condition, Operator

        bad = Condition("person.lead_status", Operator.IN, (None,))
        factory = self.seeded([], [_person(1)])
        with factory() as uow, pytest.raises(ValidationError):
            uow.persons.count(_query(bad))

    def test_bad_page_is_refused(self) -> None:
        with self.factory()() as uow, pytest.raises(ValidationError):
            uow.persons.find(_query(ALWAYS, page=Page(offset=-1)))


class AdapterContract(
    CrudContract,
    ConflictContract,
    RollbackContract,
    HistoryContract,
    SettingsContract,
    ListsContract,
    SelectionContract,
    QueryContract,
):
    """Every contract at once: subclass this as ``Test...`` and implement ``fresh_factory``."""
