"""The contacts tab of a company: its persons in chosen columns, filtered, grouped
and sorted, in the layout each associate saved.

:func:`contacts_tab` computes the tab from what the service read in one unit of
work (the company, its persons, a :class:`~leadcore.views.scope.Reading`, the
saved layout); see :meth:`leadcore.service.views.Views.contacts_tab`.

>>> from leadcore.queries import Page
>>> from leadcore.views.settings import Layout
>>> tab = ContactsTab(1, Layout(()), (), (), 0, Page(0, 50), ())
>>> tab.has_more
False
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from leadcore.criteria.fields import Entity, ListKind
from leadcore.licence import Feature
from leadcore.model import Company, Person
from leadcore.queries import Order, Page
from leadcore.views.columns import (
    ColumnHeading,
    Row,
    column,
    filters_criterion,
    record_rows,
    sort_orders,
)
from leadcore.views.groups import member_groups
from leadcore.views.results import GroupBucket
from leadcore.views.scope import MemberRows, Reading, check_view_page
from leadcore.views.settings import DEFAULT_CONTACTS, Dropped, Layout, chosen_layout

__all__ = ["ContactsTab", "contacts_tab"]


@attrs.frozen
class ContactsTab:
    """A company's persons as the tab shows them.

    ``layout`` is the layout used (after dropping what did not load: see
    ``dropped``); ``rows`` the page asked for, ordered by the grouping levels
    then the layout's order; ``total`` the persons that pass the filters;
    ``groups`` the first grouping level with counts, each with its sub-levels.
    """

    company_id: int
    layout: Layout
    columns: tuple[ColumnHeading, ...]
    rows: tuple[Row, ...]
    total: int
    page: Page
    groups: tuple[GroupBucket, ...]
    dropped: tuple[Dropped, ...] = ()

    @property
    def has_more(self) -> bool:
        """True when persons follow this page."""
        return self.page.offset + len(self.rows) < self.total


def contacts_tab(
    company: Company,
    persons: Iterable[Person],
    reading: Reading,
    page: Page,
    *,
    layout: Layout | None = None,
    saved: object | None = None,
) -> ContactsTab:
    """The tab of ``company`` over its ``persons``: one ``page`` of rows in the layout
    given (checked strictly), else the ``saved`` one (as the settings hold it), else
    the default, with the filters' total and the grouping levels' counts.

    Grouping by the lead status needs the lead-status feature; the page holds 0 to
    :data:`~leadcore.views.scope.MAX_ROWS` rows.

    >>> from datetime import datetime, timezone
    >>> from leadcore.licence import Licence
    >>> from leadcore.lists import new_database
    >>> from leadcore.model import CompanyId, PersonId
    >>> from leadcore.lists import Lists
    >>> at = datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> reading = Reading(Lists(*new_database()), {}, Licence.full(), at)
    >>> acme = Company(CompanyId(1), "Acme", None, at, at)
    >>> staff = [Person(PersonId(i), acme.id, name, "Ash", at, at)
    ...          for i, name in [(1, "Bo"), (2, "Ann")]]
    >>> tab = contacts_tab(acme, staff, reading, Page(0, 1),
    ...                    layout=Layout(("person.name",), order=(Order("person.name"),)))
    >>> [row["person.name"].text for row in tab.rows], tab.total, tab.has_more
    (['Ann Ash'], 2, True)
    """
    loaded = chosen_layout(
        layout, saved, DEFAULT_CONTACTS, Entity.PERSON, reading.licence, reading.lists
    )
    chosen = loaded.layout
    for key in chosen.grouping:
        if column(key, Entity.PERSON).list_kind is ListKind.LEAD_STATUS:
            reading.licence.require(Feature.LEAD_STATUS, f"grouping by {key!r}")
    filters = filters_criterion(chosen.filters, Entity.PERSON)
    order = [Order(k) for k in chosen.grouping] + [
        o for o in chosen.order if o.field not in chosen.grouping
    ]
    check_view_page(page)
    query = reading.query(filters, Entity.PERSON, sort_orders(order, Entity.PERSON), page)
    companies = {company.id: company}
    rows = MemberRows.of_persons(persons, companies, filters, reading)
    groups = member_groups(rows, chosen.grouping, reading.cells)
    found = rows.page(query.order, page)
    columns = tuple(column(k, Entity.PERSON) for k in chosen.columns)
    return ContactsTab(
        int(company.id),
        chosen,
        tuple(ColumnHeading.of(c, reading.language) for c in columns),
        record_rows(columns, found.items, companies, reading.cells),
        found.total,
        page,
        groups,
        loaded.dropped,
    )
