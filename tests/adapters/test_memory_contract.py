"""The in-memory adapter passes the adapter conformance kit."""

from __future__ import annotations

from leadcore.adapters.memory import InMemoryStore
from leadcore.lists import Lists
from leadcore.testing.contract import AdapterContract, UnitOfWorkFactory


class TestInMemoryAdapter(AdapterContract):
    """Every contract of :mod:`leadcore.testing.contract`, on a fresh in-memory store."""

    def fresh_factory(self, lists: Lists) -> UnitOfWorkFactory:
        store = InMemoryStore(lists)
        return store.unit_of_work
