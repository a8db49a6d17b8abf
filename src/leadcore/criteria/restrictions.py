"""SuperOffice restriction lists: export and import of ``ArchiveRestrictionInfo``-style rows.

SuperOffice stores a saved search as a flat list of rows: a column name, an
operator name (``oneOf``, ``begins``, ``between``, ``currentAssociate`` ...),
values as strings, the link to the next row (``And``/``Or``) and parentheses
(``InterParenthesis``: opening ones before the row when positive, closing ones
after it when negative). :func:`export_restrictions` writes a criterion as such
rows and :func:`import_restrictions` reads rows back into a criterion, so saved
searches move between the two. The column names are in :data:`COLUMNS`.

Only what the rows can say is exported: and/or with parentheses over leaves
whose operator has a SuperOffice name. A ``not`` is pushed into the leaves by
:func:`~leadcore.criteria.normalize.normalize` where that is exact; what stays
(and operators SuperOffice lacks) is refused with :class:`RestrictionExportError`.
Rows are read with ``and`` binding tighter than ``or`` (as in SQL); export
writes parentheses around every nested and/or, so it does not depend on that.

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
leadcore.criteria.restrictions.RestrictionExportError: cannot export 'not person.registered ...
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

import attrs

from leadcore.criteria.ast import (
    ALWAYS,
    NEVER,
    AllOf,
    Always,
    AnyOf,
    Condition,
    Criterion,
    Never,
    Not,
    Operator,
    Period,
    Value,
    all_of,
    any_of,
)
from leadcore.criteria.build import (
    MAX_INT_DIGITS,
    MAX_NESTING,
    NO_VALUE_OPERATORS,
    PERIOD_OPERATORS,
    TEXT_OPERATORS,
    check_nesting,
    is_inactive,
    nodes_along,
    period_count,
    read_int,
    validate,
)
from leadcore.criteria.errors import CriteriaError, CriteriaParseError, CriteriaTooDeep, found_text
from leadcore.criteria.fields import Entity, Field, ValueType, field
from leadcore.criteria.normalize import normalize
from leadcore.criteria.text import format as format_text
from leadcore.criteria.text import locate

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


MAX_PARENTHESES = MAX_NESTING
"""The most parentheses open at once while rows are read, and so the most one row opens
or closes (``abs(InterParenthesis)``): deeper parentheses could only hold a tree deeper
than :data:`~leadcore.criteria.build.MAX_NESTING`, or redundant ones."""


def _row_error(what: str, why: str, fix: str, key: str) -> CriteriaError:
    return CriteriaError(what, why=why, fix=fix, key=key)


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    """The values as a tuple of str; one text is refused rather than split into characters.

    (A named function rather than ``tuple``: it gives mypy's attrs plugin the type.)
    """
    if isinstance(values, str | bytes | bytearray | Mapping) or not isinstance(values, Iterable):
        raise _row_error(
            f"values must be a sequence of texts, got {type(values).__name__}",
            why="a row holds a list of values; a single text would be split into characters",
            fix='Pass a tuple or list of str, e.g. values=("12",)',
            key="values",
        )
    out = tuple(values)
    for index, value in enumerate(out):
        if not isinstance(value, str):
            raise _row_error(
                f"values[{index}] must be a text, got {type(value).__name__}",
                why="SuperOffice restriction values are strings",
                fix=f"Write the value as text, e.g. {str(value)[:20]!r}",
                key=f"values[{index}]",
            )
    return out


class Link(enum.Enum):
    """How a row joins the next one (SuperOffice's ``InterOperator``)."""

    AND = "And"
    OR = "Or"


def _parens(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_PARENTHESES:
        raise _row_error(
            f"{attribute.name} must be a count of parentheses, got {found_text(value)}",
            why=f"a row opens or closes 0 to {MAX_PARENTHESES} parentheses",
            fix=f"Pass an int from 0 to {MAX_PARENTHESES} as {attribute.name}",
            key=attribute.name,
        )


def _of_type(kind: type) -> Callable[[object, attrs.Attribute[Any], object], None]:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kind):
            raise _row_error(
                f"{attribute.name} must be a {kind.__name__}, got {type(value).__name__}",
                why="a restriction row is read field by field",
                fix=f"Pass a {kind.__name__} as {attribute.name}",
                key=attribute.name,
            )

    return check


@attrs.frozen
class Restriction:
    """One row of a SuperOffice restriction list.

    ``open_parens`` open before the row, ``close_parens`` close after it;
    ``link`` joins it to the next row (ignored on the last one); an inactive
    row is skipped when read, as SuperOffice skips it.

    >>> Restriction("firstName", "begins", ("An",)).to_archive_info()["InterParenthesis"]
    0
    """

    name: str = attrs.field(validator=_of_type(str))
    operator: str = attrs.field(validator=_of_type(str))
    values: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    link: Link = attrs.field(default=Link.AND, validator=_of_type(Link))
    open_parens: int = attrs.field(default=0, validator=_parens)
    close_parens: int = attrs.field(default=0, validator=_parens)
    is_active: bool = attrs.field(default=True, validator=_of_type(bool))

    def to_archive_info(self) -> dict[str, Any]:
        """The row in SuperOffice's ``ArchiveRestrictionInfo`` JSON shape.

        ``InterParenthesis`` is ``open_parens - close_parens``: a row that both
        opens and closes has parentheses around itself alone, which change nothing.
        """
        return {
            "Name": self.name,
            "Operator": self.operator,
            "Values": list(self.values),
            "IsActive": self.is_active,
            "InterOperator": self.link.value,
            "InterParenthesis": self.open_parens - self.close_parens,
        }

    @classmethod
    def from_archive_info(cls, data: Mapping[str, Any], index: int = 0) -> Restriction:
        """Read one ``ArchiveRestrictionInfo`` object (other keys, like ``DisplayValues``, are
        ignored); refuses a bad shape with the position ``rows[index].Key``.

        >>> Restriction.from_archive_info({"Name": "retired", "Operator": "set",
        ...     "Values": ["1"], "InterParenthesis": -1}).close_parens
        1
        """

        def bad(key: str, expected: str) -> CriteriaParseError:
            found = found_text(data[key]) if key in data else "nothing"
            return CriteriaParseError("", f"rows[{index}].{key}", expected, found)

        if not isinstance(data, Mapping):
            expected = "an ArchiveRestrictionInfo object"
            raise CriteriaParseError("", f"rows[{index}]", expected, found_text(data))
        name, operator = data.get("Name"), data.get("Operator")
        if not isinstance(name, str):
            raise bad("Name", "a column name")
        if not isinstance(operator, str):
            raise bad("Operator", "an operator name")
        values = data.get("Values") or []
        if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
            raise bad("Values", "a list of strings")
        link = data.get("InterOperator", "And")
        if not isinstance(link, str) or link.capitalize() not in ("And", "Or"):
            raise bad("InterOperator", "And or Or")
        parens = data.get("InterParenthesis", 0)
        if not isinstance(parens, int) or isinstance(parens, bool) or abs(parens) > MAX_PARENTHESES:
            raise bad("InterParenthesis", f"an int from -{MAX_PARENTHESES} to {MAX_PARENTHESES}")
        active = data.get("IsActive", True)
        if not isinstance(active, bool):
            raise bad("IsActive", "true or false")
        return cls(
            name,
            operator,
            tuple(values),
            Link(link.capitalize()),
            open_parens=max(parens, 0),
            close_parens=max(-parens, 0),
            is_active=active,
        )


class RestrictionExportError(CriteriaError):
    """A criterion (or a part of it) has no form in a SuperOffice restriction list."""

    def __init__(self, part: str, why: str, fix: str) -> None:
        super().__init__(f"cannot export {part!r} as SuperOffice restrictions", why=why, fix=fix)


# ---------------------------------------------------------------------------
# Columns
# ---------------------------------------------------------------------------

_UTM_PARTS = ("source", "medium", "campaign", "term", "content")


def _company_columns(prefix: str) -> dict[str, str]:
    return {
        "company.id": f"{prefix}contactId",
        "company.name": f"{prefix}name",
        "company.category": f"{prefix}category",
        "company.category_group": f"{prefix}categoryGroup",
        "company.owner": f"{prefix}associateId",
        "company.registered": f"{prefix}registeredDate",
        "company.updated": f"{prefix}updatedDate",
        **{f"company.source.{p}": f"{prefix}contactSourceUtm/{p}" for p in _UTM_PARTS},
        **{f"company.first_touch.{p}": f"{prefix}contactFirstTouchUtm/{p}" for p in _UTM_PARTS},
        **{f"company.lead_creation.{p}": f"{prefix}contactLeadCreationUtm/{p}" for p in _UTM_PARTS},
    }


COLUMNS: Mapping[Entity, Mapping[str, str]] = MappingProxyType(
    {
        Entity.PERSON: MappingProxyType(
            {
                "person.id": "personId",
                "person.lead_status": "leadStatus",
                "person.category": "personCategory",
                "person.category_group": "personCategoryGroup",
                "person.first_name": "firstName",
                "person.last_name": "lastName",
                "person.email": "email/emailAddress",
                "person.owner": "personAssociateId",
                "person.registered": "personRegisteredDate",
                "person.updated": "personUpdatedDate",
                "person.status_changed": "personLeadStatusChangedDate",
                "person.retired": "retired",
                "person.has_company": "hasCompany",
                **{f"person.first_touch.{p}": f"personFirstTouchUtm/{p}" for p in _UTM_PARTS},
                **{f"person.lead_creation.{p}": f"personLeadCreationUtm/{p}" for p in _UTM_PARTS},
                **_company_columns("contact/"),
            }
        ),
        Entity.COMPANY: MappingProxyType(_company_columns("")),
    }
)
"""Field key -> SuperOffice column name, per searched entity (person search: company
columns under ``contact/``). The UTM columns are leadcore's names in SuperOffice's style."""

_BY_COLUMN: Mapping[Entity, Mapping[str, str]] = {
    entity: {column.casefold(): key for key, column in columns.items()}
    for entity, columns in COLUMNS.items()
}

_ALL_ROWS, _NO_ROWS = "getAllRows", "getNoRows"

# ---------------------------------------------------------------------------
# Operators
# ---------------------------------------------------------------------------

_EXPORT: Mapping[ValueType, Mapping[Operator, str]] = {
    ValueType.LIST: {Operator.IN: "oneOf", Operator.NOT_IN: "notOneOf"},
    ValueType.ASSOCIATE: {
        Operator.IN: "associateIsOneOf",
        Operator.NOT_IN: "associateIsNotOneOf",
        Operator.CURRENT_ASSOCIATE: "currentAssociate",
    },
    ValueType.TEXT: {
        Operator.EQUALS: "is",
        Operator.NOT_EQUALS: "isNot",
        Operator.BEGINS: "begins",
        Operator.NOT_BEGINS: "notBegins",
        Operator.CONTAINS: "contains",
        Operator.NOT_CONTAINS: "notContains",
        Operator.ENDS: "ends",
    },
    ValueType.NUMBER: {
        Operator.EQ: "=",
        Operator.NE: "<>",
        Operator.GT: ">",
        Operator.LT: "<",
        Operator.GE: ">=",
        Operator.LE: "<=",
        Operator.BETWEEN: "between",
    },
    ValueType.BOOL: {Operator.IS_TRUE: "set", Operator.IS_FALSE: "set"},
    ValueType.DATE: {
        Operator.BEFORE: "before",
        Operator.ON: "date",
        Operator.AFTER: "after",
        Operator.DATE_BETWEEN: "between",
        Operator.BEFORE_TODAY: "beforeToday",
        Operator.TODAY: "today",
        Operator.AFTER_TODAY: "afterToday",
        Operator.THIS: "thisPeriod",
        Operator.NEXT: "nextPeriod",
        Operator.PREVIOUS: "previousPeriod",
        Operator.THIS_AND_NEXT: "thisAndNext",
        Operator.THIS_AND_PREVIOUS: "thisAndPrevious",
        Operator.THIS_PREVIOUS_AND_NEXT: "thisPreviousAndNext",
    },
}
"""The SuperOffice operator name of each operator, by field type (what export writes)."""

_ALIASES: Mapping[ValueType, Mapping[str, Operator]] = {
    ValueType.LIST: {"equals": Operator.IN},
    ValueType.ASSOCIATE: {"oneof": Operator.IN, "notoneof": Operator.NOT_IN},
    ValueType.TEXT: {"equals": Operator.EQUALS},
    ValueType.NUMBER: {
        "equals": Operator.EQ,
        "unequals": Operator.NE,
        "!=": Operator.NE,
        "greater": Operator.GT,
        "less": Operator.LT,
    },
    ValueType.BOOL: {},
    ValueType.DATE: {
        "equals": Operator.ON,
        "datetime": Operator.ON,
        "beforetime": Operator.BEFORE,
    },
}
_IMPORT: Mapping[ValueType, Mapping[str, Operator]] = {
    vt: {
        **{name.casefold(): op for op, name in ops.items() if vt is not ValueType.BOOL},
        **_ALIASES[vt],
    }
    for vt, ops in _EXPORT.items()
}
_COUNTED_PERIODS = frozenset(
    {Operator.NEXT, Operator.PREVIOUS, Operator.THIS_AND_NEXT, Operator.THIS_AND_PREVIOUS}
)
"""Period operators whose SuperOffice form also takes a count of periods (N in "this and
previous N periods"); a count of 1 is read as the plain operator."""
_PERIOD_NAMES: Mapping[str, Period] = {
    **dict.fromkeys(("day", "days", "1"), Period.DAY),
    **dict.fromkeys(("week", "weeks", "wk", "wks", "2"), Period.WEEK),
    **dict.fromkeys(("month", "months", "mon", "mos", "3"), Period.MONTH),
    **dict.fromkeys(("quarter", "quarters", "qtr", "qtrs", "4"), Period.QUARTER),
    **dict.fromkeys(("year", "years", "yr", "yrs", "6"), Period.YEAR),
}
_TRUE, _FALSE = (
    frozenset({"1", "true", "[b:1]", "[i:1]"}),
    frozenset({"0", "false", "[b:0]", "[i:0]"}),
)
_ENCODED_INT = re.compile(r"\[I:(-?\d+)\]", re.IGNORECASE)
_INTEGER = re.compile(r"[+-]?\d+")
_ENCODED_FLOAT = re.compile(r"\[F:([^\]]+)\]", re.IGNORECASE)

# ---------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------


def _exportable_as_is(c: Criterion) -> bool:
    if isinstance(c, Condition):
        return not is_inactive(c)
    if isinstance(c, AllOf | AnyOf):
        return len(c.children) >= 2 and all(_exportable_as_is(x) for x in c.children)
    return False


def _value_text(value: Value) -> str:
    if isinstance(value, bool) or value is None:
        raise TypeError(f"not an exportable value: {value!r}")
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Period):
        return value.value
    return value


def _row(leaf: Condition, entity: Entity) -> Restriction:
    spec = field(leaf.field, entity)
    name = _EXPORT[spec.value_type].get(leaf.operator)
    if name is None:
        raise RestrictionExportError(
            format_text(leaf, entity=entity),
            why=f"SuperOffice has no restriction operator for {leaf.operator.value!r} "
            f"on a {spec.value_type.value} field",
            fix="Rewrite the criterion with the operators of docs/criteria-formats.md, "
            "or keep it in leadcore's JSON or text form",
        )
    if leaf.operator in TEXT_OPERATORS and leaf.values == ("",):
        raise RestrictionExportError(
            format_text(leaf, entity=entity),
            why="SuperOffice ignores a restriction whose text is empty (domain.md §3)",
            fix="Leave the criterion out, or keep it in leadcore's JSON or text form",
        )
    if any(isinstance(v, float) and not math.isfinite(v) for v in leaf.values):
        raise RestrictionExportError(
            format_text(leaf, entity=entity),
            why="SuperOffice numbers are finite",
            fix="Use a finite bound",
        )
    if leaf.operator in (Operator.IS_TRUE, Operator.IS_FALSE):
        values: tuple[str, ...] = ("1" if leaf.operator is Operator.IS_TRUE else "0",)
    elif leaf.operator in _COUNTED_PERIODS:
        count, period = period_count(leaf.values)
        values = (str(count), period.value)
    else:
        values = tuple(_value_text(v) for v in leaf.values)
    return Restriction(COLUMNS[entity][leaf.field], name, values)


def _emit(node: Criterion, rows: list[Restriction], entity: Entity, *, nested: bool) -> None:
    if isinstance(node, Condition):
        rows.append(_row(node, entity))
        return
    if isinstance(node, AllOf | AnyOf):
        link = Link.AND if isinstance(node, AllOf) else Link.OR
        start = len(rows)
        for i, child in enumerate(node.children):
            _emit(child, rows, entity, nested=True)
            if i < len(node.children) - 1:
                rows[-1] = attrs.evolve(rows[-1], link=link)
        if nested:
            rows[start] = attrs.evolve(rows[start], open_parens=rows[start].open_parens + 1)
            rows[-1] = attrs.evolve(rows[-1], close_parens=rows[-1].close_parens + 1)
        return
    if isinstance(node, Not):
        raise RestrictionExportError(
            format_text(node, entity=entity),
            why="restriction rows have no NOT, and this negation has no "
            "exact positive form (on a field that can be missing, or a date operator, the "
            "negation also matches rows without a value)",
            fix="Use the negative operator you mean (for example not_in, or a range), "
            "or keep the criterion in leadcore's JSON or text form",
        )
    raise RestrictionExportError(
        type(node).__name__,
        why="only and/or and leaves are restriction rows",
        fix="Normalize the criterion first",
    )


def export_restrictions(
    criterion: Criterion, *, entity: Entity = Entity.PERSON
) -> tuple[Restriction, ...]:
    """``criterion`` as SuperOffice restriction rows (refuses what they cannot say).

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
    validate(criterion, entity)
    tree = criterion if _exportable_as_is(criterion) else normalize(criterion, entity)
    if isinstance(tree, Always):
        return ()
    if isinstance(tree, Never):
        return (Restriction(_NO_ROWS, "set", ("1",)),)
    rows: list[Restriction] = []
    _emit(tree, rows, entity, nested=False)
    return tuple(rows)


# ---------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------


def _bad(index: int, key: str, expected: str, found: object) -> CriteriaParseError:
    return CriteriaParseError("", f"rows[{index}].{key}", expected, found_text(found))


def _int(text: str) -> int:
    m = _ENCODED_INT.fullmatch(text.strip())
    return read_int(m.group(1) if m else text)


def _number(text: str) -> int | float:
    m = _ENCODED_FLOAT.fullmatch(text.strip())
    raw = m.group(1) if m else text.strip()
    try:
        return _int(raw)
    except ValueError:
        if _INTEGER.fullmatch(raw):
            raise  # too many digits: not silently a float that drops them
        number = float(raw)
        if not math.isfinite(number):  # SuperOffice numbers are finite (NaN, inf, 1e999)
            raise ValueError(raw) from None
        return number


def _date(text: str) -> date:
    raw = text.strip()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return datetime.fromisoformat(raw).date()  # SuperOffice: only the date part is used


def _values(row: Restriction, index: int, spec: Field, op: Operator) -> tuple[Value, ...]:
    out: list[Value] = []
    texts = row.values
    if op in _COUNTED_PERIODS and len(texts) == 2:
        try:
            count = _int(texts[0])
        except ValueError:
            count = 0
        if count < 1:
            raise _bad(index, "values[0]", "a count of periods (1 or more)", texts[0])
        if count > 1:  # a count of one is the operator's default, left out
            out.append(count)
        texts = texts[1:]
    for j, text in enumerate(texts):
        try:
            if op in PERIOD_OPERATORS:
                out.append(_PERIOD_NAMES[text.strip().casefold()])
            elif spec.value_type in (ValueType.LIST, ValueType.ASSOCIATE):
                out.append(_int(text))
            elif spec.value_type is ValueType.NUMBER:
                out.append(_number(text))
            elif spec.value_type is ValueType.DATE:
                out.append(_date(text))
            else:
                out.append(text)
        except (ValueError, KeyError):
            expected = {
                ValueType.LIST: f"an id of at most {MAX_INT_DIGITS} digits",
                ValueType.ASSOCIATE: f"an associate id of at most {MAX_INT_DIGITS} digits",
                ValueType.NUMBER: f"a finite number (integers of at most {MAX_INT_DIGITS} digits)",
                ValueType.DATE: "an ISO date (YYYY-MM-DD)",
            }.get(spec.value_type, "a value")
            if op in PERIOD_OPERATORS:
                expected = "a period (day, week, month, quarter, year or 1-5)"
            raise _bad(index, f"values[{j}]", expected, text) from None
    return tuple(out)


_TAKES_VALUES = frozenset(
    name.casefold()
    for ops in _EXPORT.values()
    for op, name in ops.items()
    if op not in NO_VALUE_OPERATORS
) - {"set"}


def _empty_value(row: Restriction) -> bool:
    """A row whose operator takes values but whose values are all empty: SuperOffice ignores
    it (domain.md §3), so it is read as inactive rather than as ``equals ""``."""
    if row.operator.strip().casefold() not in _TAKES_VALUES | {"equals"}:
        return False
    return all(v == "" for v in row.values)


def _leaf(row: Restriction, index: int, entity: Entity) -> Criterion:
    if row.name in (_ALL_ROWS, _NO_ROWS):
        on = {v.strip().casefold() for v in row.values} <= _TRUE
        return ALWAYS if (row.name == _ALL_ROWS) == on else NEVER
    key = _BY_COLUMN[entity].get(row.name.casefold())
    if key is None:
        known = ", ".join(sorted(COLUMNS[entity].values()))
        raise _bad(index, "name", f"a known column ({known})", row.name)
    spec = field(key, entity)
    opname = row.operator.strip().casefold()
    if spec.value_type is ValueType.BOOL:
        flags = {v.strip().casefold() for v in row.values}
        if opname not in ("set", "equals", "=") or len(flags) != 1 or not flags <= _TRUE | _FALSE:
            raise _bad(index, "operator", "set with the value 1 or 0", (row.operator, row.values))
        leaf = Condition(key, Operator.IS_TRUE if flags <= _TRUE else Operator.IS_FALSE)
    else:
        op = _IMPORT[spec.value_type].get(opname)
        if op is None:
            names = ", ".join(sorted(set(_EXPORT[spec.value_type].values())))
            raise _bad(index, "operator", f"an operator of {row.name} ({names})", row.operator)
        leaf = Condition(key, op, _values(row, index, spec, op))
    try:
        validate(leaf, entity)
    except CriteriaError as err:
        raise locate(err, "", f"rows[{index}]") from err
    return leaf


@attrs.define
class _Frame:
    """The rows inside one pair of parentheses (or all rows): or-ed conjunctions of and-ed
    parts, each part with the row it starts at; ``None`` for an inactive part."""

    row: int  # where the parenthesis opened
    ors: list[tuple[Criterion | None, int]] = attrs.Factory(list)
    ands: list[tuple[Criterion | None, int]] = attrs.Factory(list)

    def close_conjunction(self, rows_of: dict[int, int]) -> None:
        self.ors.append(_joined(all_of, self.ands, rows_of))
        self.ands = []

    def result(self, rows_of: dict[int, int]) -> tuple[Criterion | None, int]:
        self.close_conjunction(rows_of)
        return _joined(any_of, self.ors, rows_of)


def _joined(
    join: Callable[[list[Criterion]], Criterion],
    parts: list[tuple[Criterion | None, int]],
    rows_of: dict[int, int],
) -> tuple[Criterion | None, int]:
    active = [(part, row) for part, row in parts if part is not None]
    if not active:
        return None, parts[0][1]
    node = join([part for part, _ in active])
    return _noted(node, active[0][1], rows_of), active[0][1]


def _noted(node: Criterion, row: int, rows_of: dict[int, int]) -> Criterion:
    """``node``, noting the row it starts at (the singletons have no one row)."""
    if node is not ALWAYS and node is not NEVER:
        rows_of.setdefault(id(node), row)
    return node


def _parse_rows(rows: Sequence[Restriction], entity: Entity) -> Criterion:
    """and/or with parentheses over the rows; ``and`` binds tighter than ``or``.

    Iterative: each open parenthesis is a frame on an explicit stack, at most
    :data:`MAX_PARENTHESES` deep; a count of parentheses is never expanded.
    """
    rows_of: dict[int, int] = {}  # id of each node built -> the row it starts at
    frames = [_Frame(-1)]
    for i, row in enumerate(rows):
        if len(frames) - 1 + row.open_parens > MAX_PARENTHESES:
            raise _bad(i, "open_parens", f"at most {MAX_PARENTHESES} parentheses open", "more")
        frames.extend(_Frame(i) for _ in range(row.open_parens))
        active = row.is_active and not _empty_value(row)
        leaf = _noted(_leaf(row, i, entity), i, rows_of) if active else None
        frames[-1].ands.append((leaf, i))
        for _ in range(row.close_parens):
            if len(frames) == 1:
                raise _bad(i, "close_parens", "no more closing parentheses than opened", ")")
            inner = frames.pop().result(rows_of)
            frames[-1].ands.append(inner)
        if i < len(rows) - 1 and row.link is Link.OR:
            frames[-1].close_conjunction(rows_of)
    if len(frames) > 1:
        raise _bad(frames[-1].row, "open_parens", "a matching closing parenthesis", "none")
    if not rows:
        return ALWAYS
    tree = frames[0].result(rows_of)[0] or ALWAYS
    try:
        check_nesting(tree)
    except CriteriaTooDeep as err:
        nodes = nodes_along(tree, err.context["path"])
        row_index = next((rows_of[id(n)] for n in reversed(nodes) if id(n) in rows_of), 0)
        raise locate(err, "", f"rows[{row_index}]") from err
    return tree


def import_restrictions(
    rows: Iterable[Restriction], *, entity: Entity = Entity.PERSON
) -> Criterion:
    """Read SuperOffice restriction rows into a validated criterion.

    ``and`` binds tighter than ``or``; parentheses group; inactive rows are
    skipped; no (active) row is ALWAYS. An unknown column or operator, a bad
    value or unbalanced parentheses raise :class:`CriteriaParseError` whose
    position names the row (``rows[2].operator``).

    >>> rows = [Restriction("firstName", "begins", ("An",), Link.OR),
    ...         Restriction("retired", "set", ("1",), Link.AND),
    ...         Restriction("personRegisteredDate", "beforeToday")]
    >>> print(format_text(import_restrictions(rows)))
    person.first_name begins "An" or (person.retired is true and person.registered before today)
    >>> import_restrictions([Restriction("shoeSize", "=", ("42",))])
    Traceback (most recent call last):
    ...
    leadcore.criteria.errors.CriteriaParseError: cannot read criteria at rows[0].name: ...
    """
    if isinstance(rows, str | bytes | Mapping) or not isinstance(rows, Iterable):
        expected = "an iterable of Restriction rows"
        raise CriteriaParseError("", "rows", expected, type(rows).__name__)
    listed = tuple(rows)
    for i, row in enumerate(listed):
        if not isinstance(row, Restriction):
            raise CriteriaParseError("", f"rows[{i}]", "a Restriction", type(row).__name__)
    return _parse_rows(listed, entity)


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
