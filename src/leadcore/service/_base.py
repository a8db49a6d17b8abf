"""What every area of :class:`leadcore.service.LeadService` shares: the service's
fields (declared here for the type checker; :class:`LeadService` holds them) and
the plumbing of a command (its unit of work, actor, query and lists).

Not public API.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Final, Literal

from leadcore.criteria import build
from leadcore.criteria.ast import Criterion
from leadcore.criteria.fields import Entity, ListKind, field
from leadcore.errors import InactiveOwnerError, NotFoundError, ValidationError
from leadcore.history import StatusSource
from leadcore.licence import Feature, Licence
from leadcore.model import (
    AssociateId,
    Company,
    Person,
)
from leadcore.policies import LeadPolicy
from leadcore.ports import (
    Clock,
    EventPublisher,
    IdGenerator,
    Order,
    Page,
    Query,
    UnitOfWork,
)
from leadcore.rules import Actor, Lists
from leadcore.service._arguments import check_arguments
from leadcore.service._core import Command, run_command

__all__ = ["NOT_GIVEN", "NotGiven", "ServiceBase"]


class NotGiven(enum.Enum):
    """The type of :data:`NOT_GIVEN`."""

    NOT_GIVEN = "not given"


NOT_GIVEN: Final = NotGiven.NOT_GIVEN
"""The default of an edit command's keyword arguments: "leave this field as it is"
(so that ``None`` can mean "clear" where a field is optional, like an owner)."""

Unchanged = Literal[NotGiven.NOT_GIVEN]


class ServiceBase:
    """The fields and plumbing every area of the service uses.

    Every class made from it (each area, and :class:`leadcore.LeadService`) has the
    arguments of its public methods checked against their annotations
    (:mod:`leadcore.service._arguments`), set up once when the class is created.
    """

    __slots__ = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        check_arguments(cls)

    uow: Callable[[], UnitOfWork]
    clock: Clock
    ids: IdGenerator
    events: EventPublisher | None
    policy: LeadPolicy
    licence: Licence
    associate: AssociateId | None
    source: StatusSource

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
    def _check_owner(uow: UnitOfWork, owner_id: AssociateId | None) -> None:
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
    def _company_of(uow: UnitOfWork, person: Person) -> Company | None:
        return None if person.company_id is None else uow.companies.get(person.company_id)
