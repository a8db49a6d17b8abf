"""The SQL adapter: leadcore's storage on SQLAlchemy Core, for SQLite and PostgreSQL.

Install the extra ``sql`` (SQLite) or ``postgres`` (adds psycopg 3). The tables
are in the public :data:`metadata`; :func:`upgrade_schema` creates or upgrades
them with the Alembic migrations shipped here; :class:`SqlStore` is the store
whose units of work :class:`leadcore.service.LeadService` runs on (or use
``LeadService.sqlite(path)`` / ``LeadService.postgres(url)``); leadcore's schema
revision is kept in the table :data:`VERSION_TABLE`.

>>> from leadcore.adapters.sql import SqlStore, metadata
>>> "persons" in metadata.tables
True
>>> with SqlStore.open(":memory:") as store, store.unit_of_work() as uow:
...     uow.settings.set("theme", "dark")
...     uow.commit()
...     uow.settings.get("theme")
'dark'
"""

from __future__ import annotations

from leadcore.adapters.sql import _engine, _schema
from leadcore.adapters.sql._engine import VERSION_TABLE, make_engine, upgrade_schema
from leadcore.adapters.sql._store import SqlIds, SqlStore, SqlUnitOfWork

__all__ = [
    "MAX_OVERFLOW",
    "POOL_SIZE",
    "POOL_TIMEOUT",
    "VERSION_TABLE",
    "SqlIds",
    "SqlStore",
    "SqlUnitOfWork",
    "make_engine",
    "metadata",
    "upgrade_schema",
]

metadata = _schema.metadata
"""Every table of leadcore's SQL schema, as SQLAlchemy ``MetaData``: an application can
create them beside its own tables, or include them in its own Alembic environment."""

POOL_SIZE = _engine.POOL_SIZE
"""Connections the pool of an engine made by :func:`make_engine` keeps open (10): each unit
of work holds one from its first read to its end."""

MAX_OVERFLOW = _engine.MAX_OVERFLOW
"""Connections such a pool opens beyond :data:`POOL_SIZE` while more units run at once (10)."""

POOL_TIMEOUT = _engine.POOL_TIMEOUT
"""Seconds a unit waits for a connection when all are taken (30); then it is refused with
:class:`leadcore.errors.PersistenceError`."""
