"""SuperOffice interoperability: restrictions as SuperOffice's archive providers, restriction
strings, OData ``$filter`` texts and criteria groups spell them.

Every reader takes the provider (``FindContact``, ``ContactPersonDynamicSelectionV2``,
``Person``, ``SimplePerson``, ``Contact``, ``Dynamic``, the providers that share their
columns, :data:`SIBLINGS`, and ``leadcore``, leadcore's own column names) and returns
:class:`Imported` (the criterion and an :class:`ImportReport` of what was read how);
every refusal is a :class:`SuperOfficeReadError` naming the restriction, its position
and the reason. Every writer refuses what SuperOffice cannot express with a
:class:`SuperOfficeExportError` naming the construct. One operator table
(:data:`~leadcore.criteria.superoffice.operators.OPERATORS`) and one value reader
(:mod:`~leadcore.criteria.superoffice.values`) serve every form. See
docs/criteria-formats.md.

>>> got = read_string("leadStatus oneOf (1,2) and personEmail/emailAddress is ''",
...     "FindContact")
>>> write_filter(got.criterion, "FindContact"), len(got.report.ignored)
('leadStatus oneOf (1,2)', 1)
"""

from leadcore.criteria.superoffice._common import (
    Imported,
    ImportReport,
    Note,
    NoteKind,
    RestrictionExportError,
    SuperOfficeBadValue,
    SuperOfficeExportError,
    SuperOfficeReadError,
    SuperOfficeTooDeep,
)
from leadcore.criteria.superoffice._row import Link, Restriction
from leadcore.criteria.superoffice.columns import (
    PROVIDERS,
    SIBLINGS,
    ColumnError,
    Provider,
    provider,
)
from leadcore.criteria.superoffice.rows import read_groups, read_rows, write_groups, write_rows
from leadcore.criteria.superoffice.strings import (
    read_filter,
    read_string,
    write_filter,
    write_string,
)

__all__ = [
    "PROVIDERS",
    "SIBLINGS",
    "ColumnError",
    "ImportReport",
    "Imported",
    "Link",
    "Note",
    "NoteKind",
    "Provider",
    "Restriction",
    "RestrictionExportError",
    "SuperOfficeBadValue",
    "SuperOfficeExportError",
    "SuperOfficeReadError",
    "SuperOfficeTooDeep",
    "provider",
    "read_filter",
    "read_groups",
    "read_rows",
    "read_string",
    "write_filter",
    "write_groups",
    "write_rows",
    "write_string",
]
