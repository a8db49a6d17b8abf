"""Bulk update (``service.bulk``, §4): preview and apply one change on many records,
in batches.

The values (scope, changes, preview, log) are in :mod:`leadcore.workflows.bulk`;
docs/workflows.md describes the whole. Both :meth:`Bulk.preview` and
:meth:`Bulk.apply` run the same code record by record, in the same batches,
through the same rules and transition policy; the preview never commits. Apply
commits each batch as one unit of work, so after a stop, a failure or a crash
exactly the whole batches in the log stand. A lead status set in bulk fires the
category automation (R9) through the ``automation`` resource this one is given.

>>> from leadcore import LeadService
>>> from leadcore.workflows import BulkScope, SetOwner
>>> service = LeadService.in_memory()
>>> ann = service.associates.add("Ann")
>>> bo = service.persons.add("Bo")
>>> service.bulk.apply(BulkScope.of_ids(persons=[bo.id]), SetOwner(ann.id)).batches_committed
1
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, cast

import attrs

from leadcore import _collector
from leadcore import rules as engine
from leadcore.criteria.fields import Entity
from leadcore.errors import (
    BulkFailed,
    ConflictError,
    InheritedCategoryError,
    LeadStatusNotEditable,
    NotFoundError,
    TransitionRefused,
    ValidationError,
)
from leadcore.history import HistoryEntry, HistoryKind, StatusSource
from leadcore.licence import Feature
from leadcore.model import AssociateId, Company, CompanyId, LeadStatusId, Person, PersonId
from leadcore.ports import UnitOfWork
from leadcore.selections import resolve
from leadcore.service._context import Context
from leadcore.service._core import Command
from leadcore.service._resource import Resource
from leadcore.workflows import stored
from leadcore.workflows.automation import AutomationResult, AutomationRules, Decision, Trigger
from leadcore.workflows.bulk import (
    DEFAULT_BATCH_SIZE,
    BulkChange,
    BulkChanged,
    BulkLog,
    BulkPreview,
    BulkProgress,
    BulkScope,
    BulkSkipped,
    ClearLeadStatus,
    DistributeOwners,
    RecordKind,
    RecordRef,
    SetCompanyCategory,
    SetLeadStatus,
    SetOwner,
    SkipReason,
)
from leadcore.workflows.distribution import Distribute, choose_pool, round_robin

if TYPE_CHECKING:
    from leadcore.service.automation import Automation

__all__ = ["Bulk"]

_MAX_BATCH_SIZE = 100_000

Progress = Callable[[BulkProgress], None]
Stop = Callable[[], bool]


class Bulk(Resource, namespace="bulk"):
    """Bulk update: preview and apply one change on many records, in batches."""

    __slots__ = ("_automation",)

    def __init__(self, context: Context, automation: Automation) -> None:
        super().__init__(context)
        self._automation = automation

    def preview(
        self, scope: BulkScope, change: BulkChange, *, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> BulkPreview:
        """What :meth:`apply` would change and skip (and why) on the current state.

        Computed by running the apply's own steps in units of work that are
        never committed: nothing is written.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> acme = service.companies.add("Acme", category_id=lead)
        >>> ann, bo = service.persons.add("Ann", company_id=acme.id), service.persons.add("Bo")
        >>> qualified = service.lists().statuses.by_key("qualified").id
        >>> preview = service.bulk.preview(BulkScope.of_ids(persons=[ann.id, bo.id]),
        ...                                SetLeadStatus(qualified))
        >>> [str(c.record) for c in preview.changed], [s.reason.value for s in preview.skipped]
        (['person 1'], ['hidden status'])
        >>> service.persons.get(ann.id).lead_status_id == qualified   # nothing was written
        False
        """
        _check_batch_size(batch_size)
        refs = self._refs(scope)
        self._check_change(change)
        changed: list[BulkChanged] = []
        skipped: list[BulkSkipped] = []
        automation: list[AutomationResult] = []
        batches = _batches(refs, batch_size)
        # one unit, never committed: the batches see each other
        with _collector.collector_paused(), self._context.uow() as uow:
            command = Command(uow)
            for number, batch in enumerate(batches, start=1):
                step = _Batch(self._context, self._automation, command, change, number)
                step.run(batch, set())
                changed += step.changed
                skipped += step.skipped
                _merge(automation, step.automation)
            uow.rollback()
        return BulkPreview(change, tuple(changed), tuple(skipped), len(batches), tuple(automation))

    def apply(
        self,
        scope: BulkScope,
        change: BulkChange,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: Progress | None = None,
        stop: Stop | None = None,
    ) -> BulkLog:
        """Apply ``change`` to every record of ``scope``, a batch per unit of work.

        History entries get the source ``bulk``. ``progress`` is called after
        each committed batch; ``stop`` is asked before each batch and a true
        answer ends the run there (``log.stopped``, the rest ``log.pending``).
        A batch that meets a conflict (another writer changed one of its
        records) is run again from fresh reads once; a record that conflicts
        again is skipped as "changed by someone else". Any other failure raises
        :class:`leadcore.errors.BulkFailed`, whose ``log`` holds the batches
        that were committed before it. Bad arguments (an unknown status,
        category or owner) are refused before anything is written.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> acme = service.companies.add("Acme", category_id=lead)
        >>> ids = [service.persons.add(f"P{n}", company_id=acme.id).id for n in range(5)]
        >>> seen = []
        >>> log = service.bulk.apply(BulkScope.of_ids(persons=ids), SetLeadStatus(2),
        ...                          batch_size=2, progress=seen.append)
        >>> len(log.changed), log.batches_committed, [p.done for p in seen]
        (5, 3, [2, 4, 5])
        >>> service.persons.history(ids[0])[-1].source.value
        'bulk'
        """
        _check_batch_size(batch_size)
        refs = self._refs(scope)
        self._check_change(change)
        batches = _batches(refs, batch_size)
        changed: list[BulkChanged] = []
        skipped: list[BulkSkipped] = []
        automation: list[AutomationResult] = []

        def log(committed: int, stopped: bool = False) -> BulkLog:
            pending = tuple(r for batch in batches[committed:] for r in batch)
            return BulkLog(
                change,
                tuple(changed),
                tuple(skipped),
                committed,
                len(batches),
                stopped,
                pending,
                tuple(automation),
            )

        for number, batch in enumerate(batches, start=1):
            if stop is not None and stop():
                return log(number - 1, stopped=True)
            try:
                step = self._apply_batch(change, number, batch)
            except Exception as error:
                raise BulkFailed(log(number - 1), error) from error
            changed += step.changed
            skipped += step.skipped
            _merge(automation, step.automation)
            if progress is not None:
                done = sum(len(b) for b in batches[:number])
                progress(
                    BulkProgress(number, len(batches), done, len(refs), len(changed), len(skipped))
                )
        return log(len(batches))

    # --- the steps ----------------------------------------------------------------------

    def _apply_batch(self, change: BulkChange, number: int, batch: list[RecordRef]) -> _Batch:
        """Run one batch in its own unit of work; on a conflict run it again from fresh
        reads, and after that skip each record that conflicts once more."""
        conflicted: set[RecordRef] = set()
        retried = False
        while True:
            try:
                with _collector.collector_paused(), self._context.command() as command:
                    step = _Batch(self._context, self._automation, command, change, number)
                    step.run(batch, conflicted)
                return step
            except ConflictError as error:
                if not retried:
                    retried = True
                    continue
                ref = _conflicting(error, batch)
                if ref is None or ref in conflicted:
                    raise
                conflicted.add(ref)

    def _refs(self, scope: BulkScope) -> list[RecordRef]:
        """The scope's records now: companies by id, then persons by id."""
        if not isinstance(scope, BulkScope):
            raise ValidationError(
                f"a bulk update needs a BulkScope: got {type(scope).__name__}",
                fix="Pass BulkScope.of_ids(...), of_selection(...) or of_criteria(...)",
            )
        companies: Iterable[int] = scope.companies
        persons: Iterable[int] = scope.persons
        if scope.selection is not None:
            with self._context.uow() as uow:
                source = self._context.member_source(uow)
                members = resolve(source.selection(scope.selection), source)
            companies, persons = members.companies, members.persons
        elif scope.criteria is not None:
            query = self._context.query(scope.criteria, scope.entity)
            with self._context.uow() as uow:
                if scope.entity is Entity.PERSON:
                    persons = [p.id for p in uow.persons.find(query)]
                else:
                    companies = [c.id for c in uow.companies.find(query)]
        return [RecordRef.company(i) for i in sorted(companies)] + [
            RecordRef.person(i) for i in sorted(persons)
        ]

    def _check_change(self, change: BulkChange) -> None:
        """Refuse, before anything is written, a change naming a status, category or owner
        that cannot be assigned, or a distribution without available associates."""
        with self._context.uow() as uow:
            lists = self._context.lists(uow)
            if isinstance(change, SetLeadStatus):
                lists.statuses.assignable(change.status_id)
            elif isinstance(change, SetCompanyCategory):
                if change.category_id is not None:
                    lists.categories.assignable(change.category_id)
            elif isinstance(change, SetOwner):
                self._context.check_owner(uow, change.owner_id)
            elif isinstance(change, DistributeOwners):
                choose_pool(change.to, uow.associates.all())
            elif not isinstance(change, ClearLeadStatus):
                raise ValidationError(
                    f"unknown bulk change {change!r}",
                    fix="Pass SetLeadStatus, ClearLeadStatus, SetOwner, DistributeOwners or "
                    "SetCompanyCategory",
                )


def _merge(results: list[AutomationResult], more: Iterable[AutomationResult]) -> None:
    """Add ``more`` to ``results``; a suggestion already listed (a pending one that a
    later trigger found again) is listed once."""
    seen = {r.suggestion.id for r in results if r.suggestion is not None}
    for result in more:
        if result.suggestion is None or result.suggestion.id not in seen:
            results.append(result)
            if result.suggestion is not None:
                seen.add(result.suggestion.id)


def _check_batch_size(size: int) -> None:
    if type(size) is not int or not 1 <= size <= _MAX_BATCH_SIZE:
        raise ValidationError(
            f"batch_size must be an int from 1 to {_MAX_BATCH_SIZE}: got {size!r}",
            why="each batch is one unit of work held in memory",
            fix=f"Pass a batch size such as {DEFAULT_BATCH_SIZE}",
        )


def _batches(refs: list[RecordRef], size: int) -> list[list[RecordRef]]:
    return [refs[k : k + size] for k in range(0, len(refs), size)]


def _conflicting(error: ConflictError, batch: list[RecordRef]) -> RecordRef | None:
    kind, record_id = error.context.get("kind"), error.context.get("id")
    if kind not in ("person", "company") or type(record_id) is not int:
        return None
    ref = RecordRef(RecordKind(kind), record_id)
    return ref if ref in batch else None


class _Batch:
    """One batch's records run through the rules inside an open command."""

    def __init__(
        self,
        context: Context,
        automation: Automation,
        command: Command,
        change: BulkChange,
        number: int,
    ):
        self.context = context
        self.automation_resource = automation
        self.command = command
        self.uow: UnitOfWork = command.uow
        self.change = change
        self.number = number
        self.lists = context.lists(self.uow)
        self.now: datetime = context.clock.now()
        self.actor = engine.Actor(self.now, context.associate, StatusSource.BULK)
        self.changed: list[BulkChanged] = []
        self.skipped: list[BulkSkipped] = []
        self.automation: list[AutomationResult] = []
        self._persons: dict[PersonId, Person] = {}
        self._companies: dict[CompanyId, Company] = {}
        self._pending: list[Person] = []
        self._history: list[HistoryEntry] = []
        self._rules: AutomationRules | None = None
        self._lead_status_licensed = context.licence.has(Feature.LEAD_STATUS)
        self._rule_statuses: set[LeadStatusId | None] = set()
        self._owners: list[AssociateId] = []
        self._turn = 0
        self._last: AssociateId | None = None

    # bookkeeping

    def skip(self, ref: RecordRef, reason: SkipReason, detail: str) -> None:
        self.skipped.append(BulkSkipped(ref, reason, detail, self.number))

    def done(self, ref: RecordRef, before: int | None, after: int | None) -> None:
        self.changed.append(BulkChanged(ref, before, after, self.number))

    def person(self, person_id: PersonId) -> Person:
        saved = self.command.persons.get(person_id)
        return saved if saved is not None else self._persons[person_id]

    def company(self, company_id: CompanyId) -> Company:
        saved = self.command.companies.get(company_id)
        if saved is not None:
            return saved
        found = self._companies.get(company_id)
        if found is None:
            found = self._companies[company_id] = self.uow.companies.get(company_id)
        return found

    def flush(self) -> None:
        """Save the persons changed so far and append their history."""
        if self._pending:
            for saved in self.uow.persons.save_many(self._pending):
                self.command.persons[saved.id] = saved
            self._pending = []
        if self._history:
            self.uow.history.append(self._history)
            self.command.events.extend(self._history)
            self._history = []

    def apply(self, outcome: engine.Outcome) -> None:
        self.flush()
        self.command.apply(outcome)

    # the run

    def run(self, batch: list[RecordRef], conflicted: set[RecordRef]) -> None:
        person_ids = [PersonId(r.id) for r in batch if r.kind is RecordKind.PERSON]
        self._load_persons(person_ids)
        if isinstance(self.change, DistributeOwners):
            self._start_distribution(self.change.to, batch, conflicted)
        for ref in batch:
            if ref in conflicted:
                self.skip(ref, SkipReason.CONFLICT, _CONFLICT.format(ref=ref))
                continue
            if ref.kind is RecordKind.PERSON and PersonId(ref.id) not in self._persons:
                self.skip(ref, SkipReason.NOT_FOUND, f"{ref} does not exist (deleted?)")
                continue
            self.step(ref)
        self.flush()
        if self._owners and self._last is not None:
            stored.set_last_assigned(self.uow.settings, self._last)

    def _load_persons(self, person_ids: list[PersonId]) -> None:
        try:
            found = self.uow.persons.get_many(person_ids)
        except NotFoundError:
            found = []
            for person_id in person_ids:
                try:
                    found.append(self.uow.persons.get(person_id))
                except NotFoundError:
                    continue
        self._persons = {p.id: p for p in found}

    def _start_distribution(
        self, to: Distribute, batch: list[RecordRef], conflicted: set[RecordRef]
    ) -> None:
        pool = choose_pool(to, self.uow.associates.all())
        takers = [
            r
            for r in batch
            if r not in conflicted
            and not (r.kind is RecordKind.PERSON and self._absent_or_retired(PersonId(r.id)))
        ]
        self._owners = list(round_robin(len(takers), pool, stored.last_assigned(self.uow.settings)))

    def _absent_or_retired(self, person_id: PersonId) -> bool:
        found = self._persons.get(person_id)
        return found is None or found.retired

    def step(self, ref: RecordRef) -> None:
        change = self.change
        try:
            if isinstance(change, SetLeadStatus | ClearLeadStatus):
                self._status(ref, change)
            elif isinstance(change, SetOwner | DistributeOwners):
                self._owner(ref, change)
            else:
                self._category(ref, change)
        except NotFoundError as error:
            self.skip(ref, SkipReason.NOT_FOUND, str(error))

    def _retired(self, ref: RecordRef) -> Person | None:
        """The person of ``ref`` unless retired (then skipped)."""
        person = self.person(PersonId(ref.id))
        if person.retired:
            self.skip(ref, SkipReason.RETIRED, f"{ref} is retired; bulk updates leave it as is")
            return None
        return person

    def _status(self, ref: RecordRef, change: SetLeadStatus | ClearLeadStatus) -> None:
        if ref.kind is RecordKind.COMPANY:
            self.skip(ref, SkipReason.NOT_APPLICABLE, "a company has no lead status")
            return
        if not self._lead_status_licensed:
            self.skip(ref, SkipReason.LICENCE, "the licence lacks the lead-status feature")
            return
        person = self._retired(ref)
        if person is None:
            return
        company = None if person.company_id is None else self.company(person.company_id)
        before = person.lead_status_id
        if isinstance(change, ClearLeadStatus):
            if not engine.is_status_visible(person, company, self.lists.categories):
                self.skip(ref, SkipReason.HIDDEN_STATUS, _hidden(person))
                return
            if before is None:
                self.skip(ref, SkipReason.UNCHANGED, f"{ref} has no lead status")
                return
            self._pending.append(
                attrs.evolve(person, lead_status_id=None, updated=self.now, status_changed=self.now)
            )
            self._history.append(
                HistoryEntry(
                    person.id,
                    HistoryKind.CHANGE,
                    before,
                    None,
                    self.now,
                    self.actor.by,
                    StatusSource.BULK,
                )
            )
            self.done(ref, before, None)
            return
        try:
            outcome = engine.set_lead_status(
                person, company, self.lists, change.status_id, self.actor,
                reason=change.reason, policy=self.context.policy,
            )  # fmt: skip
        except LeadStatusNotEditable:
            self.skip(ref, SkipReason.HIDDEN_STATUS, _hidden(person))
            return
        except TransitionRefused as error:
            self.skip(ref, SkipReason.TRANSITION_REFUSED, str(error))
            return
        if not outcome.persons:
            self.skip(ref, SkipReason.UNCHANGED, f"{ref} has this lead status already")
            return
        self._pending.extend(outcome.persons)
        # rules.set_lead_status's events are its history entries: no need to filter them
        self._history.extend(cast(tuple[HistoryEntry, ...], outcome.events))
        self.done(ref, before, change.status_id)
        self._automate(company, change)

    def _automate(self, company: Company | None, change: SetLeadStatus) -> None:
        """Fire "lead status set to X" (R9) when a rule exists for it."""
        if self._rules is None:
            licensed = self.context.licence.has(Feature.CATEGORY_AUTOMATION)
            self._rules = stored.load_rules(self.uow.settings) if licensed else AutomationRules()
            self._rule_statuses = {r.trigger.status_id for r in self._rules}
        if company is None or change.status_id not in self._rule_statuses:
            return
        trigger = Trigger.lead_status_set(change.status_id)
        self.flush()
        result = self.automation_resource.fire(
            self.command, trigger, company, self.lists, rules=self._rules
        )
        if result.decision in (Decision.APPLIED, Decision.SUGGESTED):
            self.automation.append(result)

    def _owner(self, ref: RecordRef, change: SetOwner | DistributeOwners) -> None:
        record: Person | Company
        if ref.kind is RecordKind.PERSON:
            found = self._retired(ref)
            if found is None:  # retired: no turn was planned for it
                return
            record = found
        else:
            record = self.company(CompanyId(ref.id))
        if isinstance(change, SetOwner):
            owner = change.owner_id
        else:
            owner = self._owners[self._turn]
            self._turn += 1
            self._last = owner
        before = record.owner_id
        if owner == before:
            self.skip(ref, SkipReason.UNCHANGED, f"{ref} has this owner already")
            return
        changed = attrs.evolve(record, owner_id=owner, updated=self.now)
        if isinstance(changed, Person):
            self._pending.append(changed)
        else:
            self.flush()
            self.command.companies[changed.id] = self.uow.companies.save(changed)
        self.done(ref, before, owner)

    def _category(self, ref: RecordRef, change: SetCompanyCategory) -> None:
        target = change.category_id
        if ref.kind is RecordKind.COMPANY:
            company = self.company(CompanyId(ref.id))
            if company.category_id == target:
                self.skip(ref, SkipReason.UNCHANGED, f"{ref} is in this category already")
                return
            self.flush()
            outcome = engine.change_company_category(
                company, self.uow.persons.of_company(company.id), self.lists, target,
                self.actor, policy=self.context.policy,
            )  # fmt: skip
            self.apply(outcome)
            self.done(ref, company.category_id, target)
            return
        person = self._retired(ref)
        if person is None:
            return
        try:
            outcome = engine.set_person_category(
                person, self.lists, target, self.actor, policy=self.context.policy
            )
        except InheritedCategoryError as error:
            self.skip(ref, SkipReason.INHERITED_CATEGORY, str(error))
            return
        if not outcome.persons:
            self.skip(ref, SkipReason.UNCHANGED, f"{ref} has this category already")
            return
        self.apply(outcome)
        self.done(ref, person.own_category_id, target)


_CONFLICT = (
    "{ref} was changed by someone else again while its batch was applied a second time; "
    "it was left as the other writer made it"
)


def _hidden(person: Person) -> str:
    return (
        f"the lead status of person {person.id} is hidden and read-only (R4): its category "
        "is not a lead-enabled Potential customer category"
    )
