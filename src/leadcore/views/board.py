"""The board view: the records of a selection or criterion in one column per value.

Persons are grouped by lead status, category (their own or their company's),
category group or owner; companies by category, category group or owner. Each
column has its label in the reader's language, its count (from the adapter's
grouped counts) and its first cards. See :meth:`leadcore.service.views.Views.board`.

A board is computed in pure steps around the reads the service makes:
:func:`board_plan` checks what is asked (the field, the card columns, the
order), :func:`column_scopes` says which columns to show and which records
each one holds, the service reads each column's cards (and sub-group counts)
into a :class:`ColumnCards`, and :func:`board` assembles the board.

>>> column = BoardColumn(None, "No value", None, 0, (), False)
>>> Board("person", "person.lead_status", "Lead status", (column,), 0, 0).counts()
{None: 0}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from leadcore.criteria.fields import Entity, ValueType, field, fields_for
from leadcore.errors import ValidationError
from leadcore.licence import Feature, Licence
from leadcore.lists import Lists, new_database
from leadcore.model import Company, CompanyId, Person
from leadcore.queries import GroupedCounts, Order, Page, group_field
from leadcore.views.columns import Column, ColumnHeading, Row, column, record_rows, sort_orders
from leadcore.views.groups import (
    NO_VALUE_LABEL,  # defined with the grouping, shown on boards
    group_buckets,
    is_deleted_item,
    value_criterion,
    value_label,
)
from leadcore.views.results import GroupBucket
from leadcore.views.scope import Reading, Scope, check_view_page
from leadcore.views.settings import Layout, check_layout

__all__ = [
    "BOARD_FIELDS",
    "DEFAULT_CARDS",
    "NO_VALUE_LABEL",
    "Board",
    "BoardColumn",
    "BoardPlan",
    "ColumnCards",
    "board",
    "board_column",
    "board_plan",
    "check_card_move",
    "column_scopes",
]

DEFAULT_CARDS = {
    Entity.PERSON: ("person.name", "company.name"),
    Entity.COMPANY: ("company.name",),
}
"""The card columns of a board shown without ``card_columns``, per entity."""

BOARD_FIELDS = {
    entity: tuple(
        key
        for key, spec in fields_for(entity).items()
        if spec.value_type in (ValueType.LIST, ValueType.ASSOCIATE)
    )
    for entity in Entity
}
"""What a board groups by: the list and owner fields of its entity (see ``group_field``)."""

_NO_LISTS = Lists(*new_database())
"""Lists for checking card columns (no filters, so list items are never looked at)."""


@attrs.frozen
class BoardColumn:
    """One column: its ``value`` (``None``: the records without one), ``label`` and
    ``tooltip`` in the reader's language, ``count``, first ``cards`` (rows of the
    card columns), whether more cards follow, and sub-groups when asked for."""

    value: int | None
    label: str
    tooltip: str | None
    count: int
    cards: tuple[Row, ...]
    has_more: bool
    sub_groups: tuple[GroupBucket, ...] = ()
    deleted: bool = False
    """True for a deleted list item that records still hold (shown after the active ones)."""


@attrs.frozen
class Board:
    """A board: the ``entity`` ("person" or "company"), the field grouped by and its
    label, the columns in list rank order (the "no value" column last), the
    ``total`` of the selection, and ``left_out``: persons of a lead-status board
    whose status is hidden (R4), which no column shows."""

    entity: str
    group_by: str
    label: str
    columns: tuple[BoardColumn, ...]
    total: int
    left_out: int
    card_columns: tuple[ColumnHeading, ...] = ()

    def counts(self) -> dict[int | None, int]:
        """Column value -> count, in column order."""
        return {c.value: c.count for c in self.columns}

    def column(self, value: int | None) -> BoardColumn:
        """The column of ``value``; :class:`KeyError` when the board has none."""
        for col in self.columns:
            if col.value == value:
                return col
        raise KeyError(value)


@attrs.frozen
class BoardPlan:
    """What a board (or one of its columns) reads: the ``entity``, the field it groups
    by and the one its columns are sub-grouped by, the card ``columns``, the cards'
    ``order`` on criteria fields and their ``page``."""

    entity: Entity
    group_by: str
    sub_group_by: str | None
    columns: tuple[Column, ...]
    order: tuple[Order, ...]
    page: Page

    @property
    def visible_only(self) -> bool:
        """True for a lead-status board: a status counts only where it is visible (R4)."""
        return self.group_by == "person.lead_status"


def _board_field(entity: Entity, group_by: str | None, licence: Licence) -> str:
    key = group_by or ("person.lead_status" if entity is Entity.PERSON else "company.category")
    if key not in BOARD_FIELDS[entity]:
        raise ValidationError(
            f"a board of {entity.value}s cannot group by {key!r}",
            why=f"it groups by one of {', '.join(BOARD_FIELDS[entity])}",
            fix="Pick one of those fields",
            group_by=key,
        )
    group_field(key, entity)
    if key == "person.lead_status":
        licence.require(Feature.LEAD_STATUS, f"a board by {key!r}")
    return key


def board_plan(
    entity: Entity,
    group_by: str | None,
    licence: Licence,
    *,
    page: Page,
    sub_group_by: str | None = None,
    card_columns: Sequence[str] | None = None,
    order: Sequence[Order] = (),
) -> BoardPlan:
    """Check what a board of ``entity`` is asked for and plan its reads.

    ``group_by`` defaults to the lead status for persons and the category for
    companies; it and ``sub_group_by`` must be list or owner fields
    (:data:`BOARD_FIELDS`), the lead status needs its feature; the card columns
    (default :data:`DEFAULT_CARDS`) must exist and be licensed; ``page`` is the
    cards' page of each column.

    >>> plan = board_plan(Entity.COMPANY, None, Licence.full(), page=Page(0, 10))
    >>> plan.group_by, [c.key for c in plan.columns], plan.visible_only
    ('company.category', ['company.name'], False)
    >>> board_plan(Entity.COMPANY, "company.name", Licence.full(), page=Page(0, 10))
    Traceback (most recent call last):
    ...
    leadcore.errors.ValidationError: a board of companys cannot group by 'company.name': ...
    """
    key = _board_field(entity, group_by, licence)
    if sub_group_by is not None:
        _board_field(entity, sub_group_by, licence)
    check_view_page(page)
    keys = DEFAULT_CARDS[entity] if card_columns is None else tuple(card_columns)
    checked = check_layout(Layout(keys), entity, licence, _NO_LISTS, strict=True)
    columns = tuple(column(k, entity) for k in checked.layout.columns)
    return BoardPlan(entity, key, sub_group_by, columns, sort_orders(order, entity), page)


def column_scopes(
    plan: BoardPlan,
    scope: Scope,
    counts: GroupedCounts,
    lists: Lists,
    *,
    values: Sequence[int | None] | None = None,
    hide_empty: bool = False,
) -> tuple[tuple[int | None, Scope], ...]:
    """The columns a board of ``scope`` shows (all buckets of ``counts``, or the
    ``values`` asked for; ``hide_empty`` drops those without records), each with the
    scope of its records.

    >>> from leadcore.criteria.ast import ALWAYS
    >>> from leadcore.lists import Lists
    >>> plan = board_plan(Entity.PERSON, "person.owner", Licence.full(), page=Page(0, 10))
    >>> counts = GroupedCounts.build("person.owner", {7: 2, None: 0},
    ...                              Lists(*new_database()))
    >>> [(value, inner.criteria.values) for value, inner in column_scopes(
    ...     plan, Scope(Entity.PERSON, ALWAYS), counts, _NO_LISTS, hide_empty=True)]
    [(7, (7,))]
    """
    wanted = [b.value for b in counts.buckets] if values is None else list(values)
    shown = []
    for value in wanted:
        if hide_empty and not counts[value]:
            continue
        criterion = value_criterion(
            plan.group_by, value, counts, plan.entity, lists, visible_only=plan.visible_only
        )
        shown.append((value, scope.narrowed(criterion)))
    return tuple(shown)


@attrs.frozen
class ColumnCards:
    """What the service read for one column: the ``value``, its ``count``, the cards'
    ``records`` (one page, in order; ``()`` when no card was asked for), the persons'
    ``companies``, and the counts of the sub-grouping field when there is one."""

    value: int | None
    count: int
    records: tuple[Person, ...] | tuple[Company, ...] = ()
    companies: Mapping[CompanyId, Company] = attrs.field(factory=dict)
    sub_counts: GroupedCounts | None = None


def board_column(plan: BoardPlan, cards: ColumnCards, reading: Reading) -> BoardColumn:
    """One column of a board from what was read for it: label and tooltip in the
    reader's language, the cards' rows, whether more follow, the sub-groups.

    >>> from datetime import datetime, timezone
    >>> from leadcore.lists import Lists
    >>> reading = Reading(Lists(*new_database()), {}, Licence.full(),
    ...                   datetime(2026, 1, 5, tzinfo=timezone.utc), language="da")
    >>> plan = board_plan(Entity.PERSON, None, Licence.full(), page=Page(0, 0))
    >>> shown = board_column(plan, ColumnCards(1, 3), reading)
    >>> shown.label, shown.count, shown.has_more
    ('Åben', 3, True)
    """
    label, tooltip = value_label(plan.group_by, cards.value, reading.cells)
    rows = record_rows(plan.columns, cards.records, cards.companies, reading.cells)
    subs: tuple[GroupBucket, ...] = ()
    if plan.sub_group_by is not None and cards.sub_counts is not None:
        subs = group_buckets(plan.sub_group_by, cards.sub_counts, reading.cells)
    return BoardColumn(
        cards.value,
        label,
        tooltip,
        cards.count,
        rows,
        plan.page.offset + len(rows) < cards.count,
        subs,
        is_deleted_item(plan.group_by, cards.value, reading.lists),
    )


def board(
    plan: BoardPlan, counts: GroupedCounts, columns: Sequence[ColumnCards], reading: Reading
) -> Board:
    """The board of ``plan`` from its grouped ``counts`` and what was read for each of
    its ``columns`` (in column order)."""
    language = reading.language
    return Board(
        plan.entity.value,
        plan.group_by,
        field(plan.group_by, plan.entity).label(language),
        tuple(board_column(plan, cards, reading) for cards in columns),
        counts.total,
        counts.hidden,
        tuple(ColumnHeading.of(c, language) for c in plan.columns),
    )


_CARD_MOVES = frozenset(
    {"person.lead_status", "person.category", "person.owner", "company.category", "company.owner"}
)


def check_card_move(group_by: str, record_id: int, value: int | None, entity: Entity) -> None:
    """Refuse a card move that is no command: a company's card moved by a person field,
    a person moved to the no-value column of the lead status (a status is set, never
    cleared, by a user), or a move on a field cards do not move on (a category group).

    The moves that pass are the field's command (:meth:`Views.move_card
    <leadcore.service.views.Views.move_card>`), whose rules may still refuse them.

    >>> check_card_move("person.owner", 1, None, Entity.PERSON)
    >>> check_card_move("person.category_group", 1, 2, Entity.PERSON)
    Traceback (most recent call last):
    ...
    leadcore.errors.ValidationError: a card cannot be moved on a board by ...
    """
    if entity is Entity.COMPANY and group_by.startswith("person."):
        raise ValidationError(
            f"a company card cannot be moved by {group_by!r}",
            why="a companies board groups by company fields",
            fix="Use company.category or company.owner",
            group_by=group_by,
            company_id=record_id,
        )
    if group_by == "person.lead_status" and value is None:
        raise ValidationError(
            f"person {record_id} cannot be moved to the no-value column",
            why="a lead status is set, never cleared, by a user",
            fix="Move the card to a status column",
            person_id=record_id,
        )
    if group_by not in _CARD_MOVES:
        raise ValidationError(
            f"a card cannot be moved on a board by {group_by!r}",
            why="cards move between lead statuses, categories and owners; a category "
            "group is the group of a category",
            fix="Group the board by a category to move cards between categories",
            group_by=group_by,
            record_id=record_id,
        )
