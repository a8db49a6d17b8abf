"""Bulk update (§4): what to change, on which records, and the preview, progress and log.

A bulk update takes a :class:`BulkScope` (ids, a saved selection or criteria)
and one change: :class:`SetLeadStatus`, :class:`ClearLeadStatus`,
:class:`SetOwner`, :class:`DistributeOwners` or :class:`SetCompanyCategory`.
The service previews it (:class:`BulkPreview`, nothing written) or applies it
in batches (:class:`BulkLog`), each batch one unit of work. Every record of
the scope ends in the preview or log either as changed or as skipped with a
:class:`SkipReason`; nothing is dropped silently.

>>> scope = BulkScope.of_ids(persons=[3, 1, 3])
>>> scope.persons
(1, 3)
>>> SetLeadStatus(LeadStatusId(2)).describe()
'set lead status to 2'
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

import attrs

from leadcore._checks import ID, OPTIONAL_ID, OPTIONAL_TEXT, fields, member, require
from leadcore.criteria.ast import Criterion
from leadcore.criteria.fields import Entity
from leadcore.errors import ValidationError
from leadcore.model import (
    AssociateId,
    CategoryId,
    CompanyId,
    LeadStatusId,
    PersonId,
    SelectionId,
)
from leadcore.workflows.automation import AutomationResult
from leadcore.workflows.distribution import Distribute

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "BulkChange",
    "BulkChanged",
    "BulkLog",
    "BulkPreview",
    "BulkProgress",
    "BulkScope",
    "BulkSkipped",
    "ClearLeadStatus",
    "DistributeOwners",
    "RecordKind",
    "RecordRef",
    "SetCompanyCategory",
    "SetLeadStatus",
    "SetOwner",
    "SkipReason",
]

DEFAULT_BATCH_SIZE = 1000
"""Records per batch (one unit of work each) unless ``batch_size`` says otherwise."""


class RecordKind(enum.Enum):
    """A person or a company."""

    PERSON = "person"
    COMPANY = "company"


@attrs.frozen(order=True)
class RecordRef:
    """One record of a bulk update: its kind and id (companies sort before persons)."""

    kind: RecordKind = attrs.field(order=lambda k: k is RecordKind.PERSON)
    id: int

    __attrs_post_init__ = fields("record", kind=member(RecordKind), id=ID)

    @classmethod
    def person(cls, person_id: int) -> RecordRef:
        """The person ``person_id``."""
        return cls(RecordKind.PERSON, person_id)

    @classmethod
    def company(cls, company_id: int) -> RecordRef:
        """The company ``company_id``."""
        return cls(RecordKind.COMPANY, company_id)

    def __str__(self) -> str:
        return f"{self.kind.value} {self.id}"


def _unique_ids(values: Iterable[int]) -> tuple[int, ...]:
    found = tuple(values)
    for value in found:
        require(value, ID, entity="bulk scope", field="ids")
    return tuple(sorted(set(found)))


@attrs.frozen
class BulkScope:
    """The records a bulk update works on: ids, a saved selection, or criteria.

    Build it with :meth:`of_ids`, :meth:`of_selection` or :meth:`of_criteria`.
    Criteria and selections are evaluated when the preview or apply starts.

    >>> from leadcore.criteria.build import condition
    >>> BulkScope.of_criteria(condition("person.last_name", "begins", "b")).entity.value
    'person'
    """

    persons: tuple[PersonId, ...] = attrs.field(default=(), converter=_unique_ids)
    companies: tuple[CompanyId, ...] = attrs.field(default=(), converter=_unique_ids)
    selection: SelectionId | None = None
    criteria: Criterion | None = None
    entity: Entity = Entity.PERSON

    def __attrs_post_init__(self) -> None:
        _check_scope(self)
        given = sum(
            (bool(self.persons or self.companies), self.selection is not None, self.criteria
             is not None)
        )  # fmt: skip
        if given > 1:
            raise ValidationError(
                "a bulk scope names ids, a selection and/or criteria together",
                why="a scope is one of them, so that it is clear which records it means",
                fix="Use BulkScope.of_ids, of_selection or of_criteria",
            )

    @classmethod
    def of_ids(
        cls, *, persons: Iterable[PersonId] = (), companies: Iterable[CompanyId] = ()
    ) -> BulkScope:
        """These persons and companies (repeats count once)."""
        return cls(persons=tuple(persons), companies=tuple(companies))

    @classmethod
    def of_selection(cls, selection_id: SelectionId) -> BulkScope:
        """The members of a saved selection, resolved when the update starts."""
        return cls(selection=selection_id)

    @classmethod
    def of_criteria(cls, criteria: Criterion, entity: Entity = Entity.PERSON) -> BulkScope:
        """The persons (or companies, with ``entity``) matching ``criteria``."""
        return cls(criteria=criteria, entity=entity)


_check_scope = fields("bulk scope", selection=OPTIONAL_ID, entity=member(Entity))


@attrs.frozen
class SetLeadStatus:
    """Set each person's lead status, through the transition policy (``reason`` recorded)."""

    status_id: LeadStatusId
    reason: str | None = None

    __attrs_post_init__ = fields("lead status change", status_id=ID, reason=OPTIONAL_TEXT)

    def describe(self) -> str:
        """The change in words."""
        return f"set lead status to {self.status_id}"


@attrs.frozen
class ClearLeadStatus:
    """Clear each visible person's lead status (recorded in history as a change to none)."""

    def describe(self) -> str:
        """The change in words."""
        return "clear lead status"


@attrs.frozen
class SetOwner:
    """Set the owner of each person and company (``None`` clears it).

    The owner must be a known, active associate.
    """

    owner_id: AssociateId | None

    __attrs_post_init__ = fields("owner change", owner_id=OPTIONAL_ID)

    def describe(self) -> str:
        """The change in words."""
        return f"set owner to {self.owner_id}"


@attrs.frozen
class DistributeOwners:
    """Set owners by lead distribution (R11): round robin over ``to``'s available pool."""

    to: Distribute

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.to, Distribute):
            raise ValidationError(
                f"DistributeOwners needs a Distribute: got {self.to!r}",
                fix="Pass Distribute(associates=(...)) or Distribute(groups=(...))",
            )

    def describe(self) -> str:
        """The change in words."""
        return "distribute owners"


@attrs.frozen
class SetCompanyCategory:
    """Move each company to a category (its persons hidden or revealed, R4/R5); a person
    without company gets it as its own category, a person with one is skipped (R3)."""

    category_id: CategoryId | None

    __attrs_post_init__ = fields("category change", category_id=OPTIONAL_ID)

    def describe(self) -> str:
        """The change in words."""
        return f"set company category to {self.category_id}"


BulkChange = SetLeadStatus | ClearLeadStatus | SetOwner | DistributeOwners | SetCompanyCategory
"""One change a bulk update makes."""


class SkipReason(enum.Enum):
    """Why a record of a bulk update was not changed."""

    HIDDEN_STATUS = "hidden status"
    """The person's lead status is hidden, so read-only (R4)."""
    TRANSITION_REFUSED = "transition refused by the policy"
    RETIRED = "retired person"
    LICENCE = "licence"
    """The installation lacks the feature the change needs."""
    NOT_FOUND = "not found"
    """The record no longer exists."""
    UNCHANGED = "already has this value"
    NOT_APPLICABLE = "not applicable"
    """The change does not apply to this kind of record (a company has no lead status)."""
    INHERITED_CATEGORY = "inherited category"
    """A person with a company takes the company's category (R3)."""
    CONFLICT = "changed by someone else"
    """Another writer changed the record twice while its batch was being applied."""


@attrs.frozen
class BulkChanged:
    """A record the update changed (or, in a preview, would change): the value before
    and after (a status, owner or category id; ``None`` for none) and its batch."""

    record: RecordRef
    before: int | None
    after: int | None
    batch: int


@attrs.frozen
class BulkSkipped:
    """A record left as it was, with the reason and a sentence saying why."""

    record: RecordRef
    reason: SkipReason
    detail: str
    batch: int


@attrs.frozen
class BulkPreview:
    """What applying would do on the current state, computed without writing."""

    change: BulkChange
    changed: tuple[BulkChanged, ...]
    skipped: tuple[BulkSkipped, ...]
    batches: int
    automation: tuple[AutomationResult, ...] = ()

    @property
    def changed_records(self) -> frozenset[RecordRef]:
        """The records that would change."""
        return frozenset(c.record for c in self.changed)

    def skip_counts(self) -> dict[SkipReason, int]:
        """How many records would be skipped, per reason."""
        return _counts(self.skipped)


@attrs.frozen
class BulkProgress:
    """Reported after each committed batch."""

    batch: int
    """The batch just committed, counting from 1."""
    batches: int
    done: int
    """Records handled so far (changed or skipped)."""
    total: int
    changed: int
    skipped: int


@attrs.frozen
class BulkLog:
    """What an apply did: every changed record and every skipped one with its reason.

    Only whole batches stand: ``batches_committed`` batches were committed, and
    ``changed`` lists exactly their changes. ``stopped`` says the caller
    stopped it; ``pending`` are the records of the batches not run.
    ``automation`` holds what category automation did along the way (R9): each
    company moved, and each suggestion made (listed once, however many of its
    persons triggered it).
    """

    change: BulkChange
    changed: tuple[BulkChanged, ...]
    skipped: tuple[BulkSkipped, ...]
    batches_committed: int
    batches_total: int
    stopped: bool = False
    pending: tuple[RecordRef, ...] = ()
    automation: tuple[AutomationResult, ...] = ()

    @property
    def changed_records(self) -> frozenset[RecordRef]:
        """The records that changed."""
        return frozenset(c.record for c in self.changed)

    @property
    def complete(self) -> bool:
        """True when every batch was committed."""
        return self.batches_committed == self.batches_total

    def skip_counts(self) -> dict[SkipReason, int]:
        """How many records were skipped, per reason."""
        return _counts(self.skipped)


def _counts(skipped: Iterable[BulkSkipped]) -> dict[SkipReason, int]:
    counts: dict[SkipReason, int] = {}
    for entry in skipped:
        counts[entry.reason] = counts.get(entry.reason, 0) + 1
    return counts
