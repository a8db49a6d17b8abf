"""What every resource of :class:`leadcore.service.LeadService` shares: one frozen
:class:`Context` (the unit-of-work factory, clock, ids, events, policy, licence,
acting associate and history source) and the plumbing of a command over it.

Not public API beyond :class:`Context` itself (``service.context``) and
:data:`NOT_GIVEN`, which :mod:`leadcore.service` re-exports.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Final, Literal, Protocol

import attrs

from leadcore.criteria import build
from leadcore.criteria.ast import Criterion
from leadcore.criteria.fields import Entity
from leadcore.errors import ConflictError, InactiveOwnerError, NotFoundError, ValidationError
from leadcore.history import StatusSource
from leadcore.licence import Feature, Licence
from leadcore.lists import CategoryList, LeadStatusList, Lists
from leadcore.model import AssociateId, Company, Person
from leadcore.policies import LeadPolicy
from leadcore.ports import Clock, EventPublisher, IdGenerator, UnitOfWork
from leadcore.queries import Order, Page, Query
from leadcore.rules import Actor
from leadcore.service._core import Command, RepositorySource, run_command

__all__ = [
    "DEFAULT_POLICY",
    "NOT_GIVEN",
    "Context",
    "NotGiven",
    "Unchanged",
    "check_version",
    "given",
]


class NotGiven(enum.Enum):
    """The type of :data:`NOT_GIVEN`."""

    NOT_GIVEN = "not given"


NOT_GIVEN: Final = NotGiven.NOT_GIVEN
"""The default of an edit command's keyword arguments: "leave this field as it is"
(so that ``None`` can mean "clear" where a field is optional, like an owner)."""

Unchanged = Literal[NotGiven.NOT_GIVEN]


def given(**values: object) -> dict[str, Any]:
    """The keyword arguments that were given (not :data:`NOT_GIVEN`)."""
    return {name: value for name, value in values.items() if value is not NOT_GIVEN}


class _Versioned(Protocol):
    @property
    def id(self) -> Any: ...
    @property
    def version(self) -> int: ...


def check_version(kind: str, record: _Versioned, expected_version: int | None) -> None:
    """Refuse a command made against another version of ``record`` than the stored one.

    ``expected_version`` is what a caller passes to a command that changes one
    record (``None``: no check). A mismatch is a :class:`ConflictError` naming
    both versions, with ``retryable=False``: the same request can never succeed.
    Call it right after loading the record, before anything is decided.
    """
    if expected_version is None:
        return
    if expected_version < 1:
        raise ValidationError(
            f"expected_version must be 1 or more: got {expected_version}",
            why="a stored record's version starts at 1",
            fix="Pass the version the record was read at (its ETag), or None for no check",
            kind=kind,
            id=record.id,
        )
    if record.version != expected_version:
        raise ConflictError(kind, record.id, expected_version, record.version, retryable=False)


DEFAULT_POLICY: Final = LeadPolicy()
"""The lead policy of a service built without one."""


@attrs.frozen
class Context:
    """What a service acts with: storage, time, ids, events, policy, licence and actor.

    Every resource of one :class:`~leadcore.service.LeadService` holds the same
    context; :meth:`~leadcore.service.LeadService.acting_as` makes a new one.
    Read it as ``service.context`` (``service.context.clock.now()``); its
    methods are the plumbing the resources share.

    >>> from leadcore import LeadService
    >>> LeadService.in_memory().context.source.value
    'user'
    """

    uow: Callable[[], UnitOfWork]
    """Makes a fresh :class:`leadcore.ports.UnitOfWork` per command or read."""
    clock: Clock
    """The time commands record and criteria are evaluated at."""
    ids: IdGenerator
    """Hands out the ids of new companies, persons, selections and associates."""
    events: EventPublisher | None = None
    """Receives the events of each committed command (``None``: not published)."""
    policy: LeadPolicy = DEFAULT_POLICY
    """The transition and reveal policies (R5, R8)."""
    licence: Licence = attrs.field(factory=Licence.full)
    """The licensed features; a command needing a missing one is refused."""
    associate: AssociateId | None = None
    """The acting user: recorded in history, "me" in criteria (need not be stored)."""
    source: StatusSource = StatusSource.USER
    """The history source of the status changes commands make."""
    closer: Callable[[], None] | None = None
    """Releases the storage (a file store's lock and files); called by ``service.close()``."""

    def command(self) -> AbstractContextManager[Command]:
        """A unit of work for one command: committed when the block ends normally,
        then the events are published (see :func:`leadcore.service._core.run_command`)."""
        return run_command(self.uow, self.events)

    def actor(self, source: StatusSource | None = None) -> Actor:
        """Who acts now, with the context's history source unless ``source`` is given."""
        return Actor(self.clock.now(), self.associate, self.source if source is None else source)

    def require_lead_status(self, operation: str) -> None:
        """Refuse ``operation`` unless the licence has the lead-status feature."""
        self.licence.require(Feature.LEAD_STATUS, operation)

    def query(
        self,
        criteria: Criterion | Query,
        entity: Entity,
        order: Sequence[Order] = (),
        page: Page | None = None,
    ) -> Query:
        """Validate criteria and order, check their licence, and build the query.

        A :class:`Query` brings its own order and page; its missing current
        associate and time are the context's.
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
        build.check_search(criteria, self.licence, entity, sort_fields=[o.field for o in order])
        return Query(
            criteria,
            order=tuple(order),
            page=Page() if page is None else page,
            current_associate=associate,
            now=self.clock.now() if now is None else now,
        )

    def member_source(self, uow: UnitOfWork) -> RepositorySource:
        """The records of ``uow`` as a :class:`leadcore.selections.MemberSource`, its
        criteria checked and evaluated as this context's queries are."""
        return RepositorySource(
            uow,
            lambda c: self.query(c, Entity.PERSON),
            lambda c: self.query(c, Entity.COMPANY),
        )

    def edit_lists(
        self,
        categories: Callable[[CategoryList], CategoryList] | None = None,
        statuses: Callable[[LeadStatusList], LeadStatusList] | None = None,
    ) -> Lists:
        """Change the stored category and lead-status lists in one command; returns them."""
        with self.command() as command:
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

    @staticmethod
    def lists(uow: UnitOfWork) -> Lists:
        """The category and lead-status lists stored in ``uow``."""
        return uow.lists.load()

    @staticmethod
    def check_owner(uow: UnitOfWork, owner_id: AssociateId | None) -> None:
        """An owner being set must be a known, active associate (None clears it)."""
        if owner_id is None:
            return
        try:
            owner = uow.associates.get(owner_id)
        except NotFoundError:
            raise InactiveOwnerError(owner_id, "unknown") from None
        if owner.retired:
            raise InactiveOwnerError(owner_id, "retired")

    @staticmethod
    def company_of(uow: UnitOfWork, person: Person) -> Company | None:
        """The person's company (``None`` without one)."""
        return None if person.company_id is None else uow.companies.get(person.company_id)
