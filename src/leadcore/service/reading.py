"""Reading: the lists, criteria in the text form, one record, finds and counts,
the lead status view and a person's history.

An area of :class:`leadcore.LeadService` (a mixin of it); the examples assume
``from leadcore import LeadService``.
"""

from __future__ import annotations

from collections.abc import Sequence

from leadcore import rules
from leadcore.criteria.ast import ALWAYS, Criterion
from leadcore.criteria.fields import Entity
from leadcore.criteria.text import parse as parse_text
from leadcore.history import HistoryEntry
from leadcore.model import (
    Company,
    CompanyId,
    Language,
    Person,
    PersonId,
)
from leadcore.ports import (
    Order,
    Page,
    Query,
)
from leadcore.rules import LeadStatusView, Lists
from leadcore.service._base import ServiceBase

__all__ = ["ReadingArea"]


class ReadingArea(ServiceBase):
    """Reading: the lists, criteria in the text form, one record, finds and counts,"""

    __slots__ = ()

    def lists(self) -> Lists:
        """The current category and lead-status lists.

        >>> LeadService.in_memory().lists().statuses.default.key
        'open'
        """
        with self.uow() as uow:
            return self._lists(uow)

    def parse_criteria(self, text: str, entity: Entity = Entity.PERSON) -> Criterion:
        """Read criteria in the text form, resolving list names through the current lists.

        >>> service = LeadService.in_memory()
        >>> c = service.parse_criteria('person.lead_status in (Open, "Contacting")')
        >>> c.values
        (1, 2)
        """
        current = self.lists()
        return parse_text(
            text, categories=current.categories, statuses=current.statuses, entity=entity
        )

    def persons_of_company(self, company_id: CompanyId) -> list[Person]:
        """Every person of the company, by id (the company's contacts tab, unfiltered).

        >>> service = LeadService.in_memory()
        >>> acme = service.add_company("Acme")
        >>> _ = service.add_person("Ann", company_id=acme.id), service.add_person("Bo")
        >>> [p.first_name for p in service.persons_of_company(acme.id)]
        ['Ann']
        """
        with self.uow() as uow:
            uow.companies.get(company_id)
            return uow.persons.of_company(company_id)

    def get_company(self, company_id: CompanyId) -> Company:
        """The stored company; :class:`leadcore.errors.NotFoundError` when unknown.

        >>> service = LeadService.in_memory()
        >>> service.get_company(service.add_company("Acme").id).version
        1
        """
        with self.uow() as uow:
            return uow.companies.get(company_id)

    def get_person(self, person_id: PersonId) -> Person:
        """The stored person; :class:`leadcore.errors.NotFoundError` when unknown.

        >>> service = LeadService.in_memory()
        >>> service.get_person(service.add_person("Bo").id).full_name
        'Bo'
        """
        with self.uow() as uow:
            return uow.persons.get(person_id)

    def find_persons(
        self,
        criteria: Criterion | Query = ALWAYS,
        *,
        order: Sequence[Order] = (),
        page: Page | None = None,
    ) -> list[Person]:
        """Persons matching ``criteria``, ordered and paged.

        ``criteria`` may be a whole :class:`leadcore.ports.Query` (with its own
        order and page). Criteria and order on UTM fields need marketing
        premium, on the lead status the lead-status feature
        (:class:`leadcore.errors.FeatureNotLicensed`).

        >>> from leadcore.criteria.build import condition
        >>> service = LeadService.in_memory()
        >>> _ = service.add_person("Ann", "Ash"), service.add_person("Bo", "Berg")
        >>> [p.first_name for p in service.find_persons(condition("person.last_name",
        ...                                                          "begins", "b"))]
        ['Bo']
        """
        query = self._query(criteria, Entity.PERSON, order, page)
        with self.uow() as uow:
            return uow.persons.find(query)

    def find_companies(
        self,
        criteria: Criterion | Query = ALWAYS,
        *,
        order: Sequence[Order] = (),
        page: Page | None = None,
    ) -> list[Company]:
        """Companies matching ``criteria``, ordered and paged.

        >>> service = LeadService.in_memory()
        >>> _ = service.add_company("Acme"), service.add_company("Bolt")
        >>> [c.name for c in service.find_companies(order=[Order("company.name", True)])]
        ['Bolt', 'Acme']
        """
        query = self._query(criteria, Entity.COMPANY, order, page)
        with self.uow() as uow:
            return uow.companies.find(query)

    def count_persons(self, criteria: Criterion | Query = ALWAYS) -> int:
        """How many persons match ``criteria``.

        >>> service = LeadService.in_memory()
        >>> _ = service.add_person("Ann")
        >>> service.count_persons()
        1
        """
        query = self._query(criteria, Entity.PERSON)
        with self.uow() as uow:
            return uow.persons.count(query)

    def count_companies(self, criteria: Criterion | Query = ALWAYS) -> int:
        """How many companies match ``criteria``.

        >>> LeadService.in_memory().count_companies()
        0
        """
        query = self._query(criteria, Entity.COMPANY)
        with self.uow() as uow:
            return uow.companies.count(query)

    def lead_status_view(self, person_id: PersonId, language: Language = "en") -> LeadStatusView:
        """The person's lead status as a card shows it: value, visible, editable, tooltip.

        Needs the lead-status feature.

        >>> service = LeadService.in_memory()
        >>> view = service.lead_status_view(service.add_person("Bo").id)
        >>> view.status_id, view.visible
        (None, False)
        """
        self._require_lead_status("showing a lead status")
        with self.uow() as uow:
            person = uow.persons.get(person_id)
            company = self._company_of(uow, person)
            return rules.lead_status_view(person, company, self._lists(uow), language)

    def person_history(self, person_id: PersonId) -> list[HistoryEntry]:
        """The person's status history, oldest first. Needs the lead-status feature.

        >>> service = LeadService.in_memory()
        >>> service.person_history(service.add_person("Bo").id)
        []
        """
        self._require_lead_status("reading the lead-status history")
        with self.uow() as uow:
            uow.persons.get(person_id)
            return uow.history.for_person(person_id)
