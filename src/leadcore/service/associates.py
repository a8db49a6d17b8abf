"""Associates (``service.associates``): the users, added, renamed, away or back, retired.

A new database has no associates. An owner that a command sets
(``persons.add``, ``persons.edit``, ``companies.add``, ``companies.edit``) must
be a stored associate that is not retired, else
:class:`leadcore.errors.InactiveOwnerError`; records that already name an
unknown or retired owner load and keep it. Associates are never deleted
(history and records name them): they are retired.

>>> from leadcore import LeadService
>>> service = LeadService.in_memory()
>>> ann = service.associates.add("Ann Able")
>>> [a.name for a in service.associates.all()]
['Ann Able']
"""

from __future__ import annotations

from typing import Any

import attrs

from leadcore.model import Associate, AssociateId, Availability
from leadcore.service._context import check_version
from leadcore.service._resource import Resource

__all__ = ["Associates"]


class Associates(Resource, namespace="associates"):
    """Associates: add, rename, set availability, retire; read them."""

    __slots__ = ()

    def add(
        self,
        name: str,
        *,
        availability: Availability = Availability.NORMAL,
        groups: frozenset[str] = frozenset(),
    ) -> Associate:
        """Add an associate, who can then own companies and persons.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> ann = service.associates.add("Ann Able")
        >>> service.companies.add("Acme", owner_id=ann.id).owner_id == ann.id
        True
        """
        context = self._context
        with context.command() as command:
            associate = Associate(
                AssociateId(context.ids.next_id("associate")),
                name,
                availability=availability,
                groups=groups,
            )
            created = command.uow.associates.add(associate)
        return created

    def rename(
        self, associate_id: AssociateId, name: str, *, expected_version: int | None = None
    ) -> Associate:
        """Give an associate another name.

        ``expected_version``: the version the change is made against (``None``: any);
        another version stored now is a :class:`leadcore.errors.ConflictError`
        (``retryable`` false) and nothing changes.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> ann = service.associates.add("Ann")
        >>> service.associates.rename(ann.id, "Ann Able").name
        'Ann Able'
        """
        return self._change(associate_id, expected_version, name=name)

    def set_availability(
        self,
        associate_id: AssociateId,
        availability: Availability,
        *,
        expected_version: int | None = None,
    ) -> Associate:
        """Mark an associate normal or away (lead distribution only uses normal ones).

        ``expected_version``: the version the change is made against (``None``: any);
        another version stored now is a :class:`leadcore.errors.ConflictError`
        (``retryable`` false) and nothing changes.

        >>> from leadcore import Availability, LeadService
        >>> service = LeadService.in_memory()
        >>> ann = service.associates.add("Ann")
        >>> service.associates.set_availability(ann.id, Availability.AWAY).availability.value
        'away'
        """
        return self._change(associate_id, expected_version, availability=availability)

    def retire(
        self, associate_id: AssociateId, *, expected_version: int | None = None
    ) -> Associate:
        """Retire an associate: kept (records and history still name it), but it can no
        longer be made an owner. Records it owns keep it until changed.

        ``expected_version``: the version the change is made against (``None``: any);
        another version stored now is a :class:`leadcore.errors.ConflictError`
        (``retryable`` false) and nothing changes.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> ann = service.associates.add("Ann")
        >>> _ = service.associates.retire(ann.id)
        >>> service.persons.add("Bo", owner_id=ann.id)
        Traceback (most recent call last):
        ...
        leadcore.errors.InactiveOwnerError: associate 1 cannot be an owner: it is retired; ...
        """
        return self._change(associate_id, expected_version, retired=True)

    def get(self, associate_id: AssociateId) -> Associate:
        """The stored associate; :class:`leadcore.errors.NotFoundError` when unknown.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> service.associates.get(service.associates.add("Ann").id).name
        'Ann'
        """
        with self._context.uow() as uow:
            return uow.associates.get(associate_id)

    def all(self, *, include_retired: bool = False) -> list[Associate]:
        """The associates by id; retired ones only with ``include_retired=True``.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> _ = service.associates.retire(service.associates.add("Ann").id)
        >>> _ = service.associates.add("Bo")
        >>> [a.name for a in service.associates.all()]
        ['Bo']
        >>> len(service.associates.all(include_retired=True))
        2
        """
        with self._context.uow() as uow:
            found = uow.associates.all()
        return [a for a in found if include_retired or not a.retired]

    def _change(
        self, associate_id: AssociateId, expected_version: int | None, **changes: Any
    ) -> Associate:
        with self._context.command() as command:
            current = command.uow.associates.get(associate_id)
            check_version("associate", current, expected_version)
            changed = attrs.evolve(current, **changes)
            if changed == current:
                return current
            saved = command.uow.associates.save(changed)
        return saved
