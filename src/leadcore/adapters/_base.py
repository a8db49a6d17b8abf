"""The port's invariants, written once for every adapter (private; shared by the
in-memory and the SQL adapter).

- :class:`UnitOfWorkBase`: the unit of work's discipline. Leaving the ``with``
  block rolls back whatever was not committed; :meth:`~UnitOfWorkBase.commit`
  writes the changes and then drops them, whether the write succeeded or not
  (cosmicpython's ``AbstractUnitOfWork`` template: an adapter supplies
  ``_write_changes`` and :meth:`~UnitOfWorkBase.rollback`);
  :meth:`~UnitOfWorkBase.expect_writes` is how a command says, before it reads,
  that it will change data (the in-memory store then makes it its one writer).
  What a unit holds while entered is the adapter's: the in-memory store a
  shared lock per read call and, for a command, its writer lock; the SQL
  adapter nothing but its connection.
- :func:`current_version`: a save or a delete names a stored record at the version
  it was loaded at (:class:`NotFoundError`, :class:`ConflictError`).
- :func:`refuse_repeats`: ``save_many`` takes each person once.
- :func:`deleted_in_unit`: an id deleted in a unit is not added again in it.

The page range is checked by :class:`leadcore.queries.Page` itself, when it is built.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable
from types import TracebackType
from typing import Self, TypeVar

from leadcore.adapters._versions import Versioned
from leadcore.errors import ConflictError, NotFoundError, ValidationError
from leadcore.model import Person

__all__ = ["UnitOfWorkBase", "current_version", "deleted_in_unit", "refuse_repeats"]

R = TypeVar("R", bound=Versioned)


class UnitOfWorkBase(abc.ABC):
    """What every unit of work does the same way: rollback on leaving, commit-then-forget,
    and the hooks an adapter's locking plugs into (:meth:`expect_writes`,
    :meth:`_left_last`)."""

    def __init__(self) -> None:
        self._entered = 0

    def __enter__(self) -> Self:
        """Begin (a unit entered again, in the same thread, stays one unit)."""
        self._entered += 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed (on success and on error alike)."""
        try:
            self.rollback()
        finally:
            if self._entered:
                self._entered -= 1
                if not self._entered:
                    self._left_last()

    @property
    def entered(self) -> bool:
        """True inside the unit's ``with`` block."""
        return self._entered > 0

    def expect_writes(self) -> None:  # noqa: B027 - a hook: by default there is nothing to do
        """Declare, before the first read, that this unit will change data.

        The service calls it at the start of every command. The in-memory store
        makes the unit its one writer at once (waiting for the writer in
        progress), so what the command reads still holds at its commit; the SQL
        adapter needs nothing (its commit checks what the unit read). Without
        it, an in-memory unit's commit is refused with a retryable
        :class:`leadcore.errors.ConcurrentChangeError` when another commit
        landed after its first read.
        """

    def _left_last(self) -> None:  # noqa: B027 - a hook: by default there is nothing to do
        """Called when the outermost ``with`` block is left, after the rollback."""

    def commit(self) -> None:
        """Write every change of this unit, atomically; the changes are dropped afterwards,
        also when the write fails (a :class:`ConflictError` writes nothing)."""
        try:
            self._write_changes()
        finally:
            self.rollback()

    @abc.abstractmethod
    def _write_changes(self) -> None:
        """Write the unit's changes to the store in one atomic step (or raise, writing nothing)."""

    @abc.abstractmethod
    def rollback(self) -> None:
        """Drop every change made since the last commit."""


def current_version(kind: str, record_id: object, current: R | None, version: int) -> R:
    """``current`` (the stored record) when it exists at ``version``.

    :class:`NotFoundError` when there is none, :class:`ConflictError` when it
    was changed since the caller loaded it at ``version``.
    """
    if current is None:
        raise NotFoundError(kind, record_id)
    if current.version != version:
        raise ConflictError(kind, record_id, version, current.version)
    return current


def refuse_repeats(persons: Iterable[Person]) -> None:
    """Refuse a ``save_many`` naming one person twice (:class:`ValidationError`)."""
    seen: set[int] = set()
    for person in persons:
        if person.id in seen:
            raise ValidationError(
                f"person {person.id} appears twice in one save_many",
                why="each person can be saved once per call",
                fix="Pass each person once, with all its changes",
                person_id=person.id,
            )
        seen.add(person.id)


def deleted_in_unit(kind: str, record_id: int) -> ValidationError:
    """The error for adding again, in the same unit of work, a record it deleted."""
    return ValidationError(
        f"{kind} {record_id} was deleted in this unit of work",
        why="a deleted id is not stored again",
        fix="Add the record under a new id",
        kind=kind,
        id=record_id,
    )
