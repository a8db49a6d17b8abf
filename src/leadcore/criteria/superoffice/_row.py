"""One restriction row as a typed value: :class:`Restriction` and :class:`Link`, the rows
``export_restrictions`` writes and every row reader accepts besides JSON objects.

>>> row = Restriction("firstName", "begins", ("An",), Link.OR, open_parens=1)
>>> Restriction.from_archive_info(row.to_archive_info()) == row
True
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from leadcore.criteria.errors import CriteriaError, CriteriaParseError, found_text
from leadcore.criteria.superoffice._common import MAX_OPEN

__all__ = ["MAX_PARENTHESES", "Link", "Restriction"]

MAX_PARENTHESES = MAX_OPEN
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
                fix=f"Write the value as text, e.g. {found_text(value, 20)}",
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
    """One row of a SuperOffice restriction list (an ``ArchiveRestrictionInfo``).

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
        if link is None:
            link = "And"  # SuperOffice's None: read as And
        if not isinstance(link, str) or link.strip().capitalize() not in ("And", "Or", "None"):
            raise bad("InterOperator", "None, And or Or")
        parens = data.get("InterParenthesis", 0)
        if parens is None:
            parens = 0
        if not isinstance(parens, int) or isinstance(parens, bool) or abs(parens) > MAX_PARENTHESES:
            raise bad("InterParenthesis", f"an int from -{MAX_PARENTHESES} to {MAX_PARENTHESES}")
        active = data.get("IsActive", True)
        if not isinstance(active, bool):
            raise bad("IsActive", "true or false")
        joined = link.strip().capitalize()
        return cls(
            name,
            operator,
            tuple(values),
            Link.OR if joined == "Or" else Link.AND,
            open_parens=max(parens, 0),
            close_parens=max(-parens, 0),
            is_active=active,
        )
