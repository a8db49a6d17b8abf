#!/usr/bin/env python3
"""The project's two entry points, with nothing but Python 3.11+ needed.

    python3 tasks.py demo     # set up .venv when needed, run the demo of the main job
    python3 tasks.py test     # set up .venv when needed, run every check
    python3 tasks.py bench    # run the benchmarks (extra arguments go to the runner)

The virtual environment lives in ``.venv`` and is (re)installed whenever
``pyproject.toml`` changes. ``CI=true`` selects the thorough hypothesis profile.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
STAMP = VENV / ".installed"
EXTRAS = ".[dev,testing,sql,postgres,cli,docs,release]"


def _run(*args: str | Path) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    completed = subprocess.run([str(a) for a in args], cwd=ROOT, check=False)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def ensure_venv() -> None:
    """Create .venv and install the project with its extras when missing or stale."""
    if sys.version_info < (3, 11):  # noqa: UP036 - tasks.py may be started by an older python3
        sys.exit(f"leadcore needs Python 3.11 or newer, this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not PYTHON.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        _run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    _run(PYTHON, "-m", "pip", "install", "--quiet", "-e", EXTRAS)
    STAMP.write_text(wanted)


def demo() -> None:
    """Run ``leadcore demo``: the seed page's story on a sample, on the embedded default.

    The step-by-step script of the same story is examples/work_with_leads.py.
    """
    _run(PYTHON, "-m", "leadcore", "demo")


def test() -> None:
    """Every check: ruff (lint and format), mypy --strict, the whole pytest suite."""
    _run(BIN / "ruff", "check", ".")
    _run(BIN / "ruff", "format", "--check", ".")
    _run(BIN / "mypy")
    # Two cores in CI: the test files are spread over one worker per core (pytest-xdist);
    # a file's tests stay on one worker, so fixtures shared by a file are built once.
    _run(PYTHON, "-m", "pytest", "-n", "auto", "--dist", "loadfile")


def bench(args: list[str]) -> None:
    """Run the benchmarks; prints one JSON object per line."""
    _run(PYTHON, "-m", "benchmarks", *args)


def main() -> None:
    """Dispatch ``demo``, ``test`` or ``bench``."""
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test", "bench"}:
        sys.exit(__doc__)
    ensure_venv()
    command = sys.argv[1]
    if command == "demo":
        demo()
    elif command == "test":
        test()
    else:
        bench(sys.argv[2:])


if __name__ == "__main__":
    main()
