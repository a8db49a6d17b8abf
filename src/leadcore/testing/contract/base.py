"""What every contract class builds on: the adapter under test (:class:`AdapterBase`),
the factory it returns and the time the kit's records are stamped with.

>>> AT.isoformat()
'2026-01-05T09:00:00+00:00'
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from leadcore.lists import Lists, new_database
from leadcore.model import Company, Person
from leadcore.ports import UnitOfWork

__all__ = ["AT", "AdapterBase", "UnitOfWorkFactory"]


UnitOfWorkFactory = Callable[[], UnitOfWork]
"""Makes a new unit of work over one store."""

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
"""The time the kit's records are stamped with; queries run at ``AT + 30 days``."""


def _lists() -> Lists:
    categories, statuses = new_database()
    return Lists(categories, statuses)


class AdapterBase(abc.ABC):
    """What every contract class needs from the adapter under test."""

    @abc.abstractmethod
    def fresh_factory(self, lists: Lists) -> UnitOfWorkFactory:
        """A factory of units of work over a new, empty store holding ``lists``."""

    def factory(self) -> UnitOfWorkFactory:
        """A new empty store with a new database's lists."""
        return self.fresh_factory(_lists())

    def seeded(
        self, companies: Sequence[Company] = (), persons: Sequence[Person] = ()
    ) -> UnitOfWorkFactory:
        """A new store holding ``companies`` and ``persons`` (committed, version 1)."""
        factory = self.factory()
        with factory() as uow:
            for company in companies:
                uow.companies.add(company)
            for person in persons:
                uow.persons.add(person)
            uow.commit()
        return factory
