"""The normal form: one canonical tree per meaning, as far as cheap sound rewrites go.

:func:`normalize` rewrites a tree without changing which rows it matches
(missing values included) and is idempotent. The rewrites, each sound under the
semantics of ``docs/criteria.md``:

* groups are expanded into and/or/not (:func:`~leadcore.criteria.build.expand_groups`);
* negation is pushed to the leaves by De Morgan and the operator-inverse table
  :data:`INVERSE`; where no inverse is exact on missing values (``gt`` on a
  nullable field, every date operator) a ``Not`` stays around the leaf;
* nested and/or are flattened; ALWAYS/NEVER fold away; duplicates go;
* ``in``/``not_in`` leaves on one field merge: ``in a | in b`` is ``in a∪b``,
  ``in a & in b`` is ``in a∩b``, ``in a & not_in b`` is ``in a-b``,
  ``in a | not_in b`` is ``not_in b-a``; ``in ()`` is NEVER, ``not_in ()`` ALWAYS,
  an empty ``between`` range is NEVER and its ``not_between`` ALWAYS;
* ``set`` on a field that is never missing is ALWAYS (``not_set`` NEVER); a count of
  one period is left out (``this_and_previous 1 week`` is ``this_and_previous week``);
* a leaf and its exact complement: ``x & ~x`` is NEVER, ``x | ~x`` ALWAYS;
* value lists are sorted and deduplicated, children sorted by a deterministic key.

>>> from leadcore.criteria.build import condition
>>> a = condition("person.lead_status", "in", 2, 1)
>>> b = condition("person.lead_status", "in", 3)
>>> normalize(~(~a & ~b))
Condition(field='person.lead_status', operator=<Operator.IN: 'in'>, values=(1, 2, 3))
>>> normalize(~condition("company.category_group", "in", 1))
Condition(field='company.category_group', operator=<Operator.NOT_IN: 'not_in'>, values=(1,))
>>> type(normalize(~condition("company.id", "gt", 5))).__name__
'Not'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date

from leadcore.criteria.ast import (
    ALWAYS,
    NEVER,
    AllOf,
    Always,
    AnyOf,
    Condition,
    Criterion,
    Groups,
    Never,
    Not,
    Operator,
    Value,
)
from leadcore.criteria.build import (
    COUNTED_OPERATORS,
    MAX_INT,
    MIN_INT,
    NEGATIVE_OF,
    expand_groups,
    expected_values,
    validate,
)
from leadcore.criteria.fields import Entity, field

__all__ = ["INVERSE", "NULLABLE_UNSOUND", "inverse", "normalize"]

_COMPARISON_PAIRS = (
    (Operator.GT, Operator.LE),
    (Operator.LT, Operator.GE),
    (Operator.IS_TRUE, Operator.IS_FALSE),
)
"""Pairs of operators that are each other's complement only where the value is never missing."""
_PAIRS = (*((pos, neg) for neg, pos in NEGATIVE_OF.items()), *_COMPARISON_PAIRS)

INVERSE: Mapping[Operator, Operator] = {
    **dict(_PAIRS),
    **{b: a for a, b in _PAIRS},
}
"""Operator -> the operator matching exactly the other rows (see :data:`NULLABLE_UNSOUND`)."""

NULLABLE_UNSOUND: frozenset[Operator] = frozenset(op for pair in _COMPARISON_PAIRS for op in pair)
"""Operators whose :data:`INVERSE` is exact only on fields that are never missing.

Both ``gt`` and ``le`` are false on a missing value, so ``~(x gt 5)`` (true on
a missing value) is not ``x le 5``; likewise ``is_true``/``is_false``.
"""


def inverse(leaf: Condition, entity: Entity = Entity.PERSON) -> Condition | None:
    """The leaf matching exactly the rows ``leaf`` does not, or ``None`` when there is none.

    >>> from leadcore.criteria.build import condition
    >>> inverse(condition("person.id", "gt", 5)).operator
    <Operator.LE: 'le'>
    >>> inverse(condition("company.id", "gt", 5)) is None  # missing without company
    True
    """
    op = INVERSE.get(leaf.operator)
    if op is None:
        return None
    if leaf.operator in NULLABLE_UNSOUND and field(leaf.field, entity).nullable:
        return None
    return Condition(leaf.field, op, leaf.values)


def normalize(criterion: Criterion, entity: Entity = Entity.PERSON) -> Criterion:
    """The normal form of ``criterion``: same matches, canonical shape, idempotent.

    The tree is validated first (the errors of :func:`~leadcore.criteria.build.validate`).

    >>> from leadcore.criteria.build import condition
    >>> a = condition("person.retired", "is_true")
    >>> b = condition("person.lead_status", "not_in", 1)
    >>> normalize(b & a) == normalize(a & b & a)
    True
    >>> normalize(a & ~a), normalize(condition("person.lead_status", "in"))
    (Never(), Never())
    """
    validate(criterion, entity)
    return _Normalizer(entity).run(criterion, negated=False)


def _canonical_value(value: Value) -> Value:
    """Integral floats become ints, within the 64-bit range only: a larger one (``1e29``)
    stays a float, as an int beyond :data:`~leadcore.criteria.build.MAX_INT` is invalid."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value) if MIN_INT <= value <= MAX_INT else value
    if isinstance(value, int) and not isinstance(value, bool) and type(value) is not int:
        return int(value)  # IntEnum members such as CategoryGroup
    return value


def _sort_key(node: Criterion) -> str:
    if isinstance(node, Condition):
        values = ",".join(f"{type(v).__name__}:{v!r}" for v in node.values)
        return f"1|{node.field}|{node.operator.value}|{values}"
    if isinstance(node, Not):
        return f"2|{_sort_key(node.child)}"
    if isinstance(node, AllOf):
        return "3|(" + ";".join(_sort_key(ch) for ch in node.children) + ")"
    if isinstance(node, AnyOf):
        return "4|(" + ";".join(_sort_key(ch) for ch in node.children) + ")"
    return f"0|{type(node).__name__}"


class _Normalizer:
    def __init__(self, entity: Entity) -> None:
        self.entity = entity

    def run(self, node: Criterion, *, negated: bool) -> Criterion:
        if isinstance(node, Always | Never):
            return node if not negated else (NEVER if isinstance(node, Always) else ALWAYS)
        if isinstance(node, Not):
            return self.run(node.child, negated=not negated)
        if isinstance(node, Groups):
            return self.run(expand_groups(node), negated=negated)
        if isinstance(node, Condition):
            return self.leaf(node, negated=negated)
        if isinstance(node, AllOf | AnyOf):
            children = [self.run(ch, negated=negated) for ch in node.children]
            conjunction = isinstance(node, AllOf) != negated
            return self.combine(children, conjunction=conjunction)
        raise TypeError(f"not a criteria node: {node!r}")

    def leaf(self, leaf: Condition, *, negated: bool) -> Criterion:
        if negated:
            flipped = inverse(leaf, self.entity)
            if flipped is None:
                inner = self.leaf(leaf, negated=False)
                return NEVER if inner is ALWAYS else ALWAYS if inner is NEVER else Not(inner)
            leaf = flipped
        op = leaf.operator
        values = tuple(_canonical_value(v) for v in leaf.values)
        if op is Operator.IN or op is Operator.NOT_IN:
            ints = sorted({v for v in values if isinstance(v, int)})
            if not ints:
                return NEVER if op is Operator.IN else ALWAYS
            return Condition(leaf.field, op, tuple(ints))
        if op is Operator.BETWEEN or op is Operator.NOT_BETWEEN:
            low, high = values
            assert isinstance(low, int | float)
            assert isinstance(high, int | float)
            if low > high:
                return NEVER if op is Operator.BETWEEN else ALWAYS
        if op in (Operator.SET, Operator.NOT_SET) and not field(leaf.field, self.entity).nullable:
            return ALWAYS if op is Operator.SET else NEVER  # never missing: always a value
        if op in COUNTED_OPERATORS and expected_values(op)[0] == 1 and values[:1] == (1,):
            values = values[1:]  # the count may be left out: one period is the default
        if op is Operator.DATE_BETWEEN:
            first, last = values
            assert isinstance(first, date)
            assert isinstance(last, date)
            if first > last:
                return NEVER
        return Condition(leaf.field, op, values)

    def complement(self, node: Criterion) -> Criterion | None:
        if isinstance(node, Not):
            return node.child
        if isinstance(node, Condition):
            return self.leaf(node, negated=True)
        return None

    def combine(self, children: list[Criterion], *, conjunction: bool) -> Criterion:
        kind: type[AllOf] | type[AnyOf] = AllOf if conjunction else AnyOf
        identity, absorbing = (ALWAYS, NEVER) if conjunction else (NEVER, ALWAYS)
        flat: list[Criterion] = []
        for child in children:
            if isinstance(child, kind):
                flat.extend(child.children)
            else:
                flat.append(child)
        sets: dict[str, tuple[list[frozenset[int]], list[frozenset[int]]]] = {}
        others: list[Criterion] = []
        for child in flat:
            if child == absorbing:
                return absorbing
            if child == identity:
                continue
            if isinstance(child, Condition) and child.operator in (Operator.IN, Operator.NOT_IN):
                positives, negatives = sets.setdefault(child.field, ([], []))
                ids = frozenset(v for v in child.values if isinstance(v, int))
                (positives if child.operator is Operator.IN else negatives).append(ids)
            else:
                others.append(child)
        for key, (positives, negatives) in sets.items():
            merged = self.leaf(
                _merge(key, positives, negatives, conjunction=conjunction), negated=False
            )
            if merged == absorbing:
                return absorbing
            if merged != identity:
                others.append(merged)
        unique = {_sort_key(ch): ch for ch in others}
        for child in unique.values():
            opposite = self.complement(child)
            if opposite is not None and _sort_key(opposite) in unique:
                return absorbing
        ordered = [unique[k] for k in sorted(unique)]
        if not ordered:
            return identity
        if len(ordered) == 1:
            return ordered[0]
        return kind(tuple(ordered))


def _merge(
    key: str,
    positives: list[frozenset[int]],
    negatives: list[frozenset[int]],
    *,
    conjunction: bool,
) -> Condition:
    if conjunction:
        excluded = frozenset().union(*negatives)
        if positives:
            return Condition(key, Operator.IN, tuple(frozenset.intersection(*positives) - excluded))
        return Condition(key, Operator.NOT_IN, tuple(excluded))
    included = frozenset().union(*positives)
    if negatives:
        return Condition(key, Operator.NOT_IN, tuple(frozenset.intersection(*negatives) - included))
    return Condition(key, Operator.IN, tuple(included))
