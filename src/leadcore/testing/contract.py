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
selections, associates, deletion (read-your-writes, rollback, conflicts, a
company with persons refused, finds after deletions), and find/count agreeing
with the compiled predicate on generated data and generated criteria (the
kit's own, aimed at what adapters index, and the hostile scenarios of
:mod:`leadcore.testing.strategies`), with order and paging; and the richer
reads: batch gets, pages with totals, finds with companies and grouped counts
(each bucket equal to the count of its value's criterion); the history's time-range
read (``between``) and the lead dashboards' tiles over a small story; and the views
(board, contacts tab, Find results, saved layouts, refused card moves) through
the service over the adapter.

An adapter may detect a conflict when saving or when committing; the kit
accepts both. Two open units never write the same row in the kit, so an adapter
that writes through to a database holding row locks does not block itself.

>>> issubclass(AdapterContract, QueryContract)
True
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping, Sequence
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
from leadcore.errors import CompanyHasPersons, ConflictError, NotFoundError, ValidationError
from leadcore.history import HistoryEntry, HistoryKind
from leadcore.lists import new_database
from leadcore.model import (
    Associate,
    AssociateId,
    Availability,
    CategoryId,
    Company,
    CompanyId,
    LeadStatusId,
    Person,
    PersonId,
    SelectionId,
)
from leadcore.ports import GroupedCounts, Order, Page, Query, StoredLists, UnitOfWork
from leadcore.selections import DynamicSelection, Members, StaticSelection, Target
from leadcore.testing.strategies import Scenario, scenarios

__all__ = [
    "AT",
    "PERSON_GROUP_FIELDS",
    "AdapterBase",
    "AdapterContract",
    "AssociateContract",
    "ConflictContract",
    "CrudContract",
    "DashboardsContract",
    "DeletionContract",
    "HistoryContract",
    "ListsContract",
    "QueryContract",
    "ReadsContract",
    "RollbackContract",
    "SelectionContract",
    "SettingsContract",
    "UnitOfWorkFactory",
    "ViewsContract",
    "check_grouped_counts",
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

    def test_a_conflict_the_adapter_finds_is_retryable(self) -> None:
        # Another unit changed the record first: the unit that lost can be run again
        # (reload, change, commit) and succeed, which ``retryable`` tells callers.
        factory = self.seeded([_company(1)], [_person(1, 1)])
        first, second = factory(), factory()
        with first, second:
            mine = first.persons.get(PersonId(1))
            theirs = second.persons.get(PersonId(1))
            second.persons.save(attrs.evolve(theirs, last_name="Theirs"))
            second.commit()
            with pytest.raises(ConflictError) as caught:
                _save_and_commit(first, attrs.evolve(mine, first_name="Mine"))
            assert caught.value.retryable
        with factory() as uow:  # run again: it reloads and decides on the new data
            again = uow.persons.get(PersonId(1))
            _save_and_commit(uow, attrs.evolve(again, first_name="Mine"))
        with factory() as uow:
            person = uow.persons.get(PersonId(1))
            assert (person.first_name, person.last_name, person.version) == ("Mine", "Theirs", 3)


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


def _entry_at(person: int, to: int, at: datetime) -> HistoryEntry:
    return HistoryEntry(PersonId(person), HistoryKind.CHANGE, None, LeadStatusId(to), at)


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

    def test_between_reads_a_time_range_of_the_matching_persons_per_person(self) -> None:
        factory = self.seeded(persons=[_person(1, owner_id=AssociateId(1)), _person(2), _person(3)])
        hour = timedelta(hours=1)
        with factory() as uow:
            uow.history.append([_entry(1, 1), _entry(2, 1)])
            uow.history.append([_entry_at(3, 2, AT - hour), _entry_at(1, 2, AT + 2 * hour)])
            uow.history.append([_entry_at(1, 3, AT + hour), _entry_at(9, 1, AT)])
            uow.commit()

        def statuses(
            found: Mapping[PersonId, Sequence[HistoryEntry]],
        ) -> dict[int, list[int | None]]:
            assert all(found.values()), "a person without entries in the range is left out"
            assert all(e.person_id == p for p, es in found.items() for e in es)
            return {p: [e.to_status for e in es] for p, es in found.items()}

        with factory() as uow:
            uow.history.append([_entry_at(2, 4, AT + 3 * hour)])  # the unit's own, uncommitted
            every = uow.history.between(None, None)
            assert statuses(every) == {1: [1, 3, 2], 2: [1, 4], 3: [2], 9: [1]}
            ranged = uow.history.between(AT, AT + 2 * hour)
            assert statuses(ranged) == {1: [1, 3], 2: [1], 9: [1]}
            mine = uow.history.between(None, None, _query(condition("person.owner", "in", 1)))
            assert statuses(mine) == {1: [1, 3, 2]}
            stored = uow.history.between(AT, None, _query(ALWAYS))  # person 9 does not exist
            assert statuses(stored) == {1: [1, 3, 2], 2: [1, 4]}
            assert uow.history.between(AT + 9 * hour, None) == {}
            assert statuses(uow.history.between(None, AT + hour)) == {
                1: [1],
                2: [1],
                3: [2],
                9: [1],
            }

    @given(data=st.data())
    @settings(max_examples=25)
    def test_between_agrees_with_filtering_every_entry(self, data: st.DataObject) -> None:
        moments = [AT + timedelta(hours=h) for h in range(4)]
        entry = st.tuples(st.integers(1, 4), st.sampled_from(_STATUS_IDS), st.sampled_from(moments))
        committed = [_entry_at(*t) for t in data.draw(st.lists(entry, max_size=10))]
        own = [_entry_at(*t) for t in data.draw(st.lists(entry, max_size=4))]
        start = data.draw(st.none() | st.sampled_from(moments))
        end = data.draw(st.none() | st.sampled_from(moments))
        owners = data.draw(st.none() | st.lists(st.sampled_from((1, 2)), max_size=2))
        factory = self.seeded(
            persons=[_person(n, owner_id=AssociateId(1 + n % 2)) for n in (1, 2, 3)]
        )
        with factory() as uow:
            uow.history.append(committed)
            uow.commit()
        persons = None if owners is None else _query(condition("person.owner", "in", *owners))
        wanted = {1, 2, 3, 4} if owners is None else {n for n in (1, 2, 3) if 1 + n % 2 in owners}
        expected: dict[int, list[HistoryEntry]] = {}
        for e in sorted(committed + own, key=lambda e: e.at):  # stable: append order on ties
            in_range = (start is None or e.at >= start) and (end is None or e.at < end)
            if e.person_id in wanted and in_range:
                expected.setdefault(e.person_id, []).append(e)
        with factory() as uow:
            uow.history.append(own)
            assert uow.history.between(start, end, persons) == expected


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


def _save_or_add(uow: UnitOfWork, stored: Sequence[Person], changes: Sequence[Person]) -> None:
    """Save ``changes`` of the ``stored`` persons (all at version 1) and add the others."""
    known = {p.id for p in stored}
    for person in changes:
        if person.id in known:
            uow.persons.save(attrs.evolve(person, version=1))
        else:
            uow.persons.add(person)


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
            _save_or_add(uow, persons, later)
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


_ORDERS = ((), (Order("person.last_name"),), (Order("person.lead_status", descending=True),))
PERSON_GROUP_FIELDS = (
    "person.lead_status",
    "person.category",
    "person.category_group",
    "person.owner",
    "company.category",
    "company.category_group",
    "company.owner",
)
"""The fields a person search counts by (:meth:`PersonRepository.count_by`)."""


def check_grouped_counts(
    uow: UnitOfWork,
    criteria: Criterion,
    make_query: Callable[[Criterion], Query],
    field_key: str,
    lists: StoredLists,
    *,
    visible_only: bool = False,
) -> GroupedCounts:
    """Assert the laws of :meth:`PersonRepository.count_by` for one criterion and field.

    The buckets sum to the plain count (with the hidden ones), the ``None``
    bucket comes last, and each bucket equals the count of its value's
    criterion: ``field in (value)`` (and a visible status under
    ``visible_only``), ``field not in (every other value)`` for ``None``.
    """
    counts = uow.persons.count_by(make_query(criteria), field_key, visible_only=visible_only)
    assert counts.field == field_key
    assert counts.total == uow.persons.count(make_query(criteria))
    assert counts.buckets[-1].value is None
    values = [b.value for b in counts.buckets if b.value is not None]
    assert len(set(values)) == len(values)
    visible = condition(
        "person.category", "in", *(c.id for c in lists.categories.items if c.lead_enabled)
    )
    for bucket in counts.buckets:
        leaf: Criterion
        if bucket.value is not None:
            leaf = condition(field_key, "in", bucket.value)
            if visible_only:
                leaf = leaf & visible
        elif visible_only:
            every = {s.id for s in lists.statuses.items} | set(values)
            leaf = condition(field_key, "not_in", *sorted(every))
        else:
            leaf = condition(field_key, "not_in", *values)
        assert uow.persons.count(make_query(criteria & leaf)) == bucket.count, bucket
    return counts


class ReadsContract(AdapterBase):
    """Batch gets, pages with totals, finds with companies, grouped counts."""

    def test_get_many_keeps_the_order_given_and_names_the_first_unknown(self) -> None:
        factory = self.seeded([_company(1), _company(2)], [_person(1), _person(2, 1)])
        with factory() as uow:
            assert [p.id for p in uow.persons.get_many([PersonId(2), PersonId(1)])] == [2, 1]
            assert [p.id for p in uow.persons.get_many([PersonId(2), PersonId(2)])] == [2, 2]
            assert uow.persons.get_many([]) == []
            assert [c.id for c in uow.companies.get_many([CompanyId(2), CompanyId(1)])] == [2, 1]
            with pytest.raises(NotFoundError) as error:
                uow.persons.get_many([PersonId(1), PersonId(8), PersonId(9)])
            assert error.value.context["id"] == 8
            with pytest.raises(NotFoundError):
                uow.companies.get_many([CompanyId(3)])
            uow.persons.add(_person(3))
            assert [p.id for p in uow.persons.get_many([PersonId(3)])] == [3]

    @settings(suppress_health_check=[HealthCheck.too_slow])
    @given(
        data=st.data(),
        criteria=contract_criteria(),
        size=st.integers(1, 4),
        order=st.sampled_from(_ORDERS),
    )
    def test_pages_concatenate_to_the_find_and_carry_its_count(
        self, data: st.DataObject, criteria: Criterion, size: int, order: tuple[Order, ...]
    ) -> None:
        companies = data.draw(company_rows(max_size=4))
        persons = data.draw(person_rows(companies, max_size=10))
        if data.draw(st.booleans(), label="reversed ids"):
            persons.reverse()
        factory = self.seeded(companies, persons)
        changed = data.draw(person_rows(companies, max_size=12), label="unit's own changes")
        with factory() as uow:
            _save_or_add(uow, persons, changed)
            whole = uow.persons.find(_query(criteria, order=order))
            total = uow.persons.count(_query(criteria))
            assert len(whole) == total
            pages: list[Person] = []
            for offset in range(0, total + size, size):
                query = _query(criteria, order=order, page=Page(offset, size))
                result = uow.persons.find_page(query)
                assert result.total == total
                assert result.page == Page(offset, size)
                assert len(result.items) <= size
                pages.extend(result.items)
            assert pages == whole
            assert list(uow.persons.find_page(_query(criteria, order=order)).items) == whole
            paired = uow.persons.find_with_companies(_query(criteria, order=order))
            assert [p for p, _ in paired] == whole
            for person, company in paired:
                company_id = person.company_id
                assert company == (None if company_id is None else uow.companies.get(company_id))

    def test_company_pages_carry_the_total(self) -> None:
        factory = self.seeded([_company(n) for n in range(1, 6)])
        with factory() as uow:
            query = _query(ALWAYS, page=Page(3, 10))
            result = uow.companies.find_page(query)
            assert [c.id for c in result.items] == [4, 5]
            assert result.total == 5
            with pytest.raises(ValidationError):
                uow.companies.find_page(_query(ALWAYS, page=Page(-1, 1)))
        with factory() as uow, pytest.raises(ValidationError):
            uow.persons.find_page(_query(ALWAYS, page=Page(0, -1)))

    @settings(suppress_health_check=[HealthCheck.too_slow])
    @given(
        data=st.data(),
        criteria=contract_criteria(),
        field_key=st.sampled_from(PERSON_GROUP_FIELDS),
        visible_only=st.booleans(),
    )
    def test_grouped_counts_sum_to_the_count_and_match_each_values_criterion(
        self, data: st.DataObject, criteria: Criterion, field_key: str, visible_only: bool
    ) -> None:
        visible_only = visible_only and field_key == "person.lead_status"
        companies = data.draw(company_rows(max_size=4))
        persons = data.draw(person_rows(companies, max_size=10))
        factory = self.seeded(companies, persons)
        changed_companies = data.draw(company_rows(max_size=len(companies)))
        lists = _lists()
        with factory() as uow:
            check_grouped_counts(uow, criteria, _query, field_key, lists, visible_only=visible_only)
            for company in changed_companies:  # read your writes: re-keyed persons
                uow.companies.save(attrs.evolve(company, version=1))
            check_grouped_counts(uow, criteria, _query, field_key, lists, visible_only=visible_only)

    @settings(suppress_health_check=[HealthCheck.too_slow])
    @given(
        scenario=scenarios(max_rows=8, max_leaves=6),
        field_key=st.sampled_from(PERSON_GROUP_FIELDS),
    )
    def test_grouped_counts_on_hostile_scenarios(self, scenario: Scenario, field_key: str) -> None:
        lists = StoredLists(scenario.categories, scenario.statuses)
        factory = self.fresh_factory(lists)
        with factory() as uow:
            for company in {c.id: c for _, c in scenario.rows if c is not None}.values():
                uow.companies.add(company)
            for person, _ in scenario.rows:
                uow.persons.add(person)
            uow.commit()
        env = scenario.environment

        def make_query(criteria: Criterion) -> Query:
            return Query(criteria, now=env.now, current_associate=env.current_associate)

        with factory() as uow:
            check_grouped_counts(uow, scenario.criterion, make_query, field_key, lists)

    def test_grouped_counts_order_buckets_by_rank_and_refuse_other_fields(self) -> None:
        lists = _lists()
        reordered = lists.statuses.reorder([s.id for s in reversed(lists.statuses.active())])
        factory = self.fresh_factory(StoredLists(lists.categories, reordered))
        with factory() as uow:
            uow.persons.add(_person(1, lead_status_id=reordered.default.id))
            uow.commit()
        with factory() as uow:
            counts = uow.persons.count_by(_query(ALWAYS), "person.lead_status")
            assert [b.value for b in counts.buckets] == [s.id for s in reordered.active()] + [None]
            assert counts[reordered.default.id] == 1
            with pytest.raises(ValidationError):
                uow.persons.count_by(_query(ALWAYS), "person.last_name")
            with pytest.raises(ValidationError):
                uow.persons.count_by(_query(ALWAYS), "person.owner", visible_only=True)

    @settings(suppress_health_check=[HealthCheck.too_slow])
    @given(
        data=st.data(),
        criteria=_company_criteria(),
        field_key=st.sampled_from(("company.category", "company.category_group", "company.owner")),
    )
    def test_company_grouped_counts_match_each_values_criterion(
        self, data: st.DataObject, criteria: Criterion, field_key: str
    ) -> None:
        companies = data.draw(company_rows())
        factory = self.seeded(companies)
        with factory() as uow:
            counts = uow.companies.count_by(_query(criteria), field_key)
            assert counts.total == uow.companies.count(_query(criteria))
            values = [b.value for b in counts.buckets if b.value is not None]
            for bucket in counts.buckets:
                if bucket.value is None:
                    leaf = condition(field_key, "not_in", *values, entity=Entity.COMPANY)
                else:
                    leaf = condition(field_key, "in", bucket.value, entity=Entity.COMPANY)
                assert uow.companies.count(_query(criteria & leaf)) == bucket.count


class AssociateContract(AdapterBase):
    """Associates: add, get, save with versions, all; conflicts and rollback."""

    def test_associates_are_added_saved_and_listed(self) -> None:
        factory = self.factory()
        with factory() as uow:
            assert uow.associates.all() == []
            ann = uow.associates.add(Associate(AssociateId(2), "Ann", groups=frozenset({"a"})))
            uow.associates.add(Associate(AssociateId(1), "Bo"))
            assert ann.version == 1
            uow.commit()
        with factory() as uow:
            away = uow.associates.save(
                attrs.evolve(uow.associates.get(AssociateId(2)), availability=Availability.AWAY)
            )
            assert away.version == 2
            uow.commit()
        with factory() as uow:
            assert [a.id for a in uow.associates.all()] == [1, 2]
            assert uow.associates.get(AssociateId(2)) == away
            with pytest.raises(NotFoundError):
                uow.associates.get(AssociateId(3))

    def test_associate_conflicts_and_rollback(self) -> None:
        factory = self.factory()
        with factory() as uow:
            ann = uow.associates.add(Associate(AssociateId(1), "Ann"))
            uow.commit()
        with factory() as uow:
            with pytest.raises(ConflictError):
                uow.associates.add(Associate(AssociateId(1), "Again"))
            uow.associates.save(attrs.evolve(ann, name="Ann Able"))
            with pytest.raises(ConflictError):
                uow.associates.save(attrs.evolve(ann, name="Stale"))
        with factory() as uow:  # left without commit
            assert uow.associates.get(AssociateId(1)) == ann
            with pytest.raises(NotFoundError):
                uow.associates.save(Associate(AssociateId(9), "Nobody"))


class DeletionContract(AdapterBase):
    """Deleting persons and companies: versions, read-your-writes, rollback, finds."""

    def test_deleted_records_are_gone_and_their_history_stays(self) -> None:
        factory = self.seeded([_company(1), _company(2)], [_person(1, 1), _person(2, 1)])
        entry = HistoryEntry(PersonId(1), HistoryKind.CHANGE, None, LeadStatusId(1), AT)
        with factory() as uow:
            uow.history.append([entry])
            uow.commit()
        with factory() as uow:
            uow.persons.delete(uow.persons.get(PersonId(1)))
            with pytest.raises(NotFoundError):
                uow.persons.get(PersonId(1))
            assert [p.id for p in uow.persons.of_company(CompanyId(1))] == [2]
            uow.companies.delete(uow.companies.get(CompanyId(2)))
            with pytest.raises(NotFoundError):
                uow.companies.get(CompanyId(2))
            assert [c.id for c in uow.companies.find(_query(ALWAYS))] == [1]
            uow.commit()
        with factory() as uow:
            with pytest.raises(NotFoundError):
                uow.persons.get(PersonId(1))
            with pytest.raises(NotFoundError):
                uow.companies.get(CompanyId(2))
            assert [p.id for p in uow.persons.find(_query(ALWAYS))] == [2]
            assert uow.persons.count(_query(condition("person.retired", "is_false"))) == 1
            assert uow.history.for_person(PersonId(1)) == [entry]
            with pytest.raises(NotFoundError):
                uow.persons.delete(_person(1, 1))

    def test_an_id_deleted_in_the_unit_cannot_be_added_again_in_it(self) -> None:
        factory = self.seeded([_company(1)], [_person(1)])
        with factory() as uow:
            uow.persons.delete(uow.persons.get(PersonId(1)))
            uow.companies.delete(uow.companies.get(CompanyId(1)))
            with pytest.raises((ValidationError, ConflictError)):
                uow.persons.add(_person(1))
            with pytest.raises((ValidationError, ConflictError)):
                uow.companies.add(_company(1))
            uow.commit()
        with factory() as uow:
            assert uow.persons.count(_query(ALWAYS)) == 0
            assert uow.companies.count(_query(ALWAYS)) == 0

    def test_a_deletion_left_without_commit_is_rolled_back(self) -> None:
        factory = self.seeded([_company(1)], [_person(1, 1)])
        with factory() as uow:
            uow.persons.delete(uow.persons.get(PersonId(1)))
            uow.companies.delete(uow.companies.get(CompanyId(1)))
        with factory() as uow:
            assert uow.persons.get(PersonId(1)).version == 1
            assert uow.companies.get(CompanyId(1)).version == 1
            assert uow.persons.count(_query(ALWAYS)) == 1

    def test_a_company_with_persons_cannot_be_deleted(self) -> None:
        factory = self.seeded([_company(1)], [_person(1, 1)])
        with factory() as uow:
            with pytest.raises(CompanyHasPersons):
                uow.companies.delete(uow.companies.get(CompanyId(1)))
            moved = attrs.evolve(uow.persons.get(PersonId(1)), company_id=None)
            uow.persons.save(moved)
            uow.companies.delete(uow.companies.get(CompanyId(1)))
            with pytest.raises(NotFoundError):
                uow.persons.save(
                    attrs.evolve(uow.persons.get(PersonId(1)), company_id=CompanyId(1))
                )
            uow.commit()
        with factory() as uow:
            assert uow.persons.get(PersonId(1)).company_id is None

    def test_deleting_a_stale_copy_is_a_conflict(self) -> None:
        factory = self.seeded([_company(1)], [_person(1, 1)])
        with factory() as uow:
            stale_person = uow.persons.get(PersonId(1))
            stale_company = uow.companies.get(CompanyId(1))
            uow.persons.save(attrs.evolve(stale_person, first_name="Ann"))
            uow.companies.save(attrs.evolve(stale_company, name="Acme"))
            uow.commit()
        with factory() as uow:
            with pytest.raises(ConflictError):
                uow.persons.delete(stale_person)
            with pytest.raises(ConflictError):
                uow.companies.delete(attrs.evolve(stale_company, name="Acme"))
        with factory() as uow:
            assert uow.persons.get(PersonId(1)).version == 2

    @settings(suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data(), criteria=contract_criteria())
    def test_find_and_count_agree_with_the_predicate_after_deletions(
        self, data: st.DataObject, criteria: Criterion
    ) -> None:
        companies = data.draw(company_rows())
        persons = data.draw(person_rows(companies))
        factory = self.seeded(companies, persons)
        ids = [p.id for p in persons]
        committed = data.draw(st.sets(st.sampled_from(ids)) if ids else st.just(set[PersonId]()))
        with factory() as uow:
            for person_id in sorted(committed):
                uow.persons.delete(uow.persons.get(person_id))
            uow.commit()
        left = [p for p in persons if p.id not in committed]
        pending = data.draw(
            st.sets(st.sampled_from([p.id for p in left])) if left else st.just(set[PersonId]())
        )
        test = person_predicate(criteria, _environment(_lists()))
        by_id = {c.id: c for c in companies}

        def expected(rows: Sequence[Person]) -> list[PersonId]:
            return sorted(
                p.id for p in rows if test(p, None if p.company_id is None else by_id[p.company_id])
            )

        with factory() as uow:
            assert sorted(p.id for p in uow.persons.find(_query(criteria))) == expected(left)
            for person_id in sorted(pending):
                uow.persons.delete(uow.persons.get(person_id))
            rest = [p for p in left if p.id not in pending]
            assert sorted(p.id for p in uow.persons.find(_query(criteria))) == expected(rest)
            assert uow.persons.count(_query(criteria)) == len(expected(rest))


class DashboardsContract(AdapterBase):
    """The lead dashboards' tiles work over the adapter (they read it through
    :meth:`~leadcore.ports.HistoryRepository.between` and the person queries)."""

    def _dashboards_story(self) -> tuple[Any, Any, dict[str, PersonId]]:
        """Three leads of January 2026: Ann and Bo at Acme, Cy without company (owned by
        associate 1). Ann goes Contacting (day 1) and Qualified (day 2), Bo Contacting
        (day 2); Acme becomes a customer on day 3 (Ann and Bo hidden); now is day 10."""
        from leadcore.clock import FixedClock, SequentialIds
        from leadcore.service import LeadService

        clock = FixedClock(AT)
        service = LeadService(self.factory(), clock=clock, ids=SequentialIds())
        lists = service.lists()
        lead = lists.categories.by_name("Lead").id
        owner = service.associates.add("Owner").id
        acme = service.companies.add("Acme", category_id=lead)
        people = {
            "ann": service.persons.add("Ann", company_id=acme.id).id,
            "bo": service.persons.add("Bo", company_id=acme.id).id,
            "cy": service.persons.add("Cy", category_id=lead, owner_id=owner).id,
        }
        status = lists.statuses.by_key
        clock.advance(timedelta(days=1))
        service.persons.set_lead_status(people["ann"], status("contacting").id)
        clock.advance(timedelta(days=1))
        service.persons.set_lead_status(people["ann"], status("qualified").id)
        service.persons.set_lead_status(people["bo"], status("contacting").id)
        clock.advance(timedelta(days=1))
        service.companies.change_category(acme.id, lists.categories.by_name("Customer").id)
        clock.set(AT + timedelta(days=10))
        return service, lists, people

    def test_dashboard_tiles_over_the_adapter(self) -> None:
        from leadcore.views.dashboards import DashboardFilter, ReportPeriod

        service, lists, people = self._dashboards_story()
        january = ReportPeriod(AT.date().replace(day=1), AT.date().replace(month=2, day=1), UTC)
        open_, contacting, qualified = (
            lists.statuses.by_key(k).id for k in ("open", "contacting", "qualified")
        )
        funnel = service.dashboards.funnel(january)
        assert [(s.status_id, s.entered, s.previous) for s in funnel.stages] == [
            (open_, 3, 0),
            (contacting, 2, 0),
            (qualified, 1, 0),
        ]
        assert [(s.entered, s.converted) for s in funnel.steps] == [(3, 2), (2, 1)]
        counts = service.dashboards.status_counts(january)
        assert (counts.total, counts.hidden) == (1, 2)
        assert (counts.counts[0].status_id, counts.counts[0].count) == (open_, 1)
        visible = service.persons.count_by("person.lead_status", visible_only=True)
        assert {c.status_id: c.count for c in counts.counts} == {
            k: v for k, v in visible.as_dict().items() if k is not None
        }
        times = {
            t.status_id: t.current for t in service.dashboards.time_in_status(january).statuses
        }
        assert times[open_].persons == 3
        assert times[open_].latest_median == timedelta(days=2)
        assert times[contacting].cumulative_average == timedelta(days=4.5)
        assert times[qualified].latest_average == timedelta(days=8)
        aged = service.dashboards.ageing(january, 5)
        assert [(b.status_id, b.count) for b in aged.buckets if b.count] == [(open_, 1)]
        assert aged.buckets[0].persons[0].person_id == people["cy"]
        assert aged.hidden == 2
        new = service.dashboards.new_leads(january)
        assert (new.total, new.previous_total) == (3, 0)
        assert [b.total for b in new.buckets if b.total] == [3]
        mine = DashboardFilter(owners=frozenset({AssociateId(1)}))
        assert [s.entered for s in service.dashboards.funnel(january, filters=mine).stages] == [
            1,
            0,
            0,
        ]
        deleted = service.persons.delete(people["cy"])
        assert deleted is not None
        assert [s.entered for s in service.dashboards.funnel(january).stages] == [2, 2, 1]


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


class AdapterContract(
    CrudContract,
    ConflictContract,
    RollbackContract,
    HistoryContract,
    SettingsContract,
    ListsContract,
    SelectionContract,
    QueryContract,
    ReadsContract,
    AssociateContract,
    DeletionContract,
    DashboardsContract,
    ViewsContract,
):
    """Every contract at once: subclass this as ``Test...`` and implement ``fresh_factory``."""
