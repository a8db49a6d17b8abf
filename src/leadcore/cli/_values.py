"""How the ``leadcore`` command reads the values of its arguments: ids, counts, lists of
ids, paths, and the files it writes.

Not public API. Whatever a user (or a program embedding the command) passes is either
read or refused with a message, never a raw exception: an id is a whole number of
64 bits written with the digits 0-9 (``²`` or ``١٢`` are not ids, nor is a number of
5,000 digits), a path holds no NUL and can be encoded for the file system, and a file
the command writes is never written over (unless ``--force``) nor through a link.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import click

from leadcore.errors import DataFileError

__all__ = [
    "COUNT",
    "ID",
    "MAX_ID",
    "FilePath",
    "id_of",
    "ids_of",
    "path_problem",
    "refuse_existing",
    "write_new",
]

MAX_ID = 2**63 - 1
"""The largest id: ids are 64-bit integers in every store."""

_DIGITS = frozenset("0123456789")


def id_of(text: str) -> int | None:
    """The id ``text`` writes (ASCII digits, 1 to :data:`MAX_ID`), or ``None``.

    >>> id_of("17"), id_of("²"), id_of("١٢"), id_of("0"), id_of(str(2**63)), id_of(" 1")
    (17, None, None, None, None, None)
    """
    if not text or len(text) > len(str(MAX_ID)) or not _DIGITS.issuperset(text):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


_NOT_AN_ID = "an id is a whole number from 1 to 9223372036854775807, in the digits 0-9"


class _Id(click.IntRange):
    """A click parameter holding an id (:func:`id_of`); anything else is a usage error."""

    name = "id"

    def __init__(self) -> None:
        super().__init__(1, MAX_ID)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if type(value) is int and 1 <= value <= MAX_ID:
            return value
        found = id_of(value) if isinstance(value, str) else None
        if found is None:
            self.fail(f"{_shown(value)} is not an id: {_NOT_AN_ID}", param, ctx)
        return found


ID: click.IntRange = _Id()
"""The type of every id argument and option."""

COUNT = click.IntRange(0, MAX_ID)
"""The type of counts and offsets: 0 to :data:`MAX_ID`."""


def ids_of(text: str, option: str) -> list[int]:
    """The ids of a comma-separated list (blank parts skipped); a part that is not an id
    is a usage error naming ``option``.

    >>> ids_of("1, 2,,3", "--ids")
    [1, 2, 3]
    """
    found: list[int] = []
    for part in text.split(","):
        if not part.strip():
            continue
        number = id_of(part.strip())
        if number is None:
            raise click.BadParameter(
                f"{_shown(text)} is not a list of ids: {_shown(part.strip())} is not one "
                f"({_NOT_AN_ID})",
                param_hint=option,
            )
        found.append(number)
    return found


def _shown(value: object, limit: int = 40) -> str:
    """``repr(value)``, cut to ``limit`` characters (a 5,000-digit id is not echoed)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 5]}...{text[-1]}"


def path_problem(text: str) -> str | None:
    """Why ``text`` cannot name a file (``None``: it can).

    >>> path_problem("out/crm.json") is None, path_problem("a\\x00b"), path_problem("")
    (True, 'it holds a NUL character, which no path can', 'it is empty')
    """
    if not text:
        return "it is empty"
    if "\x00" in text:
        return "it holds a NUL character, which no path can"
    try:
        os.fsencode(text)
    except UnicodeError:
        return "it holds characters the file system cannot encode (a lone surrogate)"
    return None


class FilePath(click.Path):
    """:class:`click.Path` that refuses a path no file can have (:func:`path_problem`) as a
    usage error, instead of letting the operating system raise."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and (problem := path_problem(value)) is not None:
            self.fail(f"{_shown(value)} is not a usable path: {problem}", param, ctx)
        return super().convert(value, param, ctx)


def _exists(path: Path) -> bool:
    """Whether anything is at ``path``, a link (even a dangling one) included."""
    return os.path.lexists(path)


def refuse_existing(paths: Sequence[Path], *, force: bool) -> None:
    """Refuse, before anything is done, to write over a file (or a link) at any of
    ``paths`` unless ``force``."""
    if force:
        return
    for path in paths:
        if _exists(path):
            raise DataFileError.output_exists(str(path))


@contextlib.contextmanager
def write_new(paths: Sequence[Path], *, force: bool) -> Iterator[list[IO[str]]]:
    """Text files (UTF-8, no newline translation) that become ``paths`` when the block
    ends without an error.

    Each is written beside its target and then moved there: with ``force`` by
    :func:`os.replace` (a link at the target is replaced, never followed), without
    it by a hard link that fails when the target exists (so a file made meanwhile is
    not written over either; where the file system has no hard links, after a last
    check). An error leaves every target as it was and removes the temporary files.
    """
    refuse_existing(paths, force=force)
    made: list[tuple[str, IO[str]]] = []
    try:
        for path in paths:
            handle, temporary = tempfile.mkstemp(
                prefix=f".{path.name[:100]}.", suffix=".tmp", dir=path.parent
            )
            made.append((temporary, os.fdopen(handle, "w", encoding="utf-8", newline="")))
        yield [file for _, file in made]
        for _, file in made:
            file.flush()
            os.fsync(file.fileno())
            file.close()
        for (temporary, _), path in zip(made, paths, strict=True):
            _move(temporary, path, force=force)
    finally:
        for temporary, file in made:
            file.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)


def _move(temporary: str, path: Path, *, force: bool) -> None:
    if force:
        os.replace(temporary, path)
        return
    try:
        os.link(temporary, path, follow_symlinks=False)
    except FileExistsError:
        raise DataFileError.output_exists(str(path)) from None
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        if _exists(path):  # no hard links here: check once more, then move
            raise DataFileError.output_exists(str(path)) from None
        os.replace(temporary, path)
