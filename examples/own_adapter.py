"""A storage adapter of one's own, proved with leadcore's conformance kit.

``OutboxStore`` keeps the data in leadcore's in-memory store and adds what an
application may need around it: after each successful commit it appends one
record to an *outbox* (which companies and persons the commit wrote and how many
history entries it appended), for example to feed a search index or a data
warehouse. Nothing goes to the outbox when a unit rolls back or its commit fails.

Any adapter (this wrapper, or one over a database of your own) plugs in through
the ports of :mod:`leadcore.ports` and proves it behaves like the default by
subclassing the kit's contract classes (:mod:`leadcore.testing.contract`) in a
pytest class: ``TestOutboxAdapter`` below. Running this file uses the adapter under
a ``LeadService`` and then runs the kit on it with pytest (``pip install
'leadcore[testing]'``).

Run it with ``.venv/bin/python examples/own_adapter.py``.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

import attrs

from leadcore.adapters.memory import InMemoryStore
from leadcore.clock import FixedClock, SequentialIds
from leadcore.history import HistoryEntry
from leadcore.lists import Lists, new_database
from leadcore.model import Company, CompanyId, Person, PersonId
from leadcore.ports import (
    AssociateRepository,
    CompanyRepository,
    HistoryRepository,
    ListRepository,
    PersonRepository,
    SelectionRepository,
    SettingsRepository,
    UnitOfWork,
)
from leadcore.queries import GroupedCounts, PageResult, Query
from leadcore.service import LeadService
from leadcore.testing.contract import AdapterContract, UnitOfWorkFactory


@attrs.frozen
class OutboxRecord:
    """What one committed unit of work wrote."""

    companies: tuple[CompanyId, ...]
    persons: tuple[PersonId, ...]
    history_entries: int


class _Written:
    """The ids and entries a unit has written so far."""

    def __init__(self) -> None:
        self.companies: dict[CompanyId, None] = {}
        self.persons: dict[PersonId, None] = {}
        self.history = 0


class _Companies:
    """The inner repository, noting each company written."""

    def __init__(self, inner: CompanyRepository, written: _Written) -> None:
        self._inner, self._written = inner, written

    def get(self, company_id: CompanyId) -> Company:
        return self._inner.get(company_id)

    def add(self, company: Company) -> Company:
        stored = self._inner.add(company)
        self._written.companies[stored.id] = None
        return stored

    def save(self, company: Company) -> Company:
        stored = self._inner.save(company)
        self._written.companies[stored.id] = None
        return stored

    def delete(self, company: Company) -> None:
        self._inner.delete(company)
        self._written.companies[company.id] = None

    def get_many(self, company_ids: Iterable[CompanyId]) -> list[Company]:
        return self._inner.get_many(company_ids)

    def find(self, query: Query) -> list[Company]:
        return self._inner.find(query)

    def find_page(self, query: Query) -> PageResult[Company]:
        return self._inner.find_page(query)

    def count(self, query: Query) -> int:
        return self._inner.count(query)

    def count_by(
        self, query: Query, field_key: str, *, visible_only: bool = False
    ) -> GroupedCounts:
        return self._inner.count_by(query, field_key, visible_only=visible_only)


class _Persons:
    """The inner repository, noting each person written."""

    def __init__(self, inner: PersonRepository, written: _Written) -> None:
        self._inner, self._written = inner, written

    def get(self, person_id: PersonId) -> Person:
        return self._inner.get(person_id)

    def add(self, person: Person) -> Person:
        stored = self._inner.add(person)
        self._written.persons[stored.id] = None
        return stored

    def save(self, person: Person) -> Person:
        return self.save_many([person])[0]

    def save_many(self, persons: Iterable[Person]) -> list[Person]:
        stored = self._inner.save_many(persons)
        self._written.persons.update(dict.fromkeys(p.id for p in stored))
        return stored

    def delete(self, person: Person) -> None:
        self._inner.delete(person)
        self._written.persons[person.id] = None

    def was_deleted(self, person_id: PersonId) -> bool:
        return self._inner.was_deleted(person_id)

    def of_company(self, company_id: CompanyId) -> list[Person]:
        return self._inner.of_company(company_id)

    def get_many(self, person_ids: Iterable[PersonId]) -> list[Person]:
        return self._inner.get_many(person_ids)

    def find(self, query: Query) -> list[Person]:
        return self._inner.find(query)

    def find_page(self, query: Query) -> PageResult[Person]:
        return self._inner.find_page(query)

    def find_with_companies(self, query: Query) -> list[tuple[Person, Company | None]]:
        return self._inner.find_with_companies(query)

    def count(self, query: Query) -> int:
        return self._inner.count(query)

    def count_by(
        self, query: Query, field_key: str, *, visible_only: bool = False
    ) -> GroupedCounts:
        return self._inner.count_by(query, field_key, visible_only=visible_only)


class _History:
    """The inner history, counting the entries appended."""

    def __init__(self, inner: HistoryRepository, written: _Written) -> None:
        self._inner, self._written = inner, written

    def append(self, entries: Sequence[HistoryEntry]) -> None:
        self._inner.append(entries)
        self._written.history += len(entries)

    def for_person(self, person_id: PersonId) -> list[HistoryEntry]:
        return self._inner.for_person(person_id)

    def __iter__(self) -> Iterator[HistoryEntry]:
        return iter(self._inner)

    def between(
        self, start: datetime | None, end: datetime | None, persons: Query | None = None
    ) -> Mapping[PersonId, Sequence[HistoryEntry]]:
        return self._inner.between(start, end, persons)


class OutboxUnitOfWork:
    """A unit of work of :class:`OutboxStore`: the inner unit, plus the outbox on commit."""

    companies: CompanyRepository
    persons: PersonRepository
    associates: AssociateRepository
    lists: ListRepository
    selections: SelectionRepository
    history: HistoryRepository
    settings: SettingsRepository

    def __init__(self, inner: UnitOfWork, outbox: list[OutboxRecord]) -> None:
        self._inner, self._outbox = inner, outbox
        self._written = _Written()
        self.companies = _Companies(inner.companies, self._written)
        self.persons = _Persons(inner.persons, self._written)
        self.history = _History(inner.history, self._written)
        self.lists, self.selections, self.settings = inner.lists, inner.selections, inner.settings
        self.associates = inner.associates

    def __enter__(self) -> Self:
        self._inner.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._inner.__exit__(exc_type, exc, tb)
        self._written = _Written()

    def expect_writes(self) -> None:
        """A command says it will write: pass it on (the in-memory store then makes the
        unit its one writer before it reads; optional, as the port says)."""
        expect = getattr(self._inner, "expect_writes", None)
        if expect is not None:
            expect()

    def commit(self) -> None:
        self._inner.commit()  # raises, and adds nothing to the outbox, when it fails
        written, self._written = self._written, _Written()
        if written.companies or written.persons or written.history:
            record = OutboxRecord(tuple(written.companies), tuple(written.persons), written.history)
            self._outbox.append(record)
        self._rewire()

    def rollback(self) -> None:
        self._inner.rollback()
        self._written = _Written()
        self._rewire()

    def _rewire(self) -> None:
        """Point the wrappers at the fresh record of what gets written next."""
        self.companies = _Companies(self._inner.companies, self._written)
        self.persons = _Persons(self._inner.persons, self._written)
        self.history = _History(self._inner.history, self._written)


class OutboxStore:
    """leadcore's in-memory store with an outbox of committed writes."""

    def __init__(self, lists: Lists | None = None) -> None:
        self._inner = InMemoryStore(lists)
        self.outbox: list[OutboxRecord] = []

    def unit_of_work(self) -> OutboxUnitOfWork:
        """A new unit of work; use it as a context manager."""
        return OutboxUnitOfWork(self._inner.unit_of_work(), self.outbox)


class TestOutboxAdapter(AdapterContract):
    """Every contract of the conformance kit, on a fresh :class:`OutboxStore`."""

    def fresh_factory(self, lists: Lists) -> UnitOfWorkFactory:
        return OutboxStore(lists).unit_of_work


def main() -> int:
    store = OutboxStore(Lists(*new_database()))
    clock = FixedClock(datetime(2026, 6, 11, 9, 0, tzinfo=UTC))
    service = LeadService(store.unit_of_work, clock=clock, ids=SequentialIds())
    lead = service.lists().categories.by_name("Lead").id
    acme = service.companies.add("Acme", category_id=lead)
    ann = service.persons.add("Ann", "Ash", company_id=acme.id)
    service.persons.set_lead_status(ann.id, service.lists().statuses.by_key("qualified").id)
    for record in store.outbox:
        print(f"outbox: {record}")
    print("running the conformance kit on OutboxStore:", flush=True)
    kit = [sys.executable, "-m", "pytest", __file__, "-q", "-p", "no:cacheprovider"]
    return subprocess.run(kit, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
