"""Selections (``service.selections``): static, dynamic and combined, their members
and the company and person mapping; see docs/selections.md.

>>> from leadcore import LeadService
>>> service = LeadService.in_memory()
>>> bo = service.persons.add("Bo")
>>> fair = service.selections.create_static("Fair", persons=[bo.id])
>>> service.selections.members(fair.id).persons == {bo.id}
True
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from leadcore.criteria.ast import Criterion
from leadcore.criteria.fields import Entity
from leadcore.errors import ValidationError
from leadcore.model import (
    CompanyId,
    PersonId,
    SelectionId,
)
from leadcore.ports import (
    UnitOfWork,
)
from leadcore.selections import (
    CombinedSelection,
    CompanyPersons,
    DynamicSelection,
    Members,
    Operation,
    Selection,
    SelectionInUseError,
    SelectionKindError,
    StaticSelection,
    Target,
    check_acyclic,
    default_entity,
    inputs_of,
    kind_of,
    project,
    resolve,
)
from leadcore.service._context import check_version
from leadcore.service._core import Command, RepositorySource
from leadcore.service._resource import Resource

__all__ = ["Selections"]


class Selections(Resource, namespace="selections"):
    """Selections: static, dynamic and combined, their members and the company and
    person mapping."""

    __slots__ = ()

    def _source(self, uow: UnitOfWork) -> RepositorySource:
        return self._context.member_source(uow)

    def _add_selection(self, command: Command, selection: Selection) -> Selection:
        return command.uow.selections.add(selection)

    def create_static(
        self,
        name: str,
        target: Target = Target.PERSONS,
        *,
        companies: Iterable[CompanyId] = (),
        persons: Iterable[PersonId] = (),
        company_persons: CompanyPersons = CompanyPersons.ALL,
    ) -> StaticSelection:
        """Save a static selection filled by hand (see :meth:`add_members`).

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> bo = service.persons.add("Bo")
        >>> fair = service.selections.create_static("Fair", persons=[bo.id])
        >>> sorted(service.selections.members(fair.id).persons) == [bo.id]
        True
        """
        with self._context.command() as command:
            members = self._mapped_members(command.uow, target, company_persons, companies, persons)
            selection = StaticSelection(
                SelectionId(self._context.ids.next_id("selection")),
                name,
                target,
                members,
                company_persons,
                owner_id=self._context.associate,
            )
            saved = self._add_selection(command, selection)
        assert isinstance(saved, StaticSelection)
        return saved

    def create_dynamic(
        self,
        name: str,
        criteria: Criterion,
        target: Target = Target.PERSONS,
        *,
        entity: Entity | None = None,
        company_persons: CompanyPersons = CompanyPersons.ALL,
    ) -> DynamicSelection:
        """Save criteria as a selection, evaluated on every read.

        ``entity`` is what the criteria search (persons for a persons
        selection, companies otherwise, unless given).

        >>> from leadcore.criteria.build import condition
        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> b = service.selections.create_dynamic("B", condition("person.last_name", "begins", "b"))
        >>> _ = service.persons.add("Bo", "Berg")
        >>> len(service.selections.members(b.id).persons)
        1
        """
        with self._context.command() as command:
            selection = DynamicSelection(
                SelectionId(self._context.ids.next_id("selection")),
                name,
                target,
                criteria,
                company_persons=company_persons,
                owner_id=self._context.associate,
                entity=default_entity(target) if entity is None else entity,
            )
            self._context.query(criteria, selection.entity)
            saved = self._add_selection(command, selection)
        assert isinstance(saved, DynamicSelection)
        return saved

    def create_combined(
        self,
        name: str,
        first: SelectionId,
        second: SelectionId,
        operation: Operation,
        target: Target = Target.PERSONS,
        *,
        company_persons: CompanyPersons = CompanyPersons.ALL,
    ) -> CombinedSelection:
        """Save two selections of any kind joined by ``operation``.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> a, b = service.persons.add("A"), service.persons.add("B")
        >>> s1 = service.selections.create_static("1", persons=[a.id, b.id])
        >>> s2 = service.selections.create_static("2", persons=[b.id])
        >>> c = service.selections.create_combined("1-2", s1.id, s2.id, Operation.ONLY_FIRST)
        >>> service.selections.members(c.id).persons == {a.id}
        True
        """
        with self._context.command() as command:
            selection = CombinedSelection(
                SelectionId(self._context.ids.next_id("selection")),
                name,
                target,
                first,
                second,
                operation,
                company_persons=company_persons,
                owner_id=self._context.associate,
            )
            source = self._source(command.uow)
            check_acyclic(selection, source.selection)
            saved = self._add_selection(command, selection)
        assert isinstance(saved, CombinedSelection)
        return saved

    def change_combined(
        self,
        selection_id: SelectionId,
        *,
        first: SelectionId | None = None,
        second: SelectionId | None = None,
        operation: Operation | None = None,
        expected_version: int | None = None,
    ) -> CombinedSelection:
        """Change the inputs or the operation of a combined selection; cycles are refused.

        ``expected_version``: the version the change is made against (``None``: any);
        another version stored now is a :class:`leadcore.errors.ConflictError`
        (``retryable`` false) and nothing changes.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> s1 = service.selections.create_static("1")
        >>> c = service.selections.create_combined("c", s1.id, s1.id, Operation.ALL)
        >>> service.selections.change_combined(c.id, operation=Operation.COMMON).operation.value
        'common'
        """
        with self._context.command() as command:
            source = self._source(command.uow)
            current = source.selection(selection_id)
            check_version("selection", current, expected_version)
            if not isinstance(current, CombinedSelection):
                raise SelectionKindError(selection_id, kind_of(current), "combined", "re-combine")
            changed = attrs.evolve(
                current,
                first=current.first if first is None else first,
                second=current.second if second is None else second,
                operation=current.operation if operation is None else operation,
            )
            check_acyclic(changed, source.selection)
            saved = command.uow.selections.save(changed)
        assert isinstance(saved, CombinedSelection)
        return saved

    def freeze(self, selection_id: SelectionId, *, name: str | None = None) -> StaticSelection:
        """Save the current members of any selection as a new static one.

        >>> from leadcore.criteria.ast import ALWAYS
        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> every = service.selections.create_dynamic("Every", ALWAYS)
        >>> _ = service.persons.add("Bo")
        >>> frozen = service.selections.freeze(every.id)
        >>> frozen.name, len(frozen.members.persons)
        ('Every (frozen)', 1)
        """
        with self._context.command() as command:
            source = self._source(command.uow)
            original = source.selection(selection_id)
            static = StaticSelection(
                SelectionId(self._context.ids.next_id("selection")),
                f"{original.name} (frozen)" if name is None else name,
                original.target,
                resolve(original, source),
                original.company_persons,
                owner_id=self._context.associate,
            )
            saved = self._add_selection(command, static)
        assert isinstance(saved, StaticSelection)
        return saved

    def freeze_find(
        self,
        name: str,
        criteria: Criterion,
        target: Target = Target.PERSONS,
        *,
        entity: Entity | None = None,
        company_persons: CompanyPersons = CompanyPersons.ALL,
    ) -> StaticSelection:
        """Save the result of a find now as a static selection (it does not follow later changes).

        >>> from leadcore.criteria.ast import ALWAYS
        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> _ = service.companies.add("Acme")
        >>> s = service.selections.freeze_find("Today's companies", ALWAYS, Target.COMPANIES)
        >>> len(s.members.companies)
        1
        """
        with self._context.command() as command:
            selection_id = SelectionId(self._context.ids.next_id("selection"))
            dynamic = DynamicSelection(
                selection_id,
                name,
                target,
                criteria,
                company_persons=company_persons,
                entity=default_entity(target) if entity is None else entity,
            )
            self._context.query(criteria, dynamic.entity)
            static = StaticSelection(
                selection_id,
                name,
                target,
                resolve(dynamic, self._source(command.uow)),
                company_persons,
                owner_id=self._context.associate,
            )
            saved = self._add_selection(command, static)
        assert isinstance(saved, StaticSelection)
        return saved

    def _mapped_members(
        self,
        uow: UnitOfWork,
        target: Target,
        company_persons: CompanyPersons,
        companies: Iterable[CompanyId],
        persons: Iterable[PersonId],
    ) -> Members:
        """Check the ids exist and map them to ``target`` (persons bring their companies...).

        Companies given to a persons selection whose mapping brings no persons
        are refused rather than silently dropped.
        """
        company_ids = frozenset(companies)
        person_ids = frozenset(persons)
        if company_ids and target is Target.PERSONS and company_persons is CompanyPersons.NONE:
            raise ValidationError(
                "companies cannot be added to a persons selection with company_persons=NONE",
                why="the selection lists persons and its mapping brings none from a company",
                fix="Add the persons themselves, or use company_persons FIRST or ALL",
                companies=sorted(company_ids),
            )
        for company_id in sorted(company_ids):
            uow.companies.get(company_id)
        for person_id in sorted(person_ids):
            uow.persons.get(person_id)
        source = self._source(uow)
        from_companies = project(
            Members(companies=company_ids), Target.COMPANIES, target, company_persons, source
        )
        from_persons = project(
            Members(persons=person_ids), Target.PERSONS, target, company_persons, source
        )
        return from_companies | from_persons

    def _static(
        self, source: RepositorySource, selection_id: SelectionId, op: str
    ) -> StaticSelection:
        selection = source.selection(selection_id)
        if not isinstance(selection, StaticSelection):
            raise SelectionKindError(selection_id, kind_of(selection), "static", op)
        return selection

    def add_members(
        self,
        selection_id: SelectionId,
        *,
        companies: Iterable[CompanyId] = (),
        persons: Iterable[PersonId] = (),
        expected_version: int | None = None,
    ) -> StaticSelection:
        """Add members by hand to a static selection.

        Added companies bring their persons as the selection's
        ``company_persons`` says (when it lists persons); added persons bring
        their company (when it lists companies).

        ``expected_version``: the version the change is made against (``None``: any);
        another version stored now is a :class:`leadcore.errors.ConflictError`
        (``retryable`` false) and nothing changes.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> acme = service.companies.add("Acme")
        >>> _ = service.persons.add("Ann", company_id=acme.id)
        >>> s = service.selections.create_static("Both", Target.COMPANIES_AND_PERSONS)
        >>> s = service.selections.add_members(s.id, companies=[acme.id])
        >>> len(s.members.companies), len(s.members.persons)
        (1, 1)
        """
        with self._context.command() as command:
            current = self._static(self._source(command.uow), selection_id, "add members to")
            check_version("selection", current, expected_version)
            added = self._mapped_members(
                command.uow, current.target, current.company_persons, companies, persons
            )
            changed = attrs.evolve(current, members=current.members | added)
            saved = command.uow.selections.save(changed)
        assert isinstance(saved, StaticSelection)
        return saved

    def remove_members(
        self,
        selection_id: SelectionId,
        *,
        companies: Iterable[CompanyId] = (),
        persons: Iterable[PersonId] = (),
        expected_version: int | None = None,
    ) -> StaticSelection:
        """Remove exactly the given members from a static selection (no mapping).

        ``expected_version``: the version the change is made against (``None``: any);
        another version stored now is a :class:`leadcore.errors.ConflictError`
        (``retryable`` false) and nothing changes.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> bo = service.persons.add("Bo")
        >>> s = service.selections.create_static("S", persons=[bo.id])
        >>> service.selections.remove_members(s.id, persons=[bo.id]).members.size
        0
        """
        with self._context.command() as command:
            current = self._static(self._source(command.uow), selection_id, "remove members from")
            check_version("selection", current, expected_version)
            removed = Members(frozenset(companies), frozenset(persons))
            changed = attrs.evolve(current, members=current.members - removed)
            saved = command.uow.selections.save(changed)
        assert isinstance(saved, StaticSelection)
        return saved

    def rename(
        self, selection_id: SelectionId, name: str, *, expected_version: int | None = None
    ) -> Selection:
        """Give a selection a new name (names need not be unique).

        ``expected_version``: the version the change is made against (``None``: any);
        another version stored now is a :class:`leadcore.errors.ConflictError`
        (``retryable`` false) and nothing changes.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> s = service.selections.create_static("Old")
        >>> service.selections.rename(s.id, "New").name
        'New'
        """
        with self._context.command() as command:
            current = command.uow.selections.get(selection_id)
            check_version("selection", current, expected_version)
            saved = command.uow.selections.save(attrs.evolve(current, name=name))
        return saved

    def delete(self, selection_id: SelectionId, *, expected_version: int | None = None) -> None:
        """Delete a selection; refused while combined selections read it.

        ``expected_version``: the version the change is made against (``None``: any);
        another version stored now is a :class:`leadcore.errors.ConflictError`
        (``retryable`` false) and nothing changes.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> s = service.selections.create_static("S")
        >>> service.selections.delete(s.id)
        >>> service.selections.all()
        []
        """
        with self._context.command() as command:
            selections = command.uow.selections
            check_version("selection", selections.get(selection_id), expected_version)
            users = [
                s.id
                for s in selections.all()
                if s.id != selection_id and selection_id in inputs_of(s)
            ]
            if users:
                raise SelectionInUseError(selection_id, users)
            selections.delete(selection_id)

    def get(self, selection_id: SelectionId) -> Selection:
        """The saved selection.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> service.selections.get(service.selections.create_static("S").id).name
        'S'
        """
        with self._context.uow() as uow:
            return uow.selections.get(selection_id)

    def all(self) -> list[Selection]:
        """Every saved selection, by id.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> _ = service.selections.create_static("S")
        >>> [s.name for s in service.selections.all()]
        ['S']
        """
        with self._context.uow() as uow:
            return uow.selections.all()

    def members(self, selection_id: SelectionId) -> Members:
        """The members of a selection now (dynamic criteria evaluated at this read).

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> service.selections.members(service.selections.create_static("S").id).size
        0
        """
        with self._context.uow() as uow:
            source = self._source(uow)
            return resolve(source.selection(selection_id), source)
