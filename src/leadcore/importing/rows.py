"""The rows an import takes, the report it gives, and the pure step that turns one
person row into a new person with its history.

Rows are plain frozen values checked at construction, like every stored class.
A person names its company in the batch by the company row's ``key``, or a
stored company by ``company_id``.

>>> from datetime import datetime, timezone
>>> at = datetime(2025, 3, 1, tzinfo=timezone.utc)
>>> row = PersonRow("Ann", "Ash", company_key="acme", registered=at,
...                 history=(StatusChange(LeadStatusId(2), at),))
>>> row.history[0].status_id
2
>>> PersonRow("Ann", company_key="acme", company_id=CompanyId(3))
Traceback (most recent call last):
...
leadcore.errors.ValidationError: a person row names its company twice: ...
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import attrs

from leadcore import rules
from leadcore._checks import (
    FLAG,
    ID,
    MOMENT,
    NAME,
    OPTIONAL_ID,
    OPTIONAL_TEXT,
    TEXT,
    fields,
    instance,
    optional,
    tuple_of,
)
from leadcore.errors import LeadcoreError, ValidationError
from leadcore.history import HistoryEntry, HistoryKind, StatusSource
from leadcore.lists import Lists
from leadcore.model import (
    AssociateId,
    CategoryId,
    Company,
    CompanyId,
    LeadStatusId,
    Person,
    PersonId,
    Utm,
)

__all__ = [
    "CompanyRow",
    "ImportReport",
    "OnError",
    "PersonRow",
    "RefusedRow",
    "StatusChange",
    "plan_person",
]

OnError = Literal["collect", "stop"]
"""What an import does with a refused row: report it and go on, or import nothing."""

_OPTIONAL_MOMENT = optional(MOMENT)
_OPTIONAL_UTM = optional(instance(Utm, "a Utm"))


@attrs.frozen
class CompanyRow:
    """A company to import. ``key`` (unique in the batch) is how person rows name it;
    ``registered`` is its original registration time (the import time when None)."""

    key: str
    name: str
    category_id: CategoryId | None = None
    owner_id: AssociateId | None = None
    source_utm: Utm | None = None
    registered: datetime | None = None

    __attrs_post_init__ = fields(
        "company row",
        key=NAME,
        name=NAME,
        category_id=OPTIONAL_ID,
        owner_id=OPTIONAL_ID,
        source_utm=_OPTIONAL_UTM,
        registered=_OPTIONAL_MOMENT,
    )


@attrs.frozen
class StatusChange:
    """An earlier lead-status change: the status the person got, when, and why."""

    status_id: LeadStatusId
    at: datetime
    reason: str | None = None

    __attrs_post_init__ = fields("status change", status_id=ID, at=MOMENT, reason=OPTIONAL_TEXT)


_CHANGES = tuple_of(StatusChange, "a tuple of StatusChange")


@attrs.frozen
class PersonRow:
    """A person to import, with its company (``company_key`` in the batch or a stored
    ``company_id``, or neither for a person without company), its original
    ``registered`` time and its earlier status changes, oldest first."""

    first_name: str
    last_name: str = ""
    company_key: str | None = None
    company_id: CompanyId | None = None
    category_id: CategoryId | None = None
    email: str = ""
    owner_id: AssociateId | None = None
    first_touch_utm: Utm | None = None
    lead_creation_utm: Utm | None = None
    retired: bool = False
    registered: datetime | None = None
    history: tuple[StatusChange, ...] = ()

    def __attrs_post_init__(self) -> None:
        _check_person_row(self)
        if self.company_key is not None and self.company_id is not None:
            raise ValidationError(
                "a person row names its company twice",
                why="company_key names a company of the batch, company_id a stored one",
                fix="Give one of company_key and company_id",
                entity="person row",
                field="company_id",
            )


_check_person_row = fields(
    "person row",
    first_name=TEXT,
    last_name=TEXT,
    company_key=OPTIONAL_TEXT,
    company_id=OPTIONAL_ID,
    category_id=OPTIONAL_ID,
    email=TEXT,
    owner_id=OPTIONAL_ID,
    first_touch_utm=_OPTIONAL_UTM,
    lead_creation_utm=_OPTIONAL_UTM,
    retired=FLAG,
    registered=_OPTIONAL_MOMENT,
    history=_CHANGES,
)


@attrs.frozen
class RefusedRow:
    """A row the import refused: which list (``kind``), its index there, and the error."""

    kind: Literal["company", "person"]
    index: int
    error: LeadcoreError

    @property
    def reason(self) -> str:
        """The error's message: what, why and what to do."""
        return str(self.error)


@attrs.frozen
class ImportReport:
    """What an import did: the id created for each row (None where refused), in row
    order, and the refused rows.

    >>> report = ImportReport(companies=(CompanyId(1),), persons=(PersonId(1), None))
    >>> report.imported_companies, report.imported_persons
    (1, 1)
    """

    companies: tuple[CompanyId | None, ...] = ()
    persons: tuple[PersonId | None, ...] = ()
    refused: tuple[RefusedRow, ...] = ()

    @property
    def imported_companies(self) -> int:
        """How many companies were imported."""
        return sum(1 for c in self.companies if c is not None)

    @property
    def imported_persons(self) -> int:
        """How many persons were imported."""
        return sum(1 for p in self.persons if p is not None)


def plan_person(
    row: PersonRow,
    person_id: PersonId,
    company: Company | None,
    lists: Lists,
    now: datetime,
    by: AssociateId | None,
) -> rules.Outcome:
    """The new person of ``row`` and its history, through the rules; pure.

    Without earlier changes this is :func:`leadcore.rules.create_person` at the
    row's registration time (a visible lead starts at the default status, R5).
    A row without ``registered`` was registered at its first change, or at the
    import time when it has none. Each earlier change becomes a history entry
    at its own time with source ``import``; the stored status is the last one.
    The changes happened elsewhere, so the transition policy does not judge
    them; the statuses must exist and the last one must not be deleted. When
    the person's status is not visible (R1), the history is kept, the stored
    value is the last status and a ``hide`` entry at the import time records
    that it is hidden (R4).

    >>> from datetime import timezone
    >>> from leadcore.lists import new_database
    >>> categories, statuses = new_database()
    >>> lists, at = Lists(categories, statuses), datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> earlier = datetime(2025, 6, 1, tzinfo=timezone.utc)
    >>> row = PersonRow("Bo", registered=earlier, category_id=categories.by_name("Lead").id,
    ...                 history=(StatusChange(statuses.by_key("qualified").id, earlier),))
    >>> out = plan_person(row, PersonId(1), None, lists, at, None)
    >>> [(e.to_status, e.at.year, e.source.value) for e in out.history]
    [(3, 2025, 'import')]
    """
    registered = row.registered
    if registered is None:
        registered = row.history[0].at if row.history else now
    if registered > now:
        raise ValidationError(
            f"person row registered at {registered.isoformat()}, after the import time",
            why="a record cannot have been registered in the future",
            fix="Correct the registration time, or leave it empty for the import time",
            entity="person row",
            field="registered",
        )
    person = Person(
        person_id,
        row.company_id if company is None else company.id,
        row.first_name,
        row.last_name,
        registered=registered,
        updated=now,
        email=row.email,
        owner_id=row.owner_id,
        own_category_id=row.category_id,
        first_touch_utm=row.first_touch_utm,
        lead_creation_utm=row.lead_creation_utm,
        retired=row.retired,
    )
    created = rules.create_person(person, company, lists, rules.Actor(registered, by))
    if not row.history:
        return created
    entries = _history(row, person_id, registered, now, lists, by)
    last = entries[-1].to_status
    if not rules.is_status_visible(person, company, lists.categories):
        hide = HistoryEntry(person_id, HistoryKind.HIDE, last, last, now, by, StatusSource.IMPORT)
        entries.append(hide)
    latest = max(entry.at for entry in entries)  # the history's latest entry (status_changed)
    stored = attrs.evolve(person, lead_status_id=last, status_changed=latest)
    return rules.Outcome(persons=(stored,), events=tuple(entries))


def _history(
    row: PersonRow,
    person_id: PersonId,
    registered: datetime,
    now: datetime,
    lists: Lists,
    by: AssociateId | None,
) -> list[HistoryEntry]:
    entries: list[HistoryEntry] = []
    previous: LeadStatusId | None = None
    before = registered
    for n, change in enumerate(row.history):
        lists.statuses.get(change.status_id)
        if not before <= change.at <= now:
            raise ValidationError(
                f"status change {n} of the person row is at {change.at.isoformat()}",
                why="earlier changes must be in time order, not before the person was "
                "registered and not after the import",
                fix="Sort the changes oldest first and check their times and the registration time",
                entity="person row",
                field="history",
                change=n,
            )
        entries.append(
            HistoryEntry(
                person_id,
                HistoryKind.CHANGE,
                previous,
                change.status_id,
                change.at,
                by,
                StatusSource.IMPORT,
                change.reason,
            )
        )
        previous, before = change.status_id, change.at
    lists.statuses.assignable(row.history[-1].status_id)
    return entries
