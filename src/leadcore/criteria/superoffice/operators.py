"""SuperOffice operator names and spellings, read into leadcore leaves and written back.

Reading accepts every documented spelling for the field types leadcore models
(the symbol and OData forms, the 8.x period words, the 9.2+ period operators with
a count, ``dateBetween``, ``beforeOrEqual``, ``afterTime`` as "after or equal",
``currentAssociate`` with an empty value or an id, ``isNull``/``isNotNull``);
writing uses one documented name per operator and refuses what SuperOffice
cannot express, naming it. The table with sources is in docs/criteria-formats.md.

>>> from leadcore.criteria.superoffice.columns import PERSON
>>> from leadcore.criteria.text import format
>>> def note(kind, message): print(kind.value + ":", message)
>>> print(format(read_leaf("registered", "afterTime", ["2020-05-28T15:00:01"], PERSON,
...     notes=note)))
alias: registered is read as personRegisteredDate (person.registered)
read_as: afterTime is read as on or after (after or equal)
person.registered on 2020-05-28 or person.registered after 2020-05-28
>>> print(format(read_leaf("updatedDate", "lastWeek", [], PERSON, notes=note)))
alias: updatedDate is read as personUpdatedDate (person.updated)
legacy: lastWeek (8.x) is read as previous week
person.updated previous week
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date

import attrs

from leadcore.criteria.ast import (
    ALWAYS,
    NEVER,
    Condition,
    Criterion,
    Operator,
    Period,
    Value,
    any_of,
)
from leadcore.criteria.build import (
    COUNTED_OPERATORS,
    TEXT_OPERATORS,
    is_inactive,
    period_count,
    validate,
)
from leadcore.criteria.errors import CriteriaError
from leadcore.criteria.fields import Entity, ValueType, field
from leadcore.criteria.superoffice._common import NoteKind
from leadcore.criteria.superoffice.columns import ALL_ROWS, NO_ROWS, Provider
from leadcore.criteria.superoffice.values import (
    BadValue,
    encode_date,
    encode_number,
    read_bool,
    read_count,
    read_date,
    read_id,
    read_number,
    read_period,
)

__all__ = ["Form", "Inactive", "LeafRefused", "WrittenLeaf", "read_leaf", "write_leaf"]


class LeafRefused(CriteriaError):
    """One restriction that cannot be read (unknown operator, bad value, ...); the reader
    turns it into its positioned :class:`SuperOfficeReadError`."""

    def __init__(self, reason: str, fix: str) -> None:
        super().__init__("restriction refused", why=reason, fix=fix)
        self.reason = reason
        self.fix_text = fix


class Inactive:
    """Marker: the restriction has an empty value and is ignored (as SuperOffice does)."""

    def __init__(self, why: str) -> None:
        self.why = why


Form = str
"""``"rows"``, ``"string"`` or ``"filter"``."""

# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------

_ANY = "any"  # each value one leaf of the operator, or-ed
_ON_OR_AFTER, _ON_OR_BEFORE, _NOT_ON = "on_or_after", "on_or_before", "not_on"
_Read = tuple[Operator | str, str | None]  # (operator or special, note)

_PRESENCE: dict[str, _Read] = {
    "isnull": (Operator.NOT_SET, None),
    "isnotnull": (Operator.SET, None),
}
_LIST: dict[str, _Read] = {
    **dict.fromkeys(("oneof", "in", "equals", "=", "eq", "is"), (Operator.IN, None)),
    **dict.fromkeys(("notoneof", "unequals", "ne", "<>", "!=", "isnot"), (Operator.NOT_IN, None)),
    **_PRESENCE,
}
_ASSOCIATE: dict[str, _Read] = {
    **dict.fromkeys(("associateisoneof", "oneof", "in", "equals", "=", "eq"), (Operator.IN, None)),
    **dict.fromkeys(
        ("associateisnotoneof", "notoneof", "unequals", "ne", "<>", "!="),
        (Operator.NOT_IN, None),
    ),
    "currentassociate": (Operator.CURRENT_ASSOCIATE, None),
    **_PRESENCE,
}
_TEXT: dict[str, _Read] = {
    **dict.fromkeys(("is", "equals", "=", "eq"), (Operator.EQUALS, None)),
    **dict.fromkeys(("isnot", "unequals", "ne", "<>", "!="), (Operator.NOT_EQUALS, None)),
    **dict.fromkeys(("begins", "startswith"), (Operator.BEGINS, None)),
    "notbegins": (Operator.NOT_BEGINS, None),
    **dict.fromkeys(("contains", "substringof"), (Operator.CONTAINS, None)),
    "notcontains": (Operator.NOT_CONTAINS, None),
    **dict.fromkeys(("ends", "endswith"), (Operator.ENDS, None)),
    "notends": (Operator.NOT_ENDS, None),
    **dict.fromkeys(("in", "oneof"), (_ANY + ":" + Operator.EQUALS.value, "read as equals any")),
    **_PRESENCE,
}
_NUMBER: dict[str, _Read] = {
    **dict.fromkeys(("=", "eq", "equals", "set"), (Operator.EQ, None)),
    **dict.fromkeys(("<>", "!=", "ne", "unequals"), (Operator.NE, None)),
    **dict.fromkeys((">", "gt", "greater"), (Operator.GT, None)),
    **dict.fromkeys(("<", "lt", "less"), (Operator.LT, None)),
    **dict.fromkeys((">=", "ge"), (Operator.GE, None)),
    **dict.fromkeys(("<=", "le"), (Operator.LE, None)),
    "between": (Operator.BETWEEN, None),
    **dict.fromkeys(("in", "oneof"), (_ANY + ":" + Operator.EQ.value, "read as = any")),
    **_PRESENCE,
}
_BOOL: dict[str, _Read] = {
    **dict.fromkeys(("set", "equals", "=", "eq", "is"), (Operator.IS_TRUE, None)),
}
_DATE: dict[str, _Read] = {
    **dict.fromkeys(("before", "<", "lt"), (Operator.BEFORE, None)),
    "beforetime": (Operator.BEFORE, "beforeTime on a date column: before the date part"),
    **dict.fromkeys(("date", "equals", "=", "eq"), (Operator.ON, None)),
    "datetime": (Operator.ON, "dateTime on a date column: on the date part"),
    **dict.fromkeys(("after", ">", "gt"), (Operator.AFTER, None)),
    **dict.fromkeys(("datebetween", "between"), (Operator.DATE_BETWEEN, None)),
    **dict.fromkeys(("beforeorequal", "<=", "le"), (_ON_OR_BEFORE, "read as on or before")),
    **dict.fromkeys(
        ("aftertime", ">=", "ge"), (_ON_OR_AFTER, "read as on or after (after or equal)")
    ),
    **dict.fromkeys(("<>", "!=", "ne", "unequals"), (_NOT_ON, "read as before or after")),
    "beforetoday": (Operator.BEFORE_TODAY, None),
    "today": (Operator.TODAY, None),
    "aftertoday": (Operator.AFTER_TODAY, None),
    **dict.fromkeys(("thisperiod", "this"), (Operator.THIS, None)),
    **dict.fromkeys(("nextperiod", "next"), (Operator.NEXT, None)),
    **dict.fromkeys(("previousperiod", "previous"), (Operator.PREVIOUS, None)),
    "thisandnext": (Operator.THIS_AND_NEXT, None),
    "thisandprevious": (Operator.THIS_AND_PREVIOUS, None),
    **dict.fromkeys(
        ("thispreviousandnext", "thisandpreviousandnext"), (Operator.THIS_PREVIOUS_AND_NEXT, None)
    ),
    **_PRESENCE,
}
_LEGACY: dict[str, tuple[Operator, Period]] = {
    "lastweek": (Operator.PREVIOUS, Period.WEEK),
    "thisweek": (Operator.THIS, Period.WEEK),
    "nextweek": (Operator.NEXT, Period.WEEK),
    "lastmonth": (Operator.PREVIOUS, Period.MONTH),
    "thismonth": (Operator.THIS, Period.MONTH),
    "nextmonth": (Operator.NEXT, Period.MONTH),
    "lastquarter": (Operator.PREVIOUS, Period.QUARTER),
    "thisquarter": (Operator.THIS, Period.QUARTER),
    "nextquarter": (Operator.NEXT, Period.QUARTER),
    "thisyear": (Operator.THIS, Period.YEAR),
}
"""The 8.x period words (operators.mdx "Legacy operators") as the 9.2+ operators."""

_REFUSED: dict[str, str] = {
    "thishalf": "thisHalf is a half-year, a period leadcore does not have",
    "from": "the date operator 'from' is listed without a meaning in operators.mdx",
    "to": "the date operator 'to' is listed without a meaning in operators.mdx",
    "intarrayallof": "intArray operators apply to tags, which leadcore does not model",
    "intarraynotallof": "intArray operators apply to tags, which leadcore does not model",
    "intarrayoneof": "intArray operators apply to tags, which leadcore does not model",
    "intarraynotanyof": "intArray operators apply to tags, which leadcore does not model",
}

_TABLES: dict[ValueType, dict[str, _Read]] = {
    ValueType.LIST: _LIST,
    ValueType.ASSOCIATE: _ASSOCIATE,
    ValueType.TEXT: _TEXT,
    ValueType.NUMBER: _NUMBER,
    ValueType.BOOL: _BOOL,
    ValueType.DATE: _DATE,
}


def _value(vt: ValueType, text: str) -> Value:
    if vt in (ValueType.LIST, ValueType.ASSOCIATE):
        return read_id(text)
    if vt is ValueType.NUMBER:
        return read_number(text)
    if vt is ValueType.DATE:
        return read_date(text)
    return text


def _period_values(op: Operator, texts: Sequence[str]) -> tuple[Value, ...]:
    if op in COUNTED_OPERATORS and len(texts) == 2:
        count = read_count(texts[0])
        period = read_period(texts[1])
        return (period,) if count == 1 else (count, period)
    if len(texts) == 2 and read_count(texts[0]) == 1:  # thisPeriod 1 week: the count is 1
        return (read_period(texts[1]),)
    if len(texts) != 1:
        raise BadValue(
            "a period" if op not in COUNTED_OPERATORS else "a count of periods and a period"
        )
    return (read_period(texts[0]),)


def read_leaf(
    column: str,
    operator: str,
    values: Sequence[str],
    provider: Provider,
    entity: Entity = Entity.PERSON,
    *,
    notes: Callable[[NoteKind, str], object],
) -> Criterion | Inactive:
    """One SuperOffice restriction (column, operator name, values as texts) as a leaf
    (or a small or of leaves), or :class:`Inactive` when its value is empty.

    ``notes`` receives the kind and a sentence for each thing not read literally. Raises
    :class:`LeafRefused` (the reason and what to do) or the column's
    :class:`~leadcore.criteria.superoffice.columns.ColumnError`.
    """
    opname = operator.strip().casefold()
    if column.strip().casefold() in (ALL_ROWS.casefold(), NO_ROWS.casefold()):
        flags = {v.strip().casefold() for v in values} or {"1"}
        try:
            on = all(read_bool(v) for v in flags)
        except BadValue as err:
            raise LeafRefused(f"{column} takes 1 or 0, not {sorted(flags)}", str(err)) from None
        every = column.strip().casefold() == ALL_ROWS.casefold()
        return ALWAYS if every == on else NEVER
    key, note = provider.read(column, entity)
    if note:
        notes(NoteKind.ALIAS, note)
    spec = field(key, entity)
    vt = spec.value_type
    if opname in _REFUSED:
        raise LeafRefused(_REFUSED[opname], "Use another operator, or keep it in SuperOffice")
    if vt is ValueType.DATE and opname in _LEGACY:
        op, period = _LEGACY[opname]
        notes(NoteKind.LEGACY, f"{operator} (8.x) is read as {op.value} {period.value}")
        if any(v.strip() for v in values):  # R;R: the values are read-only, not used
            notes(NoteKind.IGNORED_VALUE, f"{operator} takes no values; {list(values)} not used")
        return _checked(Condition(key, op, (period,)), entity)
    found = _TABLES[vt].get(opname)
    if found is None:
        names = sorted({n for n in _TABLES[vt] if n.isalpha()})
        raise LeafRefused(
            f"{operator!r} is not a SuperOffice operator of a {vt.value} column ({column})",
            f"Use one of: {', '.join(names)}",
        )
    kind, read_note = found
    texts = list(values)
    try:
        return _leaf(key, kind, read_note, texts, vt, operator, entity, notes)
    except BadValue as err:
        raise LeafRefused(
            f"the values {texts[:4]!r} of {column} {operator} cannot be read "
            f"(expected {err.args[0]})",
            f"Write {err.args[0]}",
        ) from None


def _leaf(
    key: str,
    kind: Operator | str,
    read_note: str | None,
    texts: list[str],
    vt: ValueType,
    operator: str,
    entity: Entity,
    notes: Callable[[NoteKind, str], object],
) -> Criterion | Inactive:
    if read_note:
        notes(NoteKind.READ_AS, f"{operator} is {read_note}")
    if kind in (Operator.SET, Operator.NOT_SET):
        return _checked(Condition(key, Operator(kind)), entity)
    if vt is ValueType.BOOL:
        if all(t.strip() == "" for t in texts):
            return Inactive("its value is empty")
        if len(texts) != 1:
            raise BadValue("one value: 1 or 0")
        op = Operator.IS_TRUE if read_bool(texts[0]) else Operator.IS_FALSE
        return _checked(Condition(key, op), entity)
    if kind is Operator.CURRENT_ASSOCIATE:
        if len(texts) > 1 or (texts and texts[0].strip()):
            if len(texts) > 1:
                raise BadValue("no value, an empty value, or one associate id")
            notes(
                NoteKind.IGNORED_VALUE,
                f"currentAssociate compares with the user running the search; "
                f"the stored id {read_id(texts[0])} is not used",
            )
        return _checked(Condition(key, Operator.CURRENT_ASSOCIATE), entity)
    no_value = kind in (Operator.BEFORE_TODAY, Operator.TODAY, Operator.AFTER_TODAY)
    if no_value:
        return _checked(Condition(key, Operator(kind)), entity)
    if not texts or all((t if vt is ValueType.TEXT else t.strip()) == "" for t in texts):
        return Inactive("its value is empty")
    if isinstance(kind, Operator) and kind in (
        Operator.THIS,
        Operator.NEXT,
        Operator.PREVIOUS,
        Operator.THIS_AND_NEXT,
        Operator.THIS_AND_PREVIOUS,
        Operator.THIS_PREVIOUS_AND_NEXT,
    ):
        return _checked(Condition(key, kind, _period_values(kind, texts)), entity)
    if isinstance(kind, str) and kind.startswith(_ANY):
        op = Operator(kind.split(":", 1)[1])
        return _checked(any_of(Condition(key, op, (_value(vt, t),)) for t in texts), entity)
    if kind in (_ON_OR_AFTER, _ON_OR_BEFORE, _NOT_ON):
        if len(texts) != 1:
            raise BadValue("one date")
        day = read_date(texts[0])
        pair = {
            _ON_OR_AFTER: (Operator.ON, Operator.AFTER),
            _ON_OR_BEFORE: (Operator.BEFORE, Operator.ON),
            _NOT_ON: (Operator.BEFORE, Operator.AFTER),
        }[str(kind)]
        return _checked(any_of(Condition(key, op, (day,)) for op in pair), entity)
    assert isinstance(kind, Operator)
    if vt is ValueType.TEXT and kind in TEXT_OPERATORS:
        if len(texts) != 1:
            raise BadValue(f"one text for {operator}")
        if texts[0] == "":
            return Inactive("its text is empty")
        return _checked(Condition(key, kind, (texts[0],)), entity)
    return _checked(Condition(key, kind, tuple(_value(vt, t) for t in texts)), entity)


def _checked(c: Criterion, entity: Entity) -> Criterion:
    try:
        validate(c, entity)
    except CriteriaError as err:
        raise LeafRefused(str(err), err.fix or "Correct the values") from err
    return c


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


@attrs.frozen
class WrittenLeaf:
    """A leaf as SuperOffice spells it in one form: the column, the operator name, the
    values as texts (rows) and, for the ``$filter`` form, a function to call instead."""

    column: str
    operator: str
    values: tuple[str, ...]
    kind: str  # how a string form writes the values: none, one, list, pair, period
    function: str | None = None
    quote: bool = False  # the values are texts or dates: quoted in the string forms


_WRITE: dict[Operator, str] = {
    Operator.EQUALS: "is",
    Operator.NOT_EQUALS: "isNot",
    Operator.BEGINS: "begins",
    Operator.NOT_BEGINS: "notBegins",
    Operator.CONTAINS: "contains",
    Operator.NOT_CONTAINS: "notContains",
    Operator.ENDS: "ends",
    Operator.NOT_ENDS: "notEnds",
    Operator.EQ: "=",
    Operator.NE: "unequals",
    Operator.GT: ">",
    Operator.LT: "<",
    Operator.GE: "ge",
    Operator.LE: "le",
    Operator.BETWEEN: "between",
    Operator.BEFORE: "before",
    Operator.ON: "date",
    Operator.AFTER: "after",
    Operator.DATE_BETWEEN: "dateBetween",
    Operator.BEFORE_TODAY: "beforeToday",
    Operator.TODAY: "today",
    Operator.AFTER_TODAY: "afterToday",
    Operator.THIS: "thisPeriod",
    Operator.NEXT: "nextPeriod",
    Operator.PREVIOUS: "previousPeriod",
    Operator.THIS_AND_NEXT: "thisAndNext",
    Operator.THIS_AND_PREVIOUS: "thisAndPrevious",
    Operator.THIS_PREVIOUS_AND_NEXT: "thisPreviousAndNext",
    Operator.CURRENT_ASSOCIATE: "currentAssociate",
    Operator.SET: "isNotNull",
    Operator.NOT_SET: "isNull",
}
_FILTER_SYMBOLS: dict[Operator, str] = {
    Operator.EQ: "eq",
    Operator.NE: "ne",
    Operator.GT: "gt",
    Operator.LT: "lt",
    Operator.GE: "ge",
    Operator.LE: "le",
}
_FILTER_FUNCTIONS: dict[Operator, str] = {
    Operator.BEGINS: "startswith",
    Operator.ENDS: "endswith",
    Operator.CONTAINS: "substringof",
    Operator.THIS: "this",
    Operator.NEXT: "next",
    Operator.PREVIOUS: "previous",
    Operator.THIS_AND_NEXT: "thisAndNext",
    Operator.THIS_AND_PREVIOUS: "thisAndPrevious",
    Operator.THIS_PREVIOUS_AND_NEXT: "thisAndPreviousAndNext",
}
"""The ``$filter`` functions of Swagger-v1-Archive.json (``this(f,period)``,
``next(f,n,period)``, ``startswith(a,b)``, ...)."""

_WHY_NOT: dict[Operator, str] = {
    Operator.NOT_CURRENT_ASSOCIATE: "SuperOffice has no 'is not the current associate'",
    Operator.NOT_BETWEEN: "SuperOffice has no 'not between' (and '< or >' differs on "
    "rows without a value)",
    Operator.LAST: "SuperOffice has no rolling window counted back from today "
    "(thisAndPrevious N counts calendar periods)",
    Operator.OLDER_THAN: "SuperOffice has no 'older than N periods'",
}


def _texts(op: Operator, vt: ValueType, values: tuple[Value, ...], form: Form) -> tuple[str, ...]:
    out: list[str] = []
    for v in values:
        if isinstance(v, Period):
            out.append(v.value)
        elif isinstance(v, bool) or v is None:
            raise TypeError(v)
        elif isinstance(v, int | float) and vt is not ValueType.TEXT:
            out.append(encode_number(v))
        elif isinstance(v, date):
            out.append(encode_date(v) if form == "rows" else v.isoformat())
        else:
            out.append(str(v))
    return tuple(out)


def write_leaf(
    leaf: Condition, provider: Provider, entity: Entity, form: Form
) -> tuple[WrittenLeaf | None, str | None]:
    """``leaf`` as SuperOffice spells it in ``form``, or ``(None, why)`` when it has no
    such spelling (the writer raises its error naming the leaf).

    >>> from leadcore.criteria.superoffice.columns import PERSON
    >>> leaf = Condition("person.registered", Operator.NEXT, (2, Period.WEEK))
    >>> written, _ = write_leaf(leaf, PERSON, Entity.PERSON, "filter")
    >>> written.function, written.column, written.values
    ('next', 'personRegisteredDate', ('2', 'week'))
    >>> write_leaf(Condition("person.owner", Operator.NOT_CURRENT_ASSOCIATE), PERSON,
    ...     Entity.PERSON, "rows")
    (None, "SuperOffice has no 'is not the current associate'")
    """
    column = provider.column(leaf.field)
    if column is None:
        return None, f"{provider.name} has no column for {leaf.field}"
    spec = field(leaf.field, entity)
    vt = spec.value_type
    op = leaf.operator
    if op in _WHY_NOT:
        return None, _WHY_NOT[op]
    if is_inactive(leaf) and op in TEXT_OPERATORS:
        return None, "SuperOffice ignores a restriction whose text is empty"
    if vt is ValueType.BOOL:
        flag = op is Operator.IS_TRUE
        text = ("true" if flag else "false") if form != "rows" else ("1" if flag else "0")
        return WrittenLeaf(column, "set", (text,), "one"), None
    if vt is ValueType.LIST and op in (Operator.IN, Operator.NOT_IN):
        name = "oneOf" if op is Operator.IN else "notOneOf"
        if not leaf.values:
            return None, f"SuperOffice ignores {name} with no items (leadcore's in () is never)"
        return WrittenLeaf(column, name, _texts(op, vt, leaf.values, form), "list"), None
    if vt is ValueType.ASSOCIATE and op in (Operator.IN, Operator.NOT_IN):
        name = "associateIsOneOf" if op is Operator.IN else "associateIsNotOneOf"
        if not leaf.values:
            return None, f"SuperOffice ignores {name} with no associates"
        return WrittenLeaf(column, name, _texts(op, vt, leaf.values, form), "list"), None
    found = _WRITE.get(op)
    if found is None:
        return None, f"SuperOffice has no operator for {op.value}"
    name = found
    if any(isinstance(v, float) and not math.isfinite(v) for v in leaf.values):
        return None, "SuperOffice numbers are finite"
    if op in COUNTED_OPERATORS or op in (Operator.THIS, Operator.THIS_PREVIOUS_AND_NEXT):
        count, period = period_count(leaf.values)
        values: tuple[str, ...] = (period.value,)
        if op in COUNTED_OPERATORS:
            values = (str(count), period.value)
        function = _FILTER_FUNCTIONS[op] if form == "filter" else None
        return WrittenLeaf(column, name, values, "period", function), None
    texts = _texts(op, vt, leaf.values, form)
    kind = {0: "none", 1: "one", 2: "pair"}[len(texts)]
    quote = vt in (ValueType.TEXT, ValueType.DATE)
    if form != "rows" and any(_unwritable(t) for t in texts):
        return None, "a restriction string cannot carry control characters"
    if form == "filter":
        name = _FILTER_SYMBOLS.get(op, name)
        function = _FILTER_FUNCTIONS.get(op)
        return WrittenLeaf(column, name, texts, kind, function, quote), None
    return WrittenLeaf(column, name, texts, kind, None, quote), None


def _unwritable(text: str) -> bool:
    return any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in text)
