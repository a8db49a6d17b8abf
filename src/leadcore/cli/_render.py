"""Rich output for the ``leadcore`` command: the console, person tables, cards, bars.

Not public API. Everything here only formats values the service returned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

import cattrs
from rich.console import Console
from rich.table import Table

from leadcore.lists import Lists
from leadcore.model import Associate, AssociateId, Company, CompanyId, Language, Person
from leadcore.rules import effective_category_id
from leadcore.views import CellValue
from leadcore.views import converter as _views_converter

__all__ = [
    "PersonLabels",
    "bars",
    "console",
    "instant",
    "person_table",
    "views_json",
]


def instant(moment: datetime) -> str:
    """A time as the command writes it (JSON and CSV): ISO 8601 in UTC, whatever the store.

    A file store keeps the offset a time was given with, a SQL database gives it
    back in UTC: the same instant is shown the same way from both.

    >>> from datetime import timedelta, timezone
    >>> instant(datetime(2025, 3, 2, 23, 30, tzinfo=timezone(timedelta(hours=-5))))
    '2025-03-03T04:30:00+00:00'
    """
    return moment.astimezone(UTC).isoformat()


def _in_utc(converter: cattrs.Converter) -> cattrs.Converter:
    made = converter.copy()
    made.register_unstructure_hook(datetime, instant)
    cell = converter.get_unstructure_hook(CellValue)

    def utc_cell(value: CellValue) -> object:
        # a cell's time stays tagged, as the views write it, but in UTC
        return {"datetime": instant(value)} if isinstance(value, datetime) else cell(value)

    made.register_unstructure_hook_func(lambda t: bool(t == CellValue), utc_cell)
    return made


views_json = _in_utc(_views_converter)
"""The views' converter (:data:`leadcore.views.converter`, tiles included) with every
time in UTC."""


def console(*, stderr: bool = False) -> Console:
    """A console on the current standard output, or error (click's test runner swaps them)."""
    return Console(highlight=False, soft_wrap=False, stderr=stderr)


class PersonLabels:
    """Labels of a person's company, category, group, lead status and owner, from values
    read once (lists, companies, associates)."""

    def __init__(
        self,
        lists: Lists,
        companies: Mapping[CompanyId, Company],
        associates: Iterable[Associate],
        language: Language,
    ) -> None:
        self.lists = lists
        self.companies = companies
        self.owners: dict[AssociateId, str] = {a.id: a.name for a in associates}
        self.language: Language = language

    def row(self, person: Person) -> dict[str, object]:
        """The person's values as a JSON-ready mapping (labels resolved)."""
        company = None if person.company_id is None else self.companies.get(person.company_id)
        category_id = effective_category_id(person, company)
        category = None if category_id is None else self.lists.categories.get(category_id)
        status = (
            None
            if person.lead_status_id is None
            else self.lists.statuses.get(person.lead_status_id)
        )
        return {
            "id": person.id,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "email": person.email,
            "company_id": person.company_id,
            "company": None if company is None else company.name,
            "category": None if category is None else category.name,
            "category_group": None if category is None else category.group.label(self.language),
            "lead_status": None if status is None else status.label(self.language),
            "lead_status_visible": category is not None and category.lead_enabled,
            "owner_id": person.owner_id,
            "owner": None if person.owner_id is None else self.owners.get(person.owner_id),
            "retired": person.retired,
            "registered": instant(person.registered),
        }


def person_table(title: str, rows: Sequence[Mapping[str, object]]) -> Table:
    """A table of person rows (:meth:`PersonLabels.row`); a hidden status is in brackets."""
    table = Table(title=title, title_justify="left")
    for name, justify in (
        ("id", "right"),
        ("name", "left"),
        ("company", "left"),
        ("category", "left"),
        ("lead status", "left"),
        ("owner", "left"),
    ):
        table.add_column(name, justify="right" if justify == "right" else "left")
    for row in rows:
        status = row["lead_status"]
        shown = "" if status is None else str(status)
        if status is not None and not row["lead_status_visible"]:
            shown = f"({shown})"
        name = f"{row['first_name']} {row['last_name']}".strip()
        table.add_row(
            str(row["id"]),
            name,
            str(row["company"] or ""),
            str(row["category"] or ""),
            shown,
            str(row["owner"] or ""),
        )
    return table


def bars(rows: Sequence[tuple[str, int]], *, width: int = 40, unit: str = "") -> Table:
    """Horizontal bars, one per (label, value), scaled to the largest value."""
    table = Table.grid(padding=(0, 1))
    table.add_column(justify="left")
    table.add_column(justify="right")
    table.add_column(justify="left")
    top = max((value for _, value in rows), default=0)
    for label, value in rows:
        length = 0 if top == 0 else round(width * value / top)
        if value > 0 and length == 0:
            length = 1
        table.add_row(label, f"{value}{unit}", "█" * length)
    return table
