"""What a view reads, and what it reads with: pure values the service fills in.

A view's records are a :class:`Scope`: criteria the adapter answers (grouped
counts, pages with totals), or the member ids of a static or combined
selection (or of a dynamic one mapped between companies and persons), whose
records the service loads in one batch and hands over as :class:`MemberRows`.
Those answer counts, grouped counts and pages here, with the same criteria,
readers and ordering rules as the adapters. A :class:`Reading` is what the
service read besides the records (the lists, the associates' names, the
licence, the time, the acting associate, the reader's language); the view
functions of :mod:`leadcore.views.contacts`, :mod:`leadcore.views.results` and
:mod:`leadcore.views.board` compute from these values alone.

>>> from datetime import datetime, timezone
>>> from leadcore.criteria.build import condition
>>> from leadcore.lists import new_database
>>> from leadcore.model import Person, PersonId
>>> from leadcore.lists import Lists
>>> at = datetime(2026, 1, 5, tzinfo=timezone.utc)
>>> reading = Reading(Lists(*new_database()), {}, Licence.full(), at)
>>> people = [Person(PersonId(i), None, name, "", at, at) for i, name in [(1, "Bo"), (2, "Ann")]]
>>> rows = MemberRows.of_persons(people, {}, condition("person.first_name", "begins", "a"),
...                              reading)
>>> rows.count(), [p.first_name for p in rows.page([Order("person.first_name")], Page(0, 10))]
(1, ['Ann'])
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from functools import cached_property
from typing import Any

import attrs

from leadcore.criteria.ast import ALWAYS, Criterion
from leadcore.criteria.build import check_search
from leadcore.criteria.evaluate import (
    Environment,
    company_predicate,
    company_reader,
    person_predicate,
    person_reader,
)
from leadcore.criteria.fields import Entity, ListKind, ValueType, field
from leadcore.errors import ValidationError
from leadcore.licence import Licence
from leadcore.lists import CategoryList, LeadStatusList, Lists
from leadcore.model import AssociateId, Company, CompanyId, Language, Person
from leadcore.queries import GroupedCounts, Order, Page, PageResult, Query
from leadcore.selections import DynamicSelection, Selection, Target
from leadcore.views.columns import CellContext

__all__ = [
    "MAX_ROWS",
    "MemberRows",
    "Pair",
    "Reading",
    "Scope",
    "check_view_page",
    "selection_scope",
]

MAX_ROWS = 1000
"""Most rows (or board cards) a view returns at once."""

Pair = tuple[Person | None, Company | None]
"""One row of :class:`MemberRows`: a person with its company (``None`` without one), or
``(None, company)`` in a view of companies."""


def check_view_page(page: Page) -> None:
    """Refuse a page a view does not return: an offset below 0, no limit, or a limit
    above :data:`MAX_ROWS`.

    >>> check_view_page(Page(0, 5000))
    Traceback (most recent call last):
    ...
    leadcore.errors.ValidationError: bad view page offset=0 limit=5000: ...
    """
    if page.offset < 0 or page.limit is None or not 0 <= page.limit <= MAX_ROWS:
        raise ValidationError(
            f"bad view page offset={page.offset} limit={page.limit}",
            why=f"a view returns 0 to {MAX_ROWS} rows at a time, from an offset >= 0",
            fix=f"Pass Page(offset >= 0, 0 <= limit <= {MAX_ROWS})",
            offset=page.offset,
            limit=page.limit,
        )


@attrs.frozen
class Reading:
    """What a view reads with besides its records, read by the service in the view's
    unit of work: the ``stored`` lists, the associates' ``names``, the ``licence``,
    the time ``now`` and the acting ``associate`` ("me" in criteria), and the
    reader's ``language``.

    >>> from datetime import timezone
    >>> from leadcore.lists import new_database
    >>> at = datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> reading = Reading(Lists(*new_database()), {}, Licence.of(), at)
    >>> reading.query(ALWAYS, Entity.PERSON, [Order("person.lead_status")])
    Traceback (most recent call last):
    ...
    leadcore.errors.FeatureNotLicensed: using the field 'person.lead_status' needs ...
    """

    stored: Lists
    names: Mapping[AssociateId, str]
    licence: Licence
    now: datetime
    associate: AssociateId | None = None
    language: Language = "en"

    @cached_property
    def lists(self) -> Lists:
        """The category and lead-status lists, as the rules read them."""
        return Lists(self.stored.categories, self.stored.statuses)

    @cached_property
    def cells(self) -> CellContext:
        """What cells are read with (one per view: its field readers compile once)."""
        return CellContext(self.lists, self.names, self.language)

    def environment(self) -> Environment:
        """What criteria are evaluated against in this view (time, "me", licence)."""
        return Environment(self.stored.categories, self.now, self.associate, self.licence)

    def query(
        self,
        criteria: Criterion,
        entity: Entity,
        order: Sequence[Order] = (),
        page: Page | None = None,
    ) -> Query:
        """``criteria`` and ``order`` checked as every query is
        (:func:`leadcore.criteria.build.check_search`), as a query at this reading's time."""
        check_search(criteria, self.licence, entity, sort_fields=[o.field for o in order])
        return Query(
            criteria,
            order=tuple(order),
            page=Page() if page is None else page,
            current_associate=self.associate,
            now=self.now,
        )


@attrs.frozen
class Scope:
    """The records a view reads: those of ``entity`` that match ``criteria``, among the
    ``loaded`` rows of a selection's members when there are some (else among all
    records: the adapter answers).

    The members are loaded once per view, however many columns and groups the
    view asks about; narrowing the scope keeps them.

    >>> from leadcore.criteria.build import condition
    >>> Scope(Entity.PERSON, ALWAYS).narrowed(condition("person.retired", "is_false")).criteria
    Condition(field='person.retired', operator=<Operator.IS_FALSE: 'is_false'>, values=())
    """

    entity: Entity
    criteria: Criterion
    loaded: MemberRows | None = attrs.field(default=None, eq=False)

    def narrowed(self, extra: Criterion) -> Scope:
        """The same scope with ``extra`` ANDed to its criteria."""
        return attrs.evolve(self, criteria=self.criteria & extra)


def selection_scope(selection: Selection, entity: Entity | None) -> tuple[Entity, Scope | None]:
    """The entity a view of ``selection`` shows (``entity``, else what the selection
    lists: companies, or persons) and, when the adapter can answer it, its scope: the
    criteria of a dynamic selection that searches that entity. ``None``: the view
    reads the selection's members (resolved and loaded by the service).

    A selection of persons shown as companies (or the reverse) is refused.

    >>> from leadcore.model import SelectionId
    >>> from leadcore.selections import Members, StaticSelection
    >>> mine = StaticSelection(SelectionId(1), "Mine", Target.PERSONS, Members())
    >>> selection_scope(mine, None)
    (<Entity.PERSON: 'person'>, None)
    >>> selection_scope(mine, Entity.COMPANY)
    Traceback (most recent call last):
    ...
    leadcore.errors.ValidationError: selection 1 lists persons, not companys: ...
    """
    if entity is None:
        entity = Entity.COMPANY if selection.target is Target.COMPANIES else Entity.PERSON
    other = Target.COMPANIES if entity is Entity.PERSON else Target.PERSONS
    if selection.target is other:
        listed, shown = other.value, entity.value
        raise ValidationError(
            f"selection {selection.id} lists {listed}, not {shown}s",
            why=f"a {shown}s view needs a selection of {shown}s",
            fix=f"Show it with entity=Entity.{'COMPANY' if shown == 'person' else 'PERSON'}",
            selection_id=selection.id,
        )
    if isinstance(selection, DynamicSelection) and selection.entity is entity:
        # its criteria search the view's entity; mapping to the selection's target
        # keeps those records as they are (selections.project): the adapter counts
        return entity, Scope(entity, selection.criteria)
    return entity, None


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
    def of_persons(
        cls,
        persons: Iterable[Person],
        companies: Mapping[CompanyId, Company],
        criteria: Criterion,
        reading: Reading,
    ) -> MemberRows:
        """The ``persons`` (each with its company from ``companies``) that match
        ``criteria``, evaluated as ``reading`` says."""
        test = person_predicate(criteria, reading.environment())
        pairs: list[Pair] = []
        for person in persons:
            company = None if person.company_id is None else companies[person.company_id]
            if test(person, company):
                pairs.append((person, company))
        return cls(pairs, reading.stored, Entity.PERSON)

    @classmethod
    def of_companies(
        cls, companies: Iterable[Company], criteria: Criterion, reading: Reading
    ) -> MemberRows:
        """The ``companies`` that match ``criteria``, evaluated as ``reading`` says."""
        test = company_predicate(criteria, reading.environment())
        return cls([(None, c) for c in companies if test(c)], reading.stored, Entity.COMPANY)

    def filtered(self, criterion: Criterion, reading: Reading) -> MemberRows:
        """The rows that match ``criterion`` (the same rows when it is ``ALWAYS``)."""
        if criterion == ALWAYS:
            return self
        env = reading.environment()
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
