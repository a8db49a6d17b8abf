"""Reading the import rows from CSV files (the standard library's :mod:`csv`).

The column layout is in docs/import.md. Reading is bounded: at most
``max_rows`` records per file and ``max_field`` characters per field, lines of
at most ``max_field`` times the number of columns, ids of at most 18 digits;
every refusal is a :class:`leadcore.errors.CsvReadError` naming the file and its
line number, and the problem, never the file's header (the file may be any file
the user can read). Text holding NUL is refused, as the model refuses it. Names
are resolved against the lists (a category by name, a status by key or name).

A cell that a spreadsheet would run as a formula (beginning with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) is written with a leading ``'`` by
:func:`escape_formula`; the reader removes exactly that quote
(:func:`unescape_formula`), so every value reads back as it was written.

>>> import io
>>> from leadcore.lists import new_database
>>> categories, statuses = new_database()
>>> companies = io.BytesIO(b"key,name,category\\nacme,Acme,Lead\\n")
>>> persons = io.BytesIO(b"first_name,company_key,status,status_at\\n"
...                      b"Ann,acme,Contacting,2025-05-01T09:00:00+02:00\\n")
>>> rows = read_csv(categories, statuses, companies=companies, persons=persons)
>>> rows.companies[0].name, rows.persons[0].history[0].at.isoformat(), rows.person_lines
('Acme', '2025-05-01T09:00:00+02:00', (2,))
"""

from __future__ import annotations

import csv
import difflib
import os
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from typing import BinaryIO, TypeVar

import attrs

from leadcore._checks import MOMENT, NUL_REASON
from leadcore.errors import CsvReadError, LeadcoreError, NotFoundError
from leadcore.importing.rows import CompanyRow, PersonRow, StatusChange
from leadcore.lists import CategoryList, LeadStatusList
from leadcore.model import AssociateId, CategoryId, CompanyId, LeadStatusId, Utm

__all__ = [
    "COMPANY_COLUMNS",
    "FORMULA_STARTS",
    "HISTORY_COLUMNS",
    "PERSON_COLUMNS",
    "CsvRows",
    "escape_formula",
    "read_csv",
    "unescape_formula",
]

Source = str | os.PathLike[str] | BinaryIO
"""A file path, or a binary file object open for reading."""

_UTM_PARTS = ("source", "medium", "campaign", "term", "content")

COMPANY_COLUMNS = (
    "key",
    "name",
    "category",
    "owner_id",
    "registered",
    *(f"source_utm.{p}" for p in _UTM_PARTS),
)
"""Columns of the companies file; ``key`` and ``name`` are required."""

PERSON_COLUMNS = (
    "key",
    "first_name",
    "last_name",
    "company_key",
    "company_id",
    "category",
    "email",
    "owner_id",
    "retired",
    "registered",
    *(f"first_touch.{p}" for p in _UTM_PARTS),
    *(f"lead_creation.{p}" for p in _UTM_PARTS),
    "status",
    "status_at",
    "status_reason",
)
"""Columns of the persons file; ``first_name`` or ``last_name`` is required."""

HISTORY_COLUMNS = ("person_key", "status", "at", "reason")
"""Columns of the status-history file; all but ``reason`` are required."""

_REQUIRED = {
    "companies": (("key",), ("name",)),
    "persons": (("first_name", "last_name"),),
    "history": (("person_key",), ("status",), ("at",)),
}
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0", ""})
_MAX_ID_DIGITS = 18
"""Ids are read from at most this many digits (a 64-bit id has at most 19; ids this
long are never handed out), so a long run of digits is refused before ``int`` reads it."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a cell may not begin with in an export: a spreadsheet runs such a cell as a
formula (CSV injection, e.g. ``=HYPERLINK(...)`` in a name)."""
_QUOTED_STARTS = (*FORMULA_STARTS, "'")


def unescape_formula(cell: str) -> str:
    """The value a CSV cell holds: ``cell`` without the ``'`` that :func:`escape_formula`
    put before it. Only a ``'`` followed by a formula start or by another ``'`` is
    removed, so a hand-written ``'s-Hertogenbosch`` reads as it is.

    >>> unescape_formula("'=1+1"), unescape_formula("''x"), unescape_formula("'s-Hertogenbosch")
    ('=1+1', "'x", "'s-Hertogenbosch")
    """
    if cell[:1] == "'" and cell[1:2] in _QUOTED_STARTS:
        return cell[1:]
    return cell


def _cell(raw: str) -> str:
    """A field's value: a cell :func:`escape_formula` wrote, read exactly as written but
    for its quote; any other cell without the spaces around it."""
    if raw[:1] == "'" and raw[1:2] in _QUOTED_STARTS:
        return raw[1:]
    return raw.strip()


def escape_formula(value: str) -> str:
    """``value`` as a CSV cell a spreadsheet shows as text: with a leading ``'`` when it
    begins with one of :data:`FORMULA_STARTS`, or when the reader would otherwise take a
    quote of its own for one (``'=`` or ``''``). :func:`unescape_formula` gives it back:
    ``unescape_formula(escape_formula(v)) == v`` for every ``v``.

    >>> escape_formula("=HYPERLINK(1)"), escape_formula("-5"), escape_formula("Ann")
    ("'=HYPERLINK(1)", "'-5", 'Ann')
    >>> escape_formula("'=x"), escape_formula("'s-Hertogenbosch")
    ("''=x", "'s-Hertogenbosch")
    """
    if value[:1] in FORMULA_STARTS or unescape_formula(value) != value:
        return "'" + value
    return value


def _quoted(text: str) -> str:
    """``text`` quoted for a message, cut short when long."""
    return repr(text) if len(text) <= 40 else f"{text[:30]!r}... ({len(text)} characters)"


def _file_label(source: Source, what: str) -> str:
    """How errors name the file: its path or name, else "the <what> file"."""
    if isinstance(source, str | os.PathLike):
        return os.fsdecode(source)
    name = getattr(source, "name", None)
    return name if isinstance(name, str) and name else f"the {what} file"


@attrs.frozen
class CsvRows:
    """The rows read, ready for :meth:`leadcore.LeadService.import_records`, and the
    line each row starts on (to report refused rows by line)."""

    companies: tuple[CompanyRow, ...] = ()
    persons: tuple[PersonRow, ...] = ()
    company_lines: tuple[int, ...] = ()
    person_lines: tuple[int, ...] = ()


def read_csv(
    categories: CategoryList,
    statuses: LeadStatusList,
    *,
    companies: Source | None = None,
    persons: Source | None = None,
    history: Source | None = None,
    max_rows: int = 100_000,
    max_field: int = 10_000,
) -> CsvRows:
    """Read UTF-8 CSV files (header row first, comma-separated) into import rows.

    ``history`` holds earlier status changes by the persons file's ``key``, oldest
    first; they come before the persons file's own ``status`` column.

    >>> import io
    >>> from leadcore.lists import new_database
    >>> categories, statuses = new_database()
    >>> read_csv(categories, statuses, persons=io.BytesIO(b"first_name,registered\\nAnn,2025\\n"))
    Traceback (most recent call last):
    ...
    leadcore.errors.CsvReadError: the persons file, line 2: registered '2025' is not an ISO 8601 ...
    """
    reader = _Reader(categories, statuses, max_rows, max_field)
    changes: dict[str, list[StatusChange]] = {}
    first_lines: dict[str, int] = {}
    if history is not None:
        for line, record in reader.records(history, "history", HISTORY_COLUMNS):
            key = record["person_key"]
            status = reader.status(record["status"], line)
            at = reader.moment(record, "at", line)
            if status is None or at is None:
                raise reader.error(
                    "a status-history row needs a status and a time",
                    line=line,
                    why="the status or at column is empty",
                    fix="Fill in both, or leave the row out",
                )
            reason = record.get("reason") or None
            change = reader.make(line, partial(StatusChange, status, at, reason))
            changes.setdefault(key, []).append(change)
            first_lines.setdefault(key, line)
        history_file = reader.file
    company_rows: list[CompanyRow] = []
    company_lines: list[int] = []
    if companies is not None:
        for line, record in reader.records(companies, "companies", COMPANY_COLUMNS):
            company_rows.append(reader.make(line, partial(_company, reader, record, line)))
            company_lines.append(line)
    person_rows: list[PersonRow] = []
    person_lines: list[int] = []
    used: set[str] = set()
    if persons is not None:
        for line, record in reader.records(persons, "persons", PERSON_COLUMNS):
            key = record.get("key", "")
            if key and key in used:
                raise reader.error(
                    f"person key {_quoted(key)} appears twice",
                    line=line,
                    why="the status-history file names persons by this key",
                    fix="Give each person its own key",
                )
            used.add(key)
            earlier = tuple(changes.pop(key, ())) if key else ()
            made = reader.make(line, partial(_person, reader, record, line, earlier))
            person_rows.append(made)
            person_lines.append(line)
    if changes:
        key = next(iter(changes))
        reader.file = history_file
        raise reader.error(
            f"the status history names person key {_quoted(key)}, which the persons file lacks",
            line=first_lines[key],
            why="every status-history row belongs to a person of the persons file",
            fix="Add the person with that key, or correct the key",
        )
    return CsvRows(
        tuple(company_rows), tuple(person_rows), tuple(company_lines), tuple(person_lines)
    )


def _company(reader: _Reader, record: dict[str, str], line: int) -> CompanyRow:
    return CompanyRow(
        key=record["key"],
        name=record["name"],
        category_id=reader.category(record.get("category", ""), line),
        owner_id=reader.number(record, "owner_id", line, AssociateId),
        source_utm=_utm(record, "source_utm"),
        registered=reader.moment(record, "registered", line),
    )


def _person(
    reader: _Reader, record: dict[str, str], line: int, earlier: tuple[StatusChange, ...]
) -> PersonRow:
    history = earlier
    status = reader.status(record.get("status", ""), line)
    registered = reader.moment(record, "registered", line)
    if status is not None:
        at = reader.moment(record, "status_at", line) or registered
        if at is None:
            raise reader.error(
                "a status needs the time it was set",
                line=line,
                why="both status_at and registered are empty",
                fix="Fill in status_at (or registered)",
            )
        history = (*earlier, StatusChange(status, at, record.get("status_reason") or None))
    retired = record.get("retired", "").strip().casefold()
    if retired not in _TRUE | _FALSE:
        raise reader.error(
            f"retired {_quoted(record['retired'])} is not yes or no",
            line=line,
            why="the retired column takes true/false, yes/no or 1/0",
            fix="Write true or false (empty means false)",
        )
    return PersonRow(
        first_name=record.get("first_name", ""),
        last_name=record.get("last_name", ""),
        company_key=record.get("company_key") or None,
        company_id=reader.number(record, "company_id", line, CompanyId),
        category_id=reader.category(record.get("category", ""), line),
        email=record.get("email", ""),
        owner_id=reader.number(record, "owner_id", line, AssociateId),
        first_touch_utm=_utm(record, "first_touch"),
        lead_creation_utm=_utm(record, "lead_creation"),
        retired=retired in _TRUE,
        registered=registered,
        history=history,
    )


def _utm(record: dict[str, str], prefix: str) -> Utm | None:
    parts = {p: record.get(f"{prefix}.{p}") or None for p in _UTM_PARTS}
    return None if not any(parts.values()) else Utm(**parts)


_Id = TypeVar("_Id", AssociateId, CompanyId)
_Row = TypeVar("_Row", CompanyRow, PersonRow, StatusChange)


class _Reader:
    """The bounds and the lists one read uses."""

    def __init__(
        self, categories: CategoryList, statuses: LeadStatusList, max_rows: int, max_field: int
    ) -> None:
        self.categories = categories
        self.statuses = statuses
        self.max_rows = max_rows
        self.max_field = max_field
        self.file = ""
        """The file being read, as errors name it."""

    def error(self, what: str, *, line: int, why: str, fix: str, **context: object) -> CsvReadError:
        """A :class:`CsvReadError` at ``line`` of the file being read."""
        return CsvReadError(what, line=line, file=self.file, why=why, fix=fix, **context)

    def records(
        self, source: Source, what: str, columns: tuple[str, ...]
    ) -> Iterator[tuple[int, dict[str, str]]]:
        """Each record of the file with the line it starts on, header checked."""
        self.file = _file_label(source, what)
        if isinstance(source, str | os.PathLike):
            with open(source, "rb") as stream:
                yield from self._records(stream, what, columns)
        else:
            yield from self._records(source, what, columns)

    def _records(
        self, stream: BinaryIO, what: str, columns: tuple[str, ...]
    ) -> Iterator[tuple[int, dict[str, str]]]:
        max_line = self.max_field * len(columns) + len(columns) + 2
        lines = _decoded_lines(stream, max_line, what, self.error)
        reader = csv.reader(lines, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                return
            header = [h.strip() for h in header]
            self._check_header(header, what, columns)
            count = 0
            start = reader.line_num + 1
            for fields in reader:
                line, start = start, reader.line_num + 1
                if not any(f.strip() for f in fields):
                    continue
                count += 1
                if count > self.max_rows:
                    raise self.error(
                        f"the {what} file has more than {self.max_rows} rows",
                        line=line,
                        why="the reader is bounded",
                        fix="Split the file, or pass a larger max_rows",
                    )
                if len(fields) != len(header):
                    raise self.error(
                        f"{len(fields)} fields where the header has {len(header)}",
                        line=line,
                        why="every row has one field per column",
                        fix="Quote fields that contain commas, and check the row",
                    )
                for name, value in zip(header, fields, strict=True):
                    if len(value) > self.max_field:
                        raise self.error(
                            f"the field {name!r} has {len(value)} characters",
                            line=line,
                            why=f"a field may have at most {self.max_field}",
                            fix="Shorten the field, or pass a larger max_field",
                        )
                yield line, {n: _cell(v) for n, v in zip(header, fields, strict=True)}
        except csv.Error as error:
            raise self.error(
                f"the {what} file is not valid CSV",
                line=reader.line_num,
                why=str(error),
                fix="Check the quoting around this line",
            ) from error

    def _check_header(self, header: list[str], what: str, columns: tuple[str, ...]) -> None:
        """Refuse an unknown, repeated or missing column, naming columns by position and
        never quoting the header (the file may be any file at all)."""
        unknown = [n for n, h in enumerate(header, start=1) if h not in columns]
        if unknown:
            named = []
            for position in unknown[:5]:
                close = difflib.get_close_matches(header[position - 1][:64], columns, n=1)
                named.append(
                    f"column {position}" + (f" (did you mean {close[0]!r}?)" if close else "")
                )
            more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
            raise self.error(
                f"the header names {len(unknown)} unknown column(s): {', '.join(named)}{more}",
                line=1,
                why=f"the {what} file's columns are: {', '.join(columns)}",
                fix="Check this is the right file, and name the columns as docs/import.md "
                "lists them",
                columns=unknown,
            )
        seen: dict[str, int] = {}
        for position, name in enumerate(header, start=1):
            if name in seen:
                raise self.error(
                    f"column {position} repeats column {seen[name]} ({name!r})",
                    line=1,
                    why="each column may appear once",
                    fix="Remove one of them",
                    columns=[seen[name], position],
                )
            seen[name] = position
        for alternatives in _REQUIRED[what]:
            if not any(a in header for a in alternatives):
                raise self.error(
                    f"the {what} file lacks the column {' or '.join(alternatives)}",
                    line=1,
                    why="the header row names the columns, and this one is required",
                    fix="Add the column to the header row",
                )

    def make(self, line: int, build: Callable[[], _Row]) -> _Row:
        """Build a row; a value the row refuses becomes a :class:`CsvReadError` at ``line``."""
        try:
            return build()
        except CsvReadError:
            raise
        except LeadcoreError as error:
            context = {k: v for k, v in error.context.items() if k not in ("line", "file")}
            raise self.error(
                error.what, line=line, why=error.why, fix=error.fix, **context
            ) from error

    def category(self, name: str, line: int) -> CategoryId | None:
        """The category named ``name`` (ignoring case), None when empty."""
        if not name:
            return None
        try:
            return self.categories.by_name(name).id
        except NotFoundError as error:
            raise self.error(
                f"unknown category {_quoted(name)}",
                line=line,
                why="the category column takes a category name of the list",
                fix="Use one of: " + ", ".join(c.name for c in self.categories.active()),
            ) from error

    def status(self, name: str, line: int) -> LeadStatusId | None:
        """The status with key or name ``name`` (ignoring case), None when empty."""
        if not name:
            return None
        for status in self.statuses:
            if name == status.key or name.casefold() == status.name.casefold():
                return status.id
        raise self.error(
            f"unknown lead status {_quoted(name)}",
            line=line,
            why="a status column takes the key or the name of a lead status",
            fix="Use one of: " + ", ".join(s.key for s in self.statuses),
        )

    def moment(self, record: dict[str, str], column: str, line: int) -> datetime | None:
        """An ISO 8601 time with its offset, whose UTC time is a datetime; None when empty."""
        text = record.get(column, "")
        if not text:
            return None
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            value = None
        if value is None or value.tzinfo is None or value.utcoffset() is None:
            raise self.error(
                f"{column} {_quoted(text)} is not an ISO 8601 time with an offset",
                line=line,
                why="times are read as ISO 8601 with their UTC offset, so none is ambiguous",
                fix="Write e.g. 2025-05-01T09:00:00+02:00 or 2025-05-01T07:00:00Z",
            )
        if not MOMENT.passes(value):
            raise self.error(
                f"{column} {_quoted(text)} is not within the years 1 to 9999 in UTC",
                line=line,
                why="times are stored in UTC, and no datetime holds this one's UTC time",
                fix="Correct the time (its date or its offset)",
            )
        return value

    def number(
        self, record: dict[str, str], column: str, line: int, kind: Callable[[int], _Id]
    ) -> _Id | None:
        """A positive integer id of at most 18 digits, None when empty."""
        text = record.get(column, "")
        if not text:
            return None
        digits = text.isascii() and text.isdigit() and len(text) <= _MAX_ID_DIGITS
        if not (digits and int(text) > 0):
            raise self.error(
                f"{column} {_quoted(text)} is not an id",
                line=line,
                why=f"ids are positive whole numbers of at most {_MAX_ID_DIGITS} digits",
                fix="Write the id in digits, or leave the field empty",
            )
        return kind(int(text))


def _decoded_lines(
    stream: BinaryIO, max_line: int, what: str, error: Callable[..., CsvReadError]
) -> Iterator[str]:
    """The stream's lines as text, each checked to be UTF-8 without NUL and at most
    ``max_line`` bytes."""
    number = 0
    while True:
        raw = stream.readline(max_line + 1)
        if not raw:
            return
        number += 1
        if not isinstance(raw, bytes):
            raise error(
                f"the {what} file gives {type(raw).__name__}, not bytes",
                line=number,
                why="the reader decodes UTF-8 itself (and skips a byte-order mark)",
                fix="Pass a path, or a file opened in binary mode: open(path, 'rb')",
            )
        if len(raw) > max_line:
            raise error(
                f"the {what} file has a line longer than {max_line} bytes",
                line=number,
                why="the reader is bounded",
                fix="Check the file is CSV, or pass a larger max_field",
            )
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as failed:
            raise error(
                f"the {what} file is not valid UTF-8 at byte {failed.start} of the line",
                line=number,
                why="the import reads UTF-8 text",
                fix="Save the file as UTF-8",
            ) from failed
        if "\x00" in text:
            raise error(
                f"the line holds NUL (U+0000) at character {text.index(chr(0))}",
                line=number,
                why=f"no stored text holds NUL: {NUL_REASON}",
                fix="Remove the NUL characters; a file full of them is no CSV text file",
            )
        yield text
