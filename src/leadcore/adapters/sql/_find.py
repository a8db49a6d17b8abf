"""Finds, counts and grouped counts of a SQL unit of work (private).

Every function runs on the unit's query connection, which sees the unit's own
changes (:meth:`SqlUnitOfWork.query_connection` writes them first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from leadcore.adapters._memory_query import QueryContext, check_page, order_and_page
from leadcore.adapters.sql._rows import converter
from leadcore.adapters.sql._schema import companies, persons
from leadcore.criteria.evaluate import company_reader, person_reader
from leadcore.criteria.fields import Entity
from leadcore.model import Company, Person
from leadcore.ports import GroupedCounts, Query, group_field

if TYPE_CHECKING:
    from leadcore.adapters.sql._store import SqlUnitOfWork

__all__ = [
    "count_companies",
    "count_companies_by",
    "count_persons",
    "count_persons_by",
    "find_companies",
    "find_persons",
    "find_persons_with_companies",
]


def _context(uow: SqlUnitOfWork, query: Query) -> QueryContext:
    lists = uow.lists.load()
    now = query.now if query.now is not None else uow.store.clock.now()
    return QueryContext(lists.categories, lists.statuses, now, query.current_associate)


def _rows(uow: SqlUnitOfWork) -> tuple[list[Person], dict[int, Company]]:
    connection = uow.query_connection()
    found = {
        row.id: converter.structure(row._mapping, Company)
        for row in connection.execute(select(companies).order_by(companies.c.id))
    }
    people = [
        converter.structure(row._mapping, Person)
        for row in connection.execute(select(persons).order_by(persons.c.id))
    ]
    return people, found


def _matching_persons(
    uow: SqlUnitOfWork, query: Query
) -> tuple[list[Person], dict[int, Company], QueryContext]:
    people, found = _rows(uow)
    context = _context(uow, query)
    test = context.person_test(query.criteria)
    matching = [p for p in people if test(p, None if p.company_id is None else found[p.company_id])]
    return matching, found, context


def find_persons(uow: SqlUnitOfWork, query: Query) -> list[Person]:
    """Persons matching ``query``, ordered and paged."""
    check_page(query.page)
    matching, found, context = _matching_persons(uow, query)

    def row(person: Person) -> tuple[Person | None, Company | None]:
        return person, None if person.company_id is None else found[person.company_id]

    return order_and_page(matching, query.order, query.page, context, Entity.PERSON, row, _id_of)


def find_persons_with_companies(
    uow: SqlUnitOfWork, query: Query
) -> list[tuple[Person, Company | None]]:
    """:func:`find_persons`, each person with its company."""
    check_page(query.page)
    matching, found, context = _matching_persons(uow, query)
    pairs = [(p, None if p.company_id is None else found[p.company_id]) for p in matching]
    return order_and_page(
        pairs, query.order, query.page, context, Entity.PERSON, lambda pair: pair, _pair_id
    )


def count_persons(uow: SqlUnitOfWork, query: Query) -> int:
    """How many persons match ``query``."""
    return len(_matching_persons(uow, query)[0])


def count_persons_by(
    uow: SqlUnitOfWork, query: Query, field_key: str, visible_only: bool
) -> GroupedCounts:
    """Matching persons per value of ``field_key`` (see :class:`GroupedCounts`)."""
    group_field(field_key, Entity.PERSON, visible_only=visible_only)
    matching, found, context = _matching_persons(uow, query)
    read = person_reader(field_key, context.categories)
    category_of = person_reader("person.category", context.categories)
    enabled = {c.id for c in context.categories.items if c.lead_enabled}
    counts: dict[int | None, int] = {}
    hidden = 0
    for person in matching:
        company = None if person.company_id is None else found[person.company_id]
        value = read(person, company)
        if visible_only and value is not None and category_of(person, company) not in enabled:
            hidden += 1
            continue
        key = value if isinstance(value, int) else None
        counts[key] = counts.get(key, 0) + 1
    return GroupedCounts.build(field_key, counts, uow.lists.load(), hidden)


def _matching_companies(uow: SqlUnitOfWork, query: Query) -> tuple[list[Company], QueryContext]:
    _, found = _rows(uow)
    context = _context(uow, query)
    test = context.company_test(query.criteria)
    return [c for c in found.values() if test(c)], context


def find_companies(uow: SqlUnitOfWork, query: Query) -> list[Company]:
    """Companies matching ``query``, ordered and paged."""
    check_page(query.page)
    matching, context = _matching_companies(uow, query)
    return order_and_page(
        matching, query.order, query.page, context, Entity.COMPANY, _company_row, _id_of
    )


def count_companies(uow: SqlUnitOfWork, query: Query) -> int:
    """How many companies match ``query``."""
    return len(_matching_companies(uow, query)[0])


def count_companies_by(
    uow: SqlUnitOfWork, query: Query, field_key: str, visible_only: bool
) -> GroupedCounts:
    """Matching companies per value of ``field_key``."""
    group_field(field_key, Entity.COMPANY, visible_only=visible_only)
    matching, context = _matching_companies(uow, query)
    read = company_reader(field_key, context.categories)
    counts: dict[int | None, int] = {}
    for company in matching:
        value = read(company)
        key = value if isinstance(value, int) else None
        counts[key] = counts.get(key, 0) + 1
    return GroupedCounts.build(field_key, counts, uow.lists.load())


def _company_row(company: Company) -> tuple[Person | None, Company | None]:
    return None, company


def _id_of(item: Any) -> int:
    return int(item.id)


def _pair_id(pair: tuple[Person, Company | None]) -> int:
    return int(pair[0].id)
