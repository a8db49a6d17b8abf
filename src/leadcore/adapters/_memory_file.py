"""The file format of the in-memory adapter, and atomic writing (private).

A store is saved as one JSON document made by a cattrs converter::

    {"format": "leadcore-memory", "version": 1,
     "lists": {...}, "companies": [...], "persons": [...], "history": [...],
     "selections": [...], "settings": {...}}

Times are ISO 8601 text, enums their stable codes, criteria the versioned
document of :mod:`leadcore.criteria.json`, selections tagged by ``"kind"``.

:func:`write_atomic` writes to a temporary file in the same directory, flushes
and fsyncs it, then renames it over the target with :func:`os.replace`: a crash
or an error at any point leaves the previous file as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs
import cattrs
from cattrs.preconf.json import make_converter

from leadcore.criteria import json as criteria_json
from leadcore.errors import LeadcoreError
from leadcore.history import HistoryEntry
from leadcore.lists import CategoryList, LeadStatusList
from leadcore.model import Category, Company, LeadStatus, LeadStatusId, Person
from leadcore.ports import StoredLists
from leadcore.selections import (
    CombinedSelection,
    DynamicSelection,
    Members,
    Selection,
    StaticSelection,
)

__all__ = ["FORMAT", "VERSION", "FileFormatError", "Snapshot", "converter", "write_atomic"]

FORMAT = "leadcore-memory"
VERSION = 1


class FileFormatError(LeadcoreError):
    """A store file cannot be read: not JSON, another format or version, or bad records."""


@attrs.frozen
class Snapshot:
    """Everything a store file holds, as domain values."""

    lists: StoredLists
    companies: list[Company]
    persons: list[Person]
    history: list[HistoryEntry]
    selections: list[Selection]
    settings: dict[str, Any]


_SELECTION_KINDS: dict[str, type[Any]] = {
    "static": StaticSelection,
    "dynamic": DynamicSelection,
    "combined": CombinedSelection,
}


def _make_converter() -> cattrs.Converter:
    conv = make_converter()

    conv.register_unstructure_hook(
        CategoryList, lambda cats: {"items": [conv.unstructure(c) for c in cats.items]}
    )
    conv.register_structure_hook(
        CategoryList,
        lambda data, _: CategoryList(tuple(conv.structure(c, Category) for c in data["items"])),
    )
    conv.register_unstructure_hook(
        LeadStatusList,
        lambda statuses: {
            "items": [conv.unstructure(s) for s in statuses.items],
            "default_id": statuses.default_id,
        },
    )
    conv.register_structure_hook(
        LeadStatusList,
        lambda data, _: LeadStatusList(
            tuple(conv.structure(s, LeadStatus) for s in data["items"]),
            default_id=None if data["default_id"] is None else LeadStatusId(data["default_id"]),
        ),
    )
    conv.register_unstructure_hook(
        Members,
        lambda m: {"companies": sorted(m.companies), "persons": sorted(m.persons)},
    )

    for kind in _SELECTION_KINDS.values():
        attrs.resolve_types(kind)

    def unstructure_selection(selection: Selection) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": _kind_of(selection)}
        for attribute in attrs.fields(type(selection)):
            value = getattr(selection, attribute.name)
            if attribute.name == "criteria":
                data["criteria"] = criteria_json.unstructure(value)
            else:
                data[attribute.name] = conv.unstructure(value, attribute.type)
        return data

    def structure_selection(data: Any, _: Any) -> Selection:
        kind = _SELECTION_KINDS.get(data.get("kind"))
        if kind is None:
            raise ValueError(f"unknown selection kind {data.get('kind')!r}")
        values: dict[str, Any] = {}
        for attribute in attrs.fields(kind):
            if attribute.name not in data or attribute.name == "criteria":
                continue
            values[attribute.name] = conv.structure(data[attribute.name], attribute.type)
        if kind is DynamicSelection:
            values["criteria"] = criteria_json.structure(data["criteria"], entity=values["entity"])
        selection: Selection = kind(**values)
        return selection

    for kind in _SELECTION_KINDS.values():
        conv.register_unstructure_hook(kind, unstructure_selection)
        conv.register_structure_hook(kind, structure_selection)
    conv.register_unstructure_hook(Selection, unstructure_selection)
    conv.register_structure_hook(Selection, structure_selection)
    return conv


def _kind_of(selection: Selection) -> str:
    for name, kind in _SELECTION_KINDS.items():
        if isinstance(selection, kind):
            return name
    raise TypeError(f"not a selection: {selection!r}")


converter = _make_converter()
"""The converter of the store file format."""


def dump(snapshot: Snapshot) -> Iterable[bytes]:
    """The JSON document of ``snapshot`` in chunks (one record per line)."""
    unstructure = converter.unstructure
    yield f'{{"format": "{FORMAT}", "version": {VERSION},\n'.encode()
    yield b'"lists": ' + _encode(unstructure(snapshot.lists)) + b",\n"
    yield b'"settings": ' + _encode(snapshot.settings) + b",\n"
    yield b'"selections": ' + _encode([unstructure(s, Selection) for s in snapshot.selections])
    for name, rows in (
        ("companies", snapshot.companies),
        ("persons", snapshot.persons),
        ("history", snapshot.history),
    ):
        yield f',\n"{name}": ['.encode()
        for n, row in enumerate(rows):
            yield (b",\n" if n else b"\n") + _encode(unstructure(row))
        yield b"]"
    yield b"}\n"


def _encode(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, allow_nan=False).encode()


def load(path: Path) -> Snapshot:
    """Read the store file at ``path``; :class:`FileFormatError` when it cannot be read."""
    try:
        with path.open("rb") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as error:
        raise FileFormatError(
            f"cannot read the store file {str(path)!r}",
            why=str(error),
            fix="Check the path, or restore the file from a backup",
            path=str(path),
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise FileFormatError(
            f"{str(path)!r} is not a leadcore store file",
            why=f'it lacks "format": "{FORMAT}"',
            fix="Open a file written by InMemoryStore.save",
            path=str(path),
        )
    if data.get("version") != VERSION:
        raise FileFormatError(
            f"the store file {str(path)!r} has version {data.get('version')!r}",
            why=f"this leadcore reads version {VERSION}",
            fix="Open it with the leadcore version that wrote it",
            path=str(path),
        )
    try:
        return Snapshot(
            lists=converter.structure(data["lists"], StoredLists),
            companies=converter.structure(data["companies"], list[Company]),
            persons=converter.structure(data["persons"], list[Person]),
            history=converter.structure(data["history"], list[HistoryEntry]),
            selections=[converter.structure(s, Selection) for s in data["selections"]],  # type: ignore[arg-type]
            settings=dict(data["settings"]),
        )
    except (KeyError, TypeError, ValueError, cattrs.BaseValidationError, LeadcoreError) as error:
        raise FileFormatError(
            f"the store file {str(path)!r} holds a record leadcore cannot read",
            why=f"{type(error).__name__}: {error}",
            fix="Restore the file from a backup; do not edit store files by hand",
            path=str(path),
        ) from None


def write_atomic(path: Path, chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` to ``path`` atomically: all of it, or the old file stays as it was.

    The new file keeps the old one's permissions; a first file gets the ones the
    process's umask gives a newly created file (``mkstemp`` alone would make it 0600).
    """
    directory = path.parent if str(path.parent) else Path()
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        os.chmod(temporary, _mode_for(path))
        with os.fdopen(handle, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_directory(directory: Path) -> None:
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:  # some platforms cannot open directories
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
