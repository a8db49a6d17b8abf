"""The package root exports what a newcomer needs, each name documented (issue 17).

Like httpx's ``tests/test_exported_members.py``: ``leadcore.__all__`` is sorted and
unique, every name resolves, nothing public leaks past it, it stays small, and
every name is documented in docs/: mentioned in a guide (``docs/*.md``) or
documented in full, with a docstring of its own, on its page of the generated
API reference (``docs/_ext/leadcore_reference.py``: the page of the public module
that defines it, else of the package root). Every public error class is
importable from :mod:`leadcore.errors` or named there with its module.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import itertools
import pkgutil
import re
import types
from pathlib import Path

import leadcore
import leadcore.errors
from leadcore.errors import LeadcoreError

ROOT = Path(__file__).resolve().parents[1]
GUIDES = " ".join(path.read_text(encoding="utf-8") for path in (ROOT / "docs").glob("*.md"))


def _isort_key(name: str) -> tuple[int, str]:
    """ruff's RUF022 order: SCREAMING_CASE, then CamelCase, then the rest."""
    if name.isupper():
        return (0, name)
    return (1, name) if name[:1].isupper() else (2, name)


def test_all_is_sorted_and_unique() -> None:
    assert leadcore.__all__ == sorted(set(leadcore.__all__), key=_isort_key)


def test_every_exported_name_resolves() -> None:
    for name in leadcore.__all__:
        assert getattr(leadcore, name, None) is not None, name


def test_nothing_public_leaks_past_all() -> None:
    public = {
        name
        for name, value in vars(leadcore).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(leadcore.__all__) - {"__version__"}


def test_the_root_exports_at_most_sixty_names_and_the_ones_a_newcomer_needs() -> None:
    assert len(leadcore.__all__) <= 60
    needed = {
        "LeadService",
        "open",
        "Person",
        "Company",
        "Page",
        "Order",
        "Query",
        "PageResult",
        "GroupedCounts",
        "LeadcoreError",
        "ValidationError",
        "NotFoundError",
        "ConflictError",
        "RuleViolation",
        "PersistenceError",
        "FeatureNotLicensed",
        "Licence",
        "LeadPolicy",
        "LeadStatusView",
        "PersonCard",
        "HistoryEntry",
        "NOT_GIVEN",
        "__version__",
    }
    assert needed <= set(leadcore.__all__)


def _mentioned_in_a_guide(name: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", GUIDES) is not None


def _has_attribute_docstring(module: types.ModuleType, name: str) -> bool:
    """True when ``module`` gives ``name`` a docstring: the string right after its assignment."""
    tree = ast.parse(inspect.getsource(module))
    for statement, following in itertools.pairwise(tree.body):
        targets: list[ast.expr] = []
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, ast.AnnAssign):
            targets = [statement.target]
        if not any(isinstance(t, ast.Name) and t.id == name for t in targets):
            continue
        if isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant):
            return isinstance(following.value.value, str)
    return False


def _documented_in_the_reference(name: str) -> bool:
    """The reference documents a class or function in full on the page of its defining
    module when that module is public (else on the root's page): it needs a docstring
    of its own. A value needs the string after its assignment, in the module that
    assigns it (as the reference's docstring rule reads it)."""
    value = getattr(leadcore, name)
    if inspect.isclass(value) or inspect.isroutine(value):
        own = vars(value).get("__doc__") if inspect.isclass(value) else value.__doc__
        return bool(own and own.strip())
    return any(_has_attribute_docstring(module, name) for module in _modules_holding(name, value))


def _modules_holding(name: str, value: object) -> list[types.ModuleType]:
    """The leadcore modules (private ones included) that hold ``value`` as ``name``."""
    found = [leadcore]
    for info in pkgutil.walk_packages(leadcore.__path__, "leadcore."):
        if info.name.startswith("leadcore.cli"):
            continue
        module = importlib.import_module(info.name)
        if vars(module).get(name) is value:
            found.append(module)
    return found


def test_every_exported_name_is_documented() -> None:
    undocumented = [
        name
        for name in leadcore.__all__
        if not _mentioned_in_a_guide(name) and not _documented_in_the_reference(name)
    ]
    assert not undocumented


def _public_error_classes() -> dict[str, type[LeadcoreError]]:
    """Every error class a public leadcore module exports (the command line aside)."""
    found: dict[str, type[LeadcoreError]] = {}
    for info in pkgutil.walk_packages(leadcore.__path__, "leadcore."):
        private = any(part.startswith("_") for part in info.name.split("."))
        if private or info.name.startswith("leadcore.cli"):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            if inspect.isclass(value) and issubclass(value, LeadcoreError):
                found[name] = value
    return found


def test_every_public_error_is_in_leadcore_errors_or_named_there_with_its_module() -> None:
    listed = leadcore.errors.__doc__ or ""
    missing = [
        name
        for name in _public_error_classes()
        if name not in leadcore.errors.__all__ and f"``{name}``" not in listed
    ]
    assert not missing
    for name in leadcore.errors.__all__:  # and what it exports is one hierarchy
        assert issubclass(getattr(leadcore.errors, name), LeadcoreError), name
