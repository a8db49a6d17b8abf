"""Reading the import rows from CSV files (the standard library's :mod:`csv`).

The column layout is in docs/import.md. Reading is bounded: at most
``max_rows`` records per file and ``max_field`` characters per field, lines of
at most ``max_field`` times the number of columns; every refusal is a
:class:`leadcore.errors.CsvReadError` with the file's line number. Names are
resolved against the lists (a category by name, a status by key or name).

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
import os
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from typing import BinaryIO, TypeVar

import attrs

from leadcore.errors import CsvReadError, LeadcoreError, NotFoundError
from leadcore.importing.rows import CompanyRow, PersonRow, StatusChange
from leadcore.lists import CategoryList, LeadStatusList
from leadcore.model import AssociateId, CategoryId, CompanyId, LeadStatusId, Utm

__all__ = [
    "COMPANY_COLUMNS",
    "HISTORY_COLUMNS",
    "PERSON_COLUMNS",
    "CsvRows",
    "read_csv",
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
    leadcore.errors.CsvReadError: line 2: registered '2025' is not an ISO 8601 time ...
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
                raise CsvReadError(
                    "a status-history row needs a status and a time",
                    line=line,
                    why="the status or at column is empty",
                    fix="Fill in both, or leave the row out",
                )
            reason = record.get("reason") or None
            changes.setdefault(key, []).append(StatusChange(status, at, reason))
            first_lines.setdefault(key, line)
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
                raise CsvReadError(
                    f"person key {key!r} appears twice",
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
        raise CsvReadError(
            f"the status history names person key {key!r}, which the persons file lacks",
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
            raise CsvReadError(
                "a status needs the time it was set",
                line=line,
                why="both status_at and registered are empty",
                fix="Fill in status_at (or registered)",
            )
        history = (*earlier, StatusChange(status, at, record.get("status_reason") or None))
    retired = record.get("retired", "").strip().casefold()
    if retired not in _TRUE | _FALSE:
        raise CsvReadError(
            f"retired {record['retired']!r} is not yes or no",
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
_Row = TypeVar("_Row", CompanyRow, PersonRow)


class _Reader:
    """The bounds and the lists one read uses."""

    def __init__(
        self, categories: CategoryList, statuses: LeadStatusList, max_rows: int, max_field: int
    ) -> None:
        self.categories = categories
        self.statuses = statuses
        self.max_rows = max_rows
        self.max_field = max_field

    def records(
        self, source: Source, what: str, columns: tuple[str, ...]
    ) -> Iterator[tuple[int, dict[str, str]]]:
        """Each record of the file with the line it starts on, header checked."""
        if isinstance(source, (str, os.PathLike)):
            with open(source, "rb") as stream:
                yield from self._records(stream, what, columns)
        else:
            yield from self._records(source, what, columns)

    def _records(
        self, stream: BinaryIO, what: str, columns: tuple[str, ...]
    ) -> Iterator[tuple[int, dict[str, str]]]:
        max_line = self.max_field * len(columns) + len(columns) + 2
        lines = _decoded_lines(stream, max_line, what)
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
                    raise CsvReadError(
                        f"the {what} file has more than {self.max_rows} rows",
                        line=line,
                        why="the reader is bounded",
                        fix="Split the file, or pass a larger max_rows",
                    )
                if len(fields) != len(header):
                    raise CsvReadError(
                        f"{len(fields)} fields where the header has {len(header)}",
                        line=line,
                        why="every row has one field per column",
                        fix="Quote fields that contain commas, and check the row",
                    )
                for name, value in zip(header, fields, strict=True):
                    if len(value) > self.max_field:
                        raise CsvReadError(
                            f"the field {name!r} has {len(value)} characters",
                            line=line,
                            why=f"a field may have at most {self.max_field}",
                            fix="Shorten the field, or pass a larger max_field",
                        )
                yield line, {n: v.strip() for n, v in zip(header, fields, strict=True)}
        except csv.Error as error:
            raise CsvReadError(
                f"the {what} file is not valid CSV",
                line=reader.line_num,
                why=str(error),
                fix="Check the quoting around this line",
            ) from error

    @staticmethod
    def _check_header(header: list[str], what: str, columns: tuple[str, ...]) -> None:
        unknown = [h for h in header if h not in columns]
        if unknown or len(set(header)) != len(header):
            raise CsvReadError(
                f"the {what} file has unknown or repeated columns {unknown or header}",
                line=1,
                why=f"its columns are: {', '.join(columns)}",
                fix="Rename the columns as docs/import.md lists them",
            )
        for alternatives in _REQUIRED[what]:
            if not any(a in header for a in alternatives):
                raise CsvReadError(
                    f"the {what} file lacks the column {' or '.join(alternatives)}",
                    line=1,
                    why="the header row names the columns, and this one is required",
                    fix="Add the column to the header row",
                )

    @staticmethod
    def make(line: int, build: Callable[[], _Row]) -> _Row:
        """Build a row; a value the row refuses becomes a :class:`CsvReadError` at ``line``."""
        try:
            return build()
        except CsvReadError:
            raise
        except LeadcoreError as error:
            context = {k: v for k, v in error.context.items() if k != "line"}
            raise CsvReadError(
                error.what, line=line, why=error.why, fix=error.fix, **context
            ) from error

    def category(self, name: str, line: int) -> CategoryId | None:
        """The category named ``name`` (ignoring case), None when empty."""
        if not name:
            return None
        try:
            return self.categories.by_name(name).id
        except NotFoundError as error:
            raise CsvReadError(
                f"unknown category {name!r}",
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
        raise CsvReadError(
            f"unknown lead status {name!r}",
            line=line,
            why="a status column takes the key or the name of a lead status",
            fix="Use one of: " + ", ".join(s.key for s in self.statuses),
        )

    @staticmethod
    def moment(record: dict[str, str], column: str, line: int) -> datetime | None:
        """An ISO 8601 time with its offset, None when empty."""
        text = record.get(column, "")
        if not text:
            return None
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            value = None
        if value is None or value.tzinfo is None or value.utcoffset() is None:
            raise CsvReadError(
                f"{column} {text!r} is not an ISO 8601 time with an offset",
                line=line,
                why="times are read as ISO 8601 with their UTC offset, so none is ambiguous",
                fix="Write e.g. 2025-05-01T09:00:00+02:00 or 2025-05-01T07:00:00Z",
            )
        return value

    @staticmethod
    def number(
        record: dict[str, str], column: str, line: int, kind: Callable[[int], _Id]
    ) -> _Id | None:
        """A positive integer id, None when empty."""
        text = record.get(column, "")
        if not text:
            return None
        if not (text.isascii() and text.isdigit() and int(text) > 0 and len(text) <= 18):
            raise CsvReadError(
                f"{column} {text!r} is not an id",
                line=line,
                why="ids are positive whole numbers",
                fix="Write the id in digits, or leave the field empty",
            )
        return kind(int(text))


def _decoded_lines(stream: BinaryIO, max_line: int, what: str) -> Iterator[str]:
    """The stream's lines as text, each checked to be UTF-8 and at most ``max_line`` bytes."""
    number = 0
    while True:
        raw = stream.readline(max_line + 1)
        if not raw:
            return
        number += 1
        if len(raw) > max_line:
            raise CsvReadError(
                f"the {what} file has a line longer than {max_line} bytes",
                line=number,
                why="the reader is bounded",
                fix="Check the file is CSV, or pass a larger max_field",
            )
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise CsvReadError(
                f"the {what} file is not valid UTF-8 at byte {error.start} of the line",
                line=number,
                why="the import reads UTF-8 text",
                fix="Save the file as UTF-8",
            ) from error
