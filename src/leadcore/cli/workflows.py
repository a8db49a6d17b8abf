"""Commands that change many records: ``bulk`` and ``distribute``.

Both preview by default (what would change, what would be skipped and why,
nothing written) and apply with ``--apply``: in batches, each one unit of work,
with a progress bar. Ctrl-C stops between batches; the log then says exactly
which records changed and which were never reached.

>>> from click.testing import CliRunner
>>> from leadcore.cli import leadcore
>>> import pathlib, tempfile
>>> data = str(pathlib.Path(tempfile.mkdtemp()) / "crm.json")
>>> _ = CliRunner().invoke(leadcore, ["-d", data, "init", "--sample", "--scale", "0.02"])
>>> shown = CliRunner().invoke(leadcore, ["-d", data, "bulk", "person.lead_status in (Open)",
...                                       "--set-status", "contacting"])
>>> print(shown.stdout.splitlines()[0])
Preview: set lead status to Contacting on ... persons: ... would change, ... would be skipped
"""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from leadcore.cli._app import leadcore, service_for
from leadcore.cli._render import console
from leadcore.cli._values import COUNT, ID, FilePath, ids_of, refuse_existing, write_new
from leadcore.cli.records import parse, status_id
from leadcore.criteria.fields import Entity
from leadcore.errors import BulkFailed
from leadcore.model import AssociateId, CompanyId, PersonId, SelectionId
from leadcore.service import LeadService
from leadcore.workflows import (
    BulkChange,
    BulkLog,
    BulkPreview,
    BulkProgress,
    BulkScope,
    ClearLeadStatus,
    Distribute,
    DistributeOwners,
    SetCompanyCategory,
    SetLeadStatus,
    SetOwner,
)

__all__: list[str] = []  # commands: reached through the `leadcore` group, see docs/cli.md

EXIT_STOPPED = 130
"""Exit status of an apply stopped with Ctrl-C (after its log is printed)."""


def _scope_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options that choose the records: criteria, a selection or ids."""
    for option in reversed(
        [
            click.argument("criteria", default=""),
            click.option("--selection", type=ID, help="A selection's id."),
            click.option("--ids", help="Record ids, comma-separated."),
            click.option("--companies", is_flag=True, help="The records are companies."),
            click.option("--apply", "do_apply", is_flag=True, help="Apply (default: preview)."),
            click.option("--batch-size", type=click.IntRange(1, 100_000), default=1000),
            click.option("--show", type=COUNT, default=10, show_default=True),
            click.option(
                "--log",
                "log_file",
                type=FilePath(dir_okay=False, path_type=Path),
                help="Write every changed and skipped record to this file (JSON); an existing "
                "file is refused unless --force.",
            ),
            click.option(
                "--force",
                is_flag=True,
                help="Replace an existing --log file (written beside it and renamed over it).",
            ),
        ]
    ):
        command = option(command)
    return command


def _scope(
    service: LeadService, criteria: str, selection: int | None, ids: str | None, companies: bool
) -> BulkScope:
    given = sum((bool(criteria.strip()), selection is not None, ids is not None))
    if given > 1:
        raise click.UsageError("choose the records one way: criteria, --selection or --ids")
    entity = Entity.COMPANY if companies else Entity.PERSON
    if selection is not None:
        return BulkScope.of_selection(SelectionId(selection))
    if ids is not None:
        numbers = ids_of(ids, "--ids")
        if companies:
            return BulkScope.of_ids(companies=[CompanyId(n) for n in numbers])
        return BulkScope.of_ids(persons=[PersonId(n) for n in numbers])
    return BulkScope.of_criteria(parse(service, criteria, entity), entity)


@leadcore.command("bulk", short_help="Bulk update: preview, then --apply.")
@_scope_options
@click.option("--set-status", "set_status", help="A lead status (key, name or id).")
@click.option("--clear-status", is_flag=True, help="Clear the lead status.")
@click.option("--set-owner", type=ID, help="An associate id.")
@click.option("--clear-owner", is_flag=True, help="Clear the owner.")
@click.option("--set-category", help="A category name (companies, persons without company).")
@click.option("--reason", help="Why (recorded with a status change).")
def bulk(
    criteria: str,
    selection: int | None,
    ids: str | None,
    companies: bool,
    do_apply: bool,
    batch_size: int,
    show: int,
    log_file: Path | None,
    force: bool,
    set_status: str | None,
    clear_status: bool,
    set_owner: int | None,
    clear_owner: bool,
    set_category: str | None,
    reason: str | None,
) -> None:
    """Change many records at once: of CRITERIA, a --selection or --ids.

    Give one change: --set-status, --clear-status, --set-owner, --clear-owner or
    --set-category. Every record goes through the same rules as one by one (a
    hidden status, a refused transition, a retired person are skipped, with the
    reason). Without --apply it only previews; with --apply the changes land in
    the history with the source "bulk". Exit status 130 when Ctrl-C stopped it.

    \b
    Examples:
      leadcore bulk "person.lead_status in (Open)" --set-status contacting
      leadcore bulk --selection 1 --set-owner 3 --apply
      leadcore bulk --companies --ids 4,5 --set-category Customer --apply --log log.json
    """
    log = _Log(log_file, force)
    with service_for(read_only=not do_apply) as service:
        change = _change(
            service, set_status, clear_status, set_owner, clear_owner, set_category, reason
        )
        scope = _scope(service, criteria, selection, ids, companies)
        _run(service, scope, change, do_apply, batch_size, show, log)


def _change(
    service: LeadService,
    set_status: str | None,
    clear_status: bool,
    set_owner: int | None,
    clear_owner: bool,
    set_category: str | None,
    reason: str | None,
) -> BulkChange:
    chosen = [
        set_status is not None,
        clear_status,
        set_owner is not None,
        clear_owner,
        set_category is not None,
    ]
    if sum(chosen) != 1:
        raise click.UsageError(
            "give exactly one change: --set-status, --clear-status, --set-owner, "
            "--clear-owner or --set-category"
        )
    lists = service.lists()
    if set_status is not None:
        return SetLeadStatus(status_id(lists, set_status), reason=reason)
    if clear_status:
        return ClearLeadStatus()
    if set_owner is not None:
        return SetOwner(AssociateId(set_owner))
    if clear_owner:
        return SetOwner(None)
    assert set_category is not None
    return SetCompanyCategory(lists.categories.by_name(set_category).id)


@leadcore.command("distribute", short_help="Spread records evenly over associates.")
@_scope_options
@click.option("--to", "to", help="Associate ids, comma-separated.")
@click.option("--group", "groups", multiple=True, help="A group of associates. Repeatable.")
def distribute(
    criteria: str,
    selection: int | None,
    ids: str | None,
    companies: bool,
    do_apply: bool,
    batch_size: int,
    show: int,
    log_file: Path | None,
    force: bool,
    to: str | None,
    groups: tuple[str, ...],
) -> None:
    """Spread records (of CRITERIA, a --selection or --ids) evenly over associates.

    Round robin over the chosen associates and groups whose availability is
    normal, continuing after the last assignment stored in the data file, so
    the same state gives the same result. Previews by default; --apply sets
    the owners (in history and events like any owner change).

    \b
    Examples:
      leadcore distribute "person.owner has no value" --to 1,2,3
      leadcore distribute "person.owner in (7) and person.lead_status in (Open)" --group north
      leadcore distribute --selection 1 --group north --apply
    """
    chosen = tuple(AssociateId(n) for n in ids_of(to or "", "--to"))
    log = _Log(log_file, force)
    with service_for(read_only=not do_apply) as service:
        change = DistributeOwners(Distribute(associates=chosen, groups=groups))
        scope = _scope(service, criteria, selection, ids, companies)
        if not do_apply:
            pool = service.distribution.pool(change.to)
            names = {a.id: a.name for a in service.associates.all(include_retired=True)}
            console().print(f"Pool, in turn order: {', '.join(names[a] for a in pool)}")
        _run(service, scope, change, do_apply, batch_size, show, log)


class _Labels:
    """Names of the values a change sets (statuses, owners, categories)."""

    def __init__(self, service: LeadService, change: BulkChange) -> None:
        lists = service.lists()
        self.names: dict[int, str]
        if isinstance(change, SetLeadStatus | ClearLeadStatus):
            self.names = {s.id: s.label() for s in lists.statuses}
        elif isinstance(change, SetCompanyCategory):
            self.names = {c.id: c.name for c in lists.categories}
        else:
            self.names = {a.id: a.name for a in service.associates.all(include_retired=True)}
        self.change = change

    def __call__(self, value: int | None) -> str:
        return "(none)" if value is None else self.names.get(value, str(value))

    def describe(self) -> str:
        change = self.change
        if isinstance(change, SetLeadStatus):
            return f"set lead status to {self(change.status_id)}"
        if isinstance(change, SetOwner):
            return f"set owner to {self(change.owner_id)}"
        if isinstance(change, SetCompanyCategory):
            return f"set category to {self(change.category_id)}"
        return change.describe()


class _Log:
    """Where ``--log`` goes: refused at once when the file exists (unless ``--force``),
    before anything is previewed or applied."""

    def __init__(self, path: Path | None, force: bool) -> None:
        self.path = path
        self.force = force
        if path is not None:
            refuse_existing([path], force=force)

    def write(self, found: BulkPreview | BulkLog, labels: _Labels) -> None:
        """Write the log (beside the target, then renamed: never through a link)."""
        if self.path is not None:
            with write_new([self.path], force=self.force) as (file,):
                file.write(json.dumps(_log_data(found, labels), ensure_ascii=False, indent=1))


def _run(
    service: LeadService,
    scope: BulkScope,
    change: BulkChange,
    do_apply: bool,
    batch_size: int,
    show: int,
    log: _Log,
) -> None:
    labels = _Labels(service, change)
    what = "companies" if scope.entity is Entity.COMPANY and not scope.persons else "persons"
    if scope.companies and scope.persons:
        what = "records"
    if not do_apply:
        preview = service.bulk.preview(scope, change, batch_size=batch_size)
        total = len(preview.changed) + len(preview.skipped)
        click.echo(
            f"Preview: {labels.describe()} on {total} {what}: {len(preview.changed)} would "
            f"change, {len(preview.skipped)} would be skipped"
        )
        _print_records(preview, labels, show)
        log.write(preview, labels)
        click.echo("Nothing was written. Run the same command with --apply to apply it.")
        return
    stop = threading.Event()
    with _interrupts(stop), _progress() as advance:
        try:
            done = service.bulk.apply(
                scope, change, batch_size=batch_size, progress=advance, stop=stop.is_set
            )
        except BulkFailed as failed:
            _print_log(failed.log, labels, show, what)
            log.write(failed.log, labels)
            raise
    _print_log(done, labels, show, what)
    log.write(done, labels)
    if done.stopped:
        raise SystemExit(EXIT_STOPPED)


@contextlib.contextmanager
def _interrupts(stop: threading.Event) -> Iterator[None]:
    """Ctrl-C sets ``stop`` (the apply ends after the running batch) instead of raising."""

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def _progress() -> Iterator[Callable[[BulkProgress], None]]:
    with Progress(
        TextColumn("applying (Ctrl-C stops after the batch)"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("applying", total=None)

        def advance(step: BulkProgress) -> None:
            progress.update(task, total=step.total, completed=step.done)

        yield advance


def _print_records(found: BulkPreview | BulkLog, labels: _Labels, show: int) -> None:
    out = console()
    counts = found.skip_counts()
    if counts:
        table = Table(title="Skipped, by reason", title_justify="left")
        table.add_column("reason")
        table.add_column("records", justify="right")
        for reason, count in counts.items():
            table.add_row(reason.value, str(count))
        out.print(table)
    if show and found.changed:
        table = Table(
            title=f"Changes (first {min(show, len(found.changed))})", title_justify="left"
        )
        for column in ("record", "before", "after", "batch"):
            table.add_column(column)
        for change in found.changed[:show]:
            table.add_row(
                str(change.record), labels(change.before), labels(change.after), str(change.batch)
            )
        out.print(table)
    if show and found.skipped:
        table = Table(
            title=f"Skipped (first {min(show, len(found.skipped))})", title_justify="left"
        )
        for column in ("record", "reason", "detail"):
            table.add_column(column, overflow="fold")
        for skipped in found.skipped[:show]:
            table.add_row(str(skipped.record), skipped.reason.value, skipped.detail)
        out.print(table)


def _print_log(log: BulkLog, labels: _Labels, show: int, what: str) -> None:
    click.echo(
        f"Applied: {labels.describe()} on {what}: {len(log.changed)} changed, "
        f"{len(log.skipped)} skipped; {log.batches_committed} of {log.batches_total} "
        "batches committed"
    )
    if log.stopped:
        click.echo(
            f"Stopped by Ctrl-C after batch {log.batches_committed}: "
            f"{len(log.pending)} records were not reached and are unchanged"
        )
    _print_records(log, labels, show)


def _log_data(found: BulkPreview | BulkLog, labels: _Labels) -> dict[str, object]:
    """What ``--log`` writes: every changed and skipped record (and, after an apply, the
    batches committed and the records never reached)."""
    data: dict[str, object] = {
        "change": labels.describe(),
        "applied": isinstance(found, BulkLog),
        "changed": [
            {
                "record": str(c.record),
                "kind": c.record.kind.value,
                "id": c.record.id,
                "before": c.before,
                "after": c.after,
                "batch": c.batch,
            }
            for c in found.changed
        ],
        "skipped": [
            {
                "record": str(s.record),
                "kind": s.record.kind.value,
                "id": s.record.id,
                "reason": s.reason.value,
                "detail": s.detail,
                "batch": s.batch,
            }
            for s in found.skipped
        ],
    }
    if isinstance(found, BulkLog):
        data.update(
            batches_committed=found.batches_committed,
            batches_total=found.batches_total,
            stopped=found.stopped,
            pending=[str(r) for r in found.pending],
        )
    return data
