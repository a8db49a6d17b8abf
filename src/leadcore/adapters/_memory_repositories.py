"""The repositories of an in-memory unit of work: each reads the committed state plus
the unit's overlay and writes only to the overlay (private; see
:mod:`leadcore.adapters.memory`).

They see their unit of work through :class:`Unit`, a small typed interface: the
lock, the overlay, the committed state, and the unit's merged reads.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from operator import attrgetter
from typing import Generic, Protocol, TypeVar

import attrs

from leadcore.adapters._base import current_version, deleted_in_unit, refuse_repeats
from leadcore.adapters._memory_query import (
    PersonMatch,
    PersonSource,
    QueryContext,
    count_person_groups,
    order_and_page,
    plan_persons,
)
from leadcore.adapters._memory_state import MemoryState, Pending
from leadcore.adapters._versions import (
    ABSENT,
    K,
    V,
    bump,
    bump_person,
    record_base,
)
from leadcore.criteria.ast import ALWAYS
from leadcore.criteria.evaluate import company_reader
from leadcore.criteria.fields import Entity
from leadcore.errors import (
    CompanyHasPersons,
    ConflictError,
    NotFoundError,
)
from leadcore.history import HistoryEntry
from leadcore.lists import Lists
from leadcore.model import (
    Associate,
    AssociateId,
    Company,
    CompanyId,
    Person,
    PersonId,
    SelectionId,
)
from leadcore.ports import PersonRepository
from leadcore.queries import GroupedCounts, PageResult, Query, group_field
from leadcore.selections import Selection
from leadcore.setting_values import check_setting

__all__ = [
    "Associates",
    "Companies",
    "History",
    "ListsRepository",
    "Persons",
    "Selections",
    "Settings",
    "Unit",
]

_AT = attrgetter("at")


class Unit(Protocol):
    """What a repository needs of its unit of work (``InMemoryUnitOfWork`` gives it).

    Each call that reads the state holds :attr:`lock`; changes go to :attr:`pending` only.
    """

    @property
    def lock(self) -> AbstractContextManager[None]:
        """Held for one call: the store's lock, shared (other readers go on, a commit waits)."""

    @property
    def pending(self) -> Pending:
        """The unit's overlay: what it changed, not yet committed."""

    @property
    def state(self) -> MemoryState:
        """The committed state (read it holding :attr:`lock`, never change it)."""

    def company(self, company_id: CompanyId) -> Company | None:
        """The company as the unit sees it (its own changes first); ``None``: none."""

    def person(self, person_id: PersonId) -> Person | None:
        """The person as the unit sees it (its own changes first); ``None``: none."""

    def lists(self) -> Lists:
        """The lists as the unit sees them."""

    def context(self, query: Query) -> QueryContext:
        """What ``query`` is evaluated against in this unit (its lists, time, associate)."""


def _require_company(unit: Unit, company_id: CompanyId | None) -> None:
    if company_id is not None and unit.company(company_id) is None:
        raise NotFoundError("company", company_id)


class Companies:
    """The unit's companies."""

    def __init__(self, unit: Unit, persons: PersonRepository) -> None:
        self._unit = unit
        self._persons = persons

    def get(self, company_id: CompanyId) -> Company:
        """The company as this unit sees it; :class:`NotFoundError` when unknown."""
        with self._unit.lock:
            company = self._unit.company(company_id)
        if company is None:
            raise NotFoundError("company", company_id)
        return company

    def add(self, company: Company) -> Company:
        """Store a new company with version 1."""
        with self._unit.lock:
            existing = self._unit.company(company.id)
            if existing is not None:
                raise ConflictError("company", company.id, ABSENT, existing.version)
            if company.id in self._unit.pending.deleted_companies:
                raise deleted_in_unit("company", company.id)
            stored = bump(company, 1)
            pending = self._unit.pending
            pending.company_base.setdefault(company.id, ABSENT)
            pending.companies[company.id] = stored
            return stored

    def save(self, company: Company) -> Company:
        """Store a changed company loaded at ``company.version``; returns version + 1."""
        with self._unit.lock:
            current = self._unit.company(company.id)
            current_version("company", company.id, current, company.version)
            stored = bump(company, company.version + 1)
            pending = self._unit.pending
            record_base(pending.company_base, company.id, self._unit.state.companies.get)
            pending.companies[company.id] = stored
            return stored

    def delete(self, company: Company) -> None:
        """Remove a company loaded at ``company.version``; it must have no persons left."""
        unit = self._unit
        with unit.lock:
            current_version("company", company.id, unit.company(company.id), company.version)
            left = self._persons.of_company(company.id)
            if left:
                raise CompanyHasPersons(company.id, len(left))
            pending = unit.pending
            record_base(pending.company_base, company.id, unit.state.companies.get)
            pending.companies.pop(company.id, None)
            pending.deleted_companies[company.id] = None

    def find(self, query: Query) -> list[Company]:
        """Companies matching ``query.criteria``, ordered and paged."""
        with self._unit.lock:
            context = self._unit.context(query)
            test = context.company_test(query.criteria)
            rows = [c for c in self._all() if test(c)]
            return order_and_page(
                rows, query.order, query.page, context, Entity.COMPANY, _company_row, _id_of
            )

    def count(self, query: Query) -> int:
        """How many companies match ``query.criteria``."""
        with self._unit.lock:
            test = self._unit.context(query).company_test(query.criteria)
            return sum(1 for c in self._all() if test(c))

    def get_many(self, company_ids: Iterable[CompanyId]) -> list[Company]:
        """The companies as this unit sees them, in the order given."""
        return _get_many(self._unit, "company", company_ids, self._unit.company)

    def find_page(self, query: Query) -> PageResult[Company]:
        """One page of :meth:`find` and the total number of matches."""
        with self._unit.lock:
            context = self._unit.context(query)
            test = context.company_test(query.criteria)
            rows = [c for c in self._all() if test(c)]
            total = len(rows)
            page = order_and_page(
                rows, query.order, query.page, context, Entity.COMPANY, _company_row, _id_of
            )
            return PageResult(tuple(page), total, query.page)

    def count_by(
        self, query: Query, field_key: str, *, visible_only: bool = False
    ) -> GroupedCounts:
        """Matching companies per value of a company list or owner field (one scan)."""
        group_field(field_key, Entity.COMPANY, visible_only=visible_only)
        with self._unit.lock:
            context = self._unit.context(query)
            test = context.company_test(query.criteria)
            read = company_reader(field_key, context.categories)
            counts: dict[int | None, int] = {}
            for company in self._all():
                if test(company):
                    value = read(company)
                    key = value if isinstance(value, int) else None
                    counts[key] = counts.get(key, 0) + 1
            return GroupedCounts.build(field_key, counts, self._unit.lists())

    def _all(self) -> Iterator[Company]:
        pending = self._unit.pending.companies
        deleted = self._unit.pending.deleted_companies
        for company_id, company in self._unit.state.companies.items():
            if company_id not in deleted:
                yield pending.get(company_id, company)
        for company_id, company in pending.items():
            if company_id not in self._unit.state.companies:
                yield company


R = TypeVar("R")


def _get_many(unit: Unit, kind: str, ids: Iterable[K], lookup: Callable[[K], R | None]) -> list[R]:
    """``lookup`` of each id in order; :class:`NotFoundError` for the first unknown one."""
    found: list[R] = []
    with unit.lock:
        for key in ids:
            item = lookup(key)
            if item is None:
                raise NotFoundError(kind, key)
            found.append(item)
    return found


def _company_row(company: Company) -> tuple[Person | None, Company | None]:
    return None, company


def _id_of(item: Company | Person) -> int:
    return item.id


class Persons:
    """The unit's persons."""

    def __init__(self, unit: Unit) -> None:
        self._unit = unit

    def get(self, person_id: PersonId) -> Person:
        """The person as this unit sees it; :class:`NotFoundError` when unknown."""
        with self._unit.lock:
            person = self._unit.person(person_id)
        if person is None:
            raise NotFoundError("person", person_id)
        return person

    def add(self, person: Person) -> Person:
        """Store a new person with version 1; its company must exist."""
        with self._unit.lock:
            existing = self._unit.person(person.id)
            if existing is not None:
                raise ConflictError("person", person.id, ABSENT, existing.version)
            if person.id in self._unit.pending.deleted_persons:
                raise deleted_in_unit("person", person.id)
            _require_company(self._unit, person.company_id)
            stored = bump_person(person, 1)
            pending = self._unit.pending
            pending.person_base.setdefault(person.id, ABSENT)
            pending.persons[person.id] = stored
            return stored

    def save(self, person: Person) -> Person:
        """Store a changed person loaded at ``person.version``; returns version + 1."""
        return self.save_many([person])[0]

    def save_many(self, persons: Iterable[Person]) -> list[Person]:
        """``save`` for many persons; checks all first, so it stores all or none."""
        batch = list(persons)
        refuse_repeats(batch)
        unit = self._unit
        with unit.lock:
            currents: list[Person] = []
            for person in batch:
                current = current_version(
                    "person", person.id, unit.person(person.id), person.version
                )
                if person.company_id != current.company_id:
                    _require_company(unit, person.company_id)
                currents.append(current)
            pending = unit.pending
            stored: list[Person] = []
            for person, current in zip(batch, currents, strict=True):
                record_base(pending.person_base, person.id, unit.state.person)
                new = bump_person(person, current.version + 1)
                pending.persons[person.id] = new
                stored.append(new)
            return stored

    def delete(self, person: Person) -> None:
        """Remove a person loaded at ``person.version``; its history stays."""
        unit = self._unit
        with unit.lock:
            current_version("person", person.id, unit.person(person.id), person.version)
            pending = unit.pending
            record_base(pending.person_base, person.id, unit.state.person)
            pending.persons.pop(person.id, None)
            pending.deleted_persons[person.id] = None

    def was_deleted(self, person_id: PersonId) -> bool:
        """True when this unit or a committed one deleted the person ``person_id``."""
        unit = self._unit
        with unit.lock:
            return person_id in unit.pending.deleted_persons or (
                person_id in unit.state.deleted_persons
            )

    def of_company(self, company_id: CompanyId) -> list[Person]:
        """Every person of the company as this unit sees it, by id."""
        unit = self._unit
        with unit.lock:
            state = unit.state
            pending = unit.pending.persons
            deleted = unit.pending.deleted_persons
            found: dict[PersonId, Person] = {}
            for slot in state.members.get(company_id, ()):
                person = state.slot_person[slot]
                if person.id not in deleted:
                    found[person.id] = pending.get(person.id, person)
            for person in pending.values():
                found[person.id] = person
            return sorted(
                (p for p in found.values() if p.company_id == company_id), key=lambda p: p.id
            )

    def find(self, query: Query) -> list[Person]:
        """Persons matching ``query.criteria``, ordered and paged.

        Ordered by id only (no ``order``), the page is read straight from the
        bitset: only the first ``offset + limit`` members become rows.
        """
        unit = self._unit
        with unit.lock:
            context = unit.context(query)
            source = self._source()
            match = plan_persons(source, query.criteria, context)
            return self._page(source, match, query, context)

    def count(self, query: Query) -> int:
        """How many persons match ``query.criteria``."""
        unit = self._unit
        with unit.lock:
            context = unit.context(query)
            return plan_persons(self._source(), query.criteria, context).count()

    def get_many(self, person_ids: Iterable[PersonId]) -> list[Person]:
        """The persons as this unit sees them, in the order given."""
        return _get_many(self._unit, "person", person_ids, self._unit.person)

    def find_page(self, query: Query) -> PageResult[Person]:
        """One page of :meth:`find`; the total is the match bitset's ``bit_count()``."""
        unit = self._unit
        with unit.lock:
            context = unit.context(query)
            source = self._source()
            match = plan_persons(source, query.criteria, context)
            items = self._page(source, match, query, context)
            return PageResult(tuple(items), match.count(), query.page)

    def find_with_companies(self, query: Query) -> list[tuple[Person, Company | None]]:
        """:meth:`find`, each person with its company as this unit sees it."""
        with self._unit.lock:
            return [(p, self._row(p)[1]) for p in self.find(query)]

    def count_by(
        self, query: Query, field_key: str, *, visible_only: bool = False
    ) -> GroupedCounts:
        """Matching persons per value of a list or owner field, from the indexes."""
        group_field(field_key, Entity.PERSON, visible_only=visible_only)
        unit = self._unit
        with unit.lock:
            context = unit.context(query)
            source = self._source()
            match = plan_persons(source, query.criteria, context)
            counts, hidden = count_person_groups(
                source, match, field_key, context, visible_only=visible_only
            )
            return GroupedCounts.build(field_key, counts, unit.lists(), hidden)

    def _page(
        self, source: PersonSource, match: PersonMatch, query: Query, context: QueryContext
    ) -> list[Person]:
        if not query.order and source.id_ordered:
            return match.id_page(query.page)
        return order_and_page(
            match.persons(), query.order, query.page, context, Entity.PERSON, self._row, _id_of
        )

    def _row(self, person: Person) -> tuple[Person | None, Company | None]:
        company = None if person.company_id is None else self._unit.company(person.company_id)
        return person, company

    def _source(self) -> PersonSource:
        unit = self._unit
        return PersonSource(unit.state, unit.pending, unit.company)


class ListsRepository:
    """The unit's admin lists."""

    def __init__(self, unit: Unit) -> None:
        self._unit = unit

    def load(self) -> Lists:
        """The current lists as this unit sees them."""
        with self._unit.lock:
            return self._unit.lists()

    def save(self, lists: Lists) -> Lists:
        """Store lists loaded at ``lists.version``; returns version + 1."""
        unit = self._unit
        with unit.lock:
            current = unit.lists()
            if current.version != lists.version:
                raise ConflictError("lists", "lists", lists.version, current.version)
            if unit.pending.lists is None:
                unit.pending.lists_base = unit.state.lists.version
            stored = attrs.evolve(lists, version=current.version + 1)
            unit.pending.lists = stored
            return stored


class _Keyed(Generic[K, V]):
    """``get``, ``add``, ``save`` and ``all`` of versioned records kept by id in the
    store and in the unit's overlay (selections, associates); ``None`` in the
    overlay marks a deleted record."""

    kind = ""

    def __init__(self, unit: Unit) -> None:
        self._unit = unit

    def _overlay(self) -> Mapping[K, V | None]:
        raise NotImplementedError

    def _committed(self) -> Mapping[K, V]:
        raise NotImplementedError

    def _bases(self) -> dict[K, int]:
        raise NotImplementedError

    def _put(self, key: K, item: V) -> None:
        raise NotImplementedError

    def _current(self, key: K) -> V | None:
        overlay = self._overlay()
        if key in overlay:
            return overlay[key]
        return self._committed().get(key)

    def _touch(self, key: K) -> None:
        record_base(self._bases(), key, self._committed().get)

    def get(self, key: K) -> V:
        """The stored record; :class:`NotFoundError` when unknown."""
        with self._unit.lock:
            found = self._current(key)
        if found is None:
            raise NotFoundError(self.kind, key)
        return found

    def add(self, item: V) -> V:
        """Store a new record with version 1."""
        with self._unit.lock:
            existing = self._current(item.id)
            if existing is not None:
                raise ConflictError(self.kind, item.id, ABSENT, existing.version)
            return self._store(item, 1)

    def save(self, item: V) -> V:
        """Store a changed record loaded at ``item.version``; returns version + 1."""
        with self._unit.lock:
            current_version(self.kind, item.id, self._current(item.id), item.version)
            return self._store(item, item.version + 1)

    def _store(self, item: V, version: int) -> V:
        self._touch(item.id)
        stored = bump(item, version)
        self._put(item.id, stored)
        return stored

    def all(self) -> list[V]:
        """Every record as this unit sees it, by id."""
        with self._unit.lock:
            merged: dict[K, V | None] = dict(self._committed())
            merged.update(self._overlay())
        return [item for _, item in sorted(merged.items()) if item is not None]


class Selections(_Keyed[SelectionId, Selection]):
    """The unit's saved selections."""

    kind = "selection"

    def _overlay(self) -> Mapping[SelectionId, Selection | None]:
        return self._unit.pending.selections

    def _committed(self) -> Mapping[SelectionId, Selection]:
        return self._unit.state.selections

    def _bases(self) -> dict[SelectionId, int]:
        return self._unit.pending.selection_base

    def _put(self, key: SelectionId, item: Selection) -> None:
        self._unit.pending.selections[key] = item

    def delete(self, selection_id: SelectionId) -> None:
        """Remove a selection; :class:`NotFoundError` when unknown."""
        with self._unit.lock:
            if self._current(selection_id) is None:
                raise NotFoundError("selection", selection_id)
            self._touch(selection_id)
            self._unit.pending.selections[selection_id] = None


class Associates(_Keyed[AssociateId, Associate]):
    """The unit's associates."""

    kind = "associate"

    def _overlay(self) -> Mapping[AssociateId, Associate | None]:
        return self._unit.pending.associates

    def _committed(self) -> Mapping[AssociateId, Associate]:
        return self._unit.state.associates

    def _bases(self) -> dict[AssociateId, int]:
        return self._unit.pending.associate_base

    def _put(self, key: AssociateId, item: Associate) -> None:
        self._unit.pending.associates[key] = item


class History:
    """The unit's view of the append-only status history."""

    def __init__(self, unit: Unit, persons: PersonRepository) -> None:
        self._unit = unit
        self._persons = persons

    def append(self, entries: Sequence[HistoryEntry]) -> None:
        """Append ``entries`` in order (stored on commit)."""
        self._unit.pending.history.extend(entries)

    def for_person(self, person_id: PersonId) -> list[HistoryEntry]:
        """The person's entries, oldest first, this unit's own appended last."""
        with self._unit.lock:
            stored = list(self._unit.state.history_of.get(person_id, ()))
        stored.extend(e for e in self._unit.pending.history if e.person_id == person_id)
        return stored

    def __iter__(self) -> Iterator[HistoryEntry]:
        """Every entry, oldest first, this unit's own appended last."""
        with self._unit.lock:
            stored = list(self._unit.state.history)
        stored.extend(self._unit.pending.history)
        return iter(stored)

    def between(
        self,
        start: datetime | None,
        end: datetime | None,
        persons: Query | None = None,
    ) -> dict[PersonId, Sequence[HistoryEntry]]:
        """Entries with ``start <= at < end`` of the persons matching ``persons``, per person.

        The store's own per-person lists are handed out where a person's entries are
        all in the range (read-only, as the port says), so reading everything costs
        one dict of references.
        """
        unit = self._unit
        state = unit.state
        pending = unit.pending
        wanted: Container[PersonId] | None = None
        if persons is not None:
            if persons.criteria == ALWAYS and not pending.persons and not pending.deleted_persons:
                wanted = state.slot_of  # every committed person, nothing changed in the unit
            else:
                everyone = Query(
                    persons.criteria, current_associate=persons.current_associate, now=persons.now
                )
                wanted = {p.id for p in self._persons.find(everyone)}
        found: dict[PersonId, Sequence[HistoryEntry]] = {}
        with unit.lock:
            of = state.history_of
            span = state.history_span
            whole = span is not None and (
                (start is None or start <= span[0]) and (end is None or end > span[1])
            )
            if isinstance(wanted, set) and len(wanted) < len(of):  # a few persons: look them up
                source: Iterable[tuple[PersonId, list[HistoryEntry]]] = [
                    (pid, of[pid]) for pid in wanted if pid in of
                ]
            else:
                source = of.items()
            if whole and wanted is state.slot_of:
                found.update(of)  # every stored person: copy the dict, then drop the others
                for gone in of.keys() - state.slot_of.keys():
                    del found[gone]
            elif whole:
                found.update(
                    source if wanted is None else ((p, es) for p, es in source if p in wanted)
                )
            else:
                for person_id, entries in source:
                    if wanted is not None and person_id not in wanted:
                        continue
                    if person_id in state.history_unordered:
                        entries = sorted(entries, key=_AT)
                    if (start is None or entries[0].at >= start) and (
                        end is None or entries[-1].at < end
                    ):
                        found[person_id] = entries
                        continue
                    chosen = [
                        e
                        for e in entries
                        if (start is None or e.at >= start) and (end is None or e.at < end)
                    ]
                    if chosen:
                        found[person_id] = chosen
            for person_id in state.history_unordered:
                if whole and person_id in found:
                    found[person_id] = sorted(found[person_id], key=_AT)
        own: dict[PersonId, list[HistoryEntry]] = {}
        for entry in pending.history:  # this unit's own, appended after the stored ones
            person_id = entry.person_id
            if wanted is not None and person_id not in wanted:
                continue
            if (start is None or entry.at >= start) and (end is None or entry.at < end):
                own.setdefault(person_id, []).append(entry)
        for person_id, entries in own.items():
            found[person_id] = sorted([*found.get(person_id, ()), *entries], key=_AT)
        return found

    def __len__(self) -> int:
        """How many entries there are, this unit's own included."""
        return len(self._unit.state.history) + len(self._unit.pending.history)


class Settings:
    """The unit's installation settings (JSON values by key)."""

    def __init__(self, unit: Unit) -> None:
        self._unit = unit

    def get(self, key: str, default: object = None) -> object:
        """A copy of the value stored under ``key``, or ``default``."""
        pending = self._unit.pending.settings
        if key in pending:
            return copy.deepcopy(pending[key])
        with self._unit.lock:
            if key in self._unit.state.settings:
                return copy.deepcopy(self._unit.state.settings[key])
        return default

    def set(self, key: str, value: object) -> None:
        """Store a copy of ``value``, a settings value: plain JSON that reads back
        unchanged (:func:`leadcore.setting_values.check_setting`), else ValidationError."""
        check_setting(key, value)
        self._unit.pending.settings[key] = copy.deepcopy(value)
