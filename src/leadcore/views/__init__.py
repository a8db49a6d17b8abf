"""Read models of the seed page's screens, and the pure functions that compute them.

A view holds no second copy of the data: every figure comes from the adapter's
queries (pages with totals, grouped counts) or the history, which the service
reads in one unit of work and hands to the functions here (thin orchestration,
fat values: see docs/architecture.md), so the same call works on any adapter
that passes :mod:`leadcore.testing.contract`. Views return plain frozen values
(rows, columns, cells, cards, buckets) that serialize with the cattrs converter.
"""

from leadcore.views.board import NO_VALUE_LABEL, Board, BoardColumn
from leadcore.views.cards import PersonCard
from leadcore.views.columns import (
    NAME_COLUMN,
    Cell,
    CellValue,
    Column,
    ColumnFilter,
    ColumnHeading,
    Row,
    UnknownColumnError,
    catalogue,
    column,
)
from leadcore.views.contacts import ContactsTab
from leadcore.views.dashboards import (
    AgedPerson,
    AgeingBucket,
    AgeingTile,
    DashboardFilter,
    DurationFigures,
    FunnelStage,
    FunnelStep,
    FunnelTile,
    LeadBreakdown,
    NewLeadsBucket,
    NewLeadsTile,
    ReportPeriod,
    StatusCount,
    StatusCountsTile,
    StatusTime,
    TimeInStatusTile,
)
from leadcore.views.results import GroupBucket, ResultsPage
from leadcore.views.settings import (
    CONTACTS_TAB,
    FIND_RESULTS,
    BadLayoutError,
    Dropped,
    Layout,
    LoadedLayout,
    converter,
)

__all__ = [
    "CONTACTS_TAB",
    "FIND_RESULTS",
    "NAME_COLUMN",
    "NO_VALUE_LABEL",
    "AgedPerson",
    "AgeingBucket",
    "AgeingTile",
    "BadLayoutError",
    "Board",
    "BoardColumn",
    "Cell",
    "CellValue",
    "Column",
    "ColumnFilter",
    "ColumnHeading",
    "ContactsTab",
    "DashboardFilter",
    "Dropped",
    "DurationFigures",
    "FunnelStage",
    "FunnelStep",
    "FunnelTile",
    "GroupBucket",
    "Layout",
    "LeadBreakdown",
    "LoadedLayout",
    "NewLeadsBucket",
    "NewLeadsTile",
    "PersonCard",
    "ReportPeriod",
    "ResultsPage",
    "Row",
    "StatusCount",
    "StatusCountsTile",
    "StatusTime",
    "TimeInStatusTile",
    "UnknownColumnError",
    "catalogue",
    "column",
    "converter",
]
