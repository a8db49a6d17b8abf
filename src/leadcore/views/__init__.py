"""Read models of the seed page's screens, computed through the service and the ports.

A view holds no second copy of the data: every figure comes from the adapter's
queries (pages with totals, grouped counts) or the history, so the same call works
on any adapter that passes :mod:`leadcore.testing.contract`. Views return plain
frozen values (rows, columns, cells, buckets) that serialize with the cattrs
converter.
"""

from leadcore.views.board import NO_VALUE_LABEL, Board, BoardColumn
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
