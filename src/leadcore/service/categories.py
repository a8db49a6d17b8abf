"""Categories (``service.categories``): the category list's administration (R7) and
what follows from changing a category (R4, R5).

The list is immutable (:class:`leadcore.lists.CategoryList`): every command here
stores a new one. Adding, renaming, describing, reordering, deleting and
restoring change no record; switching the lead-status flag and changing the
group hide or reveal the status of every person under the category.

>>> from leadcore import CategoryGroup, LeadService
>>> service = LeadService.in_memory()
>>> fair = service.categories.add("Trade fair", CategoryGroup.POTENTIAL_CUSTOMER)
>>> service.lists().categories.by_name("Trade fair").id == fair.id
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import attrs

from leadcore import rules
from leadcore.criteria import build
from leadcore.criteria.ast import Operator
from leadcore.lists import CategoryList
from leadcore.model import Category, CategoryGroup, CategoryId, Company, CompanyId, Person
from leadcore.queries import Query
from leadcore.service._resource import Resource

__all__ = ["Categories"]


class Categories(Resource, namespace="categories"):
    """The category list: add, rename, describe, reorder, delete, restore, and the two
    changes that cascade to persons (lead-status flag, group)."""

    __slots__ = ()

    def add(
        self,
        name: str,
        group: CategoryGroup,
        *,
        tooltip: str = "",
        enable_lead_status: bool = False,
        rank: int | None = None,
    ) -> Category:
        """Add a category (names unique ignoring case, deleted ones included).

        >>> from leadcore import CategoryGroup, LeadService
        >>> service = LeadService.in_memory()
        >>> service.categories.add("Trade fair", CategoryGroup.POTENTIAL_CUSTOMER,
        ...                        enable_lead_status=True).lead_enabled
        True
        """
        if enable_lead_status:
            self._context.require_lead_status("enabling lead status on a category")
        added: list[Category] = []

        def change(categories: CategoryList) -> CategoryList:
            new, item = categories.add(
                name, group, tooltip=tooltip, enable_lead_status=enable_lead_status, rank=rank
            )
            added.append(item)
            return new

        self._context.edit_lists(categories=change)
        return added[0]

    def rename(self, category_id: CategoryId, name: str) -> Category:
        """Give a category a new unique name.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> service.categories.rename(lead, "Inbound lead").name
        'Inbound lead'
        """
        stored = self._context.edit_lists(categories=lambda c: c.rename(category_id, name))
        return stored.categories.get(category_id)

    def describe(self, category_id: CategoryId, tooltip: str) -> Category:
        """Set a category's tooltip (description).

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> service.categories.describe(lead, "Fresh").tooltip
        'Fresh'
        """
        stored = self._context.edit_lists(categories=lambda c: c.describe(category_id, tooltip))
        return stored.categories.get(category_id)

    def reorder(self, ordered_ids: Iterable[CategoryId]) -> CategoryList:
        """Rank the categories in the given order (every id exactly once, deleted included).

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> ids = [c.id for c in service.lists().categories]
        >>> [c.id for c in service.categories.reorder(reversed(ids))] == ids[::-1]
        True
        """
        order = list(ordered_ids)
        return self._context.edit_lists(categories=lambda c: c.reorder(order)).categories

    def delete(self, category_id: CategoryId) -> Category:
        """Soft-delete: records keep the category, it cannot be newly assigned.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> other = service.lists().categories.by_name("Other").id
        >>> service.categories.delete(other).deleted
        True
        """
        stored = self._context.edit_lists(categories=lambda c: c.delete(category_id))
        return stored.categories.get(category_id)

    def restore(self, category_id: CategoryId) -> Category:
        """Undo a soft delete.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> other = service.categories.delete(service.lists().categories.by_name("Other").id)
        >>> service.categories.restore(other.id).deleted
        False
        """
        stored = self._context.edit_lists(categories=lambda c: c.restore(category_id))
        return stored.categories.get(category_id)

    def set_lead_status_enabled(self, category_id: CategoryId, enabled: bool) -> Category:
        """Switch "enable lead status"; persons under the category are hidden or revealed.

        Needs the lead-status feature. Only Potential customer categories can
        enable it (:class:`leadcore.errors.ValidationError`).

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> acme = service.companies.add("Acme", category_id=lead)
        >>> ann = service.persons.add("Ann", company_id=acme.id)
        >>> service.categories.set_lead_status_enabled(lead, False).lead_enabled
        False
        >>> service.persons.lead_status_view(ann.id).visible
        False
        """
        self._context.require_lead_status("switching lead status on a category")
        return self._cascading(
            category_id, lambda c: c.set_lead_status_enabled(category_id, enabled)
        )

    def set_group(self, category_id: CategoryId, group: CategoryGroup) -> Category:
        """Move a category to another group; leaving Potential customer hides the statuses.

        >>> from leadcore import CategoryGroup, LeadService
        >>> service = LeadService.in_memory()
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> service.categories.set_group(lead, CategoryGroup.CUSTOMER).enable_lead_status
        False
        """
        return self._cascading(category_id, lambda c: c.set_group(category_id, group))

    def _cascading(
        self, category_id: CategoryId, change: Callable[[CategoryList], CategoryList]
    ) -> Category:
        """Change a category and hide or reveal the status of every person under it."""
        context = self._context
        with context.command() as command:
            uow = command.uow
            stored = uow.lists.load()
            after = change(stored.categories)
            condition = build.condition("person.category", Operator.IN, category_id)
            persons = uow.persons.find(Query(condition, now=context.clock.now()))
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
                pairs,
                stored.categories,
                after,
                stored.statuses,
                context.actor(),
                policy=context.policy,
            )
            uow.lists.save(attrs.evolve(stored, categories=after))
            command.apply(outcome)
        return after.get(category_id)
