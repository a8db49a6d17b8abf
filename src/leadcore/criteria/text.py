"""The text form of criteria: a readable one-line syntax, its parser and formatter.

``parse`` reads text into a validated tree; ``format`` writes any tree back so
that ``parse(format(c)) == c`` exactly (node for node, value for value). List
values are ids in the tree and can be written by name or key when the lists are
passed; ``#3`` is a raw id. The grammar is in ``docs/criteria-formats.md``.

>>> from leadcore.lists import new_database
>>> categories, statuses = new_database()
>>> c = parse('person.lead_status in (Open, Contacting) and not '
...           'company.category_group in (Customer)', statuses=statuses)
>>> c.children[0].values
(1, 2)
>>> format(c, statuses=statuses)
'person.lead_status in (Open, Contacting) and not company.category_group in (Customer)'
>>> format(c)
'person.lead_status in (#1, #2) and not company.category_group in (Customer)'
>>> parse("person.lead_status in (#1")
Traceback (most recent call last):
...
leadcore.criteria.errors.CriteriaParseError: cannot read criteria at 25: expected ',' or ')', ...
"""

from __future__ import annotations

import enum
import math
import re
import unicodedata
from collections.abc import Mapping
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
    Group,
    Groups,
    Never,
    Not,
    Operator,
    Period,
    Value,
)
from leadcore.criteria.build import (
    MAX_INT_DIGITS,
    MAX_NESTING,
    PERIOD_OPERATORS,
    check_nesting,
    expected_values,
    nodes_along,
    read_int,
    validate,
)
from leadcore.criteria.errors import (
    BadValueError,
    CriteriaError,
    CriteriaParseError,
    CriteriaTooDeep,
    OperatorNotAllowed,
    UnknownFieldError,
)
from leadcore.criteria.fields import Entity, Field, ListKind, ValueType, field
from leadcore.errors import LeadcoreError, NotFoundError
from leadcore.lists import CategoryList, LeadStatusList
from leadcore.model import CategoryGroup

__all__ = [
    "MAX_DEPTH",
    "OPERATOR_WORDS",
    "BadValueAt",
    "OperatorNotAllowedAt",
    "TooDeepAt",
    "UnknownFieldAt",
    "format",
    "locate",
    "parse",
]


# ---------------------------------------------------------------------------
# Errors that are both a parse error (with a position) and the typed build error
# ---------------------------------------------------------------------------


class _Located(CriteriaParseError):
    """A build error found while reading text or JSON, with where it was found."""

    expected_text = "a valid criterion"

    def __init__(self, cause: CriteriaError, source: str, position: int | str) -> None:
        context = {**cause.context, "source": source, "position": position}
        context.setdefault("expected", self.expected_text)
        context.setdefault("found", cause.what)
        LeadcoreError.__init__(
            self, f"{cause.what} (at {position})", why=cause.why, fix=cause.fix, **context
        )
        self.position = position
        self.expected = self.expected_text
        self.cause = cause


class UnknownFieldAt(_Located, UnknownFieldError):
    """An unknown field key, found at ``position`` of the text or JSON path."""

    expected_text = "a known field key"


class OperatorNotAllowedAt(_Located, OperatorNotAllowed):
    """An operator the field's type does not take, found at ``position``."""

    expected_text = "an operator the field accepts"


class BadValueAt(_Located, BadValueError):
    """A value of the wrong type or count, found at ``position``."""

    expected_text = "values of the field's type"


class TooDeepAt(_Located, CriteriaTooDeep):
    """A tree nested deeper than :data:`MAX_DEPTH`, with where its first too-deep node starts."""

    expected_text = f"a tree at most {MAX_NESTING} levels deep"


def locate(error: CriteriaError, source: str, position: int | str) -> CriteriaParseError:
    """``error`` as a parse error at ``position`` that is still its own typed error.

    >>> err = locate(UnknownFieldError("person.x", ["person.id"]), "person.x = 1", 0)
    >>> isinstance(err, UnknownFieldError), isinstance(err, CriteriaParseError), err.position
    (True, True, 0)
    """
    if isinstance(error, CriteriaParseError):
        return error
    if isinstance(error, UnknownFieldError):
        return UnknownFieldAt(error, source, position)
    if isinstance(error, OperatorNotAllowed):
        return OperatorNotAllowedAt(error, source, position)
    if isinstance(error, BadValueError):
        return BadValueAt(error, source, position)
    if isinstance(error, CriteriaTooDeep):
        return TooDeepAt(error, source, position)
    return _Located(error, source, position)


# ---------------------------------------------------------------------------
# Operator words
# ---------------------------------------------------------------------------


MAX_DEPTH = MAX_NESTING
"""The deepest tree the readers accept: :data:`leadcore.criteria.build.MAX_NESTING`.

The text form may spend two levels per node (``not (a and b)``), so the text
parser allows ``2 * MAX_DEPTH + 4`` levels of ``not``/parentheses.
"""
_TEXT_DEPTH = 2 * MAX_DEPTH + 4


class _Arity(enum.Enum):
    LIST = "list"  # ( v, v, ... )
    NONE = "none"  # nothing
    ONE = "one"  # v
    TWO = "two"  # v and v
    PERIOD = "period"  # [count] day | week | month | quarter | year


OPERATOR_WORDS: Mapping[Operator, str] = MappingProxyType(
    {
        Operator.IN: "in",
        Operator.NOT_IN: "not in",
        Operator.CURRENT_ASSOCIATE: "is current associate",
        Operator.NOT_CURRENT_ASSOCIATE: "is not current associate",
        Operator.EQUALS: "equals",
        Operator.NOT_EQUALS: "not equals",
        Operator.BEGINS: "begins",
        Operator.NOT_BEGINS: "not begins",
        Operator.CONTAINS: "contains",
        Operator.NOT_CONTAINS: "not contains",
        Operator.ENDS: "ends",
        Operator.NOT_ENDS: "not ends",
        Operator.EQ: "=",
        Operator.NE: "<>",
        Operator.GT: ">",
        Operator.LT: "<",
        Operator.GE: ">=",
        Operator.LE: "<=",
        Operator.BETWEEN: "between",
        Operator.NOT_BETWEEN: "not between",
        Operator.IS_TRUE: "is true",
        Operator.IS_FALSE: "is false",
        Operator.BEFORE: "before",
        Operator.ON: "on",
        Operator.AFTER: "after",
        Operator.DATE_BETWEEN: "between",
        Operator.BEFORE_TODAY: "before today",
        Operator.TODAY: "is today",
        Operator.AFTER_TODAY: "after today",
        Operator.THIS: "this",
        Operator.NEXT: "next",
        Operator.PREVIOUS: "previous",
        Operator.THIS_AND_NEXT: "this and next",
        Operator.THIS_AND_PREVIOUS: "this and previous",
        Operator.THIS_PREVIOUS_AND_NEXT: "this previous and next",
        Operator.LAST: "last",
        Operator.OLDER_THAN: "older than",
        Operator.SET: "has a value",
        Operator.NOT_SET: "has no value",
    }
)
"""The words of each operator in the text form (``between`` is the date one on date fields)."""

_ARITY_OF_COUNT: Mapping[tuple[int, int | None], _Arity] = {
    (0, None): _Arity.LIST,
    (0, 0): _Arity.NONE,
    (2, 2): _Arity.TWO,
    (1, 1): _Arity.ONE,
}
_ARITY: Mapping[Operator, _Arity] = {
    op: _Arity.PERIOD if op in PERIOD_OPERATORS else _ARITY_OF_COUNT[expected_values(op)]
    for op in Operator
}
"""How each operator's values are written, derived from :mod:`leadcore.criteria.build`."""

_PHRASES: tuple[tuple[tuple[str, ...], Operator], ...] = (
    *sorted(
        ((tuple(words.split()), op) for op, words in OPERATOR_WORDS.items()),
        key=lambda item: -len(item[0]),
    ),
    (("!=",), Operator.NE),
)

_PERIODS = {**{p.value: p for p in Period}, **{f"{p.value}s": p for p in Period}}
_LITERAL_WORDS = {"true": True, "false": False, "null": None}


def _arity(op: Operator) -> _Arity:
    return _ARITY[op]


# ---------------------------------------------------------------------------
# Lexer
# ---------------------------------------------------------------------------


class _Kind(enum.Enum):
    PUNCT = "punctuation"
    SYMBOL = "comparison"
    STRING = "text"
    ID = "id"
    NUMBER = "number"
    DATETIME = "datetime"
    DATE = "date"
    WORD = "word"
    END = "end of text"


@attrs.frozen
class _Token:
    kind: _Kind
    text: str
    start: int
    value: Any = None

    def is_word(self, *words: str) -> bool:
        return self.kind is _Kind.WORD and self.text.casefold() in words

    def describe(self) -> str:
        return "end of text" if self.kind is _Kind.END else repr(self.text)


_TIME = r"T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?"
_OFFSET = r"(?:Z|[+-]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?"
_TOKEN_RE = re.compile(
    rf"""
    (?P<space>\s+)
  | (?P<datetime>\d{{4}}-\d{{2}}-\d{{2}}{_TIME}{_OFFSET})
  | (?P<date>\d{{4}}-\d{{2}}-\d{{2}})
  | (?P<id>\#\d+)
  | (?P<number>[-+]?(?:inf(?![\w\-.])|(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?))
  | (?P<symbol><>|>=|<=|!=|=|<|>)
  | (?P<punct>[(),\[\]{{}}])
  | (?P<string>["'])
  | (?P<word>[^\W\d][\w]*(?:[.\-][\w]+)*)
    """,
    re.VERBOSE,
)

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "'": "'", "\\": "\\", "/": "/"}


def _error(source: str, position: int | str, expected: str, found: str) -> CriteriaParseError:
    return CriteriaParseError(source, position, expected, found)


def _read_string(source: str, start: int) -> tuple[str, int]:
    """Read a quoted string starting at ``start`` (the quote); return text and end."""
    quote = source[start]
    out: list[str] = []
    i = start + 1
    while i < len(source):
        ch = source[i]
        if ch == quote:
            return "".join(out), i + 1
        if ch == "\\":
            if i + 1 >= len(source):
                break
            esc = source[i + 1]
            if esc in _ESCAPES:
                out.append(_ESCAPES[esc])
                i += 2
                continue
            if esc in "uU":
                width = 4 if esc == "u" else 8
                digits = source[i + 2 : i + 2 + width]
                if len(digits) == width and all(c in "0123456789abcdefABCDEF" for c in digits):
                    code = int(digits, 16)
                    if code <= 0x10FFFF:
                        out.append(chr(code))
                        i += 2 + width
                        continue
            raise _error(source, i, r"an escape (\\ \" \n \r \t \uXXXX)", repr(source[i : i + 2]))
        out.append(ch)
        i += 1
    raise _error(source, len(source), f"the closing {quote} of the text at {start}", "end of text")


def _number(source: str, pos: int, text: str) -> int | float:
    """The number ``text`` stands for; refuses one too large to be what it says."""
    if not any(c in text for c in ".eEn"):
        try:
            return read_int(text)
        except ValueError:
            expected = f"an integer of fewer digits (at most {MAX_INT_DIGITS})"
            raise _error(source, pos, expected, f"{len(text)} digits") from None
    number = float(text)
    if math.isinf(number) and "inf" not in text:
        raise _error(source, pos, "a number within the float range (or inf)", repr(text))
    return number


def _tokens(source: str) -> list[_Token]:
    out: list[_Token] = []
    pos = 0
    while pos < len(source):
        m = _TOKEN_RE.match(source, pos)
        if m is None:
            raise _error(source, pos, "a word, value or punctuation", repr(source[pos]))
        kind = m.lastgroup
        text = m.group()
        if kind == "space":
            pos = m.end()
            continue
        if kind == "string":
            value, end = _read_string(source, pos)
            out.append(_Token(_Kind.STRING, source[pos:end], pos, value))
            pos = end
            continue
        token: _Token
        if kind == "datetime":
            try:
                token = _Token(_Kind.DATETIME, text, pos, datetime.fromisoformat(text))
            except ValueError:
                raise _error(source, pos, "a valid ISO datetime", repr(text)) from None
        elif kind == "date":
            try:
                token = _Token(_Kind.DATE, text, pos, date.fromisoformat(text))
            except ValueError:
                raise _error(source, pos, "a valid ISO date (YYYY-MM-DD)", repr(text)) from None
        elif kind == "id":
            token = _Token(_Kind.ID, text, pos, _number(source, pos, text[1:]))
        elif kind == "number":
            token = _Token(_Kind.NUMBER, text, pos, _number(source, pos, text))
        elif kind == "symbol":
            token = _Token(_Kind.SYMBOL, text, pos)
        elif kind == "punct":
            token = _Token(_Kind.PUNCT, text, pos)
        else:
            token = _Token(_Kind.WORD, text, pos)
        out.append(token)
        pos = m.end()
    out.append(_Token(_Kind.END, "", len(source)))
    return out


# ---------------------------------------------------------------------------
# Name resolution
# ---------------------------------------------------------------------------


def _group_by_name(name: str) -> CategoryGroup:
    folded = " ".join(name.split()).casefold()
    for group in CategoryGroup:
        names = {group.name.casefold(), group.name.casefold().replace("_", " ")}
        names |= {group.label("en").casefold(), group.label("da").casefold()}
        if folded in names:
            return group
    raise NotFoundError("category group", name)


def _resolve(
    f: Field, name: str, categories: CategoryList | None, statuses: LeadStatusList | None
) -> int:
    """The id of the item ``name`` (name or key) in ``f``'s list (given or not)."""
    kind = f.list_kind
    if kind is ListKind.CATEGORY_GROUP:
        return int(_group_by_name(name))
    if kind is ListKind.LEAD_STATUS:
        if statuses is None:
            raise LookupError("lead status names need the status list: pass statuses=")
        try:
            return int(statuses.by_name(name).id)
        except NotFoundError:
            folded = name.strip().casefold()
            for item in statuses.items:
                if item.key.casefold() == folded:
                    return int(item.id)
            raise
    if kind is ListKind.CATEGORY:
        if categories is None:
            raise LookupError("category names need the category list: pass categories=")
        return int(categories.by_name(name).id)
    raise LookupError(f"{f.key} takes ids (#7), not names")


def _name_of(
    f: Field, value: int, categories: CategoryList | None, statuses: LeadStatusList | None
) -> str | None:
    """The display name that resolves back to ``value``, or None (write ``#id``)."""
    kind = f.list_kind
    name: str | None = None
    if kind is ListKind.CATEGORY_GROUP:
        if value in CategoryGroup._value2member_map_:
            name = CategoryGroup(value).label("en")
    elif kind is ListKind.LEAD_STATUS and statuses is not None:
        if value in statuses:
            name = statuses.get(value).name
    elif kind is ListKind.CATEGORY and categories is not None and value in categories:
        name = categories.get(value).name
    if name is None:
        return None
    try:
        return name if _resolve(f, name, categories, statuses) == value else None
    except (LookupError, NotFoundError):
        return None


# ---------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------


@attrs.define
class _Frame:
    """One disjunction being read: the whole text, a ``(`` or an argument of ``all(``/``any(``."""

    opener: _Token | None  # the '(' or the 'all'/'any' word; None for the whole text
    arguments: list[Criterion] = attrs.Factory(list)  # the finished arguments of all(/any(
    ors: list[Criterion] = attrs.Factory(list)  # the finished conjunctions
    ands: list[Criterion] = attrs.Factory(list)  # the finished operands of this conjunction
    nots: list[_Token] = attrs.Factory(list)  # the 'not's before the operand being read
    operand_start: int = 0
    and_start: int = 0
    or_start: int = 0


def _joined(node: type[AllOf] | type[AnyOf], parts: list[Criterion]) -> Criterion:
    """The one part, or the and/or of several, as written (no flattening)."""
    return parts[0] if len(parts) == 1 else node(tuple(parts))


def _call(word: _Token, arguments: list[Criterion]) -> Criterion:
    return (AllOf if word.text.casefold() == "all" else AnyOf)(tuple(arguments))


class _Parser:
    def __init__(
        self,
        source: str,
        entity: Entity,
        categories: CategoryList | None,
        statuses: LeadStatusList | None,
    ) -> None:
        self.source = source
        self.entity = entity
        self.categories = categories
        self.statuses = statuses
        self.tokens = _tokens(source)
        self.i = 0
        self.depth = 0
        self.value_starts: list[int] = []  # where each value of the current leaf starts
        self.starts: dict[int, int] = {}  # id of each node read -> where its text starts

    # -- helpers
    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def peek(self, n: int = 1) -> _Token:
        return self.tokens[min(self.i + n, len(self.tokens) - 1)]

    def advance(self) -> _Token:
        token = self.tokens[self.i]
        if token.kind is not _Kind.END:
            self.i += 1
        return token

    def fail(self, expected: str, token: _Token | None = None) -> CriteriaParseError:
        token = token or self.tok
        return _error(self.source, token.start, expected, token.describe())

    def punct(self, text: str, expected: str | None = None) -> _Token:
        if self.tok.kind is _Kind.PUNCT and self.tok.text == text:
            return self.advance()
        raise self.fail(expected or repr(text))

    def at_punct(self, text: str) -> bool:
        return self.tok.kind is _Kind.PUNCT and self.tok.text == text

    # -- grammar
    def enter(self) -> None:
        """One more level of ``not``/parentheses/``all(``; bounded so that memory is."""
        self.depth += 1
        if self.depth > _TEXT_DEPTH:
            raise self.fail(f"at most {_TEXT_DEPTH} levels of nesting")

    def at(self, node: Criterion, start: int) -> Criterion:
        """``node``, noting where its text starts (the singletons have no one place)."""
        if node is not ALWAYS and node is not NEVER:
            self.starts.setdefault(id(node), start)
        return node

    def parse(self) -> Criterion:
        """The whole text as a tree, read without recursion: ``(`` and ``all(``/``any(``
        open a frame on an explicit stack, and the frame's end closes it."""
        frames = [_Frame(None)]
        while True:
            frame = frames[-1]
            frame.operand_start = self.tok.start
            self.enter()
            while self.tok.is_word("not"):
                frame.nots.append(self.advance())
                self.enter()
            node = self.primary(frames)
            while node is not None:  # an operand is complete: close what ends after it
                frame = frames[-1]
                self.depth -= 1 + len(frame.nots)
                for not_token in reversed(frame.nots):
                    node = self.at(Not(node), not_token.start)
                frame.nots.clear()
                if not frame.ands:
                    frame.and_start = frame.operand_start
                frame.ands.append(node)
                if self.tok.is_word("and"):
                    self.advance()
                    break
                frame.ors.append(self.at(_joined(AllOf, frame.ands), frame.and_start))
                if len(frame.ors) == 1:
                    frame.or_start = frame.and_start
                frame.ands.clear()
                if self.tok.is_word("or"):
                    self.advance()
                    break
                result = self.at(_joined(AnyOf, frame.ors), frame.or_start)
                frame.ors.clear()
                opener = frame.opener
                if opener is None:
                    if self.tok.kind is not _Kind.END:
                        raise self.fail("'and', 'or' or the end of the text")
                    return result
                if opener.text == "(":
                    self.punct(")", "'and', 'or' or ')'")
                    frames.pop()
                    node = result
                    continue
                frame.arguments.append(result)
                if self.at_punct(","):
                    self.advance()
                    break
                self.punct(")", "',' or ')'")
                frames.pop()
                node = self.at(_call(opener, frame.arguments), opener.start)

    def primary(self, frames: list[_Frame]) -> Criterion | None:
        """A criterion that nests nothing, or ``None`` after opening a frame for one that does."""
        tok = self.tok
        if tok.kind is _Kind.PUNCT and tok.text == "(":
            self.advance()
            frames.append(_Frame(tok))
            return None
        if tok.kind is _Kind.WORD and "." in tok.text:
            return self.at(self.condition(in_group=False), tok.start)
        if tok.is_word("always"):
            self.advance()
            return ALWAYS
        if tok.is_word("never"):
            self.advance()
            return NEVER
        if (
            tok.is_word("all", "any")
            and self.peek().kind is _Kind.PUNCT
            and self.peek().text == "("
        ):
            self.advance()
            self.advance()
            if self.at_punct(")"):
                self.advance()
                return self.at(_call(tok, []), tok.start)
            frames.append(_Frame(tok))
            return None
        if tok.is_word("groups"):
            return self.at(self.groups(), tok.start)
        raise self.fail(
            "a criterion: a field key (like person.lead_status), 'not', '(', "
            "'always', 'never', 'all(', 'any(' or 'groups'"
        )

    def groups(self) -> Groups:
        self.advance()
        self.punct("{", "'{' after 'groups'")
        groups: list[Group] = []
        if not self.at_punct("}"):
            groups.append(self.group())
            while self.at_punct(","):
                self.advance()
                groups.append(self.group())
        self.punct("}", "',' or '}'")
        return Groups(tuple(groups))

    def group(self) -> Group:
        subtract = False
        if self.tok.is_word("subtract"):
            self.advance()
            subtract = True
        self.punct("[", "'[' (a group) or 'subtract ['")
        criteria: list[Condition] = []
        if not self.at_punct("]"):
            criteria.append(self.condition(in_group=True))
            while self.tok.is_word("and"):
                self.advance()
                criteria.append(self.condition(in_group=True))
        self.punct("]", "'and' or ']'")
        return Group(tuple(criteria), subtract)

    def condition(self, *, in_group: bool) -> Condition:
        key_tok = self.tok
        if key_tok.kind is not _Kind.WORD or "." not in key_tok.text:
            raise self.fail("a field key (like person.lead_status)")
        self.advance()
        try:
            f = field(key_tok.text, self.entity)
        except CriteriaError as err:
            raise locate(err, self.source, key_tok.start) from err
        op_tok = self.tok
        op = self.operator(f)
        values_tok = self.tok
        self.value_starts = []
        values = self.values(f, op)
        leaf = Condition(f.key, op, values)
        try:
            validate(Groups((Group((leaf,)),)) if in_group else leaf, self.entity)
        except OperatorNotAllowed as err:
            raise locate(err, self.source, op_tok.start) from err
        except CriteriaError as err:
            index = err.context.get("index")
            at = values_tok.start
            if isinstance(index, int) and index < len(self.value_starts):
                at = self.value_starts[index]  # the bad value itself, not the list
            raise locate(err, self.source, at) from err
        return leaf

    def operator(self, f: Field) -> Operator:
        words = [self.peek(n) for n in range(4)]
        for phrase, op in _PHRASES:
            if all(
                t.kind in (_Kind.WORD, _Kind.SYMBOL) and t.text.casefold() == w
                for t, w in zip(words, phrase, strict=False)
            ) and len(phrase) <= len(words):
                # 'before'/'after' followed by 'today' is the longer phrase, found first
                for _ in phrase:
                    self.advance()
                if op is Operator.BETWEEN and f.value_type is ValueType.DATE:
                    return Operator.DATE_BETWEEN
                return op
        allowed = ", ".join(sorted({OPERATOR_WORDS[o] for o in f.operators}))
        raise self.fail(f"an operator for {f.key} ({allowed})")

    def values(self, f: Field, op: Operator) -> tuple[Value, ...]:
        arity = _arity(op)
        if arity is _Arity.LIST or self.at_punct("("):
            return self.value_list(f, arity)
        if arity is _Arity.NONE:
            return ()
        if arity is _Arity.PERIOD:
            if self.tok.kind is _Kind.NUMBER:  # a count of periods: last 30 days
                count = self.value(f)
                return (count, self.period())
            return (self.period(),)
        first = self.value(f)
        if arity is _Arity.ONE:
            return (first,)
        if not self.tok.is_word("and"):
            raise self.fail("'and' between the two values")
        self.advance()
        return (first, self.value(f))

    def value_list(self, f: Field, arity: _Arity) -> tuple[Value, ...]:
        self.punct("(", "'(' and a list of values")
        items: list[Value] = []
        if not self.at_punct(")"):
            items.append(self.list_item(f, arity))
            while self.at_punct(","):
                self.advance()
                items.append(self.list_item(f, arity))
        self.punct(")", "',' or ')'")
        return tuple(items)

    def list_item(self, f: Field, arity: _Arity) -> Value:
        if arity is _Arity.PERIOD and self.tok.kind is _Kind.WORD:
            return self.period()
        return self.value(f)

    def period(self) -> Period:
        tok = self.tok
        self.value_starts.append(tok.start)
        if tok.kind is _Kind.WORD and tok.text.casefold() in _PERIODS:
            self.advance()
            return _PERIODS[tok.text.casefold()]
        raise self.fail("a period (day, week, month, quarter or year)")

    def value(self, f: Field) -> Value:
        tok = self.tok
        self.value_starts.append(tok.start)
        names = f.list_kind is not None
        if tok.kind is _Kind.WORD and tok.text.casefold() in _LITERAL_WORDS:
            self.advance()
            return _LITERAL_WORDS[tok.text.casefold()]
        if tok.kind in (_Kind.ID, _Kind.NUMBER, _Kind.DATE, _Kind.DATETIME):
            self.advance()
            value: Value = tok.value
            return value
        if tok.kind is _Kind.STRING:
            self.advance()
            text: str = tok.value
            return self.resolve(f, text, tok) if names else text
        if tok.kind is _Kind.WORD and names:
            words = [self.advance().text]
            while self.tok.kind is _Kind.WORD:
                words.append(self.advance().text)
            return self.resolve(f, " ".join(words), tok)
        expected = {
            ValueType.TEXT: 'a quoted text ("...")',
            ValueType.NUMBER: "a number",
            ValueType.DATE: "a date (2026-01-31) or datetime (2026-01-31T09:00)",
            ValueType.ASSOCIATE: "an associate id (#7)",
            ValueType.LIST: "a name, key or #id",
            ValueType.BOOL: "no value",
        }[f.value_type]
        raise self.fail(expected)

    def resolve(self, f: Field, name: str, tok: _Token) -> int:
        try:
            return _resolve(f, name, self.categories, self.statuses)
        except NotFoundError:
            kind = f.list_kind.value.replace("_", " ") if f.list_kind else "list item"
            raise _error(
                self.source, tok.start, f"a {kind} name or key of {f.key}", repr(name)
            ) from None
        except LookupError as err:
            raise _error(self.source, tok.start, f"an id like #3 ({err})", repr(name)) from None


def parse(
    text: str,
    *,
    categories: CategoryList | None = None,
    statuses: LeadStatusList | None = None,
    entity: Entity = Entity.PERSON,
) -> Criterion:
    """Read the text form into a validated criterion.

    Names of lead statuses (name or key), categories and category groups
    (label or code name) resolve through the lists given; ``#3`` is a raw id.
    Bad input raises :class:`CriteriaParseError` with ``position`` (the offset)
    and ``expected``; an unknown field, a wrong operator or value raise the
    build error, which is also a parse error with the position.

    >>> parse('person.first_name begins "An" and person.registered this week')
    AllOf(children=(Condition(field='person.first_name', ...), Condition(...)))
    >>> parse("person.shoe_size = 4")
    Traceback (most recent call last):
    ...
    leadcore.criteria.text.UnknownFieldAt: unknown field 'person.shoe_size' (at 0): ...
    """
    if not isinstance(text, str):
        found = type(text).__name__
        raise _error("", 0, "the criteria text as a str (decode bytes first)", found)
    parser = _Parser(text, entity, categories, statuses)
    tree = parser.parse()
    try:
        check_nesting(tree)
    except CriteriaTooDeep as err:
        nodes = nodes_along(tree, err.context["path"])
        start = next((parser.starts[id(n)] for n in reversed(nodes) if id(n) in parser.starts), 0)
        raise locate(err, text, start) from err
    return tree


# ---------------------------------------------------------------------------
# Formatter
# ---------------------------------------------------------------------------

_BARE_NAME = re.compile(r"[^\W\d][\w]*(?:-[\w]+)*")
_KEYWORDS = {"and", "or", "not", "inf", *_LITERAL_WORDS}


def _quote(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _literal(value: Value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Period):
        return value.value
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return _quote(value)


class _Formatter:
    def __init__(
        self, categories: CategoryList | None, statuses: LeadStatusList | None, entity: Entity
    ) -> None:
        self.categories = categories
        self.statuses = statuses
        self.entity = entity

    def field(self, key: str) -> Field | None:
        try:
            return field(key, self.entity)
        except UnknownFieldError:
            try:
                return field(key, Entity.PERSON)
            except UnknownFieldError:
                return None

    def value(self, f: Field | None, value: Value) -> str:
        if f is not None and isinstance(value, int) and not isinstance(value, bool):
            if f.list_kind is not None:
                name = _name_of(f, int(value), self.categories, self.statuses)
                if name is None:
                    return f"#{int(value)}"
                bare = _BARE_NAME.fullmatch(name) and name.casefold() not in _KEYWORDS
                return name if bare else _quote(name)
            if f.value_type is ValueType.ASSOCIATE:
                return f"#{int(value)}"
        if f is not None and f.list_kind is not None and isinstance(value, str):
            # a text among ids is not a name: keep it a text the parser will refuse loudly
            return _quote(value)
        return _literal(value)

    def condition(self, c: Condition) -> str:
        f = self.field(c.field)
        words = OPERATOR_WORDS[c.operator]
        arity = _arity(c.operator)
        values = c.values
        canonical = {
            _Arity.NONE: len(values) == 0,
            _Arity.ONE: len(values) == 1,
            _Arity.TWO: len(values) == 2,
            _Arity.PERIOD: bool(values)
            and isinstance(values[-1], Period)
            and (len(values) == 1 or (len(values) == 2 and type(values[0]) is int)),
            _Arity.LIST: True,
        }[arity]
        if arity is _Arity.LIST or not canonical:
            listed = ", ".join(self.value(f, v) for v in values)
            return f"{c.field} {words} ({listed})"
        if arity is _Arity.NONE:
            return f"{c.field} {words}"
        if arity is _Arity.TWO:
            return f"{c.field} {words} {self.value(f, values[0])} and {self.value(f, values[1])}"
        if arity is _Arity.PERIOD and len(values) == 2:
            count, period = values
            assert isinstance(period, Period)
            return f"{c.field} {words} {count} {period.value}{'' if count == 1 else 's'}"
        return f"{c.field} {words} {self.value(f, values[0])}"

    def node(self, c: Criterion) -> str:
        if isinstance(c, Always):
            return "always"
        if isinstance(c, Never):
            return "never"
        if isinstance(c, Condition):
            return self.condition(c)
        if isinstance(c, Not):
            inner = self.node(c.child)
            if isinstance(c.child, AllOf | AnyOf) and len(c.child.children) >= 2:
                inner = f"({inner})"
            return f"not {inner}"
        if isinstance(c, AllOf | AnyOf):
            word = "all" if isinstance(c, AllOf) else "any"
            if len(c.children) < 2:
                return f"{word}({', '.join(self.node(x) for x in c.children)})"
            joiner = " and " if isinstance(c, AllOf) else " or "
            return joiner.join(self.child(x) for x in c.children)
        if isinstance(c, Groups):
            return "groups {" + ", ".join(self.group(g) for g in c.groups) + "}"
        raise TypeError(f"not a criterion: {c!r}")

    def child(self, c: Criterion) -> str:
        text = self.node(c)
        if isinstance(c, AllOf | AnyOf) and len(c.children) >= 2:
            return f"({text})"
        return text

    def group(self, g: Group) -> str:
        inner = " and ".join(self.condition(c) for c in g.criteria)
        return ("subtract " if g.subtract else "") + f"[{inner}]"


def format(
    criterion: Criterion,
    *,
    categories: CategoryList | None = None,
    statuses: LeadStatusList | None = None,
    entity: Entity = Entity.PERSON,
) -> str:
    """Write ``criterion`` in the text form; ``parse(format(c)) == c``.

    List values are written by name where the list is given (category groups
    always by label) and as ``#id`` otherwise.

    >>> from leadcore.criteria.ast import Condition, Operator, Period
    >>> print(format(Condition("person.registered", Operator.THIS_AND_NEXT, (Period.MONTH,))
    ...              | ~Condition("person.first_name", Operator.CONTAINS, ('say "hi"',))))
    person.registered this and next month or not person.first_name contains "say \\"hi\\""
    """
    return _Formatter(categories, statuses, entity).node(criterion)
