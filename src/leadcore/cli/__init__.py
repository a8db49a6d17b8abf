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

from leadcore.cli import data, demo, records, views, workflows
from leadcore.cli._app import leadcore, open_service

__all__ = ["data", "demo", "leadcore", "main", "open_service", "records", "views", "workflows"]


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
