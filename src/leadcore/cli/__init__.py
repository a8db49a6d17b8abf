"""The ``leadcore`` command (the ``cli`` extra: click and rich).

Subcommands work on a data file (``--data``, default ``leads.json``): ``init``,
``import``, ``export``, ``find``, ``set-status``, ``associate``, ``board``,
``contacts``, ``dashboard``, ``bulk``, ``distribute``; ``demo`` walks
through the seed page's story on a sample. ``leadcore COMMAND --help`` shows
each one's options and examples; docs/cli.md describes them all. The core of
leadcore never imports this package.

>>> from click.testing import CliRunner
>>> result = CliRunner().invoke(leadcore, ["--data", "no-such-file.json", "find"])
>>> result.exit_code, result.output.strip()
(1, "Error: DataFileError: no data file at 'no-such-file.json': the command reads and ...")
"""

from __future__ import annotations

# Importing the command modules registers their subcommands on the group.
from leadcore.cli import data, demo, records, views, workflows  # noqa: F401
from leadcore.cli._app import leadcore as leadcore  # the click group (for tests, embedding)
from leadcore.cli._app import open_service

# The subcommands live in data, demo, records, views and workflows (importing them
# registers them on the group); docs/cli.md is their reference, `--help` their text.
__all__ = ["main", "open_service"]


def main() -> None:
    """Run the ``leadcore`` command (the console script's entry point).

    >>> import sys
    >>> sys.argv = ["leadcore", "--help"]
    >>> try:
    ...     main()
    ... except SystemExit as done:
    ...     print(done.code)
    Usage: leadcore [OPTIONS] COMMAND [ARGS]...
    ...
    0
    """
    leadcore(prog_name="leadcore")
