"""``find`` and ``count`` agree with the compiled predicate, with order and paging
(:class:`QueryContract`)."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadcore.criteria.ast import ALWAYS, Criterion
from leadcore.criteria.evaluate import company_predicate, person_predicate
from leadcore.errors import ValidationError
from leadcore.lists import Lists
from leadcore.model import AssociateId, Company, Person, PersonId
from leadcore.queries import Order, Page, Query
from leadcore.testing.contract._records import _environment, _person, _query, _save_or_add
from leadcore.testing.contract.base import AdapterBase, _lists
from leadcore.testing.contract.generated import (
    _company_criteria,
    company_rows,
    contract_criteria,
    person_rows,
)
from leadcore.testing.strategies import Scenario, scenarios

__all__ = ["QueryContract"]


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
        factory = self.fresh_factory(Lists(scenario.categories, scenario.statuses))
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
