"""The append-only lead-status history (§6) and the domain events around it.

Every change of a person's stored status, every hide and every reveal is one
:class:`HistoryEntry`. Replaying the entries gives each person's stored status.

>>> from datetime import datetime, timezone
>>> at = datetime(2026, 1, 1, tzinfo=timezone.utc)
>>> entries = [
...     HistoryEntry(PersonId(1), HistoryKind.CHANGE, None, LeadStatusId(1), at,
...                  source=StatusSource.DEFAULT),
...     HistoryEntry(PersonId(1), HistoryKind.CHANGE, LeadStatusId(1), LeadStatusId(2), at),
...     HistoryEntry(PersonId(1), HistoryKind.HIDE, LeadStatusId(2), LeadStatusId(2), at),
... ]
>>> replay(entries)
{1: 2}
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime

import attrs

from leadcore._checks import (
    ID,
    ID_SET,
    MOMENT,
    OPTIONAL_ID,
    OPTIONAL_TEXT,
    fields,
    member,
)
from leadcore.model import (
    AssociateId,
    CategoryId,
    CompanyId,
    LeadStatusId,
    PersonId,
    SelectionId,
)

__all__ = [
    "CompanyCategoryChanged",
    "CompanyDeleted",
    "DomainEvent",
    "HistoryEntry",
    "HistoryKind",
    "PersonCategoryChanged",
    "PersonDeleted",
    "PersonMoved",
    "StatusSource",
    "replay",
]


class StatusSource(enum.Enum):
    """Who or what caused a status entry."""

    USER = "user"
    DEFAULT = "default"
    AUTOMATION = "automation"
    BULK = "bulk"
    IMPORT = "import"


class HistoryKind(enum.Enum):
    """A stored value changed, was hidden (kept as is) or was revealed."""

    CHANGE = "change"
    HIDE = "hide"
    REVEAL = "reveal"


@attrs.frozen
class HistoryEntry:
    """One append-only history record.

    For ``HIDE`` ``from_status == to_status``: the stored value is kept. For
    ``REVEAL`` ``from_status`` is the value held while hidden and ``to_status``
    the one it now shows (the default, or the kept value under the restore policy).
    """

    person_id: PersonId
    kind: HistoryKind
    from_status: LeadStatusId | None
    to_status: LeadStatusId | None
    at: datetime
    by: AssociateId | None = None
    source: StatusSource = StatusSource.USER
    reason: str | None = None

    __attrs_post_init__ = fields(
        "history entry",
        person_id=ID,
        kind=member(HistoryKind),
        from_status=OPTIONAL_ID,
        to_status=OPTIONAL_ID,
        at=MOMENT,
        by=OPTIONAL_ID,
        source=member(StatusSource),
        reason=OPTIONAL_TEXT,
    )


@attrs.frozen
class CompanyCategoryChanged:
    """A company moved to another category."""

    company_id: CompanyId
    from_category: CategoryId | None
    to_category: CategoryId | None
    at: datetime
    by: AssociateId | None = None

    __attrs_post_init__ = fields(
        "company category change",
        company_id=ID,
        from_category=OPTIONAL_ID,
        to_category=OPTIONAL_ID,
        at=MOMENT,
        by=OPTIONAL_ID,
    )


@attrs.frozen
class PersonCategoryChanged:
    """A person without company got another category of its own."""

    person_id: PersonId
    from_category: CategoryId | None
    to_category: CategoryId | None
    at: datetime
    by: AssociateId | None = None

    __attrs_post_init__ = fields(
        "person category change",
        person_id=ID,
        from_category=OPTIONAL_ID,
        to_category=OPTIONAL_ID,
        at=MOMENT,
        by=OPTIONAL_ID,
    )


@attrs.frozen
class PersonMoved:
    """A person moved to another company (or to none)."""

    person_id: PersonId
    from_company: CompanyId | None
    to_company: CompanyId | None
    at: datetime
    by: AssociateId | None = None

    __attrs_post_init__ = fields(
        "person move",
        person_id=ID,
        from_company=OPTIONAL_ID,
        to_company=OPTIONAL_ID,
        at=MOMENT,
        by=OPTIONAL_ID,
    )


@attrs.frozen
class PersonDeleted:
    """A person was deleted; its history stays. ``selections`` are the static
    selections it was a member of, which lost it (their versions went up)."""

    person_id: PersonId
    company_id: CompanyId | None
    at: datetime
    by: AssociateId | None = None
    selections: frozenset[SelectionId] = frozenset()

    __attrs_post_init__ = fields(
        "person deletion",
        person_id=ID,
        company_id=OPTIONAL_ID,
        at=MOMENT,
        by=OPTIONAL_ID,
        selections=ID_SET,
    )


@attrs.frozen
class CompanyDeleted:
    """A company was deleted (after its persons were moved or deleted, each with its
    own event). ``selections`` are the static selections that lost it."""

    company_id: CompanyId
    at: datetime
    by: AssociateId | None = None
    selections: frozenset[SelectionId] = frozenset()

    __attrs_post_init__ = fields(
        "company deletion", company_id=ID, at=MOMENT, by=OPTIONAL_ID, selections=ID_SET
    )


DomainEvent = (
    HistoryEntry
    | CompanyCategoryChanged
    | PersonCategoryChanged
    | PersonMoved
    | PersonDeleted
    | CompanyDeleted
)
"""Everything an operation of the rules engine can report."""


def replay(entries: Iterable[HistoryEntry]) -> dict[PersonId, LeadStatusId | None]:
    """Each person's stored status after applying ``entries`` in order.

    A person without entries is absent: its stored status is ``None``.

    >>> replay([])
    {}
    """
    state: dict[PersonId, LeadStatusId | None] = {}
    for entry in entries:
        state[entry.person_id] = entry.to_status
    return state
