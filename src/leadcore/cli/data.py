"""Commands on the data file as a whole: ``init``, ``import`` and ``export``.

``export`` writes the CSV layout ``import`` reads (docs/import.md), so a data
file's records can be moved to another one:

>>> from click.testing import CliRunner
>>> from leadcore.cli import leadcore
>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> a, b, out = str(folder / "a.json"), str(folder / "b.json"), folder / "out"
>>> print(CliRunner().invoke(leadcore, ["-d", a, "init", "--sample", "--scale", "0.02"]).output)
created ...a.json: 6 companies, 60 persons, 8 associates (the demo's sample, seed 7)
>>> print(CliRunner().invoke(leadcore, ["-d", a, "export", str(out)]).output)
wrote 6 companies, 60 persons and ... status changes to ...out
>>> _ = CliRunner().invoke(leadcore, ["-d", b, "init"])
>>> for n in range(8):  # the owners first, with the same ids
...     _ = CliRunner().invoke(leadcore, ["-d", b, "associate", "add", f"Associate {n + 1}"])
>>> done = CliRunner().invoke(leadcore, ["-d", b, "import", "--companies",
...                           str(out / "companies.csv"), "--persons", str(out / "persons.csv")])
>>> print(done.exit_code, done.stdout.splitlines()[-1])
0 imported 6 companies and 60 persons; 0 rows refused
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Literal

import attrs
import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from leadcore.cli._app import EXIT_REFUSED_ROWS, leadcore, open_service, service_for, settings
from leadcore.cli._render import console, instant
from leadcore.cli._values import COUNT, FilePath, ids_of, refuse_existing, write_new
from leadcore.cli.records import parse
from leadcore.errors import ImportStopped
from leadcore.history import HistoryKind
from leadcore.importing import (
    COMPANY_COLUMNS,
    HISTORY_COLUMNS,
    PERSON_COLUMNS,
    CsvRows,
    OnError,
    PersonRow,
    escape_formula,
    read_csv,
)
from leadcore.lists import Lists
from leadcore.model import AssociateId, CompanyId, Language, Person, Utm
from leadcore.service import LeadService
from leadcore.workflows import Distribute

__all__: list[str] = []  # commands: reached through the `leadcore` group, see docs/cli.md


@leadcore.command(short_help="Create a new data file.")
@click.option("--existing", is_flag=True, help="The lists of a database made before leads.")
@click.option(
    "--db-language",
    type=click.Choice(["en", "da"]),
    default="en",
    show_default=True,
    help="The language the shipped categories and statuses are named in.",
)
@click.option("--sample", is_flag=True, help="Fill the file with the demo's sample.")
@click.option("--seed", type=int, default=7, show_default=True, help="The sample's seed.")
@click.option(
    "--scale",
    type=click.FloatRange(0.001, 20),
    default=1.0,
    show_default=True,
    help="The sample's size (1: 300 companies, 3,000 persons).",
)
def init(existing: bool, db_language: str, sample: bool, seed: int, scale: float) -> None:
    """Create a new data file (refused when one exists).

    \b
    Examples:
      leadcore -d crm.json init                    # an empty new database
      leadcore -d crm.json init --existing         # lists from before leads
      leadcore -d crm.json init --sample           # the demo's sample
    """
    from leadcore.cli._sample import build_sample_file

    data = settings().data
    language: Language = "da" if db_language == "da" else "en"
    database: Literal["new", "existing"] = "existing" if existing else "new"
    if sample:
        built = build_sample_file(data, seed=seed, scale=scale, language=language)
        click.echo(
            f"created {data}: {built.companies} companies, {built.persons} persons, "
            f"{built.associates} associates (the demo's sample, seed {seed})"
        )
        return
    with open_service(data, create=True, database=database, language=language) as service:
        lists = service.lists()
    click.echo(
        f"created {data}: {'an' if existing else 'a'} {database} database with "
        f"{len(lists.categories)} categories and {len(lists.statuses)} lead statuses"
    )


@attrs.frozen
class _Refused:
    file: str
    line: int
    reason: str


@attrs.frozen
class _Files:
    """The names of the files read, as given: refused rows are reported by file and line."""

    companies: str
    persons: str

    def where(self, rows: CsvRows, kind: str, index: int) -> tuple[str, int]:
        """The file and the line of the row ``index`` of ``kind`` ("company", "person")."""
        if kind == "company":
            return self.companies, rows.company_lines[index]
        return self.persons, rows.person_lines[index]


@leadcore.command("import", short_help="Import companies and persons from CSV files.")
@click.option("--companies", type=FilePath(exists=True, dir_okay=False, path_type=Path))
@click.option("--persons", type=FilePath(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--history",
    type=FilePath(exists=True, dir_okay=False, path_type=Path),
    help="Earlier status changes, by the persons file's key.",
)
@click.option(
    "--on-error",
    type=click.Choice(["collect", "stop"]),
    default="collect",
    show_default=True,
    help="collect: import the good rows, report the refused; stop: import nothing then.",
)
@click.option(
    "--batch-size",
    type=COUNT,
    default=1000,
    show_default=True,
    help="Persons per unit of work (0: everything in one).",
)
@click.option(
    "--distribute-to",
    help="Give rows without an owner to these associates (ids, comma-separated), round robin.",
)
@click.option(
    "--distribute-group", multiple=True, help="Or to the associates of this group. Repeatable."
)
def import_(
    companies: Path | None,
    persons: Path | None,
    history: Path | None,
    on_error: str,
    batch_size: int,
    distribute_to: str | None,
    distribute_group: tuple[str, ...],
) -> None:
    """Import companies and persons from CSV files (layout: docs/import.md).

    Every row goes through the rules, as when added one by one. Companies are
    imported first, then the persons in batches of --batch-size, each batch
    committed whole; refused rows are reported by file and line, and the exit
    status is 3 when there are any. A file that cannot be read (a malformed
    row, an unknown column) stops everything before anything is imported.
    With --on-error stop the whole import is one unit of work: the first
    refused row stops it and nothing is imported. --distribute-to and
    --distribute-group hand the new records without an owner to available
    associates, round robin (R11).

    \b
    Examples:
      leadcore import --companies companies.csv --persons persons.csv
      leadcore import --persons persons.csv --history history.csv --on-error stop
      leadcore import --persons persons.csv --distribute-group north
    """
    if companies is None and persons is None:
        raise click.UsageError("name at least one file: --companies or --persons")
    to = None
    if distribute_to is not None or distribute_group:
        chosen = [AssociateId(n) for n in ids_of(distribute_to or "", "--distribute-to")]
        to = Distribute(associates=chosen, groups=distribute_group)
    with service_for() as service:
        lists = service.lists()
        rows = read_csv(
            lists.categories, lists.statuses, companies=companies, persons=persons, history=history
        )
        if to is not None:
            service.distribution.pool(to)  # unknown or unavailable: refused before any row
        whole = on_error == "stop" or batch_size == 0
        files = _Files(
            "company file" if companies is None else str(companies),
            "person file" if persons is None else str(persons),
        )
        refused, imported = _import(service, rows, files, on_error, 0 if whole else batch_size, to)
    out = console()
    if refused:
        table = Table(title=f"{len(refused)} rows refused", title_justify="left")
        for column in ("file", "line", "reason"):
            table.add_column(column, overflow="fold")
        for row in refused:
            table.add_row(row.file, str(row.line), row.reason)
        out.print(table)
    click.echo(
        f"imported {imported[0]} companies and {imported[1]} persons; {len(refused)} rows refused"
    )
    if refused:
        raise SystemExit(EXIT_REFUSED_ROWS)


def _import(
    service: LeadService,
    rows: CsvRows,
    files: _Files,
    on_error: str,
    batch_size: int,
    to: Distribute | None,
) -> tuple[list[_Refused], tuple[int, int]]:
    refused: list[_Refused] = []
    stop: OnError = "stop" if on_error == "stop" else "collect"
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("importing", total=len(rows.companies) + len(rows.persons))
        if batch_size == 0:
            try:
                report = service.import_records(
                    rows.companies, rows.persons, on_error=stop, distribute=to
                )
            except ImportStopped as stopped:  # named by file and line, not by 0-based index
                file, line = files.where(rows, stopped.row.kind, stopped.row.index)
                raise ImportStopped(stopped.row, file=file, line=line) from stopped.__cause__
            progress.advance(task, len(rows.companies) + len(rows.persons))
            for row in report.refused:
                refused.append(_Refused(*files.where(rows, row.kind, row.index), row.reason))
            return refused, (report.imported_companies, report.imported_persons)
        report = service.import_records(rows.companies, (), on_error="collect", distribute=to)
        progress.advance(task, len(rows.companies))
        made = {
            row.key: made_id
            for row, made_id in zip(rows.companies, report.companies, strict=True)
            if made_id is not None
        }
        refused.extend(
            _Refused(*files.where(rows, "company", r.index), r.reason) for r in report.refused
        )
        companies, persons = report.imported_companies, 0
        for start in range(0, len(rows.persons), batch_size):
            chunk = [_joined(row, made) for row in rows.persons[start : start + batch_size]]
            done = service.import_records((), chunk, on_error="collect", distribute=to)
            persons += done.imported_persons
            refused.extend(
                _Refused(*files.where(rows, "person", start + r.index), r.reason)
                for r in done.refused
            )
            progress.advance(task, len(chunk))
    return refused, (companies, persons)


def _joined(row: PersonRow, made: dict[str, CompanyId]) -> PersonRow:
    """The row naming its company by the id the company got (a refused company's key stays,
    so the import refuses the person with the reason)."""
    if row.company_key is not None and row.company_key in made:
        return attrs.evolve(row, company_key=None, company_id=made[row.company_key])
    return row


@leadcore.command(short_help="Export as CSV files in the import's layout.")
@click.argument("directory", type=FilePath(file_okay=False, path_type=Path))
@click.argument("criteria", default="")
@click.option(
    "--force",
    is_flag=True,
    help="Replace files already in DIRECTORY (each written beside and renamed over it).",
)
def export(directory: Path, criteria: str, force: bool) -> None:
    """Write the persons matching CRITERIA, their companies and their status history
    as CSV files in DIRECTORY, in the layout ``import`` reads.

    Without CRITERIA every company and person is written. Files: companies.csv,
    persons.csv, history.csv (each person's status changes, oldest first; they
    come back with the source "import"). Owners are written by
    id: the associates must exist where the files are imported. A file already
    there is refused (nothing is written) unless --force; each file is written
    beside its target and renamed over it, so a link there is replaced, never
    followed, and a failure leaves the files as they were.

    \b
    Examples:
      leadcore export out/
      leadcore export qualified/ "person.lead_status in (Qualified)"
      leadcore export out/ --force
    """
    targets = [directory / name for name in _EXPORTED]
    refuse_existing(targets, force=force)  # before reading anything
    with service_for(read_only=True) as service:
        everything = not criteria.strip()
        persons = service.persons.find(parse(service, criteria))
        if everything:
            companies = service.companies.find()
        else:
            wanted = sorted({p.company_id for p in persons if p.company_id is not None})
            companies = service.companies.get_many(wanted)
        lists = service.lists()
        directory.mkdir(parents=True, exist_ok=True)
        changes = 0
        with write_new(targets, force=force) as files:
            write, write_person, write_change = (
                _writer(file, columns)
                for file, columns in zip(
                    files, (COMPANY_COLUMNS, PERSON_COLUMNS, HISTORY_COLUMNS), strict=True
                )
            )
            for company in companies:
                category = (
                    "" if company.category_id is None else lists.categories.get(company.category_id)
                )
                write(
                    {
                        "key": f"c{company.id}",
                        "name": company.name,
                        "category": "" if isinstance(category, str) else category.name,
                        "owner_id": _text(company.owner_id),
                        "registered": instant(company.registered),
                        **_utm("source_utm", company.source_utm),
                    }
                )
            for person in persons:
                write_person(_person_record(person, lists))
                for status_key, at, reason in _status_changes(service, person, lists):
                    write_change(
                        {
                            "person_key": f"p{person.id}",
                            "status": status_key,
                            "at": instant(at),
                            "reason": reason or "",
                        }
                    )
                    changes += 1
    click.echo(
        f"wrote {len(companies)} companies, {len(persons)} persons and {changes} status "
        f"changes to {directory}"
    )


def _person_record(person: Person, lists: Lists) -> dict[str, str]:
    own = "" if person.own_category_id is None else lists.categories.get(person.own_category_id)
    return {
        "key": f"p{person.id}",
        "first_name": person.first_name,
        "last_name": person.last_name,
        "company_key": "" if person.company_id is None else f"c{person.company_id}",
        "category": "" if isinstance(own, str) or person.company_id is not None else own.name,
        "email": person.email,
        "owner_id": _text(person.owner_id),
        "retired": "true" if person.retired else "false",
        "registered": instant(person.registered),
        **_utm("first_touch", person.first_touch_utm),
        **_utm("lead_creation", person.lead_creation_utm),
    }


def _status_changes(
    service: LeadService, person: Person, lists: Lists
) -> list[tuple[str, datetime, str | None]]:
    """The statuses the person held, oldest first, from its history (hide entries keep the
    value; a reveal that gave another value is a change)."""
    if person.lead_status_id is None:
        return []
    held = None
    changes: list[tuple[str, datetime, str | None]] = []
    for entry in service.persons.history(person.id):
        if entry.kind is HistoryKind.HIDE or entry.to_status in (None, held):
            continue
        held = entry.to_status
        assert held is not None
        changes.append((lists.statuses.get(held).key, entry.at, entry.reason))
    return changes


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


def _utm(prefix: str, utm: Utm | None) -> dict[str, str]:
    parts = ("source", "medium", "campaign", "term", "content")
    return {f"{prefix}.{p}": "" if utm is None else getattr(utm, p) or "" for p in parts}


_EXPORTED = ("companies.csv", "persons.csv", "history.csv")
"""The files ``export`` writes, in the order of their columns below."""


def _writer(file: IO[str], columns: Sequence[str]) -> Callable[[dict[str, str]], object]:
    """Rows of a CSV file with a header row, written as ``csv`` quotes them; a cell a
    spreadsheet would run as a formula gets a leading ``'`` (``escape_formula``, which
    the import takes off again)."""
    writer = csv.DictWriter(file, list(columns))
    writer.writeheader()
    return lambda row: writer.writerow({k: escape_formula(v) for k, v in row.items()})
