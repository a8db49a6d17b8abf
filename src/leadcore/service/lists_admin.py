"""List administration: categories and lead statuses (R7), the database
upgrade, and what follows from changing a category (R4, R5).

An area of :class:`leadcore.LeadService` (a mixin of it); the examples assume
``from leadcore import LeadService``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import attrs

from leadcore import rules
from leadcore.criteria import build
from leadcore.criteria.ast import Operator
from leadcore.lists import (
    CategoryList,
    LeadStatusList,
    UpgradeReport,
    upgrade_categories,
)
from leadcore.model import (
    Category,
    CategoryGroup,
    CategoryId,
    Company,
    CompanyId,
    LeadStatus,
    LeadStatusId,
    Person,
)
from leadcore.ports import (
    Query,
    StoredLists,
)
from leadcore.service._base import ServiceBase

__all__ = ["ListsArea"]


class ListsArea(ServiceBase):
    """List administration: categories and lead statuses (R7), the database"""

    __slots__ = ()

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
