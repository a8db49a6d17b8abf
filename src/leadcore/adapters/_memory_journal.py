"""The journal of a file store: framed, checksummed commit records (private).

A journal file starts with a header (magic, the *lineage* of the snapshot it
extends, a CRC-32 of both) and then holds records, each one commit::

    magic "LCJR" | seq u64 | length u64 | crc32(payload) u32 | crc32(the 24 bytes before) u32
    payload (length bytes: the commit as UTF-8 JSON)

Appending a record is one ``write`` and one ``fdatasync``. Reading checks every
checksum. A bad record with nothing valid after it is a *torn tail* (a crash
in the middle of an append): it is dropped and reported. A bad record followed
by a valid one is corruption in the middle: :class:`JournalCorrupt`, with the
byte offset. Lengths are checked against the file's size before anything is
allocated.

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "crm.json.journal.0"
>>> lineage = bytes(16)
>>> writer = JournalWriter.create(path, lineage)
>>> writer.append(1, b'{"n": 1}'); writer.append(2, b'{"n": 2}')
>>> writer.close()
>>> with path.open("ab") as handle:
...     _ = handle.write(frame(3, b'{"n": 3}')[:-2])      # a crash mid-append
>>> found = scan(path)
>>> [seq for seq, _ in found.records], found.torn is not None
([1, 2], True)
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import attrs

from leadcore.adapters._memory_file import RESTORE, FileFormatError, fsync_directory

__all__ = [
    "HEADER_SIZE",
    "JournalCorrupt",
    "JournalScan",
    "JournalWriter",
    "frame",
    "scan",
]

_FILE_MAGIC = b"LCJRNL01"
_FILE_HEADER = struct.Struct("<8s16sI")
HEADER_SIZE = _FILE_HEADER.size
"""Bytes of a journal's file header; an empty journal is exactly this long."""

_RECORD_MAGIC = b"LCJR"
_RECORD = struct.Struct("<4sQQII")
_RECORD_CHECKED = struct.Struct("<4sQQI")


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
    """What a journal holds: its lineage, its whole records, and what was dropped."""

    lineage: bytes | None
    """The lineage of the snapshot the journal extends (``None``: no usable header)."""
    records: list[tuple[int, bytes]]
    """``(seq, payload)`` of each whole record, in file order."""
    good_size: int
    """Bytes up to the end of the last whole record (where the next append goes)."""
    torn: str | None
    """What was dropped at the end, if anything."""


def scan(path: Path) -> JournalScan:
    """Read every record of the journal at ``path``; :class:`JournalCorrupt` on damage."""
    data = path.read_bytes()
    if len(data) < HEADER_SIZE or not data.strip(b"\0"):
        torn = f"a journal header cut short at {len(data)} bytes" if data else None
        return JournalScan(None, [], 0, torn)
    magic, lineage, crc = _FILE_HEADER.unpack_from(data)
    if magic != _FILE_MAGIC or crc != zlib.crc32(magic + lineage):
        raise JournalCorrupt(
            f"{str(path)!r} is not a leadcore journal, or its header is damaged",
            why="the first bytes do not carry the journal's magic and checksum",
            fix=RESTORE,
            path=str(path),
            offset=0,
        )
    records: list[tuple[int, bytes]] = []
    offset = HEADER_SIZE
    while offset < len(data):
        record = _record_at(data, offset)
        if record is None:
            if _valid_record_after(data, offset + 1):
                raise JournalCorrupt(
                    f"the journal {str(path)!r} is damaged at byte {offset}",
                    why="a record there fails its checksum while later records are whole, "
                    "so the commits after it cannot be trusted",
                    fix=RESTORE,
                    path=str(path),
                    offset=offset,
                )
            torn = f"{len(data) - offset} bytes of an unfinished record at byte {offset}"
            return JournalScan(lineage, records, offset, torn)
        seq, payload, end = record
        if records and seq != records[-1][0] + 1:
            raise JournalCorrupt(
                f"the journal {str(path)!r} skips from commit {records[-1][0]} to {seq}",
                why=f"the record at byte {offset} is out of sequence",
                fix=RESTORE,
                path=str(path),
                offset=offset,
            )
        records.append((seq, payload))
        offset = end
    return JournalScan(lineage, records, offset, None)


def _record_at(data: bytes, offset: int) -> tuple[int, bytes, int] | None:
    """The record starting at ``offset`` as ``(seq, payload, end)``, or None if not whole."""
    if len(data) - offset < _RECORD.size:
        return None
    magic, seq, length, payload_crc, header_crc = _RECORD.unpack_from(data, offset)
    if magic != _RECORD_MAGIC or header_crc != zlib.crc32(data[offset : offset + 24]):
        return None
    start = offset + _RECORD.size
    if length > len(data) - start:
        return None
    payload = data[start : start + length]
    if zlib.crc32(payload) != payload_crc:
        return None
    return seq, payload, start + length


def _valid_record_after(data: bytes, offset: int) -> bool:
    """True when a record with a valid header starts anywhere at or after ``offset``."""
    position = data.find(_RECORD_MAGIC, offset)
    while position != -1:
        if len(data) - position >= _RECORD.size:
            header_crc = _RECORD.unpack_from(data, position)[4]
            if header_crc == zlib.crc32(data[position : position + 24]):
                return True
        position = data.find(_RECORD_MAGIC, position + 1)
    return False


class JournalWriter:
    """The open, appendable journal of a writable store."""

    def __init__(self, path: Path, fd: int, size: int, last_seq: int = 0) -> None:
        self.path = path
        self._fd = fd
        self.size = size
        """Bytes of whole records plus the header: where the next append goes."""
        self.last_seq = last_seq
        """The seq of the last record, 0 when there is none."""
        self._broken = False

    @classmethod
    def create(cls, path: Path, lineage: bytes) -> JournalWriter:
        """A new, empty journal for ``lineage`` at ``path`` (replacing any file there)."""
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC | _BINARY, 0o666)
        writer = cls(path, fd, 0)
        try:
            writer._write_at(0, _file_header(lineage))
            os.fsync(fd)
            fsync_directory(path.parent)
        except BaseException:
            writer.close()
            raise
        writer.size = HEADER_SIZE
        return writer

    @classmethod
    def reopen(cls, path: Path, size: int, last_seq: int) -> JournalWriter:
        """The journal at ``path`` ending with commit ``last_seq``, cut back to ``size``
        (dropping a torn tail)."""
        fd = os.open(path, os.O_RDWR | _BINARY)
        writer = cls(path, fd, size, last_seq)
        try:
            if os.fstat(fd).st_size != size:
                os.ftruncate(fd, size)
                os.fsync(fd)
        except BaseException:
            writer.close()
            raise
        return writer

    def append(self, seq: int, payload: bytes) -> None:
        """Write one record durably; on error the journal is cut back to where it was.

        ``seq`` must follow the last record (a defect otherwise: ``ValueError``).
        After a failed write that could not be cut back, every append raises ``OSError``.
        """
        if self._broken or self._fd < 0:
            raise OSError(
                f"the journal {self.path} cannot be appended to (closed, or a "
                "failed write could not be undone)"
            )
        if self.last_seq and seq != self.last_seq + 1:
            raise ValueError(f"commit {seq} cannot follow commit {self.last_seq} in {self.path}")
        try:
            self._write_at(self.size, frame(seq, payload))
            _sync_data(self._fd)
        except BaseException:
            self._cut_back()
            raise
        self.size += _RECORD.size + len(payload)
        self.last_seq = seq

    def reset(self) -> None:
        """Drop every record (the snapshot holds them all now), keeping the header."""
        os.ftruncate(self._fd, HEADER_SIZE)
        _sync_data(self._fd)
        self.size = HEADER_SIZE
        self.last_seq = 0

    def close(self) -> None:
        """Close the file."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def _write_at(self, offset: int, data: bytes) -> None:
        os.lseek(self._fd, offset, os.SEEK_SET)
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]

    def _cut_back(self) -> None:
        """Remove a failed record durably, so that a crash cannot bring it back."""
        try:
            os.ftruncate(self._fd, self.size)
            os.fsync(self._fd)
        except OSError:
            self._broken = True


_BINARY = getattr(os, "O_BINARY", 0)
"""Windows opens files in text mode (\\n becomes \\r\\n) unless told otherwise."""


def _sync_data(fd: int) -> None:
    sync = getattr(os, "fdatasync", os.fsync)
    sync(fd)
