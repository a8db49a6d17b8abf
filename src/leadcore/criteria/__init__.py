"""The criteria algebra of the Find screen: build, normalize, evaluate, text, JSON.

>>> from leadcore.criteria import condition, referenced_fields
>>> c = condition("person.lead_status", "in", 1, 2) & ~condition("person.retired", "is_true")
>>> sorted(referenced_fields(c))
['person.lead_status', 'person.retired']
"""

from leadcore.criteria.ast import (
    ALWAYS,
    NEVER,
    AllOf,
    Always,
    AnyOf,
    Condition,
    Criterion,
    Group,
    Groups,
    Never,
    Not,
    Operator,
    Period,
    Value,
    all_of,
    any_of,
    negate,
)
from leadcore.criteria.build import (
    condition,
    expand_groups,
    expected_values,
    is_inactive,
    iter_conditions,
    referenced_fields,
    require_licence,
    validate,
)
from leadcore.criteria.errors import (
    BadValueError,
    CriteriaError,
    CriteriaParseError,
    OperatorNotAllowed,
    UnknownFieldError,
    UnknownOperatorError,
)
from leadcore.criteria.evaluate import (
    Environment,
    Explanation,
    LeafOutcome,
    company_predicate,
    company_reader,
    explain,
    person_predicate,
    person_reader,
)
from leadcore.criteria.fields import Entity, Field, ListKind, Reach, ValueType, field, fields_for
from leadcore.criteria.normalize import INVERSE, inverse, normalize

__all__ = [
    "ALWAYS",
    "INVERSE",
    "NEVER",
    "AllOf",
    "Always",
    "AnyOf",
    "BadValueError",
    "Condition",
    "CriteriaError",
    "CriteriaParseError",
    "Criterion",
    "Entity",
    "Environment",
    "Explanation",
    "Field",
    "Group",
    "Groups",
    "LeafOutcome",
    "ListKind",
    "Never",
    "Not",
    "Operator",
    "OperatorNotAllowed",
    "Period",
    "Reach",
    "UnknownFieldError",
    "UnknownOperatorError",
    "Value",
    "ValueType",
    "all_of",
    "any_of",
    "company_predicate",
    "company_reader",
    "condition",
    "expand_groups",
    "expected_values",
    "explain",
    "field",
    "fields_for",
    "inverse",
    "is_inactive",
    "iter_conditions",
    "negate",
    "normalize",
    "person_predicate",
    "person_reader",
    "referenced_fields",
    "require_licence",
    "validate",
]
