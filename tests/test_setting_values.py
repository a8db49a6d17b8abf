"""Settings values (issue 23): plain JSON data, checked once without recursion.

A deeply nested value raised ``RecursionError`` when saved (``json.dumps`` and
``copy.deepcopy`` recurse). :func:`leadcore.setting_values.check_setting` refuses
it, and anything else that would not read back as stored, with the JSON path.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadcore.adapters.memory import InMemoryStore
from leadcore.adapters.sql import SqlStore
from leadcore.errors import ValidationError
from leadcore.lists import Lists, new_database
from leadcore.ports import UnitOfWork
from leadcore.setting_values import (
    MAX_SETTING_DEPTH,
    MAX_SETTING_ITEMS,
    check_setting,
    setting_problem,
)
from leadcore.testing.strategies import hostile_values


def _nested(depth: int) -> list[object]:
    value: list[object] = []
    for _ in range(depth):
        value = [value]
    return value


def test_a_deeply_nested_value_is_refused_with_its_path_not_a_recursion_error() -> None:
    with pytest.raises(ValidationError, match=f"nest more than {MAX_SETTING_DEPTH} deep") as info:
        check_setting("deep", {"a": _nested(100_000)})
    assert info.value.context == {"key": "deep", "path": "$.a" + "[0]" * (MAX_SETTING_DEPTH - 1)}
    check_setting("just deep enough", _nested(MAX_SETTING_DEPTH - 1))  # that many lists


def test_a_value_that_holds_itself_or_shares_parts_exponentially_is_refused() -> None:
    looped: list[object] = []
    looped.append(looped)
    with pytest.raises(ValidationError, match="nest more than"):
        check_setting("loop", looped)
    shared: list[object] = ["x"]
    for _ in range(25):  # 2**25 values once written out, within the depth
        shared = [shared, shared]
    with pytest.raises(ValidationError, match=f"more than {MAX_SETTING_ITEMS} values"):
        check_setting("shared", shared)


@pytest.mark.parametrize(
    ("value", "path", "problem"),
    [
        ({1: "a"}, "$", "an object key 1 that is not text"),
        ({"a": (1, 2)}, "$.a", "a tuple is no JSON value"),
        ([1.5, math.nan], "$[1]", "nan, which JSON has no number for"),
        ({"n": 2**63}, "$.n", "beyond the 64-bit range"),
        ({"x y": ["\ud800"]}, "$['x y'][0]", "lone surrogate"),
        ({"a": b"x"}, "$.a", "a bytes is no JSON value"),
        ({"a": {"b": {1, 2}}}, "$.a.b", "a set is no JSON value"),
    ],
)
def test_what_would_not_read_back_unchanged_is_refused_at_its_path(
    value: object, path: str, problem: str
) -> None:
    found = setting_problem(value)
    assert found is not None
    assert found[0] == path
    assert problem in found[1]
    with pytest.raises(ValidationError, match="cannot be stored") as info:
        check_setting("k", value)
    assert info.value.context["path"] == path


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False,
    allow_infinity=False) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=3), children, max_size=3),
    max_leaves=12,
)  # fmt: skip
_ANYTHING = st.recursive(
    hostile_values(4) | st.floats() | st.sampled_from([(), (1,), frozenset({1}), 2**64, -(2**70)]),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(hostile_values(3).filter(lambda k: not isinstance(k, bytes | bytearray)),
                      children, max_size=3)
    | st.tuples(children, children)
    | st.builds(_nested, st.integers(MAX_SETTING_DEPTH - 2, MAX_SETTING_DEPTH + 40)),
    max_leaves=10,
)  # fmt: skip


@given(_JSON)
def test_plain_json_data_is_accepted_and_reads_back_unchanged(value: object) -> None:
    check_setting("k", value)
    assert json.loads(json.dumps(value, allow_nan=False)) == value


@given(_ANYTHING)
def test_any_value_is_accepted_and_reads_back_or_refused_with_a_typed_error(value: object) -> None:
    """The settings values' fuzz test (issue 23): only leadcore's typed errors escape."""
    try:
        check_setting("k", value)
    except ValidationError as error:
        refused: ValidationError | None = error
    else:
        refused = None
    if refused is None:
        text = json.dumps(value, allow_nan=False)  # bounded: no RecursionError
        assert json.loads(text) == value
    else:
        assert refused.context["path"].startswith("$")


@pytest.mark.parametrize("adapter", ["memory", "sqlite"])
def test_the_adapters_refuse_a_deep_value_with_a_typed_error(adapter: str) -> None:
    lists = Lists(*new_database())
    factory: Callable[[], UnitOfWork] = (
        InMemoryStore(lists).unit_of_work
        if adapter == "memory"
        else SqlStore.open(":memory:", lists=lists).unit_of_work
    )
    with factory() as uow, pytest.raises(ValidationError, match="nest more than"):
        uow.settings.set("deep", _nested(100_000))
