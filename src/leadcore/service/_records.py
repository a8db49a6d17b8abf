"""What persons and companies share: one generic reader (get, get_many, find,
find_page, count, count_by) and the record-level steps of their commands (the
owner check of an edit, R12's UTM copy to the company, static selections losing
deleted records).

Not public API: :class:`~leadcore.service.persons.Persons` and
:class:`~leadcore.service.companies.Companies` are made from :class:`Records`;
:class:`Deletion` is re-exported by :mod:`leadcore.service`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import attrs

from leadcore import rules
from leadcore.criteria.ast import ALWAYS, Criterion
from leadcore.criteria.fields import Entity, ListKind
from leadcore.errors import ReadOnlyError
from leadcore.model import Company, CompanyId, Person, PersonId, SelectionId
from leadcore.ports import UnitOfWork
from leadcore.queries import GroupedCounts, Order, Page, PageResult, Query, group_field
from leadcore.selections import Members, StaticSelection
from leadcore.service._context import Context
from leadcore.service._resource import Resource

__all__ = [
    "Deletion",
    "Records",
    "copy_utm_to_company",
    "drop_members",
    "edited",
    "utm_read_only",
]

R = TypeVar("R", Person, Company)
I = TypeVar("I", PersonId, CompanyId)  # noqa: E741 - the id type beside the record type
R_inv = TypeVar("R_inv")
I_contra = TypeVar("I_contra", contravariant=True)


class Repository(Protocol[R_inv, I_contra]):
    """What the reader needs of a record repository (both ports have it)."""

    def get(self, record_id: I_contra, /) -> R_inv:
        """The stored record; :class:`leadcore.errors.NotFoundError` when unknown."""

    def get_many(self, record_ids: Iterable[I_contra], /) -> Sequence[R_inv]:
        """The stored records in the order given."""

    def find(self, query: Query, /) -> Sequence[R_inv]:
        """The matching records."""

    def find_page(self, query: Query, /) -> PageResult[R_inv]:
        """One page of the matching records, with the total."""

    def count(self, query: Query, /) -> int:
        """How many records match."""


class Records(Resource, Generic[R, I]):
    """The reader of one kind of record: one or many by id, finds, pages and counts.

    :class:`~leadcore.service.persons.Persons` and
    :class:`~leadcore.service.companies.Companies` are made from it, so
    ``service.persons.find(...)`` and ``service.companies.find(...)`` take the
    same arguments and follow the same rules.
    """

    __slots__ = ()

    entity: ClassVar[Entity]
    """The entity the records are (criteria and order are checked for it)."""

    def _repository(self, uow: UnitOfWork) -> Repository[R, I]:
        raise NotImplementedError

    def _count_by(
        self, uow: UnitOfWork, query: Query, field_key: str, visible_only: bool
    ) -> GroupedCounts:
        raise NotImplementedError

    def get(self, record_id: I) -> R:
        """The stored record; :class:`leadcore.errors.NotFoundError` when unknown.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> service.persons.get(service.persons.add("Bo").id).full_name
        'Bo'
        >>> service.companies.get(service.companies.add("Acme").id).version
        1
        """
        with self._context.uow() as uow:
            return self._repository(uow).get(record_id)

    def get_many(self, record_ids: Iterable[I]) -> list[R]:
        """The stored records, in the order given, in one unit of work.

        Raises :class:`leadcore.errors.NotFoundError` naming the first unknown id;
        an id given twice gives the record twice.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> ann, bo = service.persons.add("Ann"), service.persons.add("Bo")
        >>> [p.first_name for p in service.persons.get_many([bo.id, ann.id])]
        ['Bo', 'Ann']
        """
        with self._context.uow() as uow:
            return list(self._repository(uow).get_many(record_ids))

    def find(
        self,
        criteria: Criterion | Query = ALWAYS,
        *,
        order: Sequence[Order] = (),
        page: Page | None = None,
    ) -> list[R]:
        """The records matching ``criteria``, ordered and paged.

        ``criteria`` may be a whole :class:`leadcore.queries.Query` (with its own
        order and page). Criteria and order on UTM fields need marketing
        premium, on the lead status the lead-status feature
        (:class:`leadcore.errors.FeatureNotLicensed`).

        >>> from leadcore import LeadService, Order
        >>> from leadcore.criteria.build import condition
        >>> service = LeadService.in_memory()
        >>> _ = service.persons.add("Ann", "Ash"), service.persons.add("Bo", "Berg")
        >>> [p.first_name for p in service.persons.find(condition("person.last_name",
        ...                                                         "begins", "b"))]
        ['Bo']
        >>> _ = service.companies.add("Acme"), service.companies.add("Bolt")
        >>> [c.name for c in service.companies.find(order=[Order("company.name", True)])]
        ['Bolt', 'Acme']
        """
        query = self._context.query(criteria, self.entity, order, page)
        with self._context.uow() as uow:
            return list(self._repository(uow).find(query))

    def find_page(
        self,
        criteria: Criterion | Query = ALWAYS,
        *,
        order: Sequence[Order] = (),
        page: Page | None = None,
    ) -> PageResult[R]:
        """One page of :meth:`find` with the total number of matches.

        The total is counted, not materialized: ordered by id (no ``order``) the
        in-memory store reads only the page's rows.

        >>> from leadcore import LeadService, Page
        >>> service = LeadService.in_memory()
        >>> for name in ("Ann", "Bo", "Cy"):
        ...     _ = service.persons.add(name)
        >>> result = service.persons.find_page(page=Page(offset=0, limit=2))
        >>> [p.first_name for p in result], result.total, result.has_more
        (['Ann', 'Bo'], 3, True)
        """
        query = self._context.query(criteria, self.entity, order, page)
        with self._context.uow() as uow:
            return self._repository(uow).find_page(query)

    def count(self, criteria: Criterion | Query = ALWAYS) -> int:
        """How many records match ``criteria``.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> _ = service.persons.add("Ann")
        >>> service.persons.count(), service.companies.count()
        (1, 0)
        """
        query = self._context.query(criteria, self.entity)
        with self._context.uow() as uow:
            return self._repository(uow).count(query)

    def count_by(
        self,
        field_key: str,
        criteria: Criterion | Query = ALWAYS,
        *,
        visible_only: bool = False,
    ) -> GroupedCounts:
        """How many records match ``criteria`` per value of a list or owner field.

        ``field_key``: for persons ``person.lead_status``, ``person.category``,
        ``person.category_group``, ``person.owner``, or ``company.category``,
        ``company.category_group``, ``company.owner``; for companies the
        ``company.*`` ones. Buckets come in list rank order (owners by id) with
        the ``None`` bucket last; ``visible_only`` (``person.lead_status`` only)
        counts a lead status only where it is visible (R1) and reports the
        hidden ones in ``hidden``. Counting by lead status needs the
        lead-status feature, like criteria on it.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> lists = service.lists()
        >>> acme = service.companies.add("Acme", category_id=lists.categories.by_name("Lead").id)
        >>> _ = service.persons.add("Ann", company_id=acme.id), service.persons.add("Bo")
        >>> counts = service.persons.count_by("person.lead_status")
        >>> counts[lists.statuses.by_key("open").id], counts[None], counts.total
        (1, 1, 2)
        >>> service.companies.count_by("company.category")[acme.category_id]
        1
        """
        kind = group_field(field_key, self.entity, visible_only=visible_only)
        if kind is ListKind.LEAD_STATUS:
            self._context.require_lead_status(f"counting by {field_key!r}")
        query = self._context.query(criteria, self.entity)
        with self._context.uow() as uow:
            return self._count_by(uow, query, field_key, visible_only)


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
    suggestions: tuple[int, ...] = ()
    """The pending automation suggestions of a deleted company, dropped with it, by id."""


def edited(context: Context, uow: UnitOfWork, current: R, changes: dict[str, Any]) -> R | None:
    """``current`` with ``changes`` and a new ``updated`` time, or None when nothing
    changes; a new owner must be an active associate."""
    owner = changes.get("owner_id", current.owner_id)
    if owner != current.owner_id:
        context.check_owner(uow, owner)
    changed = attrs.evolve(current, **changes)
    if changed == current:
        return None
    return attrs.evolve(changed, updated=context.clock.now())


def drop_members(
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


def utm_read_only(what: str, **context: object) -> ReadOnlyError:
    """The refusal of a UTM data point recorded a second time (R12)."""
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
