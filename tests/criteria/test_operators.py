"""Every operator of every field type, on present and on missing values."""

from __future__ import annotations

from datetime import UTC, date, datetime

import attrs
import pytest

from leadcore.criteria.ast import Criterion
from leadcore.criteria.build import condition
from leadcore.criteria.evaluate import Environment, company_predicate, person_predicate
from leadcore.criteria.fields import Entity
from leadcore.lists import new_database
from leadcore.model import (
    AssociateId,
    CategoryId,
    Company,
    CompanyId,
    LeadStatusId,
    Person,
    PersonId,
    Utm,
)

CATEGORIES, STATUSES = new_database()
LEAD, CUSTOMER, PARTNER = CategoryId(1), CategoryId(5), CategoryId(7)
OPEN, CONTACTING, QUALIFIED = LeadStatusId(1), LeadStatusId(2), LeadStatusId(3)
ME, OTHER = AssociateId(7), AssociateId(8)
NOW = datetime(2026, 1, 14, 12, 0, tzinfo=UTC)  # a Wednesday
ENV = Environment(CATEGORIES, NOW, current_associate=ME)

ACME = Company(CompanyId(10), "Acme", LEAD, NOW, NOW, owner_id=OTHER, source_utm=Utm(source="Ads"))
ANN = Person(
    PersonId(1),
    ACME.id,
    "Ann",
    "Lee",
    datetime(2026, 1, 12, 9, 0, tzinfo=UTC),
    NOW,
    email="ann.lee@example.com",
    owner_id=ME,
    lead_status_id=OPEN,
    first_touch_utm=Utm(source="News_letter", medium="E-Mail"),
)
B2C = Person(PersonId(2), None, "Bo", "Strauß", NOW, NOW, email="", retired=True)


def match(criterion: Criterion, person: Person = ANN, company: Company | None = ACME) -> bool:
    result = person_predicate(criterion, ENV)(person, company)
    assert result is not person_predicate(~criterion, ENV)(person, company)
    return result


# --- list ------------------------------------------------------------------------------------


def test_list_in_and_not_in() -> None:
    assert match(condition("person.lead_status", "in", OPEN, CONTACTING))
    assert not match(condition("person.lead_status", "in", QUALIFIED))
    assert not match(condition("person.lead_status", "not_in", OPEN))
    assert match(condition("person.lead_status", "not_in", QUALIFIED))


def test_list_on_a_missing_value() -> None:
    assert B2C.lead_status_id is None
    assert not match(condition("person.lead_status", "in", OPEN), B2C, None)
    assert match(condition("person.lead_status", "not_in", OPEN), B2C, None)


def test_empty_value_lists() -> None:
    assert not match(condition("person.lead_status", "in"))
    assert not match(condition("person.lead_status", "in"), B2C, None)
    assert match(condition("person.lead_status", "not_in"))
    assert match(condition("person.lead_status", "not_in"), B2C, None)


def test_category_and_group_fields() -> None:
    assert match(condition("person.category", "in", LEAD))
    assert match(condition("company.category", "in", LEAD))
    assert match(condition("person.category_group", "in", 2))
    assert match(condition("company.category_group", "not_in", 1))
    customer = attrs.evolve(ACME, category_id=CUSTOMER)
    assert match(condition("company.category_group", "in", 1), ANN, customer)
    no_category = attrs.evolve(ACME, category_id=None)
    assert not match(condition("company.category", "in", LEAD), ANN, no_category)
    assert match(condition("company.category", "not_in", LEAD), ANN, no_category)
    assert not match(condition("person.category_group", "in", 2), ANN, no_category)


def test_deleted_list_items_stay_matchable() -> None:
    statuses = STATUSES.delete(QUALIFIED)
    categories = CATEGORIES.delete(PARTNER)
    assert statuses.get(QUALIFIED).deleted
    assert categories.get(PARTNER).deleted
    env = attrs.evolve(ENV, categories=categories)
    person = attrs.evolve(ANN, lead_status_id=QUALIFIED)
    company = attrs.evolve(ACME, category_id=PARTNER)
    assert person_predicate(condition("person.lead_status", "in", QUALIFIED), env)(person, company)
    assert person_predicate(condition("company.category", "in", PARTNER), env)(person, company)
    assert person_predicate(condition("company.category_group", "in", 3), env)(person, company)


# --- text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("equals", "ANN", True),
        ("equals", "an", False),
        ("begins", "a", True),
        ("begins", "nn", False),
        ("contains", "N", True),
        ("contains", "x", False),
        ("ends", "NN", True),
        ("ends", "a", False),
        ("not_equals", "ann", False),
        ("not_equals", "anna", True),
        ("not_begins", "An", False),
        ("not_begins", "n", True),
        ("not_contains", "nn", False),
        ("not_contains", "q", True),
        ("not_ends", "n", False),
        ("not_ends", "a", True),
        ("equals", "a%", True),
        ("equals", "%n", True),
        ("equals", "a%x", False),
        ("begins", "%n", True),
        ("ends", "a%", True),
        ("contains", "%", True),
        ("equals", "", False),
        ("begins", "", True),
    ],
)
def test_text_operators_are_case_insensitive_with_percent_wildcard(
    operator: str, value: str, expected: bool
) -> None:
    assert match(condition("person.first_name", operator, value)) is expected


def test_underscore_is_a_literal_character() -> None:
    assert match(condition("person.first_touch.source", "equals", "news_letter"))
    assert not match(condition("person.first_touch.source", "equals", "newsXletter"))
    other = attrs.evolve(ANN, first_touch_utm=Utm(source="newsXletter"))
    assert not match(condition("person.first_touch.source", "begins", "news_"), other)


def test_text_folding_uses_casefold() -> None:
    assert match(condition("person.last_name", "equals", "STRAUSS"), B2C, None)
    assert match(condition("person.last_name", "ends", "ß"), B2C, None)


def test_text_on_a_missing_value() -> None:
    no_utm = attrs.evolve(ANN, first_touch_utm=None)
    for op in ("equals", "begins", "contains", "ends"):
        assert not match(condition("person.first_touch.source", op, "%"), no_utm)
        assert match(condition("person.first_touch.source", f"not_{op}", "x"), no_utm)
    assert not match(condition("person.first_touch.campaign", "contains", ""))  # part None
    assert not match(condition("company.name", "contains", ""), B2C, None)  # no company
    assert match(condition("company.name", "not_equals", "Acme"), B2C, None)


def test_empty_text_is_a_value_not_a_missing_one() -> None:
    assert B2C.email == ""
    assert match(condition("person.email", "equals", ""), B2C, None)
    assert match(condition("person.email", "begins", ""), B2C, None)
    assert not match(condition("person.email", "contains", "@"), B2C, None)


# --- number ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "values", "expected"),
    [
        ("eq", (10,), True),
        ("eq", (10.0,), True),
        ("eq", (11,), False),
        ("ne", (10,), False),
        ("ne", (11,), True),
        ("gt", (9,), True),
        ("gt", (10,), False),
        ("lt", (11,), True),
        ("lt", (10,), False),
        ("ge", (10,), True),
        ("ge", (10.5,), False),
        ("le", (10,), True),
        ("le", (9.5,), False),
        ("between", (10, 12), True),
        ("between", (8, 10), True),
        ("between", (11, 12), False),
        ("between", (12, 8), False),
        ("not_between", (10, 12), False),
        ("not_between", (11, 12), True),
    ],
)
def test_number_operators(operator: str, values: tuple[float, ...], expected: bool) -> None:
    assert match(condition("company.id", operator, *values)) is expected


def test_number_on_a_missing_value() -> None:
    for op, values in (("eq", (1,)), ("gt", (0,)), ("lt", (99,)), ("ge", (0,)), ("le", (99,))):
        assert not match(condition("company.id", op, *values), B2C, None)
    assert not match(condition("company.id", "between", 0, 99), B2C, None)
    assert match(condition("company.id", "ne", 1), B2C, None)
    assert match(condition("company.id", "not_between", 0, 99), B2C, None)


# --- yes/no ----------------------------------------------------------------------------------


def test_yes_no_operators() -> None:
    assert match(condition("person.retired", "is_true"), B2C, None)
    assert not match(condition("person.retired", "is_false"), B2C, None)
    assert match(condition("person.retired", "is_false"))
    assert match(condition("person.has_company", "is_true"))
    assert match(condition("person.has_company", "is_false"), B2C, None)


# --- associate -------------------------------------------------------------------------------


def test_associate_operators() -> None:
    assert match(condition("person.owner", "current_associate"))
    assert not match(condition("person.owner", "not_current_associate"))
    assert not match(condition("company.owner", "current_associate"))
    assert match(condition("company.owner", "in", OTHER, 99))
    assert not match(condition("company.owner", "not_in", OTHER))


def test_associate_on_a_missing_owner_or_without_current_associate() -> None:
    assert B2C.owner_id is None
    assert not match(condition("person.owner", "current_associate"), B2C, None)
    assert match(condition("person.owner", "not_current_associate"), B2C, None)
    nobody = attrs.evolve(ENV, current_associate=None)
    leaf = condition("person.owner", "current_associate")
    assert not person_predicate(leaf, nobody)(ANN, ACME)
    assert not person_predicate(leaf, nobody)(B2C, None)  # None is not "me" either
    assert person_predicate(~leaf, nobody)(B2C, None)


# --- date (boundaries in test_dates.py) ------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "values", "expected"),
    [
        ("before", (date(2026, 1, 13),), True),
        ("before", (date(2026, 1, 12),), False),
        ("on", (date(2026, 1, 12),), True),
        ("on", (date(2026, 1, 13),), False),
        ("after", (date(2026, 1, 11),), True),
        ("after", (date(2026, 1, 12),), False),
        ("date_between", (date(2026, 1, 12), date(2026, 1, 12)), True),
        ("date_between", (date(2026, 1, 13), date(2026, 1, 20)), False),
        ("before_today", (), True),
        ("today", (), False),
        ("after_today", (), False),
        ("this", ("week",), True),
        ("next", ("week",), False),
        ("previous", ("week",), False),
        ("this_and_next", ("month",), True),
        ("this_and_previous", ("day",), False),
    ],
)
def test_date_operators(operator: str, values: tuple[object, ...], expected: bool) -> None:
    assert match(condition("person.registered", operator, *values)) is expected  # type: ignore[arg-type]


def test_date_on_a_missing_value() -> None:
    for op, values in (("before", (date.max,)), ("after", (date.min,)), ("this", ("year",))):
        assert not match(condition("company.registered", op, *values), B2C, None)
    assert not match(condition("company.updated", "today"), B2C, None)


def test_company_search_operators() -> None:
    env = ENV
    leaf = condition("company.source.source", "equals", "ADS", entity=Entity.COMPANY)
    assert company_predicate(leaf, env)(ACME)
    assert not company_predicate(~leaf, env)(ACME)
    assert company_predicate(
        condition("company.category_group", "in", 2, entity=Entity.COMPANY), env
    )(ACME)
    assert not company_predicate(
        condition("company.owner", "current_associate", entity=Entity.COMPANY), env
    )(ACME)
