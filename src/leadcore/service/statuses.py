"""Lead statuses (``service.statuses``): the lead-status list's administration (R6, R7).

Every command here needs the lead-status feature. The list is immutable
(:class:`leadcore.lists.LeadStatusList`): each command stores a new one; no
person changes (deleted statuses stay on the persons that hold them).

>>> from leadcore import LeadService
>>> service = LeadService.in_memory()
>>> service.statuses.add("Nurturing").key
'nurturing'
"""

from __future__ import annotations

from collections.abc import Iterable

from leadcore.lists import LeadStatusList
from leadcore.model import LeadStatus, LeadStatusId
from leadcore.service._resource import Resource

__all__ = ["Statuses"]


class Statuses(Resource, namespace="statuses"):
    """The lead-status list: add, rename, describe, reorder, delete, restore, default."""

    __slots__ = ()

    def add(
        self, name: str, *, tooltip: str = "", key: str | None = None, rank: int | None = None
    ) -> LeadStatus:
        """Add a lead status.

        >>> from leadcore import LeadService
        >>> LeadService.in_memory().statuses.add("Nurturing").key
        'nurturing'
        """
        self._context.require_lead_status("adding a lead status")
        added: list[LeadStatus] = []

        def change(statuses: LeadStatusList) -> LeadStatusList:
            new, item = statuses.add(name, tooltip=tooltip, key=key, rank=rank)
            added.append(item)
            return new

        self._context.edit_lists(statuses=change)
        return added[0]

    def rename(self, status_id: LeadStatusId, name: str) -> LeadStatus:
        """Give a status a new unique name; its key stays.

        >>> from leadcore import LeadService, LeadStatusId
        >>> LeadService.in_memory().statuses.rename(LeadStatusId(1), "New").key
        'open'
        """
        self._context.require_lead_status("renaming a lead status")
        stored = self._context.edit_lists(statuses=lambda s: s.rename(status_id, name))
        return stored.statuses.get(status_id)

    def describe(self, status_id: LeadStatusId, tooltip: str) -> LeadStatus:
        """Set a status's tooltip (R6).

        >>> from leadcore import LeadService, LeadStatusId
        >>> LeadService.in_memory().statuses.describe(LeadStatusId(1), "Untouched").tooltip
        'Untouched'
        """
        self._context.require_lead_status("describing a lead status")
        stored = self._context.edit_lists(statuses=lambda s: s.describe(status_id, tooltip))
        return stored.statuses.get(status_id)

    def reorder(self, ordered_ids: Iterable[LeadStatusId]) -> LeadStatusList:
        """Rank the statuses in the given order (every id exactly once).

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> [s.key for s in service.statuses.reorder([5, 4, 3, 2, 1])][:2]
        ['renurture', 'disqualified']
        """
        self._context.require_lead_status("reordering the lead statuses")
        order = list(ordered_ids)
        return self._context.edit_lists(statuses=lambda s: s.reorder(order)).statuses

    def delete(self, status_id: LeadStatusId) -> LeadStatus:
        """Soft-delete a status; refused for the default (:class:`leadcore.errors.ListRuleError`).

        >>> from leadcore import LeadService, LeadStatusId
        >>> LeadService.in_memory().statuses.delete(LeadStatusId(5)).deleted
        True
        """
        self._context.require_lead_status("deleting a lead status")
        stored = self._context.edit_lists(statuses=lambda s: s.delete(status_id))
        return stored.statuses.get(status_id)

    def restore(self, status_id: LeadStatusId) -> LeadStatus:
        """Undo a soft delete.

        >>> from leadcore import LeadService, LeadStatusId
        >>> service = LeadService.in_memory()
        >>> service.statuses.restore(service.statuses.delete(LeadStatusId(5)).id).deleted
        False
        """
        self._context.require_lead_status("restoring a lead status")
        stored = self._context.edit_lists(statuses=lambda s: s.restore(status_id))
        return stored.statuses.get(status_id)

    def set_default(self, status_id: LeadStatusId) -> LeadStatus:
        """Make an active status the one new leads start in.

        >>> from leadcore import LeadService, LeadStatusId
        >>> LeadService.in_memory().statuses.set_default(LeadStatusId(2)).key
        'contacting'
        """
        self._context.require_lead_status("choosing the default lead status")
        stored = self._context.edit_lists(statuses=lambda s: s.set_default(status_id))
        return stored.statuses.default
