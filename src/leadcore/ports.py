"""The ports: what the application service needs from storage and the outside world.

Everything here is a :class:`typing.Protocol`; the core imports no adapter.
Entity repositories store frozen aggregates with a ``version``: ``add`` stores
version 1, ``save`` needs the version it loaded and stores version + 1, and a
stale copy raises :class:`leadcore.errors.ConflictError` and writes nothing.
Adding an id that is already stored is a conflict too (someone created it first).
A unit of work checks the versions again on commit: when another unit
committed a newer version of anything it changed, the commit raises
:class:`~leadcore.errors.ConflictError` and writes nothing.

Queries take a :class:`Query`: the criteria, the order, the page, and the
environment the criteria are evaluated in (clock reading, current associate).

>>> from leadcore.criteria.ast import ALWAYS
>>> Query(ALWAYS, order=(Order("person.last_name"),), page=Page(offset=0, limit=50)).page.limit
50
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Generic, Protocol, Self, TypeVar

import attrs

from leadcore._checks import (
    FLAG,
    ID,
    MOMENT,
    RANK,
    TEXT,
    VERSION,
    Check,
    fields,
    instance,
    optional,
    tuple_of,
)
from leadcore.criteria.ast import ALWAYS, Criterion
from leadcore.criteria.fields import Entity, ListKind, ValueType, field
from leadcore.errors import ValidationError
from leadcore.history import DomainEvent, HistoryEntry
from leadcore.lists import CategoryList, LeadStatusList
from leadcore.model import (
    Associate,
    AssociateId,
    Company,
    CompanyId,
    Person,
    PersonId,
    SelectionId,
)
from leadcore.selections import Selection

__all__ = [
    "AssociateRepository",
    "Clock",
    "CompanyRepository",
    "EventPublisher",
    "GroupCount",
    "GroupedCounts",
    "HistoryRepository",
    "IdGenerator",
    "ListRepository",
    "Order",
    "Page",
    "PageResult",
    "PersonRepository",
    "Query",
    "SelectionRepository",
    "SettingsRepository",
    "StoredLists",
    "UnitOfWork",
    "group_field",
]

T = TypeVar("T")


class Clock(Protocol):
    """Tells the time; inject a fixed one in tests."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""


class IdGenerator(Protocol):
    """Hands out new ids per kind ("company", "person", "selection", ...)."""

    def next_id(self, kind: str) -> int:
        """A fresh id for ``kind``, never handed out before."""


class EventPublisher(Protocol):
    """Receives the events of each committed command, in order."""

    def publish(self, events: Sequence[DomainEvent]) -> None:
        """Deliver ``events``; called after a successful commit."""


@attrs.frozen
class Order:
    """Sort by a field key (see :mod:`leadcore.criteria.fields`); rows without a value last.

    The types are checked when it is built (a typed error naming the field):

    >>> Order("person.last_name", descending=True).descending
    True
    >>> Order(("person.last_name",))
    Traceback (most recent call last):
    ...
    leadcore.errors.ValidationError: a sort order's field must be text: ...
    """

    field: str
    descending: bool = False

    __attrs_post_init__ = fields("sort order", field=TEXT, descending=FLAG)


@attrs.frozen
class Page:
    """A window of results: skip ``offset`` rows, return at most ``limit``.

    Both are ints, ``offset >= 0`` and ``limit >= 0`` (or ``None``: no limit),
    checked when it is built, so every adapter can rely on them:

    >>> Page(offset=50, limit=50).limit
    50
    >>> Page("0")
    Traceback (most recent call last):
    ...
    leadcore.errors.ValidationError: a page's offset must be an int: got '0'. ...
    >>> Page(offset=-1)
    Traceback (most recent call last):
    ...
    leadcore.errors.ValidationError: bad page offset=-1 limit=None: offset and limit cannot be ...
    """

    offset: int = 0
    limit: int | None = None

    def __attrs_post_init__(self) -> None:
        _check_page(self)
        if self.offset < 0 or (self.limit is not None and self.limit < 0):
            raise ValidationError(
                f"bad page offset={self.offset} limit={self.limit}",
                why="offset and limit cannot be negative",
                fix="Pass offset >= 0 and limit >= 0 (or limit=None for all)",
                offset=self.offset,
                limit=self.limit,
            )


_check_page = fields(
    "page",
    offset=Check(RANK.test, RANK.what, "Pass the offset as an int"),
    limit=optional(Check(RANK.test, RANK.what, "Pass the limit as an int")),
)


@attrs.frozen
class Query:
    """A find or count: criteria, order, page, and the evaluation environment.

    Its fields' types are checked when it is built: ``order`` is a tuple of
    :class:`Order`, ``page`` a :class:`Page`.

    >>> Query(order=(Order("person.first_name"),)).order[0].field
    'person.first_name'
    >>> Query(order="person.first_name")
    Traceback (most recent call last):
    ...
    leadcore.errors.ValidationError: a query's order must be a tuple of Order: ...
    """

    criteria: Criterion = ALWAYS
    order: tuple[Order, ...] = ()
    page: Page = Page()
    current_associate: AssociateId | None = None
    now: datetime | None = None

    __attrs_post_init__ = fields(
        "query",
        criteria=instance(Criterion, "a criterion (see leadcore.criteria)"),
        order=tuple_of(Order, "a tuple of Order"),
        page=instance(Page, "a Page"),
        current_associate=optional(ID),
        now=optional(MOMENT),
    )


@attrs.frozen
class PageResult(Generic[T]):
    """One page of a find: its ``items``, the ``total`` number of matches, the ``page`` asked for.

    >>> result = PageResult(("a", "b"), total=7, page=Page(0, 2))
    >>> list(result), len(result), result.total, result.has_more
    (['a', 'b'], 2, 7, True)
    """

    items: tuple[T, ...]
    total: int
    page: Page

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def has_more(self) -> bool:
        """True when matches follow this page."""
        return self.page.offset + len(self.items) < self.total


@attrs.frozen
class GroupCount:
    """One bucket of :class:`GroupedCounts`: a list item id, group code or associate id
    (``None``: the records without a value) and how many records hold it."""

    value: int | None
    count: int


@attrs.frozen
class GroupedCounts:
    """How many records match a criterion, per value of one list field.

    ``buckets`` hold every non-deleted list item in rank order (zero counts
    included, as a board shows its empty columns), then deleted or unknown
    items that records still hold, then the ``None`` bucket (no value), always
    last. Owner fields list only the associates that occur, by id. With
    ``visible_only`` a lead status is counted only where it is visible (R1);
    ``hidden`` is how many matching records hold a status that is hidden, and
    they are in no bucket. ``total`` is the plain count of the criterion.

    >>> counts = GroupedCounts("person.owner", (GroupCount(7, 2), GroupCount(None, 1)))
    >>> counts.total, counts[7], counts[None], counts[8], counts.as_dict()
    (3, 2, 1, 0, {7: 2, None: 1})
    """

    field: str
    buckets: tuple[GroupCount, ...]
    hidden: int = 0

    @property
    def total(self) -> int:
        """Every matching record: the buckets plus the hidden ones."""
        return sum(b.count for b in self.buckets) + self.hidden

    def __getitem__(self, value: int | None) -> int:
        """The count of ``value`` (0 when no bucket holds it)."""
        for bucket in self.buckets:
            if bucket.value == value:
                return bucket.count
        return 0

    def as_dict(self) -> dict[int | None, int]:
        """The buckets as a dict, in bucket order."""
        return {b.value: b.count for b in self.buckets}

    @classmethod
    def build(
        cls,
        field_key: str,
        counts: dict[int | None, int],
        lists: StoredLists,
        hidden: int = 0,
    ) -> GroupedCounts:
        """Order ``counts`` (value -> count) into buckets as the class describes.

        >>> from leadcore.lists import new_database
        >>> lists = StoredLists(*new_database())
        >>> counts = GroupedCounts.build("person.lead_status", {2: 4, None: 1}, lists)
        >>> [(b.value, b.count) for b in counts.buckets]
        [(1, 0), (2, 4), (3, 0), (4, 0), (5, 0), (None, 1)]
        """
        kind = group_field(field_key, Entity.PERSON if field_key.startswith("person.") else
                           Entity.COMPANY)  # fmt: skip
        ordered: list[int] = []
        if kind is ListKind.LEAD_STATUS or kind is ListKind.CATEGORY:
            items = lists.statuses if kind is ListKind.LEAD_STATUS else lists.categories
            ordered = [item.id for item in items.active()]
            listed = set(ordered)
            ordered += [i.id for i in items if i.id not in listed and counts.get(i.id)]
        elif kind is ListKind.CATEGORY_GROUP:
            ordered = [int(c.group) for c in lists.categories.active()]
            ordered = sorted(set(ordered))
        known = set(ordered)
        ordered += sorted(v for v, n in counts.items() if v is not None and v not in known and n)
        buckets = [GroupCount(v, counts.get(v, 0)) for v in ordered]
        buckets.append(GroupCount(None, counts.get(None, 0)))
        return cls(field_key, tuple(buckets), hidden)


def group_field(field_key: str, entity: Entity, *, visible_only: bool = False) -> ListKind | None:
    """The list a groupable field takes its values from (``None`` for an owner field).

    Groupable: the list fields (lead status, category, category group) and the
    owner fields of ``entity``; anything else is a :class:`ValidationError`, and
    so is ``visible_only`` on a field other than ``person.lead_status``.

    >>> group_field("person.category_group", Entity.PERSON)
    <ListKind.CATEGORY_GROUP: 'category_group'>
    """
    found = field(field_key, entity)
    if visible_only and field_key != "person.lead_status":
        raise ValidationError(
            f"visible_only counts by {field_key!r}",
            why="only a lead status is hidden or visible (R1)",
            fix="Pass visible_only=True only with 'person.lead_status'",
            field=field_key,
        )
    if found.value_type is ValueType.LIST:
        return found.list_kind
    if found.value_type is ValueType.ASSOCIATE:
        return None
    raise ValidationError(
        f"cannot count by {field_key!r}",
        why="grouped counts are per value of a list field or an owner field",
        fix="Count by a lead status, category, category group or owner field",
        field=field_key,
    )


class CompanyRepository(Protocol):
    """Stores companies."""

    def get(self, company_id: CompanyId) -> Company:
        """The stored company; :class:`NotFoundError` when unknown."""

    def add(self, company: Company) -> Company:
        """Store a new company; returns it with version 1."""

    def save(self, company: Company) -> Company:
        """Store a changed company loaded at ``company.version``; returns version + 1."""

    def delete(self, company: Company) -> None:
        """Remove a company loaded at ``company.version``; it must have no persons left.

        A stale copy raises :class:`ConflictError`; a company that still has
        persons raises :class:`leadcore.errors.CompanyHasPersons`. Its id is
        never stored again (see :class:`IdGenerator`).
        """

    def find(self, query: Query) -> list[Company]:
        """Companies matching ``query.criteria``, ordered and paged."""

    def count(self, query: Query) -> int:
        """How many companies match ``query.criteria`` (order and page ignored)."""

    def get_many(self, company_ids: Iterable[CompanyId]) -> list[Company]:
        """The stored companies, in the order given; :class:`NotFoundError` names the first
        unknown id (repeated ids give the company again)."""

    def find_page(self, query: Query) -> PageResult[Company]:
        """:meth:`find` with the total number of matches (counted, not materialized)."""

    def count_by(
        self, query: Query, field_key: str, *, visible_only: bool = False
    ) -> GroupedCounts:
        """How many companies match ``query.criteria`` per value of ``field_key``
        (``company.category``, ``company.category_group``, ``company.owner``)."""


class PersonRepository(Protocol):
    """Stores persons."""

    def get(self, person_id: PersonId) -> Person:
        """The stored person; :class:`NotFoundError` when unknown."""

    def add(self, person: Person) -> Person:
        """Store a new person; returns it with version 1."""

    def save(self, person: Person) -> Person:
        """Store a changed person loaded at ``person.version``; returns version + 1."""

    def save_many(self, persons: Iterable[Person]) -> list[Person]:
        """``save`` for many persons at once (a company's cascade); all or none."""

    def delete(self, person: Person) -> None:
        """Remove a person loaded at ``person.version`` (its history stays).

        A stale copy raises :class:`ConflictError`.
        """

    def of_company(self, company_id: CompanyId) -> list[Person]:
        """Every person of the company, by id."""

    def find(self, query: Query) -> list[Person]:
        """Persons matching ``query.criteria``, ordered and paged."""

    def count(self, query: Query) -> int:
        """How many persons match ``query.criteria`` (order and page ignored)."""

    def get_many(self, person_ids: Iterable[PersonId]) -> list[Person]:
        """The stored persons, in the order given; :class:`NotFoundError` names the first
        unknown id (repeated ids give the person again)."""

    def find_page(self, query: Query) -> PageResult[Person]:
        """:meth:`find` with the total number of matches (counted, not materialized)."""

    def find_with_companies(self, query: Query) -> list[tuple[Person, Company | None]]:
        """:meth:`find`, each person with its company (``None`` without one)."""

    def count_by(
        self, query: Query, field_key: str, *, visible_only: bool = False
    ) -> GroupedCounts:
        """How many persons match ``query.criteria`` per value of a list or owner field.

        ``field_key``: ``person.lead_status``, ``person.category``,
        ``person.category_group``, ``person.owner`` or their ``company.*``
        counterparts (persons without company in the ``None`` bucket).
        ``visible_only`` (lead status only): see :class:`GroupedCounts`.
        """


@attrs.frozen
class StoredLists:
    """The category and lead-status lists as stored, with their version."""

    categories: CategoryList
    statuses: LeadStatusList
    version: int = 0

    __attrs_post_init__ = fields(
        "stored lists",
        categories=instance(CategoryList, "a CategoryList"),
        statuses=instance(LeadStatusList, "a LeadStatusList"),
        version=VERSION,
    )


class ListRepository(Protocol):
    """Stores the two admin lists together."""

    def load(self) -> StoredLists:
        """The current lists."""

    def save(self, lists: StoredLists) -> StoredLists:
        """Store lists loaded at ``lists.version``; returns version + 1."""


class SelectionRepository(Protocol):
    """Stores saved selections (see :mod:`leadcore.selections`), versioned like aggregates."""

    def get(self, selection_id: SelectionId) -> Selection:
        """The stored selection; :class:`NotFoundError` when unknown."""

    def add(self, selection: Selection) -> Selection:
        """Store a new selection; returns it with version 1."""

    def save(self, selection: Selection) -> Selection:
        """Store a changed selection loaded at ``selection.version``; returns version + 1."""

    def delete(self, selection_id: SelectionId) -> None:
        """Remove a selection; :class:`NotFoundError` when unknown."""

    def all(self) -> list[Selection]:
        """Every saved selection, by id."""


class AssociateRepository(Protocol):
    """Stores the associates (the users), versioned like aggregates; never deleted, retired."""

    def get(self, associate_id: AssociateId) -> Associate:
        """The stored associate; :class:`NotFoundError` when unknown."""

    def add(self, associate: Associate) -> Associate:
        """Store a new associate; returns it with version 1."""

    def save(self, associate: Associate) -> Associate:
        """Store a changed associate loaded at ``associate.version``; returns version + 1."""

    def all(self) -> list[Associate]:
        """Every stored associate (retired ones included), by id."""


class HistoryRepository(Protocol):
    """The append-only status history."""

    def append(self, entries: Sequence[HistoryEntry]) -> None:
        """Append ``entries`` in order."""

    def for_person(self, person_id: PersonId) -> list[HistoryEntry]:
        """The person's entries, oldest first."""

    def __iter__(self) -> Iterator[HistoryEntry]:
        """Every entry, oldest first."""

    def between(
        self,
        start: datetime | None,
        end: datetime | None,
        persons: Query | None = None,
    ) -> Mapping[PersonId, Sequence[HistoryEntry]]:
        """The entries with ``start <= at < end`` (``None``: unbounded on that side), per person.

        Each person with at least one such entry maps to those entries, oldest
        first (equal ``at``: in append order); persons come in no particular
        order. The sequences are read-only (an adapter may hand out its own).
        With ``persons``, only the stored persons matching ``persons.criteria``
        (evaluated with its ``now`` and current associate; order and page
        ignored), so deleted persons' entries are left out; without it, every
        entry. This unit's own appended entries are included. A database pushes
        the range and the person criteria down (``WHERE at >= ? AND at < ?``
        joined with the persons' criteria, ``ORDER BY person, at, seq``).
        """


class SettingsRepository(Protocol):
    """Installation settings as plain JSON-able values by key."""

    def get(self, key: str, default: object = None) -> object:
        """The value stored under ``key``, or ``default``."""

    def set(self, key: str, value: object) -> None:
        """Store ``value`` under ``key``."""


class UnitOfWork(Protocol):
    """One atomic unit: commits everything or nothing.

    Leaving the ``with`` block without :meth:`commit` rolls back every change.
    What a unit read to decide (a company's category, the lists, the persons of
    a company) must still hold when it commits: an adapter serializes the units
    that write, locks the rows they read, or checks at commit that what they
    read is unchanged and else raises a retryable
    :class:`leadcore.errors.ConflictError`, writing nothing. Units that only
    read should not wait for one another. An adapter may offer
    ``expect_writes()``, which the service calls at the start of each command
    before it reads (the in-memory store then makes the unit its one writer;
    the SQL adapter checks at commit).
    """

    companies: CompanyRepository
    persons: PersonRepository
    lists: ListRepository
    selections: SelectionRepository
    history: HistoryRepository
    settings: SettingsRepository
    associates: AssociateRepository

    def __enter__(self) -> Self:
        """Begin."""

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""

    def commit(self) -> None:
        """Make every change of this unit durable and visible."""

    def rollback(self) -> None:
        """Discard every change since the last commit."""
