"""Companies and persons: add, get, save and delete, versions, references,
read-your-writes and finds after deletions (:class:`CrudContract`,
:class:`DeletionContract`)."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadcore.criteria.ast import ALWAYS, Criterion
from leadcore.criteria.build import condition
from leadcore.criteria.evaluate import person_predicate
from leadcore.errors import CompanyHasPersons, ConflictError, NotFoundError, ValidationError
from leadcore.history import HistoryEntry, HistoryKind
from leadcore.model import CompanyId, LeadStatusId, Person, PersonId
from leadcore.testing.contract._records import _company, _environment, _person, _query
from leadcore.testing.contract.base import AT, AdapterBase, _lists
from leadcore.testing.contract.generated import company_rows, contract_criteria, person_rows

__all__ = ["CrudContract", "DeletionContract"]


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

    def test_deleted_person_ids_are_remembered(self) -> None:
        """``was_deleted`` tells a deleted person (with no history) from an id that never
        named one: this unit's deletions at once, committed ones in every later unit, a
        person added and deleted by one unit included; a rolled-back deletion is not."""
        factory = self.seeded([_company(1)], [_person(1, 1), _person(2)])
        with factory() as uow:
            assert not uow.persons.was_deleted(PersonId(1))
            assert not uow.persons.was_deleted(PersonId(9))
            uow.persons.delete(uow.persons.get(PersonId(1)))
            uow.persons.add(_person(3))
            uow.persons.delete(uow.persons.get(PersonId(3)))
            assert uow.persons.was_deleted(PersonId(1))
            assert uow.persons.was_deleted(PersonId(3))
            uow.commit()
        with factory() as uow:
            uow.persons.delete(uow.persons.get(PersonId(2)))
            assert uow.persons.was_deleted(PersonId(2))  # left without commit
        with factory() as uow:
            assert [uow.persons.was_deleted(PersonId(n)) for n in (1, 2, 3, 9)] == [
                True,
                False,
                True,
                False,
            ]
            assert uow.history.for_person(PersonId(1)) == []
