"""The files of a file-backed in-memory store: snapshot, two journals, a lock (private).

For a store at ``crm.json``:

- ``crm.json`` is the snapshot (:mod:`._memory_file`): every commit up to its ``seq``;
- ``crm.json.journal.0`` and ``crm.json.journal.1`` hold the commits after it
  (:mod:`._memory_journal`), one record each, appended and fdatasynced before the
  commit is applied in memory;
- ``crm.json.lock`` carries the OS lock: exclusive for the one writer, shared
  for read-only openers.

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
from leadcore.adapters._memory_journal import HEADER_SIZE, JournalScan, JournalWriter
from leadcore.adapters._memory_state import MemoryState
from leadcore.errors import LeadcoreError, PersistenceError, ValidationError
from leadcore.lists import Lists

__all__ = [
    "COMPACT_MIN_BYTES",
    "COMPACT_SHARE",
    "Durability",
    "FileInUseError",
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


class FileInUseError(LeadcoreError):
    """Another store (in this process or another) has the file open for writing."""


@attrs.frozen
class Opened:
    """What opening found: the snapshot, the commits after it, and what was repaired."""

    snapshot: Snapshot | None
    """``None`` when there is no snapshot yet (a new store)."""
    changes: list[Change]
    dropped: list[str]
    """Torn journal tails and journals of another snapshot, dropped (reported, not errors)."""
    journals: list[tuple[Path, JournalScan]]
    """Each journal as read (a missing one as empty)."""


def _journal_paths(path: Path) -> tuple[Path, Path]:
    return path.with_name(path.name + ".journal.0"), path.with_name(path.name + ".journal.1")


def _lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def lock(path: Path, *, exclusive: bool) -> FileLock:
    """Take the lock of the store file ``path``; :class:`FileInUseError` when it is held."""
    try:
        return FileLock.acquire(_lock_path(path), exclusive=exclusive)
    except BlockingIOError:
        raise FileInUseError(
            f"the store file {str(path)!r} is in use",
            why="another store has it open for writing"
            if not exclusive
            else "another store (in this or another process) has it open",
            fix="Close the other store first (store.close()), or open this one with "
            "read_only=True once no writer has it; one file has one writer at a time",
            path=str(path),
        ) from None


def read(path: Path) -> Opened:
    """The snapshot at ``path`` and the commits its journals add; the caller holds the lock.

    Raises :class:`FileFormatError` (and touches nothing) when a snapshot is
    damaged, a journal is damaged before its end, or the commits have a gap.
    """
    snapshot = _memory_file.load(path) if path.exists() else None
    scans = [(p, _scan_or_empty(p)) for p in _journal_paths(path)]
    if snapshot is None:
        if any(scan.records for _, scan in scans):
            raise FileFormatError(
                f"the store file {str(path)!r} is missing while its journal holds commits",
                why="a journal only adds to its snapshot; without the snapshot they are unusable",
                fix="Restore the snapshot file from a backup, or remove the journal files to "
                "start an empty store",
                path=str(path),
            )
        return Opened(None, [], [f"{p.name}: {scan.torn}" for p, scan in scans if scan.torn], scans)
    dropped: list[str] = []
    payloads: dict[int, tuple[Path, bytes]] = {}
    for journal, scan in scans:
        if scan.torn:
            dropped.append(f"{journal.name}: {scan.torn}")
        if scan.records and scan.lineage != snapshot.lineage:
            dropped.append(f"{journal.name}: {len(scan.records)} commits of a replaced snapshot")
            continue
        for seq, payload in scan.records:
            if seq > snapshot.seq:
                payloads[seq] = (journal, payload)
    changes: list[Change] = []
    for expected, seq in enumerate(sorted(payloads), snapshot.seq + 1):
        journal, payload = payloads[seq]
        if seq != expected:
            raise _memory_journal.JournalCorrupt(
                f"the commits after the snapshot {str(path)!r} have a gap",
                why=f"commit {expected} is in no journal, while commit {seq} is",
                fix=RESTORE,
                path=str(path),
                missing=expected,
            )
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
    return Opened(snapshot, changes, dropped, scans)


def _scan_or_empty(path: Path) -> JournalScan:
    return _memory_journal.scan(path) if path.exists() else JournalScan(None, [], 0, None)


class StoreFiles:
    """The open, writable files of one store: appends, compaction, close."""

    def __init__(self, path: Path, held: FileLock, lineage: bytes, snapshot_bytes: int) -> None:
        self.path = path
        self._lock = held
        self.lineage = lineage
        self.snapshot_bytes = snapshot_bytes
        self._journals: list[JournalWriter] = []
        self._max_seq = [0, 0]
        self._active = 0
        self.removed: list[str] = []
        """Temporary files of crashed writes removed when the files were opened."""
        self.compact_share = COMPACT_SHARE
        self.compact_min_bytes = COMPACT_MIN_BYTES

    @classmethod
    def start(
        cls,
        path: Path,
        held: FileLock,
        opened: Opened,
        current: Callable[[bytes], Snapshot],
    ) -> StoreFiles:
        """Make the files ready for appends after ``opened`` was applied to a store.

        ``current(lineage)`` is the store's state as a snapshot. A new store or
        a version 1 file gets a fresh snapshot (and lineage) now; torn journal
        tails are cut off; a missing journal, or one of a replaced snapshot, is
        made anew; leftovers of crashed writes are removed.
        """
        removed = _memory_file.remove_temporaries(path)
        snapshot = opened.snapshot
        files = cls(path, held, bytes(16), 0)
        try:
            if snapshot is None or snapshot.lineage == bytes(16):  # new, or a version 1 file
                files.lineage = secrets.token_bytes(16)
                files.snapshot_bytes = _memory_file.write_atomic(
                    path, _memory_file.dump(current(files.lineage))
                )
                for journal in _journal_paths(path):
                    files._journals.append(JournalWriter.create(journal, files.lineage))
            else:
                files.lineage = snapshot.lineage
                files.snapshot_bytes = path.stat().st_size
                for index, (journal, scan) in enumerate(opened.journals):
                    last = scan.records[-1][0] if scan.records else 0
                    if scan.lineage != snapshot.lineage or last <= snapshot.seq:
                        # missing, cut short, of another snapshot, or only commits it holds
                        files._journals.append(JournalWriter.create(journal, snapshot.lineage))
                        continue
                    files._journals.append(JournalWriter.reopen(journal, scan.good_size, last))
                    files._max_seq[index] = last
                files._active = 0 if files._max_seq[0] >= files._max_seq[1] else 1
        except BaseException:
            for writer in files._journals:
                writer.close()
            raise
        files.removed = removed
        return files

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
        """Close the journals and release the lock."""
        for journal in self._journals:
            journal.close()
        self._lock.release()


def replace(path: Path, snapshot: Snapshot) -> None:
    """Make ``snapshot`` the whole content of the store file ``path`` (not open elsewhere)."""
    held = lock(path, exclusive=True)
    try:
        _memory_file.write_atomic(path, _memory_file.dump(snapshot))
        for journal in _journal_paths(path):
            with contextlib.suppress(FileNotFoundError):
                journal.unlink()
    finally:
        held.release()


def read_state(location: Path, lists: Lists | None) -> tuple[MemoryState, Opened]:
    """The state the snapshot at ``location`` and the commits of its journals hold (a new
    state with ``lists`` when there is no snapshot); the caller holds the file's lock.

    A commit that does not fit the state before it is a :class:`FileFormatError`.
    """
    opened = read(location)
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
        self.read_lock: FileLock | None = None
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
        held: FileLock,
        opened: Opened,
        *,
        read_only: bool,
        autosave: bool,
        compact_share: float,
        compact_min_bytes: int,
    ) -> list[str]:
        """Keep the file at ``location`` whose lock is ``held`` (after :func:`read_state`):
        shared for reading, or ready for appends; what was removed, as ``dropped`` lines."""
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
        return [f"{name}: left by a crashed write, removed" for name in files.removed]

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
