"""The repositories of a SQL unit of work (private; see :mod:`leadcore.adapters.sql`).

Each reads the database through the unit's connection, merged with the unit's
changes not written yet, and records what it read for the commit's version
checks; each change goes to the unit (written at commit, or at once when the
unit already writes through its transaction).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

import attrs
from sqlalchemy import Table, func, select

from leadcore import codec
from leadcore.adapters._base import current_version, deleted_in_unit, refuse_repeats
from leadcore.adapters._versions import bump
from leadcore.adapters.sql import _find
from leadcore.adapters.sql._rows import converter, selection_from_document
from leadcore.adapters.sql._schema import (
    associates,
    companies,
    deleted_persons,
    history,
    persons,
    selections,
)
from leadcore.adapters.sql._schema import settings as settings_table
from leadcore.adapters.sql._unit import Unit
from leadcore.errors import CompanyHasPersons, ConflictError, NotFoundError
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
from leadcore.queries import GroupedCounts, PageResult, Query
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
    "selection_kind",
]

R = TypeVar("R")
_CHUNK = 500


def selection_kind(selection: Selection) -> str:
    """The ``kind`` column of a selection: "static", "dynamic" or "combined"."""
    return codec.selection_kind(selection)


def _load(
    uow: Unit, kind: str, table: Table, ids: Sequence[int], make: Callable[[Any], R]
) -> dict[int, R]:
    """The stored records of ``ids`` by id, their versions noted for the commit.

    Before the unit writes, records read once are kept (the commit checks their
    versions anyway), and ids above the highest stored one are known absent
    without a lookup (a new id from the generator costs no query).
    """
    found: dict[int, R] = {}
    cache: dict[int, Any] | None = uow.read_cache(kind)
    ceiling = uow.highest_id(kind, table)
    wanted: list[int] = []
    for record_id in ids:
        if cache is not None and record_id in cache:
            cached = cache[record_id]
            if cached is not None:
                found[record_id] = cached
        elif ceiling is None or record_id <= ceiling:
            wanted.append(record_id)
    if not wanted:
        return found
    connection = uow.connection()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        for mapping in connection.execute(select(table).where(table.c.id.in_(chunk))).mappings():
            found[mapping["id"]] = make(mapping)
            uow.note(kind, mapping["id"], mapping["version"])
    for record_id in wanted:
        if record_id not in found:
            uow.note(kind, record_id, 0)
        if cache is not None:
            cache[record_id] = found.get(record_id)
    return found


class Companies:
    """The unit's companies."""

    def __init__(self, uow: Unit) -> None:
        self._uow = uow

    def current(self, company_id: int) -> Company | None:
        """The company as the unit sees it (``None``: not stored)."""
        return self.current_many([company_id]).get(company_id)

    def current_many(self, ids: Iterable[int]) -> dict[int, Company]:
        """The companies of ``ids`` the unit sees, by id."""
        pending = self._uow.pending
        seen: dict[int, Company] = {}
        missing: list[int] = []
        for company_id in ids:
            if company_id in pending.companies:
                seen[company_id] = pending.companies[company_id]
            elif company_id not in pending.deleted_companies and company_id not in seen:
                missing.append(company_id)
        if missing:
            seen.update(_load(self._uow, "company", companies, sorted(set(missing)), _company))
        return seen

    def get(self, company_id: CompanyId) -> Company:
        """The stored company; :class:`NotFoundError` when unknown."""
        company = self.current(company_id)
        if company is None:
            raise NotFoundError("company", company_id)
        return company

    def add(self, company: Company) -> Company:
        """Store a new company with version 1."""
        existing = self.current(company.id)
        if existing is not None:
            raise ConflictError("company", company.id, 0, existing.version)
        if company.id in self._uow.deleted["company"]:
            raise deleted_in_unit("company", company.id)
        stored = bump(company, 1)
        self._uow.pending.companies[company.id] = stored
        self._uow.pending.new["company"].add(company.id)
        self._uow.changed()
        return stored

    def save(self, company: Company) -> Company:
        """Store a changed company loaded at ``company.version``; returns version + 1."""
        current_version("company", company.id, self.current(company.id), company.version)
        stored = bump(company, company.version + 1)
        self._uow.pending.companies[company.id] = stored
        self._uow.changed()
        return stored

    def delete(self, company: Company) -> None:
        """Remove a company loaded at ``company.version``; it must have no persons left."""
        current_version("company", company.id, self.current(company.id), company.version)
        left = _persons_of(self._uow, company.id)
        if left:
            raise CompanyHasPersons(company.id, len(left))
        pending = self._uow.pending
        pending.companies.pop(company.id, None)
        if company.id in pending.new["company"]:
            pending.new["company"].discard(company.id)
        else:
            pending.deleted_companies.add(company.id)
        self._uow.deleted["company"].add(company.id)
        self._uow.changed()

    def get_many(self, company_ids: Iterable[CompanyId]) -> list[Company]:
        """The companies in the order given; :class:`NotFoundError` names the first unknown."""
        wanted = list(company_ids)
        found = self.current_many(wanted)
        return [_found(found, "company", i) for i in wanted]

    def find(self, query: Query) -> list[Company]:
        """Companies matching ``query.criteria``, ordered and paged."""
        return _find.find_companies(self._uow, query)

    def count(self, query: Query) -> int:
        """How many companies match ``query.criteria``."""
        return _find.count_companies(self._uow, query)

    def find_page(self, query: Query) -> PageResult[Company]:
        """One page of :meth:`find` and the total number of matches."""
        items = _find.find_companies(self._uow, query)
        return PageResult(tuple(items), _find.count_companies(self._uow, query), query.page)

    def count_by(
        self, query: Query, field_key: str, *, visible_only: bool = False
    ) -> GroupedCounts:
        """Matching companies per value of a company list or owner field."""
        return _find.count_companies_by(self._uow, query, field_key, visible_only)


def _found(found: dict[int, R], kind: str, record_id: int) -> R:
    item = found.get(record_id)
    if item is None:
        raise NotFoundError(kind, record_id)
    return item


def _company(row: Any) -> Company:
    return converter.structure(row, Company)


def _person(row: Any) -> Person:
    return converter.structure(row, Person)


def _persons_of(uow: Unit, company_id: CompanyId) -> list[Person]:
    """Every person of the company as ``uow`` sees it, by id (the list noted for the commit)."""
    rows = uow.connection().execute(
        select(persons).where(persons.c.company_id == company_id).order_by(persons.c.id)
    )
    stored = [_person(row) for row in rows.mappings()]
    uow.note_members(company_id, tuple((p.id, p.version) for p in stored))
    for person in stored:
        uow.note("person", person.id, person.version)
    pending = uow.pending
    found = {
        p.id: p
        for p in stored
        if p.id not in pending.persons and p.id not in pending.deleted_persons
    }
    for person in pending.persons.values():
        if person.company_id == company_id:
            found[person.id] = person
    return [found[i] for i in sorted(found)]


class Persons:
    """The unit's persons (``companies`` checks the companies they are moved to)."""

    def __init__(self, uow: Unit, companies: Companies) -> None:
        self._uow = uow
        self._companies = companies

    def current_many(self, ids: Iterable[int]) -> dict[int, Person]:
        """The persons of ``ids`` the unit sees, by id."""
        pending = self._uow.pending
        seen: dict[int, Person] = {}
        missing: list[int] = []
        for person_id in ids:
            if person_id in pending.persons:
                seen[person_id] = pending.persons[person_id]
            elif person_id not in pending.deleted_persons and person_id not in seen:
                missing.append(person_id)
        if missing:
            seen.update(_load(self._uow, "person", persons, sorted(set(missing)), _person))
        return seen

    def get(self, person_id: PersonId) -> Person:
        """The stored person; :class:`NotFoundError` when unknown."""
        return _found(self.current_many([person_id]), "person", person_id)

    def add(self, person: Person) -> Person:
        """Store a new person with version 1; its company must exist."""
        existing = self.current_many([person.id]).get(person.id)
        if existing is not None:
            raise ConflictError("person", person.id, 0, existing.version)
        if person.id in self._uow.deleted["person"]:
            raise deleted_in_unit("person", person.id)
        self._require_company(person.company_id)
        stored = bump(person, 1)
        self._uow.pending.persons[person.id] = stored
        self._uow.pending.new["person"].add(person.id)
        self._uow.changed()
        return stored

    def _require_company(self, company_id: CompanyId | None) -> None:
        if company_id is not None and self._companies.current(company_id) is None:
            raise NotFoundError("company", company_id)

    def save(self, person: Person) -> Person:
        """Store a changed person loaded at ``person.version``; returns version + 1."""
        return self.save_many([person])[0]

    def save_many(self, persons: Iterable[Person]) -> list[Person]:
        """``save`` for many persons; checks all first, so it stores all or none."""
        batch = list(persons)
        refuse_repeats(batch)
        currents = self.current_many([p.id for p in batch])
        for person in batch:
            current_version("person", person.id, currents.get(person.id), person.version)
        moved = {p.company_id for p in batch if p.company_id != currents[p.id].company_id}
        moved.discard(None)
        if moved:
            known = self._companies.current_many(c for c in moved if c is not None)
            for company_id in sorted(c for c in moved if c is not None):
                if company_id not in known:
                    raise NotFoundError("company", company_id)
        stored = [bump(p, currents[p.id].version + 1) for p in batch]
        pending = self._uow.pending.persons
        for person in stored:
            pending[person.id] = person
        self._uow.changed()
        return stored

    def delete(self, person: Person) -> None:
        """Remove a person loaded at ``person.version``; its history stays."""
        current = self.current_many([person.id]).get(person.id)
        current_version("person", person.id, current, person.version)
        pending = self._uow.pending
        pending.persons.pop(person.id, None)
        pending.new["person"].discard(person.id)  # added by this unit: never inserted
        pending.deleted_persons.add(person.id)  # its id is recorded as deleted either way
        self._uow.deleted["person"].add(person.id)
        self._uow.changed()

    def was_deleted(self, person_id: PersonId) -> bool:
        """True when this unit or a committed one deleted the person ``person_id``."""
        if person_id in self._uow.deleted["person"]:
            return True
        found = self._uow.connection().execute(
            select(deleted_persons.c.id).where(deleted_persons.c.id == person_id)
        )
        return found.first() is not None

    def of_company(self, company_id: CompanyId) -> list[Person]:
        """Every person of the company as this unit sees it, by id."""
        return _persons_of(self._uow, company_id)

    def get_many(self, person_ids: Iterable[PersonId]) -> list[Person]:
        """The persons in the order given; :class:`NotFoundError` names the first unknown."""
        wanted = list(person_ids)
        found = self.current_many(wanted)
        return [_found(found, "person", i) for i in wanted]

    def find(self, query: Query) -> list[Person]:
        """Persons matching ``query.criteria``, ordered and paged."""
        return _find.find_persons(self._uow, query)

    def count(self, query: Query) -> int:
        """How many persons match ``query.criteria``."""
        return _find.count_persons(self._uow, query)

    def find_page(self, query: Query) -> PageResult[Person]:
        """One page of :meth:`find` and the total number of matches."""
        items = _find.find_persons(self._uow, query)
        return PageResult(tuple(items), _find.count_persons(self._uow, query), query.page)

    def find_with_companies(self, query: Query) -> list[tuple[Person, Company | None]]:
        """:meth:`find`, each person with its company."""
        return _find.find_persons_with_companies(self._uow, query)

    def count_by(
        self, query: Query, field_key: str, *, visible_only: bool = False
    ) -> GroupedCounts:
        """Matching persons per value of a list or owner field."""
        return _find.count_persons_by(self._uow, query, field_key, visible_only)


class ListsRepository:
    """The unit's admin lists."""

    def __init__(self, uow: Unit) -> None:
        self._uow = uow

    def load(self) -> Lists:
        """The current lists as this unit sees them."""
        pending = self._uow.pending.lists
        return pending if pending is not None else self._uow.load_lists()

    def save(self, lists: Lists) -> Lists:
        """Store lists loaded at ``lists.version``; returns version + 1."""
        current = self.load()
        if current.version != lists.version:
            raise ConflictError("lists", "lists", lists.version, current.version)
        stored = attrs.evolve(lists, version=current.version + 1)
        self._uow.pending.lists = stored
        self._uow.changed()
        return stored


K = TypeVar("K", bound=int)
V = TypeVar("V", Selection, Associate)


class _Keyed(Generic[K, V]):
    """Versioned records by id: selections and associates."""

    kind = ""
    table: Table

    def __init__(self, uow: Unit) -> None:
        self._uow = uow

    def _overlay(self) -> dict[int, Any]:
        raise NotImplementedError

    def _make(self, row: Any) -> V:
        raise NotImplementedError

    def _current(self, key: int) -> V | None:
        overlay = self._overlay()
        if key in overlay:
            found: V | None = overlay[key]
            return found
        return _load(self._uow, self.kind, self.table, [key], self._make).get(key)

    def get(self, key: K) -> V:
        """The stored record; :class:`NotFoundError` when unknown."""
        found = self._current(key)
        if found is None:
            raise NotFoundError(self.kind, key)
        return found

    def add(self, item: V) -> V:
        """Store a new record with version 1."""
        existing = self._current(item.id)
        if existing is not None:
            raise ConflictError(self.kind, item.id, 0, existing.version)
        stored: V = bump(item, 1)
        self._overlay()[item.id] = stored
        self._uow.pending.new[self.kind].add(item.id)
        self._uow.changed()
        return stored

    def save(self, item: V) -> V:
        """Store a changed record loaded at ``item.version``; returns version + 1."""
        current_version(self.kind, item.id, self._current(item.id), item.version)
        stored: V = bump(item, item.version + 1)
        self._overlay()[item.id] = stored
        self._uow.changed()
        return stored

    def all(self) -> list[V]:
        """Every record as this unit sees it, by id."""
        rows = self._uow.connection().execute(select(self.table).order_by(self.table.c.id))
        merged: dict[int, V | None] = {}
        for row in rows.mappings():
            item = self._make(row)
            self._uow.note(self.kind, item.id, item.version)
            merged[item.id] = item
        merged.update(self._overlay())
        return [item for _, item in sorted(merged.items()) if item is not None]


class Selections(_Keyed[SelectionId, Selection]):
    """The unit's saved selections."""

    kind = "selection"
    table = selections

    def _overlay(self) -> dict[int, Any]:
        return self._uow.pending.selections

    def _make(self, row: Any) -> Selection:
        return selection_from_document(row["document"])

    def delete(self, selection_id: SelectionId) -> None:
        """Remove a selection; :class:`NotFoundError` when unknown."""
        if self._current(selection_id) is None:
            raise NotFoundError("selection", selection_id)
        pending = self._uow.pending
        if selection_id in pending.new["selection"]:
            pending.new["selection"].discard(selection_id)
            del pending.selections[selection_id]
        else:
            pending.selections[selection_id] = None
        self._uow.changed()


class Associates(_Keyed[AssociateId, Associate]):
    """The unit's associates."""

    kind = "associate"
    table = associates

    def _overlay(self) -> dict[int, Any]:
        return self._uow.pending.associates

    def _make(self, row: Any) -> Associate:
        return converter.structure(row, Associate)


class History:
    """The unit's view of the append-only status history."""

    def __init__(self, uow: Unit) -> None:
        self._uow = uow

    def append(self, entries: Sequence[HistoryEntry]) -> None:
        """Append ``entries`` in order (written at commit)."""
        self._uow.pending.history.extend(entries)
        self._uow.changed()

    def for_person(self, person_id: PersonId) -> list[HistoryEntry]:
        """The person's entries, oldest first, this unit's own last."""
        rows = self._uow.connection().execute(
            select(history).where(history.c.person_id == person_id).order_by(history.c.seq)
        )
        found = [converter.structure(row, HistoryEntry) for row in rows.mappings()]
        found.extend(e for e in self._uow.pending.history if e.person_id == person_id)
        return found

    def __iter__(self) -> Iterator[HistoryEntry]:
        """Every entry, oldest first, this unit's own last."""
        rows = self._uow.connection().execute(select(history).order_by(history.c.seq))
        found = [converter.structure(row, HistoryEntry) for row in rows.mappings()]
        found.extend(self._uow.pending.history)
        return iter(found)

    def between(
        self,
        start: datetime | None,
        end: datetime | None,
        persons: Query | None = None,
    ) -> Mapping[PersonId, Sequence[HistoryEntry]]:
        """The entries with ``start <= at < end`` (``None``: unbounded), per person, oldest
        first (equal ``at``: append order); with ``persons`` only those of the stored persons
        matching its criteria. One statement: the range and the criteria pushed down."""
        return _find.history_between(self._uow, start, end, persons)

    def __len__(self) -> int:
        """How many entries there are, this unit's own included."""
        stored = self._uow.connection().execute(select(func.count()).select_from(history))
        return int(stored.scalar_one()) + len(self._uow.pending.history)


class Settings:
    """The unit's installation settings (JSON values by key)."""

    def __init__(self, uow: Unit) -> None:
        self._uow = uow

    def get(self, key: str, default: object = None) -> object:
        """A copy of the value stored under ``key``, or ``default``."""
        pending = self._uow.pending.settings
        if key in pending:
            return json.loads(pending[key])
        text = (
            self._uow.connection()
            .execute(select(settings_table.c.value).where(settings_table.c.key == key))
            .scalar()
        )
        return default if text is None else json.loads(text)

    def set(self, key: str, value: object) -> None:
        """Store a copy of ``value``, a settings value: plain JSON that reads back
        unchanged (:func:`leadcore.setting_values.check_setting`), else ValidationError."""
        check_setting(key, value)
        text = json.dumps(value, allow_nan=False)
        self._uow.pending.settings[key] = text
        self._uow.changed()
