"""The immutable criteria tree.

Leaves are :class:`Condition` (field, operator, values); inner nodes are
:class:`AllOf`, :class:`AnyOf` and :class:`Not`; :data:`ALWAYS` and
:data:`NEVER` are the constants. SuperOffice's group form is :class:`Groups`.
Python's ``&``, ``|`` and ``~`` build trees; ``all_of([])`` is ALWAYS and
``any_of([])`` is NEVER.

>>> a = Condition("person.lead_status", Operator.IN, (1, 2))
>>> b = Condition("company.category_group", Operator.NOT_IN, (1,))
>>> tree = a & ~b
>>> type(tree).__name__, len(tree.children)
('AllOf', 2)
>>> all_of([]) is ALWAYS, any_of([]) is NEVER
(True, True)
>>> (a & (b & a)).children == (a, b, a)
True
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime
from typing import TypeAlias, Union

import attrs

__all__ = [
    "ALWAYS",
    "NEVER",
    "AllOf",
    "Always",
    "AnyOf",
    "Condition",
    "Criterion",
    "Group",
    "Groups",
    "Never",
    "Not",
    "Operator",
    "Period",
    "Value",
    "all_of",
    "any_of",
]


class Operator(enum.Enum):
    """Every operator, by stable code. Which ones a field accepts comes from its type."""

    # list and associate
    IN = "in"
    NOT_IN = "not_in"
    CURRENT_ASSOCIATE = "current_associate"
    NOT_CURRENT_ASSOCIATE = "not_current_associate"
    # text (case-insensitive; % is a wildcard)
    EQUALS = "equals"
    NOT_EQUALS = "not_equals"
    BEGINS = "begins"
    NOT_BEGINS = "not_begins"
    CONTAINS = "contains"
    NOT_CONTAINS = "not_contains"
    ENDS = "ends"
    NOT_ENDS = "not_ends"
    # number
    EQ = "eq"
    NE = "ne"
    GT = "gt"
    LT = "lt"
    GE = "ge"
    LE = "le"
    BETWEEN = "between"
    NOT_BETWEEN = "not_between"
    # yes/no
    IS_TRUE = "is_true"
    IS_FALSE = "is_false"
    # date
    BEFORE = "before"
    ON = "on"
    AFTER = "after"
    DATE_BETWEEN = "date_between"
    BEFORE_TODAY = "before_today"
    TODAY = "today"
    AFTER_TODAY = "after_today"
    THIS = "this"
    NEXT = "next"
    PREVIOUS = "previous"
    THIS_AND_NEXT = "this_and_next"
    THIS_AND_PREVIOUS = "this_and_previous"
    THIS_PREVIOUS_AND_NEXT = "this_previous_and_next"
    LAST = "last"
    OLDER_THAN = "older_than"
    # every type: whether the field has a value
    SET = "set"
    NOT_SET = "not_set"


class Period(enum.Enum):
    """The period of a relative date operator (THIS, NEXT, LAST, ...)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


Value: TypeAlias = int | str | bool | float | date | datetime | Period | None
"""A value in a condition: list item id (int), text, number, date, or a Period."""


class _Node:
    """Operator overloads shared by every node: ``&``, ``|``, ``~``."""

    __slots__ = ()

    def __and__(self, other: Criterion) -> Criterion:
        return all_of([self, other])  # type: ignore[list-item]

    def __or__(self, other: Criterion) -> Criterion:
        return any_of([self, other])  # type: ignore[list-item]

    def __invert__(self) -> Criterion:
        return negate(self)  # type: ignore[arg-type]


@attrs.frozen
class Always(_Node):
    """Matches every row. Use the singleton :data:`ALWAYS`."""


@attrs.frozen
class Never(_Node):
    """Matches no row. Use the singleton :data:`NEVER`."""


ALWAYS = Always()
"""The criterion that matches every row (the empty Find)."""
NEVER = Never()
"""The criterion that matches no row."""


@attrs.frozen
class Condition(_Node):
    """A leaf: ``field`` (registry key), ``operator`` and its ``values``.

    Field/operator/value checks live in :mod:`leadcore.criteria.build`, which
    resolves the field in the registry; this class only holds the data.
    """

    field: str
    operator: Operator
    values: tuple[Value, ...] = ()


@attrs.frozen
class AllOf(_Node):
    """True when every child is (flattened, n-ary; empty is ALWAYS)."""

    children: tuple[Criterion, ...]


@attrs.frozen
class AnyOf(_Node):
    """True when any child is (flattened, n-ary; empty is NEVER)."""

    children: tuple[Criterion, ...]


@attrs.frozen
class Not(_Node):
    """True exactly when ``child`` is false (for every row, missing values included)."""

    child: Criterion


@attrs.frozen
class Group:
    """SuperOffice's criteria group: criteria ANDed; a subtract group removes its matches.

    A condition with no values whose operator needs values is *inactive* and ignored.
    """

    criteria: tuple[Condition, ...] = ()
    subtract: bool = False


@attrs.frozen
class Groups(_Node):
    """The group form: non-subtract groups ORed, minus every subtract group.

    A group whose criteria are all inactive is ignored; with no active normal
    group the result is every row (minus the subtract groups), as an empty Find
    screen lists everything.
    """

    groups: tuple[Group, ...]


Criterion: TypeAlias = Union[Always, Never, Condition, AllOf, AnyOf, Not, Groups]  # noqa: UP007
"""Any node of the tree."""


def all_of(children: Iterable[Criterion]) -> Criterion:
    """AND of ``children``, flattened; ALWAYS when empty, the child itself when single."""
    flat: list[Criterion] = []
    for child in children:
        if isinstance(child, AllOf):
            flat.extend(child.children)
        elif child is not ALWAYS:
            flat.append(child)
    if not flat:
        return ALWAYS
    return flat[0] if len(flat) == 1 else AllOf(tuple(flat))


def any_of(children: Iterable[Criterion]) -> Criterion:
    """OR of ``children``, flattened; NEVER when empty, the child itself when single."""
    flat: list[Criterion] = []
    for child in children:
        if isinstance(child, AnyOf):
            flat.extend(child.children)
        elif child is not NEVER:
            flat.append(child)
    if not flat:
        return NEVER
    return flat[0] if len(flat) == 1 else AnyOf(tuple(flat))


def negate(child: Criterion) -> Criterion:
    """NOT of ``child``; constants fold and double negation cancels."""
    if child is ALWAYS:
        return NEVER
    if child is NEVER:
        return ALWAYS
    if isinstance(child, Not):
        return child.child
    return Not(child)
