"""One nesting limit for every form: a valid tree is written and read back by each."""

from __future__ import annotations

import json

import pytest

from leadcore.criteria.ast import Criterion, Not
from leadcore.criteria.build import MAX_NESTING, condition, nesting_depth, validate
from leadcore.criteria.describe import describe
from leadcore.criteria.errors import CriteriaError, CriteriaTooDeep
from leadcore.criteria.json import from_json, to_json
from leadcore.criteria.text import format, parse

LEAF = condition("person.retired", "is_true")
OTHER = condition("person.first_name", "begins", "a")


def alternating(depth: int) -> Criterion:
    """A tree whose and/or alternate down to ``depth`` levels (no flattening)."""
    tree: Criterion = LEAF
    for level in range(depth):
        tree = (tree & OTHER) if level % 2 == 0 else (tree | OTHER)
    return tree


def nots(depth: int) -> Criterion:
    tree: Criterion = LEAF
    for _ in range(depth):
        tree = Not(tree)
    return tree


@pytest.mark.parametrize("build", [alternating, nots], ids=["and-or", "not"])
def test_the_deepest_valid_tree_round_trips_through_every_form(build: object) -> None:
    assert callable(build)
    tree = build(MAX_NESTING)
    assert nesting_depth(tree) == MAX_NESTING
    assert validate(tree) is tree
    assert from_json(to_json(tree)) == tree
    assert parse(format(tree)) == tree
    assert describe(tree, "da")


@pytest.mark.parametrize("build", [alternating, nots], ids=["and-or", "not"])
def test_one_level_deeper_is_refused_by_every_reader(build: object) -> None:
    assert callable(build)
    valid, too_deep = build(MAX_NESTING), build(MAX_NESTING + 1)
    with pytest.raises(CriteriaTooDeep) as caught:
        validate(too_deep)
    assert caught.value.context["depth"] == MAX_NESTING + 1
    document = json.loads(to_json(valid))
    document["criteria"] = {"type": "not", "child": document["criteria"]}
    with pytest.raises(CriteriaError):
        from_json(json.dumps(document))
    with pytest.raises(CriteriaError):
        parse("not (" + format(valid) + ")" if build is alternating else "not " + format(valid))


def test_a_constant_with_an_extra_key_is_a_typed_parse_error() -> None:
    with pytest.raises(CriteriaError, match="criteria"):
        from_json('{"version": 1, "criteria": {"type": "never", "x": 1}}')
