"""Field checks for the stored frozen classes: values are checked where they enter.

Not public API. Every frozen class that gets stored (model, history, selections,
lists) checks all its fields when it is built, and so on every
:func:`attrs.evolve`, with one function made by :func:`fields` from a table of
:class:`Check` objects. The rules:

- **Types are exact.** An id, rank or version is an ``int`` and not a
  ``bool`` (nor an ``IntEnum``); text is a ``str`` (not ``bytes``, not a number,
  not a ``str`` subclass); a yes/no field is ``True`` or ``False`` (not ``1``);
  an enum field holds a member of its enum. What is stored is what a file gives
  back.
- **Ids are positive, versions non-negative**, ranks any ``int``.
- **Text is valid Unicode that UTF-8 can encode, without NUL**: a lone
  surrogate (``"\\ud800"``) is refused, since no file or database could store
  it; so is NUL (U+0000), which PostgreSQL refuses in text and at which
  SQLite's ``LIKE`` stops, so that every adapter stores and searches the same
  text. The other control characters are allowed, and there is no length limit.
- **None only where the field is optional.**
- **Datetimes are timezone-aware** (``utcoffset()`` is not ``None``), so they
  can always be compared and ordered, **and their UTC time is a datetime**
  (years 1 to 9999): stored times are kept in UTC, so ``0001-01-01T00:00+01:00``
  (the year 0 in UTC) is refused where it enters instead of overflowing in an
  adapter.

Each :class:`Check` is one Python expression, which :func:`fields` inlines
into a single test for the whole instance (the hot path: a person is rebuilt
for every save) and which :meth:`Check.passes` evaluates alone to find the bad
field once that test fails; both read the same expression, so they agree. The
generated code is compiled by :func:`leadcore._codegen.compile_function`, so a
traceback through it shows its lines. Attrs validators (one call per field) cost
about three times as much: for a person about 1.5 µs against 0.5 µs (Python 3.11,
attrs 26; the NUL and UTC-range tests added since cost about 0.2 µs more per person).

>>> import attrs
>>> @attrs.frozen
... class Tag:
...     id: int
...     label: str
...     __attrs_post_init__ = fields("tag", id=ID, label=TEXT)
>>> Tag(1, "ok").label
'ok'
>>> Tag(True, "ok")
Traceback (most recent call last):
...
leadcore.errors.ValidationError: a tag's id must be a positive int: got True (bool). ...
>>> Tag(1, "\\ud800").label
Traceback (most recent call last):
...
leadcore.errors.ValidationError: a tag's label must be text: it holds a lone surrogate ...
>>> Tag(1, "a\\x00b").label
Traceback (most recent call last):
...
leadcore.errors.ValidationError: a tag's label must be text: it holds NUL (U+0000) at index 1: ...
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from datetime import UTC, datetime, timezone
from typing import Any

from leadcore._codegen import compile_function
from leadcore.errors import ValidationError

__all__ = [
    "AWARE",
    "FLAG",
    "ID",
    "ID_SET",
    "MAX_MOMENT",
    "MIN_MOMENT",
    "MOMENT",
    "NAME",
    "NUL_REASON",
    "OPTIONAL_ID",
    "OPTIONAL_TEXT",
    "RANK",
    "TEXT",
    "TEXT_SET",
    "VERSION",
    "Check",
    "fields",
    "instance",
    "member",
    "nul_at",
    "optional",
    "require",
    "surrogate_at",
    "tuple_of",
]


def _utf8(text: str) -> bool:
    """True when UTF-8 can encode ``text`` (no lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _positive_ids(values: frozenset[Any]) -> bool:
    return not values or ({*map(type, values)} == {int} and min(values) > 0)


def _texts(values: frozenset[Any]) -> bool:
    return all(type(v) is str and "\x00" not in v and _utf8(v) for v in values)


MIN_MOMENT = datetime.min.replace(tzinfo=UTC)
"""The earliest time a stored field takes: 0001-01-01T00:00 in UTC."""
MAX_MOMENT = datetime.max.replace(tzinfo=UTC)
"""The latest time a stored field takes: 9999-12-31T23:59:59.999999 in UTC."""


def _in_utc(value: datetime) -> bool:
    """True when ``value``'s UTC time is a datetime (years 1 to 9999). Comparing aware
    datetimes never overflows, unlike ``value.astimezone(timezone.utc)``."""
    return MIN_MOMENT <= value <= MAX_MOMENT


_NAMESPACE: dict[str, Any] = {
    "_utf8": _utf8,
    "_positive_ids": _positive_ids,
    "_texts": _texts,
    "_in_utc": _in_utc,
    "datetime": datetime,
    "timezone": timezone,
}
"""What check expressions may use besides the value ``{v}`` and the constant ``{c}``."""


class Check:
    """One rule for a field's value.

    ``test`` is a Python expression over ``{v}`` (the value) and ``{c}``
    (``constant``) that is true for a good value; raising (as encoding a lone
    surrogate does) counts as false. ``what`` (with ``{entity}`` and ``{field}``) says what the
    value must be, ``fix`` what to pass instead. A value that fails ``inner``
    (the check this one refines) is refused with ``inner``'s message.
    """

    __slots__ = ("accepts", "constant", "fix", "inner", "none_fix", "test", "what")

    def __init__(
        self,
        test: str,
        what: str,
        fix: str,
        *,
        constant: object = None,
        inner: Check | None = None,
        none_fix: str | None = None,
    ) -> None:
        self.test = test
        self.what = what
        self.fix = fix
        self.constant = constant
        self.inner = inner
        self.none_fix = none_fix
        source = f"def accepts(v):\n    return bool({test.format(v='v', c='c')})\n"
        namespace = {**_NAMESPACE, "c": constant}
        self.accepts: Callable[[object], bool] = compile_function(
            source, "accepts", namespace, label="value check"
        )

    def passes(self, value: object) -> bool:
        """:meth:`accepts`, counting an exception raised by the value itself as a refusal."""
        try:
            return self.accepts(value)
        except Exception:
            return False

    def refusal(self, value: object, entity: str, field: str, **context: Any) -> ValidationError:
        """The error for a ``value`` this check does not accept."""
        if self.inner is not None and not self.inner.passes(value):
            return self.inner.refusal(value, entity, field, **context)
        return ValidationError(
            self.what.format(entity=entity, field=field),
            why=_why(value),
            fix=_fix(value, field, self),
            entity=entity,
            field=field,
            **context,
        )


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:50]}... ({len(text)} characters)"


def surrogate_at(text: str) -> int:
    """Index of the first character UTF-8 cannot encode, -1 if none."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return error.start
    return -1


def nul_at(text: str) -> int:
    """Index of the first NUL (U+0000) in ``text``, -1 if none.

    >>> nul_at("a\\x00b"), nul_at("ab")
    (1, -1)
    """
    return text.find("\x00")


NUL_REASON = (
    "PostgreSQL cannot store NUL in text and SQLite's LIKE stops at it, so the adapters "
    "could not store and search it alike"
)
"""Why text holding NUL is refused, stored fields and criteria values alike."""


def _naive(value: datetime) -> bool:
    try:
        return value.utcoffset() is None
    except Exception:
        return True


def _text_why(value: str) -> str | None:
    """Why the text ``value`` cannot be stored (a lone surrogate, NUL), ``None`` if it can."""
    at = surrogate_at(value)
    if at >= 0:
        return (
            f"it holds a lone surrogate (U+{ord(value[at]):04X} at index {at}), which is "
            "not valid Unicode: UTF-8 cannot encode it, so it could never be saved"
        )
    at = nul_at(value)
    if at >= 0:
        return f"it holds NUL (U+0000) at index {at}: {NUL_REASON}"
    return None


def _why(value: object) -> str:
    if isinstance(value, str):
        bad = _text_why(value)
        if bad is not None:
            return bad
        if type(value) is not str:
            return f"got {_shown(value)} ({type(value).__name__}, a subclass of str)"
        return f"got {_shown(value)}"
    if isinstance(value, frozenset | tuple):
        for item in value:
            if type(item) is str and (bad := _text_why(item)) is not None:
                return f"the item {_shown(item)} is not: {bad}"
    if isinstance(value, datetime) and _naive(value):
        return f"got {value.isoformat()}, which has no timezone"
    if isinstance(value, datetime) and not _in_utc(value):
        edge = "before the year 1" if value < MIN_MOMENT else "after the year 9999"
        return (
            f"got {value.isoformat()}, which is {edge} in UTC: times are stored in UTC "
            "(the SQL adapter converts them), and no datetime holds that UTC time"
        )
    if value is None:
        return "got None"
    return f"got {_shown(value)} ({type(value).__name__})"


def _fix(value: object, field: str, check: Check) -> str:
    if value is None and check.none_fix is not None:
        return check.none_fix.format(field=field)
    if isinstance(value, bytes | bytearray):
        return f"Decode {field} to str first, e.g. value.decode('utf-8')"
    if isinstance(value, str) and surrogate_at(value) >= 0:
        return (
            "Remove the surrogate; text decoded with errors='surrogateescape' or "
            "'surrogatepass' should be decoded with errors='replace' instead"
        )
    if isinstance(value, str) and nul_at(value) >= 0:
        return "Remove the NUL characters, e.g. value.replace('\\x00', '')"
    return check.fix.format(field=field)


ID = Check(
    "(type({v}) is int and {v} > 0)",
    "a {entity}'s {field} must be a positive int",
    "Pass the id as a positive int (a bool is not an id)",
)
RANK = Check("type({v}) is int", "a {entity}'s {field} must be an int", "Pass the rank as an int")
VERSION = Check(
    "(type({v}) is int and {v} >= 0)",
    "a {entity}'s {field} must be a non-negative int",
    "Pass the version the record was loaded with (0 for a new record)",
)
FLAG = Check(
    "({v} is True or {v} is False)",
    "a {entity}'s {field} must be True or False",
    "Pass a bool: 1, 0 and other values that merely test true or false are refused",
)
TEXT = Check(
    "(type({v}) is str and '\\x00' not in {v} and ({v}.isascii() or {v}.encode('utf-8') != b''))",
    "a {entity}'s {field} must be text",
    "Pass {field} as a str",
    none_fix='Pass "" for no {field}',
)
NAME = Check(
    "(type({v}) is str and {v} != '' and not {v}.isspace() and '\\x00' not in {v}"
    " and ({v}.isascii() or {v}.encode('utf-8') != b''))",
    "a {entity} needs a non-empty {field}",
    "Pass a {field} with at least one visible character",
    inner=TEXT,
)
_AWARE_TEST = (
    "(isinstance({v}, datetime) and (type({v}.tzinfo) is timezone or {v}.utcoffset() is not None))"
)
AWARE = Check(
    _AWARE_TEST,
    "a {entity}'s {field} must be a timezone-aware datetime",
    "Attach a timezone, e.g. value.replace(tzinfo=timezone.utc), or take the time from a Clock",
)
MOMENT = Check(
    f"({_AWARE_TEST} and (1 < {{v}}.year < 9999 or _in_utc({{v}})))",
    "a {entity}'s {field} must be a time within the years 1 to 9999 in UTC",
    "Pass a time between 0001-01-01T00:00 and 9999-12-31T23:59:59.999999 in UTC",
    inner=AWARE,
)
"""An aware datetime whose UTC time a datetime holds. The year test spares the
comparison for every time but those of years 1 and 9999 (an offset is less than a
day, so the UTC time of any other year is a datetime)."""
ID_SET = Check(
    "(type({v}) is frozenset and _positive_ids({v}))",
    "a {entity}'s {field} must be a frozenset of positive int ids",
    "Pass the ids as positive ints (a bool is not an id)",
)
TEXT_SET = Check(
    "(type({v}) is frozenset and _texts({v}))",
    "a {entity}'s {field} must be a frozenset of text",
    "Pass a frozenset of str",
)


def optional(check: Check) -> Check:
    """``check``, or ``None``.

    >>> optional(ID).accepts(None), optional(ID).accepts(0)
    (True, False)
    """
    return Check(
        f"({{v}} is None or {check.test})",
        check.what.replace(" must be ", " must be None or "),
        f"{check.fix}, or None",
        constant=check.constant,
        inner=None if check.inner is None else optional(check.inner),
    )


OPTIONAL_ID = optional(ID)
OPTIONAL_TEXT = optional(TEXT)


def member(kind: type[enum.Enum]) -> Check:
    """A member of the enum ``kind`` (not its value).

    >>> from leadcore.history import HistoryKind
    >>> member(HistoryKind).accepts("change")
    False
    """
    names = ", ".join(f"{kind.__name__}.{m.name}" for m in kind)
    return Check(
        "type({v}) is {c}",
        f"a {{entity}}'s {{field}} must be a {kind.__name__}",
        f"Pass one of {names}",
        constant=kind,
    )


def _described(test: str, kind: Any, what: str) -> Check:
    return Check(test, f"a {{entity}}'s {{field}} must be {what}", f"Pass {what}", constant=kind)


def instance(kind: Any, what: str) -> Check:
    """An instance of ``kind`` (a class or a union of classes), described as ``what``."""
    return _described("isinstance({v}, {c})", kind, what)


def tuple_of(kind: type, what: str) -> Check:
    """A tuple whose items are all exactly of class ``kind``, described as ``what``."""
    return _described("(type({v}) is tuple and all(type(i) is {c} for i in {v}))", kind, what)


def require(value: object, check: Check, *, entity: str, field: str, **context: Any) -> None:
    """Refuse ``value`` with a :class:`ValidationError` unless ``check`` accepts it.

    For single arguments checked before an instance is built.

    >>> require(None, TEXT, entity="person", field="email")
    Traceback (most recent call last):
    ...
    leadcore.errors.ValidationError: a person's email must be text: got None. Pass "" for no email
    """
    if not check.passes(value):
        raise check.refusal(value, entity, field, **context)


def fields(entity: str, /, **checks: Check) -> Callable[[Any], None]:
    """One function checking the named attributes of an instance of ``entity``.

    The function tests every field in one expression; when that fails it
    raises the :class:`ValidationError` of the first field (in the given order)
    whose check fails, with ``entity``, ``field`` and the ids checked before it
    (``id``, ``person_id`` ...) in its context.
    """
    namespace = dict(_NAMESPACE)
    function = "check_" + re.sub(r"\W", "_", entity)
    lines = [f"def {function}(self):"]
    tests = []
    for n, (name, check) in enumerate(checks.items()):
        lines.append(f"    v{n} = self.{name}")
        namespace[f"c{n}"] = check.constant
        tests.append(check.test.format(v=f"v{n}", c=f"c{n}"))
    lines += [
        "    try:",
        f"        if {' and '.join(tests)}:",
        "            return",
        "    except Exception:",
        "        pass",
        "    explain(self)",
    ]

    def explain(instance: object) -> None:
        context: dict[str, Any] = {}
        for name, check in checks.items():
            value = getattr(instance, name)
            if not check.passes(value):
                raise check.refusal(value, entity, name, **context)
            if check is ID:
                context[name] = value
        raise ValidationError(  # pragma: no cover - only a value whose checks flip-flop
            f"a {entity} could not be checked",
            why="a value gave different answers when checked twice",
            fix="Pass plain values (str, int, datetime with a fixed timezone)",
            entity=entity,
        )

    namespace["explain"] = explain
    source = "\n".join(lines) + "\n"  # the code is made from the checks above
    made: Callable[[Any], None] = compile_function(
        source, function, namespace, label=f"field checks of {entity}"
    )
    made.__qualname__ = made.__name__ = f"check_{entity.replace(' ', '_')}"
    return made
