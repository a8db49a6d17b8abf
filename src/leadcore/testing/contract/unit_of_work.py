"""The unit of work: no lost update between units (:class:`ConflictContract`) and
no trace of what was not committed (:class:`RollbackContract`)."""

from __future__ import annotations

import attrs
import pytest

from leadcore.criteria.build import condition
from leadcore.errors import ConflictError, NotFoundError
from leadcore.model import CategoryId, Company, CompanyId, LeadStatusId, Person, PersonId
from leadcore.ports import UnitOfWork
from leadcore.queries import Query
from leadcore.testing.contract._records import _company, _entry, _person
from leadcore.testing.contract.base import AdapterBase, UnitOfWorkFactory

__all__ = ["ConflictContract", "RollbackContract"]


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
