"""Lead distribution (``service.distribution``, R11): new persons or companies spread
evenly over associates.

The pool and the round robin are in :mod:`leadcore.workflows.distribution`; the
associate who got the last record is stored in the settings, so the next
distribution continues after them. Distribution runs on demand
(:meth:`Distribution.distribute`, a bulk update of the owner through the
``bulk`` resource this one is given), as a bulk change
(:class:`leadcore.workflows.DistributeOwners`) and on import
(``service.import_records(..., distribute=...)``).

>>> from leadcore import LeadService
>>> from leadcore.workflows import BulkScope, Distribute
>>> service = LeadService.in_memory()
>>> ann, bo = service.associates.add("Ann"), service.associates.add("Bo")
>>> ids = [service.persons.add(f"P{n}").id for n in range(3)]
>>> log = service.distribution.distribute(BulkScope.of_ids(persons=ids),
...                                       Distribute(associates=(ann.id, bo.id)))
>>> [c.after for c in log.changed], service.distribution.last_distributed_to()
([1, 2, 1], 1)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

import attrs

from leadcore.model import AssociateId, Company, Person
from leadcore.ports import UnitOfWork
from leadcore.service._context import Context
from leadcore.service._resource import Resource
from leadcore.workflows import stored
from leadcore.workflows.bulk import (
    DEFAULT_BATCH_SIZE,
    BulkLog,
    BulkProgress,
    BulkScope,
    DistributeOwners,
)
from leadcore.workflows.distribution import Distribute, choose_pool, round_robin

if TYPE_CHECKING:
    from leadcore.service.bulk import Bulk

__all__ = ["Distribution"]

_Owned = TypeVar("_Owned", Company, Person)


class Distribution(Resource, namespace="distribution"):
    """Lead distribution: round robin over available associates, continued from the
    stored last assignment."""

    __slots__ = ("_bulk",)

    def __init__(self, context: Context, bulk: Bulk) -> None:
        super().__init__(context)
        self._bulk = bulk

    def distribute(
        self,
        scope: BulkScope,
        to: Distribute,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: Callable[[BulkProgress], None] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> BulkLog:
        """Lead distribution on demand (R11): the records of ``scope`` get owners round
        robin over ``to``'s available associates, continuing after the last stored
        assignment. The same as ``service.bulk.apply`` with :class:`DistributeOwners`.

        >>> from leadcore import LeadService
        >>> from leadcore.workflows import BulkScope
        >>> service = LeadService.in_memory()
        >>> ann = service.associates.add("Ann")
        >>> bo = service.persons.add("Bo")
        >>> log = service.distribution.distribute(BulkScope.of_ids(persons=[bo.id]),
        ...                                       Distribute(associates=(ann.id,)))
        >>> [c.after for c in log.changed]
        [1]
        """
        return self._bulk.apply(
            scope, DistributeOwners(to), batch_size=batch_size, progress=progress, stop=stop
        )

    def last_distributed_to(self) -> AssociateId | None:
        """The associate who got the last record of the previous distribution.

        >>> from leadcore import LeadService
        >>> LeadService.in_memory().distribution.last_distributed_to() is None
        True
        """
        with self._context.uow() as uow:
            return stored.last_assigned(uow.settings)

    def pool(self, to: Distribute) -> tuple[AssociateId, ...]:
        """The associates ``to`` would hand records to now, in turn order.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> ann, bo = service.associates.add("Ann"), service.associates.add("Bo")
        >>> service.distribution.pool(Distribute(associates=(bo.id, ann.id)))
        (1, 2)
        """
        with self._context.uow() as uow:
            return choose_pool(to, uow.associates.all())

    def assign_new(
        self, uow: UnitOfWork, records: Sequence[_Owned], to: Distribute, now: datetime
    ) -> list[_Owned]:
        """Hand ``records`` (just added in the open ``uow``, in order) to ``to``'s pool
        round robin, continuing after the stored last assignment; saves them and the
        new state. For the import, which calls it inside its unit of work.

        :meta private:
        """
        if not records:
            return []
        pool = choose_pool(to, uow.associates.all())
        owners = round_robin(len(records), pool, stored.last_assigned(uow.settings))
        saved: list[_Owned] = []
        for record, owner in zip(records, owners, strict=True):
            changed = attrs.evolve(record, owner_id=owner, updated=now)
            if isinstance(changed, Company):
                saved.append(uow.companies.save(changed))
            else:
                saved.append(uow.persons.save(changed))
        stored.set_last_assigned(uow.settings, owners[-1])
        return saved
