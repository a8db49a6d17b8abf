"""The application service: one method per use case, each in one unit of work.

:class:`LeadService` is the one entry point. Its use cases live in one module
per area, each a mixin of it: :mod:`~leadcore.service.reading`,
:mod:`~leadcore.service.lists_admin`, :mod:`~leadcore.service.records`,
:mod:`~leadcore.service.associates`, :mod:`~leadcore.service.selections`,
:mod:`~leadcore.service.imports`, :mod:`~leadcore.service.dashboards`,
:mod:`~leadcore.service.views`, :mod:`~leadcore.service.automation`,
:mod:`~leadcore.service.bulk` and :mod:`~leadcore.service.distribution`;
:mod:`~leadcore.service._base` holds what they share.

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
from collections.abc import Callable
from typing import Any, Literal

import attrs

from leadcore.errors import ValidationError
from leadcore.history import StatusSource
from leadcore.licence import Licence
from leadcore.lists import existing_database, new_database
from leadcore.model import AssociateId, Language
from leadcore.policies import LeadPolicy
from leadcore.ports import Clock, EventPublisher, IdGenerator, StoredLists, UnitOfWork
from leadcore.service._base import NOT_GIVEN, NotGiven
from leadcore.service.associates import AssociatesArea
from leadcore.service.automation import AutomationArea
from leadcore.service.bulk import BulkArea
from leadcore.service.dashboards import DashboardsArea
from leadcore.service.distribution import DistributionArea
from leadcore.service.imports import ImportsArea
from leadcore.service.lists_admin import ListsArea
from leadcore.service.reading import ReadingArea
from leadcore.service.records import Deletion, RecordsArea
from leadcore.service.selections import SelectionsArea
from leadcore.service.views import ViewsArea

__all__ = ["NOT_GIVEN", "Deletion", "LeadService", "NotGiven"]

_DEFAULT_POLICY = LeadPolicy()


@attrs.frozen
class LeadService(
    ReadingArea,
    ListsArea,
    RecordsArea,
    AssociatesArea,
    SelectionsArea,
    ImportsArea,
    DashboardsArea,
    ViewsArea,
    AutomationArea,
    BulkArea,
    DistributionArea,
):
    """Every use case of lead management, over the ports.

    ``uow`` makes a fresh :class:`leadcore.ports.UnitOfWork` per command.
    ``associate`` (the acting user, recorded in history and used as "current
    associate" in criteria; any id the application uses for its user, it need
    not be a stored associate), ``licence`` and ``source`` are set once here;
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
        language: Language = "en",
    ) -> LeadService:
        """A service over the in-memory store, with the lists of a new or existing database.

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
        ...     service.add_company("Acme").id
        1
        >>> with LeadService.in_memory(path=file) as service:
        ...     service.add_company("Bolt").id
        2
        """
        from leadcore.adapters.memory import InMemoryStore
        from leadcore.clock import SequentialIds, SystemClock

        made = StoredLists(
            *(new_database(language) if database == "new" else existing_database(language))
        )
        chosen = SystemClock() if clock is None else clock
        if path is None:
            store = InMemoryStore(made, clock=chosen)
        else:
            store = InMemoryStore.open(path, lists=made, clock=chosen, autosave=autosave)
        used = {
            kind: store.max_id(kind) for kind in ("company", "person", "selection", "associate")
        }
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

    @classmethod
    def sql(
        cls,
        url: str | os.PathLike[str],
        database: Literal["new", "existing"] = "new",
        *,
        licence: Licence | None = None,
        clock: Clock | None = None,
        policy: LeadPolicy = _DEFAULT_POLICY,
        associate: AssociateId | None = None,
        events: EventPublisher | None = None,
        language: Language = "en",
    ) -> LeadService:
        """A service over a SQL database (extra ``sql``; PostgreSQL needs ``postgres``).

        ``url`` is a SQLAlchemy URL (``sqlite:///crm.db``,
        ``postgresql://user@host/db``), the path of a SQLite file, or
        ``":memory:"`` (a private database that goes with the service). The
        tables are created or upgraded first (see
        :func:`leadcore.adapters.sql.upgrade_schema`); ``database`` and
        ``language`` choose the lists a database gets when it has none yet. The
        other arguments are those of :meth:`in_memory`. Close the service to
        release its connections.

        >>> with LeadService.sql(":memory:") as service:
        ...     service.add_company("Acme").id
        1
        """
        from leadcore.adapters.sql import SqlStore
        from leadcore.clock import SystemClock

        made = StoredLists(
            *(new_database(language) if database == "new" else existing_database(language))
        )
        chosen = SystemClock() if clock is None else clock
        store = SqlStore.open(url, lists=made, clock=chosen)
        return cls(
            store.unit_of_work,
            clock=chosen,
            ids=store.ids(),
            events=events,
            policy=policy,
            licence=Licence.full() if licence is None else licence,
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
        ...     service.add_company("Acme").id
        1
        >>> with LeadService.sqlite(file) as service:
        ...     [c.name for c in service.find_companies()]
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
