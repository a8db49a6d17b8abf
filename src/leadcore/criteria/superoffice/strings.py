"""SuperOffice restriction strings and OData ``$filter`` texts, read and written.

A restriction string (``FindFromRestrictions2``, ``GetArchiveList2``: "name = 'baz' or
category oneOf (1,2,3)") and a ``$filter`` ("name begins 'foo' and category gt 1")
share one syntax: ``column operator values`` joined by ``and``/``or`` (``and`` binds
tighter) with parentheses. Values are quoted texts (``'O\\'Brien'``: a backslash
escapes a quote or a backslash, as SuperOffice documents; the doubled quote of
``'O''Brien'`` is read too), numbers, encoded values (``[I:3]``), bare words (``week``, ``true``),
a parenthesised list (``(3,6)``, ``('2020-05-11','2020-05-31')``), or, for the
9.2+ period operators, a count and a period (``thisAndPrevious 2 3``). A ``$filter``
also calls the functions ``startswith(f,'x')``, ``endswith(f,'x')``,
``substringof('x',f)``, ``this(f,period)``, ``next(f,n,period)``,
``previous(f,n,period)``, ``thisAndNext(f,n,period)``, ``thisAndPrevious(f,n,period)``
and ``thisAndPreviousAndNext(f,period)`` (SuperOfficeDocs/docs
``api-sources/openapi/rest/Swagger-v1-Archive.json``).

The readers never recurse (parentheses are frames on an explicit stack of at most
:data:`~leadcore.criteria.superoffice._common.MAX_OPEN`), and refuse unbalanced
quotes and parentheses, control characters and unreadable values with a
:class:`~leadcore.criteria.superoffice._common.SuperOfficeReadError` at the
character offset.

>>> from leadcore.criteria.text import format
>>> got = read_string("category in (2,3,4) and name begins 'Super'", "Contact")
>>> print(format(got.criterion, entity=got_entity(got)))
company.category in (#2, #3, #4) and company.name begins "Super"
>>> print(format(read_filter("startswith(firstName,'An') or registered thisAndPrevious 2 3",
...     "Person").criterion))
person.first_name begins "An" or person.registered this and previous 2 months
>>> write_filter(read_filter("this(personRegisteredDate, week)", "Person").criterion, "Person")
'this(personRegisteredDate,week)'
"""

from __future__ import annotations

import enum
import re

import attrs

from leadcore.criteria.ast import ALWAYS, NEVER, AllOf, AnyOf, Condition, Criterion
from leadcore.criteria.fields import Entity
from leadcore.criteria.superoffice._common import (
    Imported,
    ImportReport,
    Note,
    NoteKind,
    SuperOfficeExportError,
    SuperOfficeReadError,
    TreeBuilder,
    read_error,
)
from leadcore.criteria.superoffice._export import exportable, refuse
from leadcore.criteria.superoffice.columns import (
    ColumnError,
    Provider,
    default_entity,
)
from leadcore.criteria.superoffice.columns import (
    provider as provider_named,
)
from leadcore.criteria.superoffice.operators import (
    Inactive,
    LeafRefused,
    WrittenLeaf,
    read_leaf,
    write_leaf,
)

__all__ = ["got_entity", "read_filter", "read_string", "write_filter", "write_string"]


class _Kind(enum.Enum):
    WORD = "word"
    TEXT = "text"
    ENCODED = "encoded"
    SYMBOL = "symbol"
    OPEN = "("
    CLOSE = ")"
    COMMA = ","
    END = "end"


@attrs.frozen
class _Tok:
    kind: _Kind
    text: str
    at: int
    end: int


_SYMBOLS = ("<=", ">=", "<>", "!=", "=", "<", ">")
_STOP = frozenset(" \t\r\n()'\",[]=<>!")
_FUNCTIONS = {
    "startswith": ("begins", 2),
    "endswith": ("ends", 2),
    "substringof": ("contains", 2),
    "this": ("thisPeriod", 2),
    "next": ("nextPeriod", 3),
    "previous": ("previousPeriod", 3),
    "thisandnext": ("thisAndNext", 3),
    "thisandprevious": ("thisAndPrevious", 3),
    "thisandpreviousandnext": ("thisPreviousAndNext", 2),
}


_JOIN = re.compile(r"\([A-Za-z_][A-Za-z0-9_]*->[A-Za-z_][A-Za-z0-9_]*\)")
"""A right join inside a Dynamic column: ``person.(email->person_id).email_address``."""
_FK_TABLE = re.compile(r"\[[A-Za-z_][A-Za-z0-9_]*\](?=[.:])")
"""A join's target table inside a Dynamic column: ``person.contact_id[contact].name``."""
_SPECIAL = {q: re.compile("[" + re.escape(q) + r"\\]") for q in "'\""}
"""What ends a run of plain characters inside a text quoted with ``'`` or ``"``."""


def _control(ch: str) -> bool:
    return (ord(ch) < 32 and ch not in " \t\r\n") or 127 <= ord(ch) < 160


class _Reader:
    def __init__(self, text: str, provider: Provider, entity: Entity, form: str) -> None:
        self.text = text
        self.provider = provider
        self.entity = entity
        self.form = form
        self.notes: list[Note] = []
        self.i = 0
        self.tok = self._next()

    # -- errors ---------------------------------------------------------------------
    def error(
        self,
        at: int,
        reason: str,
        fix: str,
        restriction: str = "",
        cause: BaseException | None = None,
    ) -> SuperOfficeReadError:
        shown = restriction or self.text[at : at + 40]
        return read_error(shown, at, reason, fix, form=self.form, cause=cause)

    # -- lexer ----------------------------------------------------------------------
    def _next(self) -> _Tok:
        text, n = self.text, len(self.text)
        i = self.i
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            self.i = n
            return _Tok(_Kind.END, "", n, n)
        ch = text[i]
        if _control(ch):
            raise self.error(i, f"a control character (U+{ord(ch):04X})", "Remove it")
        if ch in "(),":
            self.i = i + 1
            kind = {"(": _Kind.OPEN, ")": _Kind.CLOSE, ",": _Kind.COMMA}[ch]
            return _Tok(kind, ch, i, i + 1)
        if ch in "'\"":
            return self._quoted(i, ch)
        if ch == "[":
            close = text.find("]", i)
            if close < 0:
                raise self.error(i, "the encoded value opened here has no ']'", "Close it with ]")
            self.i = close + 1
            body = text[i : close + 1]
            for j, c in enumerate(body):
                if _control(c):
                    raise self.error(i + j, f"a control character (U+{ord(c):04X})", "Remove it")
            return _Tok(_Kind.ENCODED, body, i, close + 1)
        for symbol in _SYMBOLS:
            if text.startswith(symbol, i):
                self.i = i + len(symbol)
                return _Tok(_Kind.SYMBOL, symbol, i, self.i)
        if ch in "]!":
            raise self.error(i, f"an unexpected {ch!r}", "Remove it, or quote the value")
        j = i
        while True:
            while j < n and text[j] not in _STOP and not _control(text[j]):
                j += 1
            join = _JOIN.match(text, j) if j > i and text[j - 1] in ".:" else None
            key = _FK_TABLE.match(text, j) if j > i and text[j - 1] not in ".:" else None
            if join is None and key is None:
                break
            j = (join or key).end()  # type: ignore[union-attr]
        self.i = j
        return _Tok(_Kind.WORD, text[i:j], i, j)

    def _quoted(self, start: int, quote: str) -> _Tok:
        """A quoted text: ``\\'``, ``\\"`` and ``\\\\`` are the quote or the backslash
        (SuperOffice's escape); a doubled quote is one quote (OData's); a backslash before
        anything else is itself. Linear: each step moves past what it read."""
        text = self.text
        special = _SPECIAL[quote]
        parts: list[str] = []
        i = start + 1
        while True:
            found = special.search(text, i)
            if found is None:
                raise self.error(
                    start, "the quote opened here is never closed", f"Close the text with {quote}"
                )
            at = found.start()
            parts.append(text[i:at])
            following = text[at + 1 : at + 2]
            if text[at] == "\\":
                if following in ("'", '"', "\\"):
                    parts.append(following)
                    i = at + 2
                else:
                    parts.append("\\")
                    i = at + 1
                continue
            if following == quote:  # a doubled quote is one quote
                parts.append(quote)
                i = at + 2
                continue
            close = at
            break
        value = "".join(parts)
        for c in value:
            if _control(c) or c in "\r\n":
                raise self.error(
                    start, f"a control character (U+{ord(c):04X}) in a text", "Remove it"
                )
        self.i = close + 1
        return _Tok(_Kind.TEXT, value, start, close + 1)

    def peek(self) -> _Tok:
        return self.tok

    def advance(self) -> _Tok:
        tok = self.tok
        self.tok = self._next()
        return tok

    def keyword(self, tok: _Tok, *words: str) -> bool:
        return tok.kind is _Kind.WORD and tok.text.casefold() in words

    # -- parser ---------------------------------------------------------------------
    def parse(self) -> Criterion:
        builder = TreeBuilder(lambda at, why, fix, cause: self.error(int(at), why, fix, "", cause))
        expect_operand = True
        seen = False
        while self.tok.kind is not _Kind.END or (expect_operand and seen):
            tok = self.tok
            if expect_operand:
                if tok.kind is _Kind.END:
                    raise self.error(
                        tok.at,
                        "a restriction is missing here",
                        "Add one or remove the trailing and/or",
                    )
                seen = True
                if tok.kind is _Kind.OPEN:
                    self.advance()
                    builder.open(tok.at)
                    continue
                if self.keyword(tok, "not"):
                    raise self.error(
                        tok.at,
                        "SuperOffice restrictions have no NOT",
                        "Use the negative operator (notOneOf, isNot, ...)",
                    )
                if tok.kind is not _Kind.WORD or self.keyword(tok, "and", "or"):
                    raise self.error(
                        tok.at,
                        f"expected a restriction, found {tok.text!r}",
                        "Start with a column name or '('",
                    )
                builder.operand(self.restriction(), tok.at)
                expect_operand = False
                continue
            self.advance()
            if tok.kind is _Kind.CLOSE:
                builder.close(tok.at)
            elif self.keyword(tok, "and"):
                expect_operand = True
            elif self.keyword(tok, "or"):
                builder.or_()
                expect_operand = True
            else:
                raise self.error(
                    tok.at,
                    f"expected and, or or ')', found {tok.text!r}",
                    "Join restrictions with and/or",
                )
        return builder.finish()

    def restriction(self) -> Criterion | None:
        column = self.advance()
        if self.tok.kind is _Kind.OPEN and column.text.casefold() in _FUNCTIONS:
            return self.call(column)
        if self.tok.kind is _Kind.OPEN:
            raise self.error(
                self.tok.at, f"{column.text!r} is not a function", "Write column operator value"
            )
        op = self.tok
        if op.kind not in (_Kind.WORD, _Kind.SYMBOL) or self.keyword(op, "and", "or"):
            raise self.error(
                op.at,
                f"expected an operator after {column.text!r}",
                "Write column operator value",
                column.text,
            )
        self.advance()
        values: list[str] = []
        if self.peek().kind is _Kind.OPEN:
            values = [t.text for t in self.value_list()]
        else:
            while self.tok.kind in (_Kind.WORD, _Kind.TEXT, _Kind.ENCODED) and not self.keyword(
                self.tok, "and", "or"
            ):
                values.append(self.advance().text)
                if len(values) > 2:
                    raise self.error(
                        self.tok.at,
                        "too many values without parentheses",
                        "Put a list of values in ( )",
                    )
        return self.leaf(column, op, values, self.tok.at)

    def value_list(self) -> list[_Tok]:
        opened = self.advance()
        values: list[_Tok] = []
        if self.tok.kind is _Kind.CLOSE:
            self.advance()
            return values
        while True:
            tok = self.advance()
            if tok.kind not in (_Kind.WORD, _Kind.TEXT, _Kind.ENCODED):
                raise self.error(
                    tok.at,
                    f"expected a value, found {tok.text or 'the end'!r}",
                    "Write values separated by commas",
                )
            values.append(tok)
            sep = self.advance()
            if sep.kind is _Kind.CLOSE:
                return values
            if sep.kind is not _Kind.COMMA:
                raise self.error(
                    sep.at if sep.kind is not _Kind.END else opened.at,
                    "expected ',' or ')' in the list opened here"
                    if sep.kind is _Kind.END
                    else "expected ',' or ')'",
                    "Close the list with )",
                )

    def call(self, name: _Tok) -> Criterion | None:
        if self.form != "filter":
            raise self.error(
                name.at,
                f"{name.text}(...) is $filter syntax, not a restriction string",
                "Write column operator value, or read it as a $filter",
            )
        operator, arity = _FUNCTIONS[name.text.casefold()]
        args = self.value_list()
        end = self.tok.at
        if len(args) != arity:
            raise self.error(
                name.at,
                f"{name.text} takes {arity} arguments, got {len(args)}",
                f"Write {name.text}({', '.join(['f'] + ['v'] * (arity - 1))})",
                self.text[name.at : end],
            )
        if name.text.casefold() == "substringof" and args[0].kind is not _Kind.WORD:
            column_text, values = args[1].text, [args[0].text]  # substringof('x', f)
        else:
            column_text, values = args[0].text, [a.text for a in args[1:]]
        if self.keyword(self.tok, "eq"):  # startswith(f,'x') eq true
            self.advance()
            flag = self.advance()
            if flag.text.casefold() != "true":
                raise self.error(
                    flag.at,
                    "a function compared with anything but true",
                    "Use the negative operator (notBegins, ...)",
                )
        column = _Tok(_Kind.WORD, column_text, name.at, name.end)
        op = _Tok(_Kind.WORD, operator, name.at, name.end)
        return self.leaf(column, op, values, end)

    def leaf(self, column: _Tok, op: _Tok, values: list[str], end: int) -> Criterion | None:
        label = self.text[column.at : max(end, op.end)].strip() or column.text
        found: list[tuple[NoteKind, str]] = []
        try:
            got = read_leaf(
                column.text,
                op.text,
                values,
                self.provider,
                self.entity,
                notes=lambda kind, message: found.append((kind, message)),
            )
        except ColumnError as err:
            raise self.error(column.at, err.why, err.fix, label) from err
        except LeafRefused as err:
            raise self.error(op.at, err.reason, err.fix_text, label, err.cause) from err
        for kind, message in found:
            self.notes.append(Note(column.at, label, kind, message))
        if isinstance(got, Inactive):
            self.notes.append(
                Note(
                    column.at,
                    label,
                    NoteKind.INACTIVE,
                    f"{label}: {got.why}; ignored as SuperOffice ignores it",
                )
            )
            return None
        return got


def _read(text: str, provider: str | Provider, entity: Entity | None, form: str) -> Imported:
    if not isinstance(text, str):
        raise SuperOfficeReadError(
            type(text).__name__, 0, f"a {form} is a text", "Pass a str", form=form
        )
    try:
        p = provider_named(provider)
        e = default_entity(p, entity)
    except ColumnError as err:
        raise SuperOfficeReadError(str(provider), 0, err.why, err.fix, form=form) from err
    reader = _Reader(text, p, e, form)
    criterion = reader.parse()
    return Imported(criterion, ImportReport(p.name, form, tuple(reader.notes)))


def read_string(text: str, provider: str | Provider, *, entity: Entity | None = None) -> Imported:
    """Read a SuperOffice restriction string of ``provider`` into a criterion and a report.

    >>> got = read_string("updatedDate lastWeek", "FindContact")
    >>> [n.kind.value for n in got.report.notes]
    ['legacy']
    """
    return _read(text, provider, entity, "string")


def read_filter(text: str, provider: str | Provider, *, entity: Entity | None = None) -> Imported:
    """Read an OData ``$filter`` of ``provider`` (the string syntax plus its functions).

    >>> read_filter("contactId ge 5 and name notBegins ''", "Contact").report.ignored[0].message
    "name notBegins '': its value is empty; ignored as SuperOffice ignores it"
    """
    return _read(text, provider, entity, "filter")


def got_entity(imported: Imported) -> Entity:
    """The search an import was read for (its provider's first), for formatting it.

    >>> got_entity(read_string("", "Contact"))
    <Entity.COMPANY: 'company'>
    """
    return provider_named(imported.report.provider).entities[0]


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def _quote(text: str) -> str:
    """A text quoted the way SuperOffice documents: a backslash before a quote and before
    a backslash ("Use backslash to escape single quotes in strings", ArchiveAgent)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _scalar(value: str, written: WrittenLeaf) -> str:
    return _quote(value) if written.quote else value


def _leaf_text(written: WrittenLeaf) -> str:
    if written.function is not None:
        if written.function == "substringof":
            return f"substringof({_scalar(written.values[0], written)},{written.column})"
        args = [
            written.column,
            *(_scalar(v, written) if written.kind != "period" else v for v in written.values),
        ]
        return f"{written.function}({','.join(args)})"
    head = f"{written.column} {written.operator}"
    if written.kind == "none":
        return head
    if written.kind in ("list", "pair"):
        return f"{head} ({','.join(_scalar(v, written) for v in written.values)})"
    if written.kind == "period":
        return f"{head} {' '.join(written.values)}"
    return f"{head} {_scalar(written.values[0], written)}"


def _write(criterion: Criterion, provider: str | Provider, entity: Entity | None, form: str) -> str:
    try:
        p = provider_named(provider)
        e = default_entity(p, entity)
    except ColumnError as err:
        raise SuperOfficeExportError(
            str(provider), err.why, err.fix, provider=str(provider), form=form
        ) from err
    tree = exportable(criterion, p, e, form)
    if tree is ALWAYS:
        return ""
    if tree is NEVER:
        return "getNoRows set true"
    out: list[str] = []
    # iterative: ("node", criterion, nested) or ("text", str)
    stack: list[tuple[str, object, bool]] = [("node", tree, False)]
    while stack:
        kind, item, nested = stack.pop()
        if kind == "text":
            out.append(str(item))
            continue
        if isinstance(item, Condition):
            written, why = write_leaf(item, p, e, form)
            if written is None:
                raise refuse(item, e, why or "", p, form)
            out.append(_leaf_text(written))
            continue
        assert isinstance(item, AllOf | AnyOf)
        joiner = " and " if isinstance(item, AllOf) else " or "
        if nested:
            stack.append(("text", ")", False))
        for i in reversed(range(len(item.children))):
            stack.append(("node", item.children[i], True))
            if i:
                stack.append(("text", joiner, False))
        if nested:
            stack.append(("text", "(", False))
    return "".join(out)


def write_string(
    criterion: Criterion, provider: str | Provider, *, entity: Entity | None = None
) -> str:
    """``criterion`` as a SuperOffice restriction string of ``provider``; nested and/or
    parenthesised; ALWAYS is the empty string, NEVER ``getNoRows set true``.

    >>> from leadcore.criteria.build import condition
    >>> print(write_string(condition("company.name", "begins", "O'B") & condition(
    ...     "company.category", "in", 2, 3), "Contact"))
    name begins 'O\\'B' and category oneOf (2,3)
    """
    return _write(criterion, provider, entity, "string")


def write_filter(
    criterion: Criterion, provider: str | Provider, *, entity: Entity | None = None
) -> str:
    """``criterion`` as an OData ``$filter`` of ``provider`` (functions for begins, ends,
    contains and the period operators; ``eq``/``ne``/``gt``/``lt``, with ``>=`` written
    as ``gt N-1`` and ``<=`` as ``lt N+1``, as SuperOffice's int columns take them).

    >>> from leadcore.criteria.build import condition
    >>> write_filter(condition("person.id", "ge", 5) | condition("person.first_name",
    ...     "contains", "an"), "Person")
    "personId gt 4 or substringof('an',firstName)"
    """
    return _write(criterion, provider, entity, "filter")
