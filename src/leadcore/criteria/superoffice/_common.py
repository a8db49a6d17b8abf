"""What every SuperOffice reader and writer shares: the errors, the import report, and
the and/or builder that reads a flat run of restrictions without recursion.

>>> err = SuperOfficeReadError("name begins 'x", 12, "the quote opened here is never closed",
...     "Close the text with '", form="string")
>>> err.position, err.restriction
(12, "name begins 'x")
>>> from leadcore.criteria.build import condition
>>> try:
...     condition("person.id", "between", 1)
... except BadValueError as cause:
...     err = read_error("personId between 1", "rows[0].Values", "one value", "Write two",
...         form="rows", cause=cause)
>>> isinstance(err, BadValueError), isinstance(err, SuperOfficeReadError)
(True, True)
"""

from __future__ import annotations

import enum
from collections.abc import Callable

import attrs

from leadcore.criteria.ast import ALWAYS, NEVER, Criterion, all_of, any_of
from leadcore.criteria.build import MAX_NESTING, check_nesting, nodes_along
from leadcore.criteria.errors import (
    BadValueError,
    CriteriaError,
    CriteriaParseError,
    CriteriaTooDeep,
)

__all__ = [
    "MAX_OPEN",
    "ImportReport",
    "Imported",
    "Note",
    "NoteKind",
    "RestrictionExportError",
    "SuperOfficeBadValue",
    "SuperOfficeExportError",
    "SuperOfficeReadError",
    "SuperOfficeTooDeep",
    "read_error",
]

MAX_OPEN = MAX_NESTING
"""The most parentheses open at once in a restriction string, a ``$filter`` or rows."""


class SuperOfficeReadError(CriteriaParseError):
    """A SuperOffice restriction could not be read: names the restriction, its position
    (a character offset in a string or ``$filter``, a path such as ``rows[2].Operator``
    in rows) and the reason."""

    def __init__(
        self, restriction: str, position: int | str, reason: str, fix: str, *, form: str
    ) -> None:
        CriteriaError.__init__(
            self,
            f"cannot read the SuperOffice {form} restriction {restriction[:80]!r} at {position}",
            why=reason,
            fix=fix,
            source=restriction,
            position=position,
            expected=fix,
            found=restriction[:80],
            restriction=restriction,
            reason=reason,
            form=form,
        )
        self.position = position
        self.expected = fix
        self.restriction = restriction
        self.reason = reason


class SuperOfficeBadValue(SuperOfficeReadError, BadValueError):
    """A restriction whose value the field does not take (a wrong count, an int beyond 64
    bits, a lone surrogate): both the positioned read error and a :class:`BadValueError`."""


class SuperOfficeTooDeep(SuperOfficeReadError, CriteriaTooDeep):
    """Restrictions that nest deeper than leadcore reads: both the positioned read error and
    a :class:`CriteriaTooDeep`."""


def read_error(
    restriction: str,
    position: int | str,
    reason: str,
    fix: str,
    *,
    form: str,
    cause: BaseException | None = None,
) -> SuperOfficeReadError:
    """The read error at ``position``; when ``cause`` is a build error (a bad value, a tree
    too deep) the error is that typed error too, with the cause's context."""
    kind: type[SuperOfficeReadError] = SuperOfficeReadError
    if isinstance(cause, BadValueError):
        kind = SuperOfficeBadValue
    elif isinstance(cause, CriteriaTooDeep):
        kind = SuperOfficeTooDeep
    error = kind(restriction, position, reason, fix, form=form)
    if isinstance(cause, CriteriaError):
        for key, value in cause.context.items():
            error.context.setdefault(key, value)
    return error


class RestrictionExportError(CriteriaError):
    """A criterion (or a part of it) has no form in a SuperOffice restriction list."""

    def __init__(self, part: str, why: str, fix: str) -> None:
        super().__init__(f"cannot export {part!r} as SuperOffice restrictions", why=why, fix=fix)


class SuperOfficeExportError(RestrictionExportError):
    """A criterion (or a part of it) has no form that SuperOffice accepts; names the part."""

    def __init__(self, part: str, why: str, fix: str, *, provider: str, form: str) -> None:
        super().__init__(part, why=why, fix=fix)
        self.context.update(part=part, provider=provider, form=form)


class NoteKind(enum.Enum):
    """What a note of an import report says about one restriction."""

    ALIAS = "alias"
    """A column spelt another way than the provider's reference spells it (case, alias)."""
    INACTIVE = "inactive"
    """Ignored: IsActive false, or an empty value (as SuperOffice ignores it)."""
    READ_AS = "read_as"
    """An operator or value read as another leadcore construct (``afterTime`` as on-or-after)."""
    LEGACY = "legacy"
    """An 8.x operator (``lastWeek``) read as its 9.2+ equivalent."""
    IGNORED_VALUE = "ignored_value"
    """A value SuperOffice does not use (the stored id of ``currentAssociate``)."""


@attrs.frozen
class Note:
    """One line of an import report: where, which restriction, what was done."""

    position: int | str
    restriction: str
    kind: NoteKind
    message: str


@attrs.frozen
class ImportReport:
    """How an import read its input: the provider, the form, and a note per restriction
    that was not read literally (aliases resolved, inactive parts ignored, ...)."""

    provider: str
    form: str
    notes: tuple[Note, ...] = ()

    def of(self, kind: NoteKind) -> tuple[Note, ...]:
        """The notes of one kind.

        >>> ImportReport("Person", "rows").of(NoteKind.INACTIVE)
        ()
        """
        return tuple(n for n in self.notes if n.kind is kind)

    @property
    def ignored(self) -> tuple[Note, ...]:
        """The restrictions ignored as inactive.

        >>> note = Note("rows[0]", "name is", NoteKind.INACTIVE, "its value is empty")
        >>> len(ImportReport("Contact", "rows", (note,)).ignored)
        1
        """
        return self.of(NoteKind.INACTIVE)


@attrs.frozen
class Imported:
    """The result of every SuperOffice import: the criterion and the report."""

    criterion: Criterion
    report: ImportReport


@attrs.define
class _Frame:
    start: int | str
    ors: list[Criterion | None] = attrs.Factory(list)
    ands: list[Criterion | None] = attrs.Factory(list)

    def close_conjunction(self) -> None:
        self.ors.append(_join(all_of, self.ands))
        self.ands = []

    def result(self) -> Criterion | None:
        self.close_conjunction()
        return _join(any_of, self.ors)


def _join(
    join: Callable[[list[Criterion]], Criterion], parts: list[Criterion | None]
) -> Criterion | None:
    active = [p for p in parts if p is not None]
    return join(active) if active else None


class TreeBuilder:
    """and/or with parentheses over a flat run of operands, ``and`` binding tighter than
    ``or``; an operand of ``None`` (an inactive restriction) drops out of its and/or.

    Iterative: each open parenthesis is a frame on an explicit stack of at most
    :data:`MAX_OPEN`. ``error(position, reason, fix, cause)`` makes the reader's typed
    error (``cause`` is the :class:`CriteriaTooDeep` of a tree too deep, else ``None``).
    """

    def __init__(
        self, error: Callable[[int | str, str, str, BaseException | None], Exception]
    ) -> None:
        self._frames = [_Frame(0)]
        self._error = error
        self._where: dict[int, int | str] = {}

    def open(self, position: int | str) -> None:
        """Open a parenthesis at ``position``."""
        if len(self._frames) > MAX_OPEN:
            raise self._error(
                position,
                f"more than {MAX_OPEN} parentheses are open at once",
                "Remove redundant parentheses (a deeper tree is beyond what leadcore reads)",
                None,
            )
        self._frames.append(_Frame(position))

    def operand(self, criterion: Criterion | None, position: int | str) -> None:
        """Add one restriction's criterion (``None`` when it is inactive)."""
        if criterion is not None and criterion is not ALWAYS and criterion is not NEVER:
            self._where.setdefault(id(criterion), position)
        self._frames[-1].ands.append(criterion)

    def or_(self) -> None:
        """The operands so far (since the last ``or``) form one conjunction."""
        self._frames[-1].close_conjunction()

    def close(self, position: int | str) -> None:
        """Close the innermost open parenthesis."""
        if len(self._frames) == 1:
            raise self._error(
                position, "this closes a parenthesis that was never opened", "Remove it", None
            )
        frame = self._frames.pop()
        inner = frame.result()
        if inner is not None and inner is not ALWAYS and inner is not NEVER:
            self._where.setdefault(id(inner), frame.start)
        self._frames[-1].ands.append(inner)

    @property
    def depth(self) -> int:
        """How many parentheses are open."""
        return len(self._frames) - 1

    def finish(self) -> Criterion:
        """The criterion; ALWAYS when no restriction was active."""
        found = self.finish_optional()
        return ALWAYS if found is None else found

    def finish_optional(self) -> Criterion | None:
        """The criterion; ``None`` when no restriction was active."""
        if len(self._frames) > 1:
            raise self._error(
                self._frames[-1].start,
                "the parenthesis opened here is never closed",
                "Close it with ')'",
                None,
            )
        tree = self._frames[0].result()
        if tree is None:
            return None
        try:
            check_nesting(tree)
        except CriteriaTooDeep as err:
            nodes = nodes_along(tree, err.context["path"])
            where = next((self._where[id(n)] for n in reversed(nodes) if id(n) in self._where), 0)
            raise self._error(where, str(err), "Flatten the nesting", err) from err
        return tree
