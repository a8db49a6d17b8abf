"""The in-memory adapter: leadcore's embedded default storage.

An :class:`InMemoryStore` holds the committed state; each
:class:`InMemoryUnitOfWork` keeps its changes in a private overlay (the changed
aggregates, appended history, changed settings) and applies them to the store on
:meth:`~InMemoryUnitOfWork.commit`, after checking that nobody committed a newer
version of anything it changed. Leaving the ``with`` block without committing
drops the overlay: nothing of it ever reached the store or its indexes.

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

import copy
import gc
import itertools
import logging
import operator
import os
import secrets
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import attrs

from leadcore import _collector
from leadcore.adapters import _memory_durable, _memory_file
from leadcore.adapters._file_lock import FileLock
from leadcore.adapters._memory_durable import FileInUseError, StoreFiles
from leadcore.adapters._memory_file import RESTORE, Change, FileFormatError
from leadcore.adapters._memory_index import IndexChange, PersonIndexes, bits_of, iter_bits
from leadcore.adapters._memory_query import (
    QueryContext,
)
from leadcore.adapters._memory_repositories import (
    _Associates,
    _Companies,
    _History,
    _id_of,
    _Lists,
    _Persons,
    _Selections,
    _Settings,
)
from leadcore.adapters._memory_versions import (
    _ABSENT,
    _bump,
    _bump_person,
    _check_bases,
)
from leadcore.clock import SequentialIds, SystemClock
from leadcore.errors import (
    CompanyHasPersons,
    ConflictError,
    LeadcoreError,
    NotFoundError,
    PersistenceError,
    ValidationError,
)
from leadcore.history import HistoryEntry
from leadcore.lists import new_database
from leadcore.model import (
    Associate,
    AssociateId,
    Company,
    CompanyId,
    Person,
    PersonId,
    SelectionId,
)
from leadcore.ports import (
    AssociateRepository,
    Clock,
    CompanyRepository,
    HistoryRepository,
    ListRepository,
    PersonRepository,
    Query,
    SelectionRepository,
    SettingsRepository,
    StoredLists,
)
from leadcore.selections import Selection

__all__ = [
    "FileFormatError",
    "FileInUseError",
    "InMemoryStore",
    "InMemoryUnitOfWork",
    "IndexMismatch",
    "PersistenceError",
]


_log = logging.getLogger("leadcore")


class IndexMismatch(LeadcoreError):
    """The incremental indexes differ from indexes rebuilt from the data (a defect)."""


@attrs.define
class _Pending:
    """The overlay of one unit of work: what it changed, not yet in the store."""

    companies: dict[CompanyId, Company] = attrs.Factory(dict)
    company_base: dict[CompanyId, int] = attrs.Factory(dict)
    persons: dict[PersonId, Person] = attrs.Factory(dict)
    person_base: dict[PersonId, int] = attrs.Factory(dict)
    lists: StoredLists | None = None
    lists_base: int = 0
    selections: dict[SelectionId, Selection | None] = attrs.Factory(dict)
    """Changed selections; ``None`` marks a deleted one."""
    selection_base: dict[SelectionId, int] = attrs.Factory(dict)
    history: list[HistoryEntry] = attrs.Factory(list)
    settings: dict[str, object] = attrs.Factory(dict)
    associates: dict[AssociateId, Associate] = attrs.Factory(dict)
    associate_base: dict[AssociateId, int] = attrs.Factory(dict)
    deleted_persons: dict[PersonId, None] = attrs.Factory(dict)
    """Persons this unit deleted, in the order it deleted them (absent from ``persons``)."""
    deleted_companies: dict[CompanyId, None] = attrs.Factory(dict)
    """Companies this unit deleted (absent from ``companies``)."""

    def is_empty(self) -> bool:
        return not (
            self.companies
            or self.persons
            or self.lists is not None
            or self.selections
            or self.history
            or self.settings
            or self.associates
            or self.deleted_persons
            or self.deleted_companies
        )


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

    def __init__(self, lists: StoredLists | None = None, *, clock: Clock | None = None) -> None:
        if lists is None:
            categories, statuses = new_database()
            lists = StoredLists(categories, statuses)
        self._lists = lists if lists.version > 0 else attrs.evolve(lists, version=1)
        self.clock: Clock = clock if clock is not None else SystemClock()
        self._lock = threading.RLock()
        self._companies: dict[CompanyId, Company] = {}
        self._members: dict[CompanyId, list[int]] = {}
        self._slot_person: list[Person] = []
        self._slot_of: dict[PersonId, int] = {}
        self._id_ordered = True
        """True while slot order is id order: id-ordered finds and pages then read the
        bitsets in slot order and sort nothing."""
        self._selections: dict[SelectionId, Selection] = {}
        self._history: list[HistoryEntry] = []
        self._history_of: dict[PersonId, list[HistoryEntry]] = {}
        self._history_unordered: set[PersonId] = set()
        self._history_span: tuple[datetime, datetime] | None = None
        """The earliest and the latest ``at`` of the history (``None`` while it is empty)."""
        """Persons whose entries were appended out of time order (a clock set back, an
        import of older changes): :meth:`_History.between` sorts only their entries."""
        self._settings: dict[str, object] = {}
        self._associates: dict[AssociateId, Associate] = {}
        self._deleted_max: dict[str, int] = {}
        """The highest deleted id of each kind, so that :meth:`max_id` never hands one out again."""
        self._indexes = PersonIndexes()
        self._generation = 0
        """Counts the changes of the committed state (commits and bulk loads): the journal's seq."""
        self._path: Path | None = None
        self._files: StoreFiles | None = None
        """The open snapshot and journals of a writable file store."""
        self._journaled = False
        """True when every commit is appended to the journal before it is applied."""
        self._read_lock: FileLock | None = None
        self._closed = False
        self._broken: BaseException | None = None
        """Set when applying a journaled commit failed half-way: memory no longer
        matches the file, so every later write is refused until the store is reopened."""
        self._saves_waiting = 0
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._compaction_lock = threading.Lock()
        self._compactor: threading.Thread | None = None
        self._compaction_failures = 0
        self.compaction_error: BaseException | None = None
        """The error of the last background compaction that failed (the journal still holds
        every commit; the next compaction retries), or ``None``."""
        self.dropped: list[str] = []
        """What opening the file dropped: torn journal tails, journals of a replaced
        snapshot, temporary files of crashed writes."""

    # --- public -------------------------------------------------------------------------

    def unit_of_work(self) -> InMemoryUnitOfWork:
        """A new unit of work on this store; use it as a context manager."""
        return InMemoryUnitOfWork(self)

    def __len__(self) -> int:
        """How many persons are stored (committed).

        >>> len(InMemoryStore())
        0
        """
        return len(self._slot_of)

    @property
    def company_count(self) -> int:
        """How many companies are stored (committed).

        >>> InMemoryStore().company_count
        0
        """
        return len(self._companies)

    def max_id(self, kind: str) -> int:
        """The highest id of ``kind`` ("company", "person", "selection", "associate")
        ever stored, deleted ones included (kept in the file too); 0 if none.

        Use it to start an id generator after loading data, so that no id is
        handed out twice, not even a deleted one:

        >>> InMemoryStore().max_id("person")
        0
        """
        with self._lock:
            stored: Iterable[int]
            if kind == "company":
                stored = self._companies
            elif kind == "person":
                stored = self._slot_of
            elif kind == "selection":
                stored = self._selections
            elif kind == "associate":
                stored = self._associates
            else:
                raise ValidationError(
                    f"unknown id kind {kind!r}",
                    fix="Use 'company', 'person', 'selection' or 'associate'",
                    kind=kind,
                )
            return max(max(stored, default=0), self._deleted_max.get(kind, 0))

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
        self._compact_if_due()

    def _load_bulk(
        self,
        companies: Iterable[Company],
        persons: Iterable[Person],
        history: Iterable[HistoryEntry],
    ) -> None:
        new_companies = [c if c.version == 1 else _bump(c, 1) for c in companies]
        new_persons = [p if p.version == 1 else _bump_person(p, 1) for p in persons]
        entries = list(history)
        with self._lock:
            self._check_import(new_companies, new_persons)
            self._journal(
                Change(
                    self._generation + 1,
                    companies=new_companies,
                    persons=new_persons,
                    history=entries,
                    bulk=True,
                )
            )
            self._applying(self._import, new_companies, new_persons, entries)

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

    def _check_import(self, new_companies: list[Company], new_persons: list[Person]) -> None:
        """Refuse an import of taken or repeated ids, or of persons of unknown companies."""
        company_ids: set[CompanyId] = set()
        for company in new_companies:
            if company.id in self._companies or company.id in company_ids:
                raise ConflictError("company", company.id, _ABSENT, 1)
            company_ids.add(company.id)
        ids = [p.id for p in new_persons]
        unique = set(ids)
        if len(unique) != len(ids) or not unique.isdisjoint(self._slot_of):
            seen: set[PersonId] = set()
            for person_id in ids:
                if person_id in seen or person_id in self._slot_of:
                    raise ConflictError("person", person_id, _ABSENT, 1)
                seen.add(person_id)
        referenced = {p.company_id for p in new_persons}
        referenced.discard(None)
        unknown = referenced - company_ids - self._companies.keys()
        if unknown:
            raise NotFoundError("company", min(c for c in unknown if c is not None))

    def _import(
        self,
        new_companies: list[Company],
        new_persons: list[Person],
        entries: list[HistoryEntry],
    ) -> None:
        """Store checked new records, building their index entries in one pass."""
        with self._lock:
            for company in new_companies:
                self._companies[company.id] = company
                self._members[company.id] = []
            start = len(self._slot_person)
            if self._id_ordered and new_persons:
                ids = [p.id for p in new_persons]
                last = self._slot_person[-1].id if self._slot_person else 0
                self._id_ordered = last < ids[0] and all(map(operator.lt, ids, ids[1:]))
            self._slot_person.extend(new_persons)
            self._slot_of.update(zip((p.id for p in new_persons), itertools.count(start)))
            members = self._members
            for slot, person in enumerate(new_persons, start):
                if person.company_id is not None:
                    members[person.company_id].append(slot)
            self._append_history(entries)
            self._indexes.add_bulk(start, [(p, self._company_of(p)) for p in new_persons])
            self._generation += 1

    # --- files -----------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, clock: Clock | None = None) -> InMemoryStore:
        """A detached store holding what the file at ``path`` holds (indexes rebuilt).

        The snapshot and its journal are read under a shared lock that is
        released at once; commits to the returned store stay in memory, and
        :meth:`save` writes them (to ``path`` by default, replacing the file).
        Raises :class:`FileFormatError` when the file cannot be read, and
        :class:`FileInUseError` while a writer has it open.

        >>> import tempfile, pathlib
        >>> path = InMemoryStore().save(pathlib.Path(tempfile.mkdtemp()) / "crm.json")
        >>> InMemoryStore.load(path).path == path
        True
        """
        location = Path(path)
        held = _memory_durable.lock(location, exclusive=False)
        try:
            if not location.exists():
                raise FileFormatError(
                    f"there is no store file {str(location)!r}",
                    why="load reads an existing file",
                    fix="Check the path, or use InMemoryStore.open(path) to start a new store",
                    path=str(location),
                )
            with _collector.collector_paused():
                store, _ = cls._read(location, None, clock)
        finally:
            held.release()
        store._path = location
        return store

    @classmethod
    def _read(
        cls, location: Path, lists: StoredLists | None, clock: Clock | None
    ) -> tuple[InMemoryStore, _memory_durable.Opened]:
        """A store holding the snapshot at ``location`` and the commits of its journals."""
        opened = _memory_durable.read(location)
        snapshot = opened.snapshot
        if snapshot is None:
            store = cls(lists, clock=clock)
        else:
            store = cls(snapshot.lists, clock=clock)
            store._import(snapshot.companies, snapshot.persons, snapshot.history)
            store._selections = {s.id: s for s in snapshot.selections}
            store._associates = {a.id: a for a in snapshot.associates}
            store._deleted_max = dict(snapshot.deleted_max)
            store._settings = snapshot.settings
            store._generation = snapshot.seq
        for change in opened.changes:
            try:
                store._replay(change)
            except (LeadcoreError, KeyError, ValueError) as error:
                raise FileFormatError(
                    f"commit {change.seq} of the journal of {str(location)!r} does not fit "
                    "the state before it",
                    why=f"{type(error).__name__}: {error}",
                    fix=RESTORE,
                    path=str(location),
                    seq=change.seq,
                ) from None
        store.dropped = opened.dropped
        return store, opened

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        lists: StoredLists | None = None,
        clock: Clock | None = None,
        autosave: bool = True,
        read_only: bool = False,
        compact_share: float = _memory_durable.COMPACT_SHARE,
        compact_min_bytes: int = _memory_durable.COMPACT_MIN_BYTES,
    ) -> InMemoryStore:
        """The store kept at ``path`` (a new one with ``lists`` if there is none yet).

        The store holds an exclusive lock on the file until :meth:`close`: a
        second opener, in this process or another, gets :class:`FileInUseError`.

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
        _check_compaction(compact_share, compact_min_bytes)
        held = _memory_durable.lock(location, exclusive=not read_only)
        try:
            with _collector.collector_paused():
                store, opened = cls._read(location, lists, clock)
            store._path = location
            if read_only:
                store._read_lock = held
                store._finalizer = weakref.finalize(store, held.release)
            else:
                files = StoreFiles.start(location, held, opened, store._snapshot)
                files.compact_share, files.compact_min_bytes = compact_share, compact_min_bytes
                store._files = files
                store._journaled = autosave
                store.dropped += [
                    f"{name}: left by a crashed write, removed" for name in files.removed
                ]
                store._finalizer = weakref.finalize(store, files.close)
        except BaseException:
            held.release()
            raise
        return store

    @property
    def path(self) -> Path | None:
        """The file this store is kept in or was loaded from, if any.

        >>> InMemoryStore().path is None
        True
        """
        return self._path

    @property
    def read_only(self) -> bool:
        """True for a store opened with ``read_only=True``.

        >>> InMemoryStore().read_only
        False
        """
        return self._read_lock is not None

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
        location = Path(path) if path is not None else self._path
        if location is None:
            raise ValidationError(
                "this store has no file to save to",
                why="it was neither opened from a file nor given a path",
                fix="Pass a path: store.save('crm.json'), or use InMemoryStore.open(path)",
            )
        if self._files is not None and location == self._path:
            self._refuse_if_closed()
            with self._lock:
                self._saves_waiting += 1  # a background compaction waiting for the lock yields
            try:
                with self._compaction_lock:
                    if not self._compact():
                        self._refuse_if_closed()
            finally:
                with self._lock:
                    self._saves_waiting -= 1
        else:
            _memory_durable.replace(location, self._snapshot(secrets.token_bytes(16)))
        return location

    def close(self) -> None:
        """Wait for a running compaction, close the files and release the lock (idempotent).

        Later commits raise :class:`PersistenceError`; what is in memory stays readable.

        >>> InMemoryStore().close()
        """
        with self._lock:  # a commit in progress finishes first; none starts after
            self._closed = True
            compactor = self._compactor
        if compactor is not None:
            compactor.join()
        with self._compaction_lock:  # a save() writing its snapshot finishes first
            if self._finalizer is not None:
                self._finalizer()

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
        with self._lock:
            live = self._live_slots()
            rebuilt = PersonIndexes()
            rebuilt.size = len(self._slot_person)
            rebuilt.dead = ((1 << rebuilt.size) - 1) & ~bits_of(sorted(live))
            rebuilt.apply(
                (slot, None, (p, self._company_of(p)))
                for slot, p in enumerate(self._slot_person)
                if slot in live
            )
            differences = self._indexes.differences(rebuilt)
            if len(live) != len(self._slot_of):
                differences.append("slots of persons")
            members: dict[CompanyId, list[int]] = {c: [] for c in self._companies}
            for slot, person in enumerate(self._slot_person):
                if slot not in live:
                    continue
                if person.company_id is not None:
                    members[person.company_id].append(slot)
            if {c: sorted(s) for c, s in self._members.items()} != members:
                differences.append("company members")
            ids = [p.id for p in self._slot_person]
            if self._id_ordered and any(map(operator.ge, ids, ids[1:])):
                differences.append("slots marked in id order are not")
            history: dict[PersonId, list[HistoryEntry]] = {}
            for entry in self._history:
                history.setdefault(entry.person_id, []).append(entry)
            if history != self._history_of:
                differences.append("history per person")
            if differences:
                raise IndexMismatch(
                    "the in-memory indexes do not match the data",
                    why=f"these differ from a rebuild: {', '.join(differences)}",
                    fix="Report this as a leadcore defect with the operations that led here",
                    differences=differences,
                )

    # --- committed reads (callers hold the lock) -------------------------------------------

    def _company_of(self, person: Person) -> Company | None:
        return None if person.company_id is None else self._companies[person.company_id]

    def _live_slots(self) -> set[int]:
        """The slots of stored persons (a deleted person's slot is a tombstone)."""
        slot_person = self._slot_person
        return {
            slot for person_id, slot in self._slot_of.items() if slot_person[slot].id == person_id
        }

    def _live_persons(self) -> list[Person]:
        """The stored persons, by slot (a plain copy while nothing was deleted: it runs
        under the store lock when a compaction takes its snapshot)."""
        if not self._indexes.dead:
            return list(self._slot_person)
        return [self._slot_person[slot] for slot in iter_bits(self._indexes.all)]

    def _committed_person(self, person_id: PersonId) -> Person | None:
        slot = self._slot_of.get(person_id)
        return None if slot is None else self._slot_person[slot]

    def _append_history(self, entries: Sequence[HistoryEntry]) -> None:
        self._history.extend(entries)
        of = self._history_of
        for entry in entries:
            found = of.get(entry.person_id)
            if found is None:
                of[entry.person_id] = [entry]
            else:
                if found[-1].at > entry.at:
                    self._history_unordered.add(entry.person_id)
                found.append(entry)
        if entries:
            moments = [e.at for e in entries]
            low, high = min(moments), max(moments)
            if self._history_span is not None:
                low, high = min(low, self._history_span[0]), max(high, self._history_span[1])
            self._history_span = (low, high)

    def _snapshot(self, lineage: bytes) -> _memory_file.Snapshot:
        """The committed state as a snapshot (records are immutable: containers are copied)."""
        with self._lock:
            return _memory_file.Snapshot(
                lists=self._lists,
                companies=sorted(self._companies.values(), key=_id_of),
                persons=self._live_persons(),
                history=list(self._history),
                selections=[self._selections[k] for k in sorted(self._selections)],
                settings=copy.deepcopy(self._settings),
                associates=[self._associates[k] for k in sorted(self._associates)],
                deleted_max=dict(self._deleted_max),
                seq=self._generation,
                lineage=lineage,
            )

    def _refuse_if_closed(self) -> None:
        if self._broken is not None:
            raise PersistenceError(
                f"the store kept in {str(self._path)!r} must be reopened: nothing was committed",
                committed=False,
                why="an earlier commit was written to the journal but failed while being "
                f"applied in memory ({type(self._broken).__name__}), so memory and file differ",
                fix="Close the store and open the file again: the journal holds that commit",
                path=str(self._path),
            )
        if self._closed or self._read_lock is not None:
            how = "closed" if self._closed else "opened read-only"
            raise PersistenceError(
                f"the store kept in {str(self._path)!r} was {how}: nothing was committed",
                committed=False,
                why="a closed or read-only store does not write its file",
                fix="Open the file again with InMemoryStore.open(path) to write to it",
                path=str(self._path),
            )

    def _journal(self, change: Change) -> None:
        """Append ``change`` durably before it is applied (callers hold the lock).

        Raises :class:`PersistenceError` with ``committed=False`` when it cannot
        be written: the change is then not applied, and later commits are unaffected.
        """
        self._refuse_if_closed()
        files = self._files
        if files is None or not self._journaled:
            return
        try:
            payload = _memory_file.encode_change(change)
        except (TypeError, ValueError, RecursionError) as error:
            raise PersistenceError(
                "the change cannot be stored: nothing was committed",
                committed=False,
                why=f"a value cannot be written as JSON: {type(error).__name__}: {error}",
                fix="Pass text that is valid Unicode and values of the documented types",
                path=str(files.path),
            ) from None
        try:
            files.append(change.seq, payload)
        except (OSError, ValueError) as error:
            raise PersistenceError(
                f"the change could not be written to {str(files.path)!r}: nothing was committed",
                committed=False,
                why=f"appending to the journal failed: {error}",
                fix="Free space or fix permissions, then run the command again",
                path=str(files.path),
            ) from error

    def _compact_if_due(self) -> None:
        """Start a background compaction when the journal has outgrown its share."""
        files = self._files
        if files is None or not self._journaled or self._closed:
            return
        if not files.compaction_due(self._compaction_failures):
            return
        with self._lock:
            if self._closed or (self._compactor is not None and self._compactor.is_alive()):
                return
            self._compactor = threading.Thread(
                target=self._compact_in_background, name="leadcore-compaction", daemon=True
            )
            self._compactor.start()

    def _compact_in_background(self) -> None:
        if not self._compaction_lock.acquire(blocking=False):
            return  # a save() is compacting
        try:
            self._compact(yielding=True)
        except Exception as error:  # the journal still holds every commit: retry later
            self.compaction_error = error
            self._compaction_failures += 1
            _log.error(
                "compacting %s failed; the journal keeps every commit", self._path, exc_info=error
            )
        else:
            self.compaction_error = None
            self._compaction_failures = 0
        finally:
            self._compaction_lock.release()

    def _compact(self, *, yielding: bool = False) -> bool:
        """Write a snapshot and empty the journal it makes redundant (hold the compaction lock).

        Only copying the references and switching journals happens under the
        store lock; the snapshot is written outside it. Returns False, having
        done nothing, when the store is closed, or (``yielding``: a background
        compaction) when a :meth:`save` waits, since that caller may hold the
        store lock while it waits for the compaction lock.
        """
        files = self._files
        assert files is not None
        while not self._lock.acquire(timeout=0.05):
            if self._closed or (yielding and self._saves_waiting):
                return False
        try:
            if self._broken is not None or (yielding and self._saves_waiting):
                return False
            snapshot = self._snapshot(files.lineage)
            files.switch()
        finally:
            self._lock.release()
        files.finish(snapshot, appending=self._journaled)
        return True

    # --- commit ----------------------------------------------------------------------------

    def _commit(self, pending: _Pending) -> None:
        with self._lock:
            self._check_versions(pending)
            self._refuse_if_closed()
            if self._files is not None and self._journaled:
                self._journal(
                    Change(
                        self._generation + 1,
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
            self._applying(self._apply, pending)
        self._compact_if_due()

    def _applying(self, apply: Callable[..., None], *args: Any) -> None:
        """Run ``apply`` for a change already journaled; if it fails half-way, the store
        is marked broken (memory no longer matches the file) and refuses later writes."""
        try:
            apply(*args)
        except BaseException as error:
            if self._files is not None and self._journaled:
                self._broken = error
            raise

    def _replay(self, change: Change) -> None:
        """Apply a commit read back from the journal (as it was applied when made)."""
        if change.bulk:
            self._check_import(change.companies, change.persons)
            self._import(change.companies, change.persons, change.history)
        else:
            pending = _Pending(
                companies={c.id: c for c in change.companies},
                persons={p.id: p for p in change.persons},
                lists=change.lists,
                history=change.history,
                settings=change.settings,
                associates={a.id: a for a in change.associates},
                deleted_persons=dict.fromkeys(change.deleted_persons),
                deleted_companies=dict.fromkeys(change.deleted_companies),
            )
            pending.selections.update((s.id, s) for s in change.selections)
            pending.selections.update((k, None) for k in change.deleted_selections)
            self._check_deleted_companies(pending)
            self._apply(pending)
        self._generation = change.seq

    def _apply(self, pending: _Pending) -> None:
        """Apply a checked overlay to the committed state and its indexes."""
        with self._lock:
            before = self._rows_touched_by(pending)
            for company in pending.companies.values():
                self._members.setdefault(company.id, [])
                self._companies[company.id] = company
            changes: list[IndexChange] = []
            for slot, row in before.items():
                old = row[0]
                person = pending.persons.get(old.id, old)
                self._slot_person[slot] = person
                if old.company_id != person.company_id:
                    if old.company_id is not None:
                        self._members[old.company_id].remove(slot)
                    if person.company_id is not None:
                        self._members[person.company_id].append(slot)
                changes.append((slot, row, (person, self._company_of(person))))
            for person in pending.persons.values():
                if person.id not in self._slot_of:
                    slot = len(self._slot_person)
                    if slot and self._slot_person[-1].id > person.id:
                        self._id_ordered = False
                    self._slot_person.append(person)
                    self._slot_of[person.id] = slot
                    if person.company_id is not None:
                        self._members[person.company_id].append(slot)
                    changes.append((slot, None, (person, self._company_of(person))))
            self._indexes.apply(changes)
            self._delete_persons(pending.deleted_persons)
            for company_id in pending.deleted_companies:
                self._companies.pop(company_id, None)
                self._members.pop(company_id, None)
                self._note_deleted("company", company_id)
            if pending.lists is not None:
                self._lists = pending.lists
            for selection_id, selection in pending.selections.items():
                if selection is None:
                    self._selections.pop(selection_id, None)
                    self._note_deleted("selection", selection_id)
                else:
                    self._selections[selection_id] = selection
            self._associates.update(pending.associates)
            self._append_history(pending.history)
            self._settings.update(pending.settings)
            self._generation += 1

    def _delete_persons(self, person_ids: Iterable[PersonId]) -> None:
        """Make the slots of deleted persons tombstones: out of every index and member list."""
        removed: list[tuple[int, tuple[Person, Company | None]]] = []
        left: dict[CompanyId, set[int]] = {}
        for person_id in person_ids:
            self._note_deleted("person", person_id)
            slot = self._slot_of.pop(person_id, None)
            if slot is None:  # added and deleted by the same unit
                continue
            person = self._slot_person[slot]
            if person.company_id is not None:
                left.setdefault(person.company_id, set()).add(slot)
            removed.append((slot, (person, self._company_of(person))))
        for company_id, slots in left.items():  # one pass per company, not one per person
            members = self._members[company_id]
            members[:] = [slot for slot in members if slot not in slots]
        self._indexes.remove(removed)

    def _note_deleted(self, kind: str, record_id: int) -> None:
        if record_id > self._deleted_max.get(kind, 0):
            self._deleted_max[kind] = record_id

    def _rows_touched_by(self, pending: _Pending) -> dict[int, tuple[Person, Company | None]]:
        """Committed rows whose index keys a commit may change, by slot.

        The changed persons, and every member of a company whose category or
        owner changed (the only company fields the person indexes key on): a
        rename or a UTM copy does not re-key a company's 10,000 persons.
        """
        rows: dict[int, tuple[Person, Company | None]] = {}
        for company_id, company in pending.companies.items():
            committed = self._companies.get(company_id)
            if committed is not None and (committed.category_id, committed.owner_id) == (
                company.category_id,
                company.owner_id,
            ):
                continue
            for slot in self._members.get(company_id, ()):
                person = self._slot_person[slot]
                rows[slot] = (person, self._company_of(person))
        for person_id in pending.persons:
            slot_or_none = self._slot_of.get(person_id)
            if slot_or_none is not None and slot_or_none not in rows:
                person = self._slot_person[slot_or_none]
                rows[slot_or_none] = (person, self._company_of(person))
        return rows

    def _check_versions(self, pending: _Pending) -> None:
        _check_bases("company", pending.company_base, self._companies.get)
        _check_bases("person", pending.person_base, self._committed_person)
        if pending.lists is not None and self._lists.version != pending.lists_base:
            raise ConflictError("lists", "lists", pending.lists_base, self._lists.version)
        _check_bases("selection", pending.selection_base, self._selections.get)
        _check_bases("associate", pending.associate_base, self._associates.get)
        self._check_deleted_companies(pending)

    def _check_deleted_companies(self, pending: _Pending) -> None:
        """Refuse deleting a company that would keep persons once ``pending`` is applied."""
        for company_id in pending.deleted_companies:
            left = [
                slot
                for slot in self._members.get(company_id, ())
                if (person := self._slot_person[slot]).id not in pending.deleted_persons
                and pending.persons.get(person.id, person).company_id == company_id
            ]
            if left:
                raise CompanyHasPersons(company_id, len(left))


class InMemoryUnitOfWork:
    """One atomic unit of work on an :class:`InMemoryStore` (see the module example).

    Reads see the store plus this unit's own changes; :meth:`commit` applies the
    changes atomically, or raises :class:`ConflictError` (writing nothing) when
    another unit committed a newer version of something this one changed.
    """

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self._pending = _Pending()
        self._entered = 0
        self.companies: CompanyRepository = _Companies(self)
        self.persons: PersonRepository = _Persons(self)
        self.lists: ListRepository = _Lists(self)
        self.selections: SelectionRepository = _Selections(self)
        self.history: HistoryRepository = _History(self)
        self.settings: SettingsRepository = _Settings(self)
        self.associates: AssociateRepository = _Associates(self)

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
        return not self._pending.is_empty()

    def __enter__(self) -> Self:
        """Begin: wait until no other thread has a unit open on the store, then hold it.

        Units entered with ``with`` run one at a time across threads, so what a
        command read to decide (a company's category, the lists, the persons of
        a company) still holds when it commits. Units interleaved by hand in one
        thread are still guarded by the version checks.
        """
        self._store._lock.acquire()
        self._entered += 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed (on success and on error alike)."""
        self.rollback()
        if self._entered:
            self._entered -= 1
            self._store._lock.release()

    def commit(self) -> None:
        """Apply every change of this unit to the store, atomically.

        On :class:`ConflictError` nothing is written and the unit's changes are dropped.
        """
        pending, self._pending = self._pending, _Pending()
        if not pending.is_empty():
            self._store._commit(pending)

    def rollback(self) -> None:
        """Drop every change made since the last commit.

        >>> with InMemoryStore().unit_of_work() as uow:
        ...     uow.settings.set("theme", "dark")
        ...     uow.rollback()
        ...     uow.settings.get("theme") is None
        True
        """
        self._pending = _Pending()

    # --- merged reads ----------------------------------------------------------------------

    def _company(self, company_id: CompanyId) -> Company | None:
        pending = self._pending
        found = pending.companies.get(company_id)
        if found is not None:
            return found
        if company_id in pending.deleted_companies:
            return None
        return self._store._companies.get(company_id)

    def _person(self, person_id: PersonId) -> Person | None:
        pending = self._pending
        found = pending.persons.get(person_id)
        if found is not None:
            return found
        if person_id in pending.deleted_persons:
            return None
        return self._store._committed_person(person_id)

    def _current_lists(self) -> StoredLists:
        return self._pending.lists if self._pending.lists is not None else self._store._lists

    def _context(self, query: Query) -> QueryContext:
        return QueryContext(
            categories=self._current_lists().categories,
            statuses=self._current_lists().statuses,
            now=query.now if query.now is not None else self._store.clock.now(),
            current_associate=query.current_associate,
        )


def _check_compaction(share: float, min_bytes: int) -> None:
    """Refuse compaction thresholds that are not a share >= 0 and a byte count >= 0."""
    good_share = type(share) in (int, float) and 0 <= share < float("inf")
    if not good_share or type(min_bytes) is not int or min_bytes < 0:
        raise ValidationError(
            f"bad compaction thresholds: compact_share={share!r}, compact_min_bytes={min_bytes!r}",
            why="the share is a finite number >= 0 (of the snapshot's size) and the "
            "minimum a whole number of bytes >= 0",
            fix="Pass e.g. compact_share=0.5, compact_min_bytes=1 << 20 (the defaults)",
        )
