"""The journal of a file store: framed, checksummed commit records (private).

A journal file starts with a header (magic, the *lineage* of the snapshot it
extends, a CRC-32 of both) and then holds records, each one commit::

    magic "LCJR" | seq u64 | length u64 | crc32(payload) u32 | crc32(the 24 bytes before) u32
    payload (length bytes: the commit as UTF-8 JSON)

**A torn append looks different from damage.** The file is allocated ahead of
its records (grown in steps; the new size is made durable before anything is
written there), and at least :data:`RESERVE` zero bytes always follow the last
record. Appending is one ``write`` of the record and the zeros after it, then
one ``fdatasync``: an append never changes the file's size, so a crash in the
middle of one leaves that one record unfinished *inside* the file. Reading
checks every checksum; after the last whole record it finds:

- zeros: the end of the journal;
- an unfinished record that ends inside the file with only zeros after it,
  and nothing whole after it: the commit in flight, *torn*; it is dropped and
  reported (``torn``);
- anything else would lose acknowledged commits: whole records after unreadable
  bytes, an unfinished record followed by more bytes, a file that ends inside a
  record or without the zeros after the last one (cut short: whatever followed
  is gone), a header cut short or damaged.
  That is *damage* (``damage``); opening the store refuses it with
  :class:`JournalCorrupt` and its byte offset, unless asked to recover.

A journal is created whole (written to a temporary file, then given its name),
so it is never seen shorter than its header. Emptying one after a compaction
zeroes the first record's place durably before the file shrinks: a crash in
between leaves records after zeros that the snapshot holds (``later``, which
the store checks against its snapshot). Lengths are checked against the file's
size before anything is allocated. Journals written before the preallocation
(magic ``LCJRNL01``) are still read, with the rule they were written under (an
unfinished record at the end is torn); a store opened for writing rewrites them.

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "crm.json.journal.0"
>>> writer = JournalWriter.create(path, bytes(16))
>>> writer.append(1, b'{"n": 1}'); writer.append(2, b'{"n": 2}')
>>> writer.close()
>>> data = bytearray(path.read_bytes())
>>> end = HEADER_SIZE + 2 * (RECORD_SIZE + 8)
>>> data[end : end + 30] = frame(3, b'{"n": 3}')[:-6]    # a crash mid-append
>>> _ = path.write_bytes(data)
>>> found = scan(path)
>>> [seq for seq, _ in found.records], found.torn is not None, found.damage
([1, 2], True, None)
>>> _ = path.write_bytes(data[: end + 30])               # the same, cut short
>>> scan(path).damage
'the file ends inside the record of commit 3 at byte 100 ...: it was cut short, ...'
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import struct
import sys
import zlib
from pathlib import Path

import attrs

from leadcore.adapters._file_lock import FileLock, lock_file
from leadcore.adapters._memory_file import FileFormatError, fsync_directory

__all__ = [
    "HEADER_SIZE",
    "RECORD_SIZE",
    "RESERVE",
    "JournalCorrupt",
    "JournalScan",
    "JournalWriter",
    "frame",
    "scan",
]

_FILE_MAGIC = b"LCJRNL02"
_LEGACY_MAGIC = b"LCJRNL01"
"""Journals written before the preallocation: a cut cannot be told from a torn append."""
_FILE_HEADER = struct.Struct("<8s16sI")
HEADER_SIZE = _FILE_HEADER.size
"""Bytes of a journal's file header; the records start right after it."""

_RECORD_MAGIC = b"LCJR"
_RECORD = struct.Struct("<4sQQII")
_RECORD_CHECKED = struct.Struct("<4sQQI")
RECORD_SIZE = _RECORD.size
"""Bytes of a record's frame before its payload."""
RESERVE = _RECORD.size
"""Zero bytes a journal keeps after its last record; a file that ends sooner was cut short."""

_STEP = 1 << 16
"""A new journal's size in bytes, and the least it grows by (a quarter of it, once larger)."""
_ZEROS = 1 << 20
"""Zeroes are written in pieces of this many bytes."""


class JournalCorrupt(FileFormatError):
    """A journal is damaged before its end: acknowledged commits after the damage would be lost."""


def frame(seq: int, payload: bytes) -> bytes:
    """One record: the framed ``payload`` of commit number ``seq``."""
    checked = _RECORD_CHECKED.pack(_RECORD_MAGIC, seq, len(payload), zlib.crc32(payload))
    return checked + struct.pack("<I", zlib.crc32(checked)) + payload


def _file_header(lineage: bytes) -> bytes:
    return _FILE_HEADER.pack(_FILE_MAGIC, lineage, zlib.crc32(_FILE_MAGIC + lineage))


@attrs.frozen
class JournalScan:
    """What a journal holds: its lineage, its whole records, and what follows them."""

    lineage: bytes | None
    """The lineage of the snapshot the journal extends (``None``: no usable header)."""
    records: list[tuple[int, bytes]]
    """``(seq, payload)`` of each whole record, in file order."""
    good_size: int
    """Bytes up to the end of the last whole record (where the next append goes)."""
    torn: str | None
    """The unfinished record after them (at most the commit in flight), if any."""
    damage: str | None = None
    """Why the bytes after ``good_size`` cannot be read without losing acknowledged
    commits (``None``: the journal ends there, or with a torn record)."""
    later: tuple[int, ...] = ()
    """The seqs of the records found whole after the damage (they are not in ``records``)."""
    legacy: bool = False
    """Written before the preallocation (magic ``LCJRNL01``)."""


def scan(path: Path) -> JournalScan:
    """Read every record of the journal at ``path``, and what follows the last whole one."""
    data = path.read_bytes()
    if len(data) < HEADER_SIZE or not data[:HEADER_SIZE].strip(b"\0"):
        why = f"its header is cut short ({len(data)} bytes) or zeroed, so nothing in it is readable"
        return JournalScan(None, [], 0, None, why)
    magic, lineage, crc = _FILE_HEADER.unpack_from(data)
    if magic not in (_FILE_MAGIC, _LEGACY_MAGIC) or crc != zlib.crc32(magic + lineage):
        why = "the first bytes do not carry a leadcore journal's magic and checksum"
        return JournalScan(None, [], 0, None, why)
    legacy = magic == _LEGACY_MAGIC
    records: list[tuple[int, bytes]] = []
    offset = HEADER_SIZE
    while (record := _record_at(data, offset)) is not None:
        seq, payload, end = record
        if records and seq != records[-1][0] + 1:
            why = f"the record there skips from commit {records[-1][0]} to {seq}"
            return JournalScan(lineage, records, offset, None, why, _whole_after(data, offset))
        records.append((seq, payload))
        offset = end
    last = records[-1][0] if records else None
    torn, damage = (_legacy_tail if legacy else _tail)(data, offset, last)
    later = _whole_after(data, offset + 1)
    if later and damage is None:
        torn = None
        damage = (
            "the bytes there are no whole record while records after them are, "
            "so the commits from there on cannot be trusted"
        )
    return JournalScan(lineage, records, offset, torn, damage, later, legacy)


def _tail(data: bytes, offset: int, last: int | None) -> tuple[str | None, str | None]:
    """``(torn, damage)``: what follows the last whole record of a preallocated journal."""
    rest = len(data) - offset
    header = _header_at(data, offset)
    if header is not None:
        seq, length = header
        if offset + _RECORD.size + length + RESERVE > len(data):
            return None, (
                f"the file ends inside the record of commit {seq} at byte {offset} (or "
                "without the zeros after it): it was cut short, and what followed is lost"
            )
        if last is not None and seq != last + 1:
            return None, f"the record there is out of sequence (commit {seq} after {last})"
        if data[offset + _RECORD.size + length :].strip(b"\0"):
            return None, (
                f"the unfinished record of commit {seq} at byte {offset} is followed by "
                "bytes that are not zeros, where an append in flight leaves none: "
                "more than that one commit would be lost"
            )
        return f"the unfinished record of commit {seq} at byte {offset}", None
    if rest < RESERVE:
        return None, (
            f"the file ends {rest} bytes after its last whole record, where a journal "
            f"keeps at least {RESERVE} zero bytes: it was cut short, and what followed is lost"
        )
    if data[offset : offset + RESERVE].strip(b"\0"):
        return f"the start of an unfinished record at byte {offset}", None
    if data[offset:].strip(b"\0"):  # its first bytes never reached the disk, later ones did
        return f"the remains of an unfinished record after byte {offset}", None
    return None, None


def _legacy_tail(data: bytes, offset: int, last: int | None) -> tuple[str | None, str | None]:
    """``(torn, damage)`` of a journal written before the preallocation."""
    del last
    rest = len(data) - offset
    return (f"{rest} bytes of an unfinished record at byte {offset}" if rest else None), None


def _header_at(data: bytes, offset: int) -> tuple[int, int] | None:
    """``(seq, length)`` of the record whose frame at ``offset`` is whole, or None."""
    if len(data) - offset < _RECORD.size:
        return None
    magic, seq, length, _, header_crc = _RECORD.unpack_from(data, offset)
    if magic != _RECORD_MAGIC or header_crc != zlib.crc32(data[offset : offset + 24]):
        return None
    return seq, length


def _record_at(data: bytes, offset: int) -> tuple[int, bytes, int] | None:
    """The record starting at ``offset`` as ``(seq, payload, end)``, or None if not whole."""
    header = _header_at(data, offset)
    if header is None:
        return None
    seq, length = header
    start = offset + _RECORD.size
    if length > len(data) - start:
        return None
    payload = data[start : start + length]
    if zlib.crc32(payload) != _RECORD.unpack_from(data, offset)[3]:
        return None
    return seq, payload, start + length


def _whole_after(data: bytes, offset: int) -> tuple[int, ...]:
    """The seqs of the records whose frame is whole at or after ``offset``."""
    seqs = []
    position = data.find(_RECORD_MAGIC, offset)
    while position != -1:
        header = _header_at(data, position)
        if header is not None:
            seqs.append(header[0])
        position = data.find(_RECORD_MAGIC, position + 1)
    return tuple(seqs)


class JournalWriter:
    """The open, appendable journal of a writable store; it holds the journal's lock."""

    def __init__(self, lock: FileLock, size: int, allocated: int, last_seq: int = 0) -> None:
        self.lock = lock
        """The exclusive lock on the journal; its file is what records are written to."""
        self.size = size
        """Bytes of whole records plus the header: where the next append goes."""
        self.allocated = allocated
        """The file's size: records and the zeros after them."""
        self.last_seq = last_seq
        """The seq of the last record, 0 when there is none."""
        self._broken = False

    @property
    def path(self) -> Path:
        """Where the journal is."""
        return self.lock.path

    @classmethod
    def create(
        cls, path: Path, lineage: bytes, *, replacing: FileLock | None = None
    ) -> JournalWriter:
        """A new, empty journal for ``lineage`` at ``path``, locked, and put in place whole.

        It is written to a locked temporary file that then takes the name ``path``:
        replacing the journal ``replacing`` (locked by the caller), or, without one,
        taking a free name, or else replacing the file there if it can be locked
        (:class:`BlockingIOError` when another opener holds it).
        """
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        fd = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_EXCL | _BINARY, 0o666)
        try:
            lock_file(fd, exclusive=True)
            writer = cls(FileLock(temporary, fd), HEADER_SIZE, _STEP)
        except BaseException:
            os.close(fd)
            os.unlink(temporary)
            raise
        try:
            if replacing is not None and hasattr(os, "fchmod"):
                os.fchmod(fd, stat.S_IMODE(os.fstat(replacing.fd).st_mode))
            writer._write_at(0, _file_header(lineage))
            os.ftruncate(fd, _STEP)
            os.fsync(fd)
            writer = _put_in_place(writer, path, replacing)
            fsync_directory(path.parent)
        except BaseException:
            writer.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        return writer

    @classmethod
    def reopen(cls, lock: FileLock, found: JournalScan) -> JournalWriter:
        """The journal ``found`` describes, held by ``lock``, ready for appends after its
        last whole record; what follows that record (a torn one) is zeroed first."""
        fd = lock.fd
        end = os.fstat(fd).st_size
        last = found.records[-1][0] if found.records else 0
        writer = cls(lock, found.good_size, end, last)
        if found.torn is not None or found.damage is not None:
            for start in range(found.good_size, end, _ZEROS):
                writer._write_at(start, bytes(min(_ZEROS, end - start)))
            os.fsync(fd)
        if end < found.good_size + RESERVE:
            writer._grow(found.good_size + RESERVE)
        return writer

    def append(self, seq: int, payload: bytes) -> None:
        """Write one record durably; on error its place is zeroed again.

        ``seq`` must follow the last record (a defect otherwise: ``ValueError``).
        After a failed write that could not be undone, every append raises ``OSError``.
        """
        if self._broken or not self.lock.held:
            raise OSError(
                f"the journal {self.path} cannot be appended to (closed, or a "
                "failed write could not be undone)"
            )
        if self.last_seq and seq != self.last_seq + 1:
            raise ValueError(f"commit {seq} cannot follow commit {self.last_seq} in {self.path}")
        record = frame(seq, payload) + bytes(RESERVE)
        if self.size + len(record) > self.allocated:
            self._grow(self.size + len(record))  # nothing written yet if this fails
        try:
            self._write_at(self.size, record)
            _sync_data(self.lock.fd)
        except BaseException:
            self._undo(len(record))
            raise
        self.size += len(record) - RESERVE
        self.last_seq = seq

    def reset(self) -> None:
        """Drop every record (the snapshot holds them all now), keeping the header.

        The first record's place is zeroed and made durable before the file
        shrinks, so that a crash leaves either the old records or none readable.
        """
        self._write_at(HEADER_SIZE, bytes(RESERVE))
        _sync_data(self.lock.fd)
        self.size, self.last_seq = HEADER_SIZE, 0
        os.ftruncate(self.lock.fd, HEADER_SIZE + RESERVE)
        self.allocated = HEADER_SIZE + RESERVE
        os.ftruncate(self.lock.fd, _STEP)
        os.fsync(self.lock.fd)
        self.allocated = _STEP

    def close(self) -> None:
        """Close the file (releasing its lock)."""
        self.lock.release()

    def _grow(self, needed: int) -> None:
        """Make the file at least ``needed`` bytes long, durably, before it is written there."""
        target = max(needed, self.allocated + max(_STEP, self.allocated // 4))
        target = -(-target // 4096) * 4096
        os.ftruncate(self.lock.fd, target)
        os.fsync(self.lock.fd)
        self.allocated = target

    def _write_at(self, offset: int, data: bytes) -> None:
        fd = self.lock.fd
        os.lseek(fd, offset, os.SEEK_SET)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]

    def _undo(self, length: int) -> None:
        """Zero a failed record durably, so that a crash cannot bring it back."""
        try:
            self._write_at(self.size, bytes(length))
            os.fsync(self.lock.fd)
        except OSError:
            self._broken = True


def _put_in_place(writer: JournalWriter, path: Path, replacing: FileLock | None) -> JournalWriter:
    """Give the new journal ``writer`` (a locked temporary file) the name ``path``."""
    temporary = writer.path
    if sys.platform == "win32":  # pragma: no cover - a file open there cannot be renamed
        writer.close()
        if replacing is not None:
            replacing.release()
        os.replace(temporary, path)
        return JournalWriter(
            FileLock.acquire(path, exclusive=True, create=False), HEADER_SIZE, _STEP
        )
    if replacing is None:
        replacing = _take_free_name(temporary, path)
        if replacing is None:
            writer.lock.moved_to(path)
            return writer
        try:  # the name was taken: replace that file, whose lock is ours now
            os.replace(temporary, path)
        finally:
            replacing.release()
    else:
        os.replace(temporary, path)
        replacing.release()
    writer.lock.moved_to(path)
    return writer


def _take_free_name(temporary: Path, path: Path) -> FileLock | None:
    """Link ``temporary`` as ``path`` if no file has that name (then ``None``); else lock
    the file there and return its lock (:class:`BlockingIOError` when it is held)."""
    for _ in range(8):
        try:
            os.link(temporary, path)  # only a free name: of two makers, one fails here
        except FileExistsError:
            pass
        except OSError as error:  # a file system without hard links
            if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
                raise
            if not path.exists():
                os.replace(temporary, path)
                return None
        else:
            os.unlink(temporary)
            return None
        with contextlib.suppress(FileNotFoundError):  # gone again meanwhile: link again
            return FileLock.acquire(path, exclusive=True, create=False)
    raise BlockingIOError(0, f"{path} kept changing while a new journal was put there")


_BINARY = getattr(os, "O_BINARY", 0)
"""Windows opens files in text mode (\\n becomes \\r\\n) unless told otherwise."""


def _sync_data(fd: int) -> None:
    sync = getattr(os, "fdatasync", os.fsync)
    sync(fd)
