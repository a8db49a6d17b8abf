"""Selections: static, dynamic and combined, their members and the company and
person mapping.

An area of :class:`leadcore.LeadService` (a mixin of it); the examples assume
``from leadcore import LeadService``.
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
from leadcore.service._base import ServiceBase
from leadcore.service._core import Command, RepositorySource

__all__ = ["SelectionsArea"]


class SelectionsArea(ServiceBase):
    """Selections: static, dynamic and combined, their members and the company and"""

    __slots__ = ()

    def _source(self, uow: UnitOfWork) -> RepositorySource:
        return RepositorySource(
            uow,
            lambda c: self._query(c, Entity.PERSON),
            lambda c: self._query(c, Entity.COMPANY),
        )

    def _add_selection(self, command: Command, selection: Selection) -> Selection:
        return command.uow.selections.add(selection)

    def create_static_selection(
        self,
        name: str,
        target: Target = Target.PERSONS,
        *,
        companies: Iterable[CompanyId] = (),
        persons: Iterable[PersonId] = (),
        company_persons: CompanyPersons = CompanyPersons.ALL,
    ) -> StaticSelection:
        """Save a static selection filled by hand (see :meth:`add_to_selection`).

        >>> service = LeadService.in_memory()
        >>> bo = service.add_person("Bo")
        >>> fair = service.create_static_selection("Fair", persons=[bo.id])
        >>> sorted(service.selection_members(fair.id).persons) == [bo.id]
        True
        """
        with self._command() as command:
            members = self._mapped_members(command.uow, target, company_persons, companies, persons)
            selection = StaticSelection(
                SelectionId(self.ids.next_id("selection")),
                name,
                target,
                members,
                company_persons,
                owner_id=self.associate,
            )
            saved = self._add_selection(command, selection)
        assert isinstance(saved, StaticSelection)
        return saved

    def create_dynamic_selection(
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
        >>> service = LeadService.in_memory()
        >>> b = service.create_dynamic_selection("B", condition("person.last_name", "begins", "b"))
        >>> _ = service.add_person("Bo", "Berg")
        >>> len(service.selection_members(b.id).persons)
        1
        """
        with self._command() as command:
            selection = DynamicSelection(
                SelectionId(self.ids.next_id("selection")),
                name,
                target,
                criteria,
                company_persons=company_persons,
                owner_id=self.associate,
                entity=default_entity(target) if entity is None else entity,
            )
            self._query(criteria, selection.entity)
            saved = self._add_selection(command, selection)
        assert isinstance(saved, DynamicSelection)
        return saved

    def create_combined_selection(
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

        >>> service = LeadService.in_memory()
        >>> a, b = service.add_person("A"), service.add_person("B")
        >>> s1 = service.create_static_selection("1", persons=[a.id, b.id])
        >>> s2 = service.create_static_selection("2", persons=[b.id])
        >>> c = service.create_combined_selection("1-2", s1.id, s2.id, Operation.ONLY_FIRST)
        >>> service.selection_members(c.id).persons == {a.id}
        True
        """
        with self._command() as command:
            selection = CombinedSelection(
                SelectionId(self.ids.next_id("selection")),
                name,
                target,
                first,
                second,
                operation,
                company_persons=company_persons,
                owner_id=self.associate,
            )
            source = self._source(command.uow)
            check_acyclic(selection, source.selection)
            saved = self._add_selection(command, selection)
        assert isinstance(saved, CombinedSelection)
        return saved

    def change_combined_selection(
        self,
        selection_id: SelectionId,
        *,
        first: SelectionId | None = None,
        second: SelectionId | None = None,
        operation: Operation | None = None,
    ) -> CombinedSelection:
        """Change the inputs or the operation of a combined selection; cycles are refused.

        >>> service = LeadService.in_memory()
        >>> s1 = service.create_static_selection("1")
        >>> c = service.create_combined_selection("c", s1.id, s1.id, Operation.ALL)
        >>> service.change_combined_selection(c.id, operation=Operation.COMMON).operation.value
        'common'
        """
        with self._command() as command:
            source = self._source(command.uow)
            current = source.selection(selection_id)
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

    def freeze_selection(
        self, selection_id: SelectionId, *, name: str | None = None
    ) -> StaticSelection:
        """Save the current members of any selection as a new static one.

        >>> from leadcore.criteria.ast import ALWAYS
        >>> service = LeadService.in_memory()
        >>> every = service.create_dynamic_selection("Every", ALWAYS)
        >>> _ = service.add_person("Bo")
        >>> frozen = service.freeze_selection(every.id)
        >>> frozen.name, len(frozen.members.persons)
        ('Every (frozen)', 1)
        """
        with self._command() as command:
            source = self._source(command.uow)
            original = source.selection(selection_id)
            static = StaticSelection(
                SelectionId(self.ids.next_id("selection")),
                f"{original.name} (frozen)" if name is None else name,
                original.target,
                resolve(original, source),
                original.company_persons,
                owner_id=self.associate,
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
        >>> service = LeadService.in_memory()
        >>> _ = service.add_company("Acme")
        >>> s = service.freeze_find("Today's companies", ALWAYS, Target.COMPANIES)
        >>> len(s.members.companies)
        1
        """
        with self._command() as command:
            selection_id = SelectionId(self.ids.next_id("selection"))
            dynamic = DynamicSelection(
                selection_id,
                name,
                target,
                criteria,
                company_persons=company_persons,
                entity=default_entity(target) if entity is None else entity,
            )
            self._query(criteria, dynamic.entity)
            static = StaticSelection(
                selection_id,
                name,
                target,
                resolve(dynamic, self._source(command.uow)),
                company_persons,
                owner_id=self.associate,
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

    def add_to_selection(
        self,
        selection_id: SelectionId,
        *,
        companies: Iterable[CompanyId] = (),
        persons: Iterable[PersonId] = (),
    ) -> StaticSelection:
        """Add members by hand to a static selection.

        Added companies bring their persons as the selection's
        ``company_persons`` says (when it lists persons); added persons bring
        their company (when it lists companies).

        >>> service = LeadService.in_memory()
        >>> acme = service.add_company("Acme")
        >>> _ = service.add_person("Ann", company_id=acme.id)
        >>> s = service.create_static_selection("Both", Target.COMPANIES_AND_PERSONS)
        >>> s = service.add_to_selection(s.id, companies=[acme.id])
        >>> len(s.members.companies), len(s.members.persons)
        (1, 1)
        """
        with self._command() as command:
            current = self._static(self._source(command.uow), selection_id, "add members to")
            added = self._mapped_members(
                command.uow, current.target, current.company_persons, companies, persons
            )
            changed = attrs.evolve(current, members=current.members | added)
            saved = command.uow.selections.save(changed)
        assert isinstance(saved, StaticSelection)
        return saved

    def remove_from_selection(
        self,
        selection_id: SelectionId,
        *,
        companies: Iterable[CompanyId] = (),
        persons: Iterable[PersonId] = (),
    ) -> StaticSelection:
        """Remove exactly the given members from a static selection (no mapping).

        >>> service = LeadService.in_memory()
        >>> bo = service.add_person("Bo")
        >>> s = service.create_static_selection("S", persons=[bo.id])
        >>> service.remove_from_selection(s.id, persons=[bo.id]).members.size
        0
        """
        with self._command() as command:
            current = self._static(self._source(command.uow), selection_id, "remove members from")
            removed = Members(frozenset(companies), frozenset(persons))
            changed = attrs.evolve(current, members=current.members - removed)
            saved = command.uow.selections.save(changed)
        assert isinstance(saved, StaticSelection)
        return saved

    def rename_selection(self, selection_id: SelectionId, name: str) -> Selection:
        """Give a selection a new name (names need not be unique).

        >>> service = LeadService.in_memory()
        >>> s = service.create_static_selection("Old")
        >>> service.rename_selection(s.id, "New").name
        'New'
        """
        with self._command() as command:
            current = command.uow.selections.get(selection_id)
            saved = command.uow.selections.save(attrs.evolve(current, name=name))
        return saved

    def delete_selection(self, selection_id: SelectionId) -> None:
        """Delete a selection; refused while combined selections read it.

        >>> service = LeadService.in_memory()
        >>> s = service.create_static_selection("S")
        >>> service.delete_selection(s.id)
        >>> service.selections()
        []
        """
        with self._command() as command:
            selections = command.uow.selections
            selections.get(selection_id)
            users = [
                s.id
                for s in selections.all()
                if s.id != selection_id and selection_id in inputs_of(s)
            ]
            if users:
                raise SelectionInUseError(selection_id, users)
            selections.delete(selection_id)

    def get_selection(self, selection_id: SelectionId) -> Selection:
        """The saved selection.

        >>> service = LeadService.in_memory()
        >>> service.get_selection(service.create_static_selection("S").id).name
        'S'
        """
        with self.uow() as uow:
            return uow.selections.get(selection_id)

    def selections(self) -> list[Selection]:
        """Every saved selection, by id.

        >>> service = LeadService.in_memory()
        >>> _ = service.create_static_selection("S")
        >>> [s.name for s in service.selections()]
        ['S']
        """
        with self.uow() as uow:
            return uow.selections.all()

    def selection_members(self, selection_id: SelectionId) -> Members:
        """The members of a selection now (dynamic criteria evaluated at this read).

        >>> service = LeadService.in_memory()
        >>> service.selection_members(service.create_static_selection("S").id).size
        0
        """
        with self.uow() as uow:
            source = self._source(uow)
            return resolve(source.selection(selection_id), source)
