"""The SQL store and its unit of work (private; re-exported by :mod:`leadcore.adapters.sql`).

A unit of work reads through its own connection and keeps its changes in Python
until it commits (or until it runs a query, which must see them). Then it opens
the write transaction (``BEGIN IMMEDIATE`` on SQLite, ``SERIALIZABLE`` on
PostgreSQL), checks that every record it read still has the version it read
(and every company's persons it listed are still the same), writes its changes
and commits; from a query on, it writes through that transaction. A stale copy
raises :class:`leadcore.errors.ConflictError` and writes nothing.

Units do not wait for one another in the process: each holds a connection of
the engine's pool from its first read to its end, so reads run side by side
(SQLite's WAL lets them run beside the one writer). What a unit read to decide
is kept valid by the checks at its commit and by the database's isolation of
the write transaction, in one process as across processes; a unit whose commit
finds that something it read changed writes nothing and raises a retryable
:class:`leadcore.errors.ConflictError`. The only lock left is the id
generator's (:class:`SqlIds`, its per-kind counters and blocks).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Self

import attrs
from sqlalchemy import (
    Connection,
    Engine,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from leadcore.adapters._base import UnitOfWorkBase
from leadcore.adapters.sql import _repositories
from leadcore.adapters.sql._engine import begin_write, make_engine, prepare_engine, upgrade_schema
from leadcore.adapters.sql._rows import (
    category_rows,
    converter,
    lists_from_rows,
    selection_document,
    status_rows,
)
from leadcore.adapters.sql._schema import (
    associates,
    categories,
    companies,
    deleted_persons,
    history,
    id_counters,
    lead_statuses,
    lists,
    persons,
    selections,
    settings,
)
from leadcore.adapters.sql._unit import Pending
from leadcore.clock import SystemClock
from leadcore.errors import (
    CompanyHasPersons,
    ConcurrentChangeError,
    ConflictError,
    PersistenceError,
)
from leadcore.history import HistoryEntry
from leadcore.lists import Lists, new_database
from leadcore.ports import (
    AssociateRepository,
    Clock,
    CompanyRepository,
    HistoryRepository,
    ListRepository,
    PersonRepository,
    SelectionRepository,
    SettingsRepository,
)

__all__ = ["SqlIds", "SqlStore", "SqlUnitOfWork"]

_MAX_BLOCK = 1024
"""The most ids a PostgreSQL store reserves at once (see :meth:`SqlIds._block_size`)."""

_CHUNK = 500
"""Ids per ``IN (...)`` list (SQLite limits bound parameters per statement)."""

TABLES: dict[str, Table] = {
    "company": companies,
    "person": persons,
    "selection": selections,
    "associate": associates,
}
"""The table of each versioned record kind (also the id kinds of :class:`SqlIds`)."""


def _chunks(ids: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _updater(table: Table) -> Any:
    """``UPDATE table SET every column WHERE id = :b_id`` for executemany."""
    return (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values({c.name: bindparam(c.name) for c in table.c if c.name != "id"})
    )


_UPDATERS = {kind: _updater(table) for kind, table in TABLES.items()}


class SqlStore:
    """Leadcore's storage in a SQL database (SQLite or PostgreSQL) through SQLAlchemy Core.

    Open one with :meth:`open` (it creates or upgrades the schema) and give
    :meth:`unit_of_work` to :class:`leadcore.service.LeadService`, with
    :meth:`ids` as its id generator:

    >>> store = SqlStore.open(":memory:")
    >>> with store.unit_of_work() as uow:
    ...     uow.lists.load().version
    1
    >>> store.ids().next_id("company")
    1
    >>> store.close()
    """

    def __init__(
        self, engine: Engine, *, lists: Lists | None = None, clock: Clock | None = None
    ) -> None:
        """A store over ``engine``, whose schema is up to date (see :meth:`open`).

        The engine gets leadcore's connection settings (:func:`prepare_engine`;
        pass one that has not connected yet, or one from :func:`make_engine`).
        ``lists`` are stored when the database holds none yet (a new database's
        lists by default); ``clock`` gives the time of queries without one.
        """
        self.engine = prepare_engine(engine)
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.dialect = engine.dialect.name
        self._lists_cache: Lists | None = None
        self._closed = False
        self._ids: SqlIds | None = None
        if lists is None:
            lists = Lists(*new_database())
        self._store_first_lists(lists)

    @classmethod
    def open(
        cls,
        target: str | os.PathLike[str] | URL | Engine,
        *,
        lists: Lists | None = None,
        clock: Clock | None = None,
    ) -> SqlStore:
        """Open the database ``target`` (a URL, a SQLite path, ``":memory:"`` or an engine),
        creating or upgrading leadcore's tables first (:func:`upgrade_schema`)."""
        return cls(upgrade_schema(make_engine(target)), lists=lists, clock=clock)

    def _store_first_lists(self, made: Lists) -> None:
        with self.engine.connect() as connection:
            if connection.execute(select(lists.c.version)).first() is not None:
                return
        version = max(made.version, 1)
        try:
            with begin_write(self.engine) as connection:
                if connection.execute(select(lists.c.version)).first() is None:
                    _write_lists(connection, attrs.evolve(made, version=version), first=True)
                    counted = set(connection.execute(select(id_counters.c.kind)).scalars())
                    fresh = [{"kind": k, "last": 0} for k in TABLES if k not in counted]
                    if fresh:  # so that commits only ever update them
                        connection.execute(insert(id_counters), fresh)
                connection.commit()
        except IntegrityError:  # another process stored them first
            pass

    def unit_of_work(self) -> SqlUnitOfWork:
        """A new unit of work on this store; use it as a context manager."""
        return SqlUnitOfWork(self)

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called.

        >>> store = SqlStore.open(":memory:")
        >>> store.close()
        >>> store.closed
        True
        """
        return self._closed

    def ids(self) -> SqlIds:
        """The store's id generator (one per store)."""
        if self._ids is None:
            self._ids = SqlIds(self)
        return self._ids

    def max_id(self, kind: str) -> int:
        """The highest id of ``kind`` ever stored or handed out (0 when none)."""
        with self.engine.connect() as connection:
            counted = connection.execute(
                select(id_counters.c.last).where(id_counters.c.kind == kind)
            ).scalar()
            stored = 0
            table = TABLES.get(kind)
            if table is not None:
                stored = connection.execute(select(func.max(table.c.id))).scalar() or 0
        return max(counted or 0, stored)

    def close(self) -> None:
        """Release the database connections (calling it again does nothing)."""
        if not self._closed:
            self._closed = True
            self.engine.dispose()

    def __enter__(self) -> Self:
        """The store itself; leaving the block closes it."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close the store."""
        self.close()

    def cached_lists(self, version: int, load: Any) -> Lists:
        """The lists at ``version``, read with ``load()`` only when not cached."""
        cached = self._lists_cache
        if cached is not None and cached.version == version:
            return cached
        loaded: Lists = load()
        if loaded.version == version:
            self._lists_cache = loaded
        return loaded


class SqlIds:
    """New ids per kind from the database: never handed out twice, deleted ids included.

    PostgreSQL: each id is taken from the ``id_counters`` row of its kind in a
    short transaction of its own, so processes sharing the database never
    collide. SQLite: ids are counted in the process, from the highest id stored
    or counted; a commit records the highest id it stored in ``id_counters``
    (one process writes a SQLite file; a second one's clash is a conflict).

    >>> with SqlStore.open(":memory:") as store:
    ...     ids = store.ids()
    ...     ids.next_id("person"), ids.next_id("person"), ids.next_id("company")
    (1, 2, 1)
    """

    def __init__(self, store: SqlStore) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._last: dict[str, int] = {}
        self._known: set[str] = set()
        self._block: dict[str, tuple[int, int]] = {}
        """PostgreSQL: per kind, the next id of the reserved block and its last id."""
        self._size: dict[str, tuple[int, float]] = {}
        """PostgreSQL: per kind, the size of the next block and when the last one was taken."""

    def next_id(self, kind: str) -> int:
        """A fresh id for ``kind``."""
        with self._lock:
            if self._store.dialect == "sqlite":
                last = self._last.get(kind)
                if last is None:
                    last = self._store.max_id(kind)
                self._last[kind] = last + 1
                return last + 1
            following, end = self._block.get(kind, (1, 0))
            if following > end:
                size = self._block_size(kind)
                end = self._next_from_database(kind, size)
                following = end - size + 1
            self._block[kind] = (following + 1, end)
            return following

    def _block_size(self, kind: str) -> int:
        """1 for an id now and then; doubling up to 1024 while ids are asked for in a
        stream (an import), so a bulk load does not pay a round trip per id. Ids of a
        block a process never uses are skipped, never handed out."""
        now = time.monotonic()
        size, taken = self._size.get(kind, (1, 0.0))
        size = min(size * 2, _MAX_BLOCK) if now - taken < 1.0 else 1
        self._size[kind] = (size, now)
        return size

    def _next_from_database(self, kind: str, count: int) -> int:
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        engine = self._store.engine
        with _connected(engine.connect) as connection:
            if kind not in self._known:
                connection.execute(
                    pg_insert(id_counters)
                    .values(kind=kind, last=0)
                    .on_conflict_do_nothing(index_elements=["kind"])
                )
                self._known.add(kind)
            table = TABLES.get(kind)
            floor: Any = id_counters.c.last
            if table is not None:
                stored = select(func.coalesce(func.max(table.c.id), 0)).scalar_subquery()
                floor = func.greatest(id_counters.c.last, stored)
            value = connection.execute(
                update(id_counters)
                .where(id_counters.c.kind == kind)
                .values(last=floor + count)
                .returning(id_counters.c.last)
            ).scalar_one()
            connection.commit()
        return int(value)


class SqlUnitOfWork(UnitOfWorkBase):
    """One database transaction's worth of changes; see the module docstring.

    >>> from leadcore.errors import ConflictError
    >>> with SqlStore.open(":memory:") as store:
    ...     with store.unit_of_work() as first, store.unit_of_work() as second:
    ...         mine, theirs = first.lists.load(), second.lists.load()
    ...         _ = second.lists.save(theirs)
    ...         second.commit()
    ...         _ = first.lists.save(mine)            # kept in the unit until its commit
    ...         try:
    ...             first.commit()
    ...         except ConflictError as error:
    ...             print(error.context["expected"], error.context["actual"])
    1 2
    """

    def __init__(self, store: SqlStore) -> None:
        """A unit on ``store`` (made by :meth:`SqlStore.unit_of_work`)."""
        super().__init__()
        self._store = store
        self._conn: Connection | None = None
        self._writing = False
        self._pending = Pending()
        self._seen: dict[str, dict[int, int]] = {kind: {} for kind in (*TABLES, "lists")}
        """The version of each record as first read from the database (0: absent)."""
        self._members: dict[int, tuple[tuple[int, int], ...]] = {}
        """The (id, version) of each listed company's persons, as read from the database."""
        self._cache: dict[str, dict[int, Any]] = {kind: {} for kind in TABLES}
        """Records read before the unit writes, by kind and id (``None``: not stored)."""
        self._highest: dict[str, int] = {}
        """The highest stored id per kind, read once before the unit writes."""
        self._inserted: dict[str, int] = {}
        """The highest id this unit stored per kind (recorded in ``id_counters`` at commit)."""
        self.deleted: dict[str, set[int]] = {"company": set(), "person": set()}
        """Ids deleted in this unit (they cannot be added again in it)."""
        companies = _repositories.Companies(self)
        self.companies: CompanyRepository = companies
        self.persons: PersonRepository = _repositories.Persons(self, companies)
        self.lists: ListRepository = _repositories.ListsRepository(self)
        self.selections: SelectionRepository = _repositories.Selections(self)
        self.history: HistoryRepository = _repositories.History(self)
        self.settings: SettingsRepository = _repositories.Settings(self)
        self.associates: AssociateRepository = _repositories.Associates(self)

    @property
    def store(self) -> SqlStore:
        """The store this unit works on."""
        return self._store

    @property
    def pending(self) -> Pending:
        """The changes not written yet (for the repositories)."""
        return self._pending

    @property
    def clock(self) -> Clock:
        """The store's clock: the time of queries that carry none."""
        return self._store.clock

    def _write_changes(self) -> None:
        """Check the versions read, write every change and commit, in one transaction.

        On a conflict nothing is written (and :meth:`commit` drops the unit's changes).
        """
        if self._writing or not self._pending.is_empty():
            connection = self._write_connection()
            with _translated():
                # last, so that no id is asked for while the counters are locked
                for kind, used in sorted(self._inserted.items()):
                    _raise_counter(connection, kind, used)
                connection.commit()

    def rollback(self) -> None:
        """Drop every change since the last commit."""
        self._reset()

    def _reset(self) -> None:
        connection, self._conn = self._conn, None
        self._writing = False
        self._pending = Pending()
        for seen in self._seen.values():
            seen.clear()
        self._members.clear()
        self._inserted.clear()
        self._forget_reads()
        for ids in self.deleted.values():
            ids.clear()
        if connection is not None:
            with contextlib.suppress(DBAPIError):
                connection.rollback()
            connection.close()

    # --- for the repositories ---------------------------------------------------------------

    @property
    def writing(self) -> bool:
        """True once the unit writes through its open write transaction."""
        return self._writing

    def connection(self) -> Connection:
        """The connection to read with (the write transaction's once writing)."""
        if self._store.closed:
            raise PersistenceError(
                "the SQL store is closed",
                committed=False,
                why="close() released its connections",
                fix="Open the store again",
            )
        if self._conn is None:
            self._conn = _connected(self._store.engine.connect)
        return self._conn

    def query_connection(self) -> Connection:
        """The connection a query runs on: it must see the unit's own changes,
        so pending changes are written first (the unit then writes through)."""
        if not self._pending.is_empty():
            return self._write_connection()
        return self.connection()

    def note(self, kind: str, record_id: int, version: int) -> None:
        """Remember the version a record had when this unit first read it."""
        if not self._writing:
            self._seen[kind].setdefault(record_id, version)

    def read_cache(self, kind: str) -> dict[int, Any] | None:
        """The records of ``kind`` read so far (``None`` once the unit writes through)."""
        return None if self._writing else self._cache[kind]

    def highest_id(self, kind: str, table: Table) -> int | None:
        """The highest id of ``kind`` stored when the unit first asked (``None`` once it
        writes through): a higher id is not stored, as far as this unit can see."""
        if self._writing:
            return None
        found = self._highest.get(kind)
        if found is None:
            found = self.connection().execute(select(func.max(table.c.id))).scalar() or 0
            self._highest[kind] = found
        return found

    def _forget_reads(self) -> None:
        for cached in self._cache.values():
            cached.clear()
        self._highest.clear()

    def note_members(self, company_id: int, members: tuple[tuple[int, int], ...]) -> None:
        """Remember the persons (id, version) a company had when this unit listed them."""
        if not self._writing:
            self._members.setdefault(company_id, members)

    def changed(self) -> None:
        """Called after each change: once writing, changes go straight to the database."""
        if self._writing:
            connection = self._conn
            assert connection is not None
            try:
                with _translated():
                    self._flush(connection)
            except BaseException:
                self._reset()
                raise

    def load_lists(self) -> Lists:
        """The stored lists (read with this unit's connection)."""
        connection = self.connection()
        row = connection.execute(select(lists.c.version, lists.c.default_status_id)).one()
        version, default_id = row

        def load() -> Lists:
            cats = connection.execute(select(categories).order_by(categories.c.position))
            stats = connection.execute(select(lead_statuses).order_by(lead_statuses.c.position))
            made = lists_from_rows(
                [dict(r) for r in cats.mappings()], [dict(r) for r in stats.mappings()], default_id
            )
            return Lists(*made, version=version)

        self.note("lists", 1, version)
        return self._store.cached_lists(version, load)

    # --- the write transaction --------------------------------------------------------------

    def _write_connection(self) -> Connection:
        if self._writing:
            assert self._conn is not None
            return self._conn
        if self._conn is not None:
            with contextlib.suppress(DBAPIError):
                self._conn.rollback()
            self._conn.close()
            self._conn = None
        engine = self._store.engine
        connection = _connected(lambda: begin_write(engine))
        self._conn = connection
        try:
            with _translated():
                self._check_versions(connection)
                self._flush(connection)
        except BaseException:
            self._reset()
            raise
        self._writing = True
        return connection

    def _check_versions(self, connection: Connection) -> None:
        for kind, seen in self._seen.items():
            if not seen:
                continue
            if kind == "lists":
                actual = connection.execute(select(lists.c.version)).scalar_one()
                if actual != seen[1]:
                    raise ConflictError("lists", "lists", seen[1], actual)
                continue
            table = TABLES[kind]
            ids = sorted(seen)
            found: dict[int, int] = {}
            for chunk in _chunks(ids):
                rows = connection.execute(
                    select(table.c.id, table.c.version).where(table.c.id.in_(chunk))
                )
                found.update((row[0], row[1]) for row in rows)
            for record_id in ids:
                actual = found.get(record_id, 0)
                if actual != seen[record_id]:
                    raise ConflictError(kind, record_id, seen[record_id], actual)
        for company_id, members in sorted(self._members.items()):
            now = tuple(
                (row[0], row[1])
                for row in connection.execute(
                    select(persons.c.id, persons.c.version)
                    .where(persons.c.company_id == company_id)
                    .order_by(persons.c.id)
                )
            )
            if now != members:
                raise ConcurrentChangeError(
                    f"the persons of company {company_id} changed since this unit listed them",
                    company_id=company_id,
                )

    def _flush(self, connection: Connection) -> None:
        pending, self._pending = self._pending, Pending()
        self._forget_reads()
        self._write_records(connection, "company", pending.companies, pending.new["company"])
        self._write_records(connection, "person", pending.persons, pending.new["person"])
        if pending.deleted_persons:
            for chunk in _chunks(sorted(pending.deleted_persons)):
                connection.execute(delete(persons).where(persons.c.id.in_(chunk)))
                known = set(
                    connection.execute(
                        select(deleted_persons.c.id).where(deleted_persons.c.id.in_(chunk))
                    ).scalars()
                )
                if fresh := [{"id": i} for i in chunk if i not in known]:
                    connection.execute(insert(deleted_persons), fresh)
        if pending.deleted_companies:
            self._delete_companies(connection, sorted(pending.deleted_companies))
        kept = {k: v for k, v in pending.selections.items() if v is not None}
        gone = sorted(k for k, v in pending.selections.items() if v is None)
        self._write_records(connection, "selection", kept, pending.new["selection"])
        for chunk in _chunks(gone):
            connection.execute(delete(selections).where(selections.c.id.in_(chunk)))
        self._write_records(connection, "associate", pending.associates, pending.new["associate"])
        if pending.lists is not None:
            _write_lists(connection, pending.lists)
        if pending.settings:
            keys = sorted(pending.settings)
            for chunk in _chunks(keys):
                connection.execute(delete(settings).where(settings.c.key.in_(chunk)))
            connection.execute(
                insert(settings), [{"key": k, "value": pending.settings[k]} for k in keys]
            )
        if pending.history:
            connection.execute(
                insert(history), [converter.unstructure(e, HistoryEntry) for e in pending.history]
            )
        for kind, ids in pending.new.items():
            if ids:
                self._inserted[kind] = max(self._inserted.get(kind, 0), max(ids))

    def _write_records(
        self, connection: Connection, kind: str, records: dict[int, Any], new: set[int]
    ) -> None:
        if not records:
            return
        table = TABLES[kind]
        added = sorted(i for i in records if i in new)
        if added:
            highest = connection.execute(select(func.max(table.c.id))).scalar() or 0
            for chunk in _chunks([i for i in added if i <= highest]):
                taken = connection.execute(select(table.c.id).where(table.c.id.in_(chunk))).first()
                if taken is not None:
                    raise ConflictError(kind, taken[0], 0, 1)
            connection.execute(insert(table), [self._row(kind, records[i]) for i in added])
        changed = [i for i in records if i not in new]
        if changed:
            rows = []
            for record_id in changed:
                row = self._row(kind, records[record_id])
                row["b_id"] = row.pop("id")
                rows.append(row)
            connection.execute(_UPDATERS[kind], rows)

    @staticmethod
    def _row(kind: str, record: Any) -> dict[str, Any]:
        if kind == "selection":
            return {
                "id": record.id,
                "kind": _repositories.selection_kind(record),
                "name": record.name,
                "version": record.version,
                "document": selection_document(record),
            }
        row: dict[str, Any] = converter.unstructure(record)
        return row

    @staticmethod
    def _delete_companies(connection: Connection, ids: list[int]) -> None:
        for chunk in _chunks(ids):
            left = connection.execute(
                select(persons.c.company_id, func.count())
                .where(persons.c.company_id.in_(chunk))
                .group_by(persons.c.company_id)
            ).first()
            if left is not None:
                raise CompanyHasPersons(left[0], left[1])
            connection.execute(delete(companies).where(companies.c.id.in_(chunk)))


def _write_lists(connection: Connection, stored: Lists, *, first: bool = False) -> None:
    values = {"version": stored.version, "default_status_id": stored.statuses.default_id}
    if first:
        connection.execute(insert(lists).values(id=1, **values))
    else:
        connection.execute(update(lists).where(lists.c.id == 1).values(**values))
        connection.execute(delete(categories))
        connection.execute(delete(lead_statuses))
    cats, stats = category_rows(stored.categories), status_rows(stored.statuses)
    if cats:
        connection.execute(insert(categories), cats)
    if stats:
        connection.execute(insert(lead_statuses), stats)


def _raise_counter(connection: Connection, kind: str, used: int) -> None:
    """Record that ids of ``kind`` up to ``used`` are taken (inside the write transaction;
    a counter already there, as when the generator handed the id out, is not written)."""
    done = connection.execute(
        update(id_counters)
        .where(id_counters.c.kind == kind, id_counters.c.last < used)
        .values(last=used)
    )
    if done.rowcount == 0:
        exists = connection.execute(
            select(id_counters.c.last).where(id_counters.c.kind == kind)
        ).first()
        if exists is None:
            connection.execute(insert(id_counters).values(kind=kind, last=used))


def _connected(connect: Callable[[], Connection]) -> Connection:
    """``connect()``, a connection of the engine's pool; a pool that stays exhausted is a
    :class:`PersistenceError` (nothing was written) instead of SQLAlchemy's own error."""
    try:
        return connect()
    except PoolTimeout as error:
        raise PersistenceError(
            "no database connection became free: nothing was done",
            committed=False,
            why=f"every connection of the engine's pool stayed in use ({error})",
            fix="Run the command again; if it keeps happening, give the engine a larger "
            "pool (pool_size=, max_overflow=) or run fewer units of work at once",
        ) from error


_RETRYABLE = {"40001", "40P01"}


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    """Database errors of a write as leadcore errors (nothing was written)."""
    try:
        yield
    except IntegrityError as error:
        raise ConcurrentChangeError(_detail(error)) from error
    except DBAPIError as error:
        state = getattr(error.orig, "sqlstate", None)
        if state in _RETRYABLE:
            raise ConcurrentChangeError(_detail(error), sqlstate=state) from error
        locked = isinstance(error, OperationalError) and "locked" in str(error.orig)
        raise PersistenceError(
            "the database refused the unit of work's commit",
            committed=False,
            why=(
                "another writer kept the SQLite database locked too long"
                if locked
                else _detail(error)
            ),
            fix="Nothing was written: check the database and run the command again",
        ) from error


def _detail(error: DBAPIError) -> str:
    return str(error.orig).strip().splitlines()[0] if error.orig is not None else str(error)
