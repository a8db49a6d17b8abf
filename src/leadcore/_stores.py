"""The store that one string names: a file store's path, ``":memory:"``, or a database URL.

Not public API: :func:`leadcore.open` (the composition root) and the constructors
``LeadService.in_memory``, ``.sql``, ``.sqlite`` and ``.postgres`` open their store here
and build the service over it (:func:`leadcore.adapters.is_database_url` tells a database).
It sits below :mod:`leadcore.service`, so that neither it nor the root imports the other
back.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, Protocol

from leadcore.adapters import is_database_url
from leadcore.clock import SystemClock
from leadcore.errors import DataFileError, ValidationError
from leadcore.lists import Lists, existing_database, new_database
from leadcore.model import Language
from leadcore.ports import Clock, IdGenerator, UnitOfWork

__all__ = ["MEMORY", "Store", "open_store"]

MEMORY = ":memory:"
"""The ``data`` of :func:`leadcore.open` that names an in-memory store kept in no file."""


class Store(Protocol):
    """What a service needs of a store (both adapters' stores have it)."""

    def unit_of_work(self) -> UnitOfWork:
        """A fresh unit of work."""

    def ids(self) -> IdGenerator:
        """The store's one id generator (new ids continue after every id it ever held)."""

    def close(self) -> None:
        """Release the store (a file's lock, a database's connections)."""


def open_store(
    data: str | os.PathLike[str],
    *,
    create: bool | None = None,
    read_only: bool = False,
    database: Literal["new", "existing"] = "new",
    language: Language = "en",
    clock: Clock | None = None,
    autosave: bool = True,
    recover: bool = False,
) -> tuple[Store, Clock]:
    """The store ``data`` names and the clock it runs on (``clock``, or the system clock).

    The arguments are those of :func:`leadcore.open`, which documents them.

    >>> store, clock = open_store(":memory:")
    >>> with store.unit_of_work() as unit:
    ...     unit.lists.load().statuses.default.name
    'Open'
    >>> store.close()
    """
    text = os.fspath(data)
    made = Lists(*(new_database(language) if database == "new" else existing_database(language)))
    chosen = SystemClock() if clock is None else clock
    if recover and (text == MEMORY or is_database_url(text)):
        raise ValidationError(
            f"recover=True applies to a file store, not to {text!r}",
            why="only a file store has journals to recover from damage",
            fix="Leave recover out for ':memory:' and database URLs",
            data=text,
        )
    if text == MEMORY:
        if create is False:
            raise DataFileError.missing(text)
        from leadcore.adapters.memory import InMemoryStore

        store: Store = InMemoryStore(made, clock=chosen)
    elif is_database_url(text):
        from leadcore.adapters.sql import SqlStore

        if create is not None:
            _require(text, exists=_database_has_leads(text), create=create)
        store = SqlStore.open(text, lists=made, clock=chosen)
    else:
        from leadcore.adapters.memory import InMemoryStore

        _require_usable(text)
        location = Path(text)
        if location.is_dir():
            raise DataFileError.unusable(text, "it is a directory")
        if create is True and location.exists():
            raise DataFileError.exists(text)
        if create is False and not location.is_file():
            raise DataFileError.missing(text)
        store = InMemoryStore.open(
            location,
            lists=made,
            clock=chosen,
            read_only=read_only,
            autosave=autosave,
            recover=recover,
        )
    return store, chosen


def _require_usable(path: str) -> None:
    """Refuse a path no file can have (as the command's typed one-line error, not the
    operating system's ``ValueError`` or ``UnicodeEncodeError``)."""
    if not path:
        raise DataFileError.unusable(path, "it is empty")
    if "\x00" in path:
        raise DataFileError.unusable(path, "it holds a NUL character, which no path can")
    try:
        os.fsencode(path)
    except UnicodeError:
        raise DataFileError.unusable(
            path, "it holds characters the file system cannot encode (a lone surrogate)"
        ) from None


def _require(data: str, *, exists: bool, create: bool) -> None:
    if create and exists:
        raise DataFileError.exists(data)
    if not create and not exists:
        raise DataFileError.missing(data)


def _database_has_leads(url: str) -> bool:
    """Whether ``url`` holds leadcore's tables, asked without creating anything."""
    import sqlalchemy

    from leadcore.adapters.sql import VERSION_TABLE, make_engine

    parsed = sqlalchemy.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        name = parsed.database or ""
        if name in ("", ":memory:") or not Path(name).is_file():
            return False
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return sqlalchemy.inspect(connection).has_table(VERSION_TABLE)
    except sqlalchemy.exc.SQLAlchemyError as failed:
        raise DataFileError(
            f"cannot reach the database {url!r}",
            why=str(failed.orig if hasattr(failed, "orig") else failed).strip(),
            fix="Check the URL, that the server runs and that the user may connect",
            path=url,
        ) from failed
    finally:
        engine.dispose()
