"""Companies and persons: adding them, categories (R3, R10), lead status (R1-R8)
and UTM data points (R12).

An area of :class:`leadcore.LeadService` (a mixin of it); the examples assume
``from leadcore import LeadService``.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from leadcore import rules
from leadcore.errors import ReadOnlyError, ValidationError
from leadcore.model import (
    AssociateId,
    CategoryId,
    Company,
    CompanyId,
    LeadStatusId,
    Person,
    PersonId,
    Utm,
)
from leadcore.ports import (
    UnitOfWork,
)
from leadcore.service._base import ServiceBase

__all__ = ["RecordsArea"]


class RecordsArea(ServiceBase):
    """Companies and persons: adding them, categories (R3, R10), lead status (R1-R8)"""

    __slots__ = ()

    def add_company(
        self,
        name: str,
        *,
        category_id: CategoryId | None = None,
        owner_id: AssociateId | None = None,
        source_utm: Utm | None = None,
    ) -> Company:
        """Add a company, with its source UTM (read-only once recorded).

        >>> service = LeadService.in_memory()
        >>> service.add_company("Acme", source_utm=Utm(source="fair")).source_utm.source
        'fair'
        """
        now = self.clock.now()
        with self._command() as command:
            lists = self._lists(command.uow)
            company = Company(
                CompanyId(self.ids.next_id("company")),
                name,
                category_id,
                registered=now,
                updated=now,
                owner_id=owner_id,
                source_utm=source_utm,
            )
            outcome = rules.create_company(company, lists.categories)
            created = command.uow.companies.add(outcome.companies[0])
        return created

    def add_person(
        self,
        first_name: str,
        last_name: str = "",
        *,
        company_id: CompanyId | None = None,
        category_id: CategoryId | None = None,
        email: str = "",
        owner_id: AssociateId | None = None,
        status_id: LeadStatusId | None = None,
        reason: str | None = None,
        first_touch_utm: Utm | None = None,
        lead_creation_utm: Utm | None = None,
        retired: bool = False,
    ) -> Person:
        """Add a person; under a lead-enabled category it starts Open (or ``status_id``).

        ``category_id`` is the own category of a person without company (R3).
        The UTM data points are recorded as given and read-only afterwards; the
        company gets each one it does not hold yet copied to its own first-touch
        and lead-creation data points, beside its source (R12). Giving
        ``status_id`` needs the lead-status feature and passes the transition policy.

        >>> service = LeadService.in_memory()
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> acme = service.add_company("Acme", category_id=lead)
        >>> ann = service.add_person("Ann", company_id=acme.id,
        ...                          first_touch_utm=Utm(source="google"))
        >>> company = service.get_company(acme.id)
        >>> company.first_touch_utm.source, company.source_utm
        ('google', None)
        """
        if status_id is not None:
            self._require_lead_status("choosing the lead status of a new person")
        now = self.clock.now()
        actor = self._actor()
        with self._command() as command:
            uow = command.uow
            lists = self._lists(uow)
            company = None if company_id is None else uow.companies.get(company_id)
            person = Person(
                PersonId(self.ids.next_id("person")),
                company_id,
                first_name,
                last_name,
                registered=now,
                updated=now,
                email=email,
                owner_id=owner_id,
                own_category_id=category_id,
                first_touch_utm=first_touch_utm,
                lead_creation_utm=lead_creation_utm,
                retired=retired,
            )
            outcome = rules.create_person(
                person,
                company,
                lists,
                actor,
                status_id=status_id,
                reason=reason,
                policy=self.policy,
            )
            created = uow.persons.add(outcome.persons[0])
            if outcome.history:
                uow.history.append(outcome.history)
            command.events.extend(outcome.events)
            copy_utm_to_company(uow, company, created, now)
        return created

    def record_person_utm(
        self,
        person_id: PersonId,
        *,
        first_touch: Utm | None = None,
        lead_creation: Utm | None = None,
    ) -> Person:
        """Record a UTM data point the person does not have yet (R12).

        A data point already recorded is read-only: :class:`leadcore.errors.ReadOnlyError`.
        The company gets it copied when it holds none of that kind yet (R12).

        >>> service = LeadService.in_memory()
        >>> bo = service.add_person("Bo")
        >>> service.record_person_utm(bo.id, lead_creation=Utm(campaign="spring")).version
        2
        >>> service.record_person_utm(bo.id, lead_creation=Utm(campaign="summer"))
        Traceback (most recent call last):
        ...
        leadcore.errors.ReadOnlyError: the lead-creation UTM of person ... is already recorded: ...
        """
        if first_touch is None and lead_creation is None:
            raise ValidationError(
                f"nothing to record for person {person_id}",
                why="both first_touch and lead_creation are None",
                fix="Pass first_touch= or lead_creation=",
                person_id=person_id,
            )
        now = self.clock.now()
        with self._command() as command:
            uow = command.uow
            person = uow.persons.get(person_id)
            for label, given, current in (
                ("first-touch", first_touch, person.first_touch_utm),
                ("lead-creation", lead_creation, person.lead_creation_utm),
            ):
                if given is not None and current is not None:
                    raise _utm_read_only(
                        f"the {label} UTM of person {person_id}", person_id=person_id
                    )
            changed = attrs.evolve(
                person,
                first_touch_utm=person.first_touch_utm or first_touch,
                lead_creation_utm=person.lead_creation_utm or lead_creation,
                updated=now,
            )
            saved = uow.persons.save(changed)
            copy_utm_to_company(uow, self._company_of(uow, person), saved, now)
        return saved

    def record_company_utm(self, company_id: CompanyId, source: Utm) -> Company:
        """Record the company-source UTM when the company has none yet; read-only after.

        >>> service = LeadService.in_memory()
        >>> acme = service.add_company("Acme")
        >>> service.record_company_utm(acme.id, Utm(source="fair")).source_utm.source
        'fair'
        """
        with self._command() as command:
            company = command.uow.companies.get(company_id)
            if company.source_utm is not None:
                raise _utm_read_only(
                    f"the source UTM of company {company_id}", company_id=company_id
                )
            changed = attrs.evolve(company, source_utm=source, updated=self.clock.now())
            saved = command.uow.companies.save(changed)
        return saved

    def change_company_category(
        self, company_id: CompanyId, category_id: CategoryId | None
    ) -> Company:
        """Move a company to a category; its persons are hidden or revealed as needed (R4, R5).

        >>> service = LeadService.in_memory()
        >>> cats = service.lists().categories
        >>> acme = service.add_company("Acme", category_id=cats.by_name("Customer").id)
        >>> bo = service.add_person("Bo", company_id=acme.id)
        >>> _ = service.change_company_category(acme.id, cats.by_name("Lead").id)
        >>> service.lead_status_view(bo.id).label         # revealed: starts Open (R5)
        'Open'
        """
        with self._command() as command:
            uow = command.uow
            company = uow.companies.get(company_id)
            outcome = rules.change_company_category(
                company,
                uow.persons.of_company(company_id),
                self._lists(uow),
                category_id,
                self._actor(),
                policy=self.policy,
            )
            command.apply(outcome)
        return command.companies.get(company_id, company)

    def move_company_to_next_category(self, company_id: CompanyId) -> Company:
        """Move the company to the next active category by rank (R10), with every cascade.

        At the last category: :class:`leadcore.errors.LastCategoryError`.

        >>> service = LeadService.in_memory()
        >>> cats = service.lists().categories
        >>> acme = service.add_company("Acme", category_id=cats.by_name("Lead").id)
        >>> cats.get(service.move_company_to_next_category(acme.id).category_id).name
        'Marketing qualified lead'
        """
        with self._command() as command:
            uow = command.uow
            company = uow.companies.get(company_id)
            outcome = rules.move_company_to_next_category(
                company,
                uow.persons.of_company(company_id),
                self._lists(uow),
                self._actor(),
                policy=self.policy,
            )
            command.apply(outcome)
        return command.companies.get(company_id, company)

    def set_person_category(self, person_id: PersonId, category_id: CategoryId | None) -> Person:
        """Set the own category of a person without company (R3).

        A person with a company inherits its category:
        :class:`leadcore.errors.InheritedCategoryError`.

        >>> service = LeadService.in_memory()
        >>> bo = service.add_person("Bo")
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> service.set_person_category(bo.id, lead).lead_status_id
        1
        """
        with self._command() as command:
            person = command.uow.persons.get(person_id)
            outcome = rules.set_person_category(
                person, self._lists(command.uow), category_id, self._actor(), policy=self.policy
            )
            command.apply(outcome)
        return command.persons.get(person_id, person)

    def move_person(
        self,
        person_id: PersonId,
        company_id: CompanyId | None,
        *,
        own_category_id: CategoryId | None = None,
    ) -> Person:
        """Move a person to another company, or out of any company (``company_id=None``).

        Leaving every company the person keeps its category as its own unless
        ``own_category_id`` names another.

        >>> service = LeadService.in_memory()
        >>> acme = service.add_company("Acme")
        >>> bo = service.add_person("Bo")
        >>> service.move_person(bo.id, acme.id).company_id == acme.id
        True
        """
        with self._command() as command:
            uow = command.uow
            person = uow.persons.get(person_id)
            from_company = self._company_of(uow, person)
            to_company = None if company_id is None else uow.companies.get(company_id)
            outcome = rules.move_person(
                person,
                from_company,
                to_company,
                self._lists(uow),
                self._actor(),
                own_category_id=own_category_id,
                policy=self.policy,
            )
            command.apply(outcome)
        return command.persons.get(person_id, person)

    def set_lead_status(
        self, person_id: PersonId, status_id: LeadStatusId, *, reason: str | None = None
    ) -> Person:
        """Set a visible person's lead status through the transition policy (R4, R8).

        Needs the lead-status feature. Setting the status the person already
        has changes and records nothing.

        >>> service = LeadService.in_memory()
        >>> bo = service.add_person("Bo")
        >>> service.set_lead_status(bo.id, LeadStatusId(2))
        Traceback (most recent call last):
        ...
        leadcore.errors.LeadStatusNotEditable: [R4] the lead status of person 1 is hidden ...
        """
        self._require_lead_status("setting a lead status")
        with self._command() as command:
            uow = command.uow
            person = uow.persons.get(person_id)
            outcome = rules.set_lead_status(
                person,
                self._company_of(uow, person),
                self._lists(uow),
                status_id,
                self._actor(),
                reason=reason,
                policy=self.policy,
            )
            command.apply(outcome)
        return command.persons.get(person_id, person)


def _utm_read_only(what: str, **context: object) -> ReadOnlyError:
    return ReadOnlyError(
        f"{what} is already recorded",
        why="UTM data points are read-only once recorded (R12)",
        fix="Keep the recorded value; record only data points that are still empty",
        **context,
    )


def copy_utm_to_company(
    uow: UnitOfWork, company: Company | None, person: Person, now: datetime
) -> Company | None:
    """R12: save the person's data points on its company where it has none yet
    (:func:`leadcore.rules.copy_utm_to_company`); returns the saved company, if changed."""
    changed = None if company is None else rules.copy_utm_to_company(company, person, now)
    return None if changed is None else uow.companies.save(changed)
