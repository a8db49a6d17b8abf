"""Companies (``service.companies``): reading them (one or many, finds, pages, counts)
and the commands on them (adding, editing and deleting, the category with every
cascade to its persons R3-R5 and R10, the source UTM R12).

>>> from leadcore import LeadService
>>> service = LeadService.in_memory()
>>> customer = service.lists().categories.by_name("Customer").id
>>> acme = service.companies.add("Acme", category_id=customer)
>>> service.companies.count_by("company.category")[customer]
1
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, Literal

import attrs

from leadcore import rules
from leadcore.criteria.fields import Entity
from leadcore.errors import CompanyHasPersons, ValidationError
from leadcore.history import CompanyDeleted, PersonDeleted
from leadcore.model import AssociateId, CategoryId, Company, CompanyId, Person, Utm
from leadcore.ports import UnitOfWork
from leadcore.queries import GroupedCounts, Query
from leadcore.service._context import NOT_GIVEN, Unchanged, check_version, given
from leadcore.service._core import Command
from leadcore.service._records import (
    Deletion,
    Records,
    Repository,
    drop_members,
    edited,
    utm_read_only,
)
from leadcore.workflows import stored

__all__ = ["Companies"]


def _drop_suggestions(uow: UnitOfWork, company_id: CompanyId) -> tuple[int, ...]:
    """Drop the pending automation suggestions of ``company_id`` (R9: a deleted company
    cannot be moved); the ids dropped."""
    pending = stored.load_suggestions(uow.settings)
    dropped = tuple(s.id for s in pending if s.company_id == company_id)
    if dropped:
        stored.save_suggestions(uow.settings, [s for s in pending if s.company_id != company_id])
    return dropped


class Companies(Records[Company, CompanyId], namespace="companies"):
    """The companies: the reader shared with persons (:meth:`get`, :meth:`get_many`,
    :meth:`find`, :meth:`find_page`, :meth:`count`, :meth:`count_by`) and the
    commands on companies."""

    __slots__ = ()

    entity: ClassVar[Entity] = Entity.COMPANY

    def _repository(self, uow: UnitOfWork) -> Repository[Company, CompanyId]:
        return uow.companies

    def _count_by(
        self, uow: UnitOfWork, query: Query, field_key: str, visible_only: bool
    ) -> GroupedCounts:
        return uow.companies.count_by(query, field_key)

    def add(
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

        >>> from leadcore import LeadService, Utm
        >>> service = LeadService.in_memory()
        >>> service.companies.add("Acme", source_utm=Utm(source="fair")).source_utm.source
        'fair'
        """
        context = self._context
        now = context.clock.now()
        with context.command() as command:
            lists = context.lists(command.uow)
            company = Company(
                CompanyId(context.ids.next_id("company")),
                name,
                category_id,
                registered=now,
                updated=now,
                owner_id=owner_id,
                source_utm=source_utm,
            )
            context.check_owner(command.uow, company.owner_id)
            outcome = rules.create_company(company, lists.categories)
            created = command.uow.companies.add(outcome.companies[0])
        return created

    def edit(
        self,
        company_id: CompanyId,
        *,
        name: str | Unchanged = NOT_GIVEN,
        owner_id: AssociateId | Unchanged | None = NOT_GIVEN,
        expected_version: int | None = None,
    ) -> Company:
        """Rename a company or change its owner; a field not given stays as it is.

        ``owner_id=None`` clears the owner; a new owner must be a known, active
        associate. Changing nothing stores nothing.

        ``expected_version``: the version the change is made against (``None``: any);
        another version stored now is a :class:`leadcore.errors.ConflictError`
        (``retryable`` false) and nothing changes.

        >>> from leadcore import AssociateId, LeadService
        >>> service = LeadService.in_memory()
        >>> acme = service.companies.add("Acme")
        >>> service.companies.edit(acme.id, name="Acme Ltd").name
        'Acme Ltd'
        >>> service.companies.edit(acme.id, owner_id=AssociateId(9))
        Traceback (most recent call last):
        ...
        leadcore.errors.InactiveOwnerError: associate 9 cannot be an owner: it is unknown; ...
        """
        changes = given(name=name, owner_id=owner_id)
        with self._context.command() as command:
            company = command.uow.companies.get(company_id)
            check_version("company", company, expected_version)
            changed = edited(self._context, command.uow, company, changes)
            if changed is None:
                return company
            saved = command.uow.companies.save(changed)
        return saved

    def change_category(
        self,
        company_id: CompanyId,
        category_id: CategoryId | None,
        *,
        expected_version: int | None = None,
    ) -> Company:
        """Move a company to a category; its persons are hidden or revealed as needed (R4, R5).

        ``expected_version``: the version the change is made against (``None``: any);
        another version stored now is a :class:`leadcore.errors.ConflictError`
        (``retryable`` false) and nothing changes.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> cats = service.lists().categories
        >>> acme = service.companies.add("Acme", category_id=cats.by_name("Customer").id)
        >>> bo = service.persons.add("Bo", company_id=acme.id)
        >>> _ = service.companies.change_category(acme.id, cats.by_name("Lead").id)
        >>> service.persons.lead_status_view(bo.id).label         # revealed: starts Open (R5)
        'Open'
        >>> service.companies.change_category(acme.id, None, expected_version=1).category_id
        Traceback (most recent call last):
        ...
        leadcore.errors.ConflictError: company 1 is at version 2, not the expected version 1: ...
        """
        context = self._context
        with context.command() as command:
            uow = command.uow
            company = uow.companies.get(company_id)
            check_version("company", company, expected_version)
            outcome = rules.change_company_category(
                company,
                uow.persons.of_company(company_id),
                context.lists(uow),
                category_id,
                context.actor(),
                policy=context.policy,
            )
            command.apply(outcome)
        return command.companies.get(company_id, company)

    def move_to_next_category(
        self, company_id: CompanyId, *, expected_version: int | None = None
    ) -> Company:
        """Move the company to the next active category by rank (R10), with every cascade.

        At the last category: :class:`leadcore.errors.LastCategoryError`.

        ``expected_version``: the version the change is made against (``None``: any);
        another version stored now is a :class:`leadcore.errors.ConflictError`
        (``retryable`` false) and nothing changes.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> cats = service.lists().categories
        >>> acme = service.companies.add("Acme", category_id=cats.by_name("Lead").id)
        >>> cats.get(service.companies.move_to_next_category(acme.id).category_id).name
        'Marketing qualified lead'
        """
        context = self._context
        with context.command() as command:
            uow = command.uow
            company = uow.companies.get(company_id)
            check_version("company", company, expected_version)
            outcome = rules.move_company_to_next_category(
                company,
                uow.persons.of_company(company_id),
                context.lists(uow),
                context.actor(),
                policy=context.policy,
            )
            command.apply(outcome)
        return command.companies.get(company_id, company)

    def record_utm(
        self, company_id: CompanyId, source: Utm, *, expected_version: int | None = None
    ) -> Company:
        """Record the company-source UTM when the company has none yet; read-only after.

        ``expected_version``: the version the change is made against (``None``: any);
        another version stored now is a :class:`leadcore.errors.ConflictError`
        (``retryable`` false) and nothing changes.

        >>> from leadcore import LeadService, Utm
        >>> service = LeadService.in_memory()
        >>> acme = service.companies.add("Acme")
        >>> service.companies.record_utm(acme.id, Utm(source="fair")).source_utm.source
        'fair'
        """
        with self._context.command() as command:
            company = command.uow.companies.get(company_id)
            check_version("company", company, expected_version)
            if company.source_utm is not None:
                raise utm_read_only(
                    f"the source UTM of company {company_id}", company_id=company_id
                )
            changed = attrs.evolve(company, source_utm=source, updated=self._context.clock.now())
            saved = command.uow.companies.save(changed)
        return saved

    def delete(
        self,
        company_id: CompanyId,
        *,
        persons: Literal["refuse", "move", "delete"] = "refuse",
        move_to: CompanyId | None = None,
        expected_version: int | None = None,
    ) -> Deletion:
        """Delete a company; static selections lose it, its pending automation suggestions
        are dropped, and its id is never handed out again.

        A company that still has persons is refused
        (:class:`leadcore.errors.CompanyHasPersons`, naming how many) unless
        ``persons="move"`` moves them to ``move_to`` (another company, or
        ``None`` for no company: each keeps its category as its own), through
        the rules as :meth:`leadcore.service.persons.Persons.move` would, or
        ``persons="delete"`` deletes them as
        :meth:`leadcore.service.persons.Persons.delete` would.

        ``expected_version``: the version the change is made against (``None``: any);
        another version stored now is a :class:`leadcore.errors.ConflictError`
        (``retryable`` false) and nothing changes.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> acme, bolt = service.companies.add("Acme"), service.companies.add("Bolt")
        >>> bo = service.persons.add("Bo", company_id=acme.id)
        >>> service.companies.delete(acme.id)
        Traceback (most recent call last):
        ...
        leadcore.errors.CompanyHasPersons: company 1 still has 1 person(s): ...
        >>> service.companies.delete(acme.id, persons="move", move_to=bolt.id).moved == (bo.id,)
        True
        >>> service.persons.get(bo.id).company_id == bolt.id
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
        context = self._context
        with context.command() as command:
            uow = command.uow
            company = uow.companies.get(company_id)
            check_version("company", company, expected_version)
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
            lost = drop_members(uow, persons=deleted, companies=(company_id,))
            now = context.clock.now()
            for person_id in deleted:
                uow.persons.delete(uow.persons.get(person_id))
                held = frozenset(s for s, gone in lost.items() if person_id in gone.persons)
                command.events.append(
                    PersonDeleted(person_id, company_id, now, context.associate, held)
                )
            uow.companies.delete(uow.companies.get(company_id))
            held = frozenset(s for s, gone in lost.items() if company_id in gone.companies)
            command.events.append(CompanyDeleted(company_id, now, context.associate, held))
            dropped = _drop_suggestions(uow, company_id)
        return Deletion(
            persons=deleted,
            moved=tuple(p.id for p in members) if moving else (),
            company=company_id,
            selections=tuple(lost),
            suggestions=dropped,
        )

    def _move_all(
        self,
        command: Command,
        company: Company,
        members: Iterable[Person],
        move_to: CompanyId | None,
    ) -> None:
        context = self._context
        uow = command.uow
        to_company = None if move_to is None else uow.companies.get(move_to)
        lists = context.lists(uow)
        actor = context.actor()
        for person in members:
            outcome = rules.move_person(
                person, company, to_company, lists, actor, policy=context.policy
            )
            command.apply(outcome)
