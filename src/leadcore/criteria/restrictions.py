"""SuperOffice restriction rows in leadcore's own column names: the neutral pair.

:func:`export_restrictions` and :func:`import_restrictions` write and read
:class:`Restriction` rows whose columns are leadcore's own names (:data:`COLUMNS`:
``leadStatus``, ``contact/categoryGroup``, and columns for the UTM fields and
``person.status_changed``, which no SuperOffice provider has). They are a thin layer over
:mod:`leadcore.criteria.superoffice` with its neutral provider ``leadcore``: the same
operator table, value reader, refusals and errors as every SuperOffice form (see
docs/criteria-formats.md section 3). To read or write what a SuperOffice installation
sends and accepts, use the provider-aware functions of :mod:`leadcore.criteria.superoffice`.

>>> from leadcore.criteria.build import condition
>>> c = condition("person.lead_status", "in", 1, 2) & ~condition("company.category_group", "in", 1)
>>> rows = export_restrictions(c)
>>> [(r.name, r.operator, r.values) for r in rows]  # the normal form: children sorted
[('contact/categoryGroup', 'notOneOf', ('1',)), ('leadStatus', 'oneOf', ('1', '2'))]
>>> import_restrictions(rows) == condition("company.category_group", "not_in", 1) & condition(
...     "person.lead_status", "in", 1, 2)
True
>>> export_restrictions(~condition("person.registered", "today"))
Traceback (most recent call last):
...
leadcore.criteria.superoffice._common.SuperOfficeExportError: cannot export 'not person...
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from leadcore.criteria.ast import Criterion
from leadcore.criteria.errors import CriteriaParseError
from leadcore.criteria.fields import Entity
from leadcore.criteria.superoffice._common import RestrictionExportError
from leadcore.criteria.superoffice._row import MAX_PARENTHESES, Link, Restriction
from leadcore.criteria.superoffice.columns import COLUMNS, LEADCORE
from leadcore.criteria.superoffice.rows import read_rows, write_rows

__all__ = [
    "COLUMNS",
    "MAX_PARENTHESES",
    "Link",
    "Restriction",
    "RestrictionExportError",
    "export_restrictions",
    "from_archive_infos",
    "import_restrictions",
    "to_archive_infos",
]


def export_restrictions(
    criterion: Criterion, *, entity: Entity = Entity.PERSON
) -> tuple[Restriction, ...]:
    """``criterion`` as restriction rows in leadcore's column names (refuses what SuperOffice
    cannot say, with a :class:`~leadcore.criteria.superoffice.SuperOfficeExportError`).

    A plain and/or tree of leaves is written as it is; otherwise (``not``, the
    group form, constants) its normal form is written. ALWAYS is no rows (an
    empty Find lists everything), NEVER is the row ``getNoRows set 1``.

    >>> from leadcore.criteria.build import condition
    >>> rows = export_restrictions(condition("person.retired", "is_true") | (condition(
    ...     "person.first_name", "begins", "An") & condition("person.registered", "this", "week")))
    >>> [(r.name, r.operator, r.values, r.link.value, r.open_parens, r.close_parens)
    ...  for r in rows]  # doctest: +NORMALIZE_WHITESPACE
    [('retired', 'set', ('1',), 'Or', 0, 0),
     ('firstName', 'begins', ('An',), 'And', 1, 0),
     ('personRegisteredDate', 'thisPeriod', ('week',), 'And', 0, 1)]
    """
    infos = write_rows(criterion, LEADCORE, entity=entity)
    return tuple(Restriction.from_archive_info(info, i) for i, info in enumerate(infos))


def import_restrictions(
    rows: Iterable[Restriction], *, entity: Entity = Entity.PERSON
) -> Criterion:
    """Read restriction rows in leadcore's column names into a validated criterion.

    ``and`` binds tighter than ``or``; parentheses group; inactive rows are
    skipped; no (active) row is ALWAYS. Every spelling the SuperOffice readers take
    is read. An unknown column or operator, a bad value or unbalanced parentheses raise
    a :class:`~leadcore.criteria.superoffice.SuperOfficeReadError` (a
    :class:`CriteriaParseError`) whose position names the row (``rows[2].Operator``).

    >>> rows = [Restriction("firstName", "begins", ("An",), Link.OR),
    ...         Restriction("retired", "set", ("1",), Link.AND),
    ...         Restriction("personRegisteredDate", "beforeToday")]
    >>> from leadcore.criteria.text import format
    >>> print(format(import_restrictions(rows)))
    person.first_name begins "An" or (person.retired is true and person.registered before today)
    >>> import_restrictions([Restriction("shoeSize", "=", ("42",))])
    Traceback (most recent call last):
    ...
    leadcore.criteria.superoffice._common.SuperOfficeReadError: ... at rows[0].Name: ...
    """
    if isinstance(rows, str | bytes | Mapping) or not isinstance(rows, Iterable):
        expected = "an iterable of Restriction rows"
        raise CriteriaParseError("", "rows", expected, type(rows).__name__)
    listed = tuple(rows)
    for i, row in enumerate(listed):
        if not isinstance(row, Restriction):
            raise CriteriaParseError("", f"rows[{i}]", "a Restriction", type(row).__name__)
    return read_rows(listed, LEADCORE, entity=entity).criterion


def to_archive_infos(rows: Iterable[Restriction]) -> list[dict[str, Any]]:
    """Rows as a list of SuperOffice ``ArchiveRestrictionInfo`` JSON objects.

    >>> to_archive_infos([Restriction("retired", "set", ("1",))])
    [{'Name': 'retired', 'Operator': 'set', 'Values': ['1'], 'IsActive': True, ...}]
    """
    return [row.to_archive_info() for row in rows]


def from_archive_infos(data: Iterable[Mapping[str, Any]]) -> tuple[Restriction, ...]:
    """Rows from a list of SuperOffice ``ArchiveRestrictionInfo`` JSON objects.

    >>> rows = from_archive_infos([{"Name": "retired", "Operator": "set", "Values": ["0"]}])
    >>> import_restrictions(rows)
    Condition(field='person.retired', operator=<Operator.IS_FALSE: 'is_false'>, values=())
    """
    if isinstance(data, str | bytes | Mapping) or not isinstance(data, Iterable):
        expected = "a list of ArchiveRestrictionInfo objects"
        raise CriteriaParseError("", "rows", expected, type(data).__name__)
    return tuple(Restriction.from_archive_info(item, i) for i, item in enumerate(data))
