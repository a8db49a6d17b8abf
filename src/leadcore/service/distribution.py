"""Lead distribution (R11): new persons or companies spread evenly over associates.

An area of :class:`leadcore.LeadService` (a mixin of it); the examples assume
``from leadcore import LeadService``. The pool and the round robin are in
:mod:`leadcore.workflows.distribution`; the associate who got the last record is
stored in the settings, so the next distribution continues after them.
Distribution runs on demand
(:meth:`~leadcore.service.LeadService.distribute_owners`, a bulk update of the
owner), as a bulk change (:class:`leadcore.workflows.DistributeOwners`) and on
import (``import_records(..., distribute=...)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

import attrs

from leadcore.model import AssociateId, Company, Person
from leadcore.ports import UnitOfWork
from leadcore.service._base import ServiceBase
from leadcore.workflows import stored
from leadcore.workflows.distribution import Distribute, choose_pool, round_robin

__all__ = ["DistributionArea", "distribute_new"]

_Owned = TypeVar("_Owned", Company, Person)


class DistributionArea(ServiceBase):
    """Lead distribution: round robin over available associates, continued from the
    stored last assignment."""

    __slots__ = ()

    def last_distributed_to(self) -> AssociateId | None:
        """The associate who got the last record of the previous distribution.

        >>> service = LeadService.in_memory()
        >>> service.last_distributed_to() is None
        True
        """
        with self.uow() as uow:
            return stored.last_assigned(uow.settings)

    def distribution_pool(self, to: Distribute) -> tuple[AssociateId, ...]:
        """The associates ``to`` would hand records to now, in turn order.

        >>> service = LeadService.in_memory()
        >>> ann, bo = service.add_associate("Ann"), service.add_associate("Bo")
        >>> service.distribution_pool(Distribute(associates=(bo.id, ann.id)))
        (1, 2)
        """
        with self.uow() as uow:
            return choose_pool(to, uow.associates.all())


def distribute_new(
    uow: UnitOfWork, records: Sequence[_Owned], to: Distribute, now: datetime
) -> list[_Owned]:
    """Hand ``records`` (just added in this unit, in order) to ``to``'s pool round robin,
    continuing after the stored last assignment; saves them and the new state."""
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
