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
from leadcore.criteria.fields import Entity, Field, ListKind, Reach, ValueType, field, fields_for

__all__ = [
    "ALWAYS",
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
    "Field",
    "Group",
    "Groups",
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
    "condition",
    "expand_groups",
    "expected_values",
    "field",
    "fields_for",
    "is_inactive",
    "iter_conditions",
    "negate",
    "referenced_fields",
    "require_licence",
    "validate",
]
