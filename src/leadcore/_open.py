"""The one composition root: :func:`open` makes a :class:`~leadcore.LeadService` over a
store named by one string.

Not public API by module: import :func:`leadcore.open`. ``LeadService.in_memory``,
``.sql``, ``.sqlite`` and ``.postgres`` and the ``leadcore`` command call it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, Protocol

from leadcore.adapters import is_database_url
from leadcore.clock import SystemClock
from leadcore.errors import DataFileError
from leadcore.licence import Licence
from leadcore.lists import existing_database, new_database
from leadcore.model import AssociateId, Language
from leadcore.policies import LeadPolicy
from leadcore.ports import Clock, EventPublisher, IdGenerator, StoredLists, UnitOfWork
from leadcore.service import LeadService
from leadcore.service._arguments import check_function
from leadcore.service._context import DEFAULT_POLICY

__all__ = ["MEMORY", "open"]

MEMORY = ":memory:"
"""The ``data`` of :func:`open` that names an in-memory store kept in no file."""


class _Store(Protocol):
    """What the composition root needs of a store (both adapters' stores have it)."""

    def unit_of_work(self) -> UnitOfWork: ...

    def ids(self) -> IdGenerator: ...

    def close(self) -> None: ...


@check_function
def open(
    data: str | os.PathLike[str],
    *,
    create: bool | None = None,
    read_only: bool = False,
    database: Literal["new", "existing"] = "new",
    language: Language = "en",
    clock: Clock | None = None,
    associate: AssociateId | None = None,
    licence: Licence | None = None,
    policy: LeadPolicy = DEFAULT_POLICY,
    events: EventPublisher | None = None,
    autosave: bool = True,
) -> LeadService:
    """The service over the store ``data`` names; close it (or use ``with``) when done.

    ``data`` is a file store's path (:meth:`leadcore.adapters.memory.InMemoryStore.open`:
    a journaled file, locked while the service is open), ``":memory:"`` (an
    in-memory store kept in no file), or a SQLAlchemy URL for the SQL adapter
    (extra ``sql``: ``sqlite:///crm.db``, ``postgresql://user@host/db``).

    - ``create``: ``None`` opens the store, making it when missing; ``True``
      makes a new one and refuses one that exists
      (:class:`leadcore.errors.DataFileError`); ``False`` requires that it exists.
    - ``read_only``: a file store takes a shared lock, so several readers can
      run at once and none writes (a database isolates its readers itself).
    - ``database`` (``"new"`` or ``"existing"``, a database made before lead
      management) and ``language`` (``"en"`` or ``"da"``) choose the lists a
      new store starts with.
    - ``clock`` defaults to the system clock and ``licence`` to every feature;
      ``associate``, ``policy`` and ``events`` are the service's (see
      :class:`~leadcore.LeadService`); ``autosave`` is the file store's.

    New ids continue after the highest ones the store ever held.

    >>> import leadcore, pathlib, tempfile
    >>> with leadcore.open(":memory:") as service:
    ...     service.companies.add("Acme").id
    1
    >>> file = pathlib.Path(tempfile.mkdtemp()) / "crm.json"
    >>> with leadcore.open(file, create=True) as service:
    ...     _ = service.persons.add("Ann")
    >>> with leadcore.open(file, read_only=True) as service:
    ...     service.persons.count()
    1
    >>> leadcore.open(file, create=True)
    Traceback (most recent call last):
    ...
    leadcore.errors.DataFileError: a data file already exists at '...crm.json': ...
    """
    text = os.fspath(data)
    made = StoredLists(
        *(new_database(language) if database == "new" else existing_database(language))
    )
    chosen = SystemClock() if clock is None else clock
    if text == MEMORY:
        if create is False:
            raise DataFileError.missing(text)
        from leadcore.adapters.memory import InMemoryStore

        store: _Store = InMemoryStore(made, clock=chosen)
    elif is_database_url(text):
        from leadcore.adapters.sql import SqlStore

        if create is not None:
            _require(text, exists=_database_has_leads(text), create=create)
        store = SqlStore.open(text, lists=made, clock=chosen)
    else:
        from leadcore.adapters.memory import InMemoryStore

        location = Path(text)
        if create is True and location.exists():
            raise DataFileError.exists(text)
        if create is False and not location.is_file():
            raise DataFileError.missing(text)
        store = InMemoryStore.open(
            location, lists=made, clock=chosen, read_only=read_only, autosave=autosave
        )
    return LeadService(
        store.unit_of_work,
        clock=chosen,
        ids=store.ids(),
        events=events,
        policy=policy,
        licence=licence,
        associate=associate,
        closer=store.close,
    )


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
