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
from typing import TYPE_CHECKING, TypeVar

from leadcore import _collector
from leadcore import rules as engine
from leadcore.criteria.fields import Entity
from leadcore.errors import BulkFailed, ConflictError, NotFoundError, ValidationError
from leadcore.history import DomainEvent, HistoryEntry, StatusSource
from leadcore.licence import Feature
from leadcore.model import AssociateId, Company, CompanyId, Person, PersonId
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
    BulkRules,
    BulkScope,
    BulkSkipped,
    BulkStep,
    ClearLeadStatus,
    DistributeOwners,
    RecordChange,
    RecordKind,
    RecordRef,
    RecordSkip,
    SetCompanyCategory,
    SetLeadStatus,
    SetOwner,
    SkipReason,
    owner_turns,
)
from leadcore.workflows.distribution import choose_pool

if TYPE_CHECKING:
    from leadcore.service.automation import Automation

__all__ = ["Bulk"]

_MAX_BATCH_SIZE = 100_000

Progress = Callable[[BulkProgress], None]
Stop = Callable[[], bool]
Id = TypeVar("Id")
Record = TypeVar("Record")


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
    """One batch inside an open command: loads its records, asks the bulk rules
    (:class:`leadcore.workflows.bulk.BulkRules`) about each, saves what they change,
    fires the automation they trigger, and logs."""

    def __init__(
        self,
        context: Context,
        automation: Automation,
        command: Command,
        change: BulkChange,
        number: int,
    ):
        self.automation_resource = automation
        self.command = command
        self.uow: UnitOfWork = command.uow
        self.change = change
        self.number = number
        licence = context.licence
        fired = AutomationRules()
        if isinstance(change, SetLeadStatus) and licence.has(Feature.CATEGORY_AUTOMATION):
            fired = stored.load_rules(self.uow.settings)
        self.rules = BulkRules(
            change,
            context.lists(self.uow),
            engine.Actor(context.clock.now(), context.associate, StatusSource.BULK),
            context.policy,
            licence.has(Feature.LEAD_STATUS),
            fired,
        )
        self.changed: list[BulkChanged] = []
        self.skipped: list[BulkSkipped] = []
        self.automation: list[AutomationResult] = []
        self._persons: dict[PersonId, Person] = {}
        self._companies: dict[CompanyId, Company] = {}
        self._pending: list[Person] = []
        self._events: list[DomainEvent] = []

    # loading

    def person(self, person_id: PersonId) -> Person | None:
        saved = self.command.persons.get(person_id)
        return saved if saved is not None else self._persons.get(person_id)

    def company(self, company_id: CompanyId) -> Company:
        saved = self.command.companies.get(company_id)
        if saved is not None:
            return saved
        found = self._companies.get(company_id)
        if found is None:
            found = self._companies[company_id] = self.uow.companies.get(company_id)
        return found

    def _load(self, batch: list[RecordRef]) -> None:
        """Read the batch's persons and companies, each kind in one read (the ones that no
        longer exist are left out)."""
        person_ids: list[PersonId] = []
        company_ids: list[CompanyId] = []
        for ref in batch:
            if ref.kind is RecordKind.PERSON:
                person_ids.append(PersonId(ref.id))
            else:
                company_ids.append(CompanyId(ref.id))
        persons, companies = self.uow.persons, self.uow.companies
        if person_ids:
            self._persons = {p.id: p for p in _existing(persons.get_many, persons.get, person_ids)}
        if company_ids:
            held = _existing(companies.get_many, companies.get, company_ids)
            self._companies = {c.id: c for c in held}

    # saving

    def flush(self) -> None:
        """Save the persons changed so far, append their history, collect their events."""
        if self._pending:
            for saved in self.uow.persons.save_many(self._pending):
                self.command.persons[saved.id] = saved
            self._pending = []
        if self._events:
            history = [e for e in self._events if isinstance(e, HistoryEntry)]
            if history:
                self.uow.history.append(history)
            self.command.events.extend(self._events)
            self._events = []

    # the run

    def run(self, batch: list[RecordRef], conflicted: set[RecordRef]) -> None:
        self._load(batch)
        owners: list[AssociateId | None] = [None] * len(batch)
        if isinstance(self.change, DistributeOwners):
            pool = choose_pool(self.change.to, self.uow.associates.all())
            last = stored.last_assigned(self.uow.settings)
            owners = owner_turns(
                batch, self._persons, self._companies, pool, last, conflicted=conflicted
            )
        for ref, owner in zip(batch, owners, strict=True):
            if conflicted and ref in conflicted:
                self.record(ref, RecordSkip.conflict(ref))
                continue
            try:
                self.step(ref, owner)
            except NotFoundError as error:
                self.record(ref, RecordSkip(SkipReason.NOT_FOUND, str(error)))
        self.flush()
        given = [owner for owner in owners if owner is not None]
        if given:
            stored.set_last_assigned(self.uow.settings, given[-1])

    def step(self, ref: RecordRef, owner: AssociateId | None) -> None:
        rules = self.rules
        company: Company | None = None
        if ref.kind is RecordKind.PERSON:
            person = self.person(PersonId(ref.id))
            if rules.reads_companies and person is not None and rules.needs_company(person):
                assert person.company_id is not None  # needs_company says it has one
                company = self.company(person.company_id)
            decided = rules.for_person(ref, person, company, owner=owner)
        else:
            company_id = CompanyId(ref.id)
            company = self.company(company_id) if company_id in self._companies else None
            persons: list[Person] = []
            if company is not None and rules.needs_persons(company):
                self.flush()
                persons = self.uow.persons.of_company(company.id)
            decided = rules.for_company(ref, company, persons, owner=owner)
        self.record(ref, decided)
        if isinstance(decided, RecordChange) and decided.trigger is not None:
            self.fire(decided.trigger, company)

    def record(self, ref: RecordRef, decided: BulkStep) -> None:
        """Save what ``decided`` changes (a changed company at once, after the persons
        changed before it), and log it as changed or skipped."""
        if isinstance(decided, RecordSkip):
            self.skipped.append(BulkSkipped(ref, decided.reason, decided.detail, self.number))
            return
        outcome = decided.outcome
        if outcome.companies:
            self.flush()
            self.command.apply(outcome)
        else:  # persons alone wait to be saved together (save_many)
            self._pending.extend(outcome.persons)
            self._events.extend(outcome.events)
        self.changed.append(BulkChanged(ref, decided.before, decided.after, self.number))

    def fire(self, trigger: Trigger, company: Company | None) -> None:
        """Fire ``trigger`` (R9) on ``company`` through the automation resource."""
        self.flush()
        result = self.automation_resource.fire(
            self.command, trigger, company, self.rules.lists, rules=self.rules.automation
        )
        if result.decision in (Decision.APPLIED, Decision.SUGGESTED):
            self.automation.append(result)


def _existing(
    get_many: Callable[[list[Id]], list[Record]], get: Callable[[Id], Record], ids: list[Id]
) -> list[Record]:
    """The records of ``ids`` that exist, in one read when all of them do."""
    try:
        return get_many(ids)
    except NotFoundError:
        found = []
        for record_id in ids:
            try:
                found.append(get(record_id))
            except NotFoundError:
                continue
        return found
