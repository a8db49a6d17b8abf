"""The JSON form: versioned tagged documents, typed values, refusals with paths, round trips."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadcore.criteria.ast import (
    ALWAYS,
    NEVER,
    AllOf,
    AnyOf,
    Condition,
    Criterion,
    Group,
    Groups,
    Not,
    Operator,
    Period,
    Value,
)
from leadcore.criteria.build import condition
from leadcore.criteria.errors import (
    BadValueError,
    CriteriaParseError,
    OperatorNotAllowed,
    UnknownFieldError,
)
from leadcore.criteria.fields import Entity
from leadcore.criteria.json import (
    VERSION,
    converter,
    from_json,
    structure,
    to_json,
    unstructure,
)
from leadcore.criteria.text import MAX_DEPTH
from leadcore.model import CategoryGroup
from leadcore.testing.strategies import category_lists, criteria, lead_status_lists


def doc(node: dict[str, Any]) -> dict[str, Any]:
    return {"version": VERSION, "criteria": node}


def cond(key: str, op: str, *values: Any) -> dict[str, Any]:
    return {"type": "condition", "field": key, "operator": op, "values": list(values)}


def test_the_document_shape_uses_stable_codes() -> None:
    tree = condition("company.category_group", "not_in", CategoryGroup.CUSTOMER) | ~condition(
        "person.registered", "this_and_next", "quarter"
    )
    assert unstructure(tree) == doc(
        {
            "type": "any_of",
            "children": [
                cond("company.category_group", "not_in", 1),
                {
                    "type": "not",
                    "child": cond("person.registered", "this_and_next", {"period": "quarter"}),
                },
            ],
        }
    )
    text = to_json(tree)
    assert "Customer" not in text  # codes, not display labels
    assert json.loads(text)["criteria"]["children"][0]["values"] == [1]
    assert list(json.loads(text)["criteria"]) == ["type", "children"]  # the tag comes first


def test_groups_and_constants() -> None:
    tree = Groups(
        (
            Group(
                (condition("person.retired", "is_true"), Condition("person.email", Operator.BEGINS))
            ),
            Group((), subtract=True),
        )
    ) & Not(ALWAYS)
    data = unstructure(tree)
    assert data["criteria"]["children"][0]["groups"][0]["criteria"][1] == cond(
        "person.email", "begins"
    )
    assert data["criteria"]["children"][1] == {"type": "not", "child": {"type": "always"}}
    back = structure(data)
    assert back == tree
    assert isinstance(back, AllOf)
    assert isinstance(back.children[1], Not)
    assert back.children[1].child is ALWAYS  # the singleton, not a copy
    assert structure(doc({"type": "never"})) is NEVER


VALUES: list[tuple[Value, Any]] = [
    (3, 3),
    (2.5, 2.5),
    (1.0, 1.0),
    (float("inf"), {"float": "inf"}),
    (float("-inf"), {"float": "-inf"}),
    ("", ""),
    ('å "q" \\ \n', 'å "q" \\ \n'),
    (True, True),
    (None, None),
    (date(2026, 1, 1), {"date": "2026-01-01"}),
    (datetime(2026, 1, 1, 9, 30), {"datetime": "2026-01-01T09:30:00"}),
    (
        datetime(2026, 1, 1, 9, 30, 0, 17, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
        {"datetime": "2026-01-01T09:30:00.000017-03:30"},
    ),
    (Period.WEEK, {"period": "week"}),
]


@pytest.mark.parametrize(("value", "data"), VALUES)
def test_values_are_typed_so_they_round_trip_exactly(value: Value, data: Any) -> None:
    leaf = Condition("person.id", Operator.EQ, (value,))
    plain = converter.unstructure(leaf)
    assert plain["values"] == [data]
    back = converter.structure(json.loads(json.dumps(plain)), Condition)
    assert back == leaf
    assert type(back.values[0]) is type(value)
    if isinstance(value, datetime):
        assert back.values[0].utcoffset() == value.utcoffset()  # type: ignore[union-attr]


def test_category_group_members_are_written_as_plain_codes() -> None:
    leaf = Condition("person.category_group", Operator.IN, (CategoryGroup.PARTNER,))
    assert converter.unstructure(leaf)["values"] == [3]
    assert type(converter.unstructure(leaf)["values"][0]) is int


# --- refusals with the path of the bad value --------------------------------------------

GOOD = cond("person.retired", "is_true")


@pytest.mark.parametrize(
    ("data", "position", "error"),
    [
        (doc({"type": "all_of", "children": [GOOD, cond("person.retired", "maybe")]}),
         "$.criteria.children[1].operator", CriteriaParseError),
        (doc({"type": "all_of", "children": [GOOD, cond("person.retired", "in", 1)]}),
         "$.criteria.children[1].operator", OperatorNotAllowed),
        (doc({"type": "any_of", "children": [GOOD, GOOD, cond("person.shoe", "eq", 1)]}),
         "$.criteria.children[2].field", UnknownFieldError),
        (doc({"type": "not", "child": cond("person.id", "eq", "7")}),
         "$.criteria.child.values[0]", BadValueError),
        (doc({"type": "not", "child": cond("person.lead_status", "in", 1, 2, "x")}),
         "$.criteria.child.values[2]", BadValueError),
        (doc({"type": "not", "child": cond("person.lead_status", "in", 1, None)}),
         "$.criteria.child.values[1]", BadValueError),
        (doc({"type": "not", "child": cond("person.id", "eq", 1, None)}),
         "$.criteria.child.values", BadValueError),
        (doc({"type": "not", "child": cond("person.registered", "on", {"date": "2026-13-01"})}),
         "$.criteria.child.values[0]", CriteriaParseError),
        (doc({"type": "not", "child": cond("person.registered", "this", {"period": "fortnight"})}),
         "$.criteria.child.values[0]", CriteriaParseError),
        (doc({"type": "not", "child": cond("person.id", "eq", [1])}),
         "$.criteria.child.values[0]", CriteriaParseError),
        (doc({"type": "not", "child": cond("person.id", "eq", {"money": "1"})}),
         "$.criteria.child.values[0]", CriteriaParseError),
        (doc({"type": "all_of", "children": [{"type": "alwayz"}]}),
         "$.criteria.children[0].type", CriteriaParseError),
        (doc({"type": "all_of", "children": [{"type": "always", "extra": 1}]}),
         "$.criteria.children[0]", CriteriaParseError),
        (doc({"type": "condition", "field": "person.id", "operator": "eq", "values": [1],
              "label": "x"}), "$.criteria", CriteriaParseError),
        (doc({"type": "all_of"}), "$.criteria.children", CriteriaParseError),
        (doc({"type": "all_of", "children": 5}), "$.criteria.children", CriteriaParseError),
        (doc({"type": "not", "child": [GOOD]}), "$.criteria.child", CriteriaParseError),
        (doc({"type": "condition", "field": 7, "operator": "eq", "values": [1]}),
         "$.criteria.field", CriteriaParseError),
        (doc({"type": "condition", "field": "person.id", "operator": "eq", "values": "1"}),
         "$.criteria.values", CriteriaParseError),
        (doc({"type": "groups", "groups": [{"criteria": [GOOD], "subtract": "yes"}]}),
         "$.criteria.groups[0].subtract", CriteriaParseError),
        (doc({"type": "groups", "groups": [{"criteria": [GOOD, {"type": "always"}]}]}),
         "$.criteria.groups[0].criteria[1].type", CriteriaParseError),
        (doc({"type": "groups", "groups": [{"criteria": [cond("person.id", "xx", 1)]}]}),
         "$.criteria.groups[0].criteria[0].operator", CriteriaParseError),
        (doc({"type": "groups", "groups": [{"criteria": [cond("person.id", "eq", "x")]}]}),
         "$.criteria.groups[0].criteria[0].values[0]", BadValueError),
        ({"version": 2, "criteria": GOOD}, "$.version", CriteriaParseError),
        ({"version": True, "criteria": GOOD}, "$.version", CriteriaParseError),
        ({"version": 1.0, "criteria": GOOD}, "$.version", CriteriaParseError),
        (doc({"type": "all_of", "children": "ab"}), "$.criteria.children", CriteriaParseError),
        (doc({"type": "groups", "groups": {"criteria": []}}), "$.criteria.groups",
         CriteriaParseError),
        ({"criteria": GOOD}, "$.version", CriteriaParseError),
        ({"version": 1}, "$.criteria", CriteriaParseError),
        ({"version": 1, "criteria": GOOD, "note": ""}, "$.note", CriteriaParseError),
        ([GOOD], "$", CriteriaParseError),
        (doc(GOOD | {"type": 1}), "$.criteria.type", CriteriaParseError),
    ],
)  # fmt: skip
def test_refusals_name_the_path(data: Any, position: str, error: type[Exception]) -> None:
    with pytest.raises(error) as info:
        structure(data)
    assert isinstance(info.value, CriteriaParseError)
    assert info.value.position == position
    with pytest.raises(error):
        from_json(json.dumps(data))


def test_a_nan_float_tag_is_refused_as_such() -> None:
    with pytest.raises(CriteriaParseError) as info:
        structure(doc(cond("person.id", "eq", {"float": "nan"})))
    assert info.value.position == "$.criteria.values[0]"
    assert info.value.expected == "inf or -inf"
    assert structure(doc(cond("person.id", "eq", {"float": "-inf"}))) == condition(
        "person.id", "eq", -math.inf
    )


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ('{"version": 1, "criteria": {"type": "condition", "field": "person.id", '
         '"operator": "in", "values": [1, NaN]}}', "$.criteria.values[1]"),
        ('{"version": 1, "criteria": {"type": "condition", "field": "person.id", '
         '"operator": "gt", "values": [-Infinity]}}', "$.criteria.values[0]"),
        ('{"version": Infinity, "criteria": {"type": "never"}}', "$.version"),
    ],
)  # fmt: skip
def test_non_json_number_tokens_are_refused(text: str, position: str) -> None:
    with pytest.raises(CriteriaParseError) as info:
        from_json(text)
    assert info.value.position == position
    assert "float" in info.value.expected


def test_inactive_criteria_are_accepted_only_in_groups() -> None:
    inactive = cond("person.first_name", "begins")
    assert structure(doc({"type": "groups", "groups": [{"criteria": [inactive]}]})) == Groups(
        (Group((Condition("person.first_name", Operator.BEGINS),)),)
    )
    with pytest.raises(BadValueError):
        structure(doc(inactive))


def test_bad_json_text_says_where() -> None:
    with pytest.raises(CriteriaParseError) as info:
        from_json('{"version": 1, "criteria": ')
    assert info.value.position == 27
    assert info.value.expected == "valid JSON"


def test_the_entity_decides_the_fields() -> None:
    company = doc(cond("company.name", "begins", "A"))
    assert structure(company, entity=Entity.COMPANY) == condition(
        "company.name", "begins", "A", entity=Entity.COMPANY
    )
    with pytest.raises(UnknownFieldError):
        structure(doc(GOOD), entity=Entity.COMPANY)


def test_bytes_are_read_as_utf8() -> None:
    tree = condition("person.first_name", "equals", "Søren")
    assert from_json(to_json(tree).encode()) == tree


# --- round trips -------------------------------------------------------------------------


def _same_types(a: Criterion, b: Criterion) -> None:
    """Equal trees with the same node classes and value types all the way down."""
    assert type(a) is type(b)
    if isinstance(a, Condition) and isinstance(b, Condition):
        assert [type(v) for v in a.values] == [type(v) for v in b.values]
    elif isinstance(a, AllOf | AnyOf) and isinstance(b, AllOf | AnyOf):
        for x, y in zip(a.children, b.children, strict=True):
            _same_types(x, y)
    elif isinstance(a, Not) and isinstance(b, Not):
        _same_types(a.child, b.child)


@given(st.data())
def test_exact_round_trip_of_generated_trees(data: st.DataObject) -> None:
    categories = data.draw(category_lists())
    statuses = data.draw(lead_status_lists())
    tree = data.draw(criteria(categories, statuses))
    assert structure(unstructure(tree)) == tree
    back = from_json(to_json(tree))
    assert back == tree
    _same_types(back, tree)
    assert to_json(back) == to_json(tree)


@given(
    st.lists(
        st.one_of(
            st.integers(),
            st.floats(allow_nan=False),
            st.text(),
            st.dates(),
            st.datetimes(timezones=st.none() | st.just(UTC)),
            st.sampled_from(Period),
            st.booleans(),
            st.none(),
        ),
        max_size=4,
    ).map(tuple)
)
def test_any_value_round_trips_through_the_converter(values: tuple[Value, ...]) -> None:
    leaf = Condition("person.id", Operator.IN, values)
    back = converter.structure(json.loads(json.dumps(converter.unstructure(leaf))), Condition)
    assert back == leaf
    assert [type(v) for v in back.values] == [type(v) for v in values]


def test_the_converter_handles_nodes_not_only_documents() -> None:
    tree = AnyOf((AllOf(()), Not(NEVER)))
    plain = converter.unstructure(tree)
    assert plain == {
        "type": "any_of",
        "children": [
            {"type": "all_of", "children": []},
            {"type": "not", "child": {"type": "never"}},
        ],
    }
    assert converter.structure(plain, Criterion) == tree  # type: ignore[arg-type]


def test_nesting_is_bounded_with_a_typed_error() -> None:
    tree: Criterion = condition("person.retired", "is_true")
    for n in range(MAX_DEPTH):
        tree = Not(tree) if n % 2 else AllOf((tree, ALWAYS))
    assert from_json(to_json(tree)) == tree
    deep: dict[str, Any] = {"type": "always"}
    for _ in range(MAX_DEPTH + 5):
        deep = {"type": "not", "child": deep}
    with pytest.raises(CriteriaParseError, match="nodes deep") as info:
        structure(doc(deep))
    assert str(info.value.position).startswith("$.criteria.child.child")
    with pytest.raises(CriteriaParseError, match="levels of nesting"):
        from_json('{"version": 1, "criteria": ' + "[" * 100_000 + "]" * 100_000 + "}")
