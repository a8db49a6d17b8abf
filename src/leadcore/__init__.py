"""leadcore: sales-lead management the way SuperOffice CRM does it.

The package root holds what a newcomer needs: :func:`open` and
:class:`LeadService`, the model, the query values, the selection values, the
read models, the most common errors and :func:`retry` (a command run again after
a concurrent change). The rest stays in its module:
:mod:`leadcore.errors` (every error), :mod:`leadcore.workflows` (bulk updates,
automation, distribution), :mod:`leadcore.history` (entries and events),
:mod:`leadcore.policies`, :mod:`leadcore.lists`, :mod:`leadcore.rules`,
:mod:`leadcore.criteria`, :mod:`leadcore.views`, :mod:`leadcore.importing`.

>>> import leadcore
>>> service = leadcore.open(":memory:")
>>> lead = service.lists().categories.by_name("Lead")
>>> acme = service.companies.add("Acme", category_id=lead.id)
>>> ann = service.persons.add("Ann", "Ash", company_id=acme.id)
>>> service.persons.lead_status_view(ann.id, "da").label
'Åben'
"""

from leadcore._open import open
from leadcore.errors import (
    CompanyHasPersons,
    ConcurrentChangeError,
    ConflictError,
    FeatureNotLicensed,
    InactiveOwnerError,
    LeadcoreError,
    LeadStatusNotEditable,
    NotFoundError,
    PersistenceError,
    RuleViolation,
    TransitionRefused,
    ValidationError,
)
from leadcore.history import HistoryEntry, StatusSource
from leadcore.licence import Feature, Licence
from leadcore.model import (
    Associate,
    AssociateId,
    Availability,
    Category,
    CategoryGroup,
    CategoryId,
    Company,
    CompanyId,
    LeadStatus,
    LeadStatusId,
    Person,
    PersonId,
    SelectionId,
    Utm,
)
from leadcore.policies import LeadPolicy, RevealPolicy
from leadcore.queries import GroupedCounts, Order, Page, PageResult, Query
from leadcore.retries import retry
from leadcore.rules import LeadStatusView
from leadcore.selections import (
    CombinedSelection,
    CompanyPersons,
    DynamicSelection,
    Members,
    Operation,
    Selection,
    StaticSelection,
    Target,
)
from leadcore.service import NOT_GIVEN, Deletion, LeadService
from leadcore.views.cards import PersonCard

__version__ = "0.1.0"
"""The version of leadcore: its one source (the package metadata reads it from here)."""

__all__ = [
    "NOT_GIVEN",
    "Associate",
    "AssociateId",
    "Availability",
    "Category",
    "CategoryGroup",
    "CategoryId",
    "CombinedSelection",
    "Company",
    "CompanyHasPersons",
    "CompanyId",
    "CompanyPersons",
    "ConcurrentChangeError",
    "ConflictError",
    "Deletion",
    "DynamicSelection",
    "Feature",
    "FeatureNotLicensed",
    "GroupedCounts",
    "HistoryEntry",
    "InactiveOwnerError",
    "LeadPolicy",
    "LeadService",
    "LeadStatus",
    "LeadStatusId",
    "LeadStatusNotEditable",
    "LeadStatusView",
    "LeadcoreError",
    "Licence",
    "Members",
    "NotFoundError",
    "Operation",
    "Order",
    "Page",
    "PageResult",
    "PersistenceError",
    "Person",
    "PersonCard",
    "PersonId",
    "Query",
    "RevealPolicy",
    "RuleViolation",
    "Selection",
    "SelectionId",
    "StaticSelection",
    "StatusSource",
    "Target",
    "TransitionRefused",
    "Utm",
    "ValidationError",
    "__version__",
    "open",
    "retry",
]
