"""The query values: what a find or a count asks for, and what it gives back.

A :class:`Query` holds the criteria, the order (:class:`Order`), the page
(:class:`Page`) and the environment the criteria are evaluated in (clock
reading, current associate). A find gives a :class:`PageResult`, a count by a
list or owner field :class:`GroupedCounts`. The repositories of
:mod:`leadcore.ports` take and return these values; each checks its fields
when it is built, so an adapter can rely on them.

>>> from leadcore.criteria.ast import ALWAYS
>>> Query(ALWAYS, order=(Order("person.last_name"),), page=Page(offset=0, limit=50)).page.limit
50
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Generic, TypeVar

import attrs

from leadcore._checks import (
    FLAG,
    ID,
    MOMENT,
    RANK,
    TEXT,
    Check,
    fields,
    instance,
    optional,
    tuple_of,
)
from leadcore.criteria.ast import ALWAYS, Criterion
from leadcore.criteria.fields import Entity, ListKind, ValueType, field
from leadcore.errors import ValidationError
from leadcore.lists import Lists
from leadcore.model import AssociateId

__all__ = [
    "GroupCount",
    "GroupedCounts",
    "Order",
    "Page",
    "PageResult",
    "Query",
    "group_field",
]

T = TypeVar("T")


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
        lists: Lists,
        hidden: int = 0,
    ) -> GroupedCounts:
        """Order ``counts`` (value -> count) into buckets as the class describes.

        >>> from leadcore.lists import Lists, new_database
        >>> lists = Lists(*new_database())
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
