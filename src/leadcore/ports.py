"""The ports: what the application service needs from storage and the outside world.

Everything here is a :class:`typing.Protocol`; the core imports no adapter.
Entity repositories store frozen aggregates with a ``version``: ``add`` stores
version 1, ``save`` needs the version it loaded and stores version + 1, and a
stale copy raises :class:`leadcore.errors.ConflictError` and writes nothing.
Adding an id that is already stored is a conflict too (someone created it first).
A unit of work checks the versions again on commit: when another unit
committed a newer version of anything it changed, the commit raises
:class:`~leadcore.errors.ConflictError` and writes nothing.

Finds and counts take a :class:`leadcore.queries.Query` (the criteria, the
order, the page, and the environment the criteria are evaluated in) and give
the values of :mod:`leadcore.queries`; the lists are stored as one
:class:`leadcore.lists.Lists`.

A port is met by shape, not by inheritance: :class:`leadcore.clock.FixedClock`
is a :class:`Clock` because it has ``now()``.

>>> from datetime import datetime, timezone
>>> from leadcore.clock import FixedClock
>>> clock: Clock = FixedClock(datetime(2026, 3, 1, tzinfo=timezone.utc))
>>> clock.now().day
1
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from leadcore.history import DomainEvent, HistoryEntry
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

__all__ = [
    "AssociateRepository",
    "Clock",
    "CompanyRepository",
    "EventPublisher",
    "HistoryRepository",
    "IdGenerator",
    "ListRepository",
    "PersonRepository",
    "SelectionRepository",
    "SettingsRepository",
    "UnitOfWork",
]


class Clock(Protocol):
    """Tells the time; inject a fixed one in tests."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""


class IdGenerator(Protocol):
    """Hands out new ids per kind ("company", "person", "selection", ...)."""

    def next_id(self, kind: str) -> int:
        """A fresh id for ``kind``, never handed out before."""


class EventPublisher(Protocol):
    """Receives the events of each committed command, in order."""

    def publish(self, events: Sequence[DomainEvent]) -> None:
        """Deliver ``events``; called after a successful commit."""


class CompanyRepository(Protocol):
    """Stores companies."""

    def get(self, company_id: CompanyId) -> Company:
        """The stored company; :class:`NotFoundError` when unknown."""

    def add(self, company: Company) -> Company:
        """Store a new company; returns it with version 1."""

    def save(self, company: Company) -> Company:
        """Store a changed company loaded at ``company.version``; returns version + 1."""

    def delete(self, company: Company) -> None:
        """Remove a company loaded at ``company.version``; it must have no persons left.

        A stale copy raises :class:`ConflictError`; a company that still has
        persons raises :class:`leadcore.errors.CompanyHasPersons`. Its id is
        never stored again (see :class:`IdGenerator`).
        """

    def find(self, query: Query) -> list[Company]:
        """Companies matching ``query.criteria``, ordered and paged."""

    def count(self, query: Query) -> int:
        """How many companies match ``query.criteria`` (order and page ignored)."""

    def get_many(self, company_ids: Iterable[CompanyId]) -> list[Company]:
        """The stored companies, in the order given; :class:`NotFoundError` names the first
        unknown id (repeated ids give the company again)."""

    def find_page(self, query: Query) -> PageResult[Company]:
        """:meth:`find` with the total number of matches (counted, not materialized)."""

    def count_by(
        self, query: Query, field_key: str, *, visible_only: bool = False
    ) -> GroupedCounts:
        """How many companies match ``query.criteria`` per value of ``field_key``
        (``company.category``, ``company.category_group``, ``company.owner``)."""


class PersonRepository(Protocol):
    """Stores persons."""

    def get(self, person_id: PersonId) -> Person:
        """The stored person; :class:`NotFoundError` when unknown."""

    def add(self, person: Person) -> Person:
        """Store a new person; returns it with version 1."""

    def save(self, person: Person) -> Person:
        """Store a changed person loaded at ``person.version``; returns version + 1."""

    def save_many(self, persons: Iterable[Person]) -> list[Person]:
        """``save`` for many persons at once (a company's cascade); all or none."""

    def delete(self, person: Person) -> None:
        """Remove a person loaded at ``person.version`` (its history stays).

        A stale copy raises :class:`ConflictError`. The store remembers the id as
        deleted (:meth:`was_deleted`).
        """

    def was_deleted(self, person_id: PersonId) -> bool:
        """True when a person with this id was stored and deleted (by a committed unit or
        this one, a person added and deleted by this unit included); false for an id that
        never named a person. Kept as long as the store (across reopening a file store),
        so that a deleted person's history is told from an unknown id.
        """

    def of_company(self, company_id: CompanyId) -> list[Person]:
        """Every person of the company, by id."""

    def find(self, query: Query) -> list[Person]:
        """Persons matching ``query.criteria``, ordered and paged."""

    def count(self, query: Query) -> int:
        """How many persons match ``query.criteria`` (order and page ignored)."""

    def get_many(self, person_ids: Iterable[PersonId]) -> list[Person]:
        """The stored persons, in the order given; :class:`NotFoundError` names the first
        unknown id (repeated ids give the person again)."""

    def find_page(self, query: Query) -> PageResult[Person]:
        """:meth:`find` with the total number of matches (counted, not materialized)."""

    def find_with_companies(self, query: Query) -> list[tuple[Person, Company | None]]:
        """:meth:`find`, each person with its company (``None`` without one)."""

    def count_by(
        self, query: Query, field_key: str, *, visible_only: bool = False
    ) -> GroupedCounts:
        """How many persons match ``query.criteria`` per value of a list or owner field.

        ``field_key``: ``person.lead_status``, ``person.category``,
        ``person.category_group``, ``person.owner`` or their ``company.*``
        counterparts (persons without company in the ``None`` bucket).
        ``visible_only`` (lead status only): see :class:`GroupedCounts`.
        """


class ListRepository(Protocol):
    """Stores the two admin lists together."""

    def load(self) -> Lists:
        """The current lists."""

    def save(self, lists: Lists) -> Lists:
        """Store lists loaded at ``lists.version``; returns version + 1."""


class SelectionRepository(Protocol):
    """Stores saved selections (see :mod:`leadcore.selections`), versioned like aggregates."""

    def get(self, selection_id: SelectionId) -> Selection:
        """The stored selection; :class:`NotFoundError` when unknown."""

    def add(self, selection: Selection) -> Selection:
        """Store a new selection; returns it with version 1."""

    def save(self, selection: Selection) -> Selection:
        """Store a changed selection loaded at ``selection.version``; returns version + 1."""

    def delete(self, selection_id: SelectionId) -> None:
        """Remove a selection; :class:`NotFoundError` when unknown."""

    def all(self) -> list[Selection]:
        """Every saved selection, by id."""


class AssociateRepository(Protocol):
    """Stores the associates (the users), versioned like aggregates; never deleted, retired."""

    def get(self, associate_id: AssociateId) -> Associate:
        """The stored associate; :class:`NotFoundError` when unknown."""

    def add(self, associate: Associate) -> Associate:
        """Store a new associate; returns it with version 1."""

    def save(self, associate: Associate) -> Associate:
        """Store a changed associate loaded at ``associate.version``; returns version + 1."""

    def all(self) -> list[Associate]:
        """Every stored associate (retired ones included), by id."""


class HistoryRepository(Protocol):
    """The append-only status history."""

    def append(self, entries: Sequence[HistoryEntry]) -> None:
        """Append ``entries`` in order."""

    def for_person(self, person_id: PersonId) -> list[HistoryEntry]:
        """The person's entries, oldest first."""

    def __iter__(self) -> Iterator[HistoryEntry]:
        """Every entry, oldest first."""

    def between(
        self,
        start: datetime | None,
        end: datetime | None,
        persons: Query | None = None,
    ) -> Mapping[PersonId, Sequence[HistoryEntry]]:
        """The entries with ``start <= at < end`` (``None``: unbounded on that side), per person.

        Each person with at least one such entry maps to those entries, oldest
        first (equal ``at``: in append order); persons come in no particular
        order. The sequences are read-only (an adapter may hand out its own).
        With ``persons``, only the stored persons matching ``persons.criteria``
        (evaluated with its ``now`` and current associate; order and page
        ignored), so deleted persons' entries are left out; without it, every
        entry. This unit's own appended entries are included. A database pushes
        the range and the person criteria down (``WHERE at >= ? AND at < ?``
        joined with the persons' criteria, ``ORDER BY person, at, seq``).
        """


class SettingsRepository(Protocol):
    """Installation settings as plain JSON-able values by key."""

    def get(self, key: str, default: object = None) -> object:
        """The value stored under ``key``, or ``default``."""

    def set(self, key: str, value: object) -> None:
        """Store ``value`` under ``key``."""


class UnitOfWork(Protocol):
    """One atomic unit: commits everything or nothing.

    Leaving the ``with`` block without :meth:`commit` rolls back every change.
    What a unit read to decide (a company's category, the lists, the persons of
    a company) must still hold when it commits: an adapter serializes the units
    that write, locks the rows they read, or checks at commit that what they
    read is unchanged and else raises a retryable
    :class:`leadcore.errors.ConflictError`, writing nothing. Units that only
    read should not wait for one another. An adapter may offer
    ``expect_writes()``, which the service calls at the start of each command
    before it reads (the in-memory store then makes the unit its one writer;
    the SQL adapter checks at commit).
    """

    companies: CompanyRepository
    persons: PersonRepository
    lists: ListRepository
    selections: SelectionRepository
    history: HistoryRepository
    settings: SettingsRepository
    associates: AssociateRepository

    def __enter__(self) -> Self:
        """Begin."""

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""

    def commit(self) -> None:
        """Make every change of this unit durable and visible."""

    def rollback(self) -> None:
        """Discard every change since the last commit."""
