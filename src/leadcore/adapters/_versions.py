"""Versions of stored aggregates: the copy with a new version, the base a unit of work
recorded, the check at commit (private; shared by both adapters: the in-memory store
and its repositories, and the SQL repositories)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import attrs

from leadcore.errors import (
    ConflictError,
)
from leadcore.model import (
    Company,
    Person,
)


class Versioned(Protocol):
    """A stored record: an id and a version."""

    @property
    def id(self) -> Any: ...
    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=Versioned)

ABSENT = 0
"""The base version recorded for an aggregate that did not exist when first touched."""


def bump(item: V, version: int) -> V:
    """``item`` with another version (its other fields are valid already)."""
    copier = _COPIERS.get(type(item))
    if copier is not None:
        copied: V = copier(item, version)
        return copied
    return attrs.evolve(item, version=version)  # type: ignore[misc]


def version_copier(cls: type[Any]) -> Callable[[Any, int], Any]:
    """A function copying an instance of the frozen, slotted attrs class ``cls`` with
    another ``version``, without running its construction checks again.

    The instance was checked when it was built (by the rules' ``attrs.evolve`` or
    the caller); the version is the only field that changes, an int the adapter
    computed. So each new version of a record is *built* (checked) once: the copy
    costs a third of a checked construction (1.2 against 3.5 µs for a person).
    The copier is generated from ``attrs.fields(cls)``, as attrs generates ``__init__``.
    """
    names = [a.name for a in attrs.fields(cls)]
    if "version" not in names or not set(names) <= set(getattr(cls, "__slots__", ())):
        raise TypeError(f"{cls.__name__} is not a versioned, slotted attrs class")
    lines = ["def copy(item, version):", "    new = _new(_cls)"]
    lines += [f"    _set(new, {n!r}, item.{n})" for n in names if n != "version"]
    lines += ["    _set(new, 'version', version)", "    return new"]
    scope: dict[str, Any] = {"_new": object.__new__, "_cls": cls, "_set": object.__setattr__}
    exec("\n".join(lines), scope)  # built from the class's own field names only
    copier: Callable[[Any, int], Any] = scope["copy"]
    return copier


bump_person: Callable[[Person, int], Person] = version_copier(Person)
"""A person with another version (cascades save many: no ``attrs.evolve``, no re-check)."""
_COPIERS: dict[type[Any], Callable[[Any, int], Any]] = {
    Person: bump_person,
    Company: version_copier(Company),
}


K = TypeVar("K")


def version_of(item: Versioned | None) -> int:
    return ABSENT if item is None else item.version


def record_base(bases: dict[K, int], key: K, committed: Callable[[K], Versioned | None]) -> None:
    """Remember the committed version of ``key`` the first time a unit changes it."""
    if key not in bases:
        bases[key] = version_of(committed(key))


def check_bases(kind: str, bases: dict[K, int], committed: Callable[[K], Versioned | None]) -> None:
    """Refuse the commit when another unit committed a newer version meanwhile."""
    for key, base in bases.items():
        actual = version_of(committed(key))
        if actual != base:
            raise ConflictError(kind, key, base, actual)
