"""Every example the ``leadcore`` command shows runs (issue 22): each line of the
"Examples:" (and "Try it:") sections of every ``--help`` text and each command of the
``sh`` blocks of docs/cli.md, run against the demo's sample (``init --sample``, the
data file the documentation tells users to try the commands on), exits with status 0.

Each example runs in a fresh directory holding a copy of the sample as ``crm.json``
(the data file, also through ``LEADCORE_DATA``), and the CSV files the import
examples name: the sample's export of its persons without company (so that they
name no company outside the files). ``init`` examples run where no data file is.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from leadcore.cli import leadcore

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
SECTIONS = ("Examples:", "Try it:")


def _help_examples() -> list[tuple[str, str]]:
    """(command, example line) of every --help text, the group's and every subcommand's."""
    found: list[tuple[str, str]] = []

    def walk(command: click.Command, path: list[str]) -> None:
        shown = CliRunner().invoke(leadcore, [*path, "--help"])
        assert shown.exit_code == 0, path
        taking = False
        for line in shown.output.splitlines():
            text = line.strip()
            if text in SECTIONS:
                taking = True
            elif taking and text.startswith("leadcore "):
                found.append((" ".join(path) or "leadcore", text))
            elif text:
                taking = False
        if isinstance(command, click.Group):
            for name, sub in sorted(command.commands.items()):
                walk(sub, [*path, name])

    walk(leadcore, [])
    return found


def _doc_examples() -> list[tuple[str, str]]:
    """(docs/cli.md, command) of every line starting with ``leadcore`` in its sh blocks."""
    blocks = re.findall(r"```sh\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.DOTALL)
    return [
        ("docs/cli.md", line.strip())
        for block in blocks
        for line in block.splitlines()
        if line.strip().startswith("leadcore ")
    ]


def _distinct(examples: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Each command once (the group's help, a command's help and docs/cli.md repeat some),
    in the first place it is shown."""
    seen: set[tuple[str, ...]] = set()
    kept = []
    for where, example in examples:
        args = tuple(shlex.split(example, comments=True))
        if args not in seen:
            seen.add(args)
            kept.append((where, example))
    return kept


EXAMPLES = _distinct(_help_examples() + _doc_examples())


def test_there_are_examples_everywhere() -> None:
    commands = {where for where, _ in EXAMPLES}
    assert set(leadcore.commands) <= {c.split()[0] for c in commands}
    assert "docs/cli.md" in commands
    assert len(EXAMPLES) >= 35


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with the demo's sample as crm.json and the import examples' files."""
    root = tmp_path_factory.mktemp("sample")
    data = str(root / "crm.json")
    assert CliRunner().invoke(leadcore, ["-d", data, "init", "--sample"]).exit_code == 0
    files = root / "files"
    done = CliRunner().invoke(
        leadcore, ["-d", data, "export", str(files), "person.has_company is false"]
    )
    assert done.exit_code == 0, done.output
    return root


@pytest.mark.parametrize(
    ("where", "example"),
    EXAMPLES,
    ids=[" ".join(shlex.split(e, comments=True)) for _, e in EXAMPLES],
)
def test_the_example_runs(
    where: str, example: str, sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = shlex.split(example, comments=True)
    assert args[0] == "leadcore"
    if "init" not in args:
        shutil.copy(sample / "crm.json", tmp_path / "crm.json")
        for csv in (sample / "files").iterdir():
            shutil.copy(csv, tmp_path / csv.name)
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(
        leadcore, args[1:], env={"LEADCORE_DATA": "crm.json", "LEADCORE_ASSOCIATE": None}
    )
    assert done.exit_code == 0, f"{where}: {example}\n{done.output}"
    if example not in MATCH_NOTHING_IN_THE_SAMPLE:  # criteria that select someone
        assert not re.search(r"\bon 0 (persons|companies)|\"total\": 0\b", done.output), example


MATCH_NOTHING_IN_THE_SAMPLE = {
    # every record of the sample has an owner; the example is for data that has not
    'leadcore distribute "person.owner has no value" --to 1,2,3',
}
