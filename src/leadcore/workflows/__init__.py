"""Workflows over many records: bulk update, category automation (R9) and lead
distribution (R11). The values and pure decisions live here; the service
(:class:`leadcore.LeadService`) runs them in units of work. See docs/workflows.md.
"""

from leadcore.workflows.automation import (
    AutomationResult,
    AutomationRule,
    AutomationRules,
    Decision,
    SaleStage,
    Suggestion,
    Trigger,
    TriggerKind,
)
from leadcore.workflows.bulk import (
    BulkChange,
    BulkChanged,
    BulkLog,
    BulkPreview,
    BulkProgress,
    BulkScope,
    BulkSkipped,
    ClearLeadStatus,
    DistributeOwners,
    RecordKind,
    RecordRef,
    SetCompanyCategory,
    SetLeadStatus,
    SetOwner,
    SkipReason,
)
from leadcore.workflows.distribution import Distribute

__all__ = [
    "AutomationResult",
    "AutomationRule",
    "AutomationRules",
    "BulkChange",
    "BulkChanged",
    "BulkLog",
    "BulkPreview",
    "BulkProgress",
    "BulkScope",
    "BulkSkipped",
    "ClearLeadStatus",
    "Decision",
    "Distribute",
    "DistributeOwners",
    "RecordKind",
    "RecordRef",
    "SaleStage",
    "SetCompanyCategory",
    "SetLeadStatus",
    "SetOwner",
    "SkipReason",
    "Suggestion",
    "Trigger",
    "TriggerKind",
]
