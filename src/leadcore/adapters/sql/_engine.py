"""Engines for the SQL adapter: URL and path handling, SQLite settings, the write
transaction, and the schema migrations (private; the public names are re-exported
by :mod:`leadcore.adapters.sql`).

SQLite runs in WAL mode (readers never wait for the writer) with foreign keys on
and ``synchronous=FULL``; a unit of work's write transaction is ``BEGIN
IMMEDIATE``, so writers are serialized and a unit's checks and writes happen
under one lock. PostgreSQL write transactions are ``SERIALIZABLE``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import threading
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import NullPool

from leadcore.adapters.sql._casefold import postgres_casefold_ddl, register_sqlite_casefold
from leadcore.adapters.sql._schema import metadata
from leadcore.errors import ValidationError

__all__ = [
    "MAX_OVERFLOW",
    "MIGRATIONS",
    "POOL_SIZE",
    "POOL_TIMEOUT",
    "VERSION_TABLE",
    "begin_write",
    "make_engine",
    "prepare_engine",
    "upgrade_schema",
]

MIGRATIONS = Path(__file__).parent / "migrations"
"""The Alembic script directory shipped in the package."""

VERSION_TABLE = "leadcore_alembic_version"
"""Where Alembic keeps leadcore's schema revision (not ``alembic_version``, so an
application's own migrations keep theirs)."""

POOL_SIZE = 10
"""Connections an engine made by :func:`make_engine` keeps open (SQLAlchemy's pool)."""

MAX_OVERFLOW = 10
"""Connections it opens beyond ``POOL_SIZE`` while more units run at once (closed again
when given back)."""

POOL_TIMEOUT = 30.0
"""Seconds a unit of work waits for a connection when all of them are taken; then it
is refused with :class:`leadcore.errors.PersistenceError`."""

_POOL = {"pool_size": POOL_SIZE, "max_overflow": MAX_OVERFLOW, "pool_timeout": POOL_TIMEOUT}

_WRITE = "leadcore_write"
_private: weakref.WeakKeyDictionary[Engine, tempfile.TemporaryDirectory[str]] = (
    weakref.WeakKeyDictionary()
)
_prepared: weakref.WeakSet[Engine] = weakref.WeakSet()
_BUSY_MS = 30_000


def make_engine(target: str | os.PathLike[str] | URL | Engine) -> Engine:
    """An engine for ``target``: an :class:`sqlalchemy.engine.Engine` (used as it is), a URL
    (``sqlite:///file``, ``postgresql://...``; plain ``postgresql`` means psycopg 3),
    ``":memory:"`` (a private SQLite database, deleted when the engine is disposed
    or collected), or the path of a SQLite file.

    Each unit of work holds one connection of the engine's pool from its first
    read to its end, and the id generator takes one for a moment now and then.
    The pool made here keeps ``POOL_SIZE`` (10) connections and opens up to
    ``MAX_OVERFLOW`` (10) more while that many units run at once; a unit
    finding all of them taken waits ``POOL_TIMEOUT`` (30) seconds. For other
    figures make the engine yourself (``sqlalchemy.create_engine(url,
    pool_size=...)``) and pass it.

    >>> make_engine("postgresql://postgres@127.0.0.1:5432/test").url.drivername
    'postgresql+psycopg'
    >>> make_engine(":memory:").dialect.name
    'sqlite'
    """
    if isinstance(target, Engine):
        return prepare_engine(target)
    url: URL
    if isinstance(target, URL):
        url = target
    elif isinstance(target, str) and "://" in target:
        try:
            url = make_url(target)
        except (ArgumentError, ValueError) as error:
            raise ValidationError(
                f"bad database URL {target!r}",
                why=str(error),
                fix="Pass sqlite:///path/to/file.db, postgresql://user@host/db, or a file path",
            ) from None
    elif str(target) == ":memory:":
        return _private_sqlite()
    else:
        url = URL.create("sqlite", database=os.fspath(target))
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            return _private_sqlite()
        return prepare_engine(
            create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **_POOL)
        )
    if url.get_backend_name() != "postgresql":
        raise ValidationError(
            f"unsupported database {url.get_backend_name()!r}",
            why="leadcore's SQL adapter supports SQLite and PostgreSQL",
            fix="Pass a sqlite:/// or postgresql:// URL, or a SQLite file path",
            url=url.render_as_string(hide_password=True),
        )
    return prepare_engine(create_engine(url, pool_pre_ping=True, **_POOL))


def _private_sqlite() -> Engine:
    """A SQLite database in a temporary directory that goes with the engine.

    A file (not SQLite's ``:memory:``) so that every unit of work has its own
    connection and WAL isolation, as with any other file.
    """
    directory = tempfile.TemporaryDirectory(prefix="leadcore-sql-")
    path = Path(directory.name) / "leadcore.db"
    template = _template()
    if template is not None:
        shutil.copyfile(template, path)
    engine = create_engine(
        URL.create("sqlite", database=str(path)),
        connect_args={"check_same_thread": False, "timeout": 30},
        **_POOL,
    )
    _private[engine] = directory  # nothing to keep after a crash: no fsync
    weakref.finalize(engine, directory.cleanup)
    return prepare_engine(engine)


_template_path: Path | None = None
_template_lock = threading.Lock()


def _template() -> Path | None:
    """A SQLite file holding the newest empty schema, made once per process, that private
    databases start as a copy of (``None`` while it is being made)."""
    global _template_path
    if _template_path is not None:
        return _template_path
    if not _template_lock.acquire(blocking=False):
        return None
    try:
        directory = tempfile.TemporaryDirectory(prefix="leadcore-sql-template-")
        path = Path(directory.name) / "template.db"
        engine = prepare_engine(
            create_engine(URL.create("sqlite", database=str(path)), poolclass=NullPool)
        )
        _private[engine] = directory
        upgrade_schema(engine)
        engine.dispose()
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _keep.append(directory)
        _template_path = path
        return path
    finally:
        _template_lock.release()


_keep: list[tempfile.TemporaryDirectory[str]] = []


def prepare_engine(engine: Engine) -> Engine:
    """Install leadcore's connection settings on ``engine`` (once; SQLite only needs any).

    PostgreSQL: every session runs in UTC. SQLite: the driver's own transaction
    handling is switched off and leadcore emits ``BEGIN`` (reads) or
    ``BEGIN IMMEDIATE`` (a unit's write transaction).
    """
    if engine in _prepared:
        return engine
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "connect")
        def _utc(dbapi_connection: Any, _record: Any) -> None:
            # psycopg reads timestamptz in the session's zone: in a +14 session
            # 9999-12-31T23:00Z would be read as the year 10000 and refused.
            cursor = dbapi_connection.cursor()
            cursor.execute("SET TIME ZONE 'UTC'")
            cursor.close()
            dbapi_connection.commit()

    if engine.dialect.name != "sqlite":
        _prepared.add(engine)
        return engine

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA synchronous={'OFF' if engine in _private else 'FULL'}")
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_MS}")
        cursor.close()
        register_sqlite_casefold(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    _prepared.add(engine)
    return engine


def begin_write(engine: Engine) -> Connection:
    """A new connection whose first statement begins a write transaction:
    ``BEGIN IMMEDIATE`` on SQLite (one writer at a time), ``SERIALIZABLE`` on PostgreSQL."""
    connection = engine.connect()
    if engine.dialect.name == "sqlite":
        connection.execution_options(**{_WRITE: True})
    else:
        connection.execution_options(isolation_level="SERIALIZABLE")
    return connection


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision of the migrations shipped in the package.

    >>> head_revision()
    '0003'
    """
    global _head
    if _head is None:
        from alembic.script import ScriptDirectory

        found = ScriptDirectory(str(MIGRATIONS)).get_current_head()
        if found is None:  # pragma: no cover - the package ships its migrations
            raise RuntimeError(f"no migrations in {MIGRATIONS}")
        _head = found
    return _head


_head: str | None = None


def upgrade_schema(target: str | os.PathLike[str] | URL | Engine, revision: str = "head") -> Engine:
    """Create or upgrade leadcore's tables in ``target`` to ``revision``; returns the engine.

    Runs the Alembic migrations shipped in the package in one transaction (an
    empty database gets the newest schema at once, stamped with its revision);
    an up-to-date database is left as it is. ``target`` is what
    :func:`make_engine` takes; ``revision`` an Alembic revision ("head": the newest).

    >>> from sqlalchemy import inspect
    >>> engine = upgrade_schema(":memory:")
    >>> sorted(inspect(engine).get_table_names()) == sorted([*metadata.tables, VERSION_TABLE])
    True
    >>> current_revision(engine) == head_revision()
    True
    """
    engine = make_engine(target)
    wanted = head_revision() if revision == "head" else revision
    if current_revision(engine) == wanted:
        return engine
    from alembic import command
    from sqlalchemy import inspect

    with begin_write(engine) as connection:
        config = _alembic_config(connection)
        fresh = revision == "head" and not set(inspect(connection).get_table_names()) & {
            *metadata.tables,
            VERSION_TABLE,
        }
        if fresh:  # the head's schema in one step (tests prove it equals the migrations')
            metadata.create_all(connection)
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(postgres_casefold_ddl())
            command.stamp(config, "head")
        else:
            command.upgrade(config, revision)
        connection.commit()
    return engine


def current_revision(engine: Engine) -> str | None:
    """The schema revision of ``engine``'s database (``None``: no leadcore tables)."""
    from sqlalchemy import inspect, text

    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        found = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
        return None if found is None else str(found)
