"""Sphinx extension: the API reference of leadcore, generated from the code.

One page per public module (every module of the package whose dotted name has
no part starting with ``_``), found by walking the package, so a new module
appears in the reference without editing any page. A page documents the
module's docstring and every name of its ``__all__``:

- a name defined in this module (or in a private one it re-exports) is
  documented here in full: signature, types, docstring, members;
- a name another public module already documents (a re-export, as
  ``leadcore.LeadService`` is ``leadcore.service.LeadService``) is listed in a
  table linking to that module, so each object is described once and every
  cross-reference has one target.

The pages are written to ``docs/reference/`` (not kept in git) when the build
starts, only when their text changed.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.util
import inspect
import pkgutil
import sys
import types
import typing
from pathlib import Path
from types import ModuleType
from typing import Any

from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging

PACKAGE = "leadcore"

logger = logging.getLogger(__name__)


def public_modules(package: str = PACKAGE) -> list[str]:
    """Every public module of ``package``, sorted: no part of its name starts with ``_``."""
    root = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(root.__path__, f"{package}."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


def exported(module: ModuleType) -> list[str]:
    """The module's ``__all__`` (empty when it has none)."""
    return list(getattr(module, "__all__", ()))


Home = tuple[str, str]
"""A module and the name the object is documented under there."""


def _defines(value: Any) -> bool:
    """True for what has a home of its own (a class, function or module)."""
    return inspect.isclass(value) or inspect.isroutine(value) or inspect.ismodule(value)


def canonical_homes(modules: list[str]) -> dict[Home, Home]:
    """(module, name) -> the public module and name whose page documents that object.

    A class or function lives where it was defined when that module is public
    and exports it under its own name; otherwise, as any other value, in the
    deepest public module exporting it (definitions live in leaf modules,
    packages re-export them). Values that are not classes or functions are
    matched by name as well, so two equal constants are not taken for one.
    """
    loaded = {name: importlib.import_module(name) for name in modules}
    exporters: dict[tuple[int, str], list[Home]] = {}

    def key(value: Any, name: str) -> tuple[int, str]:
        return (id(value), "" if _defines(value) else name)

    for module_name, module in loaded.items():
        for name in exported(module):
            value = getattr(module, name)
            exporters.setdefault(key(value, name), []).append((module_name, name))
    homes: dict[Home, Home] = {}
    for module_name, module in loaded.items():
        for name in exported(module):
            value = getattr(module, name)
            candidates = exporters[key(value, name)]
            own = (getattr(value, "__module__", None), getattr(value, "__qualname__", None))
            if _defines(value) and own in candidates:
                homes[module_name, name] = own
            else:
                homes[module_name, name] = max(candidates, key=lambda h: (h[0].count("."), h))
    return homes


def _directive(value: Any) -> str:
    if inspect.isclass(value):
        if issubclass(value, BaseException):
            return "autoexception"
        return "autoclass"
    if inspect.isfunction(value) or inspect.isbuiltin(value):
        return "autofunction"
    return "autodata"


def _options(value: Any) -> list[str]:
    if not inspect.isclass(value):
        return []
    options = ["   :members:", "   :show-inheritance:"]
    # Members inherited from leadcore classes are shown (persons and companies share one
    # generic reader); those of other libraries' classes (object, Exception ...) are not.
    foreign = sorted({c.__name__ for c in value.__mro__ if not c.__module__.startswith(PACKAGE)})
    if any(c.__module__.startswith(PACKAGE) for c in value.__mro__[1:]):
        options.append(f"   :inherited-members: {', '.join(foreign)}")
    return options


def module_page(module_name: str, homes: dict[Home, Home]) -> str:
    """The reStructuredText of one module's reference page."""
    module = importlib.import_module(module_name)
    title = f"``{module_name}``"
    lines = [title, "=" * len(title), "", f".. automodule:: {module_name}", "   :no-members:", ""]
    names = exported(module)
    elsewhere = [(n, h) for n in names if (h := homes[module_name, n])[0] != module_name]
    own = [n for n in names if homes[module_name, n][0] == module_name]
    if elsewhere:
        lines += [
            "Re-exported",
            "-----------",
            "",
            ".. list-table::",
            "   :header-rows: 1",
            "",
            "   * - name",
            "     - documented in",
        ]
        for name, (home, home_name) in elsewhere:
            lines += [f"   * - :py:obj:`{name} <{home}.{home_name}>`", f"     - :py:mod:`{home}`"]
        lines.append("")
    if own:
        lines += ["Contents", "--------", ""]
        for name in own:
            value = getattr(module, name)
            lines += [f".. {_directive(value)}:: {module_name}.{name}", *_options(value), ""]
    return "\n".join(lines)


def index_page(modules: list[str]) -> str:
    """The reference's front page: its toctree of module pages."""
    lines = [
        "API reference",
        "=============",
        "",
        "Generated from the code: one page per public module, each documenting the names",
        "of its ``__all__`` (names re-exported from another module link to their page).",
        "",
        ".. toctree::",
        "   :maxdepth: 1",
        "",
    ]
    lines += [f"   {name}" for name in modules]
    return "\n".join(lines) + "\n"


def write_reference(target: Path) -> list[str]:
    """Write the reference pages into ``target``; returns the public modules."""
    modules = public_modules()
    homes = canonical_homes(modules)
    pages = {"index": index_page(modules)}
    pages.update({name: module_page(name, homes) for name in modules})
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.glob("*.rst"):
        if stale.stem not in pages:
            stale.unlink()
    for name, text in pages.items():
        path = target / f"{name}.rst"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return modules


def _generate(app: Any) -> None:
    write_reference(Path(app.srcdir) / "reference")


_MISSING = object()


def _lookup(target: str, module_name: str | None) -> Any:
    """The object ``target`` names, read as Python would in ``module_name``."""
    parts = target.split(".")
    value: Any = _MISSING
    if parts[0] == PACKAGE:
        for end in range(len(parts), 0, -1):
            try:
                value = importlib.import_module(".".join(parts[:end]))
            except ImportError:
                continue
            parts = parts[end:]
            break
    elif module_name is not None:
        try:
            value = importlib.import_module(module_name)
        except ImportError:
            return _MISSING
    for part in parts:
        value = getattr(value, part, _MISSING)
        if value is _MISSING:
            break
    return value


def _documented_name(value: Any, name: str, homes: dict[Home, Home]) -> str | None:
    """The full name the reference documents ``value`` (read as ``name``) under."""
    if inspect.ismodule(value):
        return value.__name__
    for (module_name, exported_name), (home, home_name) in homes.items():
        same = getattr(importlib.import_module(module_name), exported_name) is value
        if same and (_defines(value) or exported_name == name):
            return f"{home}.{home_name}"
    module = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str) and "." in qualname:
        head, _, rest = qualname.partition(".")
        owner = getattr(importlib.import_module(module), head, None)
        found = _documented_name(owner, head, homes)
        return None if found is None else f"{found}.{rest}"
    return None


def _external(target: str) -> bool:
    """A name of Python or of another library: left unlinked (the build is offline)."""
    first = target.split(".")[0].lstrip("~")
    if first in sys.stdlib_module_names or hasattr(builtins, first):
        return True
    if first == PACKAGE:
        return False
    return importlib.util.find_spec(first) is not None if first.isidentifier() else False


def _candidates(node: Any, homes: dict[Home, Home]) -> list[tuple[Any, str]]:
    """What a reference may name, most specific first: the target read in its
    class, in its module, then a name exported by exactly one public module."""
    target = node["reftarget"].lstrip("~.")
    module, cls = node.get("py:module"), node.get("py:class")
    found: list[tuple[Any, str]] = []
    if cls:
        found.append((_lookup(f"{cls}.{target}", module), target))
    found.append((_lookup(target, module), target))
    head, _, rest = target.partition(".")
    owners = {home for (_, name), home in homes.items() if name == head}
    if len(owners) == 1:
        ((home, home_name),) = owners
        found.append((_lookup(f"{home}.{home_name}" + (f".{rest}" if rest else ""), None), target))
    return [(value, name) for value, name in found if value is not _MISSING]


def _resolve(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    """Resolve a Python reference the domain did not: a re-exported path
    (``leadcore.LeadService``) or a short name (``NotFoundError``) is looked up as
    Python would in the class or module of the docstring (else as the one public
    name it can be), and linked where that object is documented."""
    if node.get("refdomain") != "py":
        return None
    homes = app.env.leadcore_homes
    for value, name in _candidates(node, homes):
        documented = _documented_name(value, name.rsplit(".", 1)[-1], homes)
        if documented is not None and documented != node["reftarget"]:
            resolved = env.domains["py"].resolve_xref(
                env, node["refdoc"], app.builder, "obj", documented, node, contnode
            )
            if resolved is not None:
                return resolved
    return None


def _excused(app: Any, domain: Any, node: Any) -> bool | None:
    """True for a missing reference that is not a defect: another library's name,
    a private name (``_Node``), a type variable or alias."""
    if domain is None or domain.name != "py":
        return None
    target = node["reftarget"]
    if _external(target):
        return True
    if any(part.startswith("_") for part in target.split(".")):
        return True
    value = _lookup(target, node.get("py:module"))
    if isinstance(value, typing.TypeVar | types.GenericAlias | types.UnionType):
        return True  # a type variable or alias, shown by its name
    return None


_NEEDS_DOCSTRING = {"module", "class", "exception", "function", "method", "property", "data"}


def _has_attribute_docstring(name: str, value: Any) -> bool:
    """True when a leadcore module gives ``name`` (holding ``value``) a docstring of its
    own: the string literal right after its assignment."""
    for module_name, module in sys.modules.copy().items():
        ours = module_name == PACKAGE or module_name.startswith(f"{PACKAGE}.")
        same = ours and getattr(module, name, _MISSING) is value
        if same and ("", name) in ModuleAnalyzer.for_module(module_name).find_attr_docs():
            return True
    return False


def _require_docstring(
    app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """A public name documented without a docstring of its own is a warning (an error in
    strict mode). Module-level values need the string right after their assignment
    (autodoc would show the docstring of their type instead). The ``test_*`` methods of
    the conformance kit are named for what they prove and are exempt."""
    if what not in _NEEDS_DOCSTRING or not name.startswith(PACKAGE):
        return
    if what == "method" and name.rsplit(".", 1)[-1].startswith("test_"):
        return
    if what == "data":
        missing = not _has_attribute_docstring(name.rsplit(".", 1)[-1], obj)
    else:
        missing = not any(map(str.strip, lines))
    if missing:
        logger.warning(
            "%s %s has no docstring: every public name says what it is",
            what,
            name,
            type="leadcore",
            subtype="docstring",
        )


def _remember_homes(app: Any) -> None:
    app.env.leadcore_homes = canonical_homes(public_modules())


def setup(app: Any) -> dict[str, Any]:
    """Register the generator and the reference resolution with Sphinx."""
    app.connect("builder-inited", _generate)
    app.connect("env-before-read-docs", lambda app, env, docnames: _remember_homes(app))
    app.connect("missing-reference", _resolve)
    app.connect("warn-missing-reference", _excused)
    app.connect("autodoc-process-docstring", _require_docstring)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
