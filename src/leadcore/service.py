"""The application service: one method per use case, each in one unit of work.

A command loads what it touches through the ports, asks the pure rules engine
(:mod:`leadcore.rules`), saves the changed aggregates, appends the history and
commits; the events are published after the commit. A refused command raises
the typed error of the rule that refused it and changes nothing.

Embedding leadcore takes one line, over the in-memory adapter:

>>> from leadcore.service import LeadService
>>> service = LeadService.in_memory()
>>> lists = service.lists()
>>> acme = service.add_company("Acme", category_id=lists.categories.by_name("Lead").id)
>>> ann = service.add_person("Ann", "Ash", company_id=acme.id)
>>> service.lead_status_view(ann.id, "da").label         # new leads start Open (R5)
'Åben'
>>> qualified = lists.statuses.by_key("qualified").id
>>> service.set_lead_status(ann.id, qualified).lead_status_id == qualified
True
>>> customer = lists.categories.by_name("Customer").id
>>> _ = service.change_company_category(acme.id, customer)
>>> view = service.lead_status_view(ann.id)
>>> view.label, view.visible, view.editable               # hidden, kept, read-only (R4)
('Qualified', False, False)
>>> [e.kind.value for e in service.person_history(ann.id)]
['change', 'change', 'hide']
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Literal

import attrs

from leadcore import rules
from leadcore._service_core import Command, RepositorySource, run_command
from leadcore.criteria import build
from leadcore.criteria.ast import ALWAYS, Criterion, Operator
from leadcore.criteria.fields import Entity, ListKind, field
from leadcore.criteria.text import parse as parse_text
from leadcore.errors import ReadOnlyError, ValidationError
from leadcore.history import HistoryEntry, StatusSource
from leadcore.licence import Feature, Licence
from leadcore.lists import (
    CategoryList,
    LeadStatusList,
    UpgradeReport,
    existing_database,
    new_database,
    upgrade_categories,
)
from leadcore.model import (
    AssociateId,
    Category,
    CategoryGroup,
    CategoryId,
    Company,
    CompanyId,
    Language,
    LeadStatus,
    LeadStatusId,
    Person,
    PersonId,
    SelectionId,
    Utm,
)
from leadcore.policies import LeadPolicy
from leadcore.ports import (
    Clock,
    EventPublisher,
    IdGenerator,
    Order,
    Page,
    Query,
    StoredLists,
    UnitOfWork,
)
from leadcore.rules import Actor, LeadStatusView, Lists
from leadcore.selections import (
    CombinedSelection,
    CompanyPersons,
    DynamicSelection,
    Members,
    Operation,
    Selection,
    SelectionInUseError,
    SelectionKindError,
    StaticSelection,
    Target,
    check_acyclic,
    default_entity,
    inputs_of,
    kind_of,
    project,
    resolve,
)

__all__ = ["LeadService"]

_DEFAULT_POLICY = LeadPolicy()


@attrs.frozen
class LeadService:
    """Every use case of lead management, over the ports.

    ``uow`` makes a fresh :class:`leadcore.ports.UnitOfWork` per command.
    ``associate`` (the acting user, recorded in history and used as "current
    associate" in criteria), ``licence`` and ``source`` are set once here;
    :meth:`acting_as` gives a service acting for someone else.

    Use :meth:`in_memory` to embed leadcore without any storage setup, or build
    it from its parts over any adapter:

    >>> from datetime import datetime, timezone
    >>> from leadcore.adapters.memory import InMemoryStore
    >>> from leadcore.clock import FixedClock, SequentialIds
    >>> clock = FixedClock(datetime(2026, 1, 5, tzinfo=timezone.utc))
    >>> service = LeadService(InMemoryStore().unit_of_work, clock=clock, ids=SequentialIds(),
    ...                       associate=AssociateId(7))
    >>> service.add_company("Acme").registered == clock.now()
    True
    """

    uow: Callable[[], UnitOfWork]
    clock: Clock
    ids: IdGenerator
    events: EventPublisher | None = None
    policy: LeadPolicy = _DEFAULT_POLICY
    licence: Licence = attrs.field(factory=Licence.full)
    associate: AssociateId | None = None
    source: StatusSource = StatusSource.USER
    closer: Callable[[], None] | None = None
    """Releases the storage (a file store's lock and files); called by :meth:`close`."""

    # --- construction -----------------------------------------------------------------------

    @classmethod
    def in_memory(
        cls,
        database: Literal["new", "existing"] = "new",
        *,
        licence: Licence | None = None,
        clock: Clock | None = None,
        policy: LeadPolicy = _DEFAULT_POLICY,
        associate: AssociateId | None = None,
        events: EventPublisher | None = None,
        path: str | os.PathLike[str] | None = None,
        autosave: bool = True,
    ) -> LeadService:
        """A service over the in-memory store, with the lists of a new or existing database.

        ``clock`` defaults to the system clock, ``licence`` to every feature.
        With ``path`` the store is kept in that file (see
        :meth:`leadcore.adapters.memory.InMemoryStore.open` for what ``autosave``
        promises after a crash): the service holds the file's lock until
        :meth:`close`, and new ids continue after the stored ones; ``database``
        then only matters for a new file.

        >>> service = LeadService.in_memory("existing")
        >>> service.upgrade_database().changed
        True
        >>> import pathlib, tempfile
        >>> file = pathlib.Path(tempfile.mkdtemp()) / "crm.json"
        >>> with LeadService.in_memory(path=file) as service:
        ...     service.add_company("Acme").id
        1
        >>> with LeadService.in_memory(path=file) as service:
        ...     service.add_company("Bolt").id
        2
        """
        from leadcore.adapters.memory import InMemoryStore
        from leadcore.clock import SequentialIds, SystemClock

        made = StoredLists(*(new_database() if database == "new" else existing_database()))
        chosen = SystemClock() if clock is None else clock
        if path is None:
            store = InMemoryStore(made, clock=chosen)
        else:
            store = InMemoryStore.open(path, lists=made, clock=chosen, autosave=autosave)
        used = {kind: store.max_id(kind) for kind in ("company", "person", "selection")}
        return cls(
            store.unit_of_work,
            clock=chosen,
            ids=SequentialIds(used),
            events=events,
            policy=policy,
            licence=Licence.full() if licence is None else licence,
            associate=associate,
            closer=store.close,
        )

    def close(self) -> None:
        """Release the storage: a file store finishes its compaction and frees its file.

        Calling it again does nothing. Use the service as a context manager to close it.

        >>> with LeadService.in_memory() as service:
        ...     service.count_companies()
        0
        """
        if self.closer is not None:
            self.closer()

    def __enter__(self) -> LeadService:
        """The service itself; leaving the block closes it."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close the service (see :meth:`close`)."""
        self.close()

    def acting_as(
        self,
        associate: AssociateId | None,
        *,
        licence: Licence | None = None,
        source: StatusSource | None = None,
        policy: LeadPolicy | None = None,
    ) -> LeadService:
        """The same service (same storage) acting for ``associate``.

        ``licence``, ``source`` and ``policy`` replace the service's own when given.

        >>> from leadcore.policies import RevealPolicy
        >>> service = LeadService.in_memory()
        >>> restoring = service.acting_as(
        ...     AssociateId(7), policy=LeadPolicy(reveal=RevealPolicy.RESTORE_PREVIOUS))
        >>> restoring.associate, restoring.policy.reveal.value
        (7, 'restore-previous')
        """
        return attrs.evolve(
            self,
            associate=associate,
            licence=self.licence if licence is None else licence,
            source=self.source if source is None else source,
            policy=self.policy if policy is None else policy,
        )

    # --- plumbing ---------------------------------------------------------------------------

    def _command(self) -> AbstractContextManager[Command]:
        return run_command(self.uow, self.events)

    def _actor(self) -> Actor:
        return Actor(self.clock.now(), self.associate, self.source)

    def _require_lead_status(self, operation: str) -> None:
        self.licence.require(Feature.LEAD_STATUS, operation)

    def _query(
        self,
        criteria: Criterion | Query,
        entity: Entity,
        order: Sequence[Order] = (),
        page: Page | None = None,
    ) -> Query:
        """Validate criteria and order, check their licence, and build the query.

        A :class:`Query` brings its own order and page; its missing current
        associate and time are the service's.
        """
        associate, now = self.associate, None
        if isinstance(criteria, Query):
            if order or page is not None:
                raise ValidationError(
                    "order or page given beside a Query",
                    why="a Query carries its own order and page",
                    fix="Put them in the Query, or pass criteria instead of a Query",
                )
            query = criteria
            criteria, order, page, now = query.criteria, query.order, query.page, query.now
            if query.current_associate is not None:
                associate = query.current_associate
        build.validate(criteria, entity)
        build.require_licence(criteria, self.licence, entity)
        for key in sorted({o.field for o in order}):
            found = field(key, entity)
            if found.feature is not None:
                self.licence.require(found.feature, f"sorting on {key!r}")
        for key in sorted(set(build.referenced_fields(criteria)) | {o.field for o in order}):
            if field(key, entity).list_kind is ListKind.LEAD_STATUS:
                self._require_lead_status(f"using the field {key!r}")
        return Query(
            criteria,
            order=tuple(order),
            page=Page() if page is None else page,
            current_associate=associate,
            now=self.clock.now() if now is None else now,
        )

    @staticmethod
    def _lists(uow: UnitOfWork) -> Lists:
        stored = uow.lists.load()
        return Lists(stored.categories, stored.statuses)

    @staticmethod
    def _company_of(uow: UnitOfWork, person: Person) -> Company | None:
        return None if person.company_id is None else uow.companies.get(person.company_id)

    # --- reading ----------------------------------------------------------------------------

    def lists(self) -> Lists:
        """The current category and lead-status lists.

        >>> LeadService.in_memory().lists().statuses.default.key
        'open'
        """
        with self.uow() as uow:
            return self._lists(uow)

    def parse_criteria(self, text: str, entity: Entity = Entity.PERSON) -> Criterion:
        """Read criteria in the text form, resolving list names through the current lists.

        >>> service = LeadService.in_memory()
        >>> c = service.parse_criteria('person.lead_status in (Open, "Contacting")')
        >>> c.values
        (1, 2)
        """
        current = self.lists()
        return parse_text(
            text, categories=current.categories, statuses=current.statuses, entity=entity
        )

    def persons_of_company(self, company_id: CompanyId) -> list[Person]:
        """Every person of the company, by id (the company's contacts tab, unfiltered).

        >>> service = LeadService.in_memory()
        >>> acme = service.add_company("Acme")
        >>> _ = service.add_person("Ann", company_id=acme.id), service.add_person("Bo")
        >>> [p.first_name for p in service.persons_of_company(acme.id)]
        ['Ann']
        """
        with self.uow() as uow:
            uow.companies.get(company_id)
            return uow.persons.of_company(company_id)

    def get_company(self, company_id: CompanyId) -> Company:
        """The stored company; :class:`leadcore.errors.NotFoundError` when unknown.

        >>> service = LeadService.in_memory()
        >>> service.get_company(service.add_company("Acme").id).version
        1
        """
        with self.uow() as uow:
            return uow.companies.get(company_id)

    def get_person(self, person_id: PersonId) -> Person:
        """The stored person; :class:`leadcore.errors.NotFoundError` when unknown.

        >>> service = LeadService.in_memory()
        >>> service.get_person(service.add_person("Bo").id).full_name
        'Bo'
        """
        with self.uow() as uow:
            return uow.persons.get(person_id)

    def find_persons(
        self,
        criteria: Criterion | Query = ALWAYS,
        *,
        order: Sequence[Order] = (),
        page: Page | None = None,
    ) -> list[Person]:
        """Persons matching ``criteria``, ordered and paged.

        ``criteria`` may be a whole :class:`leadcore.ports.Query` (with its own
        order and page). Criteria and order on UTM fields need marketing
        premium, on the lead status the lead-status feature
        (:class:`leadcore.errors.FeatureNotLicensed`).

        >>> from leadcore.criteria.build import condition
        >>> service = LeadService.in_memory()
        >>> _ = service.add_person("Ann", "Ash"), service.add_person("Bo", "Berg")
        >>> [p.first_name for p in service.find_persons(condition("person.last_name",
        ...                                                          "begins", "b"))]
        ['Bo']
        """
        query = self._query(criteria, Entity.PERSON, order, page)
        with self.uow() as uow:
            return uow.persons.find(query)

    def find_companies(
        self,
        criteria: Criterion | Query = ALWAYS,
        *,
        order: Sequence[Order] = (),
        page: Page | None = None,
    ) -> list[Company]:
        """Companies matching ``criteria``, ordered and paged.

        >>> service = LeadService.in_memory()
        >>> _ = service.add_company("Acme"), service.add_company("Bolt")
        >>> [c.name for c in service.find_companies(order=[Order("company.name", True)])]
        ['Bolt', 'Acme']
        """
        query = self._query(criteria, Entity.COMPANY, order, page)
        with self.uow() as uow:
            return uow.companies.find(query)

    def count_persons(self, criteria: Criterion | Query = ALWAYS) -> int:
        """How many persons match ``criteria``.

        >>> service = LeadService.in_memory()
        >>> _ = service.add_person("Ann")
        >>> service.count_persons()
        1
        """
        query = self._query(criteria, Entity.PERSON)
        with self.uow() as uow:
            return uow.persons.count(query)

    def count_companies(self, criteria: Criterion | Query = ALWAYS) -> int:
        """How many companies match ``criteria``.

        >>> LeadService.in_memory().count_companies()
        0
        """
        query = self._query(criteria, Entity.COMPANY)
        with self.uow() as uow:
            return uow.companies.count(query)

    def lead_status_view(self, person_id: PersonId, language: Language = "en") -> LeadStatusView:
        """The person's lead status as a card shows it: value, visible, editable, tooltip.

        Needs the lead-status feature.

        >>> service = LeadService.in_memory()
        >>> view = service.lead_status_view(service.add_person("Bo").id)
        >>> view.status_id, view.visible
        (None, False)
        """
        self._require_lead_status("showing a lead status")
        with self.uow() as uow:
            person = uow.persons.get(person_id)
            company = self._company_of(uow, person)
            return rules.lead_status_view(person, company, self._lists(uow), language)

    def person_history(self, person_id: PersonId) -> list[HistoryEntry]:
        """The person's status history, oldest first. Needs the lead-status feature.

        >>> service = LeadService.in_memory()
        >>> service.person_history(service.add_person("Bo").id)
        []
        """
        self._require_lead_status("reading the lead-status history")
        with self.uow() as uow:
            uow.persons.get(person_id)
            return uow.history.for_person(person_id)

    # --- list administration ----------------------------------------------------------------

    def _edit_lists(
        self,
        categories: Callable[[CategoryList], CategoryList] | None = None,
        statuses: Callable[[LeadStatusList], LeadStatusList] | None = None,
    ) -> StoredLists:
        with self._command() as command:
            stored = command.uow.lists.load()
            changed = attrs.evolve(
                stored,
                categories=stored.categories
                if categories is None
                else categories(stored.categories),
                statuses=stored.statuses if statuses is None else statuses(stored.statuses),
            )
            saved = command.uow.lists.save(changed)
        return saved

    def add_category(
        self,
        name: str,
        group: CategoryGroup,
        *,
        tooltip: str = "",
        enable_lead_status: bool = False,
        rank: int | None = None,
    ) -> Category:
        """Add a category (names unique ignoring case, deleted ones included).

        >>> service = LeadService.in_memory()
        >>> service.add_category("Trade fair", CategoryGroup.POTENTIAL_CUSTOMER,
        ...                      enable_lead_status=True).lead_enabled
        True
        """
        if enable_lead_status:
            self._require_lead_status("enabling lead status on a category")
        added: list[Category] = []

        def change(categories: CategoryList) -> CategoryList:
            new, item = categories.add(
                name, group, tooltip=tooltip, enable_lead_status=enable_lead_status, rank=rank
            )
            added.append(item)
            return new

        self._edit_lists(categories=change)
        return added[0]

    def rename_category(self, category_id: CategoryId, name: str) -> Category:
        """Give a category a new unique name.

        >>> service = LeadService.in_memory()
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> service.rename_category(lead, "Inbound lead").name
        'Inbound lead'
        """
        stored = self._edit_lists(categories=lambda c: c.rename(category_id, name))
        return stored.categories.get(category_id)

    def describe_category(self, category_id: CategoryId, tooltip: str) -> Category:
        """Set a category's tooltip (description).

        >>> service = LeadService.in_memory()
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> service.describe_category(lead, "Fresh").tooltip
        'Fresh'
        """
        stored = self._edit_lists(categories=lambda c: c.describe(category_id, tooltip))
        return stored.categories.get(category_id)

    def reorder_categories(self, ordered_ids: Iterable[CategoryId]) -> CategoryList:
        """Rank the categories in the given order (every id exactly once, deleted included).

        >>> service = LeadService.in_memory()
        >>> ids = [c.id for c in service.lists().categories]
        >>> [c.id for c in service.reorder_categories(reversed(ids))] == ids[::-1]
        True
        """
        order = list(ordered_ids)
        return self._edit_lists(categories=lambda c: c.reorder(order)).categories

    def delete_category(self, category_id: CategoryId) -> Category:
        """Soft-delete: records keep the category, it cannot be newly assigned.

        >>> service = LeadService.in_memory()
        >>> other = service.lists().categories.by_name("Other").id
        >>> service.delete_category(other).deleted
        True
        """
        stored = self._edit_lists(categories=lambda c: c.delete(category_id))
        return stored.categories.get(category_id)

    def restore_category(self, category_id: CategoryId) -> Category:
        """Undo a soft delete.

        >>> service = LeadService.in_memory()
        >>> other = service.delete_category(service.lists().categories.by_name("Other").id)
        >>> service.restore_category(other.id).deleted
        False
        """
        stored = self._edit_lists(categories=lambda c: c.restore(category_id))
        return stored.categories.get(category_id)

    def _change_category_cascading(
        self, category_id: CategoryId, change: Callable[[CategoryList], CategoryList]
    ) -> Category:
        """Change a category and hide or reveal the status of every person under it."""
        with self._command() as command:
            uow = command.uow
            stored = uow.lists.load()
            after = change(stored.categories)
            condition = build.condition("person.category", Operator.IN, category_id)
            persons = uow.persons.find(Query(condition, now=self.clock.now()))
            companies: dict[CompanyId, Company] = {}
            pairs: list[tuple[Person, Company | None]] = []
            for person in persons:
                company: Company | None = None
                if person.company_id is not None:
                    company = companies.get(person.company_id)
                    if company is None:
                        company = uow.companies.get(person.company_id)
                        companies[company.id] = company
                pairs.append((person, company))
            outcome = rules.recheck_visibility(
                pairs, stored.categories, after, stored.statuses, self._actor(), policy=self.policy
            )
            uow.lists.save(attrs.evolve(stored, categories=after))
            command.apply(outcome)
        return after.get(category_id)

    def set_category_lead_status_enabled(self, category_id: CategoryId, enabled: bool) -> Category:
        """Switch "enable lead status"; persons under the category are hidden or revealed.

        Needs the lead-status feature. Only Potential customer categories can
        enable it (:class:`leadcore.errors.ValidationError`).

        >>> service = LeadService.in_memory()
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> acme = service.add_company("Acme", category_id=lead)
        >>> ann = service.add_person("Ann", company_id=acme.id)
        >>> service.set_category_lead_status_enabled(lead, False).lead_enabled
        False
        >>> service.lead_status_view(ann.id).visible
        False
        """
        self._require_lead_status("switching lead status on a category")
        return self._change_category_cascading(
            category_id, lambda c: c.set_lead_status_enabled(category_id, enabled)
        )

    def set_category_group(self, category_id: CategoryId, group: CategoryGroup) -> Category:
        """Move a category to another group; leaving Potential customer hides the statuses.

        >>> service = LeadService.in_memory()
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> service.set_category_group(lead, CategoryGroup.CUSTOMER).enable_lead_status
        False
        """
        return self._change_category_cascading(
            category_id, lambda c: c.set_group(category_id, group)
        )

    def add_lead_status(
        self, name: str, *, tooltip: str = "", key: str | None = None, rank: int | None = None
    ) -> LeadStatus:
        """Add a lead status. Needs the lead-status feature.

        >>> LeadService.in_memory().add_lead_status("Nurturing").key
        'nurturing'
        """
        self._require_lead_status("adding a lead status")
        added: list[LeadStatus] = []

        def change(statuses: LeadStatusList) -> LeadStatusList:
            new, item = statuses.add(name, tooltip=tooltip, key=key, rank=rank)
            added.append(item)
            return new

        self._edit_lists(statuses=change)
        return added[0]

    def rename_lead_status(self, status_id: LeadStatusId, name: str) -> LeadStatus:
        """Give a status a new unique name; its key stays.

        >>> service = LeadService.in_memory()
        >>> service.rename_lead_status(LeadStatusId(1), "New").key
        'open'
        """
        self._require_lead_status("renaming a lead status")
        stored = self._edit_lists(statuses=lambda s: s.rename(status_id, name))
        return stored.statuses.get(status_id)

    def describe_lead_status(self, status_id: LeadStatusId, tooltip: str) -> LeadStatus:
        """Set a status's tooltip (R6).

        >>> LeadService.in_memory().describe_lead_status(LeadStatusId(1), "Untouched").tooltip
        'Untouched'
        """
        self._require_lead_status("describing a lead status")
        stored = self._edit_lists(statuses=lambda s: s.describe(status_id, tooltip))
        return stored.statuses.get(status_id)

    def reorder_lead_statuses(self, ordered_ids: Iterable[LeadStatusId]) -> LeadStatusList:
        """Rank the statuses in the given order (every id exactly once).

        >>> service = LeadService.in_memory()
        >>> [s.key for s in service.reorder_lead_statuses([5, 4, 3, 2, 1])][:2]
        ['renurture', 'disqualified']
        """
        self._require_lead_status("reordering the lead statuses")
        order = list(ordered_ids)
        return self._edit_lists(statuses=lambda s: s.reorder(order)).statuses

    def delete_lead_status(self, status_id: LeadStatusId) -> LeadStatus:
        """Soft-delete a status; refused for the default (:class:`leadcore.errors.ListRuleError`).

        >>> LeadService.in_memory().delete_lead_status(LeadStatusId(5)).deleted
        True
        """
        self._require_lead_status("deleting a lead status")
        stored = self._edit_lists(statuses=lambda s: s.delete(status_id))
        return stored.statuses.get(status_id)

    def restore_lead_status(self, status_id: LeadStatusId) -> LeadStatus:
        """Undo a soft delete.

        >>> service = LeadService.in_memory()
        >>> service.restore_lead_status(service.delete_lead_status(LeadStatusId(5)).id).deleted
        False
        """
        self._require_lead_status("restoring a lead status")
        stored = self._edit_lists(statuses=lambda s: s.restore(status_id))
        return stored.statuses.get(status_id)

    def set_default_lead_status(self, status_id: LeadStatusId) -> LeadStatus:
        """Make an active status the one new leads start in.

        >>> LeadService.in_memory().set_default_lead_status(LeadStatusId(2)).key
        'contacting'
        """
        self._require_lead_status("choosing the default lead status")
        stored = self._edit_lists(statuses=lambda s: s.set_default(status_id))
        return stored.statuses.default

    def upgrade_database(self) -> UpgradeReport:
        """Add the lead categories an existing database lacks; idempotent, reports what it did.

        >>> service = LeadService.in_memory("existing")
        >>> [c.name for c in service.upgrade_database().added][:2]
        ['Lead', 'Marketing qualified lead']
        >>> service.upgrade_database().already_present[:1]
        ('Lead',)
        """
        with self._command() as command:
            stored = command.uow.lists.load()
            upgraded, report = upgrade_categories(stored.categories)
            if report.changed:
                command.uow.lists.save(attrs.evolve(stored, categories=upgraded))
        return report

    # --- companies and persons --------------------------------------------------------------

    def add_company(
        self,
        name: str,
        *,
        category_id: CategoryId | None = None,
        owner_id: AssociateId | None = None,
        source_utm: Utm | None = None,
    ) -> Company:
        """Add a company, with its source UTM (read-only once recorded).

        >>> service = LeadService.in_memory()
        >>> service.add_company("Acme", source_utm=Utm(source="fair")).source_utm.source
        'fair'
        """
        now = self.clock.now()
        with self._command() as command:
            lists = self._lists(command.uow)
            company = Company(
                CompanyId(self.ids.next_id("company")),
                name,
                category_id,
                registered=now,
                updated=now,
                owner_id=owner_id,
                source_utm=source_utm,
            )
            outcome = rules.create_company(company, lists.categories)
            created = command.uow.companies.add(outcome.companies[0])
        return created

    def add_person(
        self,
        first_name: str,
        last_name: str = "",
        *,
        company_id: CompanyId | None = None,
        category_id: CategoryId | None = None,
        email: str = "",
        owner_id: AssociateId | None = None,
        status_id: LeadStatusId | None = None,
        reason: str | None = None,
        first_touch_utm: Utm | None = None,
        lead_creation_utm: Utm | None = None,
        retired: bool = False,
    ) -> Person:
        """Add a person; under a lead-enabled category it starts Open (or ``status_id``).

        ``category_id`` is the own category of a person without company (R3).
        The UTM data points are recorded as given and read-only afterwards; a
        company without a source UTM gets the first-touch one (else the
        lead-creation one) copied (R12). Giving ``status_id`` needs the
        lead-status feature and passes the transition policy.

        >>> service = LeadService.in_memory()
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> acme = service.add_company("Acme", category_id=lead)
        >>> ann = service.add_person("Ann", company_id=acme.id,
        ...                          first_touch_utm=Utm(source="google"))
        >>> service.get_company(acme.id).source_utm.source
        'google'
        """
        if status_id is not None:
            self._require_lead_status("choosing the lead status of a new person")
        now = self.clock.now()
        actor = self._actor()
        with self._command() as command:
            uow = command.uow
            lists = self._lists(uow)
            company = None if company_id is None else uow.companies.get(company_id)
            person = Person(
                PersonId(self.ids.next_id("person")),
                company_id,
                first_name,
                last_name,
                registered=now,
                updated=now,
                email=email,
                owner_id=owner_id,
                own_category_id=category_id,
                first_touch_utm=first_touch_utm,
                lead_creation_utm=lead_creation_utm,
                retired=retired,
            )
            outcome = rules.create_person(
                person,
                company,
                lists,
                actor,
                status_id=status_id,
                reason=reason,
                policy=self.policy,
            )
            created = uow.persons.add(outcome.persons[0])
            if outcome.history:
                uow.history.append(outcome.history)
            command.events.extend(outcome.events)
            _copy_utm_to_company(uow, company, first_touch_utm or lead_creation_utm, now)
        return created

    def record_person_utm(
        self,
        person_id: PersonId,
        *,
        first_touch: Utm | None = None,
        lead_creation: Utm | None = None,
    ) -> Person:
        """Record a UTM data point the person does not have yet (R12).

        A data point already recorded is read-only: :class:`leadcore.errors.ReadOnlyError`.
        The company gets it copied when it has no source UTM.

        >>> service = LeadService.in_memory()
        >>> bo = service.add_person("Bo")
        >>> service.record_person_utm(bo.id, lead_creation=Utm(campaign="spring")).version
        2
        >>> service.record_person_utm(bo.id, lead_creation=Utm(campaign="summer"))
        Traceback (most recent call last):
        ...
        leadcore.errors.ReadOnlyError: the lead-creation UTM of person ... is already recorded: ...
        """
        if first_touch is None and lead_creation is None:
            raise ValidationError(
                f"nothing to record for person {person_id}",
                why="both first_touch and lead_creation are None",
                fix="Pass first_touch= or lead_creation=",
                person_id=person_id,
            )
        now = self.clock.now()
        with self._command() as command:
            uow = command.uow
            person = uow.persons.get(person_id)
            for label, given, current in (
                ("first-touch", first_touch, person.first_touch_utm),
                ("lead-creation", lead_creation, person.lead_creation_utm),
            ):
                if given is not None and current is not None:
                    raise _utm_read_only(
                        f"the {label} UTM of person {person_id}", person_id=person_id
                    )
            changed = attrs.evolve(
                person,
                first_touch_utm=person.first_touch_utm or first_touch,
                lead_creation_utm=person.lead_creation_utm or lead_creation,
                updated=now,
            )
            saved = uow.persons.save(changed)
            company = self._company_of(uow, person)
            _copy_utm_to_company(uow, company, first_touch or lead_creation, now)
        return saved

    def record_company_utm(self, company_id: CompanyId, source: Utm) -> Company:
        """Record the company-source UTM when the company has none yet; read-only after.

        >>> service = LeadService.in_memory()
        >>> acme = service.add_company("Acme")
        >>> service.record_company_utm(acme.id, Utm(source="fair")).source_utm.source
        'fair'
        """
        with self._command() as command:
            company = command.uow.companies.get(company_id)
            if company.source_utm is not None:
                raise _utm_read_only(
                    f"the source UTM of company {company_id}", company_id=company_id
                )
            changed = attrs.evolve(company, source_utm=source, updated=self.clock.now())
            saved = command.uow.companies.save(changed)
        return saved

    def change_company_category(
        self, company_id: CompanyId, category_id: CategoryId | None
    ) -> Company:
        """Move a company to a category; its persons are hidden or revealed as needed (R4, R5).

        >>> service = LeadService.in_memory()
        >>> cats = service.lists().categories
        >>> acme = service.add_company("Acme", category_id=cats.by_name("Customer").id)
        >>> bo = service.add_person("Bo", company_id=acme.id)
        >>> _ = service.change_company_category(acme.id, cats.by_name("Lead").id)
        >>> service.lead_status_view(bo.id).label         # revealed: starts Open (R5)
        'Open'
        """
        with self._command() as command:
            uow = command.uow
            company = uow.companies.get(company_id)
            outcome = rules.change_company_category(
                company,
                uow.persons.of_company(company_id),
                self._lists(uow),
                category_id,
                self._actor(),
                policy=self.policy,
            )
            command.apply(outcome)
        return command.companies.get(company_id, company)

    def move_company_to_next_category(self, company_id: CompanyId) -> Company:
        """Move the company to the next active category by rank (R10), with every cascade.

        At the last category: :class:`leadcore.errors.LastCategoryError`.

        >>> service = LeadService.in_memory()
        >>> cats = service.lists().categories
        >>> acme = service.add_company("Acme", category_id=cats.by_name("Lead").id)
        >>> cats.get(service.move_company_to_next_category(acme.id).category_id).name
        'Marketing qualified lead'
        """
        with self._command() as command:
            uow = command.uow
            company = uow.companies.get(company_id)
            outcome = rules.move_company_to_next_category(
                company,
                uow.persons.of_company(company_id),
                self._lists(uow),
                self._actor(),
                policy=self.policy,
            )
            command.apply(outcome)
        return command.companies.get(company_id, company)

    def set_person_category(self, person_id: PersonId, category_id: CategoryId | None) -> Person:
        """Set the own category of a person without company (R3).

        A person with a company inherits its category:
        :class:`leadcore.errors.InheritedCategoryError`.

        >>> service = LeadService.in_memory()
        >>> bo = service.add_person("Bo")
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> service.set_person_category(bo.id, lead).lead_status_id
        1
        """
        with self._command() as command:
            person = command.uow.persons.get(person_id)
            outcome = rules.set_person_category(
                person, self._lists(command.uow), category_id, self._actor(), policy=self.policy
            )
            command.apply(outcome)
        return command.persons.get(person_id, person)

    def move_person(
        self,
        person_id: PersonId,
        company_id: CompanyId | None,
        *,
        own_category_id: CategoryId | None = None,
    ) -> Person:
        """Move a person to another company, or out of any company (``company_id=None``).

        Leaving every company the person keeps its category as its own unless
        ``own_category_id`` names another.

        >>> service = LeadService.in_memory()
        >>> acme = service.add_company("Acme")
        >>> bo = service.add_person("Bo")
        >>> service.move_person(bo.id, acme.id).company_id == acme.id
        True
        """
        with self._command() as command:
            uow = command.uow
            person = uow.persons.get(person_id)
            from_company = self._company_of(uow, person)
            to_company = None if company_id is None else uow.companies.get(company_id)
            outcome = rules.move_person(
                person,
                from_company,
                to_company,
                self._lists(uow),
                self._actor(),
                own_category_id=own_category_id,
                policy=self.policy,
            )
            command.apply(outcome)
        return command.persons.get(person_id, person)

    def set_lead_status(
        self, person_id: PersonId, status_id: LeadStatusId, *, reason: str | None = None
    ) -> Person:
        """Set a visible person's lead status through the transition policy (R4, R8).

        Needs the lead-status feature. Setting the status the person already
        has changes and records nothing.

        >>> service = LeadService.in_memory()
        >>> bo = service.add_person("Bo")
        >>> service.set_lead_status(bo.id, LeadStatusId(2))
        Traceback (most recent call last):
        ...
        leadcore.errors.LeadStatusNotEditable: [R4] the lead status of person 1 is hidden ...
        """
        self._require_lead_status("setting a lead status")
        with self._command() as command:
            uow = command.uow
            person = uow.persons.get(person_id)
            outcome = rules.set_lead_status(
                person,
                self._company_of(uow, person),
                self._lists(uow),
                status_id,
                self._actor(),
                reason=reason,
                policy=self.policy,
            )
            command.apply(outcome)
        return command.persons.get(person_id, person)

    # --- selections -------------------------------------------------------------------------

    def _source(self, uow: UnitOfWork) -> RepositorySource:
        return RepositorySource(
            uow,
            lambda c: self._query(c, Entity.PERSON),
            lambda c: self._query(c, Entity.COMPANY),
        )

    def _add_selection(self, command: Command, selection: Selection) -> Selection:
        return command.uow.selections.add(selection)

    def create_static_selection(
        self,
        name: str,
        target: Target = Target.PERSONS,
        *,
        companies: Iterable[CompanyId] = (),
        persons: Iterable[PersonId] = (),
        company_persons: CompanyPersons = CompanyPersons.ALL,
    ) -> StaticSelection:
        """Save a static selection filled by hand (see :meth:`add_to_selection`).

        >>> service = LeadService.in_memory()
        >>> bo = service.add_person("Bo")
        >>> fair = service.create_static_selection("Fair", persons=[bo.id])
        >>> sorted(service.selection_members(fair.id).persons) == [bo.id]
        True
        """
        with self._command() as command:
            members = self._mapped_members(command.uow, target, company_persons, companies, persons)
            selection = StaticSelection(
                SelectionId(self.ids.next_id("selection")),
                name,
                target,
                members,
                company_persons,
                owner_id=self.associate,
            )
            saved = self._add_selection(command, selection)
        assert isinstance(saved, StaticSelection)
        return saved

    def create_dynamic_selection(
        self,
        name: str,
        criteria: Criterion,
        target: Target = Target.PERSONS,
        *,
        entity: Entity | None = None,
        company_persons: CompanyPersons = CompanyPersons.ALL,
    ) -> DynamicSelection:
        """Save criteria as a selection, evaluated on every read.

        ``entity`` is what the criteria search (persons for a persons
        selection, companies otherwise, unless given).

        >>> from leadcore.criteria.build import condition
        >>> service = LeadService.in_memory()
        >>> b = service.create_dynamic_selection("B", condition("person.last_name", "begins", "b"))
        >>> _ = service.add_person("Bo", "Berg")
        >>> len(service.selection_members(b.id).persons)
        1
        """
        with self._command() as command:
            selection = DynamicSelection(
                SelectionId(self.ids.next_id("selection")),
                name,
                target,
                criteria,
                company_persons=company_persons,
                owner_id=self.associate,
                entity=default_entity(target) if entity is None else entity,
            )
            self._query(criteria, selection.entity)
            saved = self._add_selection(command, selection)
        assert isinstance(saved, DynamicSelection)
        return saved

    def create_combined_selection(
        self,
        name: str,
        first: SelectionId,
        second: SelectionId,
        operation: Operation,
        target: Target = Target.PERSONS,
        *,
        company_persons: CompanyPersons = CompanyPersons.ALL,
    ) -> CombinedSelection:
        """Save two selections of any kind joined by ``operation``.

        >>> service = LeadService.in_memory()
        >>> a, b = service.add_person("A"), service.add_person("B")
        >>> s1 = service.create_static_selection("1", persons=[a.id, b.id])
        >>> s2 = service.create_static_selection("2", persons=[b.id])
        >>> c = service.create_combined_selection("1-2", s1.id, s2.id, Operation.ONLY_FIRST)
        >>> service.selection_members(c.id).persons == {a.id}
        True
        """
        with self._command() as command:
            selection = CombinedSelection(
                SelectionId(self.ids.next_id("selection")),
                name,
                target,
                first,
                second,
                operation,
                company_persons=company_persons,
                owner_id=self.associate,
            )
            source = self._source(command.uow)
            check_acyclic(selection, source.selection)
            saved = self._add_selection(command, selection)
        assert isinstance(saved, CombinedSelection)
        return saved

    def change_combined_selection(
        self,
        selection_id: SelectionId,
        *,
        first: SelectionId | None = None,
        second: SelectionId | None = None,
        operation: Operation | None = None,
    ) -> CombinedSelection:
        """Change the inputs or the operation of a combined selection; cycles are refused.

        >>> service = LeadService.in_memory()
        >>> s1 = service.create_static_selection("1")
        >>> c = service.create_combined_selection("c", s1.id, s1.id, Operation.ALL)
        >>> service.change_combined_selection(c.id, operation=Operation.COMMON).operation.value
        'common'
        """
        with self._command() as command:
            source = self._source(command.uow)
            current = source.selection(selection_id)
            if not isinstance(current, CombinedSelection):
                raise SelectionKindError(selection_id, kind_of(current), "combined", "re-combine")
            changed = attrs.evolve(
                current,
                first=current.first if first is None else first,
                second=current.second if second is None else second,
                operation=current.operation if operation is None else operation,
            )
            check_acyclic(changed, source.selection)
            saved = command.uow.selections.save(changed)
        assert isinstance(saved, CombinedSelection)
        return saved

    def freeze_selection(
        self, selection_id: SelectionId, *, name: str | None = None
    ) -> StaticSelection:
        """Save the current members of any selection as a new static one.

        >>> service = LeadService.in_memory()
        >>> every = service.create_dynamic_selection("Every", ALWAYS)
        >>> _ = service.add_person("Bo")
        >>> frozen = service.freeze_selection(every.id)
        >>> frozen.name, len(frozen.members.persons)
        ('Every (frozen)', 1)
        """
        with self._command() as command:
            source = self._source(command.uow)
            original = source.selection(selection_id)
            static = StaticSelection(
                SelectionId(self.ids.next_id("selection")),
                f"{original.name} (frozen)" if name is None else name,
                original.target,
                resolve(original, source),
                original.company_persons,
                owner_id=self.associate,
            )
            saved = self._add_selection(command, static)
        assert isinstance(saved, StaticSelection)
        return saved

    def freeze_find(
        self,
        name: str,
        criteria: Criterion,
        target: Target = Target.PERSONS,
        *,
        entity: Entity | None = None,
        company_persons: CompanyPersons = CompanyPersons.ALL,
    ) -> StaticSelection:
        """Save the result of a find now as a static selection (it does not follow later changes).

        >>> service = LeadService.in_memory()
        >>> _ = service.add_company("Acme")
        >>> s = service.freeze_find("Today's companies", ALWAYS, Target.COMPANIES)
        >>> len(s.members.companies)
        1
        """
        with self._command() as command:
            selection_id = SelectionId(self.ids.next_id("selection"))
            dynamic = DynamicSelection(
                selection_id,
                name,
                target,
                criteria,
                company_persons=company_persons,
                entity=default_entity(target) if entity is None else entity,
            )
            self._query(criteria, dynamic.entity)
            static = StaticSelection(
                selection_id,
                name,
                target,
                resolve(dynamic, self._source(command.uow)),
                company_persons,
                owner_id=self.associate,
            )
            saved = self._add_selection(command, static)
        assert isinstance(saved, StaticSelection)
        return saved

    def _mapped_members(
        self,
        uow: UnitOfWork,
        target: Target,
        company_persons: CompanyPersons,
        companies: Iterable[CompanyId],
        persons: Iterable[PersonId],
    ) -> Members:
        """Check the ids exist and map them to ``target`` (persons bring their companies...).

        Companies given to a persons selection whose mapping brings no persons
        are refused rather than silently dropped.
        """
        company_ids = frozenset(companies)
        person_ids = frozenset(persons)
        if company_ids and target is Target.PERSONS and company_persons is CompanyPersons.NONE:
            raise ValidationError(
                "companies cannot be added to a persons selection with company_persons=NONE",
                why="the selection lists persons and its mapping brings none from a company",
                fix="Add the persons themselves, or use company_persons FIRST or ALL",
                companies=sorted(company_ids),
            )
        for company_id in sorted(company_ids):
            uow.companies.get(company_id)
        for person_id in sorted(person_ids):
            uow.persons.get(person_id)
        source = self._source(uow)
        from_companies = project(
            Members(companies=company_ids), Target.COMPANIES, target, company_persons, source
        )
        from_persons = project(
            Members(persons=person_ids), Target.PERSONS, target, company_persons, source
        )
        return from_companies | from_persons

    def _static(
        self, source: RepositorySource, selection_id: SelectionId, op: str
    ) -> StaticSelection:
        selection = source.selection(selection_id)
        if not isinstance(selection, StaticSelection):
            raise SelectionKindError(selection_id, kind_of(selection), "static", op)
        return selection

    def add_to_selection(
        self,
        selection_id: SelectionId,
        *,
        companies: Iterable[CompanyId] = (),
        persons: Iterable[PersonId] = (),
    ) -> StaticSelection:
        """Add members by hand to a static selection.

        Added companies bring their persons as the selection's
        ``company_persons`` says (when it lists persons); added persons bring
        their company (when it lists companies).

        >>> service = LeadService.in_memory()
        >>> acme = service.add_company("Acme")
        >>> _ = service.add_person("Ann", company_id=acme.id)
        >>> s = service.create_static_selection("Both", Target.COMPANIES_AND_PERSONS)
        >>> s = service.add_to_selection(s.id, companies=[acme.id])
        >>> len(s.members.companies), len(s.members.persons)
        (1, 1)
        """
        with self._command() as command:
            current = self._static(self._source(command.uow), selection_id, "add members to")
            added = self._mapped_members(
                command.uow, current.target, current.company_persons, companies, persons
            )
            changed = attrs.evolve(current, members=current.members | added)
            saved = command.uow.selections.save(changed)
        assert isinstance(saved, StaticSelection)
        return saved

    def remove_from_selection(
        self,
        selection_id: SelectionId,
        *,
        companies: Iterable[CompanyId] = (),
        persons: Iterable[PersonId] = (),
    ) -> StaticSelection:
        """Remove exactly the given members from a static selection (no mapping).

        >>> service = LeadService.in_memory()
        >>> bo = service.add_person("Bo")
        >>> s = service.create_static_selection("S", persons=[bo.id])
        >>> service.remove_from_selection(s.id, persons=[bo.id]).members.size
        0
        """
        with self._command() as command:
            current = self._static(self._source(command.uow), selection_id, "remove members from")
            removed = Members(frozenset(companies), frozenset(persons))
            changed = attrs.evolve(current, members=current.members - removed)
            saved = command.uow.selections.save(changed)
        assert isinstance(saved, StaticSelection)
        return saved

    def rename_selection(self, selection_id: SelectionId, name: str) -> Selection:
        """Give a selection a new name (names need not be unique).

        >>> service = LeadService.in_memory()
        >>> s = service.create_static_selection("Old")
        >>> service.rename_selection(s.id, "New").name
        'New'
        """
        with self._command() as command:
            current = command.uow.selections.get(selection_id)
            saved = command.uow.selections.save(attrs.evolve(current, name=name))
        return saved

    def delete_selection(self, selection_id: SelectionId) -> None:
        """Delete a selection; refused while combined selections read it.

        >>> service = LeadService.in_memory()
        >>> s = service.create_static_selection("S")
        >>> service.delete_selection(s.id)
        >>> service.selections()
        []
        """
        with self._command() as command:
            selections = command.uow.selections
            selections.get(selection_id)
            users = [
                s.id
                for s in selections.all()
                if s.id != selection_id and selection_id in inputs_of(s)
            ]
            if users:
                raise SelectionInUseError(selection_id, users)
            selections.delete(selection_id)

    def get_selection(self, selection_id: SelectionId) -> Selection:
        """The saved selection.

        >>> service = LeadService.in_memory()
        >>> service.get_selection(service.create_static_selection("S").id).name
        'S'
        """
        with self.uow() as uow:
            return uow.selections.get(selection_id)

    def selections(self) -> list[Selection]:
        """Every saved selection, by id.

        >>> service = LeadService.in_memory()
        >>> _ = service.create_static_selection("S")
        >>> [s.name for s in service.selections()]
        ['S']
        """
        with self.uow() as uow:
            return uow.selections.all()

    def selection_members(self, selection_id: SelectionId) -> Members:
        """The members of a selection now (dynamic criteria evaluated at this read).

        >>> service = LeadService.in_memory()
        >>> service.selection_members(service.create_static_selection("S").id).size
        0
        """
        with self.uow() as uow:
            source = self._source(uow)
            return resolve(source.selection(selection_id), source)


def _utm_read_only(what: str, **context: object) -> ReadOnlyError:
    return ReadOnlyError(
        f"{what} is already recorded",
        why="UTM data points are read-only once recorded (R12)",
        fix="Keep the recorded value; record only data points that are still empty",
        **context,
    )


def _copy_utm_to_company(
    uow: UnitOfWork, company: Company | None, utm: Utm | None, now: datetime
) -> None:
    """R12: a person's UTM (first touch, else lead creation) becomes the company's
    source when the company has none yet."""
    if company is not None and company.source_utm is None and utm is not None:
        uow.companies.save(attrs.evolve(company, source_utm=utm, updated=now))
