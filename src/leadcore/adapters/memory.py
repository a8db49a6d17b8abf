"""The in-memory adapter: leadcore's embedded default storage.

An :class:`InMemoryStore` holds the committed state; each
:class:`InMemoryUnitOfWork` keeps its changes in a private overlay (the changed
aggregates, appended history, changed settings) and applies them to the store on
:meth:`~InMemoryUnitOfWork.commit`, after checking that nobody committed a newer
version of anything it changed. Leaving the ``with`` block without committing
drops the overlay: nothing of it ever reached the store or its indexes.

Reads never wait for one another: each repository call holds the store's
lock shared (:mod:`._state_lock`). One unit at a time changes data: a command
(:meth:`~InMemoryUnitOfWork.expect_writes`) is the store's writer from before
its first read to its end, so what it decided on still holds at its commit; a
unit that did not declare itself commits only if nothing was committed since
its first read (else :class:`leadcore.errors.ConcurrentChangeError`, retryable).

>>> from datetime import datetime, timezone
>>> from leadcore.model import Company, CompanyId, Person, PersonId
>>> at = datetime(2026, 1, 5, tzinfo=timezone.utc)
>>> store = InMemoryStore()
>>> with store.unit_of_work() as uow:
...     acme = uow.companies.add(Company(CompanyId(1), "Acme", None, at, at))
...     ann = uow.persons.add(Person(PersonId(1), acme.id, "Ann", "Ash", at, at))
...     uow.commit()
>>> with store.unit_of_work() as uow:
...     uow.persons.get(PersonId(1)).version
1
>>> with store.unit_of_work() as uow:
...     _ = uow.persons.save(ann)            # ann is version 1: fine, stores 2
...     uow.persons.save(ann)                # the same stale copy again
Traceback (most recent call last):
...
leadcore.errors.ConflictError: person 1 was changed by someone else (version 2, yours 1): ...
>>> with store.unit_of_work() as uow:       # the failed unit left no trace
...     uow.persons.get(PersonId(1)).version
1
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Self

from leadcore import _collector
from leadcore.adapters import _memory_durable, _memory_lock
from leadcore.adapters._base import UnitOfWorkBase
from leadcore.adapters._memory_durable import Durability
from leadcore.adapters._memory_file import Change, FileFormatError
from leadcore.adapters._memory_lock import FileInUseError, os_error
from leadcore.adapters._memory_query import QueryContext
from leadcore.adapters._memory_repositories import (
    Associates,
    Companies,
    History,
    ListsRepository,
    Persons,
    Selections,
    Settings,
)
from leadcore.adapters._memory_state import IndexMismatch, MemoryState, Pending
from leadcore.adapters._state_lock import StateLock
from leadcore.adapters._versions import bump, bump_person
from leadcore.clock import SequentialIds, SystemClock
from leadcore.errors import ConcurrentChangeError, PersistenceError, ValidationError
from leadcore.history import HistoryEntry
from leadcore.lists import Lists
from leadcore.model import Company, CompanyId, Person, PersonId
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
from leadcore.queries import Query

__all__ = [
    "FileFormatError",
    "FileInUseError",
    "InMemoryStore",
    "InMemoryUnitOfWork",
    "IndexMismatch",
    "PersistenceError",
]

_log = logging.getLogger("leadcore")


class InMemoryStore:
    """Committed state, its indexes, and the factory of units of work.

    ``lists`` are the category and lead-status lists to start with (a new
    database's lists by default); ``clock`` supplies ``now`` for queries that do
    not carry one.

    >>> store = InMemoryStore()
    >>> with store.unit_of_work() as uow:
    ...     uow.lists.load().statuses.default.name
    'Open'
    """

    def __init__(self, lists: Lists | None = None, *, clock: Clock | None = None) -> None:
        self._setup(MemoryState(lists), clock)

    def _setup(self, state: MemoryState, clock: Clock | None) -> None:
        self.clock: Clock = clock if clock is not None else SystemClock()
        self._state = state
        """The committed records and their indexes (:mod:`._memory_state`)."""
        self._durable = Durability(state)
        """The file, its journal and compaction (:mod:`._memory_durable`)."""
        self.dropped: list[str] = []
        """What opening the file dropped: torn journal tails, journals of a replaced
        snapshot, temporary files of crashed writes."""

    @classmethod
    def _of_state(cls, state: MemoryState, clock: Clock | None) -> InMemoryStore:
        """A store of ``state`` (read from a file)."""
        store: InMemoryStore = cls.__new__(cls)
        store._setup(state, clock)
        return store

    # --- public -------------------------------------------------------------------------

    def unit_of_work(self) -> InMemoryUnitOfWork:
        """A new unit of work on this store; use it as a context manager."""
        return InMemoryUnitOfWork(self, self._state, self._commit)

    def __len__(self) -> int:
        """How many persons are stored (committed).

        >>> len(InMemoryStore())
        0
        """
        return len(self._state.slot_of)

    @property
    def company_count(self) -> int:
        """How many companies are stored (committed).

        >>> InMemoryStore().company_count
        0
        """
        return len(self._state.companies)

    def max_id(self, kind: str) -> int:
        """The highest id of ``kind`` ("company", "person", "selection", "associate")
        ever stored, deleted ones included (kept in the file too); 0 if none.

        Use it to start an id generator after loading data, so that no id is
        handed out twice, not even a deleted one:

        >>> InMemoryStore().max_id("person")
        0
        """
        return self._state.max_id(kind)

    _ids: SequentialIds | None = None

    def ids(self) -> SequentialIds:
        """The store's id generator (one per store): it continues after the highest id
        of every kind ever stored (:meth:`max_id`: companies, persons, selections,
        associates), so that no id is handed out twice, not even a deleted one.

        >>> store = InMemoryStore()
        >>> store.ids().next_id("associate"), store.ids() is store.ids()
        (1, True)
        """
        if self._ids is None:
            self._ids = SequentialIds(
                {
                    kind: self.max_id(kind)
                    for kind in ("company", "person", "selection", "associate")
                }
            )
        return self._ids

    def load_bulk(
        self,
        companies: Iterable[Company],
        persons: Iterable[Person],
        history: Iterable[HistoryEntry] = (),
    ) -> None:
        """Import many records at once, building the indexes once at the end.

        Every record is stored with version 1 (it is new to this store); records
        built with ``version=1`` are stored as they are, without a copy.
        The data must be consistent: ids not stored yet, each person's company
        among the stored or imported companies. Nothing is stored when a check fails.

        >>> from datetime import datetime, timezone
        >>> from leadcore.model import Company, CompanyId, Person, PersonId
        >>> at = datetime(2026, 1, 5, tzinfo=timezone.utc)
        >>> store = InMemoryStore()
        >>> store.load_bulk([Company(CompanyId(1), "Acme", None, at, at)],
        ...                 [Person(PersonId(7), CompanyId(1), "Ann", "Ash", at, at)])
        >>> len(store), store.company_count
        (1, 1)
        """
        with _collector.collector_paused():
            self._load_bulk(companies, persons, history)
        self._durable.compact_if_due()

    def _load_bulk(
        self,
        companies: Iterable[Company],
        persons: Iterable[Person],
        history: Iterable[HistoryEntry],
    ) -> None:
        new_companies = [c if c.version == 1 else bump(c, 1) for c in companies]
        new_persons = [p if p.version == 1 else bump_person(p, 1) for p in persons]
        entries = list(history)
        state = self._state
        with state.lock.writer, state.lock:  # after the command in progress, like a commit
            state.check_import(new_companies, new_persons)
            self._durable.journal(
                Change(
                    state.generation + 1,
                    companies=new_companies,
                    persons=new_persons,
                    history=entries,
                    bulk=True,
                )
            )
            self._durable.applying(state.import_records, new_companies, new_persons, entries)

    def freeze(self) -> None:
        """Keep every object alive now, this store's records among them, out of the
        cyclic garbage collector's scans (:func:`gc.freeze`); opt-in.

        A store of a million persons holds tens of millions of objects that live
        as long as the store; without this, every full collection scans them all
        (a pause of about a second at 1M persons, see ``memory.load`` in the
        benchmarks). Call it once after :meth:`open`, :meth:`load` or
        :meth:`load_bulk`. **The effect is process-wide**: every object alive at
        the call, the application's too, is moved to the permanent generation
        and is never collected while it stays there (reference counting still
        frees it; only garbage *cycles* among those objects would be kept).
        :func:`gc.unfreeze` undoes it. Records committed later are not frozen.

        >>> store = InMemoryStore()
        >>> store.freeze()
        >>> import gc; gc.get_freeze_count() > 0
        True
        >>> gc.unfreeze()
        """
        gc.collect()
        gc.freeze()

    # --- files -----------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, clock: Clock | None = None) -> InMemoryStore:
        """A detached store holding what the file at ``path`` holds (indexes rebuilt).

        The snapshot and its journal are read under a shared lock that is
        released at once; commits to the returned store stay in memory, and
        :meth:`save` writes them (to ``path`` by default, replacing the file).
        Raises :class:`FileFormatError` when the file cannot be read,
        :class:`FileInUseError` while a writer has it open, and
        :class:`PersistenceError` when the system refuses access (saying what to do).
        What was dropped (a torn journal tail) is in ``dropped`` and logged as a
        warning on the ``leadcore`` logger.

        >>> import tempfile, pathlib
        >>> path = InMemoryStore().save(pathlib.Path(tempfile.mkdtemp()) / "crm.json")
        >>> InMemoryStore.load(path).path == path
        True
        """
        location = Path(path)
        try:
            held = _memory_lock.lock(location, exclusive=False)
            try:
                if not location.exists():
                    raise FileFormatError(
                        f"there is no store file {str(location)!r}",
                        why="load reads an existing file",
                        fix="Check the path, or use InMemoryStore.open(path) to start a new store",
                        path=str(location),
                    )
                with _collector.collector_paused():
                    state, opened = _memory_durable.read_state(location, None)
            finally:
                held.release()
        except OSError as error:
            raise os_error(location, error, doing="read", read_only=True) from error
        store: InMemoryStore = cls._of_state(state, clock)
        store._durable.path = location
        store.dropped = opened.dropped
        _report(location, store.dropped)
        return store

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        lists: Lists | None = None,
        clock: Clock | None = None,
        autosave: bool = True,
        read_only: bool = False,
        compact_share: float = _memory_durable.COMPACT_SHARE,
        compact_min_bytes: int = _memory_durable.COMPACT_MIN_BYTES,
        recover: bool = False,
    ) -> InMemoryStore:
        """The store kept at ``path`` (a new one with ``lists`` if there is none yet).

        The store holds an exclusive lock on the file and its journals until
        :meth:`close`: a second opener, in this process or another, gets
        :class:`FileInUseError`, even when the lock file was removed meanwhile.
        A commit refuses (:class:`PersistenceError`) once the lock file or the
        journal it writes to is no longer the file at its name.

        - ``autosave=True`` (the default): every commit is appended to the
          journal and flushed to disk (``fdatasync``) before ``commit`` returns.
          After a crash, reopening gives every acknowledged commit, in order,
          and nothing that was not committed. The snapshot is rewritten in the
          background once the journal outgrows ``compact_share`` of it (half,
          by default) and ``compact_min_bytes`` (1 MiB): a larger share writes
          fewer snapshots, a smaller one replays a shorter journal on reopening.
        - ``autosave=False``: commits stay in memory until :meth:`save`; after
          a crash, reopening gives the state of the last ``save``.
        - ``read_only=True``: a shared lock (several readers, no writer);
          commits are refused with :class:`PersistenceError`.
        - A torn journal tail (the one commit in flight when a process died) is
          dropped; anything more that damage would drop (a journal cut short,
          whole commits after unreadable bytes) refuses the open with
          ``JournalCorrupt`` (a :class:`FileFormatError`), the files untouched.
          ``recover=True`` opens such a store with the commits before the
          damage instead; a writable open
          keeps a copy of each damaged journal beside it. What was dropped is in
          ``dropped`` and logged as a warning on the ``leadcore`` logger.

        A file the system refuses to open or create (a folder this user may not
        write to) is a :class:`PersistenceError` that says what to do.

        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> with InMemoryStore.open(folder / "crm.json") as store:
        ...     with store.unit_of_work() as uow:
        ...         uow.settings.set("theme", "dark")
        ...         uow.commit()
        >>> with InMemoryStore.open(folder / "crm.json", read_only=True) as store:
        ...     with store.unit_of_work() as uow:
        ...         uow.settings.get("theme")
        'dark'
        """
        location = Path(path)
        _memory_durable.check_compaction(compact_share, compact_min_bytes)
        try:
            held = _memory_lock.lock(location, exclusive=not read_only)
            try:
                with _collector.collector_paused():
                    state, opened = _memory_durable.read_state(location, lists, recover=recover)
                store: InMemoryStore = cls._of_state(state, clock)
                removed = store._durable.hold(
                    location,
                    held,
                    opened,
                    read_only=read_only,
                    autosave=autosave,
                    compact_share=compact_share,
                    compact_min_bytes=compact_min_bytes,
                )
            except BaseException:
                held.release()
                raise
        except OSError as error:
            raise os_error(location, error, doing="open", read_only=read_only) from error
        store.dropped = opened.dropped + removed
        _report(location, store.dropped)
        return store

    @property
    def path(self) -> Path | None:
        """The file this store is kept in or was loaded from, if any.

        >>> InMemoryStore().path is None
        True
        """
        return self._durable.path

    @property
    def read_only(self) -> bool:
        """True for a store opened with ``read_only=True``.

        >>> InMemoryStore().read_only
        False
        """
        return self._durable.read_lock is not None

    @property
    def compaction_error(self) -> BaseException | None:
        """The error of the last background compaction that failed (the journal still holds
        every commit; the next compaction retries), or ``None``.

        >>> InMemoryStore().compaction_error is None
        True
        """
        return self._durable.compaction_error

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write the committed state to ``path`` (default: the store's file) as a snapshot.

        For the store's own open file this is a compaction: a new snapshot, the
        journal emptied. Any other path (or the file of a store made by
        :meth:`load`) is replaced by a snapshot of this state, under that
        file's lock (:class:`FileInUseError` when a store has it open). The
        write is atomic: an error or a crash meanwhile leaves the previous file
        as it was. Returns the path written.

        >>> import tempfile, pathlib
        >>> InMemoryStore().save(pathlib.Path(tempfile.mkdtemp()) / "crm.json").name
        'crm.json'
        """
        location = Path(path) if path is not None else self._durable.path
        if location is None:
            raise ValidationError(
                "this store has no file to save to",
                why="it was neither opened from a file nor given a path",
                fix="Pass a path: store.save('crm.json'), or use InMemoryStore.open(path)",
            )
        try:
            self._durable.save(location)
        except OSError as error:
            raise os_error(location, error, doing="save") from error
        return location

    def close(self) -> None:
        """Wait for a running compaction, close the files and release the lock (idempotent).

        Later commits raise :class:`PersistenceError`; what is in memory stays readable.

        >>> InMemoryStore().close()
        """
        self._durable.close()

    def __enter__(self) -> Self:
        """Use the store as a context manager that closes it."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the store."""
        self.close()

    def verify_indexes(self) -> None:
        """Rebuild every index from the data and compare; :class:`IndexMismatch` if different.

        >>> InMemoryStore().verify_indexes()
        """
        self._state.verify_indexes()

    # --- commit ----------------------------------------------------------------------------

    def _commit(self, pending: Pending, read_at: int | None) -> None:
        """Check ``pending`` against the committed state, journal it, apply it (atomically).

        ``read_at`` is the generation the unit first read at (``None``: it read
        nothing): a commit landed since then means what it read may be stale.
        The writer lock makes a unit that did not declare itself wait for the
        command in progress.
        """
        state = self._state
        durable = self._durable
        with state.lock.writer, state.lock:
            state.check_versions(pending)  # the specific refusals first
            if read_at is not None and read_at != state.generation:
                raise ConcurrentChangeError(
                    "another commit landed after this unit of work first read the store, "
                    "so what it read may be out of date",
                    read_at=read_at,
                    generation=state.generation,
                )
            durable.refuse_if_closed()
            if durable.journaling:
                durable.journal(
                    Change(
                        state.generation + 1,
                        companies=list(pending.companies.values()),
                        persons=list(pending.persons.values()),
                        history=pending.history,
                        lists=pending.lists,
                        selections=[s for s in pending.selections.values() if s is not None],
                        deleted_selections=[k for k, s in pending.selections.items() if s is None],
                        settings=pending.settings,
                        associates=list(pending.associates.values()),
                        deleted_persons=list(pending.deleted_persons),
                        deleted_companies=list(pending.deleted_companies),
                    )
                )
            durable.applying(state.apply, pending)
        durable.compact_if_due()


def _report(location: Path, dropped: list[str]) -> None:
    """Log what opening ``location`` dropped or removed, as a warning."""
    if dropped:
        _log.warning("opening the store file %s dropped: %s", location, "; ".join(dropped))


class _Reading:
    """Held by a unit for one repository call: the store's lock, shared. The first one
    notes the generation the unit reads at (see ``InMemoryStore._commit``)."""

    __slots__ = ("_lock", "_state", "_unit")

    def __init__(self, unit: _UnitState) -> None:
        self._unit = unit
        self._state = unit.state
        self._lock = unit.state.lock

    def __enter__(self) -> None:
        self._lock.acquire_shared()
        unit = self._unit
        if unit.read_at is None:
            unit.read_at = self._state.generation

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release_shared()


class _UnitState:
    """What the repositories see of their unit of work (:class:`._memory_repositories.Unit`):
    the lock held per call, the overlay, the committed state, and the merged reads."""

    def __init__(self, state: MemoryState, clock: Clock) -> None:
        self.state = state
        self.pending = Pending()
        self.clock = clock
        self.read_at: int | None = None
        """The generation of the store at the unit's first read since it last dropped its
        changes (``None``: nothing read since)."""
        self.lock = _Reading(self)

    def company(self, company_id: CompanyId) -> Company | None:
        """The company as the unit sees it."""
        pending = self.pending
        found = pending.companies.get(company_id)
        if found is not None:
            return found
        if company_id in pending.deleted_companies:
            return None
        return self.state.companies.get(company_id)

    def person(self, person_id: PersonId) -> Person | None:
        """The person as the unit sees it."""
        pending = self.pending
        found = pending.persons.get(person_id)
        if found is not None:
            return found
        if person_id in pending.deleted_persons:
            return None
        return self.state.person(person_id)

    def lists(self) -> Lists:
        """The lists as the unit sees them."""
        return self.pending.lists if self.pending.lists is not None else self.state.lists

    def context(self, query: Query) -> QueryContext:
        """What ``query`` is evaluated against in this unit."""
        lists = self.lists()
        return QueryContext(
            categories=lists.categories,
            statuses=lists.statuses,
            now=query.now if query.now is not None else self.clock.now(),
            current_associate=query.current_associate,
        )


class InMemoryUnitOfWork(UnitOfWorkBase):
    """One atomic unit of work on an :class:`InMemoryStore` (see the module example).

    Reads see the store plus this unit's own changes; :meth:`commit` applies the
    changes atomically, or raises :class:`ConflictError` (writing nothing) when
    another unit committed a newer version of something this one changed.
    Made by :meth:`InMemoryStore.unit_of_work`.
    """

    def __init__(
        self,
        store: InMemoryStore,
        state: MemoryState,
        commit: Callable[[Pending, int | None], None],
    ) -> None:
        super().__init__()
        self._store = store
        self._write = commit
        self._lock: StateLock = state.lock
        self._writer = False
        """True while this unit holds the store's writer lock (see :meth:`expect_writes`)."""
        self._unit = unit = _UnitState(state, store.clock)
        persons = Persons(unit)
        self.companies: CompanyRepository = Companies(unit, persons)
        self.persons: PersonRepository = persons
        self.lists: ListRepository = ListsRepository(unit)
        self.selections: SelectionRepository = Selections(unit)
        self.history: HistoryRepository = History(unit, persons)
        self.settings: SettingsRepository = Settings(unit)
        self.associates: AssociateRepository = Associates(unit)

    @property
    def store(self) -> InMemoryStore:
        """The store this unit works on."""
        return self._store

    @property
    def has_changes(self) -> bool:
        """True when there is something to commit.

        >>> with InMemoryStore().unit_of_work() as uow:
        ...     uow.settings.set("theme", "dark")
        ...     uow.has_changes
        True
        """
        return not self._unit.pending.is_empty()

    def _write_changes(self) -> None:
        """Apply every change of this unit to the store, atomically (see :meth:`commit`).

        On :class:`ConflictError` nothing is written (and :meth:`commit` drops the changes).
        """
        pending = self._unit.pending
        if not pending.is_empty():
            # the writer's reads cannot have been overtaken by another thread's commit (only
            # units interleaved by hand in its own thread can commit meanwhile, and the
            # version checks guard those); any other unit's can
            self._write(pending, None if self._writer else self._unit.read_at)

    def expect_writes(self) -> None:
        """Make this unit the store's one writer now, until it leaves its ``with`` block.

        Waits while another unit holds it. What the unit then reads cannot be
        changed by another commit before it commits (the service calls this at
        the start of every command). Outside a ``with`` block it does nothing.

        >>> store = InMemoryStore()
        >>> with store.unit_of_work() as uow:
        ...     uow.expect_writes()
        ...     uow.settings.set("theme", "dark")
        ...     uow.commit()
        """
        if self.entered and not self._writer:
            self._lock.writer.acquire()
            self._writer = True

    def _left_last(self) -> None:
        if self._writer:
            self._writer = False
            self._lock.writer.release()

    def rollback(self) -> None:
        """Drop every change made since the last commit.

        >>> with InMemoryStore().unit_of_work() as uow:
        ...     uow.settings.set("theme", "dark")
        ...     uow.rollback()
        ...     uow.settings.get("theme") is None
        True
        """
        self._unit.pending = Pending()
        self._unit.read_at = None
