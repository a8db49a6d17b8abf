"""The README's code blocks run as written (the quick start must not rot)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    """The ```python fenced blocks of the README, in order."""
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_has_a_quick_start() -> None:
    assert python_blocks(), "README.md lost its python quick start"


def test_readme_python_blocks_run_and_print() -> None:
    for block in python_blocks():
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, str(README), "exec"), {"__name__": "readme"})
        assert out.getvalue().strip(), f"the README block printed nothing:\n{block}"
