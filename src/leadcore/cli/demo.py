"""``leadcore demo``: the seed page's story, walked through on a realistic sample.

>>> from click.testing import CliRunner
>>> from leadcore.cli import leadcore
>>> result = CliRunner().invoke(leadcore, ["demo", "--scale", "0.02"])
>>> result.exit_code, "Step 1: See lead information on a person" in result.output
(0, True)
"""

from __future__ import annotations

import click

from leadcore.cli._app import leadcore
from leadcore.cli._walk import walk

__all__: list[str] = []  # commands: reached through the `leadcore` group, see docs/cli.md


@leadcore.command(short_help="The seed page's story on a sample.")
@click.option("--seed", type=int, default=7, show_default=True, help="The sample's seed.")
@click.option(
    "--scale",
    type=click.FloatRange(0.001, 20),
    default=1.0,
    show_default=True,
    help="The sample's size (1: 300 companies, 3,000 persons).",
)
def demo(seed: int, scale: float) -> None:
    """Walk through the seed page's story ("Work with leads") on a sample.

    Builds a sample (a few hundred companies, a few thousand persons, six months
    of status history) on the embedded in-memory default, then shows a person's
    lead information, a status change, a company's contacts tab, a search and a
    selection, the board view, what hides a status, and the dashboards. Nothing
    is written to disk; the same seed prints the same walk.

    \b
    Examples:
      leadcore demo
      leadcore demo --scale 0.1 --seed 3
    """
    walk(seed=seed, scale=scale)
