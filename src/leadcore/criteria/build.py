"""Building and checking criteria: validated leaves, tree checks, licence gating, groups.

:func:`condition` is the one way to make a leaf from user input: it resolves the
field in the registry and refuses a wrong operator, a value of the wrong type or
count, and ``None`` inside a value list, with a typed error that names the field
and what is allowed.

>>> from leadcore.model import CategoryGroup
>>> c = condition("person.lead_status", "in", 1, 2)
>>> c.operator, c.values
(<Operator.IN: 'in'>, (1, 2))
>>> condition("company.category_group", "not_in", CategoryGroup.CUSTOMER).values
(1,)
>>> condition("person.retired", "in", 1)
Traceback (most recent call last):
...
leadcore.criteria.errors.OperatorNotAllowed: operator 'in' cannot be used on field ...
>>> condition("person.lead_status", "in", 1, None)
Traceback (most recent call last):
...
leadcore.criteria.errors.BadValueError: bad value for 'person.lead_status' in: ...
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from types import MappingProxyType

from leadcore._checks import NUL_REASON, nul_at, surrogate_at
from leadcore.criteria.ast import (
    ALWAYS,
    AllOf,
    Always,
    AnyOf,
    Condition,
    Criterion,
    Groups,
    Never,
    Not,
    Operator,
    Period,
    Value,
    all_of,
    any_of,
    negate,
)
from leadcore.criteria.errors import (
    BadValueError,
    CriteriaTooDeep,
    OperatorNotAllowed,
    UnknownOperatorError,
)
from leadcore.criteria.fields import Entity, Field, ListKind, ValueType, field
from leadcore.licence import Feature, Licence
from leadcore.model import CategoryGroup

__all__ = [
    "COUNTED_OPERATORS",
    "MAX_INT",
    "MAX_INT_DIGITS",
    "MAX_NESTING",
    "MIN_INT",
    "NEGATIVE_OF",
    "NO_VALUE_OPERATORS",
    "PERIOD_OPERATORS",
    "TEXT_OPERATORS",
    "check_nesting",
    "check_search",
    "condition",
    "expand_groups",
    "expected_values",
    "is_inactive",
    "iter_conditions",
    "nesting_depth",
    "nodes_along",
    "period_count",
    "read_int",
    "referenced_fields",
    "require_licence",
    "validate",
]

NO_VALUE_OPERATORS: frozenset[Operator] = frozenset(
    {
        Operator.CURRENT_ASSOCIATE,
        Operator.NOT_CURRENT_ASSOCIATE,
        Operator.IS_TRUE,
        Operator.IS_FALSE,
        Operator.BEFORE_TODAY,
        Operator.TODAY,
        Operator.AFTER_TODAY,
        Operator.SET,
        Operator.NOT_SET,
    }
)
"""Operators that take no value (yes/no, current associate, today-style dates, has a value)."""

PERIOD_OPERATORS: frozenset[Operator] = frozenset(
    {
        Operator.THIS,
        Operator.NEXT,
        Operator.PREVIOUS,
        Operator.THIS_AND_NEXT,
        Operator.THIS_AND_PREVIOUS,
        Operator.THIS_PREVIOUS_AND_NEXT,
        Operator.LAST,
        Operator.OLDER_THAN,
    }
)
"""Relative date operators; the last value of each is a :class:`Period`."""

COUNTED_OPERATORS: frozenset[Operator] = PERIOD_OPERATORS - {
    Operator.THIS,
    Operator.THIS_PREVIOUS_AND_NEXT,
}
"""Relative date operators that take a count of periods (an int >= 1) before the period:
``last``/``older_than`` always (``(30, Period.DAY)``), the others optionally (SuperOffice's
"this and previous N periods"; ``(Period.WEEK,)`` is ``(1, Period.WEEK)``)."""

_COUNT_REQUIRED = frozenset({Operator.LAST, Operator.OLDER_THAN})

NEGATIVE_OF: Mapping[Operator, Operator] = MappingProxyType(
    {
        Operator.NOT_IN: Operator.IN,
        Operator.NOT_CURRENT_ASSOCIATE: Operator.CURRENT_ASSOCIATE,
        Operator.NOT_EQUALS: Operator.EQUALS,
        Operator.NOT_BEGINS: Operator.BEGINS,
        Operator.NOT_CONTAINS: Operator.CONTAINS,
        Operator.NOT_ENDS: Operator.ENDS,
        Operator.NE: Operator.EQ,
        Operator.NOT_BETWEEN: Operator.BETWEEN,
        Operator.NOT_SET: Operator.SET,
    }
)
"""Each negative operator and the positive operator it is the exact complement of,
on every row, missing values included (the one table of these pairs).

>>> NEGATIVE_OF[Operator.NOT_IN]
<Operator.IN: 'in'>
"""

MAX_NESTING = 64
"""The deepest nesting of and/or/not (as :func:`nesting_depth` counts it) that
:func:`validate` accepts; every form honours it, so any valid tree can be
evaluated, normalized, written and read back as text and JSON."""

MIN_INT, MAX_INT = -(2**63), 2**63 - 1
"""The integers a criterion may hold (ids and numbers): a signed 64-bit integer, what
SQL databases store. A larger id can never be stored, so it could never match."""

MAX_INT_DIGITS = 19
"""The most digits (after the sign and leading zeros) of an integer the readers
convert: :data:`MAX_INT` has 19. Longer literals are refused before they are
converted, whatever ``sys.set_int_max_str_digits`` says (see :func:`read_int`)."""

_TWO_VALUES = frozenset({Operator.BETWEEN, Operator.NOT_BETWEEN, Operator.DATE_BETWEEN})
_ANY_COUNT = frozenset({Operator.IN, Operator.NOT_IN})
_GROUP_CODES = frozenset(int(g) for g in CategoryGroup)


def expected_values(operator: Operator) -> tuple[int, int | None]:
    """How many values ``operator`` takes: ``(minimum, maximum)``, ``None`` for no maximum.

    >>> expected_values(Operator.IN), expected_values(Operator.BETWEEN)
    ((0, None), (2, 2))
    >>> expected_values(Operator.TODAY), expected_values(Operator.THIS)
    ((0, 0), (1, 1))
    >>> expected_values(Operator.LAST), expected_values(Operator.THIS_AND_PREVIOUS)
    ((2, 2), (1, 2))
    """
    if operator in _ANY_COUNT:
        return (0, None)
    if operator in NO_VALUE_OPERATORS:
        return (0, 0)
    if operator in _TWO_VALUES or operator in _COUNT_REQUIRED:
        return (2, 2)
    if operator in COUNTED_OPERATORS:
        return (1, 2)
    return (1, 1)


def period_count(values: tuple[Value, ...]) -> tuple[int, Period]:
    """The count and the period of a valid relative date leaf's values (count 1 when left out).

    >>> period_count((Period.WEEK,)), period_count((3, Period.MONTH))
    ((1, <Period.WEEK: 'week'>), (3, <Period.MONTH: 'month'>))
    """
    period = values[-1]
    count = values[0] if len(values) == 2 else 1
    assert isinstance(period, Period)
    assert isinstance(count, int)
    return count, period


TEXT_OPERATORS: frozenset[Operator] = frozenset(
    {
        Operator.EQUALS,
        Operator.NOT_EQUALS,
        Operator.BEGINS,
        Operator.NOT_BEGINS,
        Operator.CONTAINS,
        Operator.NOT_CONTAINS,
        Operator.ENDS,
        Operator.NOT_ENDS,
    }
)
"""The text operators: in the group form, one with an empty text is inactive."""


def is_inactive(leaf: Condition) -> bool:
    """True for a leaf of the group form that is *inactive*: no value where its operator
    needs values, or an empty text for a text operator (domain.md §3).

    Inside a :class:`~leadcore.criteria.ast.Group` such a leaf is ignored (an
    empty row of the Find screen, as SuperOffice ignores a restriction with an
    empty value); outside groups only ``in`` and ``not_in`` may have no values
    (``in ()`` matches nothing) and ``equals ""`` is an ordinary leaf of the algebra.

    >>> is_inactive(Condition("person.first_name", Operator.BEGINS))
    True
    >>> is_inactive(Condition("person.email", Operator.EQUALS, ("",)))
    True
    >>> is_inactive(Condition("person.retired", Operator.IS_TRUE))
    False
    """
    if leaf.operator in TEXT_OPERATORS and leaf.values == ("",):
        return True
    return not leaf.values and leaf.operator not in NO_VALUE_OPERATORS


def _operator(key: str, operator: Operator | str, spec: Field) -> Operator:
    if isinstance(operator, Operator):
        op = operator
    else:
        try:
            op = Operator(operator)
        except ValueError:
            raise UnknownOperatorError(key, str(operator), spec.operators) from None
    if op not in spec.operators:
        raise OperatorNotAllowed(key, op, spec.operators)
    return op


def _describe_kind(spec: Field, op: Operator) -> str:
    if op in _COUNT_REQUIRED:
        return "a count of periods (an int >= 1) and a Period (day, week, month, quarter, year)"
    if op in COUNTED_OPERATORS:
        return "a Period (day, week, month, quarter, year), optionally after a count (an int >= 1)"
    if op in PERIOD_OPERATORS:
        return "a Period (day, week, month, quarter, year)"
    vt = spec.value_type
    if vt is ValueType.LIST:
        if spec.list_kind is ListKind.CATEGORY_GROUP:
            return "CategoryGroup codes (0-5)"
        kind = spec.list_kind.value if spec.list_kind else "list item"
        return f"{kind} ids (int)"
    return {
        ValueType.TEXT: "text (str)",
        ValueType.NUMBER: "numbers (int or float, not NaN)",
        ValueType.BOOL: "no value",
        ValueType.ASSOCIATE: "associate ids (int)",
        ValueType.DATE: "dates (datetime.date, not datetime)",
    }[vt]


def _value_ok(spec: Field, op: Operator, value: Value, index: int, count: int) -> bool:
    if op in PERIOD_OPERATORS:
        if index == count - 1:
            return isinstance(value, Period)
        return type(value) is int and value >= 1  # the count of periods
    vt = spec.value_type
    if vt in (ValueType.LIST, ValueType.ASSOCIATE):
        if not isinstance(value, int) or isinstance(value, bool):
            return False
        return spec.list_kind is not ListKind.CATEGORY_GROUP or value in _GROUP_CODES
    if vt is ValueType.TEXT:
        return isinstance(value, str)
    if vt is ValueType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return not (isinstance(value, float) and math.isnan(value))
    if vt is ValueType.DATE:
        return isinstance(value, date) and not isinstance(value, datetime)
    return False


def read_int(text: str) -> int:
    """``int(text)``, refusing a literal of more than :data:`MAX_INT_DIGITS` digits with
    :class:`ValueError` *before* converting it (converting a long literal is slow).

    >>> read_int("-0042"), read_int(str(MAX_INT)) == MAX_INT
    (-42, True)
    >>> read_int("9" * 5000)
    Traceback (most recent call last):
    ...
    ValueError: an integer of more than 19 digits
    """
    body = text.strip()
    sign = body[:1] if body[:1] in ("+", "-") else ""
    digits = body[len(sign) :].lstrip("0")
    if len(digits) > MAX_INT_DIGITS:
        raise ValueError(f"an integer of more than {MAX_INT_DIGITS} digits")
    return int(sign + digits) if digits else int(body)


def _unstorable(value: Value) -> tuple[str, str] | None:
    """Why and what to do when ``value`` could not be stored (an int beyond 64 bits,
    text with a lone surrogate or NUL); ``None`` when it can be. Never writes the value out.

    Stored text never holds NUL (the model refuses it), so a text value with NUL is
    refused here, by every adapter alike, rather than matching nothing in one and
    failing in another."""
    if isinstance(value, int) and not MIN_INT <= value <= MAX_INT:
        return (
            f"an integer of {value.bit_length()} bits is beyond the 64-bit range "
            f"({MIN_INT} to {MAX_INT}) that ids and numbers are stored in",
            "Pass an id or number within that range",
        )
    if isinstance(value, str) and (at := surrogate_at(value)) >= 0:
        return (
            f"character {at} is a lone surrogate (U+{ord(value[at]):04X}), "
            "which UTF-8 cannot encode, so the text could never be stored",
            "Remove it, or write the character it was meant to be half of "
            "(a \\uD83D\\uDE00 pair in JSON, \\U0001F600 in the text form)",
        )
    if isinstance(value, str) and (at := nul_at(value)) >= 0:
        return (
            f"character {at} is NUL (U+0000), which no stored text holds: {NUL_REASON}",
            "Remove the NUL character from the searched text",
        )
    return None


def _check(leaf: Condition, entity: Entity, *, allow_inactive: bool) -> Field:
    spec = field(leaf.field, entity)
    op = _operator(leaf.field, leaf.operator, spec)
    if allow_inactive and is_inactive(leaf):
        return spec
    low, high = expected_values(op)
    count = len(leaf.values)
    if count < low or (high is not None and count > high):
        wanted = f"exactly {low}" if low == high else f"at least {low}"
        if low == 0 and high == 0:
            wanted = "no"
        raise BadValueError(
            leaf.field,
            op,
            why=f"{op.value!r} takes {wanted} value(s), got {count}",
            fix=f"Pass {wanted} value(s)" + ("" if high == 0 else f": {_describe_kind(spec, op)}"),
        )
    for index, value in enumerate(leaf.values):
        if value is None:
            err = BadValueError(
                leaf.field,
                op,
                why="None inside a value list has no meaning (missing values are matched "
                "by the negative operators, e.g. not_in)",
                fix="Remove None from the values; use not_in/in on the remaining ids",
            )
        elif (unstorable := _unstorable(value)) is not None:
            err = BadValueError(leaf.field, op, why=unstorable[0], fix=unstorable[1])
        elif not _value_ok(spec, op, value, index, count):
            err = BadValueError(
                leaf.field,
                op,
                why=f"{value!r} ({type(value).__name__}) is not valid here",
                fix=f"Pass {_describe_kind(spec, op)}",
            )
        else:
            continue
        err.context["index"] = index  # which value, so the text and JSON forms can point at it
        raise err
    return spec


def _canonical(spec: Field, op: Operator, value: Value) -> Value:
    if isinstance(value, CategoryGroup):
        return int(value)
    if op in PERIOD_OPERATORS and isinstance(value, str):
        try:
            return Period(value)
        except ValueError:
            return value
    return value


def condition(
    key: str, operator: Operator | str, *values: Value, entity: Entity = Entity.PERSON
) -> Condition:
    """A validated leaf: ``key`` (registry field) ``operator`` ``values``.

    ``operator`` may be given by its code (``"in"``); a :class:`CategoryGroup`
    becomes its int code and a period code (``"week"``) its :class:`Period`.
    Raises :class:`UnknownFieldError`, :class:`OperatorNotAllowed` or
    :class:`BadValueError` naming the field and what is allowed.

    >>> condition("person.registered", "this", "week").values
    (<Period.WEEK: 'week'>,)
    >>> condition("person.owner", "current_associate")
    Condition(field='person.owner', operator=<Operator.CURRENT_ASSOCIATE: ...>, values=())
    >>> condition("person.first_name", "begins")
    Traceback (most recent call last):
    ...
    leadcore.criteria.errors.BadValueError: bad value for 'person.first_name' begins: ...
    """
    spec = field(key, entity)
    op = _operator(key, operator, spec)
    leaf = Condition(key, op, tuple(_canonical(spec, op, v) for v in values))
    _check(leaf, entity, allow_inactive=False)
    return leaf


def iter_conditions(criterion: Criterion) -> Iterator[Condition]:
    """Every leaf of ``criterion`` in order, the criteria of groups included.

    >>> a = Condition("person.retired", Operator.IS_TRUE)
    >>> [c.field for c in iter_conditions(~(a | a))]
    ['person.retired', 'person.retired']
    """
    stack: list[Criterion] = [criterion]
    while stack:
        node = stack.pop()
        if isinstance(node, Condition):
            yield node
        elif isinstance(node, AllOf | AnyOf):
            stack.extend(reversed(node.children))
        elif isinstance(node, Not):
            stack.append(node.child)
        elif isinstance(node, Groups):
            for group in reversed(node.groups):
                stack.extend(reversed(group.criteria))
        elif not isinstance(node, Always | Never):
            raise TypeError(f"not a criteria node: {node!r}")


def validate(criterion: Criterion, entity: Entity = Entity.PERSON) -> Criterion:
    """Check every leaf of ``criterion`` (groups included); return it unchanged.

    Inside groups, inactive leaves (no value where one is needed) are allowed.
    A tree nested deeper than :data:`MAX_NESTING` levels raises :class:`CriteriaTooDeep`.

    >>> tree = Condition("person.retired", Operator.IS_TRUE) & ~Condition(
    ...     "person.lead_status", Operator.IN, (1,))
    >>> validate(tree) is tree
    True
    >>> validate(Condition("person.lead_status", Operator.IN, ("Open",)))
    Traceback (most recent call last):
    ...
    leadcore.criteria.errors.BadValueError: bad value for 'person.lead_status' in: ...
    """
    check_nesting(criterion)
    stack: list[Criterion] = [criterion]
    while stack:
        node = stack.pop()
        if isinstance(node, Condition):
            _check(node, entity, allow_inactive=False)
        elif isinstance(node, AllOf | AnyOf):
            stack.extend(node.children)
        elif isinstance(node, Not):
            stack.append(node.child)
        elif isinstance(node, Groups):
            for group in node.groups:
                for leaf in group.criteria:
                    if not isinstance(leaf, Condition):
                        raise TypeError(f"a group holds conditions only, got {leaf!r}")
                    _check(leaf, entity, allow_inactive=True)
        elif not isinstance(node, Always | Never):
            raise TypeError(f"not a criteria node: {node!r}")
    return criterion


def check_nesting(criterion: Criterion) -> None:
    """Refuse a tree nested deeper than :data:`MAX_NESTING` with :class:`CriteriaTooDeep`,
    whose ``context["path"]`` leads to the first node too deep (see :func:`nodes_along`).

    >>> check_nesting(Condition("person.retired", Operator.IS_TRUE))
    """
    depth, path = _nesting(criterion, MAX_NESTING)
    if depth > MAX_NESTING:
        raise CriteriaTooDeep(depth, MAX_NESTING, path)


def nesting_depth(criterion: Criterion) -> int:
    """Nesting depth of and/or/not; a group form counts as the three levels it expands to.

    Iterative, so that a very deep tree cannot exhaust the stack here.

    >>> leaf = Condition("person.retired", Operator.IS_TRUE)
    >>> nesting_depth(leaf), nesting_depth(~(leaf & leaf)), nesting_depth(Groups(()))
    (0, 2, 3)
    """
    return _nesting(criterion, None)[0]


def _nesting(criterion: Criterion, limit: int | None) -> tuple[int, tuple[int, ...]]:
    """The nesting depth and, given ``limit``, the child indices from the root to the
    first (leftmost) node nesting deeper than ``limit``; ``()`` when none does."""
    deepest, first = 0, -1
    links: list[tuple[int, int]] = []  # per visited node: (its parent's visit, its index there)
    stack: list[tuple[Criterion, int, int, int]] = [(criterion, 0, -1, 0)]
    while stack:
        node, depth, parent, index = stack.pop()
        visit = len(links)
        if limit is not None:
            links.append((parent, index))
        if isinstance(node, Groups):
            depth += 3
        deepest = max(deepest, depth)
        if limit is not None and first < 0 and depth > limit:
            first = visit
        if isinstance(node, AllOf | AnyOf):
            last = len(node.children) - 1
            stack.extend((node.children[i], depth + 1, visit, i) for i in range(last, -1, -1))
        elif isinstance(node, Not):
            stack.append((node.child, depth + 1, visit, 0))
    path: list[int] = []
    while first > 0:
        first, index = links[first]
        path.append(index)
    return deepest, tuple(reversed(path))


def nodes_along(criterion: Criterion, path: tuple[int, ...]) -> tuple[Criterion, ...]:
    """The nodes from ``criterion`` down ``path`` (child indices; ``0`` under a ``not``).

    >>> leaf = Condition("person.retired", Operator.IS_TRUE)
    >>> nodes_along(Not(AllOf((ALWAYS, leaf))), (0, 1))[-1] is leaf
    True
    """
    nodes = [criterion]
    for index in path:
        node = nodes[-1]
        if isinstance(node, AllOf | AnyOf):
            nodes.append(node.children[index])
        elif isinstance(node, Not):
            nodes.append(node.child)
        else:
            raise ValueError(f"no child {index} below {type(node).__name__}")
    return tuple(nodes)


def referenced_fields(criterion: Criterion) -> frozenset[str]:
    """The field keys ``criterion`` names (inactive group criteria included: a safe superset).

    >>> sorted(referenced_fields(condition("person.lead_status", "in", 1)
    ...        | condition("company.category_group", "in", 1)))
    ['company.category_group', 'person.lead_status']
    """
    return frozenset(leaf.field for leaf in iter_conditions(criterion))


def require_licence(criterion: Criterion, licence: Licence, entity: Entity = Entity.PERSON) -> None:
    """Raise :class:`FeatureNotLicensed` when a leaf's field needs a feature ``licence`` lacks.

    >>> from leadcore.licence import Feature
    >>> utm = condition("person.first_touch.source", "equals", "newsletter")
    >>> require_licence(utm, Licence.full())
    >>> require_licence(utm, Licence.of(Feature.LEAD_STATUS))
    Traceback (most recent call last):
    ...
    leadcore.errors.FeatureNotLicensed: searching on 'person.first_touch.source' needs ...
    """
    for key in sorted(referenced_fields(criterion)):
        feature = field(key, entity).feature
        if feature is not None:
            licence.require(feature, f"searching on {key!r}")


def check_search(
    criterion: Criterion,
    licence: Licence,
    entity: Entity = Entity.PERSON,
    *,
    sort_fields: Iterable[str] = (),
) -> None:
    """Refuse a search of ``entity`` by ``criterion``, sorted on ``sort_fields``, that
    the registry or ``licence`` does not allow: every leaf is validated
    (:func:`validate`), every field searched (:func:`require_licence`) or sorted on
    needs its feature, and a lead-status field needs the lead-status feature.

    The checks every query of the service and of a view gets, in this order.

    >>> check_search(condition("person.retired", "is_true"), Licence.of(),
    ...              sort_fields=["person.last_name"])
    >>> check_search(ALWAYS, Licence.of(), sort_fields=["person.lead_status"])
    Traceback (most recent call last):
    ...
    leadcore.errors.FeatureNotLicensed: using the field 'person.lead_status' needs ...
    """
    validate(criterion, entity)
    require_licence(criterion, licence, entity)
    sorted_on = set(sort_fields)
    for key in sorted(sorted_on):
        feature = field(key, entity).feature
        if feature is not None:
            licence.require(feature, f"sorting on {key!r}")
    for key in sorted(set(referenced_fields(criterion)) | sorted_on):
        if field(key, entity).list_kind is ListKind.LEAD_STATUS:
            licence.require(Feature.LEAD_STATUS, f"using the field {key!r}")


def expand_groups(groups: Groups) -> Criterion:
    """The group form as and/or/not: normal groups ORed, minus every subtract group.

    Inactive criteria are dropped, a group with no active criterion is ignored,
    and with no active normal group the base is every row (:data:`ALWAYS`).

    >>> from leadcore.criteria.ast import Group
    >>> a = condition("person.lead_status", "in", 1)
    >>> b = condition("person.retired", "is_true")
    >>> inactive = Condition("person.first_name", Operator.BEGINS)
    >>> expand_groups(Groups((Group((a, inactive)), Group((b,), subtract=True)))) == a & ~b
    True
    >>> expand_groups(Groups((Group((inactive,)),))) is ALWAYS
    True
    """
    normal: list[Criterion] = []
    subtract: list[Criterion] = []
    for group in groups.groups:
        active = [leaf for leaf in group.criteria if not is_inactive(leaf)]
        if not active:
            continue
        (subtract if group.subtract else normal).append(all_of(active))
    base = any_of(normal) if normal else ALWAYS
    return all_of([base, *(negate(s) for s in subtract)])
