"""Companies and persons: adding, editing, retiring and deleting them, categories
(R3, R10), lead status (R1-R8) and UTM data points (R12).

An area of :class:`leadcore.LeadService` (a mixin of it); the examples assume
``from leadcore import LeadService``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal, TypeVar

import attrs

from leadcore import rules
from leadcore.errors import CompanyHasPersons, ReadOnlyError, ValidationError
from leadcore.history import CompanyDeleted, PersonDeleted
from leadcore.model import (
    AssociateId,
    CategoryId,
    Company,
    CompanyId,
    LeadStatusId,
    Person,
    PersonId,
    SelectionId,
    Utm,
)
from leadcore.ports import (
    UnitOfWork,
)
from leadcore.selections import Members, StaticSelection
from leadcore.service._base import NOT_GIVEN, ServiceBase, Unchanged
from leadcore.service._core import Command
from leadcore.service.automation import after_status_set

__all__ = ["Deletion", "RecordsArea"]

_Owned = TypeVar("_Owned", Company, Person)


@attrs.frozen
class Deletion:
    """What a delete command did: the records deleted or moved, and the static
    selections that lost members (each saved with a new version)."""

    persons: tuple[PersonId, ...] = ()
    """The persons deleted, by id."""
    moved: tuple[PersonId, ...] = ()
    """The persons moved away from a deleted company, by id."""
    company: CompanyId | None = None
    """The company deleted, if any."""
    selections: tuple[SelectionId, ...] = ()
    """The static selections that lost a deleted member, by id."""


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

        ``owner_id`` must be a known, active associate
        (:class:`leadcore.errors.InactiveOwnerError` otherwise).

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
            self._check_owner(command.uow, company.owner_id)
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
        ``status_id`` needs the lead-status feature and passes the transition policy. ``owner_id``
        must be a known, active associate.

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
            self._check_owner(uow, person.owner_id)
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
        self,
        person_id: PersonId,
        status_id: LeadStatusId,
        *,
        reason: str | None = None,
        category_id: CategoryId | Unchanged | None = NOT_GIVEN,
    ) -> Person:
        """Set a visible person's lead status through the transition policy (R4, R8).

        Needs the lead-status feature. Setting the status the person already
        has changes and records nothing. A changed status fires the category
        automation rule of "lead status set to X" (R9, see
        :meth:`~leadcore.service.LeadService.add_automation_rule`); ``category_id``, a
        category the user picks in the same change, moves the company (or a person without company)
        there after the status is set and wins over the rule.

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
            lists = self._lists(uow)
            outcome = rules.set_lead_status(
                person,
                self._company_of(uow, person),
                lists,
                status_id,
                self._actor(),
                reason=reason,
                policy=self.policy,
            )
            command.apply(outcome)
            changed = command.persons.get(person_id, person)
            after_status_set(self, command, changed, bool(outcome.persons), category_id, lists)
        return command.persons.get(person_id, person)

    def edit_person(
        self,
        person_id: PersonId,
        *,
        first_name: str | Unchanged = NOT_GIVEN,
        last_name: str | Unchanged = NOT_GIVEN,
        email: str | Unchanged = NOT_GIVEN,
        owner_id: AssociateId | Unchanged | None = NOT_GIVEN,
    ) -> Person:
        """Change a person's names, e-mail or owner; a field not given stays as it is.

        ``owner_id=None`` clears the owner; a new owner must be a known, active
        associate. Changing nothing stores nothing (the version stays).

        >>> service = LeadService.in_memory()
        >>> ann = service.add_associate("Ann")
        >>> bo = service.add_person("Bo", "Berg")
        >>> bo = service.edit_person(bo.id, last_name="Birk", owner_id=ann.id)
        >>> bo.full_name, bo.owner_id == ann.id, bo.version
        ('Bo Birk', True, 2)
        >>> service.edit_person(bo.id, owner_id=None).owner_id is None
        True
        """
        changes = _given(first_name=first_name, last_name=last_name, email=email, owner_id=owner_id)
        return self._edit_person(person_id, changes)

    def retire_person(self, person_id: PersonId) -> Person:
        """Mark a person retired (no longer at the company); its lead status is kept.

        Retiring a retired person changes nothing.

        >>> service = LeadService.in_memory()
        >>> bo = service.add_person("Bo")
        >>> service.retire_person(bo.id).retired
        True
        >>> from leadcore.criteria.build import condition
        >>> service.count_persons(condition("person.retired", "is_true"))
        1
        """
        return self._edit_person(person_id, {"retired": True})

    def unretire_person(self, person_id: PersonId) -> Person:
        """Make a retired person active again.

        >>> service = LeadService.in_memory()
        >>> bo = service.add_person("Bo", retired=True)
        >>> service.unretire_person(bo.id).retired
        False
        """
        return self._edit_person(person_id, {"retired": False})

    def _edit_person(self, person_id: PersonId, changes: dict[str, Any]) -> Person:
        with self._command() as command:
            person = command.uow.persons.get(person_id)
            changed = self._edited(command.uow, person, changes)
            if changed is None:
                return person
            saved = command.uow.persons.save(changed)
        return saved

    def _edited(self, uow: UnitOfWork, current: _Owned, changes: dict[str, Any]) -> _Owned | None:
        """``current`` with ``changes`` and a new ``updated`` time, or None when nothing
        changes; a new owner must be an active associate."""
        owner = changes.get("owner_id", current.owner_id)
        if owner != current.owner_id:
            self._check_owner(uow, owner)
        changed = attrs.evolve(current, **changes)
        if changed == current:
            return None
        return attrs.evolve(changed, updated=self.clock.now())

    def edit_company(
        self,
        company_id: CompanyId,
        *,
        name: str | Unchanged = NOT_GIVEN,
        owner_id: AssociateId | Unchanged | None = NOT_GIVEN,
    ) -> Company:
        """Rename a company or change its owner; a field not given stays as it is.

        ``owner_id=None`` clears the owner; a new owner must be a known, active
        associate. Changing nothing stores nothing.

        >>> service = LeadService.in_memory()
        >>> acme = service.add_company("Acme")
        >>> service.edit_company(acme.id, name="Acme Ltd").name
        'Acme Ltd'
        >>> service.edit_company(acme.id, owner_id=AssociateId(9))
        Traceback (most recent call last):
        ...
        leadcore.errors.InactiveOwnerError: associate 9 cannot be an owner: it is unknown; ...
        """
        changes = _given(name=name, owner_id=owner_id)
        with self._command() as command:
            company = command.uow.companies.get(company_id)
            changed = self._edited(command.uow, company, changes)
            if changed is None:
                return company
            saved = command.uow.companies.save(changed)
        return saved

    def delete_person(self, person_id: PersonId) -> Deletion:
        """Delete a person: static selections lose it, its status history stays, and its
        id is never handed out again. Publishes :class:`leadcore.history.PersonDeleted`.

        >>> service = LeadService.in_memory()
        >>> bo = service.add_person("Bo")
        >>> service.delete_person(bo.id).persons == (bo.id,)
        True
        >>> service.get_person(bo.id)
        Traceback (most recent call last):
        ...
        leadcore.errors.NotFoundError: unknown person id 1: ...
        """
        with self._command() as command:
            uow = command.uow
            person = uow.persons.get(person_id)
            lost = _drop_members(uow, persons=(person_id,))
            uow.persons.delete(person)
            command.events.append(
                PersonDeleted(
                    person_id, person.company_id, self.clock.now(), self.associate, frozenset(lost)
                )
            )
        return Deletion(persons=(person_id,), selections=tuple(lost))

    def delete_company(
        self,
        company_id: CompanyId,
        *,
        persons: Literal["refuse", "move", "delete"] = "refuse",
        move_to: CompanyId | None = None,
    ) -> Deletion:
        """Delete a company; static selections lose it and its id is never handed out again.

        A company that still has persons is refused
        (:class:`leadcore.errors.CompanyHasPersons`, naming how many) unless
        ``persons="move"`` moves them to ``move_to`` (another company, or
        ``None`` for no company: each keeps its category as its own), through
        the rules as :meth:`move_person` would, or ``persons="delete"`` deletes
        them as :meth:`delete_person` would.

        >>> service = LeadService.in_memory()
        >>> acme, bolt = service.add_company("Acme"), service.add_company("Bolt")
        >>> bo = service.add_person("Bo", company_id=acme.id)
        >>> service.delete_company(acme.id)
        Traceback (most recent call last):
        ...
        leadcore.errors.CompanyHasPersons: company 1 still has 1 person(s): ...
        >>> service.delete_company(acme.id, persons="move", move_to=bolt.id).moved == (bo.id,)
        True
        >>> service.get_person(bo.id).company_id == bolt.id
        True
        """
        if persons not in ("refuse", "move", "delete"):
            raise ValidationError(
                f"unknown choice persons={persons!r}",
                why="a company's persons can be refused, moved or deleted",
                fix="Pass persons='refuse', 'move' or 'delete'",
                company_id=company_id,
            )
        if move_to is not None and persons != "move":
            raise ValidationError(
                "move_to given without persons='move'",
                why="move_to only says where the persons of a deleted company go",
                fix="Pass persons='move' with move_to, or leave move_to out",
                company_id=company_id,
            )
        with self._command() as command:
            uow = command.uow
            company = uow.companies.get(company_id)
            if move_to == company_id:
                raise ValidationError(
                    f"cannot move the persons of company {company_id} to itself",
                    why="it is the company being deleted",
                    fix="Pass another company id, or None for no company",
                    company_id=company_id,
                )
            members = uow.persons.of_company(company_id)
            if members and persons == "refuse":
                raise CompanyHasPersons(company_id, len(members))
            moving = persons == "move"
            if moving:
                self._move_all(command, company, members, move_to)
            deleted = () if moving else tuple(p.id for p in members)
            lost = _drop_members(uow, persons=deleted, companies=(company_id,))
            now = self.clock.now()
            for person_id in deleted:
                uow.persons.delete(uow.persons.get(person_id))
                held = frozenset(s for s, gone in lost.items() if person_id in gone.persons)
                command.events.append(
                    PersonDeleted(person_id, company_id, now, self.associate, held)
                )
            uow.companies.delete(uow.companies.get(company_id))
            held = frozenset(s for s, gone in lost.items() if company_id in gone.companies)
            command.events.append(CompanyDeleted(company_id, now, self.associate, held))
        return Deletion(
            persons=deleted,
            moved=tuple(p.id for p in members) if moving else (),
            company=company_id,
            selections=tuple(lost),
        )

    def _move_all(
        self,
        command: Command,
        company: Company,
        members: Iterable[Person],
        move_to: CompanyId | None,
    ) -> None:
        uow = command.uow
        to_company = None if move_to is None else uow.companies.get(move_to)
        lists = self._lists(uow)
        actor = self._actor()
        for person in members:
            outcome = rules.move_person(
                person, company, to_company, lists, actor, policy=self.policy
            )
            command.apply(outcome)


def _given(**values: object) -> dict[str, Any]:
    """The keyword arguments that were given (not :data:`NOT_GIVEN`)."""
    return {name: value for name, value in values.items() if value is not NOT_GIVEN}


def _drop_members(
    uow: UnitOfWork,
    *,
    persons: Iterable[PersonId] = (),
    companies: Iterable[CompanyId] = (),
) -> dict[SelectionId, Members]:
    """Remove deleted records from every static selection holding them; each such
    selection is saved once (its version goes up). Returns what each lost, by id."""
    gone = Members(companies=frozenset(companies), persons=frozenset(persons))
    lost: dict[SelectionId, Members] = {}
    for selection in uow.selections.all():
        if not isinstance(selection, StaticSelection):
            continue
        kept = selection.members - gone
        if kept != selection.members:
            uow.selections.save(attrs.evolve(selection, members=kept))
            lost[selection.id] = selection.members - kept
    return lost


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
