"""What a view reads: criteria the adapter answers, or a selection's member ids.

A dynamic selection whose criteria search the view's entity, and any criterion,
are answered by the adapter (grouped counts, pages with totals). A static or
combined selection (or a dynamic one mapped between companies and persons) is
a set of member ids: its records are loaded in one batch (``get_many``) and the
same criteria, readers and ordering rules are applied to them here.

Not public API.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from leadcore.criteria.ast import ALWAYS, Criterion
from leadcore.criteria.evaluate import (
    Environment,
    company_predicate,
    company_reader,
    person_predicate,
    person_reader,
)
from leadcore.criteria.fields import Entity, ListKind, ValueType, field
from leadcore.licence import Licence
from leadcore.lists import CategoryList, LeadStatusList, Lists
from leadcore.model import Company, CompanyId, Person, PersonId
from leadcore.ports import UnitOfWork
from leadcore.queries import GroupedCounts, Order, Page, PageResult, Query

__all__ = ["Scope"]

Pair = tuple[Person | None, Company | None]


@attrs.frozen
class Scope:
    """The records a view reads: ``criteria`` within the ``members`` ids (all when None).

    ``loaded`` holds the members once read (one batch per view, however many
    columns and groups the view asks about).
    """

    entity: Entity
    criteria: Criterion
    members: frozenset[int] | None = None
    loaded: MemberRows | None = attrs.field(default=None, eq=False)

    def narrowed(self, extra: Criterion) -> Scope:
        """The same scope with ``extra`` ANDed to its criteria."""
        return attrs.evolve(self, criteria=self.criteria & extra)


def _rank(items: CategoryList | LeadStatusList, item_id: Any) -> tuple[int, int]:
    if item_id in items:
        return items.get(item_id).rank, item_id
    return (1 << 62), item_id


class MemberRows:
    """Records loaded once (a selection's members, a company's persons), answering
    counts, grouped counts and pages like the adapter, with the same criteria,
    readers and ordering rules."""

    def __init__(
        self,
        pairs: Sequence[Pair],
        lists: Lists,
        entity: Entity,
        readers: dict[str, Callable[[Pair], object]] | None = None,
    ) -> None:
        self._pairs = list(pairs)
        self._lists = lists
        self._entity = entity
        self._readers = {} if readers is None else readers

    @classmethod
    def load(cls, uow: UnitOfWork, scope: Scope, licence: Licence, query: Query) -> MemberRows:
        """The members of ``scope`` that match its criteria (``get_many`` in one batch)."""
        assert scope.members is not None
        ids = sorted(scope.members)
        if scope.entity is Entity.PERSON:
            return cls.of_persons(uow, uow.persons.get_many(PersonId(i) for i in ids), scope,
                                  licence, query)  # fmt: skip
        stored = uow.lists.load()
        env = _environment(stored, licence, query)
        company_test = company_predicate(scope.criteria, env)
        found = uow.companies.get_many(CompanyId(i) for i in ids)
        return cls([(None, c) for c in found if company_test(c)], stored, scope.entity)

    @classmethod
    def of_persons(
        cls, uow: UnitOfWork, persons: Sequence[Person], scope: Scope, licence: Licence,
        query: Query,
    ) -> MemberRows:  # fmt: skip
        """``persons`` (with their companies) that match ``scope``'s criteria."""
        stored = uow.lists.load()
        test = person_predicate(scope.criteria, _environment(stored, licence, query))
        company_ids = sorted({p.company_id for p in persons if p.company_id is not None})
        companies = {c.id: c for c in uow.companies.get_many(company_ids)}
        pairs: list[Pair] = []
        for person in persons:
            company = None if person.company_id is None else companies[person.company_id]
            if test(person, company):
                pairs.append((person, company))
        return cls(pairs, stored, Entity.PERSON)

    def filtered(self, criterion: Criterion, licence: Licence, query: Query) -> MemberRows:
        """The rows that match ``criterion`` (the same rows when it is ``ALWAYS``)."""
        if criterion == ALWAYS:
            return self
        env = _environment(self._lists, licence, query)
        if self._entity is Entity.PERSON:
            test = person_predicate(criterion, env)
            kept = [pair for pair in self._pairs if test(pair[0], pair[1])]  # type: ignore[arg-type]
        else:
            company_test = company_predicate(criterion, env)
            kept = [pair for pair in self._pairs if company_test(pair[1])]  # type: ignore[arg-type]
        return MemberRows(kept, self._lists, self._entity, self._readers)

    def split(self, field_key: str) -> dict[int | None, MemberRows]:
        """The rows partitioned by the value of ``field_key`` (``None``: no list value)."""
        read = self._read(field_key)
        parts: dict[int | None, list[Pair]] = {}
        for pair in self._pairs:
            parts.setdefault(_key(read(pair)), []).append(pair)
        return {
            value: MemberRows(pairs, self._lists, self._entity, self._readers)
            for value, pairs in parts.items()
        }

    def _read(self, key: str) -> Callable[[Pair], object]:
        found = self._readers.get(key)
        if found is None:
            found = self._readers[key] = self._make_reader(key)
        return found

    def _make_reader(self, key: str) -> Callable[[Pair], object]:
        categories = self._lists.categories
        if self._entity is Entity.COMPANY:
            read_company = company_reader(key, categories)
            return lambda pair: None if pair[1] is None else read_company(pair[1])
        read_person = person_reader(key, categories)
        return lambda pair: None if pair[0] is None else read_person(pair[0], pair[1])

    @property
    def lists(self) -> Lists:
        """The lists the rows were read with."""
        return self._lists

    def count(self) -> int:
        """How many member records match."""
        return len(self._pairs)

    def count_by(self, field_key: str, *, visible_only: bool = False) -> GroupedCounts:
        """Grouped counts as :meth:`leadcore.ports.PersonRepository.count_by` gives them."""
        read = self._read(field_key)
        category_of = self._read("person.category") if visible_only else read
        enabled = {c.id for c in self._lists.categories.items if c.lead_enabled}
        counts: dict[int | None, int] = {}
        hidden = 0
        for pair in self._pairs:
            value = read(pair)
            if visible_only and value is not None and category_of(pair) not in enabled:
                hidden += 1
                continue
            key = _key(value)
            counts[key] = counts.get(key, 0) + 1
        return GroupedCounts.build(field_key, counts, self._lists, hidden)

    def _sort_key(self, key: str) -> Callable[[Pair], object]:
        spec = field(key, self._entity)
        raw = self._read(key)
        lists: Lists = self._lists
        if spec.value_type is ValueType.TEXT:
            return lambda pair: None if (v := raw(pair)) is None else str(v).casefold()
        if spec.list_kind is ListKind.LEAD_STATUS:
            return lambda pair: None if (v := raw(pair)) is None else _rank(lists.statuses, v)
        if spec.list_kind is ListKind.CATEGORY:
            return lambda pair: None if (v := raw(pair)) is None else _rank(lists.categories, v)
        return raw

    def page(self, order: Sequence[Order], page: Page) -> PageResult[Any]:
        """Ordered (missing values last, then by id) and paged like the adapter's finds."""

        def id_of(pair: Pair) -> int:
            record = pair[0] if pair[0] is not None else pair[1]
            assert record is not None
            return record.id

        end = None if page.limit is None else page.offset + page.limit
        if order and not any(item.descending for item in order) and end is not None:
            # one pass: (missing, value) per key, then id; the first page by a heap
            getters = [self._sort_key(item.field) for item in order]

            def composite(pair: Pair) -> tuple[object, ...]:
                parts: list[object] = []
                for get in getters:
                    value = get(pair)
                    parts.extend((value is None, value))
                parts.append(id_of(pair))
                return tuple(parts)

            first = heapq.nsmallest(end, self._pairs, key=composite)
            records = [pair[0] if self._entity is Entity.PERSON else pair[1] for pair in first]
            return PageResult(tuple(records[page.offset :]), len(self._pairs), page)
        rows = sorted(self._pairs, key=id_of)
        for item in reversed(order):
            getter = self._sort_key(item.field)
            keyed = [(getter(pair), pair) for pair in rows]
            present = [kv for kv in keyed if kv[0] is not None]
            present.sort(key=lambda kv: kv[0], reverse=item.descending)  # type: ignore[arg-type,return-value]
            rows = [pair for _, pair in present] + [pair for v, pair in keyed if v is None]
        records = [pair[0] if self._entity is Entity.PERSON else pair[1] for pair in rows]
        return PageResult(tuple(records[page.offset : end]), len(rows), page)


def _key(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _environment(stored: Lists, licence: Licence, query: Query) -> Environment:
    assert query.now is not None, "a service query always carries the time"
    return Environment(stored.categories, query.now, query.current_associate, licence)
