"""Read models of the seed page's screens, computed through the service and the ports.

A view holds no second copy of the data: every figure comes from the adapter's
queries (pages with totals, grouped counts) or the history, so the same call works
on any adapter that passes :mod:`leadcore.testing.contract`. Views return plain
frozen values (rows, columns, cells, buckets) that serialize with the cattrs
converter.
"""

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

__all__ = [
    "AgedPerson",
    "AgeingBucket",
    "AgeingTile",
    "DashboardFilter",
    "DurationFigures",
    "FunnelStage",
    "FunnelStep",
    "FunnelTile",
    "LeadBreakdown",
    "NewLeadsBucket",
    "NewLeadsTile",
    "ReportPeriod",
    "StatusCount",
    "StatusCountsTile",
    "StatusTime",
    "TimeInStatusTile",
]
