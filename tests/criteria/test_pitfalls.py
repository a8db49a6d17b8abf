"""The pitfalls other criteria engines fell into, pinned so leadcore never does.

Each test names the trap: NULL-blind negation (Odoo's old ``not in`` bugs), an
empty list read as "no filter", ``None`` smuggled into a value list, and the
category group of persons without company.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from leadcore.criteria.ast import ALWAYS, NEVER, Condition, Criterion, Group, Groups, Operator
from leadcore.criteria.build import condition, expand_groups
from leadcore.criteria.errors import BadValueError
from leadcore.criteria.evaluate import Environment, person_predicate
from leadcore.criteria.normalize import normalize
from leadcore.lists import new_database
from leadcore.model import (
    CategoryGroup,
    CategoryId,
    Company,
    CompanyId,
    LeadStatusId,
    Person,
    PersonId,
)

CATEGORIES, STATUSES = new_database()
NOW = datetime(2026, 6, 1, tzinfo=UTC)
ENV = Environment(CATEGORIES, NOW)
CUSTOMER_CATEGORY = CategoryId(5)
ACME = Company(CompanyId(1), "Acme", CUSTOMER_CATEGORY, NOW, NOW)
NO_CATEGORY = Company(CompanyId(2), "Blank", None, NOW, NOW)
WITH_STATUS = Person(PersonId(1), ACME.id, "Ann", "Lee", NOW, NOW, lead_status_id=LeadStatusId(1))
NO_STATUS = Person(PersonId(2), ACME.id, "Bob", "Ray", NOW, NOW)
B2C = Person(PersonId(3), None, "Cy", "Ek", NOW, NOW, own_category_id=CUSTOMER_CATEGORY)
B2C_NO_CATEGORY = Person(PersonId(4), None, "Di", "Fo", NOW, NOW)
ROWS: list[tuple[Person, Company | None]] = [
    (WITH_STATUS, ACME),
    (NO_STATUS, ACME),
    (B2C, None),
    (B2C_NO_CATEGORY, None),
    (NO_STATUS, NO_CATEGORY),
]


def matching(criterion: Criterion) -> list[int]:
    predicate = person_predicate(criterion, ENV)
    return [n for n, (p, c) in enumerate(ROWS) if predicate(p, c)]


def test_not_in_includes_rows_without_a_value() -> None:
    assert matching(condition("person.lead_status", "not_in", 1)) == [1, 2, 3, 4]
    assert matching(condition("person.lead_status", "in", 1)) == [0]


def test_negation_of_a_positive_operator_includes_missing_values() -> None:
    is_open = condition("person.lead_status", "in", 1)
    assert matching(~is_open) == [1, 2, 3, 4]
    assert matching(normalize(~is_open)) == [1, 2, 3, 4]
    gt = condition("company.id", "gt", 0)
    assert matching(~gt) == [2, 3]  # no company: no id, so "not > 0" holds
    assert matching(normalize(~gt)) == [2, 3]


def test_negation_of_a_negative_operator_excludes_missing_values() -> None:
    assert matching(~condition("person.lead_status", "not_in", 1)) == [0]
    assert matching(~condition("company.name", "not_equals", "acme")) == [0, 1]


def test_empty_in_matches_nothing_and_empty_not_in_everything() -> None:
    assert matching(condition("person.lead_status", "in")) == []
    assert matching(condition("person.lead_status", "not_in")) == [0, 1, 2, 3, 4]
    assert normalize(condition("company.category_group", "in")) is NEVER


def test_empty_and_or_and_groups() -> None:
    assert matching(ALWAYS) == [0, 1, 2, 3, 4]
    assert matching(NEVER) == []
    assert matching(Groups(())) == [0, 1, 2, 3, 4]  # an empty Find screen lists everything
    assert matching(Groups((Group(()),))) == [0, 1, 2, 3, 4]
    subtract_all = Groups((Group((condition("person.retired", "is_false"),), subtract=True),))
    assert matching(subtract_all) == []


def test_an_empty_criterion_inside_a_group_is_ignored_not_empty_in() -> None:
    inactive = Condition("person.lead_status", Operator.IN)  # an unfilled Find-screen row
    status = condition("person.lead_status", "in", 1)
    assert expand_groups(Groups((Group((status, inactive)),))) == status
    assert matching(Groups((Group((status, inactive)),))) == [0]
    assert matching(inactive) == []  # outside a group it is a real (empty) "in"


def test_none_inside_a_value_list_is_refused_not_silently_matched() -> None:
    with pytest.raises(BadValueError):
        condition("person.lead_status", "in", 1, None)
    with pytest.raises(BadValueError):
        person_predicate(Condition("person.lead_status", Operator.NOT_IN, (None,)), ENV)
    with pytest.raises(BadValueError):
        normalize(Condition("person.lead_status", Operator.IN, (1, None)))


def test_person_without_company_matches_company_category_group_not_in() -> None:
    not_customer = condition("company.category_group", "not_in", CategoryGroup.CUSTOMER)
    # B2C persons (rows 2, 3) have no company, hence no company group: they match,
    # even row 2 whose own category is a Customer one.
    assert matching(not_customer) == [2, 3, 4]
    assert matching(condition("company.category_group", "in", CategoryGroup.CUSTOMER)) == [0, 1]


def test_person_category_group_of_a_b2c_person_is_its_own_category_group() -> None:
    customer = condition("person.category_group", "in", CategoryGroup.CUSTOMER)
    assert matching(customer) == [0, 1, 2]
    assert matching(~customer) == [3, 4]
    assert matching(condition("person.category", "in", CUSTOMER_CATEGORY)) == [0, 1, 2]


def test_hidden_lead_statuses_are_searchable() -> None:
    # Acme is a Customer: lead status is not visible there (R1), yet it is found (R4).
    assert not CATEGORIES.get(CUSTOMER_CATEGORY).lead_enabled
    assert matching(condition("person.lead_status", "in", 1)) == [0]


def test_percent_is_a_wildcard_but_underscore_is_not() -> None:
    assert matching(condition("company.name", "equals", "a%e")) == [0, 1]
    assert matching(condition("company.name", "equals", "a_me")) == []
    assert matching(condition("company.name", "begins", "%")) == [0, 1, 4]
