"""SuperOffice's operator vocabulary, one table for reading and writing every form.

:data:`OPERATORS` holds one :class:`Spelling` per leadcore construct and column type:
the name written in rows and restriction strings (``None``: read only), the ``$filter``
name or function where it differs, every name read as it, and the SuperOffice page
that documents the written name. Reading accepts every documented spelling (the symbol
and OData forms, the 8.x period words, ``afterTime`` as "after or equal", ...);
writing uses the one documented name and refuses what SuperOffice's documentation does
not list, or its request collection marks as failing, naming the operator. The same
table, with its sources, is in docs/criteria-formats.md section 3.

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
>>> integer_bounds(Condition("person.id", Operator.GE, (5,)))
(Condition(field='person.id', operator=<Operator.GT: 'gt'>, values=(4,)), None)
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from types import MappingProxyType

import attrs

from leadcore.criteria.ast import (
    ALWAYS,
    NEVER,
    Condition,
    Criterion,
    Operator,
    Period,
    Value,
    all_of,
    any_of,
)
from leadcore.criteria.build import (
    COUNTED_OPERATORS,
    MAX_INT,
    MIN_INT,
    PERIOD_OPERATORS,
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
    read_bool,
    read_count,
    read_date,
    read_id,
    read_number,
    read_period,
)

__all__ = [
    "NOT_WRITTEN",
    "OPERATORS",
    "SOURCES",
    "Construct",
    "Form",
    "Inactive",
    "LeafRefused",
    "Spelling",
    "WrittenLeaf",
    "integer_bounds",
    "read_leaf",
    "write_leaf",
]

Form = str
"""``"rows"``, ``"string"`` or ``"filter"``."""


class Construct(enum.Enum):
    """A reading that is not one leadcore operator: a small or of leaves, or a flag."""

    ANY = "any"
    """``in (a, b)`` on a text or number column: the type's equality leaf per value, or-ed."""
    NONE_OF = "none_of"
    """``notOneOf (a, b)`` on a number column (a Dynamic id): ``<> a and <> b``."""
    ON_OR_AFTER = "on_or_after"
    """``afterTime``, ``>=``, ``ge`` on a date column: ``on d or after d``."""
    ON_OR_BEFORE = "on_or_before"
    """``beforeOrEqual``, ``<=``, ``le`` on a date column: ``before d or on d``."""
    NOT_ON = "not_on"
    """``<>`` on a date column: ``before d or after d``."""
    FLAG = "flag"
    """``set 1`` / ``set 0`` on a yes/no column: ``is_true`` or ``is_false`` by the value."""


SOURCES: Mapping[str, str] = MappingProxyType(
    {
        "SO-RT": "SuperOffice/SDK-Doc:NetServer.Web.Services/Reference/Archive Providers/"
        "-Restriction Types.md",
        "OPS": "SuperOfficeDocs/docs:en/api/search/find-selection/operators.mdx",
        "HTS": "SuperOfficeDocs/docs:en/api/search/find-selection/how-to-search.mdx",
        "OD": "SuperOfficeDocs/docs:en/api/search/odata/",
        "SW": "SuperOfficeDocs/docs:api-sources/openapi/rest/Swagger-v1-Archive.json",
        "Q": "SuperOffice/RESTful-HTTP-Queries:src/ODataQueries.http",
        "DYN": "SuperOffice/RESTful-HTTP-Queries:src/ContactDetails.http",
    }
)
"""The short names of the sources in :data:`OPERATORS` and their ``repo:path``."""


@attrs.frozen
class Spelling:
    """How SuperOffice spells one leadcore construct on one column type.

    ``written`` is the name written in rows and restriction strings (``None``: read
    only), ``filter_name`` the ``$filter`` name where it differs, ``function`` the
    ``$filter`` function, ``read`` every name read as this construct, ``source`` where
    SuperOffice documents the written name (short names of :data:`SOURCES`), ``note``
    what the import report says when it is read.
    """

    value_type: ValueType
    reads_as: Operator | Construct
    written: str | None
    read: tuple[str, ...]
    source: str
    filter_name: str | None = None
    function: str | None = None
    note: str | None = None


def _s(
    vt: ValueType,
    reads_as: Operator | Construct,
    written: str | None,
    read: str,
    source: str,
    **more: str,
) -> Spelling:
    return Spelling(vt, reads_as, written, tuple(read.split()), source, **more)


_L, _A, _T, _N, _B, _D = (
    ValueType.LIST,
    ValueType.ASSOCIATE,
    ValueType.TEXT,
    ValueType.NUMBER,
    ValueType.BOOL,
    ValueType.DATE,
)
_O, _C = Operator, Construct
_AFTER_OR_EQUAL = "read as on or after (after or equal)"

OPERATORS: tuple[Spelling, ...] = (
    _s(_L, _O.IN, "oneOf", "oneOf in equals = eq is", "SO-RT listAny, OPS Lists, OD lists"),
    _s(_L, _O.NOT_IN, "notOneOf", "notOneOf unequals ne <> != isNot", "SO-RT listAny, OD lists"),
    _s(_A, _O.IN, "associateIsOneOf", "associateIsOneOf oneOf in equals = eq", "SO-RT associate"),
    _s(_A, _O.NOT_IN, "associateIsNotOneOf",
       "associateIsNotOneOf notOneOf unequals ne <> !=", "SO-RT associate"),
    _s(_A, _O.CURRENT_ASSOCIATE, "currentAssociate", "currentAssociate", "SO-RT associate"),
    _s(_T, _O.EQUALS, "is", "is equals = eq", "SO-RT string, OD strings"),
    _s(_T, _O.NOT_EQUALS, "isNot", "isNot unequals ne <> !=", "SO-RT string, OD strings"),
    _s(_T, _O.BEGINS, "begins", "begins startswith", "SO-RT string, SW", function="startswith"),
    _s(_T, _O.NOT_BEGINS, "notBegins", "notBegins", "SO-RT string, OD strings"),
    _s(_T, _O.CONTAINS, "contains", "contains substringof", "SO-RT string, SW",
       function="substringof"),
    _s(_T, _O.NOT_CONTAINS, "notContains", "notContains", "SO-RT string, OD strings"),
    _s(_T, _O.ENDS, "ends", "ends endswith", "HTS (restrictionOperators: Ends with), SW",
       function="endswith"),
    _s(_T, _O.NOT_ENDS, None, "notEnds", "Q (marked failing)"),
    _s(_T, _C.ANY, None, "in oneOf", "OD strings", note="read as equals any"),
    _s(_N, _O.EQ, "=", "= eq equals set", "OPS Int, OD numbers", filter_name="eq"),
    _s(_N, _O.NE, "unequals", "unequals ne <> !=", "SO-RT int, OD numbers", filter_name="ne"),
    _s(_N, _O.GT, ">", "> gt greater", "OPS Int, OD numbers", filter_name="gt"),
    _s(_N, _O.LT, "<", "< lt less", "OPS Int, OD numbers", filter_name="lt"),
    _s(_N, _O.GE, None, ">= ge", "OD using-filters; Q marks ge failing"),
    _s(_N, _O.LE, None, "<= le", "OD using-filters; Q marks le failing"),
    _s(_N, _O.BETWEEN, "between", "between", "SO-RT int"),
    _s(_N, _C.ANY, None, "in oneOf", "OD strings (in)", note="read as = any"),
    _s(_N, _C.NONE_OF, None, "notOneOf", "DYN", note="read as <> each"),
    _s(_B, _C.FLAG, None, "set equals = eq is", "SO-RT bool, OD boolean"),
    _s(_B, _O.IS_TRUE, "set", "", "SO-RT bool, OD boolean"),
    _s(_B, _O.IS_FALSE, "set", "", "SO-RT bool, OD boolean"),
    _s(_D, _O.BEFORE, "before", "before < lt", "SO-RT date, OD date"),
    _s(_D, _O.BEFORE, None, "beforeTime", "SO-RT datetime",
       note="beforeTime on a date column: before the date part"),
    _s(_D, _O.ON, "date", "date equals = eq", "SO-RT date, OD date"),
    _s(_D, _O.ON, None, "dateTime", "SO-RT datetime",
       note="dateTime on a date column: on the date part"),
    _s(_D, _O.AFTER, "after", "after > gt", "SO-RT date, OD date"),
    _s(_D, _O.DATE_BETWEEN, "dateBetween", "dateBetween between", "SO-RT date, OD date"),
    _s(_D, _C.ON_OR_BEFORE, None, "beforeOrEqual <= le", "OD date", note="read as on or before"),
    _s(_D, _C.ON_OR_AFTER, None, "afterTime >= ge", "SO-RT datetime", note=_AFTER_OR_EQUAL),
    _s(_D, _C.NOT_ON, None, "<> != ne unequals", "OD using-filters",
       note="read as before or after"),
    _s(_D, _O.BEFORE_TODAY, "beforeToday", "beforeToday", "SO-RT date, OD unary"),
    _s(_D, _O.TODAY, "today", "today", "SO-RT date, OD unary"),
    _s(_D, _O.AFTER_TODAY, "afterToday", "afterToday", "SO-RT date, OD unary"),
    _s(_D, _O.THIS, "thisPeriod", "thisPeriod this", "SO-RT date, OPS", function="this"),
    _s(_D, _O.NEXT, "nextPeriod", "nextPeriod next", "SO-RT date, OPS", function="next"),
    _s(_D, _O.PREVIOUS, "previousPeriod", "previousPeriod previous", "SO-RT date, OPS",
       function="previous"),
    _s(_D, _O.THIS_AND_NEXT, "thisAndNext", "thisAndNext", "SO-RT date, OPS",
       function="thisAndNext"),
    _s(_D, _O.THIS_AND_PREVIOUS, "thisAndPrevious", "thisAndPrevious", "SO-RT date, OPS",
       function="thisAndPrevious"),
    _s(_D, _O.THIS_PREVIOUS_AND_NEXT, "thisPreviousAndNext",
       "thisPreviousAndNext thisAndPreviousAndNext", "SO-RT date, OPS",
       function="thisAndPreviousAndNext"),
    *(
        _s(vt, op, name, name, "OPS All types")
        for vt in ValueType
        for op, name in ((_O.SET, "isNotNull"), (_O.NOT_SET, "isNull"))
    ),
)  # fmt: skip
"""Every SuperOffice operator spelling leadcore reads or writes, by column type."""

_READ: Mapping[ValueType, Mapping[str, Spelling]] = MappingProxyType(
    {
        vt: MappingProxyType(
            {name.casefold(): s for s in OPERATORS if s.value_type is vt for name in s.read}
        )
        for vt in ValueType
    }
)
_WRITE: Mapping[tuple[ValueType, Operator], Spelling] = MappingProxyType(
    {
        (s.value_type, s.reads_as): s
        for s in OPERATORS
        if s.written is not None and isinstance(s.reads_as, Operator)
    }
)
assert sum(len(s.read) for s in OPERATORS) == sum(len(t) for t in _READ.values()), "a name twice"

_LEGACY: Mapping[str, tuple[Operator, Period]] = MappingProxyType(
    {
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
)
"""The 8.x period words (operators.mdx "Legacy operators") as the 9.2+ operators."""

_TAGS = "intArray operators apply to tags, which leadcore does not model"
_REFUSED: Mapping[str, str] = MappingProxyType(
    {
        "thishalf": "thisHalf is a half-year, a period leadcore does not have",
        "from": "the date operator 'from' is listed without a meaning in operators.mdx",
        "to": "the date operator 'to' is listed without a meaning in operators.mdx",
        **dict.fromkeys(
            ("intarrayallof", "intarraynotallof", "intarrayoneof", "intarraynotanyof"), _TAGS
        ),
    }
)

NOT_WRITTEN: Mapping[Operator, str] = MappingProxyType(
    {
        Operator.NOT_ENDS: "SuperOffice lists no 'does not end with' (its request collection "
        "marks notEnds as failing, and criteria groups have no NOT to write not (ends ...))",
        Operator.NOT_CURRENT_ASSOCIATE: "SuperOffice has no 'is not the current associate'",
        Operator.NOT_BETWEEN: "SuperOffice has no 'not between' (and '< or >' differs on "
        "rows without a value)",
        Operator.LAST: "SuperOffice has no rolling window counted back from today "
        "(thisAndPrevious N counts calendar periods)",
        Operator.OLDER_THAN: "SuperOffice has no 'older than N periods'",
    }
)
"""Why an operator has no SuperOffice spelling (the writers' refusal names it)."""

# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


class LeafRefused(CriteriaError):
    """One restriction that cannot be read (unknown operator, bad value, ...); the reader
    turns it into its positioned error. ``part`` is ``"Operator"`` or ``"Values"``;
    ``cause`` the build error behind it, if any."""

    def __init__(
        self, reason: str, fix: str, *, part: str = "Operator", cause: CriteriaError | None = None
    ) -> None:
        super().__init__("restriction refused", why=reason, fix=fix)
        self.reason = reason
        self.fix_text = fix
        self.part = part
        self.cause = cause


class Inactive:
    """Marker: the restriction has an empty value and is ignored (as SuperOffice does)."""

    def __init__(self, why: str) -> None:
        self.why = why


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
            raise LeafRefused(
                f"{column} takes 1 or 0, not {sorted(flags)}", str(err), part="Values"
            ) from None
        every = column.strip().casefold() == ALL_ROWS.casefold()
        return ALWAYS if every == on else NEVER
    key, note = provider.read(column, entity)
    if note:
        notes(NoteKind.ALIAS, note)
    vt = field(key, entity).value_type
    if opname in _REFUSED:
        raise LeafRefused(_REFUSED[opname], "Use another operator, or keep it in SuperOffice")
    if vt is ValueType.DATE and opname in _LEGACY:
        op, period = _LEGACY[opname]
        notes(NoteKind.LEGACY, f"{operator} (8.x) is read as {op.value} {period.value}")
        if any(v.strip() for v in values):  # R;R: the values are read-only, not used
            notes(NoteKind.IGNORED_VALUE, f"{operator} takes no values; {list(values)} not used")
        return _checked(Condition(key, op, (period,)), entity)
    spelling = _READ[vt].get(opname)
    if spelling is None:
        names = sorted({n for n in _READ[vt] if n.isalpha()})
        raise LeafRefused(
            f"{operator!r} is not a SuperOffice operator of a {vt.value} column ({column})",
            f"Use one of: {', '.join(names)}",
        )
    texts = list(values)
    if spelling.note:
        notes(NoteKind.READ_AS, f"{operator} is {spelling.note}")
    try:
        return _leaf(key, spelling.reads_as, texts, vt, operator, entity, notes)
    except BadValue as err:
        raise LeafRefused(
            f"the values {texts[:4]!r} of {column} {operator} cannot be read "
            f"(expected {err.args[0]})",
            f"Write {err.args[0]}",
            part="Values",
        ) from None


_PAIRS = {
    Construct.ON_OR_AFTER: (Operator.ON, Operator.AFTER),
    Construct.ON_OR_BEFORE: (Operator.BEFORE, Operator.ON),
    Construct.NOT_ON: (Operator.BEFORE, Operator.AFTER),
}


def _leaf(
    key: str,
    kind: Operator | Construct,
    texts: list[str],
    vt: ValueType,
    operator: str,
    entity: Entity,
    notes: Callable[[NoteKind, str], object],
) -> Criterion | Inactive:
    if kind in (Operator.SET, Operator.NOT_SET, Operator.BEFORE_TODAY, Operator.TODAY):
        return _checked(Condition(key, kind), entity)
    if kind is Operator.AFTER_TODAY:
        return _checked(Condition(key, kind), entity)
    if kind is Construct.FLAG:
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
    if not texts or all((t if vt is ValueType.TEXT else t.strip()) == "" for t in texts):
        return Inactive("its value is empty")
    if kind in PERIOD_OPERATORS:
        assert isinstance(kind, Operator)
        return _checked(Condition(key, kind, _period_values(kind, texts)), entity)
    if kind is Construct.ANY:
        op = Operator.EQUALS if vt is ValueType.TEXT else Operator.EQ
        return _checked(any_of(Condition(key, op, (_value(vt, t),)) for t in texts), entity)
    if kind is Construct.NONE_OF:
        leaves = [Condition(key, Operator.NE, (_value(vt, t),)) for t in texts]
        return _checked(all_of(leaves), entity)
    if isinstance(kind, Construct):
        if len(texts) != 1:
            raise BadValue("one date")
        day = read_date(texts[0])
        return _checked(any_of(Condition(key, op, (day,)) for op in _PAIRS[kind]), entity)
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
        reason = f"{err.what}: {err.why}" if err.why else err.what
        fix = err.fix or "Correct the values"
        raise LeafRefused(reason, fix, part="Values", cause=err) from err
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


def _int_bound(value: int | float, rounding: Callable[[float], int]) -> int | None:
    """``value`` as an int (``rounding`` for a float); ``None`` beyond the 64-bit range."""
    bound = value if isinstance(value, int) else rounding(value)
    return bound if MIN_INT <= bound <= MAX_INT else None


_NO_INT = "{value!r} has no exact form on SuperOffice's int columns"


def integer_bounds(leaf: Condition) -> tuple[Condition | None, str | None]:
    """A number leaf as SuperOffice's int columns take it (leadcore's number fields are
    ids, ``int`` in every provider reference): integer bounds, and ``>=``/``<=`` as
    ``> N-1``/``< N+1`` (SuperOffice's request collection marks ``ge`` and ``le``
    failing on integers). ``(None, why)`` when it has no such form: a non-finite
    number, a bound beyond 64 bits, ``= 2.5``.

    >>> integer_bounds(Condition("person.id", Operator.LT, (2.5,)))[0].values
    (3,)
    >>> integer_bounds(Condition("person.id", Operator.EQ, (2.5,)))[1]
    "2.5 has no exact form on SuperOffice's int columns (= 2.5 matches no id)"
    """
    op, values = leaf.operator, leaf.values
    if op in (Operator.SET, Operator.NOT_SET):
        return leaf, None
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if any(isinstance(v, float) and not math.isfinite(v) for v in numbers):
        return None, "SuperOffice numbers are finite"
    floor, ceil = math.floor, math.ceil
    if op in (Operator.EQ, Operator.NE):
        value = numbers[0]
        if isinstance(value, float) and not value.is_integer():
            matched = "no id" if op is Operator.EQ else "every row"
            symbol = "=" if op is Operator.EQ else "<>"
            return None, f"{_NO_INT.format(value=value)} ({symbol} {value!r} matches {matched})"
        bounds = [_int_bound(value, floor)]
    elif op is Operator.GT:
        bounds = [_int_bound(numbers[0], floor)]
    elif op is Operator.LT:
        bounds = [_int_bound(numbers[0], ceil)]
    elif op is Operator.GE:  # x >= v  <=>  x > ceil(v) - 1
        op, bounds = Operator.GT, [_none_or(_int_bound(numbers[0], ceil), -1)]
    elif op is Operator.LE:  # x <= v  <=>  x < floor(v) + 1
        op, bounds = Operator.LT, [_none_or(_int_bound(numbers[0], floor), 1)]
    elif op is Operator.BETWEEN:
        bounds = [_int_bound(numbers[0], ceil), _int_bound(numbers[1], floor)]
    else:
        return leaf, None
    if any(b is None for b in bounds):
        shown = ", ".join(repr(v) for v in numbers)
        return None, (
            f"{shown} is beyond the 64-bit integers SuperOffice's id columns hold "
            f"(as {leaf.operator.value} on an int column)"
        )
    return Condition(leaf.field, op, tuple(b for b in bounds if b is not None)), None


def _none_or(bound: int | None, step: int) -> int | None:
    if bound is None or not MIN_INT <= bound + step <= MAX_INT:
        return None
    return bound + step


def _texts(vt: ValueType, values: tuple[Value, ...], form: Form) -> tuple[str, ...]:
    out: list[str] = []
    for v in values:
        if isinstance(v, Period):
            out.append(v.value)
        elif isinstance(v, bool) or v is None:
            raise TypeError(v)
        elif isinstance(v, int | float) and vt is not ValueType.TEXT:
            out.append(str(int(v)))  # integer bounds only (integer_bounds)
        elif isinstance(v, date):
            out.append(encode_date(v) if form == "rows" else v.isoformat())
        else:
            out.append(str(v))
    return tuple(out)


def _database(leaf: Condition, vt: ValueType, form: Form) -> tuple[str, ...] | str | None:
    """On database columns (Dynamic): the values of a yes/no leaf written as ``= 1``/
    ``= 0``, a refusal for ``currentAssociate``, else ``None`` (written as usual)."""
    if vt is ValueType.BOOL:
        return ("1" if leaf.operator is Operator.IS_TRUE else "0",)
    if leaf.operator is Operator.CURRENT_ASSOCIATE:
        return (
            "on the Dynamic provider an associate_id is a plain id column, and SuperOffice "
            "documents currentAssociate for associate columns only"
        )
    return None


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
    column = provider.column(leaf.field, entity)
    if column is None:
        return None, f"{provider.name} has no column for {leaf.field}"
    vt = field(leaf.field, entity).value_type
    if leaf.operator in NOT_WRITTEN:
        return None, NOT_WRITTEN[leaf.operator]
    if is_inactive(leaf) and leaf.operator in TEXT_OPERATORS:
        return None, "SuperOffice ignores a restriction whose text is empty"
    if vt is ValueType.NUMBER:
        bounded, why = integer_bounds(leaf)
        if bounded is None:
            return None, why
        leaf = bounded
    if provider.database:
        special = _database(leaf, vt, form)
        if isinstance(special, str):
            return None, special
        if special is not None:  # a yes/no database field: = 1 / = 0
            name = "eq" if form == "filter" else "="
            return WrittenLeaf(column, name, special, "one"), None
        if vt is ValueType.ASSOCIATE:
            vt = ValueType.LIST  # a plain id column: oneOf (DYN)
    op = leaf.operator
    spelling = _WRITE.get((vt, op))
    if spelling is None or spelling.written is None:
        return None, f"SuperOffice documents no operator for {op.value} on a {vt.value} column"
    if vt is ValueType.BOOL:
        flag = op is Operator.IS_TRUE
        text = ("true" if flag else "false") if form != "rows" else ("1" if flag else "0")
        return WrittenLeaf(column, spelling.written, (text,), "one"), None
    if op in (Operator.IN, Operator.NOT_IN):
        if not leaf.values:
            return None, f"SuperOffice ignores {spelling.written} with no items (in () is never)"
        return WrittenLeaf(column, spelling.written, _texts(vt, leaf.values, form), "list"), None
    function = spelling.function if form == "filter" else None
    if op in PERIOD_OPERATORS:
        count, period = period_count(leaf.values)
        values: tuple[str, ...] = (period.value,)
        if op in COUNTED_OPERATORS:
            values = (str(count), period.value)
        return WrittenLeaf(column, spelling.written, values, "period", function), None
    texts = _texts(vt, leaf.values, form)
    kind = {0: "none", 1: "one", 2: "pair"}[len(texts)]
    quote = vt in (ValueType.TEXT, ValueType.DATE)
    if form != "rows" and any(_unwritable(t) for t in texts):
        return None, "a restriction string cannot carry control characters"
    name = spelling.filter_name or spelling.written if form == "filter" else spelling.written
    return WrittenLeaf(column, name, texts, kind, function, quote), None


def _unwritable(text: str) -> bool:
    return any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in text)
