"""The contacts tab of a company: its persons in chosen columns, filtered, grouped
and sorted, in the layout each associate saved.

See :meth:`leadcore.service.views.Views.contacts_tab`.

>>> from leadcore.queries import Page
>>> from leadcore.views.settings import Layout
>>> tab = ContactsTab(1, Layout(()), (), (), 0, Page(0, 50), ())
>>> tab.has_more
False
"""

from __future__ import annotations

import attrs

from leadcore.queries import Page
from leadcore.views.columns import ColumnHeading, Row
from leadcore.views.results import GroupBucket
from leadcore.views.settings import Dropped, Layout

__all__ = ["ContactsTab"]


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
