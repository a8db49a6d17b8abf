"""Private helpers of :mod:`leadcore.service`: one command's unit of work, and the
member source selections are resolved through.

Not public API: import :class:`leadcore.service.LeadService` instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from leadcore.criteria.ast import Criterion
from leadcore.errors import PersistenceError
from leadcore.history import DomainEvent
from leadcore.model import Company, CompanyId, Person, PersonId, SelectionId
from leadcore.ports import EventPublisher, UnitOfWork
from leadcore.queries import Query
from leadcore.rules import Outcome
from leadcore.selections import Selection

__all__ = ["Command", "RepositorySource", "run_command"]


class Command:
    """The open unit of work of one command, the events it caused and what it saved."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.events: list[DomainEvent] = []
        self.companies: dict[CompanyId, Company] = {}
        self.persons: dict[PersonId, Person] = {}

    def apply(self, outcome: Outcome) -> None:
        """Save the changed aggregates, append the history entries, collect the events."""
        for company in outcome.companies:
            self.companies[company.id] = self.uow.companies.save(company)
        if outcome.persons:
            for person in self.uow.persons.save_many(outcome.persons):
                self.persons[person.id] = person
        history = outcome.history
        if history:
            self.uow.history.append(history)
        self.events.extend(outcome.events)


@contextmanager
def run_command(
    factory: Callable[[], UnitOfWork], publisher: EventPublisher | None
) -> Iterator[Command]:
    """Open a unit of work; commit when the block ends normally, then publish the events.

    An exception inside the block leaves the unit without commit: everything
    rolls back and nothing is published. A :class:`PersistenceError` raised
    after the change took effect (``committed``) still publishes the events.
    A unit that offers ``expect_writes()`` (both adapters do) is told before its
    first read that it will change data.
    """
    uow = factory()
    with uow:
        expect_writes = getattr(uow, "expect_writes", None)
        if expect_writes is not None:
            expect_writes()
        command = Command(uow)
        yield command
        try:
            uow.commit()
        except PersistenceError as error:
            if error.committed:  # the change stands: its events must not be lost
                _publish(publisher, command.events)
            raise
    _publish(publisher, command.events)


def _publish(publisher: EventPublisher | None, events: Sequence[DomainEvent]) -> None:
    if events and publisher is not None:
        publisher.publish(tuple(events))


class RepositorySource:
    """A :class:`leadcore.selections.MemberSource` over one unit of work."""

    def __init__(
        self,
        uow: UnitOfWork,
        person_query: Callable[[Criterion], Query],
        company_query: Callable[[Criterion], Query],
    ) -> None:
        self._uow = uow
        self._person_query = person_query
        self._company_query = company_query
        self._persons_of: dict[CompanyId, Sequence[PersonId]] = {}

    def selection(self, selection_id: SelectionId) -> Selection:
        """The saved selection."""
        return self._uow.selections.get(selection_id)

    def find_companies(self, criteria: Criterion) -> frozenset[CompanyId]:
        """Ids of the matching companies."""
        return frozenset(c.id for c in self._uow.companies.find(self._company_query(criteria)))

    def find_persons(self, criteria: Criterion) -> frozenset[PersonId]:
        """Ids of the matching persons."""
        return frozenset(p.id for p in self._uow.persons.find(self._person_query(criteria)))

    def persons_of(self, company_id: CompanyId) -> Sequence[PersonId]:
        """The company's person ids, lowest first."""
        known = self._persons_of.get(company_id)
        if known is None:
            known = sorted(p.id for p in self._uow.persons.of_company(company_id))
            self._persons_of[company_id] = known
        return known

    def company_of(self, person_id: PersonId) -> CompanyId | None:
        """The person's company id."""
        return self._uow.persons.get(person_id).company_id
