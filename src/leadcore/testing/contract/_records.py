"""The records, history entries and queries the contract classes build (private)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from leadcore.criteria.ast import Criterion
from leadcore.criteria.evaluate import Environment
from leadcore.history import HistoryEntry, HistoryKind
from leadcore.lists import Lists, new_database
from leadcore.model import (
    AssociateId,
    CategoryId,
    Company,
    CompanyId,
    LeadStatusId,
    Person,
    PersonId,
)
from leadcore.ports import UnitOfWork
from leadcore.queries import Query
from leadcore.testing.contract.base import AT

_NOW = AT + timedelta(days=30)
_ASSOCIATES = (AssociateId(1), AssociateId(2), AssociateId(3))
_NAMES = ("Ann", "ann", "Bo", "Åse", "Bob", "Lee")
_CATEGORY_IDS = tuple(c.id for c in new_database()[0].items)
_STATUS_IDS = tuple(s.id for s in new_database()[1].items)


def _company(n: int, category: int | None = None, owner: int | None = None) -> Company:
    return Company(
        CompanyId(n),
        f"Company {n}",
        None if category is None else CategoryId(category),
        AT,
        AT,
        owner_id=None if owner is None else AssociateId(owner),
    )


def _person(n: int, company: int | None = None, **changes: Any) -> Person:
    values: dict[str, Any] = {"first_name": "P", "last_name": f"Person {n}"}
    values.update(changes)
    company_id = None if company is None else CompanyId(company)
    return Person(PersonId(n), company_id, registered=AT, updated=AT, **values)


def _entry_at(person: int, to: int, at: datetime) -> HistoryEntry:
    return HistoryEntry(PersonId(person), HistoryKind.CHANGE, None, LeadStatusId(to), at)


def _entry(person: int, to: int | None = 1, reason: str | None = None) -> HistoryEntry:
    return HistoryEntry(
        PersonId(person),
        HistoryKind.CHANGE,
        None,
        None if to is None else LeadStatusId(to),
        AT,
        reason=reason,
    )


def _query(criteria: Criterion, **changes: Any) -> Query:
    return Query(criteria, now=_NOW, current_associate=_ASSOCIATES[0], **changes)


def _environment(lists: Lists) -> Environment:
    return Environment(lists.categories, _NOW, current_associate=_ASSOCIATES[0])


def _save_or_add(uow: UnitOfWork, stored: Sequence[Person], changes: Sequence[Person]) -> None:
    """Save ``changes`` of the ``stored`` persons (all at version 1) and add the others."""
    known = {p.id for p in stored}
    for person in changes:
        if person.id in known:
            uow.persons.save(attrs.evolve(person, version=1))
        else:
            uow.persons.add(person)
