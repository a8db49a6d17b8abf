"""The one composition root: :func:`open` makes a :class:`~leadcore.LeadService` over a
store named by one string.

Not public API by module: import :func:`leadcore.open`. The store is opened by
:func:`leadcore._stores.open_store`, which ``LeadService.in_memory``, ``.sql``,
``.sqlite`` and ``.postgres`` call too (they cannot call this module: it imports the
service); the ``leadcore`` command calls :func:`open`.
"""

from __future__ import annotations

import os
from typing import Literal

from leadcore._stores import open_store
from leadcore.licence import Licence
from leadcore.model import AssociateId, Language
from leadcore.policies import LeadPolicy
from leadcore.ports import Clock, EventPublisher
from leadcore.service import LeadService
from leadcore.service._arguments import check_function
from leadcore.service._context import DEFAULT_POLICY

__all__ = ["open"]


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
    recover: bool = False,
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
    - ``recover``: a file store whose journal is damaged beyond a torn last
      commit is refused (:class:`leadcore.adapters.memory.FileFormatError`);
      ``True`` opens it with the commits before the damage, keeping a copy of
      the damaged journal (see docs/storage.md). Only file stores have it.

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
    store, chosen = open_store(
        data,
        create=create,
        read_only=read_only,
        database=database,
        language=language,
        clock=clock,
        autosave=autosave,
        recover=recover,
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
