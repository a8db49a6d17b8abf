"""What the SQL repositories and finds need of their unit of work (private).

:class:`Unit` is the small typed interface ``SqlUnitOfWork`` gives its
repositories (:mod:`._repositories`) and finds (:mod:`._find`): the changes not
written yet, the connections, and what the commit's version checks need to know
of the unit's reads. Typing them against it, not against the unit's class, keeps
the store's module out of theirs.
"""

from __future__ import annotations

from typing import Any, Protocol

import attrs
from sqlalchemy import Connection, Table

from leadcore.history import HistoryEntry
from leadcore.lists import Lists
from leadcore.model import Associate, Company, Person
from leadcore.ports import Clock, ListRepository
from leadcore.selections import Selection

__all__ = ["Pending", "Unit"]


@attrs.define
class Pending:
    """A unit's changes not written yet."""

    companies: dict[int, Company] = attrs.Factory(dict)
    persons: dict[int, Person] = attrs.Factory(dict)
    selections: dict[int, Selection | None] = attrs.Factory(dict)
    associates: dict[int, Associate] = attrs.Factory(dict)
    new: dict[str, set[int]] = attrs.Factory(
        lambda: {"company": set(), "person": set(), "selection": set(), "associate": set()}
    )
    deleted_companies: set[int] = attrs.Factory(set)
    deleted_persons: set[int] = attrs.Factory(set)
    lists: Lists | None = None
    settings: dict[str, str] = attrs.Factory(dict)
    history: list[HistoryEntry] = attrs.Factory(list)

    def is_empty(self) -> bool:
        """True when the unit changed nothing."""
        return not (
            self.companies
            or self.persons
            or self.selections
            or self.associates
            or self.deleted_companies
            or self.deleted_persons
            or self.lists is not None
            or self.settings
            or self.history
        )


class Unit(Protocol):
    """A SQL unit of work as its repositories and finds see it."""

    @property
    def pending(self) -> Pending:
        """The changes not written yet."""

    @property
    def deleted(self) -> dict[str, set[int]]:
        """Ids deleted in this unit, by kind (they cannot be added again in it)."""

    @property
    def clock(self) -> Clock:
        """The store's clock (the time of queries that carry none)."""

    @property
    def lists(self) -> ListRepository:
        """The unit's lists, its own changes included."""

    def connection(self) -> Connection:
        """The connection to read with (the write transaction's once writing)."""

    def query_connection(self) -> Connection:
        """The connection a query runs on; it sees the unit's own changes."""

    def note(self, kind: str, record_id: int, version: int) -> None:
        """Remember the version a record had when this unit first read it."""

    def note_members(self, company_id: int, members: tuple[tuple[int, int], ...]) -> None:
        """Remember the persons (id, version) a company had when this unit listed them."""

    def read_cache(self, kind: str) -> dict[int, Any] | None:
        """The records of ``kind`` read so far (``None`` once the unit writes through)."""

    def highest_id(self, kind: str, table: Table) -> int | None:
        """The highest id of ``kind`` stored when the unit first asked (``None``: writing)."""

    def changed(self) -> None:
        """Called after each change: once writing, changes go straight to the database."""

    def load_lists(self) -> Lists:
        """The stored lists (read with this unit's connection)."""
