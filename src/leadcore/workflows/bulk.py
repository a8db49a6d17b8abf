"""Bulk update (§4): what to change, on which records, the decision on each record,
and the preview, progress and log.

A bulk update takes a :class:`BulkScope` (ids, a saved selection or criteria)
and one change: :class:`SetLeadStatus`, :class:`ClearLeadStatus`,
:class:`SetOwner`, :class:`DistributeOwners` or :class:`SetCompanyCategory`.
The service previews it (:class:`BulkPreview`, nothing written) or applies it
in batches (:class:`BulkLog`), each batch one unit of work. Every record of
the scope ends in the preview or log either as changed or as skipped with a
:class:`SkipReason`; nothing is dropped silently.

What happens to each record is decided here, without reading or writing:
:class:`BulkRules` takes a record as the batch sees it now (with its company,
or a company's persons) and returns a :class:`RecordChange` (the
:class:`leadcore.rules.Outcome` to save, and the automation trigger it fires)
or a :class:`RecordSkip` (the reason and why); :func:`owner_turns` hands out
a distribution's owners. The service (:class:`leadcore.service.bulk.Bulk`)
loads the records, asks, saves and logs.

>>> scope = BulkScope.of_ids(persons=[3, 1, 3])
>>> scope.persons
(1, 3)
>>> SetLeadStatus(LeadStatusId(2)).describe()
'set lead status to 2'
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping, Sequence

import attrs

from leadcore import rules
from leadcore._checks import ID, OPTIONAL_ID, OPTIONAL_TEXT, fields, member, require
from leadcore.criteria.ast import Criterion
from leadcore.criteria.fields import Entity
from leadcore.errors import (
    InheritedCategoryError,
    LeadStatusNotEditable,
    TransitionRefused,
    ValidationError,
)
from leadcore.history import HistoryEntry, HistoryKind
from leadcore.lists import Lists
from leadcore.model import (
    AssociateId,
    CategoryId,
    Company,
    CompanyId,
    LeadStatusId,
    Person,
    PersonId,
    SelectionId,
)
from leadcore.policies import LeadPolicy
from leadcore.rules import Actor, Outcome
from leadcore.workflows.automation import AutomationResult, AutomationRules, Trigger
from leadcore.workflows.distribution import Distribute, round_robin

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "BulkChange",
    "BulkChanged",
    "BulkLog",
    "BulkPreview",
    "BulkProgress",
    "BulkRules",
    "BulkScope",
    "BulkSkipped",
    "BulkStep",
    "ClearLeadStatus",
    "DistributeOwners",
    "RecordChange",
    "RecordKind",
    "RecordRef",
    "RecordSkip",
    "SetCompanyCategory",
    "SetLeadStatus",
    "SetOwner",
    "SkipReason",
    "owner_turns",
]

DEFAULT_BATCH_SIZE = 1000
"""Records per batch (one unit of work each) unless ``batch_size`` says otherwise."""


class RecordKind(enum.Enum):
    """A person or a company."""

    PERSON = "person"
    COMPANY = "company"


@attrs.frozen(order=True, cache_hash=True)
class RecordRef:
    """One record of a bulk update: its kind and id (companies sort before persons).

    Its hash is computed once: a bulk update looks each record up several times.
    """

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


# --- the decision on each record -------------------------------------------------------


@attrs.frozen
class RecordChange:
    """A record a bulk change changes: its value ``before`` and ``after`` (a status,
    owner or category id; ``None`` for none), the ``outcome`` to save (changed
    aggregates, history entries and events), and the ``trigger`` the change fires
    (a lead status set on a person of a company, when a rule exists for it: R9)."""

    before: int | None
    after: int | None
    outcome: Outcome
    trigger: Trigger | None = None


@attrs.frozen
class RecordSkip:
    """A record a bulk change leaves as it is: the ``reason`` and a sentence ``detail``."""

    reason: SkipReason
    detail: str

    @classmethod
    def missing(cls, ref: RecordRef) -> RecordSkip:
        """``ref`` no longer exists.

        >>> RecordSkip.missing(RecordRef.person(9)).detail
        'person 9 does not exist (deleted?)'
        """
        return cls(SkipReason.NOT_FOUND, f"{ref} does not exist (deleted?)")

    @classmethod
    def conflict(cls, ref: RecordRef) -> RecordSkip:
        """Another writer changed ``ref`` again while its batch was applied a second time."""
        return cls(
            SkipReason.CONFLICT,
            f"{ref} was changed by someone else again while its batch was applied a second "
            "time; it was left as the other writer made it",
        )


BulkStep = RecordChange | RecordSkip
"""What a bulk change does to one record."""


_STATUS_CHANGES = (SetLeadStatus, ClearLeadStatus)
_OWNER_CHANGES = (SetOwner, DistributeOwners)


def _hidden(person: Person) -> str:
    return (
        f"the lead status of person {person.id} is hidden and read-only (R4): its category "
        "is not a lead-enabled Potential customer category"
    )


@attrs.frozen
class BulkRules:
    """The decisions of one bulk ``change``: given a record as the batch sees it now,
    what to change, or why to leave it. Nothing is read or written here.

    ``lists``, ``actor`` (time, acting associate, the source ``bulk``) and
    ``policy`` are what the rules engine decides with; ``lead_status`` says
    whether the licence has the lead-status feature; ``automation`` holds the
    rules a lead status set may fire (empty without the category-automation
    feature).

    >>> from datetime import datetime, timezone
    >>> from leadcore.history import StatusSource
    >>> from leadcore.lists import new_database
    >>> at = datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> decide = BulkRules(SetOwner(AssociateId(7)), Lists(*new_database()),
    ...                    Actor(at, None, StatusSource.BULK))
    >>> bo = Person(PersonId(1), None, "Bo", "", at, at)
    >>> step = decide.for_person(RecordRef.person(1), bo)
    >>> step.before, step.after, step.outcome.persons[0].owner_id
    (None, 7, 7)
    >>> decide.for_person(RecordRef.person(1), step.outcome.persons[0]).reason.value
    'already has this value'
    """

    change: BulkChange
    lists: Lists
    actor: Actor
    policy: LeadPolicy = rules.DEFAULT_POLICY
    lead_status: bool = True
    automation: AutomationRules = attrs.field(factory=AutomationRules)
    _fired: frozenset[LeadStatusId | None] = attrs.field(init=False, repr=False, eq=False)

    reads_companies: bool = attrs.field(init=False, repr=False, eq=False)
    """True when decisions on persons may read their companies (a lead-status change the
    licence allows): see :meth:`needs_company`."""

    @_fired.default
    def _statuses_with_a_rule(self) -> frozenset[LeadStatusId | None]:
        return frozenset(rule.trigger.status_id for rule in self.automation)

    @reads_companies.default
    def _reads_companies(self) -> bool:
        return self.lead_status and isinstance(self.change, _STATUS_CHANGES)

    def needs_company(self, person: Person) -> bool:
        """Whether the decision on ``person`` reads its company: a lead-status change of a
        person in a company (that the licence allows and that is not retired)."""
        return self.reads_companies and not person.retired and person.company_id is not None

    def needs_persons(self, company: Company) -> bool:
        """Whether the decision on ``company`` reads its persons: a company moved to
        another category (its persons are hidden or revealed, R4/R5)."""
        change = self.change
        return isinstance(change, SetCompanyCategory) and company.category_id != change.category_id

    def for_person(
        self,
        ref: RecordRef,
        person: Person | None,
        company: Company | None = None,
        *,
        owner: AssociateId | None = None,
    ) -> BulkStep:
        """The decision on the person of ``ref`` (``None``: it no longer exists), with its
        ``company`` when :meth:`needs_company` says so, and its ``owner`` turn when
        owners are distributed (:func:`owner_turns`)."""
        if person is None:
            return RecordSkip.missing(ref)
        change = self.change
        if isinstance(change, _STATUS_CHANGES):
            return self._status(ref, person, company, change)
        if person.retired:
            return RecordSkip(SkipReason.RETIRED, f"{ref} is retired; bulk updates leave it as is")
        if isinstance(change, _OWNER_CHANGES):
            return self._owner(ref, person, change, owner)
        try:
            outcome = rules.set_person_category(
                person, self.lists, change.category_id, self.actor, policy=self.policy
            )
        except InheritedCategoryError as error:
            return RecordSkip(SkipReason.INHERITED_CATEGORY, str(error))
        if not outcome.persons:
            return RecordSkip(SkipReason.UNCHANGED, f"{ref} has this category already")
        return RecordChange(person.own_category_id, change.category_id, outcome)

    def for_company(
        self,
        ref: RecordRef,
        company: Company | None,
        persons: Sequence[Person] = (),
        *,
        owner: AssociateId | None = None,
    ) -> BulkStep:
        """The decision on the company of ``ref`` (``None``: it no longer exists), with
        all its ``persons`` when :meth:`needs_persons` says so, and its ``owner`` turn
        when owners are distributed."""
        change = self.change
        if isinstance(change, _STATUS_CHANGES):
            return RecordSkip(SkipReason.NOT_APPLICABLE, "a company has no lead status")
        if company is None:
            return RecordSkip.missing(ref)
        if isinstance(change, _OWNER_CHANGES):
            return self._owner(ref, company, change, owner)
        target = change.category_id
        if company.category_id == target:
            return RecordSkip(SkipReason.UNCHANGED, f"{ref} is in this category already")
        outcome = rules.change_company_category(
            company, persons, self.lists, target, self.actor, policy=self.policy
        )
        return RecordChange(company.category_id, target, outcome)

    def _status(
        self,
        ref: RecordRef,
        person: Person,
        company: Company | None,
        change: SetLeadStatus | ClearLeadStatus,
    ) -> BulkStep:
        if not self.lead_status:
            return RecordSkip(SkipReason.LICENCE, "the licence lacks the lead-status feature")
        if person.retired:
            return RecordSkip(SkipReason.RETIRED, f"{ref} is retired; bulk updates leave it as is")
        before = person.lead_status_id
        if isinstance(change, ClearLeadStatus):
            if not rules.is_status_visible(person, company, self.lists.categories):
                return RecordSkip(SkipReason.HIDDEN_STATUS, _hidden(person))
            if before is None:
                return RecordSkip(SkipReason.UNCHANGED, f"{ref} has no lead status")
            at = self.actor.at
            entry = HistoryEntry(
                person.id, HistoryKind.CHANGE, before, None, at, self.actor.by, self.actor.source
            )
            cleared = attrs.evolve(person, lead_status_id=None, updated=at, status_changed=at)
            return RecordChange(before, None, Outcome(persons=(cleared,), events=(entry,)))
        try:
            outcome = rules.set_lead_status(
                person, company, self.lists, change.status_id, self.actor,
                reason=change.reason, policy=self.policy,
            )  # fmt: skip
        except LeadStatusNotEditable:
            return RecordSkip(SkipReason.HIDDEN_STATUS, _hidden(person))
        except TransitionRefused as error:
            return RecordSkip(SkipReason.TRANSITION_REFUSED, str(error))
        if not outcome.persons:
            return RecordSkip(SkipReason.UNCHANGED, f"{ref} has this lead status already")
        trigger = None
        if company is not None and change.status_id in self._fired:
            trigger = Trigger.lead_status_set(change.status_id)
        return RecordChange(before, change.status_id, outcome, trigger)

    def _owner(
        self,
        ref: RecordRef,
        record: Person | Company,
        change: SetOwner | DistributeOwners,
        turn: AssociateId | None,
    ) -> BulkStep:
        owner = change.owner_id if isinstance(change, SetOwner) else turn
        if owner is None and not isinstance(change, SetOwner):
            raise ValidationError(
                f"{ref} was given no owner to distribute",
                why="owners are distributed by the turns of owner_turns",
                fix="Pass owner= the record's turn from owner_turns",
                record=str(ref),
            )
        before = record.owner_id
        if owner == before:
            return RecordSkip(SkipReason.UNCHANGED, f"{ref} has this owner already")
        changed = attrs.evolve(record, owner_id=owner, updated=self.actor.at)
        if isinstance(changed, Person):
            return RecordChange(before, owner, Outcome((), (changed,)))
        return RecordChange(before, owner, Outcome((changed,)))


def owner_turns(
    refs: Sequence[RecordRef],
    persons: Mapping[PersonId, Person],
    companies: Mapping[CompanyId, Company],
    pool: Sequence[AssociateId],
    last: AssociateId | None,
    *,
    conflicted: Collection[RecordRef] = (),
) -> list[AssociateId | None]:
    """The owner each record of ``refs`` gets when owners are distributed (R11), in the
    order of ``refs``: round robin over ``pool``, continuing after ``last``, for the
    records that exist (in ``persons`` or ``companies``) and are not retired persons;
    ``None`` for the others and for the ``conflicted`` ones (they take no turn).

    >>> from datetime import datetime, timezone
    >>> at = datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> people = {PersonId(i): Person(PersonId(i), None, "P", "", at, at, retired=i == 2)
    ...           for i in (1, 2, 3)}
    >>> owner_turns([RecordRef.person(i) for i in (1, 2, 3, 4)], people, {},
    ...             (AssociateId(7), AssociateId(8)), last=AssociateId(7))
    [8, None, 7, None]
    """
    takes = []
    for ref in refs:
        if conflicted and ref in conflicted:
            takes.append(False)
        elif ref.kind is RecordKind.COMPANY:
            takes.append(CompanyId(ref.id) in companies)
        else:
            person = persons.get(PersonId(ref.id))
            takes.append(person is not None and not person.retired)
    turns = iter(round_robin(sum(takes), pool, last))
    return [next(turns) if taking else None for taking in takes]
