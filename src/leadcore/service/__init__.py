"""The application service: one method per use case, each in one unit of work.

:class:`LeadService` is the one entry point: a small object holding one
:class:`Context` (storage, clock, ids, events, policy, licence, acting
associate) whose use cases live in resources, one namespace per noun, each in
its own module: ``service.persons`` (:mod:`~leadcore.service.persons`),
``companies`` (:mod:`~leadcore.service.companies`), ``categories``
(:mod:`~leadcore.service.categories`), ``statuses``
(:mod:`~leadcore.service.statuses`), ``associates``
(:mod:`~leadcore.service.associates`), ``selections``
(:mod:`~leadcore.service.selections`), ``views``
(:mod:`~leadcore.service.views`), ``dashboards``
(:mod:`~leadcore.service.dashboards`), ``automation``
(:mod:`~leadcore.service.automation`), ``bulk`` (:mod:`~leadcore.service.bulk`)
and ``distribution`` (:mod:`~leadcore.service.distribution`). A resource that
needs another is given it when it is made, here.

A command loads what it touches through the ports, asks the pure rules engine
(:mod:`leadcore.rules`), saves the changed aggregates, appends the history and
commits; the events are published after the commit. A refused command raises
the typed error of the rule that refused it and changes nothing.

Embedding leadcore takes one line, over the in-memory adapter:

>>> from leadcore.service import LeadService
>>> service = LeadService.in_memory()
>>> lists = service.lists()
>>> acme = service.companies.add("Acme", category_id=lists.categories.by_name("Lead").id)
>>> ann = service.persons.add("Ann", "Ash", company_id=acme.id)
>>> service.persons.lead_status_view(ann.id, "da").label         # new leads start Open (R5)
'Åben'
>>> qualified = lists.statuses.by_key("qualified").id
>>> service.persons.set_lead_status(ann.id, qualified).lead_status_id == qualified
True
>>> customer = lists.categories.by_name("Customer").id
>>> _ = service.companies.change_category(acme.id, customer)
>>> view = service.persons.lead_status_view(ann.id)
>>> view.label, view.visible, view.editable               # hidden, kept, read-only (R4)
('Qualified', False, False)
>>> [e.kind.value for e in service.persons.history(ann.id)]
['change', 'change', 'hide']
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from typing import Any, Literal

import attrs

from leadcore._stores import open_store
from leadcore.criteria.ast import Criterion
from leadcore.criteria.fields import Entity
from leadcore.criteria.text import parse as parse_text
from leadcore.errors import ValidationError
from leadcore.history import StatusSource
from leadcore.importing.rows import CompanyRow, ImportReport, OnError, PersonRow
from leadcore.licence import Licence
from leadcore.lists import Lists, UpgradeReport, upgrade_categories
from leadcore.model import AssociateId, Language
from leadcore.policies import LeadPolicy
from leadcore.ports import Clock, EventPublisher, IdGenerator, UnitOfWork
from leadcore.service._arguments import check_arguments
from leadcore.service._context import DEFAULT_POLICY, NOT_GIVEN, Context, NotGiven
from leadcore.service._imports import Imports
from leadcore.service._records import Deletion
from leadcore.service.associates import Associates
from leadcore.service.automation import Automation
from leadcore.service.bulk import Bulk
from leadcore.service.categories import Categories
from leadcore.service.companies import Companies
from leadcore.service.dashboards import Dashboards
from leadcore.service.distribution import Distribution
from leadcore.service.persons import Persons
from leadcore.service.selections import Selections
from leadcore.service.statuses import Statuses
from leadcore.service.views import Views
from leadcore.workflows.distribution import Distribute

__all__ = ["NOT_GIVEN", "Context", "Deletion", "LeadService", "NotGiven"]


@attrs.frozen(init=False, slots=False)
class LeadService:
    """Every use case of lead management, over the ports, as resources by noun.

    The service holds one :class:`Context`; its resources (``persons``,
    ``companies``, ``categories``, ``statuses``, ``associates``, ``selections``,
    ``views``, ``dashboards``, ``automation``, ``bulk``, ``distribution``) are
    made on first use and kept. ``associate`` (the acting user, recorded in
    history and used as "current associate" in criteria; any id the
    application uses for its user, it need not be a stored associate),
    ``licence`` and ``source`` are set once here; :meth:`acting_as` gives a
    service acting for someone else.

    Use :func:`leadcore.open` (or :meth:`in_memory`) to embed leadcore without
    any storage setup, or build it from its parts over any adapter: ``uow``
    makes a fresh :class:`leadcore.ports.UnitOfWork` per command.

    >>> from datetime import datetime, timezone
    >>> from leadcore.adapters.memory import InMemoryStore
    >>> from leadcore.clock import FixedClock
    >>> store = InMemoryStore()
    >>> clock = FixedClock(datetime(2026, 1, 5, tzinfo=timezone.utc))
    >>> service = LeadService(store.unit_of_work, clock=clock, ids=store.ids(),
    ...                       associate=AssociateId(7))
    >>> service.companies.add("Acme").registered == clock.now()
    True
    """

    context: Context
    """The storage, clock, ids, events, policy, licence and acting associate."""

    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        *,
        clock: Clock,
        ids: IdGenerator,
        events: EventPublisher | None = None,
        policy: LeadPolicy = DEFAULT_POLICY,
        licence: Licence | None = None,
        associate: AssociateId | None = None,
        source: StatusSource = StatusSource.USER,
        closer: Callable[[], None] | None = None,
    ) -> None:
        self.__attrs_init__(
            Context(
                uow,
                clock,
                ids,
                events=events,
                policy=policy,
                licence=Licence.full() if licence is None else licence,
                associate=associate,
                source=source,
                closer=closer,
            )
        )

    @classmethod
    def _over(cls, context: Context) -> LeadService:
        """A service over ``context`` (its resources made afresh)."""
        service = cls.__new__(cls)
        service.__attrs_init__(context)
        return service

    # --- the resources ----------------------------------------------------------------------

    @functools.cached_property
    def automation(self) -> Automation:
        """Category automation (R9): rules, sales, suggestions."""
        return Automation(self.context)

    @functools.cached_property
    def persons(self) -> Persons:
        """Persons: reads, cards, lead status, history and the commands on them."""
        return Persons(self.context, self.automation)

    @functools.cached_property
    def companies(self) -> Companies:
        """Companies: reads and the commands on them."""
        return Companies(self.context)

    @functools.cached_property
    def categories(self) -> Categories:
        """The category list's administration."""
        return Categories(self.context)

    @functools.cached_property
    def statuses(self) -> Statuses:
        """The lead-status list's administration."""
        return Statuses(self.context)

    @functools.cached_property
    def associates(self) -> Associates:
        """Associates (the users)."""
        return Associates(self.context)

    @functools.cached_property
    def selections(self) -> Selections:
        """Static, dynamic and combined selections and their members."""
        return Selections(self.context)

    @functools.cached_property
    def views(self) -> Views:
        """Find results, the contacts tab, the board and card moves, saved layouts."""
        return Views(self.context, self.persons, self.companies)

    @functools.cached_property
    def dashboards(self) -> Dashboards:
        """The lead dashboards' tiles."""
        return Dashboards(self.context)

    @functools.cached_property
    def bulk(self) -> Bulk:
        """Bulk updates: preview and apply one change on many records."""
        return Bulk(self.context, self.automation)

    @functools.cached_property
    def distribution(self) -> Distribution:
        """Lead distribution (R11) over the available associates."""
        return Distribution(self.context, self.bulk)

    # --- the service's own methods ----------------------------------------------------------

    def lists(self) -> Lists:
        """The current category and lead-status lists.

        >>> LeadService.in_memory().lists().statuses.default.key
        'open'
        """
        with self.context.uow() as uow:
            return self.context.lists(uow)

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

    def upgrade_database(self) -> UpgradeReport:
        """Add the lead categories an existing database lacks; idempotent, reports what it did.

        >>> service = LeadService.in_memory("existing")
        >>> [c.name for c in service.upgrade_database().added][:2]
        ['Lead', 'Marketing qualified lead']
        >>> service.upgrade_database().already_present[:1]
        ('Lead',)
        """
        with self.context.command() as command:
            stored = command.uow.lists.load()
            upgraded, report = upgrade_categories(stored.categories)
            if report.changed:
                command.uow.lists.save(attrs.evolve(stored, categories=upgraded))
        return report

    def import_records(
        self,
        companies: Iterable[CompanyRow] = (),
        persons: Iterable[PersonRow] = (),
        *,
        on_error: OnError = "collect",
        distribute: Distribute | None = None,
    ) -> ImportReport:
        """Import companies, then persons, through the rules in one unit of work.

        Each row goes through the same rules as ``companies.add`` and
        ``persons.add`` (assignable categories, R3, the default status R5,
        R12 UTM), keeping its original ``registered`` time; earlier status
        changes become history entries with their own times and the source
        ``import`` (see :func:`leadcore.importing.plan_person`).
        ``on_error="collect"`` imports the good rows and reports each refused
        one with its error; ``"stop"`` raises
        :class:`leadcore.errors.ImportStopped` at the first refused row and
        imports nothing. Ids of refused rows are not handed out again.
        ``distribute`` (R11) hands the imported companies and persons whose row
        names no owner to its available associates, round robin in the same
        unit of work (see ``distribution.distribute``).

        >>> from leadcore.importing import CompanyRow, PersonRow
        >>> service = LeadService.in_memory()
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> report = service.import_records(
        ...     [CompanyRow("acme", "Acme", category_id=lead)],
        ...     [PersonRow("Ann", "Ash", company_key="acme"), PersonRow("", company_key="acme")])
        >>> report.imported_persons, [(r.kind, r.index) for r in report.refused]
        (1, [('person', 1)])
        >>> service.persons.lead_status_view(report.persons[0]).label   # a new lead starts Open
        'Open'
        """
        return Imports(self.context, self.distribution).run(
            companies, persons, on_error, distribute
        )

    def acting_as(
        self,
        associate: AssociateId | None,
        *,
        licence: Licence | None = None,
        source: StatusSource | None = None,
        policy: LeadPolicy | None = None,
    ) -> LeadService:
        """The same service (same storage, same ids) acting for ``associate``, with
        resources of its own.

        ``licence``, ``source`` and ``policy`` replace the service's own when given.

        >>> from leadcore.policies import RevealPolicy
        >>> service = LeadService.in_memory()
        >>> restoring = service.acting_as(
        ...     AssociateId(7), policy=LeadPolicy(reveal=RevealPolicy.RESTORE_PREVIOUS))
        >>> restoring.context.associate, restoring.context.policy.reveal.value
        (7, 'restore-previous')
        """
        context = self.context
        return self._over(
            attrs.evolve(
                context,
                associate=associate,
                licence=context.licence if licence is None else licence,
                source=context.source if source is None else source,
                policy=context.policy if policy is None else policy,
            )
        )

    def close(self) -> None:
        """Release the storage: a file store finishes its compaction and frees its file.

        Calling it again does nothing. Use the service as a context manager to close it.

        >>> with LeadService.in_memory() as service:
        ...     service.companies.count()
        0
        """
        if self.context.closer is not None:
            self.context.closer()

    def __enter__(self) -> LeadService:
        """The service itself; leaving the block closes it."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close the service (see :meth:`close`)."""
        self.close()

    # --- construction over a store (opened as leadcore.open opens it) ----------------------

    @classmethod
    def in_memory(
        cls,
        database: Literal["new", "existing"] = "new",
        *,
        licence: Licence | None = None,
        clock: Clock | None = None,
        policy: LeadPolicy = DEFAULT_POLICY,
        associate: AssociateId | None = None,
        events: EventPublisher | None = None,
        path: str | os.PathLike[str] | None = None,
        autosave: bool = True,
        language: Language = "en",
    ) -> LeadService:
        """A service over the in-memory store, with the lists of a new or existing database:
        :func:`leadcore.open` of ``":memory:"``, or of the file ``path``.

        ``clock`` defaults to the system clock, ``licence`` to every feature.
        With ``path`` the store is kept in that file (see
        :meth:`leadcore.adapters.memory.InMemoryStore.open` for what ``autosave``
        promises after a crash): the service holds the file's lock until
        :meth:`close`, and new ids continue after the highest ones ever stored
        (deleted ones included, so no id is handed out twice); ``database``
        then only matters for a new file. ``language`` ("en" or "da") is the
        language the database is created in: it names the shipped categories and
        statuses (a Danish database has "Lead", "Marketingkvalificeret lead", "Åben").

        >>> service = LeadService.in_memory("existing")
        >>> service.upgrade_database().changed
        True
        >>> danish = LeadService.in_memory(language="da").lists()
        >>> danish.categories.by_name("Marketingkvalificeret lead").lead_enabled
        True
        >>> import pathlib, tempfile
        >>> file = pathlib.Path(tempfile.mkdtemp()) / "crm.json"
        >>> with LeadService.in_memory(path=file) as service:
        ...     service.companies.add("Acme").id
        1
        >>> with LeadService.in_memory(path=file) as service:
        ...     service.companies.add("Bolt").id
        2
        """
        store, chosen = open_store(
            ":memory:" if path is None else path,
            database=database,
            language=language,
            clock=clock,
            autosave=autosave,
        )
        return cls(
            store.unit_of_work,
            clock=chosen,
            ids=store.ids(),
            events=events,
            policy=policy,
            licence=licence,
            associate=associate,
            closer=store.close,
        )

    @classmethod
    def sql(
        cls,
        url: str | os.PathLike[str],
        database: Literal["new", "existing"] = "new",
        *,
        licence: Licence | None = None,
        clock: Clock | None = None,
        policy: LeadPolicy = DEFAULT_POLICY,
        associate: AssociateId | None = None,
        events: EventPublisher | None = None,
        language: Language = "en",
    ) -> LeadService:
        """A service over a SQL database (extra ``sql``; PostgreSQL needs ``postgres``):
        :func:`leadcore.open` of a database URL.

        ``url`` is a SQLAlchemy URL (``sqlite:///crm.db``,
        ``postgresql://user@host/db``), the path of a SQLite file, or
        ``":memory:"`` (a private database that goes with the service). The
        tables are created or upgraded first (see
        :func:`leadcore.adapters.sql.upgrade_schema`); ``database`` and
        ``language`` choose the lists a database gets when it has none yet. The
        other arguments are those of :meth:`in_memory`. Close the service to
        release its connections.

        >>> with LeadService.sql(":memory:") as service:
        ...     service.companies.add("Acme").id
        1
        """
        text = os.fspath(url)
        if "://" not in text:
            text = "sqlite://" if text == ":memory:" else f"sqlite:///{text}"
        store, chosen = open_store(text, database=database, language=language, clock=clock)
        return cls(
            store.unit_of_work,
            clock=chosen,
            ids=store.ids(),
            events=events,
            policy=policy,
            licence=licence,
            associate=associate,
            closer=store.close,
        )

    @classmethod
    def sqlite(
        cls,
        path: str | os.PathLike[str],
        database: Literal["new", "existing"] = "new",
        **options: Any,
    ) -> LeadService:
        """:meth:`sql` on the SQLite file ``path`` (or ``":memory:"``).

        >>> import pathlib, tempfile
        >>> file = pathlib.Path(tempfile.mkdtemp()) / "crm.db"
        >>> with LeadService.sqlite(file) as service:
        ...     service.companies.add("Acme").id
        1
        >>> with LeadService.sqlite(file) as service:
        ...     [c.name for c in service.companies.find()]
        ['Acme']
        """
        return cls.sql(path, database, **options)

    @classmethod
    def postgres(
        cls, url: str, database: Literal["new", "existing"] = "new", **options: Any
    ) -> LeadService:
        """:meth:`sql` on the PostgreSQL database ``url`` (``postgresql://user@host/db``),
        through psycopg 3 (extra ``postgres``); several processes can share it.

        >>> LeadService.postgres("sqlite:///crm.db")
        Traceback (most recent call last):
        ...
        leadcore.errors.ValidationError: not a PostgreSQL URL: 'sqlite:///crm.db': ...
        """
        if not isinstance(url, str) or not url.startswith(("postgresql", "postgres:")):
            raise ValidationError(
                f"not a PostgreSQL URL: {url!r}",
                why="LeadService.postgres() opens PostgreSQL databases",
                fix="Pass postgresql://user@host:port/database, or use LeadService.sql()",
            )
        return cls.sql(url, database, **options)


check_arguments(LeadService)
