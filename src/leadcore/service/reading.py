"""Reading: the lists, criteria in the text form, one record or many, the person
card, finds (whole, by page, with companies), counts and grouped counts, the lead
status view and a person's history.

An area of :class:`leadcore.LeadService` (a mixin of it); the examples assume
``from leadcore import LeadService``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from leadcore import rules
from leadcore.criteria.ast import ALWAYS, Criterion
from leadcore.criteria.fields import Entity, ListKind
from leadcore.criteria.text import parse as parse_text
from leadcore.history import HistoryEntry
from leadcore.licence import Feature
from leadcore.model import (
    Category,
    CategoryGroup,
    Company,
    CompanyId,
    Language,
    Person,
    PersonId,
)
from leadcore.ports import (
    GroupedCounts,
    Order,
    Page,
    PageResult,
    Query,
    group_field,
)
from leadcore.rules import LeadStatusView, Lists
from leadcore.service._base import ServiceBase

__all__ = ["PersonCard", "ReadingArea"]


@attrs.frozen
class PersonCard:
    """What a person card shows, read in one unit of work.

    ``category`` is the effective category (the company's, or the person's own
    without company, R3) and ``category_group`` its group; ``lead_status`` is
    the lead status view, ``None`` when the licence lacks the lead-status feature.
    """

    person: Person
    company: Company | None
    category: Category | None
    category_group: CategoryGroup | None
    lead_status: LeadStatusView | None


class ReadingArea(ServiceBase):
    """Reading: the lists, criteria in the text form, records, finds, counts and cards."""

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

    def get_persons(self, person_ids: Iterable[PersonId]) -> list[Person]:
        """The stored persons, in the order given, in one unit of work.

        Raises :class:`leadcore.errors.NotFoundError` naming the first unknown id;
        an id given twice gives the person twice.

        >>> service = LeadService.in_memory()
        >>> ann, bo = service.add_person("Ann"), service.add_person("Bo")
        >>> [p.first_name for p in service.get_persons([bo.id, ann.id])]
        ['Bo', 'Ann']
        """
        with self.uow() as uow:
            return uow.persons.get_many(person_ids)

    def get_companies(self, company_ids: Iterable[CompanyId]) -> list[Company]:
        """The stored companies, in the order given (like :meth:`get_persons`).

        >>> service = LeadService.in_memory()
        >>> acme, bolt = service.add_company("Acme"), service.add_company("Bolt")
        >>> [c.name for c in service.get_companies([bolt.id, acme.id])]
        ['Bolt', 'Acme']
        """
        with self.uow() as uow:
            return uow.companies.get_many(company_ids)

    def person_card(self, person_id: PersonId, language: Language = "en") -> PersonCard:
        """The person, its company, its effective category and group, and the lead status
        view (``None`` without the lead-status feature), in one unit of work.

        >>> service = LeadService.in_memory()
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> acme = service.add_company("Acme", category_id=lead)
        >>> card = service.person_card(service.add_person("Ann", company_id=acme.id).id, "da")
        >>> card.company.name, card.category.name, card.category_group.label("da")
        ('Acme', 'Lead', 'Potentiel kunde')
        >>> card.lead_status.label, card.lead_status.editable
        ('Åben', True)
        """
        with self.uow() as uow:
            person = uow.persons.get(person_id)
            company = self._company_of(uow, person)
            lists = self._lists(uow)
            category_id = rules.effective_category_id(person, company)
            category = None
            if category_id is not None and category_id in lists.categories:
                category = lists.categories.get(category_id)
            view = None
            if self.licence.has(Feature.LEAD_STATUS):
                view = rules.lead_status_view(person, company, lists, language)
            return PersonCard(
                person=person,
                company=company,
                category=category,
                category_group=None if category is None else category.group,
                lead_status=view,
            )

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

    def find_persons_page(
        self,
        criteria: Criterion | Query = ALWAYS,
        *,
        order: Sequence[Order] = (),
        page: Page | None = None,
    ) -> PageResult[Person]:
        """One page of :meth:`find_persons` with the total number of matches.

        The total is counted, not materialized: ordered by id (no ``order``) the
        in-memory store reads only the page's rows.

        >>> service = LeadService.in_memory()
        >>> for name in ("Ann", "Bo", "Cy"):
        ...     _ = service.add_person(name)
        >>> result = service.find_persons_page(page=Page(offset=0, limit=2))
        >>> [p.first_name for p in result], result.total, result.has_more
        (['Ann', 'Bo'], 3, True)
        """
        query = self._query(criteria, Entity.PERSON, order, page)
        with self.uow() as uow:
            return uow.persons.find_page(query)

    def find_companies_page(
        self,
        criteria: Criterion | Query = ALWAYS,
        *,
        order: Sequence[Order] = (),
        page: Page | None = None,
    ) -> PageResult[Company]:
        """One page of :meth:`find_companies` with the total number of matches.

        >>> service = LeadService.in_memory()
        >>> _ = service.add_company("Acme"), service.add_company("Bolt")
        >>> result = service.find_companies_page(page=Page(offset=1, limit=5))
        >>> [c.name for c in result], result.total
        (['Bolt'], 2)
        """
        query = self._query(criteria, Entity.COMPANY, order, page)
        with self.uow() as uow:
            return uow.companies.find_page(query)

    def find_persons_with_companies(
        self,
        criteria: Criterion | Query = ALWAYS,
        *,
        order: Sequence[Order] = (),
        page: Page | None = None,
    ) -> list[tuple[Person, Company | None]]:
        """:meth:`find_persons`, each person with its company (``None`` without one).

        >>> service = LeadService.in_memory()
        >>> acme = service.add_company("Acme")
        >>> _ = service.add_person("Ann", company_id=acme.id), service.add_person("Bo")
        >>> [(p.first_name, c and c.name) for p, c in service.find_persons_with_companies()]
        [('Ann', 'Acme'), ('Bo', None)]
        """
        query = self._query(criteria, Entity.PERSON, order, page)
        with self.uow() as uow:
            return uow.persons.find_with_companies(query)

    def count_persons_by(
        self,
        field_key: str,
        criteria: Criterion | Query = ALWAYS,
        *,
        visible_only: bool = False,
    ) -> GroupedCounts:
        """How many persons match ``criteria`` per value of a list or owner field.

        ``field_key``: ``person.lead_status``, ``person.category``,
        ``person.category_group``, ``person.owner``, or ``company.category``,
        ``company.category_group``, ``company.owner``. Buckets come in list rank
        order (owners by id) with the ``None`` bucket last; ``visible_only``
        counts a lead status only where it is visible (R1) and reports the
        hidden ones in ``hidden``. Counting by lead status needs the
        lead-status feature, like criteria on it.

        >>> service = LeadService.in_memory()
        >>> lists = service.lists()
        >>> acme = service.add_company("Acme", category_id=lists.categories.by_name("Lead").id)
        >>> _ = service.add_person("Ann", company_id=acme.id), service.add_person("Bo")
        >>> counts = service.count_persons_by("person.lead_status")
        >>> counts[lists.statuses.by_key("open").id], counts[None], counts.total
        (1, 1, 2)
        """
        if group_field(field_key, Entity.PERSON, visible_only=visible_only) is (
            ListKind.LEAD_STATUS
        ):
            self._require_lead_status(f"counting by {field_key!r}")
        query = self._query(criteria, Entity.PERSON)
        with self.uow() as uow:
            return uow.persons.count_by(query, field_key, visible_only=visible_only)

    def count_companies_by(
        self, field_key: str, criteria: Criterion | Query = ALWAYS
    ) -> GroupedCounts:
        """How many companies match ``criteria`` per value of ``company.category``,
        ``company.category_group`` or ``company.owner`` (see :meth:`count_persons_by`).

        >>> service = LeadService.in_memory()
        >>> customer = service.lists().categories.by_name("Customer").id
        >>> _ = service.add_company("Acme", category_id=customer), service.add_company("Bolt")
        >>> counts = service.count_companies_by("company.category")
        >>> counts[customer], counts[None]
        (1, 1)
        """
        group_field(field_key, Entity.COMPANY)
        query = self._query(criteria, Entity.COMPANY)
        with self.uow() as uow:
            return uow.companies.count_by(query, field_key)

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

        A deleted person's history is kept and still read here; an id that never
        had a person or a history raises :class:`NotFoundError`.

        >>> service = LeadService.in_memory()
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> bo = service.add_person("Bo", category_id=lead)
        >>> [e.kind.value for e in service.person_history(bo.id)]
        ['change']
        >>> _ = service.delete_person(bo.id)
        >>> [e.kind.value for e in service.person_history(bo.id)]
        ['change']
        """
        self._require_lead_status("reading the lead-status history")
        with self.uow() as uow:
            entries = uow.history.for_person(person_id)
            if not entries:
                uow.persons.get(person_id)  # NotFoundError for an id that never was
            return entries
