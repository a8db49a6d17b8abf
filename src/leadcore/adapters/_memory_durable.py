"""The files of a file-backed in-memory store: snapshot, two journals, a lock (private).

For a store at ``crm.json``:

- ``crm.json`` is the snapshot (:mod:`._memory_file`): every commit up to its ``seq``;
- ``crm.json.journal.0`` and ``crm.json.journal.1`` hold the commits after it
  (:mod:`._memory_journal`), one record each, appended and fdatasynced before the
  commit is applied in memory;
- ``crm.json.lock`` carries the OS lock every opener asks for first: exclusive
  for the one writer, shared for read-only openers. The writer also holds an
  exclusive lock on each journal (the files it writes to), so a second writer
  is refused even after the lock file was removed, and it checks before each
  commit that the lock file and the journal are still the files at their names
  (:class:`StoreLock`).

Compaction writes a new snapshot from references copied under the store lock
and switches appends to the other journal at that moment, if that one is
empty (no disk access). The snapshot is written outside the store lock; once
it is in place, every journal that holds only commits the snapshot has is
emptied. Opening replays the records after the snapshot's
``seq`` from both journals in order, and refuses a gap.

:class:`Durability` is the store's side of it: each commit is journaled before
it is applied to the :class:`~._memory_state.MemoryState` (a commit applied
half-way marks the store broken), compaction runs in the background when the
journal has outgrown its share, and closing waits for it and releases the lock.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from leadcore.adapters import _memory_file, _memory_journal
from leadcore.adapters._file_lock import FileLock
from leadcore.adapters._memory_file import RESTORE, Change, FileFormatError, Snapshot
from leadcore.adapters._memory_journal import (
    HEADER_SIZE,
    JournalCorrupt,
    JournalScan,
    JournalWriter,
)
from leadcore.adapters._memory_lock import (
    StoreLock,
    in_use,
    journal_paths,
    lock,
    lock_lost,
)
from leadcore.adapters._memory_state import MemoryState
from leadcore.errors import LeadcoreError, PersistenceError, ValidationError
from leadcore.lists import Lists

__all__ = [
    "COMPACT_MIN_BYTES",
    "COMPACT_SHARE",
    "RECOVER",
    "Durability",
    "Opened",
    "StoreFiles",
    "check_compaction",
    "read_state",
]

_log = logging.getLogger("leadcore")

COMPACT_SHARE = 0.5
"""Compact when the journal outgrows this share of the snapshot's size ..."""
COMPACT_MIN_BYTES = 1 << 20
"""... and this many bytes (small stores do not rewrite their snapshot every few commits)."""


RECOVER = (
    "Restore the store's files from a backup (they were left as they are), or open it with "
    "recover=True (leadcore --recover ...) to keep the commits before the damage: a writable "
    "open keeps a copy of each damaged journal beside it and starts them anew"
)
"""What to do about a damaged journal."""


@attrs.frozen
class Opened:
    """What opening found: the snapshot, the commits after it, and what was repaired."""

    snapshot: Snapshot | None
    """``None`` when there is no snapshot yet (a new store)."""
    changes: list[Change]
    dropped: list[str]
    """Torn journal tails and journals of another snapshot, dropped (reported, not errors),
    and with ``recover=True`` what damage cost."""
    journals: list[tuple[Path, JournalScan]]
    """Each journal as read (a missing one as empty)."""
    recovered: list[Path] = attrs.Factory(list)
    """The journals whose commits were dropped on request (``recover=True``)."""


def read(path: Path, *, recover: bool = False) -> Opened:
    """The snapshot at ``path`` and the commits its journals add; the caller holds the lock.

    Raises :class:`FileFormatError` (and touches nothing) when the snapshot is
    damaged, a journal is damaged (:class:`JournalCorrupt`: reading on would
    drop acknowledged commits, see :mod:`._memory_journal`), or the commits have
    a gap. With ``recover`` a damaged journal or a gap ends the commits there
    instead: what follows is dropped and reported (a damaged snapshot is still
    refused: it is what every commit builds on).
    """
    snapshot = _memory_file.load(path) if path.exists() else None
    scans = [(p, _scan_or_empty(p)) for p in journal_paths(path)]
    if snapshot is None and any(scan.records for _, scan in scans):
        raise FileFormatError(
            f"the store file {str(path)!r} is missing while its journal holds commits",
            why="a journal only adds to its snapshot; without the snapshot they are unusable",
            fix="Restore the snapshot file from a backup, or remove the journal files to "
            "start an empty store",
            path=str(path),
        )
    covered = snapshot.seq if snapshot is not None else 0
    dropped: list[str] = []
    recovered: list[Path] = []
    payloads: dict[int, tuple[Path, bytes]] = {}
    for journal, scan in scans:
        if snapshot is not None and scan.lineage not in (None, snapshot.lineage):
            if scan.records or scan.later:
                dropped.append(
                    f"{journal.name}: {len(scan.records)} commits of a replaced snapshot"
                )
            continue
        if scan.damage is not None and not _harmless(scan, snapshot):
            if not recover:
                raise JournalCorrupt(
                    f"the journal {str(journal)!r} is damaged at byte {scan.good_size}",
                    why=scan.damage,
                    fix=RECOVER,
                    path=str(journal),
                    offset=scan.good_size,
                )
            dropped.append(
                f"{journal.name}: damaged at byte {scan.good_size} ({scan.damage}); "
                "what follows was dropped"
            )
            recovered.append(journal)
        if scan.torn:
            dropped.append(f"{journal.name}: {scan.torn}")
        for seq, payload in scan.records:
            if seq > covered:
                payloads[seq] = (journal, payload)
    changes: list[Change] = []
    for expected, seq in enumerate(sorted(payloads), covered + 1):
        journal, payload = payloads[seq]
        if seq != expected:
            if not recover:
                raise JournalCorrupt(
                    f"the commits after the snapshot {str(path)!r} have a gap",
                    why=f"commit {expected} is in no journal, while commit {seq} is",
                    fix=RECOVER,
                    path=str(path),
                    missing=expected,
                )
            dropped.append(
                f"commits {seq} to {max(payloads)}: commit {expected} is in no journal, "
                "so they were dropped"
            )
            recovered.extend({j for s, (j, _) in payloads.items() if s >= seq} - set(recovered))
            break
        try:
            change = _memory_file.decode_change(payload)
        except _memory_file.READ_ERRORS as error:
            raise FileFormatError(
                f"the journal {str(journal)!r} holds commit {seq} in a form leadcore cannot read",
                why=_memory_file.describe(error),
                fix=RESTORE,
                path=str(journal),
                seq=seq,
            ) from None
        if change.seq != seq:
            raise FileFormatError(
                f"the journal {str(journal)!r} holds a record whose seq does not match its frame",
                why=f"the frame says {seq}, the record {change.seq}",
                fix=RESTORE,
                path=str(journal),
                seq=seq,
            )
        changes.append(change)
    return Opened(snapshot, changes, dropped, scans, sorted(recovered))


def _harmless(scan: JournalScan, snapshot: Snapshot | None) -> bool:
    """Whether a damaged journal loses nothing: every record found after the damage is
    one the snapshot holds (the journal was being emptied after a compaction)."""
    return (
        snapshot is not None
        and scan.lineage == snapshot.lineage
        and bool(scan.later)
        and max(scan.later) <= snapshot.seq
    )


def _scan_or_empty(path: Path) -> JournalScan:
    try:
        return _memory_journal.scan(path)
    except FileNotFoundError:
        return JournalScan(None, [], 0, None)


class StoreFiles:
    """The open, writable files of one store: appends, compaction, close."""

    def __init__(self, path: Path, held: StoreLock, lineage: bytes, snapshot_bytes: int) -> None:
        self.path = path
        self._held = held
        self.lineage = lineage
        self.snapshot_bytes = snapshot_bytes
        self._journals: list[JournalWriter] = []
        self._max_seq = [0, 0]
        self._active = 0
        self.notes: list[str] = []
        """What opening removed (temporary files of crashed writes) or kept aside (copies
        of damaged journals), one line each."""
        self.compact_share = COMPACT_SHARE
        self.compact_min_bytes = COMPACT_MIN_BYTES

    @classmethod
    def start(
        cls,
        path: Path,
        held: StoreLock,
        opened: Opened,
        current: Callable[[bytes], Snapshot],
    ) -> StoreFiles:
        """Make the files ready for appends after ``opened`` was applied to a store.

        ``current(lineage)`` is the store's state as a snapshot. A new store, a
        version 1 file, journals of the old format or a recovered store get a
        fresh snapshot (and lineage) now, and new journals; a journal that does
        not exist yet is made first (so that of two openers racing to make it,
        the second is refused); torn journal tails are zeroed; a journal of
        another snapshot, or holding only commits the snapshot has, is made anew;
        leftovers of crashed writes are removed.
        """
        journals = journal_paths(path)
        removed = _memory_file.remove_temporaries(path)
        for journal in journals:
            removed += _memory_file.remove_temporaries(journal)
        notes = [f"{name}: left by a crashed write, removed" for name in removed]
        snapshot = opened.snapshot
        fresh = (
            snapshot is None
            or snapshot.lineage == bytes(16)  # a version 1 file
            or bool(opened.recovered)
            or any(scan.legacy for _, scan in opened.journals)
        )
        lineage = secrets.token_bytes(16) if fresh or snapshot is None else snapshot.lineage
        files = cls(path, held, lineage, 0)
        writers: list[JournalWriter | None] = [None, None]
        try:
            for index, journal in enumerate(journals):
                if held.journals[index] is None:
                    writers[index] = _create(journal, lineage, None)
            for journal in opened.recovered:
                notes.append(f"{journal.name}: kept as {_keep_copy(journal).name}")
            if fresh or snapshot is None:
                files.snapshot_bytes = _memory_file.write_atomic(
                    path, _memory_file.dump(current(lineage))
                )
            else:
                files.snapshot_bytes = path.stat().st_size
            for index, (journal, scan) in enumerate(opened.journals):
                if writers[index] is not None:
                    continue
                last = scan.records[-1][0] if scan.records else 0
                own = held.journals[index]
                assert own is not None
                if fresh or snapshot is None or scan.lineage != lineage or last <= snapshot.seq:
                    # of another snapshot, only commits it holds, or the old format
                    writers[index] = _create(journal, lineage, own)
                else:
                    writers[index] = JournalWriter.reopen(own, scan)
                    files._max_seq[index] = last
                held.journals[index] = None  # the writer holds it (or it was replaced)
        except BaseException:
            for writer in writers:
                if writer is not None:
                    writer.close()
            raise
        files._journals = [writer for writer in writers if writer is not None]
        files._active = 0 if files._max_seq[0] >= files._max_seq[1] else 1
        files.notes = notes
        return files

    def check_held(self) -> None:
        """Refuse (:class:`PersistenceError`) once the active journal or the lock file is no
        longer the file at its name (call before each append)."""
        active = self._journals[self._active]
        if not active.lock.still_at_path():
            raise lock_lost(self.path, f"its journal {active.path.name!r}", journal=True)
        self._held.check_lock_file()

    def append(self, seq: int, payload: bytes) -> None:
        """Append commit ``seq`` durably to the active journal (call under the store lock)."""
        self._journals[self._active].append(seq, payload)
        self._max_seq[self._active] = seq

    def compaction_due(self, failures: int = 0) -> bool:
        """True when the active journal has outgrown its share of the snapshot.

        After ``failures`` failed compactions in a row the threshold doubles for each, up
        to eight times (so a reopen never replays an unbounded journal).
        """
        records = self._journals[self._active].size - HEADER_SIZE
        threshold = max(self.compact_min_bytes, self.compact_share * self.snapshot_bytes)
        return records > threshold * (1 << min(failures, 3))

    def switch(self) -> None:
        """Send later appends to the other journal if it is empty (call under the store lock)."""
        other = 1 - self._active
        if self._journals[other].size == HEADER_SIZE:
            self._active = other

    def finish(self, snapshot: Snapshot, *, appending: bool) -> None:
        """Write ``snapshot`` (taken when :meth:`switch` was called) and empty the journals
        that hold only commits it has: the inactive one, and the active one too unless
        commits are being appended to it (``appending``)."""
        self.snapshot_bytes = _memory_file.write_atomic(self.path, _memory_file.dump(snapshot))
        for index in (1 - self._active, self._active) if not appending else (1 - self._active,):
            if self._max_seq[index] <= snapshot.seq:
                self._journals[index].reset()
                self._max_seq[index] = 0

    def close(self) -> None:
        """Close the journals and release the locks."""
        for journal in self._journals:
            journal.close()
        self._held.release()


def _create(journal: Path, lineage: bytes, replacing: FileLock | None) -> JournalWriter:
    """A new journal at ``journal`` (:meth:`JournalWriter.create`); :class:`FileInUseError`
    when another opener made and holds it meanwhile."""
    try:
        return JournalWriter.create(journal, lineage, replacing=replacing)
    except BlockingIOError:
        store = journal.with_name(journal.name.rsplit(".journal.", 1)[0])
        raise in_use(store, exclusive=True) from None


def _keep_copy(journal: Path) -> Path:
    """Copy the damaged ``journal`` beside it (before it is made anew); the copy's path."""
    copy = journal.with_name(f"{journal.name}.damaged-{secrets.token_hex(4)}")
    _memory_file.write_atomic(copy, [journal.read_bytes()])
    return copy


def replace(path: Path, snapshot: Snapshot) -> None:
    """Make ``snapshot`` the whole content of the store file ``path`` (not open elsewhere)."""
    held = lock(path, exclusive=True)
    try:
        _memory_file.write_atomic(path, _memory_file.dump(snapshot))
        for journal in journal_paths(path):
            with contextlib.suppress(FileNotFoundError):
                journal.unlink()
    finally:
        held.release()


def read_state(
    location: Path, lists: Lists | None, *, recover: bool = False
) -> tuple[MemoryState, Opened]:
    """The state the snapshot at ``location`` and the commits of its journals hold (a new
    state with ``lists`` when there is no snapshot); the caller holds the file's lock.

    A commit that does not fit the state before it is a :class:`FileFormatError`;
    ``recover`` is :func:`read`'s.
    """
    opened = read(location, recover=recover)
    snapshot = opened.snapshot
    if snapshot is None:
        state = MemoryState(lists)
    else:
        state = MemoryState(snapshot.lists)
        state.load_snapshot(snapshot)
    for change in opened.changes:
        try:
            state.replay(change)
        except (LeadcoreError, KeyError, ValueError) as error:
            raise FileFormatError(
                f"commit {change.seq} of the journal of {str(location)!r} does not fit "
                "the state before it",
                why=f"{type(error).__name__}: {error}",
                fix=RESTORE,
                path=str(location),
                seq=change.seq,
            ) from None
    return state, opened


def check_compaction(share: float, min_bytes: int) -> None:
    """Refuse compaction thresholds that are not a share >= 0 and a byte count >= 0."""
    good_share = type(share) in (int, float) and 0 <= share < float("inf")
    if not good_share or type(min_bytes) is not int or min_bytes < 0:
        raise ValidationError(
            f"bad compaction thresholds: compact_share={share!r}, compact_min_bytes={min_bytes!r}",
            why="the share is a finite number >= 0 (of the snapshot's size) and the "
            "minimum a whole number of bytes >= 0",
            fix="Pass e.g. compact_share=0.5, compact_min_bytes=1 << 20 (the defaults)",
        )


class Durability:
    """The durable side of one store: its file, the journal written before each change
    is applied to ``state``, background compaction, read-only and closed states.

    A store without a file has one too: it writes nothing and refuses nothing.
    """

    def __init__(self, state: MemoryState) -> None:
        self.state = state
        self.path: Path | None = None
        """The file the store is kept in or was loaded from, if any."""
        self.files: StoreFiles | None = None
        """The open snapshot and journals of a writable file store."""
        self.journaled = False
        """True when every commit is appended to the journal before it is applied."""
        self.read_lock: StoreLock | None = None
        self.closed = False
        self.broken: BaseException | None = None
        """Set when applying a journaled commit failed half-way: memory no longer
        matches the file, so every later write is refused until the store is reopened."""
        self.saves_waiting = 0
        self.finalizer: weakref.finalize[Any, Any] | None = None
        self.compaction_lock = threading.Lock()
        self.compactor: threading.Thread | None = None
        self.compaction_failures = 0
        self.compaction_error: BaseException | None = None
        """The error of the last background compaction that failed, or ``None``."""

    def hold(
        self,
        location: Path,
        held: StoreLock,
        opened: Opened,
        *,
        read_only: bool,
        autosave: bool,
        compact_share: float,
        compact_min_bytes: int,
    ) -> list[str]:
        """Keep the file at ``location`` whose locks are ``held`` (after :func:`read_state`):
        shared for reading, or ready for appends; what was removed or kept aside, as
        ``dropped`` lines."""
        self.path = location
        if read_only:
            self.read_lock = held
            self.finalizer = weakref.finalize(self, held.release)
            return []
        files = StoreFiles.start(location, held, opened, self.state.snapshot)
        files.compact_share, files.compact_min_bytes = compact_share, compact_min_bytes
        self.files = files
        self.journaled = autosave
        self.finalizer = weakref.finalize(self, files.close)
        return files.notes

    @property
    def journaling(self) -> bool:
        """True when commits are appended to a journal before they are applied."""
        return self.files is not None and self.journaled

    def save(self, location: Path) -> None:
        """Write the state to ``location`` as a snapshot (see ``InMemoryStore.save``)."""
        if self.files is not None and location == self.path:
            self.refuse_if_closed()
            with self.state.lock:
                self.saves_waiting += 1  # a background compaction waiting for the lock yields
            try:
                with self.compaction_lock:
                    if not self.compact():
                        self.refuse_if_closed()
            finally:
                with self.state.lock:
                    self.saves_waiting -= 1
        else:
            replace(location, self.state.snapshot(secrets.token_bytes(16)))

    def close(self) -> None:
        """Wait for a running compaction, close the files and release the lock (idempotent)."""
        with self.state.lock:  # a commit in progress finishes first; none starts after
            self.closed = True
            compactor = self.compactor
        if compactor is not None:
            compactor.join()
        with self.compaction_lock:  # a save() writing its snapshot finishes first
            if self.finalizer is not None:
                self.finalizer()

    def refuse_if_closed(self) -> None:
        """Refuse a write (:class:`PersistenceError`) to a broken, closed or read-only store."""
        if self.broken is not None:
            raise PersistenceError(
                f"the store kept in {str(self.path)!r} must be reopened: nothing was committed",
                committed=False,
                why="an earlier commit was written to the journal but failed while being "
                f"applied in memory ({type(self.broken).__name__}), so memory and file differ",
                fix="Close the store and open the file again: the journal holds that commit",
                path=str(self.path),
            )
        if self.closed or self.read_lock is not None:
            how = "closed" if self.closed else "opened read-only"
            raise PersistenceError(
                f"the store kept in {str(self.path)!r} was {how}: nothing was committed",
                committed=False,
                why="a closed or read-only store does not write its file",
                fix="Open the file again with InMemoryStore.open(path) to write to it",
                path=str(self.path),
            )

    def journal(self, change: Change) -> None:
        """Append ``change`` durably before it is applied (callers hold the state's lock).

        Raises :class:`PersistenceError` with ``committed=False`` when it cannot
        be written: the change is then not applied, and later commits are unaffected.
        """
        self.refuse_if_closed()
        files = self.files
        if files is None or not self.journaled:
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
        files.check_held()
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

    def applying(self, apply: Callable[..., None], *args: Any) -> None:
        """Run ``apply`` for a change already journaled; if it fails half-way, the store
        is marked broken (memory no longer matches the file) and refuses later writes."""
        try:
            apply(*args)
        except BaseException as error:
            if self.journaling:
                self.broken = error
            raise

    def compact_if_due(self) -> None:
        """Start a background compaction when the journal has outgrown its share."""
        files = self.files
        if files is None or not self.journaled or self.closed:
            return
        if not files.compaction_due(self.compaction_failures):
            return
        with self.state.lock:
            if self.closed or (self.compactor is not None and self.compactor.is_alive()):
                return
            self.compactor = threading.Thread(
                target=self._compact_in_background, name="leadcore-compaction", daemon=True
            )
            self.compactor.start()

    def _compact_in_background(self) -> None:
        if not self.compaction_lock.acquire(blocking=False):
            return  # a save() is compacting
        try:
            self.compact(yielding=True)
        except Exception as error:  # the journal still holds every commit: retry later
            self.compaction_error = error
            self.compaction_failures += 1
            _log.error(
                "compacting %s failed; the journal keeps every commit", self.path, exc_info=error
            )
        else:
            self.compaction_error = None
            self.compaction_failures = 0
        finally:
            self.compaction_lock.release()

    def compact(self, *, yielding: bool = False) -> bool:
        """Write a snapshot and empty the journal it makes redundant (hold the compaction lock).

        Only copying the references and switching journals happens under the
        state's lock; the snapshot is written outside it. Returns False, having
        done nothing, when the store is closed, or (``yielding``: a background
        compaction) when a :meth:`save` waits, since that caller may hold the
        state's lock while it waits for the compaction lock.
        """
        files = self.files
        assert files is not None
        lock = self.state.lock
        while not lock.acquire(timeout=0.05):
            if self.closed or (yielding and self.saves_waiting):
                return False
        try:
            if self.broken is not None or (yielding and self.saves_waiting):
                return False
            snapshot = self.state.snapshot(files.lineage)
            files.switch()
        finally:
            lock.release()
        files.finish(snapshot, appending=self.journaled)
        return True
