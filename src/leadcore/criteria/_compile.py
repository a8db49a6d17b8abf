"""Code generation behind :mod:`leadcore.criteria.evaluate` (private).

A criterion becomes the source of one small Python function. The source names
only row attributes taken from the field registry and generated constant names
(``_k0``, ``_k1``, ...); every user value is passed to a factory function as an
argument and reaches the predicate through its closure, never as source text.

Negative operators are generated as ``not (<positive operator>)``, so each is the
exact complement of its positive twin on every row, missing values included.

The source is compiled by :func:`leadcore._codegen.compile_function` (a transient
entry: criteria are compiled per query), so a traceback through a predicate shows
its line (``<leadcore criteria ...>``).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from typing import Any

from leadcore._codegen import compile_function
from leadcore.criteria.ast import (
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
)
from leadcore.criteria.build import (
    NEGATIVE_OF,
    PERIOD_OPERATORS,
    expand_groups,
    nesting_depth,
    period_count,
)
from leadcore.criteria.fields import Entity, Field, ListKind, Reach, ValueType, field
from leadcore.lists import CategoryList

__all__ = ["Wildcard", "compile_tree", "day_range", "reader_source"]

_MIN_ORD = date.min.toordinal()
_MAX_ORD = date.max.toordinal()
_MAX_DEPTH = 40  # deeper trees are composed from closures (Python's parser nests ~200 levels)


class Wildcard:
    """A case-folded text pattern where ``%`` stands for any run of characters.

    ``match(s)`` is true when all of ``s`` (already case-folded) matches. Matching
    is greedy left to right, linear in ``len(s)`` per piece, with no regex.

    >>> Wildcard("a%c").match("abbbc"), Wildcard("a%c").match("abcd")
    (True, False)
    >>> Wildcard("%a_b%").match("xxa_byy"), Wildcard("%a_b%").match("xxaxbyy")
    (True, False)
    """

    __slots__ = ("_first", "_last", "_middle", "_minimum")

    def __init__(self, pattern: str) -> None:
        parts = pattern.split("%")
        if len(parts) < 2:
            raise ValueError("a wildcard pattern has at least one '%'")
        self._first = parts[0]
        self._last = parts[-1]
        self._middle = tuple(p for p in parts[1:-1] if p)
        self._minimum = len(self._first) + len(self._last)

    def match(self, s: str) -> bool:
        """True when ``s`` matches the whole pattern."""
        if len(s) < self._minimum or not s.startswith(self._first) or not s.endswith(self._last):
            return False
        pos, end = len(self._first), len(s) - len(self._last)
        for piece in self._middle:
            found = s.find(piece, pos, end)
            if found < 0:
                return False
            pos = found + len(piece)
        return True


def _month_start(year: int, month: int) -> int:
    """Ordinal of the first day of ``month`` (may be out of range: then a clamped sentinel)."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    if year < date.min.year:
        return _MIN_ORD - 1
    if year > date.max.year:
        return _MAX_ORD + 1
    return date(year, month, 1).toordinal()


_MONTHS = {Period.MONTH: 1, Period.QUARTER: 3, Period.YEAR: 12}


def _period_start(today: date, period: Period, k: int) -> int:
    """Ordinal of the first day of the period ``k`` periods after the current one
    (``k`` < 0: before it); a clamped sentinel beyond the calendar."""
    t = today.toordinal()
    if period is Period.DAY:
        return t + k
    if period is Period.WEEK:
        return t - today.weekday() + 7 * k
    first_month = {
        Period.MONTH: today.month,
        Period.QUARTER: 3 * ((today.month - 1) // 3) + 1,
        Period.YEAR: 1,
    }[period]
    return _month_start(today.year, first_month + _MONTHS[period] * k)


def _periods_back(today: date, period: Period, count: int) -> int:
    """Ordinal of the day ``count`` periods before ``today`` (weeks are 7 days; a month back
    from the 31st is the last day of a shorter month); a clamped sentinel beyond the calendar."""
    t = today.toordinal()
    if period is Period.DAY:
        return t - count
    if period is Period.WEEK:
        return t - 7 * count
    months = today.year * 12 + today.month - 1 - _MONTHS[period] * count
    year, month = divmod(months, 12)
    if year < date.min.year:
        return _MIN_ORD - 1
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(today.day, last_day)).toordinal()


def day_range(leaf: Condition, today: date) -> tuple[date | None, date | None] | None:
    """The days a date leaf matches as ``(first, end)``: ``first <= day < end``.

    ``None`` for a bound means unbounded; ``None`` overall means no day at all.
    """
    op, values = leaf.operator, leaf.values
    t = today.toordinal()
    low, high = _MIN_ORD, _MAX_ORD + 1
    if op is Operator.BEFORE:
        high = _ordinal(values[0])
    elif op is Operator.ON:
        low = _ordinal(values[0])
        high = low + 1
    elif op is Operator.AFTER:
        low = _ordinal(values[0]) + 1
    elif op is Operator.DATE_BETWEEN:
        low, high = _ordinal(values[0]), _ordinal(values[1]) + 1
    elif op is Operator.BEFORE_TODAY:
        high = t
    elif op is Operator.TODAY:
        low, high = t, t + 1
    elif op is Operator.AFTER_TODAY:
        low = t + 1
    elif op is Operator.LAST or op is Operator.OLDER_THAN:
        count, period = period_count(values)
        back = _periods_back(today, period, count)
        low, high = (back + 1, t + 1) if op is Operator.LAST else (low, back + 1)
    elif op in PERIOD_OPERATORS:
        count, period = period_count(values)
        low, high = {
            Operator.THIS: (0, 1),
            Operator.NEXT: (1, count + 1),
            Operator.PREVIOUS: (-count, 0),
            Operator.THIS_AND_NEXT: (0, count + 1),
            Operator.THIS_AND_PREVIOUS: (-count, 1),
            Operator.THIS_PREVIOUS_AND_NEXT: (-1, 2),
        }[op]
        low, high = _period_start(today, period, low), _period_start(today, period, high)
    else:
        raise AssertionError(f"not a date operator: {op}")
    low, high = max(low, _MIN_ORD), min(high, _MAX_ORD + 1)
    if low >= high:
        return None
    first = None if low == _MIN_ORD else date.fromordinal(low)
    end = None if high == _MAX_ORD + 1 else date.fromordinal(high)
    return first, end


def _ordinal(value: object) -> int:
    assert isinstance(value, date)
    return value.toordinal()


def day_of(tz: tzinfo | None) -> Callable[[Any], date]:
    """A function giving a stored datetime's calendar day in ``tz`` (the clock's zone).

    A naive datetime (or a naive clock) is taken as already local: its own date.
    A moment whose local day lies beyond the calendar (year 9999 seen from UTC+14)
    gets the last (or first) representable day.
    """

    def day(value: Any) -> date:
        if isinstance(value, datetime):
            if tz is not None and value.tzinfo is not None:
                try:
                    return value.astimezone(tz).date()
                except OverflowError:
                    return date.max if value.year == date.max.year else date.min
            return value.date()
        assert isinstance(value, date)
        return value

    return day


class _Gen:
    """Generates one function's source; constants go to ``self.consts``."""

    def __init__(
        self,
        entity: Entity,
        categories: CategoryList,
        now: datetime,
        current_associate: int | None,
    ) -> None:
        self.entity = entity
        self.categories = categories
        self.now = now
        self.today = now.date()
        self.current_associate = current_associate
        self.consts: dict[str, object] = {}
        self._tmp = 0
        self._day_name: str | None = None
        self._group_cache: dict[frozenset[object], str | None] = {}

    def const(self, value: object) -> str:
        name = f"_k{len(self.consts)}"
        self.consts[name] = value
        return name

    def tmp(self) -> str:
        self._tmp += 1
        return f"_x{self._tmp}"

    # --- reaching a field -------------------------------------------------------------

    def reach(self, spec: Field) -> tuple[str | None, str]:
        """``(guard, value)``: the value expression is read only when the guard holds."""
        row = "c" if self.entity is Entity.COMPANY else "p"
        if spec.reach is Reach.PERSON_ATTR:
            return self._attr(row, spec.attr)
        if spec.reach is Reach.COMPANY_ATTR:
            guard, value = self._attr("c", spec.attr)
            if self.entity is Entity.PERSON:
                guard = "c is not None" if guard is None else f"c is not None and {guard}"
            return guard, value
        if spec.reach is Reach.EFFECTIVE_CATEGORY or spec.reach is Reach.EFFECTIVE_GROUP:
            return None, "(p.own_category_id if c is None else c.category_id)"
        if spec.reach is Reach.COMPANY_GROUP:
            return ("c is not None" if self.entity is Entity.PERSON else None), "c.category_id"
        if spec.reach is Reach.HAS_COMPANY:
            return None, "(c is not None)"
        raise AssertionError(f"unknown reach {spec.reach}")

    def _attr(self, row: str, attr: str | None) -> tuple[str | None, str]:
        assert attr is not None
        parts = attr.split(".")
        if not all(part.isidentifier() for part in parts):
            raise AssertionError(f"registry attribute {attr!r} is not a Python name")
        if len(parts) == 1:
            return None, f"{row}.{attr}"
        holder = self.tmp()
        return f"({holder} := {row}.{parts[0]}) is not None", f"{holder}.{'.'.join(parts[1:])}"

    def group_categories(self, codes: tuple[object, ...]) -> frozenset[int]:
        """Ids of every category (deleted included) whose group is one of ``codes``."""
        wanted = set(codes)
        return frozenset(c.id for c in self.categories.items if int(c.group) in wanted)

    def group_const(self, codes: tuple[object, ...]) -> str | None:
        """The constant naming :meth:`group_categories` of ``codes`` (``None`` when empty).

        Built once per set of groups, however many leaves name it.
        """
        key = frozenset(codes)
        if key not in self._group_cache:
            ids = self.group_categories(codes)
            self._group_cache[key] = self.const(ids) if ids else None
        return self._group_cache[key]

    # --- expressions -------------------------------------------------------------------

    def expr(self, node: Criterion) -> str:
        if isinstance(node, Condition):
            return self.leaf(node)
        if isinstance(node, AllOf):
            if not node.children:
                return "True"
            return "(" + " and ".join(self.expr(ch) for ch in node.children) + ")"
        if isinstance(node, AnyOf):
            if not node.children:
                return "False"
            return "(" + " or ".join(self.expr(ch) for ch in node.children) + ")"
        if isinstance(node, Not):
            return f"(not {self.expr(node.child)})"
        if isinstance(node, Groups):
            return self.expr(expand_groups(node))
        if isinstance(node, Always):
            return "True"
        if isinstance(node, Never):
            return "False"
        raise TypeError(f"not a criteria node: {node!r}")

    def leaf(self, leaf: Condition) -> str:
        positive = NEGATIVE_OF.get(leaf.operator)
        if positive is not None:
            return f"(not {self._positive(Condition(leaf.field, positive, leaf.values))})"
        return self._positive(leaf)

    def _positive(self, leaf: Condition) -> str:
        spec = field(leaf.field, self.entity)
        op = leaf.operator
        guard, value = self.reach(spec)
        test: str
        if op is Operator.IN:
            if spec.list_kind is ListKind.CATEGORY_GROUP:
                ids = self.group_const(leaf.values)
                test = f"{value} in {ids}" if ids is not None else "False"
            else:
                test = (
                    f"{value} in {self.const(frozenset(leaf.values))}" if leaf.values else "False"
                )
            return _guarded(guard, test)
        if op is Operator.CURRENT_ASSOCIATE:
            if self.current_associate is None:
                return "False"
            return _guarded(guard, f"{value} == {self.const(self.current_associate)}")
        if op is Operator.EQ:
            return _guarded(guard, f"{value} == {self.const(leaf.values[0])}")
        if op is Operator.SET:
            return _guarded(guard, self._present(spec, value))
        if op is Operator.IS_TRUE:
            return _guarded(guard, f"{value} is True")
        if op is Operator.IS_FALSE:
            return _guarded(guard, f"{value} is False")
        x = self.tmp()
        present = f"({x} := {value}) is not None"
        if spec.value_type is ValueType.TEXT:
            test = self._text(op, str(leaf.values[0]), x)
        elif op in (Operator.GT, Operator.LT, Operator.GE, Operator.LE):
            symbol = {Operator.GT: ">", Operator.LT: "<", Operator.GE: ">=", Operator.LE: "<="}[op]
            test = f"{x} {symbol} {self.const(leaf.values[0])}"
        elif op is Operator.BETWEEN:
            low, high = self.const(leaf.values[0]), self.const(leaf.values[1])
            test = f"{low} <= {x} <= {high}"
        elif spec.value_type is ValueType.DATE:
            days = day_range(leaf, self.today)
            if days is None:
                return "False"
            first, end = days
            if self._day_name is None:
                self._day_name = self.const(day_of(self.now.tzinfo))
            day = f"{self._day_name}({x})"
            if first is None and end is None:
                test = "True"
            elif first is None:
                test = f"{day} < {self.const(end)}"
            elif end is None:
                test = f"{day} >= {self.const(first)}"
            else:
                test = f"{self.const(first)} <= {day} < {self.const(end)}"
        else:
            raise AssertionError(f"no code for {op} on {spec.key}")
        return _guarded(guard, f"{present} and {test}")

    def _present(self, spec: Field, value: str) -> str:
        """The test that the field read by ``value`` has a value (is not missing)."""
        if spec.reach is Reach.EFFECTIVE_GROUP or spec.reach is Reach.COMPANY_GROUP:
            # a category has a group only when the category list knows it
            known = frozenset(c.id for c in self.categories.items)
            return f"{value} in {self.const(known)}" if known else "False"
        return f"{value} is not None"

    def _text(self, op: Operator, raw: str, x: str) -> str:
        folded = raw.casefold()
        shape = {
            Operator.EQUALS: "{}",
            Operator.BEGINS: "{}%",
            Operator.CONTAINS: "%{}%",
            Operator.ENDS: "%{}",
        }[op]
        if "%" in folded:
            matcher = Wildcard(shape.format(folded))
            return f"{self.const(matcher.match)}({x}.casefold())"
        k = self.const(folded)
        return {
            Operator.EQUALS: f"{x}.casefold() == {k}",
            Operator.BEGINS: f"{x}.casefold().startswith({k})",
            Operator.CONTAINS: f"{k} in {x}.casefold()",
            Operator.ENDS: f"{x}.casefold().endswith({k})",
        }[op]


def _guarded(guard: str | None, test: str) -> str:
    if test == "False":
        return "False"
    return f"({test})" if guard is None else f"({guard} and {test})"


def _build(source_expr: str, gen: _Gen) -> Callable[..., bool]:
    params = "c" if gen.entity is Entity.COMPANY else "p, c"
    names = list(gen.consts)
    source = (
        f"def _factory({', '.join(names)}):\n"
        f"    def predicate({params}):\n"
        f"        return {source_expr}\n"
        f"    return predicate\n"
    )
    factory = compile_function(source, "_factory", {}, label="criteria", transient=True)
    predicate: Callable[..., bool] = factory(*(gen.consts[n] for n in names))
    predicate.__doc__ = f"return {source_expr}"
    return predicate


def compile_tree(
    criterion: Criterion,
    entity: Entity,
    categories: CategoryList,
    now: datetime,
    current_associate: int | None,
) -> Callable[..., bool]:
    """One function for ``criterion``: ``(person, company)`` or ``(company)`` to bool."""
    if isinstance(criterion, Groups):
        criterion = expand_groups(criterion)
    if nesting_depth(criterion) <= _MAX_DEPTH:
        gen = _Gen(entity, categories, now, current_associate)
        return _build(gen.expr(criterion), gen)
    return _compose(criterion, entity, categories, now, current_associate)


def _compose(
    node: Criterion,
    entity: Entity,
    categories: CategoryList,
    now: datetime,
    current_associate: int | None,
) -> Callable[..., bool]:
    """Deep trees: inner nodes as closures over compiled shallow subtrees."""
    if nesting_depth(node) <= _MAX_DEPTH:
        return compile_tree(node, entity, categories, now, current_associate)
    if isinstance(node, Not):
        inner = _compose(node.child, entity, categories, now, current_associate)
        return lambda *row: not inner(*row)
    assert isinstance(node, AllOf | AnyOf)
    parts = [_compose(ch, entity, categories, now, current_associate) for ch in node.children]
    if isinstance(node, AllOf):
        return lambda *row: all(part(*row) for part in parts)
    return lambda *row: any(part(*row) for part in parts)


def reader_source(key: str, entity: Entity, categories: CategoryList) -> Callable[..., object]:
    """A function reading field ``key``'s value (``None`` when missing) from a row."""
    spec = field(key, entity)
    gen = _Gen(entity, categories, datetime(2000, 1, 1), None)
    guard, value = gen.reach(spec)
    if spec.reach is Reach.EFFECTIVE_GROUP or spec.reach is Reach.COMPANY_GROUP:
        groups = {c.id: int(c.group) for c in categories.items}
        value = f"{gen.const(groups)}.get({value})"
    expr = value if guard is None else f"({value} if {guard} else None)"
    return _build(expr, gen)
