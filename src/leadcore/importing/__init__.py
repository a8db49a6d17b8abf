"""Bringing many records in: the rows and report of
:meth:`leadcore.LeadService.import_records`, and the CSV reader that makes the rows.

>>> from leadcore import LeadService
>>> service = LeadService.in_memory()
>>> report = service.import_records([CompanyRow("acme", "Acme")],
...                                 [PersonRow("Ann", company_key="acme")])
>>> report.imported_companies, report.imported_persons, report.refused
(1, 1, ())
"""

from leadcore.importing.csv_files import (
    COMPANY_COLUMNS,
    FORMULA_STARTS,
    HISTORY_COLUMNS,
    PERSON_COLUMNS,
    CsvRows,
    escape_formula,
    read_csv,
    unescape_formula,
)
from leadcore.importing.rows import (
    CompanyRow,
    ImportReport,
    OnError,
    PersonRow,
    RefusedRow,
    StatusChange,
    plan_person,
)

__all__ = [
    "COMPANY_COLUMNS",
    "FORMULA_STARTS",
    "HISTORY_COLUMNS",
    "PERSON_COLUMNS",
    "CompanyRow",
    "CsvRows",
    "ImportReport",
    "OnError",
    "PersonRow",
    "RefusedRow",
    "StatusChange",
    "escape_formula",
    "plan_person",
    "read_csv",
    "unescape_formula",
]
