"""Find results: rows of chosen columns with the page and the total.

The same column machinery serves a Find (criteria) or a selection. A result is
computed in two pure steps around the one read the service makes:
:func:`results_plan` says what to read (the layout's columns, the scope
narrowed by its filters, the order), the service reads that page, and
:func:`results_page` turns it into rows; see
:meth:`leadcore.service.views.Views.find_results`.

>>> from leadcore.queries import Page
>>> page = ResultsPage("person", (), (), total=0, page=Page(0, 50))
>>> page.has_more
False
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from leadcore.criteria.fields import Entity
from leadcore.model import Company, CompanyId, Person
from leadcore.queries import Order, Page, PageResult
from leadcore.views.columns import (
    Column,
    ColumnHeading,
    Row,
    column,
    filters_criterion,
    record_rows,
    sort_orders,
)
from leadcore.views.scope import Reading, Scope
from leadcore.views.settings import (
    DEFAULT_RESULTS,
    Dropped,
    Layout,
    LoadedLayout,
    check_layout,
    chosen_layout,
)

__all__ = [
    "COMPANY_RESULTS",
    "GroupBucket",
    "ResultsPage",
    "ResultsPlan",
    "results_page",
    "results_plan",
]

COMPANY_RESULTS = Layout(("company.name", "company.category", "company.owner"))
"""The columns of a Find result of companies shown without a layout."""


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


@attrs.frozen
class ResultsPlan:
    """What a Find result reads: the ``loaded`` layout, its ``columns``, the ``scope``
    narrowed by the layout's filters and the ``order`` on criteria fields."""

    loaded: LoadedLayout
    columns: tuple[Column, ...]
    scope: Scope
    order: tuple[Order, ...]


def results_plan(
    scope: Scope, reading: Reading, *, layout: Layout | None = None, saved: object | None = None
) -> ResultsPlan:
    """The plan of a Find result over ``scope``: the layout given (checked strictly),
    else for persons the ``saved`` one or the default, for companies
    :data:`COMPANY_RESULTS`.

    >>> from datetime import datetime, timezone
    >>> from leadcore.criteria.ast import ALWAYS
    >>> from leadcore.licence import Licence
    >>> from leadcore.lists import new_database
    >>> from leadcore.lists import Lists
    >>> from leadcore.views.columns import ColumnFilter
    >>> reading = Reading(Lists(*new_database()), {}, Licence.full(),
    ...                   datetime(2026, 1, 5, tzinfo=timezone.utc))
    >>> plan = results_plan(Scope(Entity.PERSON, ALWAYS), reading, layout=Layout(
    ...     ("person.name",), filters=(ColumnFilter("person.email", ("ann",)),),
    ...     order=(Order("person.name"),)))
    >>> plan.scope.criteria.field, [o.field for o in plan.order]
    ('person.email', ['person.last_name', 'person.first_name'])
    """
    if layout is not None:
        loaded = check_layout(layout, scope.entity, reading.licence, reading.lists, strict=True)
    elif scope.entity is Entity.PERSON:
        loaded = chosen_layout(
            None, saved, DEFAULT_RESULTS, Entity.PERSON, reading.licence, reading.lists
        )
    else:
        loaded = LoadedLayout(COMPANY_RESULTS)
    chosen = loaded.layout
    return ResultsPlan(
        loaded,
        tuple(column(k, scope.entity) for k in chosen.columns),
        scope.narrowed(filters_criterion(chosen.filters, scope.entity)),
        sort_orders(chosen.order, scope.entity),
    )


def results_page(
    plan: ResultsPlan,
    found: PageResult[Person] | PageResult[Company],
    companies: Mapping[CompanyId, Company],
    reading: Reading,
) -> ResultsPage:
    """The page of rows of ``found`` (the records the plan's scope and order gave, the
    persons' companies in ``companies``), in the plan's columns."""
    return ResultsPage(
        plan.scope.entity.value,
        tuple(ColumnHeading.of(c, reading.language) for c in plan.columns),
        record_rows(plan.columns, found.items, companies, reading.cells),
        found.total,
        found.page,
        plan.loaded.dropped,
    )
