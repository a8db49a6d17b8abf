"""Building criteria: every refusal, canonical values, validation, licence, groups."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from leadcore.criteria.ast import ALWAYS, Condition, Group, Groups, Not, Operator, Period, Value
from leadcore.criteria.build import (
    PERIOD_OPERATORS,
    condition,
    expand_groups,
    expected_values,
    is_inactive,
    referenced_fields,
    require_licence,
    validate,
)
from leadcore.criteria.errors import (
    BadValueError,
    CriteriaError,
    OperatorNotAllowed,
    UnknownFieldError,
    UnknownOperatorError,
)
from leadcore.criteria.fields import OPERATORS, Entity, ValueType, fields_for
from leadcore.errors import FeatureNotLicensed, ValidationError
from leadcore.licence import Feature, Licence
from leadcore.model import CategoryGroup


def test_unknown_field_is_refused_naming_it_and_the_known_ones() -> None:
    with pytest.raises(UnknownFieldError) as caught:
        condition("person.shoe_size", "eq", 42)
    assert caught.value.context["field"] == "person.shoe_size"
    assert "person.lead_status" in str(caught.value)


def test_person_field_is_unknown_in_a_company_search() -> None:
    with pytest.raises(UnknownFieldError):
        condition("person.lead_status", "in", 1, entity=Entity.COMPANY)
    assert condition("company.name", "begins", "A", entity=Entity.COMPANY).values == ("A",)


@pytest.mark.parametrize(
    ("key", "operator"),
    [
        ("person.retired", Operator.IN),
        ("person.lead_status", Operator.EQUALS),
        ("person.first_name", Operator.GT),
        ("person.id", Operator.BEGINS),
        ("person.registered", Operator.EQ),
        ("person.owner", Operator.BEFORE),
        ("company.category_group", Operator.CURRENT_ASSOCIATE),
    ],
)
def test_operator_of_another_type_is_refused_naming_field_and_allowed(
    key: str, operator: Operator
) -> None:
    with pytest.raises(OperatorNotAllowed) as caught:
        condition(key, operator)
    error = caught.value
    assert error.context["field"] == key
    assert error.context["operator"] == operator.value
    allowed = fields_for(Entity.PERSON)[key].operators
    assert error.context["allowed"] == sorted(op.value for op in allowed)
    assert key in str(error)


def test_unknown_operator_code_is_refused_as_operator_not_allowed() -> None:
    with pytest.raises(UnknownOperatorError) as caught:
        condition("person.lead_status", "one_of", 1)
    assert isinstance(caught.value, OperatorNotAllowed)
    assert caught.value.context["allowed"] == ["in", "not_in", "not_set", "set"]


@pytest.mark.parametrize(
    ("key", "operator", "values"),
    [
        ("person.lead_status", "in", ("Open",)),  # names are for the text form
        ("person.lead_status", "in", (True,)),  # bool is not an id
        ("person.lead_status", "in", (1.0,)),
        ("company.category_group", "in", (9,)),  # no such group code
        ("person.owner", "in", ("me",)),
        ("person.first_name", "begins", (1,)),
        ("person.id", "eq", ("1",)),
        ("person.id", "eq", (True,)),
        ("person.id", "gt", (float("nan"),)),
        ("person.registered", "on", (datetime(2026, 1, 1),)),  # a day, not a moment
        ("person.registered", "on", ("2026-01-01",)),
        ("person.registered", "this", (7,)),
        ("person.registered", "this", ("fortnight",)),
        ("person.registered", "date_between", (date(2026, 1, 1), Period.WEEK)),
    ],
)
def test_value_of_the_wrong_type_is_refused(
    key: str, operator: str, values: tuple[Value, ...]
) -> None:
    with pytest.raises(BadValueError) as caught:
        condition(key, operator, *values)
    assert caught.value.context["field"] == key
    assert caught.value.context["operator"] == operator


@pytest.mark.parametrize(
    ("key", "operator", "values"),
    [
        ("person.id", "between", (1,)),
        ("person.id", "between", (1, 2, 3)),
        ("person.registered", "date_between", (date(2026, 1, 1),)),
        ("person.registered", "this", ()),
        ("person.registered", "this", (Period.DAY, Period.WEEK)),
        ("person.registered", "today", (date(2026, 1, 1),)),
        ("person.retired", "is_true", (True,)),
        ("person.owner", "current_associate", (3,)),
        ("person.first_name", "begins", ()),
        ("person.first_name", "equals", ("a", "b")),
        ("person.id", "eq", ()),
    ],
)
def test_wrong_value_count_is_refused(key: str, operator: str, values: tuple[Value, ...]) -> None:
    with pytest.raises(BadValueError, match="value"):
        condition(key, operator, *values)


def test_none_inside_a_value_list_is_refused_with_the_fix() -> None:
    with pytest.raises(BadValueError) as caught:
        condition("person.lead_status", "not_in", 1, None)
    assert "None" in caught.value.why
    assert "not_in" in caught.value.fix


def test_refusals_are_validation_errors() -> None:
    assert issubclass(BadValueError, CriteriaError)
    assert issubclass(CriteriaError, ValidationError)
    assert issubclass(CriteriaError, ValueError)


def test_values_are_made_canonical() -> None:
    leaf = condition("person.category_group", Operator.IN, CategoryGroup.CUSTOMER, 2)
    assert leaf.values == (1, 2)
    assert all(type(v) is int for v in leaf.values)
    assert condition("person.registered", "previous", "quarter").values == (Period.QUARTER,)
    assert condition("person.lead_status", "in").values == ()  # in () is allowed: matches nothing


def test_every_operator_of_every_type_has_a_buildable_leaf() -> None:
    samples: dict[ValueType, Value] = {
        ValueType.LIST: 1,
        ValueType.ASSOCIATE: 1,
        ValueType.TEXT: "a",
        ValueType.NUMBER: 1,
        ValueType.DATE: date(2026, 1, 1),
    }
    keys = {
        ValueType.LIST: "person.lead_status",
        ValueType.ASSOCIATE: "person.owner",
        ValueType.TEXT: "person.email",
        ValueType.NUMBER: "person.id",
        ValueType.DATE: "person.updated",
        ValueType.BOOL: "person.retired",
    }
    for value_type, operators in OPERATORS.items():
        for op in operators:
            low, _ = expected_values(op)
            value = Period.MONTH if op in PERIOD_OPERATORS else samples.get(value_type)
            values = [value] * low
            if op in PERIOD_OPERATORS and low == 2:
                values = [3, Period.MONTH]  # a count of periods first
            leaf = condition(keys[value_type], op, *values)
            assert validate(leaf) is leaf


def test_validate_checks_trees_built_by_hand() -> None:
    good = Condition("person.retired", Operator.IS_TRUE)
    tree = Not(good) & good | good
    assert validate(tree) is tree
    with pytest.raises(BadValueError):
        validate(good & Condition("person.id", Operator.BETWEEN, (1,)))
    with pytest.raises(BadValueError):
        validate(Not(Condition("person.lead_status", Operator.IN, (None,))))
    with pytest.raises(OperatorNotAllowed):
        validate(Groups((Group((Condition("person.retired", Operator.IN, (1,)),)),)))


def test_inactive_leaves_are_allowed_only_inside_groups() -> None:
    inactive = Condition("person.first_name", Operator.BEGINS)
    assert is_inactive(inactive)
    assert not is_inactive(Condition("person.owner", Operator.CURRENT_ASSOCIATE))
    assert not is_inactive(Condition("person.lead_status", Operator.IN, (1,)))
    form = Groups((Group((inactive,)),))
    assert validate(form) is form
    with pytest.raises(BadValueError):
        validate(inactive)


def test_referenced_fields_includes_groups_and_negations() -> None:
    tree = ~condition("person.lead_status", "in", 1) | Groups(
        (Group((condition("company.category", "in", 2), Condition("person.email", Operator.ENDS))),)
    )
    assert referenced_fields(tree) == {"person.lead_status", "company.category", "person.email"}
    assert referenced_fields(ALWAYS) == frozenset()


def test_utm_fields_need_marketing_premium() -> None:
    utm = condition("company.source.campaign", "contains", "spring")
    basic = Licence.of(Feature.LEAD_STATUS)
    with pytest.raises(FeatureNotLicensed) as caught:
        require_licence(condition("person.retired", "is_false") & ~utm, basic)
    assert caught.value.context["feature"] == Feature.MARKETING_PREMIUM.value
    require_licence(utm, Licence.of(Feature.MARKETING_PREMIUM))
    require_licence(condition("person.lead_status", "in", 1), Licence())
    in_group = Groups((Group((utm,), subtract=True),))
    with pytest.raises(FeatureNotLicensed):
        require_licence(in_group, basic)


def test_expand_groups_follows_superoffice() -> None:
    a = condition("person.lead_status", "in", 1)
    b = condition("person.retired", "is_true")
    c = condition("person.owner", "current_associate")
    inactive = Condition("person.email", Operator.CONTAINS)
    assert expand_groups(Groups(())) is ALWAYS
    assert expand_groups(Groups((Group(()),))) is ALWAYS
    assert expand_groups(Groups((Group((a, b)), Group((c,))))) == (a & b) | c
    assert expand_groups(Groups((Group((a, inactive)),))) == a
    assert expand_groups(Groups((Group((b,), subtract=True),))) == ~b
    assert expand_groups(
        Groups((Group((a,)), Group((b, c), subtract=True), Group((inactive,), subtract=True)))
    ) == a & ~(b & c)
