"""The richer reads: batch gets, pages with totals, finds with companies and
grouped counts (:class:`ReadsContract`, :func:`check_grouped_counts`)."""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadcore.criteria.ast import ALWAYS, Criterion
from leadcore.criteria.build import condition
from leadcore.criteria.fields import Entity
from leadcore.errors import NotFoundError, ValidationError
from leadcore.lists import Lists
from leadcore.model import CompanyId, Person, PersonId
from leadcore.ports import UnitOfWork
from leadcore.queries import GroupedCounts, Order, Page, Query
from leadcore.testing.contract._records import _company, _person, _query, _save_or_add
from leadcore.testing.contract.base import AdapterBase, _lists
from leadcore.testing.contract.generated import (
    _company_criteria,
    company_rows,
    contract_criteria,
    person_rows,
)
from leadcore.testing.strategies import Scenario, scenarios

__all__ = ["PERSON_GROUP_FIELDS", "ReadsContract", "check_grouped_counts"]


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
    lists: Lists,
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
        lists = Lists(scenario.categories, scenario.statuses)
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
        factory = self.fresh_factory(Lists(lists.categories, reordered))
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
