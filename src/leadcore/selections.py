"""Selections (§5): static, dynamic and combined member sets of companies and persons.

A selection is a frozen value; reading one gives its :class:`Members` (ids).
:func:`resolve` computes them through a :class:`MemberSource` (the service
provides one over a unit of work; tests can pass a plain fake):

- :class:`StaticSelection` holds its members as they were added or frozen.
- :class:`DynamicSelection` holds criteria, evaluated on every read.
- :class:`CombinedSelection` holds two input selections (by id) and an
  :class:`Operation`; each input is first converted to the combined
  selection's target (see :func:`project`), then combined as sets, companies and
  persons separately.

Targets map between companies and persons: a person brings its company, a
company brings its first person, all its persons, or none
(:class:`CompanyPersons`).

>>> first = Members(persons=frozenset({PersonId(1), PersonId(2)}))
>>> second = Members(persons=frozenset({PersonId(2), PersonId(3)}))
>>> sorted(Operation.DIFFERENCE.apply(first, second).persons)
[1, 3]
>>> sorted(Operation.ONLY_FIRST.apply(first, second).persons)
[1]
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, TypeAlias, TypeVar, Union

import attrs

from leadcore._checks import (
    ID,
    ID_SET,
    NAME,
    OPTIONAL_ID,
    TEXT,
    VERSION,
    fields,
    instance,
    member,
    require,
)
from leadcore.criteria.ast import Criterion
from leadcore.criteria.build import iter_conditions
from leadcore.criteria.fields import Entity
from leadcore.errors import LeadcoreError, ValidationError
from leadcore.model import AssociateId, CompanyId, PersonId, SelectionId

__all__ = [
    "CombinedSelection",
    "CompanyPersons",
    "DynamicSelection",
    "MemberSource",
    "Members",
    "Operation",
    "Selection",
    "SelectionCycleError",
    "SelectionInUseError",
    "SelectionKindError",
    "StaticSelection",
    "Target",
    "check_acyclic",
    "default_entity",
    "inputs_of",
    "kind_of",
    "project",
    "resolve",
]


class Target(enum.Enum):
    """What a selection lists."""

    COMPANIES = "companies"
    PERSONS = "persons"
    COMPANIES_AND_PERSONS = "companies_and_persons"


class CompanyPersons(enum.Enum):
    """Which persons a company brings into a selection that lists persons.

    ``FIRST`` is the company's person with the lowest id (the first registered).
    """

    FIRST = "first"
    ALL = "all"
    NONE = "none"


T = TypeVar("T")


class Operation(enum.Enum):
    """How a combined selection joins its two inputs."""

    ONLY_FIRST = "only_first"
    """In the first input and not in the second (first - second)."""
    ONLY_SECOND = "only_second"
    """In the second input and not in the first (second - first)."""
    COMMON = "common"
    """In both (intersection)."""
    DIFFERENCE = "difference"
    """In exactly one of the two (symmetric difference)."""
    ALL = "all"
    """In either (union)."""

    def apply(self, first: Members, second: Members) -> Members:
        """Combine two member sets, companies and persons separately.

        >>> a = Members(companies=frozenset({CompanyId(1)}))
        >>> Operation.COMMON.apply(a, Members()).companies
        frozenset()
        """
        return Members(
            companies=self._sets(first.companies, second.companies),
            persons=self._sets(first.persons, second.persons),
        )

    def _sets(self, first: frozenset[T], second: frozenset[T]) -> frozenset[T]:
        if self is Operation.ONLY_FIRST:
            return first - second
        if self is Operation.ONLY_SECOND:
            return second - first
        if self is Operation.COMMON:
            return first & second
        if self is Operation.DIFFERENCE:
            return first ^ second
        return first | second


def _id_set(values: Iterable[int]) -> frozenset[int]:
    return frozenset(values)


@attrs.frozen
class Members:
    """The ids a selection holds or resolves to.

    >>> Members(persons=frozenset({PersonId(4)})).size
    1
    """

    companies: frozenset[CompanyId] = attrs.field(default=frozenset(), converter=_id_set)
    persons: frozenset[PersonId] = attrs.field(default=frozenset(), converter=_id_set)

    @property
    def size(self) -> int:
        """Companies plus persons."""
        return len(self.companies) + len(self.persons)

    def __or__(self, other: Members) -> Members:
        return Operation.ALL.apply(self, other)

    def __sub__(self, other: Members) -> Members:
        return Operation.ONLY_FIRST.apply(self, other)


def _check_members_fit(target: Target, members: Members, name: str) -> None:
    if target is Target.PERSONS and members.companies:
        raise ValidationError(
            f"the persons selection {name!r} cannot hold companies",
            why=f"it was given companies {sorted(members.companies)}",
            fix="Add persons, or use target COMPANIES_AND_PERSONS",
        )
    if target is Target.COMPANIES and members.persons:
        raise ValidationError(
            f"the companies selection {name!r} cannot hold persons",
            why=f"it was given persons {sorted(members.persons)}",
            fix="Add companies, or use target COMPANIES_AND_PERSONS",
        )


@attrs.frozen
class StaticSelection:
    """A fixed member list, filled by hand or frozen from a find or another selection.

    >>> s = StaticSelection(SelectionId(1), "Fair visitors", Target.PERSONS,
    ...                     Members(persons=frozenset({PersonId(7)})))
    >>> sorted(s.members.persons)
    [7]
    """

    id: SelectionId
    name: str
    target: Target
    members: Members = Members()
    company_persons: CompanyPersons = CompanyPersons.ALL
    owner_id: AssociateId | None = None
    version: int = 0

    def __attrs_post_init__(self) -> None:
        _check_static(self)
        for side in ("companies", "persons"):
            ids = getattr(self.members, side)
            require(ids, ID_SET, entity="static selection", field=f"members.{side}", id=self.id)
        _check_members_fit(self.target, self.members, self.name)


def default_entity(target: Target) -> Entity:
    """What a dynamic selection's criteria search unless told: persons for a persons
    selection, companies otherwise.

    >>> default_entity(Target.COMPANIES_AND_PERSONS)
    <Entity.COMPANY: 'company'>
    """
    return Entity.PERSON if target is Target.PERSONS else Entity.COMPANY


def _default_entity(selection: DynamicSelection) -> Entity:
    return default_entity(selection.target)


@attrs.frozen
class DynamicSelection:
    """Saved criteria, evaluated every time the selection is read.

    ``entity`` is what the criteria search (persons by default for a persons
    selection, companies otherwise); the result is then mapped to the target.

    >>> from leadcore.criteria.ast import ALWAYS
    >>> DynamicSelection(SelectionId(2), "All companies", Target.COMPANIES, ALWAYS).entity
    <Entity.COMPANY: 'company'>
    """

    id: SelectionId
    name: str
    target: Target
    criteria: Criterion
    entity: Entity = attrs.field(
        default=attrs.Factory(_default_entity, takes_self=True), kw_only=True
    )
    company_persons: CompanyPersons = attrs.field(default=CompanyPersons.ALL, kw_only=True)
    owner_id: AssociateId | None = attrs.field(default=None, kw_only=True)
    version: int = attrs.field(default=0, kw_only=True)

    def __attrs_post_init__(self) -> None:
        _check_dynamic(self)
        for condition in iter_conditions(self.criteria):
            for value in condition.values:
                if isinstance(value, str):
                    require(value, TEXT, entity="dynamic selection", field="criteria", id=self.id)


@attrs.frozen
class CombinedSelection:
    """Two input selections of any kind joined by an :class:`Operation`.

    >>> c = CombinedSelection(SelectionId(3), "New, not met", Target.PERSONS,
    ...                       SelectionId(1), SelectionId(2), Operation.ONLY_FIRST)
    >>> c.inputs
    (1, 2)
    """

    id: SelectionId
    name: str
    target: Target
    first: SelectionId
    second: SelectionId
    operation: Operation
    company_persons: CompanyPersons = attrs.field(default=CompanyPersons.ALL, kw_only=True)
    owner_id: AssociateId | None = attrs.field(default=None, kw_only=True)
    version: int = attrs.field(default=0, kw_only=True)

    def __attrs_post_init__(self) -> None:
        _check_combined(self)
        if self.id in (self.first, self.second):
            raise SelectionCycleError((self.id, self.id))

    @property
    def inputs(self) -> tuple[SelectionId, SelectionId]:
        """The ids of the two inputs, first then second."""
        return (self.first, self.second)


_SELECTION = {
    "id": ID,
    "name": NAME,
    "target": member(Target),
    "company_persons": member(CompanyPersons),
    "owner_id": OPTIONAL_ID,
    "version": VERSION,
}
_check_static = fields("static selection", **_SELECTION, members=instance(Members, "a Members"))
_check_dynamic = fields(
    "dynamic selection",
    **_SELECTION,
    criteria=instance(Criterion, "a criterion (see leadcore.criteria.build)"),
    entity=member(Entity),
)
_check_combined = fields(
    "combined selection", **_SELECTION, first=ID, second=ID, operation=member(Operation)
)


Selection: TypeAlias = Union[StaticSelection, DynamicSelection, CombinedSelection]  # noqa: UP007
"""Any kind of selection."""


class SelectionCycleError(ValidationError):
    """A combined selection would (directly or through others) read itself."""

    def __init__(self, path: Sequence[SelectionId]) -> None:
        shown = " -> ".join(str(i) for i in path)
        super().__init__(
            f"selection {path[0]} would contain itself",
            why=f"its inputs lead back to it: {shown}",
            fix="Combine selections that do not depend on this one",
            path=tuple(path),
        )


class SelectionInUseError(LeadcoreError):
    """A selection cannot be deleted while combined selections read it."""

    def __init__(self, selection_id: SelectionId, users: Sequence[SelectionId]) -> None:
        super().__init__(
            f"selection {selection_id} is an input of other selections",
            why=f"combined selections {sorted(users)} read it; deleting it would break them",
            fix="Delete or freeze those combined selections first",
            selection_id=selection_id,
            users=tuple(sorted(users)),
        )


class SelectionKindError(ValidationError):
    """The operation needs another kind of selection (e.g. adding members to a dynamic one)."""

    def __init__(self, selection_id: SelectionId, kind: str, needed: str, operation: str) -> None:
        super().__init__(
            f"cannot {operation} selection {selection_id}: it is {kind}",
            why=f"only {needed} selections support this",
            fix="Freeze it into a static selection first, or pick another selection",
            selection_id=selection_id,
            kind=kind,
        )


def kind_of(selection: Selection) -> str:
    """``"static"``, ``"dynamic"`` or ``"combined"``.

    >>> kind_of(StaticSelection(SelectionId(1), "x", Target.PERSONS))
    'static'
    """
    if isinstance(selection, StaticSelection):
        return "static"
    if isinstance(selection, DynamicSelection):
        return "dynamic"
    return "combined"


class MemberSource(Protocol):
    """What :func:`resolve` reads: saved selections, finds, and the company/person mapping."""

    def selection(self, selection_id: SelectionId) -> Selection:
        """The saved selection; :class:`leadcore.errors.NotFoundError` when unknown."""

    def find_companies(self, criteria: Criterion) -> frozenset[CompanyId]:
        """Ids of the companies matching ``criteria``."""

    def find_persons(self, criteria: Criterion) -> frozenset[PersonId]:
        """Ids of the persons matching ``criteria``."""

    def persons_of(self, company_id: CompanyId) -> Sequence[PersonId]:
        """Ids of the company's persons, lowest first."""

    def company_of(self, person_id: PersonId) -> CompanyId | None:
        """The person's company, ``None`` for a person without company."""


def _persons_of(
    companies: Iterable[CompanyId], mapping: CompanyPersons, source: MemberSource
) -> frozenset[PersonId]:
    if mapping is CompanyPersons.NONE:
        return frozenset()
    found: set[PersonId] = set()
    for company_id in companies:
        persons = source.persons_of(company_id)
        if mapping is CompanyPersons.FIRST:
            found.update(persons[:1])
        else:
            found.update(persons)
    return frozenset(found)


def _companies_of(persons: Iterable[PersonId], source: MemberSource) -> frozenset[CompanyId]:
    found = {source.company_of(p) for p in persons}
    return frozenset(c for c in found if c is not None)


def project(
    members: Members,
    source_target: Target,
    target: Target,
    mapping: CompanyPersons,
    source: MemberSource,
) -> Members:
    """Convert members listed for ``source_target`` into members for ``target``.

    Persons bring their companies; companies bring persons as ``mapping`` says.
    Only members the source target lists are mapped: converting a
    companies+persons selection to persons keeps its persons as they are.

    >>> class Source:                      # company 9 has persons 1 and 2
    ...     def persons_of(self, company_id): return [PersonId(1), PersonId(2)]
    ...     def company_of(self, person_id): return CompanyId(9)
    >>> nine = Members(companies={CompanyId(9)})
    >>> project(nine, Target.COMPANIES, Target.PERSONS, CompanyPersons.FIRST, Source()).persons
    frozenset({1})
    >>> project(Members(persons={PersonId(2)}), Target.PERSONS, Target.COMPANIES_AND_PERSONS,
    ...         CompanyPersons.ALL, Source())
    Members(companies=frozenset({9}), persons=frozenset({2}))
    """
    if source_target is target:
        return members
    if target is Target.PERSONS:
        if source_target is Target.COMPANIES:
            return Members(persons=_persons_of(members.companies, mapping, source))
        return Members(persons=members.persons)
    if target is Target.COMPANIES:
        if source_target is Target.PERSONS:
            return Members(companies=_companies_of(members.persons, source))
        return Members(companies=members.companies)
    if source_target is Target.PERSONS:
        return Members(_companies_of(members.persons, source), members.persons)
    return Members(members.companies, _persons_of(members.companies, mapping, source))


def inputs_of(selection: Selection) -> tuple[SelectionId, ...]:
    """The ids a selection reads (the inputs of a combined one, none otherwise).

    >>> inputs_of(StaticSelection(SelectionId(1), "s", Target.PERSONS))
    ()
    """
    return selection.inputs if isinstance(selection, CombinedSelection) else ()


def check_acyclic(selection: Selection, lookup: Callable[[SelectionId], Selection]) -> None:
    """Refuse a selection whose inputs lead back to it, with :class:`SelectionCycleError`.

    ``lookup`` loads the other saved selections by id (unknown ids raise there).

    >>> a = CombinedSelection(SelectionId(1), "a", Target.PERSONS, SelectionId(2),
    ...                       SelectionId(2), Operation.ALL)
    >>> b = CombinedSelection(SelectionId(2), "b", Target.PERSONS, SelectionId(1),
    ...                       SelectionId(1), Operation.ALL)
    >>> check_acyclic(a, {2: b}.__getitem__)
    Traceback (most recent call last):
    ...
    leadcore.selections.SelectionCycleError: selection 1 would contain itself: ...
    """
    done: set[SelectionId] = set()

    def visit(current: Selection, path: tuple[SelectionId, ...]) -> None:
        for input_id in inputs_of(current):
            if input_id == selection.id:
                raise SelectionCycleError((*path, input_id))
            if input_id in path or input_id in done:
                continue
            visit(lookup(input_id), (*path, input_id))
        done.add(current.id)

    visit(selection, (selection.id,))


def resolve(selection: Selection, source: MemberSource) -> Members:
    """The members of ``selection`` now, for its own target.

    Each input of a combined selection is resolved once per call; a cycle
    among saved selections raises :class:`SelectionCycleError`.

    >>> saved = {
    ...     1: StaticSelection(SelectionId(1), "a", Target.PERSONS, Members(persons={1, 2})),
    ...     2: StaticSelection(SelectionId(2), "b", Target.PERSONS, Members(persons={2, 3})),
    ... }
    >>> class Source:
    ...     def selection(self, selection_id): return saved[selection_id]
    >>> common = CombinedSelection(SelectionId(3), "a and b", Target.PERSONS,
    ...                            SelectionId(1), SelectionId(2), Operation.COMMON)
    >>> resolve(common, Source()).persons
    frozenset({2})
    """
    cache: dict[SelectionId, Members] = {}

    def members(current: Selection, path: tuple[SelectionId, ...]) -> Members:
        cached = cache.get(current.id)
        if cached is not None:
            return cached
        if isinstance(current, StaticSelection):
            result = current.members
        elif isinstance(current, DynamicSelection):
            if current.entity is Entity.PERSON:
                raw = Members(persons=source.find_persons(current.criteria))
                raw_target = Target.PERSONS
            else:
                raw = Members(companies=source.find_companies(current.criteria))
                raw_target = Target.COMPANIES
            result = project(raw, raw_target, current.target, current.company_persons, source)
        else:
            sides: list[Members] = []
            for input_id in current.inputs:
                if input_id in path:
                    raise SelectionCycleError((*path, input_id))
                side = source.selection(input_id)
                resolved = members(side, (*path, input_id))
                sides.append(
                    project(resolved, side.target, current.target, current.company_persons, source)
                )
            result = current.operation.apply(sides[0], sides[1])
        cache[current.id] = result
        return result

    return members(selection, (selection.id,))
