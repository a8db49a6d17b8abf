"""The ``leadcore`` command's group, its global options, the one function that opens a
data file, and the mapping of leadcore's errors to one clear line and a non-zero exit.

Not public API: :mod:`leadcore.cli` re-exports what users call.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, Literal

import attrs
import click

from leadcore import open as open_data
from leadcore.adapters import is_database_url
from leadcore.cli._values import ID
from leadcore.errors import LeadcoreError
from leadcore.model import AssociateId, Language
from leadcore.ports import Clock
from leadcore.service import LeadService

__all__ = [
    "EXIT_REFUSED_ROWS",
    "CliSettings",
    "UserError",
    "is_database_url",
    "leadcore",
    "open_service",
    "settings",
]

DEFAULT_DATA = "leads.json"
"""The data file used when neither ``--data`` nor ``LEADCORE_DATA`` names one."""

EXIT_REFUSED_ROWS = 3
"""Exit status of a command that did its work but refused some records (reported)."""


class UserError(click.ClickException):
    """A user error shown as one line (what, why, what to do) with exit status 1.

    >>> from leadcore.errors import NotFoundError
    >>> UserError.of(NotFoundError("person", 9)).format_message()
    'NotFoundError: unknown person id 9: no person with this id exists. Check the id, ...'
    """

    @classmethod
    def of(cls, error: LeadcoreError | OSError) -> UserError:
        """The one-line message of ``error``, its type name first."""
        if isinstance(error, OSError):
            where = f": {error.filename}" if error.filename else ""
            text = f"{error.strerror or error}{where}"
        else:
            text = str(error)
        return cls(f"{type(error).__name__}: {' '.join(text.split())}")


@attrs.frozen
class CliSettings:
    """The global options: the data file, the acting associate, the language of labels,
    and whether to open a damaged file store with the commits before the damage."""

    data: str
    associate: AssociateId | None
    language: Language
    recover: bool = False


def settings() -> CliSettings:
    """The global options of the running command."""
    found = click.get_current_context().find_object(CliSettings)
    if found is None:  # pragma: no cover - every command runs under the group
        raise click.UsageError("run this command through the leadcore group")
    return found


def open_service(
    data: str,
    *,
    create: bool = False,
    read_only: bool = False,
    database: Literal["new", "existing"] = "new",
    language: Language = "en",
    associate: AssociateId | None = None,
    clock: Clock | None = None,
    recover: bool = False,
) -> LeadService:
    """The service over the data file ``data``: :func:`leadcore.open`, which makes a new
    file or database with ``create`` (refused when one exists) and otherwise
    requires that it exists.

    ``data`` is a file store's path (:meth:`leadcore.adapters.memory.InMemoryStore.open`),
    or a database URL for the SQL adapter (extra ``sql``): ``sqlite:///crm.db`` or
    ``postgresql://user@host/db``. ``read_only`` takes a file store's shared lock, so
    several readers can run at once (a database isolates its readers itself).
    ``recover`` is :func:`leadcore.open`'s.

    >>> import pathlib, tempfile
    >>> path = str(pathlib.Path(tempfile.mkdtemp()) / "crm.json")
    >>> with open_service(path, create=True) as service:
    ...     service.companies.add("Acme").id
    1
    >>> with open_service(path, read_only=True) as service:
    ...     service.companies.count()
    1
    """
    return open_data(
        data,
        create=create,
        read_only=read_only,
        database=database,
        language=language,
        associate=associate,
        clock=clock,
        recover=recover,
    )


@contextlib.contextmanager
def service_for(*, read_only: bool = False) -> Iterator[LeadService]:
    """The service over the running command's data file, closed when the block ends."""
    chosen = settings()
    with open_service(
        chosen.data, read_only=read_only, associate=chosen.associate, recover=chosen.recover
    ) as service:
        yield service


class _Group(click.Group):
    """A group that turns leadcore's errors into one line and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (LeadcoreError, OSError) as error:
            raise UserError.of(error) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data",
    "-d",
    default=DEFAULT_DATA,
    show_default=True,
    envvar="LEADCORE_DATA",
    show_envvar=True,
    help="The data file (a leadcore file store).",
)
@click.option(
    "--as",
    "associate",
    type=ID,
    envvar="LEADCORE_ASSOCIATE",
    show_envvar=True,
    help="The acting associate's id: recorded in history, the current associate in criteria.",
)
@click.option(
    "--language",
    type=click.Choice(["en", "da"]),
    default="en",
    show_default=True,
    help="The language of labels (lead statuses, category groups).",
)
@click.option(
    "--recover",
    is_flag=True,
    help="Open a file store whose journal is damaged with the commits before the damage "
    "(a copy of the damaged journal is kept beside it).",
)
@click.version_option(package_name="leadcore")
@click.pass_context
def leadcore(
    ctx: click.Context, data: str, associate: int | None, language: str, recover: bool
) -> None:
    """Lead management the way SuperOffice CRM does it, on a data file.

    \b
    Try it:
      leadcore demo                               # the walk-through on a sample
      leadcore -d crm.json init --sample          # a data file with the sample
      leadcore -d crm.json find "person.lead_status in (Qualified)"
      leadcore -d crm.json board --by status
    """
    chosen: Language = "da" if language == "da" else "en"
    acting = None if associate is None else AssociateId(associate)
    ctx.obj = CliSettings(data, acting, chosen, recover)
