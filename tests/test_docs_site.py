"""The documentation site builds strictly, and its reference covers the public API.

The site is built once per run with Sphinx in strict mode (``-W -n``: every
warning, a broken cross-reference or a public name without a docstring
included, is an error). The coverage test finds the public modules itself, by
walking the package (a module whose dotted name has a part starting with ``_``
is private), so a module added later is checked without editing this file.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sphinx.util.inventory import InventoryFile

import leadcore

ROOT = Path(__file__).resolve().parents[1]
STRICT_BUILD = [sys.executable, "-m", "sphinx", "-E", "-W", "--keep-going", "-n", "-q"]
STRICT_BUILD += ["-b", "html"]
"""Sphinx, strict: warnings are errors (-W), every reference checked (-n), all re-read (-E)."""


def public_modules() -> list[str]:
    """Every public module of leadcore: no part of its dotted name starts with ``_``."""
    found = ["leadcore"]
    for info in pkgutil.walk_packages(leadcore.__path__, "leadcore."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            found.append(info.name)
    return sorted(found)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built strictly into a temporary directory (fails with Sphinx's messages)."""
    out = tmp_path_factory.mktemp("site")
    paths = [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    completed = subprocess.run(
        [*STRICT_BUILD, str(ROOT / "docs"), str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert completed.returncode == 0, f"the strict docs build failed:\n{completed.stderr}"
    return out


def inventory(site: Path) -> dict[str, str]:
    """Full name -> page of every Python object the site documents."""
    with (site / "objects.inv").open("rb") as stream:
        loaded: Any = InventoryFile.load(stream, "", lambda base, uri: uri)
    entries = loaded.data if hasattr(loaded, "data") else loaded
    documented: dict[str, str] = {}
    for role, objects in entries.items():
        if role.startswith("py:"):
            for name, item in objects.items():
                uri = item.uri if hasattr(item, "uri") else item[2]
                documented[name] = uri.split("#")[0]
    return documented


def _lookup(name: str) -> object:
    """The object a documented full name stands for, or None."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        try:
            value: object = importlib.import_module(".".join(parts[:end]))
        except ImportError:
            continue
        for part in parts[end:]:
            value = getattr(value, part, None)
        return value
    return None


def test_the_strict_build_succeeds(site: Path) -> None:
    assert (site / "index.html").is_file()
    assert (site / "reference" / "leadcore.service.html").is_file()


def test_every_guide_is_in_the_site(site: Path) -> None:
    guides = sorted(p.stem for p in (ROOT / "docs").glob("*.md") if p.stem != "index")
    assert guides, "no guides found"
    index = (site / "index.html").read_text(encoding="utf-8")
    for guide in guides:
        assert (site / f"{guide}.html").is_file(), guide
        assert f'href="{guide}.html"' in index, f"{guide}.md is not in the site's navigation"


def test_every_public_module_is_walked() -> None:
    modules = public_modules()
    for expected in ("leadcore", "leadcore.criteria", "leadcore.ports", "leadcore.testing"):
        assert expected in modules
    assert "leadcore.adapters.memory" in modules
    assert not [m for m in modules if "._" in m], "a private module was taken for public"


def test_every_name_in_each_public_all_is_in_the_reference(site: Path) -> None:
    documented = inventory(site)
    objects: dict[int, list[str]] = {}
    for name in documented:
        value = _lookup(name)
        if value is not None:
            objects.setdefault(id(value), []).append(name)
    missing = []
    for module_name in public_modules():
        assert module_name in documented, f"module {module_name} has no reference page"
        module = importlib.import_module(module_name)
        page = (site / documented[module_name]).read_text(encoding="utf-8")
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            if f"{module_name}.{name}" in documented:
                continue
            # A re-export: its object is documented elsewhere, under its own name
            # (for a value, the same name), and the module's page links to it.
            homes = [
                home
                for home in objects.get(id(value), [])
                if inspect.isclass(value)
                or inspect.isroutine(value)
                or home.rsplit(".", 1)[-1] == name
            ]
            linked = any(f'title="{home}"' in page for home in homes)
            if not homes or not linked or not re.search(rf">{re.escape(name)}<", page):
                missing.append(f"{module_name}.{name}")
    assert not missing, f"public names missing from the reference: {missing}"


def test_the_reference_shows_the_service_signatures(site: Path) -> None:
    documented = inventory(site)
    assert "leadcore.service.persons.Persons.add" in documented
    assert "leadcore.service.companies.Companies.find_page" in documented  # the shared reader
    assert "leadcore.service.LeadService.persons" in documented
    page = (site / documented["leadcore.service.persons.Persons"]).read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", page)
    assert "company_id" in text
    assert "CompanyId" in text


def test_a_public_name_without_docstring_fails_the_build(tmp_path: Path) -> None:
    """The strict build's docstring rule, shown on a copy of the docs over a package
    with one undocumented function (this is the rule the real build runs under)."""
    package = tmp_path / "src" / "leadcore"
    source = ROOT / "src" / "leadcore"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        '"""A stand-in leadcore."""\n\n__version__ = "0"\n"""Its version."""\n'
        '__all__ = ["documented", "undocumented"]\n\n\n'
        'def documented() -> int:\n    """One."""\n    return 1\n\n\n'
        "def undocumented() -> int:\n    return 2\n",
        encoding="utf-8",
    )
    assert source.is_dir()
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "_ext").mkdir()
    for name in ("conf.py", "index.md"):
        (docs / name).write_text((ROOT / "docs" / name).read_text(encoding="utf-8"))
    extension = ROOT / "docs" / "_ext" / "leadcore_reference.py"
    (docs / "_ext" / extension.name).write_text(extension.read_text(encoding="utf-8"))
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "src")}
    completed = subprocess.run(
        [*STRICT_BUILD, str(docs), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert completed.returncode != 0
    assert "leadcore.undocumented has no docstring" in completed.stderr
    assert "leadcore.documented has no docstring" not in completed.stderr
