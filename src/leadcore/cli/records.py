"""Commands on records: ``find``, ``set-status`` and ``associate`` (add, list).

>>> from click.testing import CliRunner
>>> from leadcore.cli import leadcore
>>> import pathlib, tempfile
>>> data = str(pathlib.Path(tempfile.mkdtemp()) / "crm.json")
>>> _ = CliRunner().invoke(leadcore, ["--data", data, "init"])
>>> print(CliRunner().invoke(leadcore, ["--data", data, "find", "--json"]).output.strip())
{"total": 0, "offset": 0, "items": []}
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import click

from leadcore.cli._app import leadcore, service_for, settings
from leadcore.cli._render import PersonLabels, console, instant, person_table
from leadcore.cli._values import COUNT, ID, id_of
from leadcore.criteria.ast import ALWAYS, Criterion
from leadcore.criteria.fields import Entity
from leadcore.errors import ValidationError
from leadcore.lists import Lists
from leadcore.model import CompanyId, LeadStatusId, PersonId
from leadcore.queries import Order, Page
from leadcore.service import LeadService

__all__: list[str] = []  # commands: reached through the `leadcore` group, see docs/cli.md

_FIND_HELP = """Find persons (or, with --companies, companies) matching CRITERIA.

CRITERIA is the text form of the criteria (docs/criteria-formats.md); list values
are named (statuses by name or key, categories by name). Without CRITERIA every
record matches. Prints a table, or JSON with --json.

\b
Examples:
  leadcore find "person.lead_status in (Qualified)"
  leadcore find 'company.category in (Lead) and person.email contains "@acme"'
  leadcore find --companies "company.category_group in (\\"Potential customer\\")"
  leadcore --as 3 find --json --limit 10 "person.owner is current associate"
  leadcore find --columns person.name,person.email,company.name "person.retired is false"
"""


def status_id(lists: Lists, text: str) -> LeadStatusId:
    """The lead status named by its key, its name (ignoring case) or its id (ASCII digits).

    >>> from leadcore.lists import new_database
    >>> from leadcore.lists import Lists
    >>> lists = Lists(*new_database())
    >>> status_id(lists, "2") == status_id(lists, "contacting") == status_id(lists, "Contacting")
    True
    >>> status_id(lists, "9" * 30)
    Traceback (most recent call last):
    ...
    leadcore.errors.ValidationError: '999999999999999999999999999999' is not a lead status: ...
    """
    number = id_of(text)
    if number is not None:
        return lists.statuses.get(number).id
    if text.isascii() and text.isdigit():
        shown = text if len(text) <= 30 else f"{text[:20]}... ({len(text)} digits)"
        raise ValidationError(
            f"{shown!r} is not a lead status",
            why="a status is named by its key, its name or its id, and an id is a whole "
            "number from 1 to 9223372036854775807",
            fix="Name the status by its key (qualified), its name or its id",
        )
    try:
        return lists.statuses.by_key(text.lower()).id
    except LookupError:
        return lists.statuses.by_name(text).id


def parse(service: LeadService, text: str, entity: Entity = Entity.PERSON) -> Criterion:
    """The criteria of ``text`` (every record when it is blank)."""
    return ALWAYS if not text.strip() else service.parse_criteria(text, entity)


_DIRECTIONS = {"asc": False, "desc": True}


def _order(text: str | None) -> list[Order]:
    """``FIELD``, ``FIELD:asc`` or ``FIELD:desc`` as an order; another direction is refused.

    >>> _order("person.last_name:DESC")[0].descending
    True
    >>> _order("person.last_name:sideways")
    Traceback (most recent call last):
    ...
    leadcore.errors.ValidationError: unknown order direction 'sideways' in --order ...
    """
    if not text:
        return []
    field, sign, direction = text.partition(":")
    descending = _DIRECTIONS.get(direction.lower()) if sign else False
    if descending is None:
        raise ValidationError(
            f"unknown order direction {direction!r} in --order {text!r}",
            why="an order is a field key, then ':asc' (the default) or ':desc'",
            fix="Write --order FIELD, --order FIELD:asc or --order FIELD:desc",
        )
    return [Order(field, descending)]


@leadcore.command(help=_FIND_HELP, short_help="Find persons or companies by criteria.")
@click.argument("criteria", default="")
@click.option("--companies", is_flag=True, help="Find companies instead of persons.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--offset", type=COUNT, default=0, show_default=True)
@click.option(
    "--order", help="A field to order by, ':desc' for descending, ':asc' (the default) ascending."
)
@click.option(
    "--columns",
    help="Find result columns, comma-separated (person.name,person.email,company.name,...).",
)
def find(
    criteria: str,
    companies: bool,
    as_json: bool,
    limit: int,
    offset: int,
    order: str | None,
    columns: str | None,
) -> None:
    language = settings().language
    with service_for(read_only=True) as service:
        entity = Entity.COMPANY if companies else Entity.PERSON
        parsed = parse(service, criteria, entity)
        page = Page(offset, limit)
        if columns is not None:
            _find_columns(service, parsed, entity, columns, order, page, as_json)
            return
        if companies:
            found = service.companies.find_page(parsed, order=_order(order), page=page)
            lists = service.lists()
            owners = {a.id: a.name for a in service.associates.all(include_retired=True)}
            rows: list[dict[str, object]] = []
            for company in found:
                category = (
                    None
                    if company.category_id is None
                    else lists.categories.get(company.category_id)
                )
                rows.append(
                    {
                        "id": company.id,
                        "name": company.name,
                        "category": None if category is None else category.name,
                        "category_group": (
                            None if category is None else category.group.label(language)
                        ),
                        "owner_id": company.owner_id,
                        "owner": None if company.owner_id is None else owners.get(company.owner_id),
                        "registered": instant(company.registered),
                    }
                )
            total = found.total
        else:
            people = service.persons.find_page(parsed, order=_order(order), page=page)
            labels = person_labels(service, [p.company_id for p in people])
            rows = [labels.row(person) for person in people]
            total = people.total
    if as_json:
        click.echo(
            json.dumps({"total": total, "offset": offset, "items": rows}, ensure_ascii=False)
        )
        return
    out = console()
    what = "companies" if companies else "persons"
    title = f"{total} {what} found" + (f", {offset + 1}-{offset + len(rows)}" if rows else "")
    if companies:
        from rich.table import Table

        table = Table(title=title, title_justify="left")
        for column in ("id", "name", "category", "category group", "owner"):
            table.add_column(column, justify="right" if column == "id" else "left")
        for row in rows:
            table.add_row(
                str(row["id"]),
                str(row["name"]),
                str(row["category"] or ""),
                str(row["category_group"] or ""),
                str(row["owner"] or ""),
            )
        out.print(table)
    else:
        out.print(person_table(title, rows))


def _find_columns(
    service: LeadService,
    parsed: Criterion,
    entity: Entity,
    columns: str,
    order: str | None,
    page: Page,
    as_json: bool,
) -> None:
    """The Find result in chosen columns (:meth:`leadcore.service.views.Views.find_results`)."""
    from rich.table import Table

    from leadcore.views import Layout

    keys = tuple(c.strip() for c in columns.split(",") if c.strip())
    layout = Layout(keys, order=tuple(_order(order)))
    found = service.views.find_results(
        parsed, layout, entity=entity, page=page, language=settings().language
    )
    if as_json:
        items = [{"id": row.id, **row.texts()} for row in found.rows]
        data = {"total": found.total, "offset": page.offset, "items": items}
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    what = "companies" if entity is Entity.COMPANY else "persons"
    title = f"{found.total} {what} found"
    if found.rows:
        title += f", {page.offset + 1}-{page.offset + len(found.rows)}"
    table = Table(title=title, title_justify="left")
    for heading in found.columns:
        table.add_column(heading.label, overflow="fold")
    for row in found.rows:
        table.add_row(*(c.text if c.visible or not c.text else f"({c.text})" for c in row.cells))
    console().print(table)


def person_labels(service: LeadService, company_ids: Iterable[CompanyId | None]) -> PersonLabels:
    """The labels of persons of these companies, read once."""
    wanted = sorted({c for c in company_ids if c is not None})
    companies = {c.id: c for c in service.companies.get_many(wanted)}
    return PersonLabels(
        service.lists(),
        companies,
        service.associates.all(include_retired=True),
        settings().language,
    )


@leadcore.command("set-status", short_help="Set a person's lead status.")
@click.argument("person_id", type=ID)
@click.argument("status")
@click.option("--reason", help="Why (a stricter transition policy may require one).")
def set_status(person_id: int, status: str, reason: str | None) -> None:
    """Set the lead status of a person: STATUS is its key, name or id.

    The change goes through the rules and the transition policy and is recorded
    in the history; a hidden status (R4) is refused.

    \b
    Examples:
      leadcore set-status 17 qualified --reason "Budget confirmed"
      leadcore set-status 17 Contacting
    """
    with service_for() as service:
        chosen = status_id(service.lists(), status)
        person = service.persons.set_lead_status(PersonId(person_id), chosen, reason=reason)
        label = service.persons.lead_status_view(person.id, settings().language).label
    click.echo(f"person {person.id} ({person.full_name}) is now {label}")


@leadcore.group(short_help="Add and list associates.")
def associate() -> None:
    """Associates (the users who own companies and persons): add, list.

    \b
    Examples:
      leadcore associate add "Ann Able" --group sales
      leadcore associate list
    """


@associate.command("add")
@click.argument("name")
@click.option("--group", "groups", multiple=True, help="A group of the associate (repeatable).")
@click.option("--away", is_flag=True, help="Add the associate as away (not given new leads).")
def associate_add(name: str, groups: tuple[str, ...], away: bool) -> None:
    """Add an associate named NAME."""
    from leadcore.model import Availability

    availability = Availability.AWAY if away else Availability.NORMAL
    with service_for() as service:
        added = service.associates.add(name, availability=availability, groups=frozenset(groups))
    click.echo(f"associate {added.id}: {added.name}")


@associate.command("list")
def associate_list() -> None:
    """List the associates (retired ones too) with their availability and groups."""
    from rich.table import Table

    with service_for(read_only=True) as service:
        everyone = service.associates.all(include_retired=True)
    table = Table(title=f"{len(everyone)} associates", title_justify="left")
    for column in ("id", "name", "availability", "groups", "retired"):
        table.add_column(column)
    for one in everyone:
        table.add_row(
            str(one.id),
            one.name,
            one.availability.value,
            ", ".join(sorted(one.groups)),
            "yes" if one.retired else "",
        )
    console().print(table)
