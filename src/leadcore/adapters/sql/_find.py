"""Finds, counts and grouped counts of a SQL unit of work (private).

Every read here is one statement of :mod:`leadcore.adapters.sql._query`
(criteria, order, page and grouping pushed down; nothing loaded into Python to
be filtered), run on the unit's query connection, which sees the unit's own
changes (:meth:`SqlUnitOfWork.query_connection` writes them first).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from leadcore.adapters.sql import _query
from leadcore.adapters.sql._rows import converter
from leadcore.adapters.sql._schema import history
from leadcore.adapters.sql._schema import persons as persons_table
from leadcore.adapters.sql._unit import Unit
from leadcore.criteria.evaluate import Environment
from leadcore.history import HistoryEntry
from leadcore.model import Company, Person, PersonId
from leadcore.queries import GroupedCounts, Query

__all__ = [
    "count_companies",
    "count_companies_by",
    "count_persons",
    "count_persons_by",
    "find_companies",
    "find_persons",
    "find_persons_with_companies",
    "history_between",
]

_LABEL = _query.COMPANY_LABEL


def _start(uow: Unit, query: Query) -> tuple[Connection, Environment]:
    """The query connection (the unit's changes written) and the criteria environment."""
    connection = uow.query_connection()
    lists = uow.lists.load()
    now = query.now if query.now is not None else uow.clock.now()
    return connection, Environment(lists.categories, now, current_associate=query.current_associate)


def find_persons(uow: Unit, query: Query) -> list[Person]:
    """Persons matching ``query``, ordered and paged."""
    connection, env = _start(uow, query)
    rows = connection.execute(_query.select_persons(query, env))
    return [converter.structure(row, Person) for row in rows.mappings()]


def find_persons_with_companies(uow: Unit, query: Query) -> list[tuple[Person, Company | None]]:
    """:func:`find_persons`, each person with its company (one joined statement)."""
    connection, env = _start(uow, query)
    found: list[tuple[Person, Company | None]] = []
    for mapping in connection.execute(_query.person_with_company_select(query, env)).mappings():
        person: dict[str, Any] = {}
        company: dict[str, Any] = {}
        for key, value in mapping.items():
            if key.startswith(_LABEL):
                company[key[len(_LABEL) :]] = value
            else:
                person[key] = value
        found.append(
            (
                converter.structure(person, Person),
                None if company["id"] is None else converter.structure(company, Company),
            )
        )
    return found


def count_persons(uow: Unit, query: Query) -> int:
    """How many persons match ``query``."""
    connection, env = _start(uow, query)
    return int(connection.execute(_query.count_persons(query, env)).scalar_one())


def count_persons_by(uow: Unit, query: Query, field_key: str, visible_only: bool) -> GroupedCounts:
    """Matching persons per value of ``field_key`` (see :class:`GroupedCounts`)."""
    connection, env = _start(uow, query)
    statement = _query.count_persons_by(query, env, field_key, visible_only)
    return _query.grouped_counts(connection.execute(statement), field_key, uow.lists.load())


def find_companies(uow: Unit, query: Query) -> list[Company]:
    """Companies matching ``query``, ordered and paged."""
    connection, env = _start(uow, query)
    rows = connection.execute(_query.select_companies(query, env))
    return [converter.structure(row, Company) for row in rows.mappings()]


def count_companies(uow: Unit, query: Query) -> int:
    """How many companies match ``query``."""
    connection, env = _start(uow, query)
    return int(connection.execute(_query.count_companies(query, env)).scalar_one())


def count_companies_by(
    uow: Unit, query: Query, field_key: str, visible_only: bool
) -> GroupedCounts:
    """Matching companies per value of ``field_key``."""
    connection, env = _start(uow, query)
    statement = _query.count_companies_by(query, env, field_key, visible_only)
    return _query.grouped_counts(connection.execute(statement), field_key, uow.lists.load())


def history_between(
    uow: Unit, start: datetime | None, end: datetime | None, persons: Query | None
) -> Mapping[PersonId, Sequence[HistoryEntry]]:
    """The history entries in ``[start, end)`` per person (see ``HistoryRepository.between``)."""
    statement = select(history)
    if start is not None:
        statement = statement.where(history.c.at >= start)
    if end is not None:
        statement = statement.where(history.c.at < end)
    if persons is not None:
        connection, env = _start(uow, persons)
        matching = _query.select_persons(Query(persons.criteria), env)
        ids = matching.with_only_columns(persons_table.c.id).order_by(None)
        statement = statement.where(history.c.person_id.in_(ids))
    else:
        connection = uow.query_connection()
    statement = statement.order_by(history.c.person_id, history.c.at, history.c.seq)
    found: dict[PersonId, list[HistoryEntry]] = {}
    for row in connection.execute(statement).mappings():
        entry = converter.structure(row, HistoryEntry)
        found.setdefault(entry.person_id, []).append(entry)
    return dict(found)
