"""Errors of the criteria algebra; all are :class:`leadcore.ValidationError`.

>>> from leadcore.criteria.ast import Operator
>>> raise OperatorNotAllowed("person.retired", Operator.IN, (Operator.IS_TRUE, Operator.IS_FALSE))
Traceback (most recent call last):
...
leadcore.criteria.errors.OperatorNotAllowed: operator 'in' cannot be used on field ...
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sized

from leadcore.criteria.ast import Operator
from leadcore.errors import ValidationError

__all__ = [
    "BadValueError",
    "CriteriaError",
    "CriteriaParseError",
    "CriteriaTooDeep",
    "OperatorNotAllowed",
    "UnknownFieldError",
    "UnknownOperatorError",
    "found_text",
]


class CriteriaError(ValidationError):
    """A criterion is malformed; refused when it is built, parsed or loaded."""


class UnknownFieldError(CriteriaError):
    """The field key is not in the registry."""

    def __init__(self, key: str, known: Iterable[str]) -> None:
        super().__init__(
            f"unknown field {key!r}",
            why="criteria can only use the registered fields",
            fix=f"Use one of: {', '.join(sorted(known))}",
            field=key,
        )


class OperatorNotAllowed(CriteriaError):
    """The operator does not apply to the field's type."""

    def __init__(self, key: str, operator: Operator, allowed: Iterable[Operator]) -> None:
        names = sorted(op.value for op in allowed)
        super().__init__(
            f"operator {operator.value!r} cannot be used on field {key!r}",
            why="the field's type decides which operators apply",
            fix=f"Use one of: {', '.join(names)}",
            field=key,
            operator=operator.value,
            allowed=names,
        )


class UnknownOperatorError(OperatorNotAllowed):
    """The operator code is not an operator at all (for example a typo)."""

    def __init__(self, key: str, code: str, allowed: Iterable[Operator]) -> None:
        names = sorted(op.value for op in allowed)
        CriteriaError.__init__(
            self,
            f"unknown operator {code!r} on field {key!r}",
            why="operators are identified by their stable codes",
            fix=f"Use one of: {', '.join(names)}",
            field=key,
            operator=code,
            allowed=names,
        )


class BadValueError(CriteriaError):
    """A value has the wrong type or count for the field and operator."""

    def __init__(self, key: str, operator: Operator, why: str, fix: str) -> None:
        super().__init__(
            f"bad value for {key!r} {operator.value}",
            why=why,
            fix=fix,
            field=key,
            operator=operator.value,
        )


class CriteriaTooDeep(CriteriaError):
    """The tree nests and/or/not deeper than leadcore evaluates (Python's stack is finite).

    ``context["path"]`` holds the child indices from the root down to the first
    node that nests too deep (``0`` for the child of a ``not``), so that a reader
    can point at it in its own input.
    """

    def __init__(self, depth: int, limit: int, path: tuple[int, ...] = ()) -> None:
        super().__init__(
            f"the criteria tree nests {depth} levels deep",
            why=f"at most {limit} levels of and/or/not are accepted",
            fix="Flatten the tree: all_of/any_of take any number of children",
            depth=depth,
            limit=limit,
            path=path,
        )


class CriteriaParseError(CriteriaError):
    """The text or JSON form could not be read; says where and what was expected."""

    def __init__(self, source: str, position: int | str, expected: str, found: str) -> None:
        super().__init__(
            f"cannot read criteria at {position}",
            why=f"expected {expected}, found {found}",
            fix="Correct the criteria text at that position",
            source=source,
            position=position,
            expected=expected,
            found=found,
        )
        self.position = position
        self.expected = expected


def found_text(value: object, limit: int = 60) -> str:
    """``value`` for the *found* part of a parse error: JSON notation cut to ``limit``
    characters, lone surrogates escaped (so the message can be printed), and never
    failing on what a hostile input holds (a cyclic or very deep list, a huge int).

    >>> found_text({"type": "x"}), found_text("y" * 100)[-6:], found_text(10**5000)
    ('{"type": "x"}', 'yyy...', 'an integer of 16610 bits')
    >>> cyclic: list[object] = []
    >>> cyclic.append(cyclic)
    >>> found_text(cyclic), found_text("\\ud800")
    ('a list of 1 items', '"\\\\ud800"')
    """
    if isinstance(value, int) and value.bit_length() > 64:
        return f"an integer of {value.bit_length()} bits"
    if isinstance(value, str):
        value = value[: limit + 1]
    try:
        text = json.dumps(value, default=repr, ensure_ascii=False)
    except (ValueError, TypeError, RecursionError):  # cyclic, too deep, a huge int inside
        size = f" of {len(value)} items" if isinstance(value, Sized) else ""
        text = f"a {type(value).__name__}{size}"
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[: limit - 3] + "..."
