"""The normal form, rewrite by rewrite."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadcore.criteria.ast import (
    ALWAYS,
    NEVER,
    AllOf,
    AnyOf,
    Condition,
    Group,
    Groups,
    Not,
    Operator,
)
from leadcore.criteria.build import condition, validate
from leadcore.criteria.errors import BadValueError
from leadcore.criteria.evaluate import Environment, person_predicate
from leadcore.criteria.fields import Entity
from leadcore.criteria.normalize import INVERSE, NULLABLE_UNSOUND, inverse, normalize
from leadcore.lists import new_database

STATUS = "person.lead_status"
GROUP = "company.category_group"


def test_inverse_table_is_an_involution() -> None:
    for op, other in INVERSE.items():
        assert INVERSE[other] is op
        assert other is not op


@pytest.mark.parametrize(
    ("leaf", "flipped"),
    [
        (condition(STATUS, "in", 1), condition(STATUS, "not_in", 1)),
        (condition("person.owner", "current_associate"),
         condition("person.owner", "not_current_associate")),
        (condition("person.email", "contains", "@"),
         condition("person.email", "not_contains", "@")),
        (condition("company.id", "eq", 3), condition("company.id", "ne", 3)),
        (condition("company.id", "between", 1, 3), condition("company.id", "not_between", 1, 3)),
        (condition("person.id", "gt", 3), condition("person.id", "le", 3)),
        (condition("person.id", "ge", 3), condition("person.id", "lt", 3)),
        (condition("person.retired", "is_true"), condition("person.retired", "is_false")),
    ],
)  # fmt: skip
def test_negation_goes_through_the_inverse_table(leaf: Condition, flipped: Condition) -> None:
    assert normalize(~leaf) == flipped
    assert normalize(~flipped) == leaf


def test_orderings_on_nullable_fields_keep_their_not() -> None:
    gt = condition("company.id", "gt", 3)  # missing when the person has no company
    assert Operator.GT in NULLABLE_UNSOUND
    assert inverse(gt) is None
    assert normalize(~gt) == Not(gt)
    # In a company search the company is always there, so the inverse is exact.
    company_gt = condition("company.id", "gt", 3, entity=Entity.COMPANY)
    assert normalize(~company_gt, Entity.COMPANY) == condition(
        "company.id", "le", 3, entity=Entity.COMPANY
    )


def test_date_operators_have_no_inverse() -> None:
    leaf = condition("person.registered", "before", date(2026, 1, 1))
    assert normalize(~leaf) == Not(leaf)
    assert normalize(~~leaf) == leaf


def test_de_morgan_pushes_negation_down() -> None:
    a, b = condition(STATUS, "in", 1), condition("person.retired", "is_true")
    assert normalize(~(a & b)) == normalize(
        condition(STATUS, "not_in", 1) | condition("person.retired", "is_false")
    )
    assert normalize(~(a | b)) == normalize(~a & ~b)


def test_flattening_and_constant_folding() -> None:
    a, b, c = (condition(STATUS, "in", 1), condition("person.retired", "is_true"),
               condition("person.email", "ends", ".dk"))  # fmt: skip
    assert normalize(AllOf((a, AllOf((b, AllOf((c,))))))) == normalize(AllOf((a, b, c)))
    assert normalize(AllOf((a, ALWAYS))) == a
    assert normalize(AllOf((a, NEVER))) is NEVER
    assert normalize(AnyOf((a, ALWAYS))) is ALWAYS
    assert normalize(AnyOf((a, NEVER))) == a
    assert normalize(AllOf(())) is ALWAYS
    assert normalize(AnyOf(())) is NEVER
    assert normalize(Not(AllOf(()))) is NEVER


def test_duplicates_go_and_order_is_stable() -> None:
    a, b = condition(STATUS, "in", 1), condition("person.retired", "is_true")
    assert normalize(AllOf((a, b, a))) == normalize(AllOf((b, a)))
    assert normalize(AnyOf((b, a))) == normalize(AnyOf((a, b)))
    tree = normalize(AnyOf((b, a)))
    assert isinstance(tree, AnyOf)
    assert tree.children == (a, b)  # sorted by field then operator


@pytest.mark.parametrize(
    ("tree", "expected"),
    [
        (condition(STATUS, "in", 2) | condition(STATUS, "in", 1, 2),
         condition(STATUS, "in", 1, 2)),
        (condition(STATUS, "in", 1, 2) & condition(STATUS, "in", 2, 3),
         condition(STATUS, "in", 2)),
        (condition(STATUS, "not_in", 1) & condition(STATUS, "not_in", 3),
         condition(STATUS, "not_in", 1, 3)),
        (condition(STATUS, "not_in", 1, 2) | condition(STATUS, "not_in", 2, 3),
         condition(STATUS, "not_in", 2)),
        (condition(STATUS, "in", 1, 2) & condition(STATUS, "not_in", 2),
         condition(STATUS, "in", 1)),
        (condition(STATUS, "in", 1) | condition(STATUS, "not_in", 1, 2),
         condition(STATUS, "not_in", 2)),
        (condition(STATUS, "in", 1) & condition(STATUS, "in", 2), NEVER),
        (condition(STATUS, "in", 1) & condition(STATUS, "not_in", 1), NEVER),
        (condition(STATUS, "in", 1) | condition(STATUS, "not_in", 1), ALWAYS),
        (condition(STATUS, "in", 3, 1, 3), condition(STATUS, "in", 1, 3)),
        (condition(STATUS, "in"), NEVER),
        (condition(STATUS, "not_in"), ALWAYS),
    ],
)  # fmt: skip
def test_one_of_lists_merge(tree: Condition, expected: Condition) -> None:
    assert normalize(tree) == expected


def test_merging_keeps_fields_apart() -> None:
    tree = condition(STATUS, "in", 1) | condition(GROUP, "in", 1) | condition(STATUS, "in", 2)
    assert normalize(tree) == AnyOf((condition(GROUP, "in", 1), condition(STATUS, "in", 1, 2)))


def test_complements_fold() -> None:
    gt = condition("company.id", "gt", 3)
    assert normalize(gt & ~gt) is NEVER
    assert normalize(gt | ~gt) is ALWAYS
    le = condition("person.id", "le", 3)
    assert normalize(condition("person.id", "gt", 3) | le) is ALWAYS


def test_empty_ranges_fold() -> None:
    assert normalize(condition("person.id", "between", 5, 1)) is NEVER
    assert normalize(condition("person.id", "not_between", 5, 1)) is ALWAYS
    empty_days = condition("person.registered", "date_between", date(2026, 2, 1), date(2026, 1, 1))
    assert normalize(empty_days) is NEVER


def test_groups_are_expanded() -> None:
    a, b = condition(STATUS, "in", 1), condition("person.retired", "is_true")
    form = Groups(
        (Group((a, Condition("person.email", Operator.BEGINS))), Group((b,), subtract=True))
    )
    assert normalize(form) == AllOf((a, condition("person.retired", "is_false")))
    assert normalize(Groups(())) is ALWAYS


def test_numbers_are_canonical() -> None:
    assert normalize(condition("person.id", "eq", 2.0)) == normalize(
        condition("person.id", "eq", 2)
    )
    assert type(normalize(condition("person.id", "eq", 2.0)).values[0]) is int  # type: ignore[union-attr]


def test_idempotent_on_a_mixed_tree() -> None:
    tree = ~(
        (condition(STATUS, "in", 1) | ~condition("company.id", "gt", 2))
        & ~condition(GROUP, "not_in", 1, 2)
    ) | condition(STATUS, "in", 4)
    once = normalize(tree)
    assert normalize(once) == once


def test_normalize_validates() -> None:
    with pytest.raises(BadValueError):
        normalize(Condition(STATUS, Operator.IN, (None,)))


@pytest.mark.parametrize("value", [1e19, -1e19, 1e29, 2.0**63, -(2.0**64)])
def test_an_integral_float_beyond_64_bits_stays_a_float(value: float) -> None:
    """Issue 23: normalize made ``int(1e29)``, a criterion validate then refused."""
    leaf = condition("person.id", "eq", value)
    for tree in (leaf, ~leaf, leaf | condition("person.id", "between", value, value * 2)):
        normal = normalize(tree)
        validate(normal)
        person_predicate(normal, Environment(new_database()[0], datetime(2026, 1, 1, tzinfo=UTC)))
        assert normalize(normal) == normal
    assert normalize(condition("person.id", "eq", 2.0**62)).values == (2**62,)  # type: ignore[union-attr]
    assert normalize(condition("person.id", "eq", -(2.0**63))).values == (-(2**63),)  # type: ignore[union-attr]


@settings(max_examples=max(30, settings().max_examples // 4))
@given(st.floats(allow_nan=False), st.sampled_from(["eq", "ne", "gt", "lt", "ge", "le"]))
def test_normalize_of_a_valid_number_leaf_is_valid(value: float, op: str) -> None:
    leaf = condition("company.id", op, value)
    for tree in (leaf, ~leaf):
        validate(normalize(tree))
