"""The snapshot format of the in-memory adapter, its commit records, and atomic writing (private).

A snapshot (version 2) is UTF-8 JSON lines, each record in the model's JSON form
(:mod:`leadcore.codec`)::

    {"format": "leadcore-memory", "version": 2, "seq": 41, "lineage": "9f0c...",
     "counts": {"selections": 1, "companies": 2, "persons": 3, "history": 4,
               "associates": 2},
     "deleted_max": {"person": 9}, "deleted_persons": [4, 9]}
    {lists}
    {settings}
    one line per selection, associate, company, person and history entry, in that order

``deleted_max`` is the highest deleted id of each kind, so that a reopened store
never hands a deleted id out again; ``deleted_persons`` the ids of the deleted
persons, so that their history stays readable (``PersonRepository.was_deleted``).
Files written before associates and deletions existed lack ``associates``,
``deleted_max`` and ``deleted_persons``: they read as none.
    {"end": "leadcore-memory", "bytes": 1234, "crc32": 567}

``seq`` counts the commits the snapshot holds; the journal
(:mod:`._memory_journal`) holds the commits after it, each a *change record*
(:func:`encode_change`). The last line's checksum covers every byte before it,
and it is checked before any of the snapshot is used. Version 1 (one JSON
document, no checksum) is still read. Times are ISO 8601 text, enums their
stable codes, criteria the versioned document of :mod:`leadcore.criteria.json`,
selections tagged by ``"kind"``.

:func:`write_atomic` writes to a temporary file in the same directory, flushes
and fsyncs it, then renames it over the target with :func:`os.replace`: a crash
or an error at any point leaves the previous file as it was, and
:func:`remove_temporaries` clears what a crashed write left behind.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import secrets
import stat
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import attrs
import cattrs

from leadcore import codec
from leadcore.errors import LeadcoreError
from leadcore.history import HistoryEntry
from leadcore.lists import Lists
from leadcore.model import (
    Associate,
    Company,
    CompanyId,
    Person,
    PersonId,
    SelectionId,
)
from leadcore.selections import Selection

__all__ = [
    "FORMAT",
    "READ_ERRORS",
    "RESTORE",
    "VERSION",
    "Change",
    "FileFormatError",
    "Snapshot",
    "converter",
    "decode_change",
    "describe",
    "dump",
    "encode_change",
    "fsync_directory",
    "load",
    "remove_temporaries",
    "write_atomic",
]

FORMAT = "leadcore-memory"
VERSION = 2
"""The snapshot version written; version 1 files are still read."""


RESTORE = (
    "Restore the store's files from a backup (they were left as they are); do not edit them by hand"
)
"""What to do about a damaged or unreadable store file."""


class FileFormatError(LeadcoreError):
    """A store file cannot be read: not JSON, another format or version, or bad records."""


@attrs.frozen
class Snapshot:
    """Everything a snapshot holds, as domain values."""

    lists: Lists
    companies: list[Company]
    persons: list[Person]
    history: list[HistoryEntry]
    selections: list[Selection]
    settings: dict[str, Any]
    seq: int = 0
    """How many commits the snapshot holds (0 for a version 1 file)."""
    lineage: bytes = bytes(16)
    """Names the history of one store file; its journals carry the same lineage."""
    associates: list[Associate] = attrs.Factory(list)
    deleted_max: dict[str, int] = attrs.Factory(dict)
    """The highest deleted id per kind ("person", "company", "selection")."""
    deleted_persons: list[PersonId] = attrs.Factory(list)
    """The ids of the deleted persons, ascending."""


@attrs.frozen
class Change:
    """One commit as the journal records it: what it stored, nothing more.

    ``bulk`` marks a bulk import (new records only, indexes built once).
    """

    seq: int
    companies: list[Company] = attrs.Factory(list)
    persons: list[Person] = attrs.Factory(list)
    history: list[HistoryEntry] = attrs.Factory(list)
    lists: Lists | None = None
    selections: list[Selection] = attrs.Factory(list)
    deleted_selections: list[SelectionId] = attrs.Factory(list)
    settings: dict[str, Any] = attrs.Factory(dict)
    bulk: bool = False
    associates: list[Associate] = attrs.Factory(list)
    deleted_persons: list[PersonId] = attrs.Factory(list)
    deleted_companies: list[CompanyId] = attrs.Factory(list)


def _make_converter() -> cattrs.Converter:
    """The model's JSON form (:mod:`leadcore.codec`), copied for the file format.

    Every record of a snapshot or a change is the codec's form of its class; the
    lists record is :class:`~leadcore.lists.Lists`, whose hooks cattrs
    generates from the class (the two lists in the codec's form, and the version).
    A copy, so that what the file needs later never changes the public form.
    """
    return codec.converter.copy()


converter = _make_converter()
"""The converter of the store file format."""


def dump(snapshot: Snapshot) -> Iterator[bytes]:
    """The snapshot's lines, the checksum line last."""
    unstructure = converter.unstructure
    checksum = 0
    size = 0
    header = {
        "format": FORMAT,
        "version": VERSION,
        "seq": snapshot.seq,
        "lineage": snapshot.lineage.hex(),
        "counts": {
            "selections": len(snapshot.selections),
            "companies": len(snapshot.companies),
            "persons": len(snapshot.persons),
            "history": len(snapshot.history),
            "associates": len(snapshot.associates),
        },
        "deleted_max": snapshot.deleted_max,
        "deleted_persons": snapshot.deleted_persons,
    }
    lines: Iterable[Any] = (
        [header, unstructure(snapshot.lists), snapshot.settings],
        (unstructure(s, Selection) for s in snapshot.selections),
        map(unstructure, snapshot.associates),
        map(unstructure, snapshot.companies),
        map(unstructure, snapshot.persons),
        map(unstructure, snapshot.history),
    )
    for part in lines:
        for record in part:
            line = _encode(record) + b"\n"
            checksum = zlib.crc32(line, checksum)
            size += len(line)
            yield line
    yield _encode({"end": FORMAT, "bytes": size, "crc32": checksum}) + b"\n"


_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
"""Built once: ``json.dumps`` with options builds a new encoder per call."""


def _encode(data: Any) -> bytes:
    return _ENCODER.encode(data).encode()


def encode_change(change: Change) -> bytes:
    """The journal payload of ``change``: UTF-8 JSON holding only what it changed."""
    unstructure = converter.unstructure
    data: dict[str, Any] = {"seq": change.seq}
    if change.bulk:
        data["bulk"] = True
    for name in (
        "companies",
        "persons",
        "history",
        "deleted_selections",
        "associates",
        "deleted_persons",
        "deleted_companies",
    ):
        rows = getattr(change, name)
        if rows:
            data[name] = [unstructure(row) for row in rows]
    if change.selections:
        data["selections"] = [unstructure(s, Selection) for s in change.selections]
    if change.lists is not None:
        data["lists"] = unstructure(change.lists)
    if change.settings:
        data["settings"] = change.settings
    return _encode(data)


def decode_change(payload: bytes) -> Change:
    """The change a journal payload records; ``ValueError`` and friends when it is not one."""
    data = _parse(payload)
    if not isinstance(data, dict):
        raise TypeError(f"a change record is a JSON object, not {type(data).__name__}")
    structure = converter.structure
    lists = data.get("lists")
    return Change(
        seq=_integer(data.get("seq")),
        companies=structure(data.get("companies", []), list[Company]),
        persons=structure(data.get("persons", []), list[Person]),
        history=structure(data.get("history", []), list[HistoryEntry]),
        lists=None if lists is None else structure(lists, Lists),
        selections=[structure(s, Selection) for s in data.get("selections", [])],  # type: ignore[arg-type]
        deleted_selections=structure(data.get("deleted_selections", []), list[SelectionId]),
        settings=_object(data.get("settings", {})),
        bulk=data.get("bulk", False) is True,
        associates=structure(data.get("associates", []), list[Associate]),
        deleted_persons=structure(data.get("deleted_persons", []), list[PersonId]),
        deleted_companies=structure(data.get("deleted_companies", []), list[CompanyId]),
    )


def _parse(line: bytes) -> Any:
    """One JSON value from UTF-8 ``line``; ``ValueError`` (not ``RecursionError``) when bad."""
    try:
        return json.loads(line.decode())
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _integer(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise ValueError(f"expected a count (an integer >= 0), got {value!r}")
    return value


def _array(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"expected a JSON array, got {type(value).__name__}")
    return value


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected a JSON object, got {type(value).__name__}")
    return value


READ_ERRORS = codec.READ_ERRORS
"""What structuring a bad record can raise; each becomes a :class:`FileFormatError`."""


def load(path: Path) -> Snapshot:
    """Read the snapshot at ``path``; :class:`FileFormatError` when it cannot be read.

    The checksum is verified before the snapshot is returned; ids must be unique
    and each person's company must be in the snapshot.
    """
    try:
        with path.open("rb") as handle:
            first = handle.readline(_HEADER_LIMIT)
            header = _version_2_header(first)
            if header is None:
                handle.seek(0)
                snapshot = _load_version_1(handle, path)
            else:
                snapshot = _load_version_2(handle, first, header, path)
    except OSError as error:
        raise _unreadable(path, str(error)) from None
    _check_references(snapshot, path)
    return snapshot


def describe(error: BaseException) -> str:
    """What is wrong with a record, naming the path of each bad value (cattrs' ``$.field``)."""
    if isinstance(error, cattrs.BaseValidationError):
        return "; ".join(cattrs.transform_error(error, format_exception=_exception_text))
    return f"{type(error).__name__}: {error}"


def _exception_text(error: BaseException, _type: Any) -> str:
    return f"{type(error).__name__}: {error}"


def _unreadable(path: Path, why: str, **context: Any) -> FileFormatError:
    return FileFormatError(
        f"cannot read the store file {str(path)!r}",
        why=why,
        fix="Check the path, or restore the file from a backup; do not edit store files by hand",
        path=str(path),
        **context,
    )


def _version_2_header(first: bytes) -> dict[str, Any] | None:
    try:
        header = _parse(first)
    except ValueError:
        return None
    if isinstance(header, dict) and header.get("format") == FORMAT and header.get("version") == 2:
        return header
    return None


def _load_version_2(handle: BinaryIO, first: bytes, header: dict[str, Any], path: Path) -> Snapshot:
    checksum = zlib.crc32(first)
    size = len(first)
    line_number = 1

    def records(count: int, what: str) -> Iterator[Any]:
        nonlocal checksum, size, line_number
        for _ in range(count):
            line = handle.readline()
            line_number += 1
            if not line.endswith(b"\n"):
                raise _unreadable(
                    path,
                    f"it ends in the middle of the {what} (line {line_number})",
                    line=line_number,
                )
            checksum = zlib.crc32(line, checksum)
            size += len(line)
            try:
                yield _parse(line)
            except ValueError as error:
                raise _unreadable(
                    path, f"line {line_number} is not JSON: {error}", line=line_number
                ) from None

    def structured(count: int, what: str, kind: Any) -> list[Any]:
        rows = []
        for data in records(count, what):
            try:
                rows.append(converter.structure(data, kind))
            except READ_ERRORS as error:
                raise _bad_record(path, error, line=line_number) from None
        return rows

    try:
        counts = _object(header["counts"])
        seq = _integer(header["seq"])
        lineage = bytes.fromhex(header["lineage"])
        if len(lineage) != 16:
            raise ValueError("a lineage is 16 bytes")
        wanted = {
            name: _integer(counts[name])
            for name in ("selections", "companies", "persons", "history")
        }
        wanted["associates"] = _integer(counts.get("associates", 0))
        deleted_max = {
            str(kind): _integer(top) for kind, top in _object(header.get("deleted_max", {})).items()
        }
        deleted_persons = [PersonId(_integer(i)) for i in _array(header.get("deleted_persons", []))]
    except READ_ERRORS as error:
        raise _bad_record(path, error, line=1) from None
    lists = structured(1, "lists", Lists)[0]
    settings = _object(next(records(1, "settings")))
    selections = structured(wanted["selections"], "selections", Selection)
    associates = structured(wanted["associates"], "associates", Associate)
    companies = structured(wanted["companies"], "companies", Company)
    persons = structured(wanted["persons"], "persons", Person)
    history = structured(wanted["history"], "history", HistoryEntry)
    expected = {"end": FORMAT, "bytes": size, "crc32": checksum}
    trailer = handle.readline()
    try:
        found = _parse(trailer)
    except ValueError:
        found = None
    if found != expected or handle.read(1):
        raise FileFormatError(
            f"the store file {str(path)!r} is damaged",
            why="its checksum line does not match its content (or it is cut short, or has "
            "bytes after its end)",
            fix=RESTORE,
            path=str(path),
        )
    return Snapshot(
        lists, companies, persons, history, selections, settings, seq, lineage,
        associates, deleted_max, deleted_persons,
    )  # fmt: skip


def _bad_record(path: Path, error: BaseException, **context: Any) -> FileFormatError:
    return FileFormatError(
        f"the store file {str(path)!r} holds a record leadcore cannot read",
        why=describe(error),
        fix=RESTORE,
        path=str(path),
        **context,
    )


def _load_version_1(handle: BinaryIO, path: Path) -> Snapshot:
    try:
        data = json.load(handle)
    except (ValueError, RecursionError) as error:
        raise _unreadable(path, f"{type(error).__name__}: {error}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise FileFormatError(
            f"{str(path)!r} is not a leadcore store file",
            why=f'it lacks "format": "{FORMAT}"',
            fix="Open a file written by InMemoryStore.save",
            path=str(path),
        )
    if data.get("version") != 1:
        raise FileFormatError(
            f"the store file {str(path)!r} has version {data.get('version')!r}",
            why=f"this leadcore reads versions 1 and {VERSION}",
            fix="Open it with the leadcore version that wrote it",
            path=str(path),
        )
    try:
        return Snapshot(
            lists=converter.structure(data["lists"], Lists),
            companies=converter.structure(data["companies"], list[Company]),
            persons=converter.structure(data["persons"], list[Person]),
            history=converter.structure(data["history"], list[HistoryEntry]),
            selections=[converter.structure(s, Selection) for s in data["selections"]],  # type: ignore[arg-type]
            settings=_object(data["settings"]),
        )
    except READ_ERRORS as error:
        raise _bad_record(path, error) from None


def _check_references(snapshot: Snapshot, path: Path) -> None:
    """Unique ids, and every person's company present (what the store's indexes rely on)."""
    for kind, rows in (
        ("company", snapshot.companies),
        ("person", snapshot.persons),
        ("selection", snapshot.selections),
        ("associate", snapshot.associates),
    ):
        seen: set[int] = set()
        for row in rows:
            if row.id in seen:
                raise _bad_record(path, ValueError(f"{kind} {row.id} appears twice"), id=row.id)
            seen.add(row.id)
    known = {c.id for c in snapshot.companies}
    for person in snapshot.persons:
        if person.company_id is not None and person.company_id not in known:
            raise _bad_record(
                path,
                ValueError(
                    f"person {person.id} belongs to company {person.company_id}, "
                    "which is not in the file"
                ),
                id=person.id,
            )


_BINARY = getattr(os, "O_BINARY", 0)
"""Windows opens files in text mode (\\n becomes \\r\\n) unless told otherwise."""

_HEADER_LIMIT = 1 << 16
"""A version 2 header line is far shorter; a longer first line is read as version 1."""


def write_atomic(path: Path, chunks: Iterable[bytes]) -> int:
    """Write ``chunks`` to ``path`` atomically (all of it, or the old file stays); bytes written.

    The new file keeps the old one's permissions; a first file gets what the
    process's umask gives a newly created file.
    """
    directory = path.parent if str(path.parent) else Path()
    temporary = directory / f".{path.name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o666)
    written = 0
    try:
        out = os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        os.unlink(temporary)
        raise
    try:
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temporary, stat.S_IMODE(path.stat().st_mode))
        with out:
            for chunk in chunks:
                out.write(chunk)
                written += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    fsync_directory(directory)
    return written


def remove_temporaries(path: Path) -> list[str]:
    """Remove what crashed writes of ``path`` left behind; the names removed."""
    directory = path.parent if str(path.parent) else Path()
    removed = []
    name = re.compile(rf"\.{re.escape(path.name)}\.[0-9a-f]{{12}}\.tmp")
    for leftover in directory.glob(f".{path.name}.*.tmp"):
        if not name.fullmatch(leftover.name):
            continue  # another store's (crm.json.bak's) temporary file
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
            removed.append(leftover.name)
    return sorted(removed)


def fsync_directory(directory: Path) -> None:
    """Make a rename or a new file in ``directory`` durable (where the platform allows)."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:  # some platforms (Windows) cannot open directories
        return
    try:
        os.fsync(handle)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise  # a rename that may not be durable must not be built on
    finally:
        os.close(handle)
