"""The SQL adapter passes the adapter conformance kit: on SQLite always, on PostgreSQL
(127.0.0.1:5432, database ``test``) where it is reachable.

PostgreSQL tests run each in a fresh schema. Where the server is not reachable
they are skipped with the reason; with ``CI=true`` they fail instead.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sql_fixtures import Schemas, fewer_examples, postgres_schemas

from leadcore.adapters.sql import SqlStore
from leadcore.lists import Lists
from leadcore.testing.contract import AdapterContract, UnitOfWorkFactory


@fewer_examples
class TestSqliteAdapter(AdapterContract):
    """Every contract of :mod:`leadcore.testing.contract`, on a fresh SQLite database."""

    @pytest.fixture(autouse=True)
    def _stores(self) -> Iterator[None]:
        self.stores: list[SqlStore] = []
        yield
        for store in self.stores:
            store.close()

    def fresh_factory(self, lists: Lists) -> UnitOfWorkFactory:
        store = SqlStore.open(":memory:", lists=lists)
        self.stores.append(store)
        return store.unit_of_work


@fewer_examples
class TestPostgresAdapter(AdapterContract):
    """Every contract of :mod:`leadcore.testing.contract`, on PostgreSQL, a schema per store."""

    @pytest.fixture(autouse=True)
    def _stores(self) -> Iterator[None]:
        self.stores: list[SqlStore] = []
        with postgres_schemas() as schemas:
            self.schemas: Schemas = schemas
            yield
            for store in self.stores:
                store.close()

    def fresh_factory(self, lists: Lists) -> UnitOfWorkFactory:
        store = SqlStore.open(self.schemas.new_engine(), lists=lists)
        self.stores.append(store)
        return store.unit_of_work
