"""Persons (``service.persons``): reading them (one or many, finds, pages, counts, the
person card, the lead status view, the history) and the commands on them (adding,
editing, moving, retiring and deleting, the own category of a person without
company R3, the lead status R1-R8, UTM data points R12).

>>> from leadcore import LeadService
>>> service = LeadService.in_memory()
>>> lead = service.lists().categories.by_name("Lead").id
>>> ann = service.persons.add("Ann", "Ash", category_id=lead)
>>> service.persons.lead_status_view(ann.id).label
'Open'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from leadcore import rules
from leadcore.criteria.ast import ALWAYS, Criterion
from leadcore.criteria.fields import Entity
from leadcore.errors import ValidationError
from leadcore.history import HistoryEntry, PersonDeleted
from leadcore.licence import Feature
from leadcore.model import (
    AssociateId,
    CategoryId,
    Company,
    CompanyId,
    Language,
    LeadStatusId,
    Person,
    PersonId,
    Utm,
)
from leadcore.ports import UnitOfWork
from leadcore.queries import GroupedCounts, Order, Page, Query
from leadcore.rules import LeadStatusView
from leadcore.service._context import NOT_GIVEN, Context, Unchanged, check_version, given
from leadcore.service._records import (
    Deletion,
    Records,
    Repository,
    copy_utm_to_company,
    drop_members,
    edited,
    utm_read_only,
)
from leadcore.views.cards import PersonCard, person_card

if TYPE_CHECKING:
    from leadcore.service.automation import Automation

__all__ = ["Persons"]


class Persons(Records[Person, PersonId], namespace="persons"):
    """The persons: the reader shared with companies (:meth:`get`, :meth:`get_many`,
    :meth:`find`, :meth:`find_page`, :meth:`count`, :meth:`count_by`), what only
    persons have (cards, lead status, history) and the commands on them.

    A lead status set here fires the category automation (R9) through the
    ``automation`` resource it is given.
    """

    __slots__ = ("_automation",)

    entity: ClassVar[Entity] = Entity.PERSON

    def __init__(self, context: Context, automation: Automation) -> None:
        super().__init__(context)
        self._automation = automation

    def _repository(self, uow: UnitOfWork) -> Repository[Person, PersonId]:
        return uow.persons

    def _count_by(
        self, uow: UnitOfWork, query: Query, field_key: str, visible_only: bool
    ) -> GroupedCounts:
        return uow.persons.count_by(query, field_key, visible_only=visible_only)

    # --- reading ----------------------------------------------------------------------------

    def find_with_companies(
        self,
        criteria: Criterion | Query = ALWAYS,
        *,
        order: Sequence[Order] = (),
        page: Page | None = None,
    ) -> list[tuple[Person, Company | None]]:
        """:meth:`find`, each person with its company (``None`` without one).

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> acme = service.companies.add("Acme")
        >>> _ = service.persons.add("Ann", company_id=acme.id), service.persons.add("Bo")
        >>> [(p.first_name, c and c.name) for p, c in service.persons.find_with_companies()]
        [('Ann', 'Acme'), ('Bo', None)]
        """
        query = self._context.query(criteria, Entity.PERSON, order, page)
        with self._context.uow() as uow:
            return uow.persons.find_with_companies(query)

    def of_company(self, company_id: CompanyId) -> list[Person]:
        """Every person of the company, by id (the company's contacts tab, unfiltered).

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> acme = service.companies.add("Acme")
        >>> _ = service.persons.add("Ann", company_id=acme.id), service.persons.add("Bo")
        >>> [p.first_name for p in service.persons.of_company(acme.id)]
        ['Ann']
        """
        with self._context.uow() as uow:
            uow.companies.get(company_id)
            return uow.persons.of_company(company_id)

    def card(self, person_id: PersonId, language: Language = "en") -> PersonCard:
        """The person, its company, its effective category and group, and the lead status
        view (``None`` without the lead-status feature), in one unit of work.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> acme = service.companies.add("Acme", category_id=lead)
        >>> card = service.persons.card(service.persons.add("Ann", company_id=acme.id).id, "da")
        >>> card.company.name, card.category.name, card.category_group.label("da")
        ('Acme', 'Lead', 'Potentiel kunde')
        >>> card.lead_status.label, card.lead_status.editable
        ('Åben', True)
        """
        context = self._context
        with context.uow() as uow:
            person = uow.persons.get(person_id)
            company = context.company_of(uow, person)
            lists = context.lists(uow)
        return person_card(
            person, company, lists, language, lead_status=context.licence.has(Feature.LEAD_STATUS)
        )

    def lead_status_view(self, person_id: PersonId, language: Language = "en") -> LeadStatusView:
        """The person's lead status as a card shows it: value, visible, editable, tooltip.

        Needs the lead-status feature.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> view = service.persons.lead_status_view(service.persons.add("Bo").id)
        >>> view.status_id, view.visible
        (None, False)
        """
        context = self._context
        context.require_lead_status("showing a lead status")
        with context.uow() as uow:
            person = uow.persons.get(person_id)
            company = context.company_of(uow, person)
            return rules.lead_status_view(person, company, context.lists(uow), language)

    def history(self, person_id: PersonId) -> list[HistoryEntry]:
        """The person's status history, oldest first. Needs the lead-status feature.

        A deleted person's history is kept and still read here (``[]`` for one that
        never had a status, as before its deletion: the store remembers the ids it
        deleted); an id that never had a person or a history raises
        :class:`leadcore.errors.NotFoundError`.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> bo = service.persons.add("Bo", category_id=lead)
        >>> cy = service.persons.add("Cy")  # no category: no status
        >>> [e.kind.value for e in service.persons.history(bo.id)]
        ['change']
        >>> _ = service.persons.delete(bo.id), service.persons.delete(cy.id)
        >>> [e.kind.value for e in service.persons.history(bo.id)], service.persons.history(cy.id)
        (['change'], [])
        """
        self._context.require_lead_status("reading the lead-status history")
        with self._context.uow() as uow:
            entries = uow.history.for_person(person_id)
            if not entries and not uow.persons.was_deleted(person_id):
                uow.persons.get(person_id)  # NotFoundError for an id that never was
            return entries

    # --- commands ---------------------------------------------------------------------------

    def add(
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
        ``status_id`` needs the lead-status feature and passes the transition policy. ``owner_id``
        must be a known, active associate.

        >>> from leadcore import LeadService, Utm
        >>> service = LeadService.in_memory()
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> acme = service.companies.add("Acme", category_id=lead)
        >>> ann = service.persons.add("Ann", company_id=acme.id,
        ...                           first_touch_utm=Utm(source="google"))
        >>> company = service.companies.get(acme.id)
        >>> company.first_touch_utm.source, company.source_utm
        ('google', None)
        """
        context = self._context
        if status_id is not None:
            context.require_lead_status("choosing the lead status of a new person")
        now = context.clock.now()
        actor = context.actor()
        with context.command() as command:
            uow = command.uow
            lists = context.lists(uow)
            company = None if company_id is None else uow.companies.get(company_id)
            person = Person(
                PersonId(context.ids.next_id("person")),
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
            context.check_owner(uow, person.owner_id)
            outcome = rules.create_person(
                person,
                company,
                lists,
                actor,
                status_id=status_id,
                reason=reason,
                policy=context.policy,
            )
            created = uow.persons.add(outcome.persons[0])
            if outcome.history:
                uow.history.append(outcome.history)
            command.events.extend(outcome.events)
            copy_utm_to_company(uow, company, created, now)
        return created

    def record_utm(
        self,
        person_id: PersonId,
        *,
        first_touch: Utm | None = None,
        lead_creation: Utm | None = None,
        expected_version: int | None = None,
    ) -> Person:
        """Record a UTM data point the person does not have yet (R12).

        A data point already recorded is read-only: :class:`leadcore.errors.ReadOnlyError`.
        The company gets it copied when it holds none of that kind yet (R12).

        ``expected_version``: the version the change is made against (``None``: any);
        another version stored now is a :class:`leadcore.errors.ConflictError`
        (``retryable`` false) and nothing changes.

        >>> from leadcore import LeadService, Utm
        >>> service = LeadService.in_memory()
        >>> bo = service.persons.add("Bo")
        >>> service.persons.record_utm(bo.id, lead_creation=Utm(campaign="spring")).version
        2
        >>> service.persons.record_utm(bo.id, lead_creation=Utm(campaign="summer"))
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
        context = self._context
        now = context.clock.now()
        with context.command() as command:
            uow = command.uow
            person = uow.persons.get(person_id)
            check_version("person", person, expected_version)
            for label, given_utm, current in (
                ("first-touch", first_touch, person.first_touch_utm),
                ("lead-creation", lead_creation, person.lead_creation_utm),
            ):
                if given_utm is not None and current is not None:
                    raise utm_read_only(
                        f"the {label} UTM of person {person_id}", person_id=person_id
                    )
            changed = attrs.evolve(
                person,
                first_touch_utm=person.first_touch_utm or first_touch,
                lead_creation_utm=person.lead_creation_utm or lead_creation,
                updated=now,
            )
            saved = uow.persons.save(changed)
            copy_utm_to_company(uow, context.company_of(uow, person), saved, now)
        return saved

    def set_category(
        self,
        person_id: PersonId,
        category_id: CategoryId | None,
        *,
        expected_version: int | None = None,
    ) -> Person:
        """Set the own category of a person without company (R3).

        A person with a company inherits its category:
        :class:`leadcore.errors.InheritedCategoryError`.

        ``expected_version``: the version the change is made against (``None``: any);
        another version stored now is a :class:`leadcore.errors.ConflictError`
        (``retryable`` false) and nothing changes.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> bo = service.persons.add("Bo")
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> service.persons.set_category(bo.id, lead).lead_status_id
        1
        """
        context = self._context
        with context.command() as command:
            person = command.uow.persons.get(person_id)
            check_version("person", person, expected_version)
            outcome = rules.set_person_category(
                person,
                context.lists(command.uow),
                category_id,
                context.actor(),
                policy=context.policy,
            )
            command.apply(outcome)
        return command.persons.get(person_id, person)

    def move(
        self,
        person_id: PersonId,
        company_id: CompanyId | None,
        *,
        own_category_id: CategoryId | None = None,
        expected_version: int | None = None,
    ) -> Person:
        """Move a person to another company, or out of any company (``company_id=None``).

        Leaving every company the person keeps its category as its own unless
        ``own_category_id`` names another.

        ``expected_version``: the version the change is made against (``None``: any);
        another version stored now is a :class:`leadcore.errors.ConflictError`
        (``retryable`` false) and nothing changes.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> acme = service.companies.add("Acme")
        >>> bo = service.persons.add("Bo")
        >>> service.persons.move(bo.id, acme.id).company_id == acme.id
        True
        """
        context = self._context
        with context.command() as command:
            uow = command.uow
            person = uow.persons.get(person_id)
            check_version("person", person, expected_version)
            from_company = context.company_of(uow, person)
            to_company = None if company_id is None else uow.companies.get(company_id)
            outcome = rules.move_person(
                person,
                from_company,
                to_company,
                context.lists(uow),
                context.actor(),
                own_category_id=own_category_id,
                policy=context.policy,
            )
            command.apply(outcome)
        return command.persons.get(person_id, person)

    def set_lead_status(
        self,
        person_id: PersonId,
        status_id: LeadStatusId,
        *,
        reason: str | None = None,
        category_id: CategoryId | Unchanged | None = NOT_GIVEN,
        expected_version: int | None = None,
    ) -> Person:
        """Set a visible person's lead status through the transition policy (R4, R8).

        Needs the lead-status feature. Setting the status the person already
        has changes and records nothing. A changed status fires the category
        automation rule of "lead status set to X" (R9, see
        :meth:`leadcore.service.automation.Automation.add_rule`); ``category_id``, a
        category the user picks in the same change, moves the company (or a person without company)
        there after the status is set and wins over the rule.

        ``expected_version``: the version the change is made against (``None``: any);
        another version stored now is a :class:`leadcore.errors.ConflictError`
        (``retryable`` false) and nothing changes.

        >>> from leadcore import LeadService, LeadStatusId
        >>> service = LeadService.in_memory()
        >>> bo = service.persons.add("Bo")
        >>> service.persons.set_lead_status(bo.id, LeadStatusId(2))
        Traceback (most recent call last):
        ...
        leadcore.errors.LeadStatusNotEditable: [R4] the lead status of person 1 is hidden ...
        """
        context = self._context
        context.require_lead_status("setting a lead status")
        with context.command() as command:
            uow = command.uow
            person = uow.persons.get(person_id)
            check_version("person", person, expected_version)
            lists = context.lists(uow)
            outcome = rules.set_lead_status(
                person,
                context.company_of(uow, person),
                lists,
                status_id,
                context.actor(),
                reason=reason,
                policy=context.policy,
            )
            command.apply(outcome)
            changed = command.persons.get(person_id, person)
            self._automation.after_status_set(
                command, changed, bool(outcome.persons), category_id, lists
            )
        return command.persons.get(person_id, person)

    def edit(
        self,
        person_id: PersonId,
        *,
        first_name: str | Unchanged = NOT_GIVEN,
        last_name: str | Unchanged = NOT_GIVEN,
        email: str | Unchanged = NOT_GIVEN,
        owner_id: AssociateId | Unchanged | None = NOT_GIVEN,
        expected_version: int | None = None,
    ) -> Person:
        """Change a person's names, e-mail or owner; a field not given stays as it is.

        ``owner_id=None`` clears the owner; a new owner must be a known, active
        associate. Changing nothing stores nothing (the version stays).

        ``expected_version``: the version the change is made against (``None``: any);
        another version stored now is a :class:`leadcore.errors.ConflictError`
        (``retryable`` false) and nothing changes.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> ann = service.associates.add("Ann")
        >>> bo = service.persons.add("Bo", "Berg")
        >>> bo = service.persons.edit(bo.id, last_name="Birk", owner_id=ann.id)
        >>> bo.full_name, bo.owner_id == ann.id, bo.version
        ('Bo Birk', True, 2)
        >>> service.persons.edit(bo.id, owner_id=None).owner_id is None
        True
        >>> service.persons.edit(bo.id, email="bo@example.com", expected_version=2)
        Traceback (most recent call last):
        ...
        leadcore.errors.ConflictError: person 1 is at version 3, not the expected version 2: ...
        """
        changes = given(first_name=first_name, last_name=last_name, email=email, owner_id=owner_id)
        return self._edit(person_id, changes, expected_version)

    def retire(self, person_id: PersonId, *, expected_version: int | None = None) -> Person:
        """Mark a person retired (no longer at the company); its lead status is kept.

        Retiring a retired person changes nothing.

        ``expected_version``: the version the change is made against (``None``: any);
        another version stored now is a :class:`leadcore.errors.ConflictError`
        (``retryable`` false) and nothing changes.

        >>> from leadcore import LeadService
        >>> from leadcore.criteria.build import condition
        >>> service = LeadService.in_memory()
        >>> bo = service.persons.add("Bo")
        >>> service.persons.retire(bo.id).retired
        True
        >>> service.persons.count(condition("person.retired", "is_true"))
        1
        """
        return self._edit(person_id, {"retired": True}, expected_version)

    def unretire(self, person_id: PersonId, *, expected_version: int | None = None) -> Person:
        """Make a retired person active again.

        ``expected_version``: the version the change is made against (``None``: any);
        another version stored now is a :class:`leadcore.errors.ConflictError`
        (``retryable`` false) and nothing changes.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> bo = service.persons.add("Bo", retired=True)
        >>> service.persons.unretire(bo.id).retired
        False
        """
        return self._edit(person_id, {"retired": False}, expected_version)

    def _edit(
        self, person_id: PersonId, changes: dict[str, Any], expected_version: int | None
    ) -> Person:
        with self._context.command() as command:
            person = command.uow.persons.get(person_id)
            check_version("person", person, expected_version)
            changed = edited(self._context, command.uow, person, changes)
            if changed is None:
                return person
            saved = command.uow.persons.save(changed)
        return saved

    def delete(self, person_id: PersonId, *, expected_version: int | None = None) -> Deletion:
        """Delete a person: static selections lose it, its status history stays, and its
        id is never handed out again. Publishes :class:`leadcore.history.PersonDeleted`.

        ``expected_version``: the version the change is made against (``None``: any);
        another version stored now is a :class:`leadcore.errors.ConflictError`
        (``retryable`` false) and nothing changes.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> bo = service.persons.add("Bo")
        >>> service.persons.delete(bo.id).persons == (bo.id,)
        True
        >>> service.persons.get(bo.id)
        Traceback (most recent call last):
        ...
        leadcore.errors.NotFoundError: unknown person id 1: ...
        """
        context = self._context
        with context.command() as command:
            uow = command.uow
            person = uow.persons.get(person_id)
            check_version("person", person, expected_version)
            lost = drop_members(uow, persons=(person_id,))
            uow.persons.delete(person)
            command.events.append(
                PersonDeleted(
                    person_id,
                    person.company_id,
                    context.clock.now(),
                    context.associate,
                    frozenset(lost),
                )
            )
        return Deletion(persons=(person_id,), selections=tuple(lost))
