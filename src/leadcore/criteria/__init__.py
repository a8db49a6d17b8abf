"""The criteria algebra of the Find screen: build, normalize, evaluate, text, JSON.

>>> from leadcore.criteria import condition, referenced_fields, format_text, parse_text
>>> c = condition("person.lead_status", "in", 1, 2) & ~condition("person.retired", "is_true")
>>> sorted(referenced_fields(c))
['person.lead_status', 'person.retired']
>>> parse_text(format_text(c)) == c
True

The text form is also reachable as :func:`leadcore.criteria.text.parse` and
:func:`leadcore.criteria.text.format`; here they carry a suffix so that
``from leadcore.criteria import *`` does not shadow the builtin ``format``.
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
    MAX_NESTING,
    condition,
    expand_groups,
    expected_values,
    is_inactive,
    iter_conditions,
    referenced_fields,
    require_licence,
    validate,
)
from leadcore.criteria.describe import describe
from leadcore.criteria.errors import (
    BadValueError,
    CriteriaError,
    CriteriaParseError,
    CriteriaTooDeep,
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
from leadcore.criteria.json import from_json, to_json
from leadcore.criteria.normalize import INVERSE, inverse, normalize
from leadcore.criteria.restrictions import (
    Link,
    Restriction,
    RestrictionExportError,
    export_restrictions,
    import_restrictions,
)
from leadcore.criteria.text import BadValueAt, OperatorNotAllowedAt, UnknownFieldAt
from leadcore.criteria.text import format as format_text
from leadcore.criteria.text import parse as parse_text

__all__ = [
    "ALWAYS",
    "INVERSE",
    "MAX_NESTING",
    "NEVER",
    "AllOf",
    "Always",
    "AnyOf",
    "BadValueAt",
    "BadValueError",
    "Condition",
    "CriteriaError",
    "CriteriaParseError",
    "CriteriaTooDeep",
    "Criterion",
    "Entity",
    "Environment",
    "Explanation",
    "Field",
    "Group",
    "Groups",
    "LeafOutcome",
    "Link",
    "ListKind",
    "Never",
    "Not",
    "Operator",
    "OperatorNotAllowed",
    "OperatorNotAllowedAt",
    "Period",
    "Reach",
    "Restriction",
    "RestrictionExportError",
    "UnknownFieldAt",
    "UnknownFieldError",
    "UnknownOperatorError",
    "Value",
    "ValueType",
    "all_of",
    "any_of",
    "company_predicate",
    "company_reader",
    "condition",
    "describe",
    "expand_groups",
    "expected_values",
    "explain",
    "export_restrictions",
    "field",
    "fields_for",
    "format_text",
    "from_json",
    "import_restrictions",
    "inverse",
    "is_inactive",
    "iter_conditions",
    "negate",
    "normalize",
    "parse_text",
    "person_predicate",
    "person_reader",
    "referenced_fields",
    "require_licence",
    "to_json",
    "validate",
]
