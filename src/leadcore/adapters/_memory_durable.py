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
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable
from pathlib import Path

import attrs

from leadcore.adapters import _memory_file, _memory_journal
from leadcore.adapters._file_lock import FileLock
from leadcore.adapters._memory_file import RESTORE, Change, FileFormatError, Snapshot
from leadcore.adapters._memory_journal import HEADER_SIZE, JournalScan, JournalWriter
from leadcore.errors import LeadcoreError

__all__ = ["COMPACT_MIN_BYTES", "COMPACT_SHARE", "FileInUseError", "Opened", "StoreFiles"]

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
