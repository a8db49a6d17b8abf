"""Commands that show the seed page's screens: ``board``, ``contacts`` and ``dashboard``.

The figures come from the service's views (:mod:`leadcore.views`); this module
only lays them out: board columns side by side, the contacts tab as a table
with its groups, the dashboard tiles as bars and tables.

>>> from click.testing import CliRunner
>>> from leadcore.cli import leadcore
>>> import pathlib, tempfile
>>> data = str(pathlib.Path(tempfile.mkdtemp()) / "crm.json")
>>> _ = CliRunner().invoke(leadcore, ["-d", data, "init", "--sample", "--scale", "0.02"])
>>> shown = CliRunner().invoke(leadcore, ["-d", data, "board", "--json"])
>>> import json; [c["label"] for c in json.loads(shown.stdout)["columns"]][:3]
['Open', 'Contacting', 'Qualified']
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import click
from rich.console import Group
from rich.table import Table
from rich.text import Text

from leadcore.cli._app import leadcore, service_for, settings
from leadcore.cli._render import bars, console, views_json
from leadcore.cli._values import COUNT, ID, id_of
from leadcore.cli.records import parse, status_id
from leadcore.criteria.ast import ALWAYS, Criterion, Period
from leadcore.criteria.fields import Entity
from leadcore.lists import Lists
from leadcore.model import AssociateId, CategoryId, CompanyId, Language, SelectionId
from leadcore.queries import Page
from leadcore.service import LeadService
from leadcore.views import (
    Board,
    Cell,
    ColumnFilter,
    ContactsTab,
    DashboardFilter,
    GroupBucket,
    Layout,
    LeadBreakdown,
    ReportPeriod,
    Row,
)
from leadcore.views.settings import DEFAULT_CONTACTS

__all__: list[str] = []  # commands: reached through the `leadcore` group, see docs/cli.md

BY = {
    "status": "person.lead_status",
    "category": "person.category",
    "group": "person.category_group",
    "owner": "person.owner",
}
"""Short names of the board's group-by fields (persons); any field key works too."""

_COMPANY_BY = {"category": "company.category", "group": "company.category_group"}


def _source(
    service: LeadService, criteria: str, selection: int | None, entity: Entity
) -> SelectionId | Criterion:
    if selection is not None:
        if criteria.strip():
            raise click.UsageError("give criteria or --selection, not both")
        return SelectionId(selection)
    return parse(service, criteria, entity) if criteria.strip() else ALWAYS


@leadcore.command("board", short_help="The board view: columns side by side.")
@click.argument("criteria", default="")
@click.option("--selection", type=ID, help="A saved selection's id.")
@click.option(
    "--by",
    "group_by",
    default="status",
    show_default=True,
    help="status, category, group, owner, or a field key (company.category ...).",
)
@click.option("--companies", is_flag=True, help="A board of companies instead of persons.")
@click.option("--cards", type=click.IntRange(0, 100), default=5, show_default=True)
@click.option(
    "--card-columns",
    help="What a card shows, comma-separated (default: person.name, or company.name).",
)
@click.option("--hide-empty", is_flag=True, help="Leave out columns without cards.")
@click.option("--json", "as_json", is_flag=True, help="Print the board as JSON.")
def board(
    criteria: str,
    selection: int | None,
    group_by: str,
    companies: bool,
    cards: int,
    card_columns: str | None,
    hide_empty: bool,
    as_json: bool,
) -> None:
    """Show the board view of a selection or of CRITERIA: one column per value,
    side by side, each with its count and first cards.

    Persons group by lead status (the default), category, category group or
    owner; companies (--companies) by category, group or owner. A lead-status
    board shows a status only where it is visible and says how many persons it
    left out.

    \b
    Examples:
      leadcore board
      leadcore board --selection 1 --by owner
      leadcore --as 3 board "person.owner is current associate" --cards 3
      leadcore board --companies --by category --hide-empty
    """
    entity = Entity.COMPANY if companies else Entity.PERSON
    key = (_COMPANY_BY if companies else BY).get(group_by, group_by)
    if companies and group_by == "owner":
        key = "company.owner"
    language = settings().language
    with service_for(read_only=True) as service:
        source = _source(service, criteria, selection, entity)
        shown = service.views.board(
            source,
            key,
            entity=entity,
            card_columns=_card_columns(card_columns, entity),
            cards=cards,
            hide_empty=hide_empty,
            language=language,
        )
    if as_json:
        click.echo(json.dumps(views_json.unstructure(shown), ensure_ascii=False))
        return
    console().print(board_table(shown))


def _card_columns(text: str | None, entity: Entity) -> tuple[str, ...]:
    if text:
        return tuple(c.strip() for c in text.split(",") if c.strip())
    return ("company.name",) if entity is Entity.COMPANY else ("person.name",)


def board_table(shown: Board) -> Table:
    """The board's columns side by side: a heading with the count, then the cards."""
    what = "persons" if shown.entity == "person" else "companies"
    caption = f"{shown.total} {what}"
    if shown.left_out:
        caption += f"; {shown.left_out} with a hidden status left out"
    table = Table(
        title=f"Board by {shown.label}", title_justify="left", caption=caption, expand=False
    )
    headings = [
        f"{column.label}\n({column.count})" + (" [deleted]" if column.deleted else "")
        for column in shown.columns
    ]
    for heading in headings:
        table.add_column(heading, overflow="fold")
    depth = max((len(c.cards) for c in shown.columns), default=0)
    for index in range(depth):
        cells = []
        for column in shown.columns:
            cells.append(_card(column.cards[index]) if index < len(column.cards) else "")
        table.add_row(*cells)
    more = [
        f"+{column.count - len(column.cards)} more" if column.has_more else ""
        for column in shown.columns
    ]
    if any(more):
        table.add_row(*(Text(m, style="dim") for m in more))
    return table


def _card(row: Row) -> str:
    texts = [cell.text for cell in row.cells if cell.text]
    return " · ".join(texts)


@leadcore.command("contacts", short_help="A company's contacts tab.")
@click.argument("company_id", type=ID)
@click.option(
    "--columns",
    help="Column keys, comma-separated (person.name,person.email,person.lead_status,...).",
)
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="COLUMN=VALUE",
    help="A per-column filter (text: begins with; list: the item's name). Repeatable.",
)
@click.option("--group-by", "grouping", multiple=True, help="A grouping level. Repeatable.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--offset", type=COUNT, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the tab as JSON.")
def contacts(
    company_id: int,
    columns: str | None,
    filters: tuple[str, ...],
    grouping: tuple[str, ...],
    limit: int,
    offset: int,
    as_json: bool,
) -> None:
    """Show a company's contacts tab: its persons in chosen columns, filtered, grouped.

    Without --columns, --filter and --group-by the acting associate's saved
    layout (or the default one) is used.

    \b
    Examples:
      leadcore contacts 12
      leadcore contacts 12 --group-by person.lead_status
      leadcore contacts 12 --columns person.name,person.email --filter person.first_name=an
    """
    language = settings().language
    with service_for(read_only=True) as service:
        layout = _layout(service, columns, filters, grouping)
        tab = service.views.contacts_tab(
            CompanyId(company_id), layout, page=Page(offset, limit), language=language
        )
        name = service.companies.get(CompanyId(company_id)).name
    if as_json:
        click.echo(json.dumps(views_json.unstructure(tab), ensure_ascii=False))
        return
    console().print(contacts_table(name, tab))


def _layout(
    service: LeadService,
    columns: str | None,
    filters: tuple[str, ...],
    grouping: tuple[str, ...],
) -> Layout | None:
    if columns is None and not filters and not grouping:
        return None
    if columns:
        chosen = tuple(c.strip() for c in columns.split(",") if c.strip())
    elif service.context.associate is not None:
        chosen = service.views.layout("contacts_tab").layout.columns
    else:
        chosen = DEFAULT_CONTACTS.columns
    made: list[ColumnFilter] = []
    lists = service.lists()
    for text in filters:
        key, sign, value = text.partition("=")
        if not sign or not key.strip():
            raise click.BadParameter(f"{text!r} is not COLUMN=VALUE", param_hint="--filter")
        key = key.strip()
        made.append(ColumnFilter(key, (_filter_value(lists, key, value),)))
    return Layout(chosen, filters=tuple(made), grouping=tuple(grouping))


def _filter_value(lists: Lists, key: str, value: str) -> str | int:
    """A list column's value named by its item (status key or name, category name)."""
    if key.endswith(".lead_status"):
        return int(status_id(lists, value))
    number = id_of(value)
    if key.endswith(".category"):
        return number if number is not None else int(lists.categories.by_name(value).id)
    if key.endswith(".owner") and number is not None:
        return number
    return value


def contacts_table(name: str, tab: ContactsTab) -> Group:
    """The tab's groups (with counts) and its page of rows."""
    parts: list[Table] = []
    if tab.groups:
        parts.append(_groups_table(tab.groups))
    last = tab.page.offset + len(tab.rows)
    title = f"{name} - Contacts: {tab.total} persons"
    if tab.rows:
        title += f", {tab.page.offset + 1}-{last}"
    table = Table(title=title, title_justify="left")
    for heading in tab.columns:
        table.add_column(heading.label, overflow="fold")
    for row in tab.rows:
        table.add_row(*(_cell(cell) for cell in row.cells))
    parts.append(table)
    return Group(*parts)


def _cell(cell: Cell) -> str:
    return cell.text if cell.visible or not cell.text else f"({cell.text})"


def _groups_table(groups: Sequence[GroupBucket]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column()
    table.add_column(justify="right")
    pending = [(0, g) for g in reversed(groups)]
    while pending:  # depth first, without recursion
        depth, bucket = pending.pop()
        table.add_row("  " * depth + bucket.label, str(bucket.count))
        pending.extend((depth + 1, inner) for inner in reversed(bucket.groups))
    return table


_PERIODS = {p.value: p for p in (Period.WEEK, Period.MONTH, Period.QUARTER, Period.YEAR)}
_BREAKDOWNS = {
    "campaign": LeadBreakdown.CAMPAIGN,
    "first-touch": LeadBreakdown.FIRST_TOUCH_SOURCE,
    "lead-creation": LeadBreakdown.LEAD_CREATION_SOURCE,
}


@leadcore.command("dashboard", short_help="The lead dashboards.")
@click.option(
    "--period",
    type=click.Choice(sorted(_PERIODS)),
    default="quarter",
    show_default=True,
    help="The period the tiles cover (compared with the one before).",
)
@click.option(
    "--at",
    "day",
    type=click.DateTime(["%Y-%m-%d"]),
    help="A day in the period (default: today, UTC).",
)
@click.option("--owner", "owners", type=ID, multiple=True)
@click.option("--category", "categories", multiple=True, help="A category name. Repeatable.")
@click.option("--where", "criteria", default="", help="Person criteria the tiles count.")
@click.option(
    "--by",
    "breakdown",
    type=click.Choice(sorted(_BREAKDOWNS)),
    default="first-touch",
    show_default=True,
    help="What new leads are broken down by.",
)
@click.option("--older-than", type=click.IntRange(min=0), default=30, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the tiles as JSON.")
def dashboard(
    period: str,
    day: datetime | None,
    owners: tuple[int, ...],
    categories: tuple[str, ...],
    criteria: str,
    breakdown: str,
    older_than: int,
    as_json: bool,
) -> None:
    """Show the lead dashboards: persons per status, the qualification funnel as bars,
    new leads per source, time in status and ageing, each against the period before.

    \b
    Examples:
      leadcore dashboard
      leadcore dashboard --period month --at 2026-05-15 --owner 3
      leadcore dashboard --category Lead --by campaign --older-than 14
    """
    language = settings().language
    with service_for(read_only=True) as service:
        lists = service.lists()
        chosen = ReportPeriod.of(
            _PERIODS[period],
            (day.date() if day is not None else service.context.clock.now().astimezone(UTC).date()),
            UTC,
        )
        filters = DashboardFilter(
            owners=frozenset(AssociateId(o) for o in owners),
            categories=frozenset(CategoryId(lists.categories.by_name(c).id) for c in categories),
            criteria=parse(service, criteria),
        )
        tiles = dashboard_tiles(
            service, chosen, filters, _BREAKDOWNS[breakdown], older_than, language
        )
    if as_json:
        click.echo(
            json.dumps(
                {name: views_json.unstructure(tile) for name, tile in tiles.items()},
                ensure_ascii=False,
            )
        )
        return
    print_dashboard(tiles, chosen)


def dashboard_tiles(
    service: LeadService,
    period: ReportPeriod,
    filters: DashboardFilter,
    by: LeadBreakdown,
    older_than: int,
    language: Language,
) -> dict[str, object]:
    """Every tile of the dashboard for ``period``, by name."""
    granularity = Period.WEEK if period.days <= 31 else Period.MONTH
    return {
        "status_counts": service.dashboards.status_counts(
            period, filters=filters, language=language
        ),
        "funnel": service.dashboards.funnel(period, filters=filters, language=language),
        "new_leads": service.dashboards.new_leads(
            period, granularity=granularity, by=by, filters=filters
        ),
        "time_in_status": service.dashboards.time_in_status(
            period, filters=filters, language=language
        ),
        "ageing": service.dashboards.ageing(
            period, older_than, filters=filters, persons_limit=5, language=language
        ),
    }


def _delta(value: int) -> str:
    return f"{value:+d}" if value else "±0"


def _days(value: timedelta | None) -> str:
    return "" if value is None else f"{value.total_seconds() / 86400:.1f} d"


def print_dashboard(tiles: dict[str, object], period: ReportPeriod) -> None:
    """Print the tiles of :func:`dashboard_tiles`."""
    from leadcore.views import (
        AgeingTile,
        FunnelTile,
        NewLeadsTile,
        StatusCountsTile,
        TimeInStatusTile,
    )

    out = console()
    last = period.end - timedelta(days=1)
    out.print(f"Dashboards for {period.start} - {last} (deltas against the period before)")
    counts = tiles["status_counts"]
    assert isinstance(counts, StatusCountsTile)
    out.print(Text("\nPersons per lead status", style="bold"))
    out.print(
        bars(
            [(f"{c.label} ({_delta(c.delta)})", c.count) for c in counts.counts],
            width=30,
        )
    )
    if counts.hidden:
        out.print(f"(and {counts.hidden} persons with a hidden status)")
    funnel = tiles["funnel"]
    assert isinstance(funnel, FunnelTile)
    out.print(Text("\nQualification funnel (entered each stage in the period)", style="bold"))
    out.print(
        bars([(f"{s.label} ({_delta(s.delta)})", s.entered) for s in funnel.stages], width=30)
    )
    for step in funnel.steps:
        rate = "n/a" if step.rate is None else f"{step.rate:.0%}"
        before = "n/a" if step.previous_rate is None else f"{step.previous_rate:.0%}"
        labels = {s.status_id: s.label for s in funnel.stages}
        out.print(
            f"  {labels[step.from_status]} -> {labels[step.to_status]}: {step.converted} of "
            f"{step.entered} ({rate}; before: {before})"
        )
    new = tiles["new_leads"]
    assert isinstance(new, NewLeadsTile)
    by = "" if new.by is None else f" by {new.by.value.replace('_', ' ')}"
    out.print(Text(f"\nNew leads{by}: {new.total} ({_delta(new.delta)})", style="bold"))
    out.print(bars([(v or "(none)", t) for v, t in zip(new.values, new.totals, strict=True)]))
    times = tiles["time_in_status"]
    assert isinstance(times, TimeInStatusTile)
    table = Table(title="Time in status", title_justify="left")
    for column in ("status", "persons", "latest avg", "latest median", "cumulative avg"):
        table.add_column(column, justify="left" if column == "status" else "right")
    for entry in times.statuses:
        now = entry.current
        table.add_row(
            entry.label,
            str(now.persons),
            _days(now.latest_average),
            _days(now.latest_median),
            _days(now.cumulative_average),
        )
    out.print()
    out.print(table)
    ageing = tiles["ageing"]
    assert isinstance(ageing, AgeingTile)
    out.print(
        Text(
            f"\nAgeing: leads in a status for more than {ageing.older_than.days} days", style="bold"
        )
    )
    out.print(bars([(f"{b.label} ({_delta(b.delta)})", b.count) for b in ageing.buckets]))
