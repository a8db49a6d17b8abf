"""The board view: the records of a selection or criterion in one column per value.

Persons are grouped by lead status, category (their own or their company's),
category group or owner; companies by category, category group or owner. Each
column has its label in the reader's language, its count (from the adapter's
grouped counts) and its first cards. See :meth:`leadcore.service.views.Views.board`.

>>> column = BoardColumn(None, "No value", None, 0, (), False)
>>> Board("person", "person.lead_status", "Lead status", (column,), 0, 0).counts()
{None: 0}
"""

from __future__ import annotations

import attrs

from leadcore.views.columns import ColumnHeading, Row
from leadcore.views.results import GroupBucket

__all__ = ["NO_VALUE_LABEL", "Board", "BoardColumn"]

NO_VALUE_LABEL = {"en": "No value", "da": "Ingen værdi"}
"""The label of the column of records without a value, per language."""


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
