"""Find results: rows of chosen columns with the page and the total.

The same column machinery serves a Find (criteria) or a selection; see
:meth:`leadcore.service.views.Views.find_results`.

>>> from leadcore.queries import Page
>>> page = ResultsPage("person", (), (), total=0, page=Page(0, 50))
>>> page.has_more
False
"""

from __future__ import annotations

import attrs

from leadcore.queries import Page
from leadcore.views.columns import ColumnHeading, Row
from leadcore.views.settings import Dropped

__all__ = ["GroupBucket", "ResultsPage"]


@attrs.frozen
class ResultsPage:
    """One page of rows: the ``entity`` listed ("person" or "company"), the column
    headings, the rows, the ``total`` number of matches and the ``page`` asked for."""

    entity: str
    columns: tuple[ColumnHeading, ...]
    rows: tuple[Row, ...]
    total: int
    page: Page
    dropped: tuple[Dropped, ...] = ()

    @property
    def has_more(self) -> bool:
        """True when matches follow this page."""
        return self.page.offset + len(self.rows) < self.total


@attrs.frozen
class GroupBucket:
    """One group of a grouped view: the grouping ``column``, the ``value`` (list item
    id, group code or associate id; ``None`` for no value), its ``label`` in the
    reader's language, how many rows it holds, and its sub-groups (the next level)."""

    column: str
    value: int | None
    label: str
    count: int
    groups: tuple[GroupBucket, ...] = ()
