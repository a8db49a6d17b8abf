"""Grouping: the values of a list or owner field as labelled buckets.

A board's columns and a contacts tab's grouping levels are the buckets of
grouped counts (:class:`leadcore.queries.GroupedCounts`, in list rank order, then
deleted items still held, then "no value"). Here each bucket gets its label and
tooltip in the reader's language, whether it is a deleted list item, and the
criterion of the records it counts, so that the view can read them.

>>> from leadcore.lists import new_database
>>> from leadcore.lists import Lists
>>> from leadcore.queries import GroupedCounts
>>> from leadcore.lists import Lists
>>> from leadcore.views.columns import CellContext
>>> stored = Lists(*new_database())
>>> counts = GroupedCounts.build("person.lead_status", {2: 4, None: 1}, stored)
>>> cells = CellContext(Lists(stored.categories, stored.statuses), {}, "da")
>>> [(b.label, b.count) for b in group_buckets("person.lead_status", counts, cells)]
[('Kontakter', 4), ('Ingen værdi', 1)]
"""

from __future__ import annotations

from collections.abc import Sequence

from leadcore.criteria.ast import Criterion
from leadcore.criteria.build import condition
from leadcore.criteria.fields import Entity, ListKind, field
from leadcore.lists import Lists
from leadcore.queries import GroupedCounts
from leadcore.views.columns import CellContext, column, value_text
from leadcore.views.results import GroupBucket
from leadcore.views.scope import MemberRows

__all__ = [
    "NO_VALUE_LABEL",
    "group_buckets",
    "is_deleted_item",
    "member_groups",
    "value_criterion",
    "value_label",
]

NO_VALUE_LABEL = {"en": "No value", "da": "Ingen værdi"}
"""The label of the column (or group) of records without a value, per language."""


def _entity_of(key: str) -> Entity:
    return Entity.PERSON if key.startswith("person.") else Entity.COMPANY


def value_label(key: str, value: int | None, cells: CellContext) -> tuple[str, str | None]:
    """The label and tooltip of ``value`` of the grouped field ``key``, in the reader's
    language (:data:`NO_VALUE_LABEL` for ``None``).

    >>> from leadcore.lists import new_database
    >>> from leadcore.lists import Lists
    >>> cells = CellContext(Lists(*new_database()), {7: "Ann"})
    >>> value_label("person.owner", 7, cells), value_label("person.owner", None, cells)
    (('Ann', None), ('No value', None))
    """
    if value is None:
        return NO_VALUE_LABEL[cells.language], None
    return value_text(column(key, _entity_of(key)), value, cells)


def is_deleted_item(key: str, value: int | None, lists: Lists) -> bool:
    """True when ``value`` of the list field ``key`` is a deleted lead status or
    category (records still hold it; a view shows it after the active ones).

    >>> from leadcore.lists import new_database
    >>> lists = Lists(*new_database())
    >>> is_deleted_item("person.lead_status", 1, lists), is_deleted_item("person.owner", 1, lists)
    (False, False)
    """
    kind = field(key, _entity_of(key)).list_kind
    if value is None or kind not in (ListKind.LEAD_STATUS, ListKind.CATEGORY):
        return False
    items = lists.statuses if kind is ListKind.LEAD_STATUS else lists.categories
    return value in items and items.get(value).deleted


def value_criterion(
    key: str,
    value: int | None,
    counts: GroupedCounts,
    entity: Entity,
    lists: Lists,
    *,
    visible_only: bool = False,
) -> Criterion:
    """The criterion of the records that the bucket ``value`` of ``counts`` counts.

    The "no value" bucket of a field is every record whose value is none of the
    other buckets' values. With ``visible_only`` (a lead-status board, where a
    status counts only where it is visible, R4) a status bucket is the persons
    with that status in a lead-enabled category of ``lists``.

    >>> from leadcore.lists import new_database
    >>> from leadcore.lists import Lists
    >>> stored = Lists(*new_database())
    >>> counts = GroupedCounts.build("person.owner", {7: 2, None: 1}, stored)
    >>> value_criterion("person.owner", None, counts, Entity.PERSON, Lists(*new_database()))
    Condition(field='person.owner', operator=<Operator.NOT_IN: 'not_in'>, values=(7,))
    """
    if visible_only:
        if value is None:
            return condition(key, "not_set", entity=entity)
        enabled = [c.id for c in lists.categories if c.lead_enabled]
        return condition(key, "in", value, entity=entity) & condition(
            "person.category", "in", *enabled, entity=entity
        )
    if value is None:
        others = [b.value for b in counts.buckets if b.value is not None]
        return condition(key, "not_in", *others, entity=entity)
    return condition(key, "in", value, entity=entity)


def group_buckets(key: str, counts: GroupedCounts, cells: CellContext) -> tuple[GroupBucket, ...]:
    """The non-empty buckets of ``counts`` (grouped by ``key``), labelled: one grouping
    level without sub-levels."""
    return tuple(
        GroupBucket(key, bucket.value, value_label(key, bucket.value, cells)[0], bucket.count)
        for bucket in counts.buckets
        if bucket.count
    )


def member_groups(
    rows: MemberRows, grouping: Sequence[str], cells: CellContext
) -> tuple[GroupBucket, ...]:
    """The grouping levels of loaded rows: the non-empty buckets of each level, nested.

    >>> from datetime import datetime, timezone
    >>> from leadcore.criteria.ast import ALWAYS
    >>> from leadcore.licence import Licence
    >>> from leadcore.lists import new_database
    >>> from leadcore.model import AssociateId, Person, PersonId
    >>> from leadcore.lists import Lists
    >>> from leadcore.views.scope import Reading
    >>> at = datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> reading = Reading(Lists(*new_database()), {AssociateId(7): "Ann"},
    ...                   Licence.full(), at)
    >>> people = [Person(PersonId(i), None, "P", "", at, at, owner_id=AssociateId(7))
    ...           for i in (1, 2)]
    >>> rows = MemberRows.of_persons(people, {}, ALWAYS, reading)
    >>> [(g.label, g.count) for g in member_groups(rows, ["person.owner"], reading.cells)]
    [('Ann', 2)]
    """
    if not grouping:
        return ()
    key, rest = grouping[0], grouping[1:]
    buckets = []
    parts = rows.split(key)
    counts = GroupedCounts.build(key, {v: part.count() for v, part in parts.items()}, rows.lists)
    for bucket in counts.buckets:
        if bucket.count:
            label, _ = value_label(key, bucket.value, cells)
            inner = member_groups(parts[bucket.value], rest, cells)
            buckets.append(GroupBucket(key, bucket.value, label, bucket.count, inner))
    return tuple(buckets)
