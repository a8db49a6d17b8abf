"""Finds, counts, pages and grouped counts as SQL statements (private).

The repositories of the SQL adapter execute these statements; nothing is
loaded into Python to be filtered. Each function takes the port's
:class:`~leadcore.queries.Query` and the criteria
:class:`~leadcore.criteria.evaluate.Environment` built from the unit's lists,
and mirrors the in-memory adapter:

- **order**: by each :class:`~leadcore.queries.Order` in turn, rows without a
  value last (whatever the direction), then by id. Text sorts case-folded by
  code point, a lead status or category by its rank in the list (unknown items
  after the known ones, by id), a category group by its code.
- **page**: ``OFFSET`` / ``LIMIT``; a negative one is a
  :class:`~leadcore.errors.ValidationError`.
- **grouped counts**: ``GROUP BY`` the field's value (a category's group for
  group fields; ``NULL`` for no value); :func:`grouped_counts` turns the rows
  into :class:`~leadcore.queries.GroupedCounts`.

A person search joins ``companies`` (``LEFT OUTER JOIN``) only when the
criterion, the order or the counted field reads it.

>>> from datetime import UTC, datetime
>>> from leadcore.criteria.build import condition
>>> from leadcore.criteria.evaluate import Environment
>>> from leadcore.lists import new_database
>>> from leadcore.queries import Order, Page, Query
>>> env = Environment(new_database()[0], datetime(2026, 1, 1, tzinfo=UTC))
>>> query = Query(condition("person.retired", "is_false"), (Order("person.last_name"),),
...               Page(0, 10))
>>> sql = " ".join(str(select_persons(query, env)).split())
>>> print(sql[sql.index("FROM"):])
FROM persons WHERE persons.retired IS false
ORDER BY leadcore_casefold(persons.last_name) ASC NULLS LAST, persons.id LIMIT :param_1
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    FromClause,
    Select,
    String,
    case,
    false,
    func,
    literal,
    literal_column,
    not_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import TypeCoerce
from sqlalchemy.sql.functions import FunctionElement

from leadcore.adapters.sql._casefold import CASEFOLD_FUNCTION
from leadcore.adapters.sql._compile import (
    SqlTables,
    company_where,
    field_value,
    group_code,
    needs_company,
    person_where,
)
from leadcore.adapters.sql._schema import companies, lead_statuses, persons
from leadcore.criteria.build import MAX_INT
from leadcore.criteria.evaluate import Environment
from leadcore.criteria.fields import Entity, ListKind, ValueType, field
from leadcore.lists import Lists
from leadcore.queries import GroupedCounts, Order, Page, Query, group_field

__all__ = [
    "COMPANY_LABEL",
    "TABLES",
    "count_companies",
    "count_companies_by",
    "count_persons",
    "count_persons_by",
    "grouped_counts",
    "person_with_company_select",
    "select_companies",
    "select_persons",
]

TABLES = SqlTables(persons, companies)
"""The schema's tables, which every statement here reads."""

COMPANY_LABEL = "company__"
"""Prefix of the company columns' labels in :func:`person_with_company_select`."""

_UNKNOWN_RANK = 1 << 62
"""The rank of a list item the list does not know: after every known one (as in memory)."""


class _sort_text(FunctionElement[str]):
    """Case-folded text for ``ORDER BY``: code point order (``COLLATE "C"`` on PostgreSQL)."""

    type = String()
    name = "leadcore_sort_text"
    inherit_cache = True


@compiles(_sort_text)
def _compile_sort_text(element: _sort_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{CASEFOLD_FUNCTION}({compiler.process(element.clauses, **kw)})"


@compiles(_sort_text, "postgresql")
def _compile_sort_text_pg(element: _sort_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f'{CASEFOLD_FUNCTION}({compiler.process(element.clauses, **kw)}) COLLATE "C"'


# --- persons -----------------------------------------------------------------------------


def _person_from(joined: bool, tables: SqlTables) -> FromClause:
    if not joined:
        return tables.persons
    return tables.persons.outerjoin(
        tables.companies, tables.persons.c.company_id == tables.companies.c.id
    )


def _person_joined(query: Query, *keys: str) -> bool:
    return needs_company(query.criteria, *keys, *(o.field for o in query.order))


def select_persons(query: Query, env: Environment, tables: SqlTables = TABLES) -> Select[Any]:
    """The persons matching ``query``: the persons table's columns, ordered and paged."""
    joined = _person_joined(query)
    statement = (
        select(tables.persons)
        .select_from(_person_from(joined, tables))
        .where(person_where(query.criteria, env, tables))
    )
    return _order_and_page(statement, query, env, Entity.PERSON, tables)


def person_with_company_select(
    query: Query, env: Environment, tables: SqlTables = TABLES
) -> Select[Any]:
    """:func:`select_persons` with each person's company: the persons columns, then the
    companies columns labelled ``company__<column>`` (all ``NULL`` without a company)."""
    company_columns = [c.label(f"{COMPANY_LABEL}{c.name}") for c in tables.companies.c]
    statement = (
        select(tables.persons, *company_columns)
        .select_from(_person_from(True, tables))
        .where(person_where(query.criteria, env, tables))
    )
    return _order_and_page(statement, query, env, Entity.PERSON, tables)


def count_persons(query: Query, env: Environment, tables: SqlTables = TABLES) -> Select[Any]:
    """One row, one column: how many persons match ``query.criteria`` (order, page ignored)."""
    joined = needs_company(query.criteria)
    return (
        select(func.count())
        .select_from(_person_from(joined, tables))
        .where(person_where(query.criteria, env, tables))
    )


def count_persons_by(
    query: Query,
    env: Environment,
    field_key: str,
    visible_only: bool = False,
    tables: SqlTables = TABLES,
) -> Select[Any]:
    """Rows ``(value, hidden, count)`` of the persons matching ``query.criteria`` per value
    of ``field_key`` (see :meth:`leadcore.ports.PersonRepository.count_by`).

    ``value`` is ``NULL`` for no value; ``hidden`` is 1 for persons whose lead status
    is hidden (only with ``visible_only``), whose ``value`` is then to be ignored.
    Give the rows to :func:`grouped_counts`.
    """
    kind = group_field(field_key, Entity.PERSON, visible_only=visible_only)
    value = _group_value(field_key, Entity.PERSON, kind, env, tables)
    hidden: ColumnElement[Any] | None = None
    if visible_only:
        category = field_value("person.category", Entity.PERSON, tables)
        enabled = sorted(int(c.id) for c in env.categories.items if c.lead_enabled)
        visible = category.is_not(None) & category.in_(enabled) if enabled else false()
        hidden = case((value.is_not(None) & not_(visible), 1), else_=0)
        joined = True
    else:
        joined = needs_company(query.criteria, field_key)
    return _grouped(
        value, hidden, _person_from(joined, tables), person_where(query.criteria, env, tables)
    )


# --- companies ---------------------------------------------------------------------------


def select_companies(query: Query, env: Environment, tables: SqlTables = TABLES) -> Select[Any]:
    """The companies matching ``query`` (a company search), ordered and paged."""
    statement = select(tables.companies).where(company_where(query.criteria, env, tables))
    return _order_and_page(statement, query, env, Entity.COMPANY, tables)


def count_companies(query: Query, env: Environment, tables: SqlTables = TABLES) -> Select[Any]:
    """One row, one column: how many companies match ``query.criteria``."""
    return (
        select(func.count())
        .select_from(tables.companies)
        .where(company_where(query.criteria, env, tables))
    )


def count_companies_by(
    query: Query,
    env: Environment,
    field_key: str,
    visible_only: bool = False,
    tables: SqlTables = TABLES,
) -> Select[Any]:
    """Rows ``(value, hidden, count)`` of the matching companies per value of ``field_key``
    (``company.category``, ``company.category_group``, ``company.owner``)."""
    kind = group_field(field_key, Entity.COMPANY, visible_only=visible_only)
    value = _group_value(field_key, Entity.COMPANY, kind, env, tables)
    return _grouped(
        value,
        None,
        tables.companies,
        company_where(query.criteria, env, tables),
    )


def grouped_counts(rows: Iterable[Sequence[Any]], field_key: str, lists: Lists) -> GroupedCounts:
    """The :class:`~leadcore.queries.GroupedCounts` of the rows of a ``count_*_by`` statement.

    >>> from leadcore.lists import new_database
    >>> counts = grouped_counts([(2, 0, 4), (None, 0, 1), (3, 1, 2)], "person.lead_status",
    ...                         Lists(*new_database()))
    >>> counts[2], counts[None], counts.hidden, counts.total
    (4, 1, 2, 7)
    """
    counts: dict[int | None, int] = {}
    hidden = 0
    for value, is_hidden, count in rows:
        if is_hidden:
            hidden += int(count)
        else:
            key = None if value is None else int(value)
            counts[key] = counts.get(key, 0) + int(count)
    return GroupedCounts.build(field_key, counts, lists, hidden)


def _grouped(
    value: ColumnElement[Any],
    hidden: ColumnElement[Any] | None,
    source: FromClause,
    where: ColumnElement[bool],
) -> Select[Any]:
    """``GROUP BY`` the value (and the hidden flag). An expression holding parameters is
    grouped in an outer query, as PostgreSQL sees each rendering of a parameter apart."""
    if hidden is None and _plain_column(value):
        return (
            select(value.label("value"), literal_column("0").label("hidden"), func.count())
            .select_from(source)
            .where(where)
            .group_by(value)
        )
    flag = literal_column("0") if hidden is None else hidden
    rows = select(value.label("value"), flag.label("hidden")).select_from(source).where(where)
    inner = rows.subquery("matches")
    return select(inner.c.value, inner.c.hidden, func.count().label("count")).group_by(
        inner.c.value, inner.c.hidden
    )


def _plain_column(value: ColumnElement[Any]) -> bool:
    """A column (perhaps compared as BIGINT): an expression without parameters."""
    inner = value.clause if isinstance(value, TypeCoerce) else value
    return isinstance(inner, Column)


def _group_value(
    field_key: str,
    entity: Entity,
    kind: ListKind | None,
    env: Environment,
    tables: SqlTables,
) -> ColumnElement[Any]:
    value = field_value(field_key, entity, tables)
    return group_code(value, env) if kind is ListKind.CATEGORY_GROUP else value


# --- order and page ----------------------------------------------------------------------


def _order_and_page(
    statement: Select[Any], query: Query, env: Environment, entity: Entity, tables: SqlTables
) -> Select[Any]:
    keys: list[Any] = []
    for item in query.order:
        for value in _sort_values(item, env, entity, tables):
            ordered = value.desc() if item.descending else value.asc()
            keys.append(ordered.nulls_last())
    own = tables.companies if entity is Entity.COMPANY else tables.persons
    keys.append(own.c.id)
    statement = statement.order_by(*keys)
    return _page(statement, query.page)


def _sort_values(
    item: Order, env: Environment, entity: Entity, tables: SqlTables
) -> list[ColumnElement[Any]]:
    """The SQL sort keys of one order item (all ``NULL`` exactly when the value is missing)."""
    spec = field(item.field, entity)
    value = field_value(item.field, entity, tables)
    if spec.value_type is ValueType.TEXT:
        return [_sort_text(value)]
    if spec.list_kind is ListKind.LEAD_STATUS:
        rank = select(lead_statuses.c.rank).where(lead_statuses.c.id == value).scalar_subquery()
        known = case((value.is_(None), None), else_=func.coalesce(rank, _UNKNOWN_RANK))
        return [known, value]
    if spec.list_kind is ListKind.CATEGORY:
        whens = [(value == int(c.id), literal(c.rank, BigInteger())) for c in env.categories.items]
        if not whens:
            return [case((value.is_(None), None), else_=_UNKNOWN_RANK), value]
        return [case(*whens, (value.is_(None), None), else_=_UNKNOWN_RANK), value]
    if spec.list_kind is ListKind.CATEGORY_GROUP:
        return [group_code(value, env)]
    return [value]


def _page(statement: Select[Any], page: Page) -> Select[Any]:
    if page.limit is not None:
        statement = statement.limit(min(page.limit, MAX_INT))
    if page.offset:
        statement = statement.offset(min(page.offset, MAX_INT))
    return statement
