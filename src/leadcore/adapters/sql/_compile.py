"""Criteria to SQL: one SQLAlchemy boolean expression per criterion (private).

The reference semantics are those of :mod:`leadcore.criteria.evaluate`; this
module mirrors its code generator (:mod:`leadcore.criteria._compile`) node by
node, and the differential tests hold the two to the same answers:

- Every *positive* leaf compiles to an expression that is never ``NULL``: a
  field that may be missing is guarded with ``IS NOT NULL``. A negative
  operator is ``NOT (<positive twin>)``, so ``not_in`` reads ``NOT (x IS NOT
  NULL AND x IN (...))``: rows without a value match it, as in memory.
- Company fields of a person search read the companies table through the
  ``LEFT OUTER JOIN`` that :mod:`leadcore.adapters.sql._query` adds when
  :func:`needs_company` says so; without a company they are ``NULL`` (missing).
- Category groups become the category ids of those groups, read from the
  environment's category list and bound as parameters (no join).
- Text is compared case-folded with ``leadcore_casefold`` (exactly Python's
  ``str.casefold``, see :mod:`leadcore.adapters.sql._casefold`). Text without
  the ``%`` wildcard is compared with ``=``, ``instr``/``strpos`` and
  ``substr``; with it, ``LIKE ... ESCAPE '\\'`` where ``_`` and ``\\`` of the
  user's text are escaped and ``%`` stays a wildcard.
- Dates: the days a leaf matches (computed from the clock as in memory) become
  a half-open range of instants between local midnights in the clock's zone,
  converted to UTC, which is how datetimes are stored.
- Numbers are compared with the integer columns exactly (a float bound is
  rounded the way the comparison needs, never converted to float in SQL).
- Every user value is a bound parameter. What cannot be translated (text
  with NUL, a naive clock for a date leaf, a ``LIKE`` pattern too long for
  SQLite) is refused with :class:`~leadcore.errors.UntranslatableCriterion`.

>>> from datetime import UTC, datetime
>>> from leadcore.criteria.build import condition
>>> from leadcore.criteria.evaluate import Environment
>>> from leadcore.lists import new_database
>>> from sqlalchemy import BigInteger, Column, MetaData, String, Table
>>> md = MetaData()
>>> persons = Table("persons", md, Column("id", BigInteger),
...                 Column("lead_status_id", BigInteger))
>>> env = Environment(new_database()[0], datetime(2026, 1, 1, tzinfo=UTC))
>>> tables = SqlTables(persons, Table("companies", md, Column("id", BigInteger)))
>>> print(person_where(condition("person.lead_status", "not_in", 1, 2), env, tables))
NOT (persons.lead_status_id IS NOT NULL AND persons.lead_status_id IN (__[POSTCOMPILE_param_1]))
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

import attrs
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    String,
    Table,
    and_,
    case,
    false,
    func,
    literal,
    not_,
    or_,
    true,
    type_coerce,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from leadcore.adapters.sql._casefold import CASEFOLD_FUNCTION
from leadcore.criteria._compile import day_range
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
)
from leadcore.criteria.build import (
    MAX_INT,
    MIN_INT,
    NEGATIVE_OF,
    expand_groups,
    referenced_fields,
    require_licence,
    validate,
)
from leadcore.criteria.evaluate import Environment
from leadcore.criteria.fields import Entity, Field, ListKind, Reach, ValueType, field
from leadcore.errors import UntranslatableCriterion

__all__ = [
    "MAX_LIKE_BYTES",
    "SqlTables",
    "casefold",
    "company_where",
    "field_value",
    "group_code",
    "needs_company",
    "person_where",
]

MAX_LIKE_BYTES = 50_000
"""The longest ``LIKE`` pattern (in UTF-8 bytes) SQLite accepts; longer wildcard text is
refused on every database, so that both give the same answers."""


@attrs.frozen
class SqlTables:
    """The two tables criteria read: ``persons`` and ``companies`` (columns named after the
    attrs attributes, value objects flattened ``<attr>_<field>``)."""

    persons: Table
    companies: Table


class casefold(FunctionElement[str]):
    """``leadcore_casefold(text)``: Python's ``str.casefold`` in SQL (must be installed)."""

    type = String()
    name = CASEFOLD_FUNCTION
    inherit_cache = True


@compiles(casefold)
def _compile_casefold(element: casefold, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{CASEFOLD_FUNCTION}({compiler.process(element.clauses, **kw)})"


class _contains(FunctionElement[int]):
    """``instr(haystack, needle)`` (SQLite) / ``strpos(haystack, needle)`` (PostgreSQL)."""

    type = Integer()
    name = "instr"
    inherit_cache = True


@compiles(_contains)
def _compile_contains(element: _contains, compiler: SQLCompiler, **kw: Any) -> str:
    return f"instr({compiler.process(element.clauses, **kw)})"


@compiles(_contains, "postgresql")
def _compile_contains_pg(element: _contains, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strpos({compiler.process(element.clauses, **kw)})"


def needs_company(criterion: Criterion, *keys: str) -> bool:
    """True when a person search of ``criterion`` (or of the fields ``keys``) reads the
    companies table: a ``company.*`` field, or the effective category or group."""
    wanted = referenced_fields(criterion) | set(keys)
    return any(
        key.startswith("company.") or key in ("person.category", "person.category_group")
        for key in wanted
    )


def person_where(criterion: Criterion, env: Environment, tables: SqlTables) -> ColumnElement[bool]:
    """``criterion`` (a person search) as one boolean expression over persons LEFT JOIN companies.

    Validates and checks the licence exactly as
    :func:`~leadcore.criteria.evaluate.person_predicate` does.
    """
    validate(criterion, Entity.PERSON)
    require_licence(criterion, env.licence, Entity.PERSON)
    return _Builder(Entity.PERSON, env, tables).expr(criterion)


def company_where(criterion: Criterion, env: Environment, tables: SqlTables) -> ColumnElement[bool]:
    """``criterion`` (a company search) as one boolean expression over the companies table."""
    validate(criterion, Entity.COMPANY)
    require_licence(criterion, env.licence, Entity.COMPANY)
    return _Builder(Entity.COMPANY, env, tables).expr(criterion)


def field_value(key: str, entity: Entity, tables: SqlTables) -> ColumnElement[Any]:
    """The SQL value of field ``key`` (``NULL`` when missing; a category for group fields)."""
    return _reach(field(key, entity), entity, tables)


def group_code(category: ColumnElement[Any], env: Environment) -> ColumnElement[Any]:
    """The category group code of ``category`` (``NULL`` for none or an unknown category)."""
    by_group: dict[int, list[int]] = {}
    for item in env.categories.items:
        by_group.setdefault(int(item.group), []).append(int(item.id))
    if not by_group:
        return literal(None, Integer())
    whens = [(category.in_(sorted(ids)), literal(code)) for code, ids in sorted(by_group.items())]
    return case(*whens, else_=literal(None, Integer()))


def _wide(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """An integer column compared as BIGINT, so that any 64-bit bound binds (ids are 64-bit)."""
    return type_coerce(column, BigInteger()) if isinstance(column.type, Integer) else column


def _reach(spec: Field, entity: Entity, tables: SqlTables) -> ColumnElement[Any]:
    persons, companies = tables.persons, tables.companies
    if spec.reach is Reach.PERSON_ATTR:
        return _wide(persons.c[_column(spec)])
    if spec.reach is Reach.COMPANY_ATTR:
        return _wide(companies.c[_column(spec)])
    if spec.reach is Reach.EFFECTIVE_CATEGORY or spec.reach is Reach.EFFECTIVE_GROUP:
        return case(
            (persons.c.company_id.is_(None), _wide(persons.c.own_category_id)),
            else_=_wide(companies.c.category_id),
        )
    if spec.reach is Reach.COMPANY_GROUP:
        return _wide(companies.c.category_id)
    if spec.reach is Reach.HAS_COMPANY:
        return persons.c.company_id.is_not(None)
    raise AssertionError(f"unknown reach {spec.reach}")  # pragma: no cover


def _column(spec: Field) -> str:
    assert spec.attr is not None
    return spec.attr.replace(".", "_")


class _Builder:
    """Builds the expression of one criterion (recursion bounded by the validated nesting)."""

    def __init__(self, entity: Entity, env: Environment, tables: SqlTables) -> None:
        self.entity = entity
        self.env = env
        self.tables = tables

    def expr(self, node: Criterion) -> ColumnElement[bool]:
        if isinstance(node, Condition):
            positive = NEGATIVE_OF.get(node.operator)
            if positive is not None:
                return not_(self.positive(Condition(node.field, positive, node.values)))
            return self.positive(node)
        if isinstance(node, AllOf):
            return and_(true(), *(self.expr(child) for child in node.children))
        if isinstance(node, AnyOf):
            return or_(false(), *(self.expr(child) for child in node.children))
        if isinstance(node, Not):
            return not_(self.expr(node.child))
        if isinstance(node, Groups):
            return self.expr(expand_groups(node))
        if isinstance(node, Always):
            return true()
        if isinstance(node, Never):
            return false()
        raise TypeError(f"not a criteria node: {node!r}")

    # --- leaves -------------------------------------------------------------------------

    def positive(self, leaf: Condition) -> ColumnElement[bool]:
        """The leaf with a positive operator, as an expression that is never NULL."""
        spec = field(leaf.field, self.entity)
        op = leaf.operator
        value = _reach(spec, self.entity, self.tables)
        guard: Callable[[ColumnElement[bool]], ColumnElement[bool]] = (
            (lambda test: and_(value.is_not(None), test)) if self._nullable(spec) else _same
        )
        if op is Operator.IN:
            ids = self._in_values(spec, leaf.values)
            return guard(value.in_(ids)) if ids else false()
        if op is Operator.CURRENT_ASSOCIATE:
            me = self.env.current_associate
            return false() if me is None else guard(value == int(me))
        if op is Operator.SET:
            return self._present(spec, value)
        if op is Operator.IS_TRUE:
            return value if spec.reach is Reach.HAS_COMPANY else value.is_(True)
        if op is Operator.IS_FALSE:
            return not_(value) if spec.reach is Reach.HAS_COMPANY else value.is_(False)
        if spec.value_type is ValueType.TEXT:
            return guard(self._text(op, leaf.values[0], value))
        if spec.value_type is ValueType.NUMBER:
            return guard(_number(op, leaf.values, value))
        if spec.value_type is ValueType.DATE:
            return guard(self._date(leaf, value))
        raise AssertionError(f"no SQL for {op} on {spec.key}")  # pragma: no cover

    def _nullable(self, spec: Field) -> bool:
        if spec.reach is Reach.HAS_COMPANY:
            return False
        if spec.reach is Reach.PERSON_ATTR:
            return spec.nullable
        if spec.reach is Reach.COMPANY_ATTR and self.entity is Entity.COMPANY:
            return spec.nullable
        return True

    def _in_values(self, spec: Field, values: tuple[object, ...]) -> list[int]:
        if spec.list_kind is ListKind.CATEGORY_GROUP:
            wanted = set(values)
            return sorted(int(c.id) for c in self.env.categories.items if int(c.group) in wanted)
        return sorted({int(v) for v in values if isinstance(v, int)})

    def _present(self, spec: Field, value: ColumnElement[Any]) -> ColumnElement[bool]:
        if spec.reach is Reach.EFFECTIVE_GROUP or spec.reach is Reach.COMPANY_GROUP:
            known = sorted(int(c.id) for c in self.env.categories.items)
            return and_(value.is_not(None), value.in_(known)) if known else false()
        if spec.reach is Reach.HAS_COMPANY or not self._nullable(spec):
            return true()
        return value.is_not(None)

    def _text(self, op: Operator, raw: object, value: ColumnElement[Any]) -> ColumnElement[bool]:
        assert isinstance(raw, str)
        if "\x00" in raw:
            raise UntranslatableCriterion(
                "a text criterion holding NUL (U+0000)",
                why="SQL databases cannot compare text holding NUL the way Python does "
                "(PostgreSQL cannot store it, SQLite's LIKE stops at it)",
                fix="Remove the NUL character from the searched text",
                operator=op.value,
            )
        folded_text = raw.casefold()
        folded = casefold(value)
        if op is Operator.EQUALS and "%" not in folded_text:
            return folded == folded_text
        shape = {
            Operator.EQUALS: "{}",
            Operator.BEGINS: "{}%",
            Operator.CONTAINS: "%{}%",
            Operator.ENDS: "%{}",
        }[op]
        escaped = folded_text.replace("\\", "\\\\").replace("_", "\\_")
        pattern = shape.format(escaped)
        if len(pattern.encode("utf-8")) <= MAX_LIKE_BYTES:
            return folded.like(pattern, escape="\\")
        if "%" in folded_text:
            raise UntranslatableCriterion(
                f"a wildcard text criterion of {len(raw)} characters",
                why=f"its LIKE pattern is longer than the {MAX_LIKE_BYTES} bytes SQLite accepts",
                fix="Search for a shorter text, or without '%'",
                operator=op.value,
                length=len(raw),
            )
        # long text without wildcard: compared without LIKE
        needle = literal(folded_text, String())
        if op is Operator.CONTAINS:
            return _contains(folded, needle) > 0
        size = len(folded_text)
        if op is Operator.BEGINS:
            return func.substr(folded, 1, size) == needle
        length = func.length(folded)
        return and_(length >= size, func.substr(folded, length - (size - 1), size) == needle)

    def _date(self, leaf: Condition, value: ColumnElement[Any]) -> ColumnElement[bool]:
        now = self.env.now
        zone = now.tzinfo
        if zone is None or now.utcoffset() is None:
            raise UntranslatableCriterion(
                f"the date criterion on {leaf.field!r} with a clock reading without time zone",
                why="stored datetimes are kept in UTC, so a calendar day needs the clock's zone",
                fix="Use a timezone-aware clock (datetime.now(timezone.utc) or a ZoneInfo)",
                field=leaf.field,
            )
        days = day_range(leaf, now.date())
        if days is None:
            return false()
        first, end = days
        tests: list[ColumnElement[bool]] = []
        if first is not None and (low := _midnight_utc(first, zone)) is not None:
            tests.append(value >= low)
        if end is not None:
            high = _midnight_utc(end, zone)
            if high is None:
                return false()
            tests.append(value < high)
        return and_(true(), *tests)


def _same(test: ColumnElement[bool]) -> ColumnElement[bool]:
    return test


def _midnight_utc(day: date, zone: tzinfo) -> datetime | None:
    """The first instant of ``day`` in ``zone``, in UTC; ``None`` before the calendar's start."""
    try:
        return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
    except OverflowError:
        return None


def _number(op: Operator, values: tuple[object, ...], value: ColumnElement[Any]) -> Any:
    """A number leaf on an integer column, exact for float bounds (no float in SQL)."""
    if op is Operator.BETWEEN:
        low, high = _ceil(values[0]), _floor(values[1])
        if low is None or high is None or low > high:
            return false()
        return and_(value >= low, value <= high)
    bound = values[0]
    if op is Operator.EQ:
        exact = _floor(bound)
        if exact is None or exact != bound:
            return false()
        return value == exact
    if op is Operator.GT or op is Operator.LE:
        floor = _floor(bound)
        if floor is None:  # below every stored integer
            return true() if op is Operator.GT else false()
        return value > floor if op is Operator.GT else value <= floor
    ceil = _ceil(bound)  # LT, GE
    if ceil is None:  # above every stored integer
        return true() if op is Operator.LT else false()
    return value < ceil if op is Operator.LT else value >= ceil


def _floor(bound: object) -> int | None:
    """The largest 64-bit integer <= ``bound`` (clamped at the top); ``None`` below them all."""
    assert isinstance(bound, int | float)
    if isinstance(bound, float):
        if bound == math.inf:
            return MAX_INT
        if bound == -math.inf:
            return None
        bound = math.floor(bound)
    if bound < MIN_INT:
        return None
    return min(bound, MAX_INT)


def _ceil(bound: object) -> int | None:
    """The smallest 64-bit integer >= ``bound`` (clamped at the bottom); ``None`` above them."""
    assert isinstance(bound, int | float)
    if isinstance(bound, float):
        if bound == -math.inf:
            return MIN_INT
        if bound == math.inf:
            return None
        bound = math.ceil(bound)
    if bound > MAX_INT:
        return None
    return max(bound, MIN_INT)
