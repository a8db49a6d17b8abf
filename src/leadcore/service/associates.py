"""Associates (the users): adding, renaming, availability and retiring them.

An area of :class:`leadcore.LeadService` (a mixin of it); the examples assume
``from leadcore import LeadService``.

A new database has no associates. An owner that a command sets (``add_company``,
``add_person``, ``edit_company``, ``edit_person``) must be a stored associate that
is not retired, else :class:`leadcore.errors.InactiveOwnerError`; records
that already name an unknown or retired owner load and keep it. Associates
are never deleted (history and records name them): they are retired.
"""

from __future__ import annotations

from typing import Any

import attrs

from leadcore.model import Associate, AssociateId, Availability
from leadcore.service._base import ServiceBase

__all__ = ["AssociatesArea"]


class AssociatesArea(ServiceBase):
    """Associates: add, rename, set availability, retire; read them."""

    __slots__ = ()

    def add_associate(
        self,
        name: str,
        *,
        availability: Availability = Availability.NORMAL,
        groups: frozenset[str] = frozenset(),
    ) -> Associate:
        """Add an associate, who can then own companies and persons.

        >>> service = LeadService.in_memory()
        >>> ann = service.add_associate("Ann Able")
        >>> service.add_company("Acme", owner_id=ann.id).owner_id == ann.id
        True
        """
        with self._command() as command:
            associate = Associate(
                AssociateId(self.ids.next_id("associate")),
                name,
                availability=availability,
                groups=groups,
            )
            created = command.uow.associates.add(associate)
        return created

    def rename_associate(self, associate_id: AssociateId, name: str) -> Associate:
        """Give an associate another name.

        >>> service = LeadService.in_memory()
        >>> ann = service.add_associate("Ann")
        >>> service.rename_associate(ann.id, "Ann Able").name
        'Ann Able'
        """
        return self._change_associate(associate_id, name=name)

    def set_associate_availability(
        self, associate_id: AssociateId, availability: Availability
    ) -> Associate:
        """Mark an associate normal or away (lead distribution only uses normal ones).

        >>> service = LeadService.in_memory()
        >>> ann = service.add_associate("Ann")
        >>> service.set_associate_availability(ann.id, Availability.AWAY).availability.value
        'away'
        """
        return self._change_associate(associate_id, availability=availability)

    def retire_associate(self, associate_id: AssociateId) -> Associate:
        """Retire an associate: kept (records and history still name it), but it can no
        longer be made an owner. Records it owns keep it until changed.

        >>> service = LeadService.in_memory()
        >>> ann = service.add_associate("Ann")
        >>> _ = service.retire_associate(ann.id)
        >>> service.add_person("Bo", owner_id=ann.id)
        Traceback (most recent call last):
        ...
        leadcore.errors.InactiveOwnerError: associate 1 cannot be an owner: it is retired; ...
        """
        return self._change_associate(associate_id, retired=True)

    def get_associate(self, associate_id: AssociateId) -> Associate:
        """The stored associate; :class:`leadcore.errors.NotFoundError` when unknown.

        >>> service = LeadService.in_memory()
        >>> service.get_associate(service.add_associate("Ann").id).name
        'Ann'
        """
        with self.uow() as uow:
            return uow.associates.get(associate_id)

    def associates(self, *, include_retired: bool = False) -> list[Associate]:
        """The associates by id; retired ones only with ``include_retired=True``.

        >>> service = LeadService.in_memory()
        >>> _ = service.retire_associate(service.add_associate("Ann").id)
        >>> _ = service.add_associate("Bo")
        >>> [a.name for a in service.associates()], len(service.associates(include_retired=True))
        (['Bo'], 2)
        """
        with self.uow() as uow:
            found = uow.associates.all()
        return [a for a in found if include_retired or not a.retired]

    def _change_associate(self, associate_id: AssociateId, **changes: Any) -> Associate:
        with self._command() as command:
            current = command.uow.associates.get(associate_id)
            changed = attrs.evolve(current, **changes)
            if changed == current:
                return current
            saved = command.uow.associates.save(changed)
        return saved
