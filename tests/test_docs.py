"""The python blocks of the README and of docs/*.md run as written.

Blocks of one document run in order in one namespace, as a reader would type
them; a document's examples must not rot.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def python_blocks(path: Path) -> list[str]:
    """The ```python fenced blocks of ``path``, in order."""
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


DOCUMENTS = [
    path
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    if python_blocks(path)
]


def test_readme_has_a_quick_start() -> None:
    assert python_blocks(ROOT / "README.md"), "README.md lost its python quick start"


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_python_blocks_run(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = python_blocks(path)
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    namespace: dict[str, object] = {"__name__": f"doc_{path.stem}"}
    out = io.StringIO()
    for block in blocks:
        with contextlib.redirect_stdout(out):
            exec(compile(block, str(path), "exec"), namespace)


def test_readme_quick_start_prints_what_its_comments_say() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(python_blocks(ROOT / "README.md")[0], "README.md", "exec"), {})
    assert out.getvalue().splitlines() == [
        "Åben",
        "Qualified False False",
        "1",
        "['change', 'change', 'hide']",
    ]
