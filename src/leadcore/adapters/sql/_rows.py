"""Rows of the SQL schema to and from leadcore's frozen attrs classes (private).

One cattrs converter turns each record into the flat dict of its table's columns
(a :class:`leadcore.model.Utm` into a presence flag and five text columns) and a
row mapping back into the record; the records' own construction checks run on
the way in, so a row the classes would refuse is never returned.

>>> from datetime import UTC, datetime
>>> at = datetime(2026, 1, 5, tzinfo=UTC)
>>> row = converter.unstructure(Company(CompanyId(1), "Acme", None, at, at, source_utm=Utm("ad")))
>>> row["source_utm"], row["source_utm_source"], row["first_touch_utm"]
(True, 'ad', False)
>>> converter.structure(row, Company).source_utm
Utm(source='ad', medium=None, campaign=None, term=None, content=None)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import cattrs

from leadcore import codec
from leadcore.adapters.sql._schema import UTM_FIELDS
from leadcore.history import HistoryEntry, HistoryKind, StatusSource
from leadcore.lists import CategoryList, LeadStatusList
from leadcore.model import (
    Associate,
    AssociateId,
    Availability,
    Category,
    CategoryGroup,
    CategoryId,
    Company,
    CompanyId,
    LeadStatus,
    LeadStatusId,
    Person,
    PersonId,
    Utm,
)
from leadcore.selections import Selection

__all__ = [
    "category_rows",
    "converter",
    "lists_from_rows",
    "selection_document",
    "selection_from_document",
    "status_rows",
]

Row = Mapping[str, Any]

_COMPANY_UTMS = ("source_utm", "first_touch_utm", "lead_creation_utm")
_PERSON_UTMS = ("first_touch_utm", "lead_creation_utm")
_UTM_COLUMNS = {attr: [(f, f"{attr}_{f}") for f in UTM_FIELDS] for attr in _COMPANY_UTMS}


def _put_utm(row: dict[str, Any], attr: str, utm: Utm | None) -> None:
    row[attr] = utm is not None
    for name, column in _UTM_COLUMNS[attr]:
        row[column] = None if utm is None else getattr(utm, name)


def _utm(row: Row, attr: str) -> Utm | None:
    if not row[attr]:
        return None
    return Utm(**{name: row[column] for name, column in _UTM_COLUMNS[attr]})


def _company_row(company: Company) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": company.id,
        "name": company.name,
        "category_id": company.category_id,
        "registered": company.registered,
        "updated": company.updated,
        "owner_id": company.owner_id,
        "version": company.version,
    }
    for attr in _COMPANY_UTMS:
        _put_utm(row, attr, getattr(company, attr))
    return row


def _company(row: Row, _: object = None) -> Company:
    return Company(
        id=CompanyId(row["id"]),
        name=row["name"],
        category_id=row["category_id"],
        registered=row["registered"],
        updated=row["updated"],
        owner_id=row["owner_id"],
        source_utm=_utm(row, "source_utm"),
        version=row["version"],
        first_touch_utm=_utm(row, "first_touch_utm"),
        lead_creation_utm=_utm(row, "lead_creation_utm"),
    )


def _person_row(person: Person) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": person.id,
        "company_id": person.company_id,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "registered": person.registered,
        "updated": person.updated,
        "email": person.email,
        "owner_id": person.owner_id,
        "lead_status_id": person.lead_status_id,
        "own_category_id": person.own_category_id,
        "retired": person.retired,
        "version": person.version,
        "status_changed": person.status_changed,
    }
    for attr in _PERSON_UTMS:
        _put_utm(row, attr, getattr(person, attr))
    return row


def _person(row: Row, _: object = None) -> Person:
    return Person(
        id=PersonId(row["id"]),
        company_id=row["company_id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        registered=row["registered"],
        updated=row["updated"],
        email=row["email"],
        owner_id=row["owner_id"],
        lead_status_id=row["lead_status_id"],
        own_category_id=row["own_category_id"],
        first_touch_utm=_utm(row, "first_touch_utm"),
        lead_creation_utm=_utm(row, "lead_creation_utm"),
        retired=bool(row["retired"]),
        version=row["version"],
        status_changed=row["status_changed"],
    )


def _associate_row(associate: Associate) -> dict[str, Any]:
    return {
        "id": associate.id,
        "name": associate.name,
        "availability": associate.availability.value,
        "groups": json.dumps(sorted(associate.groups)),
        "retired": associate.retired,
        "version": associate.version,
    }


def _associate(row: Row, _: object = None) -> Associate:
    return Associate(
        id=AssociateId(row["id"]),
        name=row["name"],
        availability=Availability(row["availability"]),
        groups=frozenset(json.loads(row["groups"])),
        retired=bool(row["retired"]),
        version=row["version"],
    )


def _history_row(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "person_id": entry.person_id,
        "kind": entry.kind.value,
        "from_status": entry.from_status,
        "to_status": entry.to_status,
        "at": entry.at,
        "by": entry.by,
        "source": entry.source.value,
        "reason": entry.reason,
    }


def _history(row: Row, _: object = None) -> HistoryEntry:
    return HistoryEntry(
        person_id=PersonId(row["person_id"]),
        kind=HistoryKind(row["kind"]),
        from_status=row["from_status"],
        to_status=row["to_status"],
        at=row["at"],
        by=row["by"],
        source=StatusSource(row["source"]),
        reason=row["reason"],
    )


def _make_converter() -> cattrs.Converter:
    """The model's JSON form (:mod:`leadcore.codec`), copied, with the records that have
    a table of their own as flat rows of its columns (the lists, selections' documents
    and everything inside a record stay in the codec's form)."""
    conv = codec.converter.copy()
    for cls, out, into in (
        (Company, _company_row, _company),
        (Person, _person_row, _person),
        (Associate, _associate_row, _associate),
        (HistoryEntry, _history_row, _history),
    ):
        conv.register_unstructure_hook(cls, out)
        conv.register_structure_hook(cls, into)
    return conv


converter = _make_converter()
"""Rows <-> records: ``converter.unstructure(record)`` is the column dict of its table,
``converter.structure(row, Cls)`` the record of a row mapping."""


def category_rows(categories: CategoryList) -> list[dict[str, Any]]:
    """The rows of the ``categories`` table, ``position`` keeping the list's order."""
    return [
        {
            "id": c.id,
            "name": c.name,
            "group": int(c.group),
            "rank": c.rank,
            "tooltip": c.tooltip,
            "deleted": c.deleted,
            "enable_lead_status": c.enable_lead_status,
            "position": n,
        }
        for n, c in enumerate(categories.items)
    ]


def status_rows(statuses: LeadStatusList) -> list[dict[str, Any]]:
    """The rows of the ``lead_statuses`` table, ``position`` keeping the list's order."""
    return [
        {
            "id": s.id,
            "key": s.key,
            "name": s.name,
            "rank": s.rank,
            "tooltip": s.tooltip,
            "deleted": s.deleted,
            "position": n,
        }
        for n, s in enumerate(statuses.items)
    ]


def lists_from_rows(
    category_rows: list[Row], status_rows: list[Row], default_id: int | None
) -> tuple[CategoryList, LeadStatusList]:
    """The two lists from their rows (in ``position`` order) and the default status."""
    categories = CategoryList(
        tuple(
            Category(
                id=CategoryId(r["id"]),
                name=r["name"],
                group=CategoryGroup(r["group"]),
                rank=r["rank"],
                tooltip=r["tooltip"],
                deleted=bool(r["deleted"]),
                enable_lead_status=bool(r["enable_lead_status"]),
            )
            for r in category_rows
        )
    )
    statuses = LeadStatusList(
        tuple(
            LeadStatus(
                id=LeadStatusId(r["id"]),
                key=r["key"],
                name=r["name"],
                rank=r["rank"],
                tooltip=r["tooltip"],
                deleted=bool(r["deleted"]),
            )
            for r in status_rows
        ),
        default_id=None if default_id is None else LeadStatusId(default_id),
    )
    return categories, statuses


def selection_document(selection: Selection) -> str:
    """The JSON text a selection is stored as (its :mod:`leadcore.codec` form, keys sorted)."""
    return json.dumps(codec.converter.unstructure(selection, Selection), sort_keys=True)


def selection_from_document(text: str) -> Selection:
    """The selection stored as ``text``."""
    selection: Selection = codec.converter.structure(json.loads(text), Selection)  # type: ignore[arg-type]
    return selection
