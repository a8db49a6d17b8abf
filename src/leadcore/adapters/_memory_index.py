"""Bitset indexes of the in-memory adapter (private).

Every person has a dense *slot* (its row number in the store). An index maps a
key (a lead-status id, a category id, an associate id, a flag) to a Python
``int`` whose bit ``slot`` is set for the persons with that key. Counting is
``int.bit_count()``; and/or/not are ``&``, ``|`` and ``ALL & ~x``.

Only per-category bitsets are stored for categories: groups and company
categories are derived at query time from them and the current category list,
so an admin changing a category's group never leaves a stale index behind.

>>> bits = bits_of([0, 3, 9])
>>> bits.bit_count(), list(iter_bits(bits))
(3, [0, 3, 9])
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import compress
from typing import Any

from leadcore.model import Company, Person

__all__ = [
    "INDEX_NAMES",
    "IndexChange",
    "PersonIndexes",
    "PersonKeys",
    "bits_of",
    "first_bits",
    "iter_bits",
    "person_keys",
]

INDEX_NAMES = ("lead_status", "category", "owner", "company_owner", "has_company", "retired")
"""The person indexes, in the order of :func:`person_keys`."""

LEAD_STATUS, CATEGORY, OWNER, COMPANY_OWNER, HAS_COMPANY, RETIRED = range(len(INDEX_NAMES))

PersonKeys = tuple[Any, Any, Any, Any, bool, bool]
Row = tuple[Person, Company | None]
IndexChange = tuple[int, Row | None, Row]
"""``(slot, row before or None for a new slot, row after)``."""

_SMALL = 4
"""Up to this many slots a mask is built by shifting; above, through a bytearray."""

_BIT_CHARS = bytes.maketrans(b"01", b"\x00\x01")


def person_keys(person: Person, company: Company | None) -> PersonKeys:
    """The key of ``person`` in each index (``company`` is its company, or None).

    The category key is the effective category (R3); the company-owner key is
    None for a person without company.
    """
    if company is None:
        return (person.lead_status_id, person.own_category_id, person.owner_id, None, False,
                person.retired)  # fmt: skip
    return (person.lead_status_id, company.category_id, person.owner_id, company.owner_id, True,
            person.retired)  # fmt: skip


def bits_of(slots: Sequence[int]) -> int:
    """The bitset with exactly ``slots`` set."""
    if len(slots) <= _SMALL:
        bits = 0
        for slot in slots:
            bits |= 1 << slot
        return bits
    buffer = bytearray((max(slots) >> 3) + 1)
    for slot in slots:
        buffer[slot >> 3] |= 1 << (slot & 7)
    return int.from_bytes(buffer, "little")


def iter_bits(bits: int) -> Iterator[int]:
    """The set bit positions of ``bits`` (non-negative), ascending."""
    if bits <= 0:
        return iter(())
    text = bin(bits)[:1:-1]
    if bits.bit_count() * 16 > len(text):
        flags = text.encode("ascii").translate(_BIT_CHARS)
        return compress(range(len(flags)), flags)
    return _find_ones(text)


def first_bits(bits: int, count: int) -> list[int]:
    """The ``count`` lowest set bit positions of ``bits`` (non-negative), ascending.

    Reads only the low end: ``bits & mask`` with a small mask costs the mask's
    size, so the window grows (x4) until it holds ``count`` members or all of them.

    >>> first_bits(bits_of([3, 90, 5000, 70000]), 3)
    [3, 90, 5000]
    """
    if count <= 0 or bits <= 0:
        return []
    width = max(64, 64 * count)
    length = bits.bit_length()
    while True:
        low = bits & ((1 << width) - 1) if width < length else bits
        if low is bits or low.bit_count() >= count:
            break
        width *= 4
    found = list(iter_bits(low))
    del found[count:]
    return found


def _find_ones(text: str) -> Iterator[int]:
    position = text.find("1")
    while position >= 0:
        yield position
        position = text.find("1", position + 1)


def _group(keys: Iterable[Any], start: int) -> dict[Any, list[int]]:
    """Slots by key, numbering ``keys`` from ``start``."""
    groups: dict[Any, list[int]] = {}
    for slot, key in enumerate(keys, start):
        members = groups.get(key)
        if members is None:
            groups[key] = [slot]
        else:
            members.append(slot)
    return groups


class PersonIndexes:
    """The person bitset indexes of one store; ``maps[i]`` is index ``INDEX_NAMES[i]``."""

    __slots__ = ("dead", "maps", "size")

    def __init__(self) -> None:
        self.maps: tuple[dict[Any, int], ...] = tuple({} for _ in INDEX_NAMES)
        self.size = 0
        self.dead = 0
        """The slots of deleted persons (tombstones): in no index, never in :attr:`all`."""

    @property
    def all(self) -> int:
        """Every live slot (deleted persons' slots excluded)."""
        every = (1 << self.size) - 1
        return every & ~self.dead if self.dead else every

    def remove(self, rows: Iterable[tuple[int, Row]]) -> None:
        """Clear the deleted ``(slot, row)`` from every index and mark the slots dead.

        >>> from datetime import datetime, timezone
        >>> from leadcore.model import Person, PersonId
        >>> at = datetime(2026, 1, 5, tzinfo=timezone.utc)
        >>> indexes = PersonIndexes()
        >>> ann = Person(PersonId(1), None, "Ann", "", at, at)
        >>> indexes.add_bulk(0, [(ann, None), (ann, None)])
        >>> indexes.remove([(0, (ann, None))])
        >>> indexes.all, indexes.get(HAS_COMPANY, False)
        (2, 2)
        """
        gone: list[dict[Any, list[int]]] = [{} for _ in INDEX_NAMES]
        slots: list[int] = []
        for slot, row in rows:
            slots.append(slot)
            for index, key in enumerate(person_keys(*row)):
                gone[index].setdefault(key, []).append(slot)
        for found, keys in zip(self.maps, gone, strict=True):
            for key, removed in keys.items():  # one mask per key, as in apply()
                bits = found.get(key, 0) & ~bits_of(removed)
                if bits:
                    found[key] = bits
                else:
                    found.pop(key, None)
        if slots:
            self.dead |= bits_of(slots)

    def get(self, index: int, key: Any) -> int:
        """Slots whose key in ``index`` is ``key``."""
        return self.maps[index].get(key, 0)

    def union(self, index: int, keys: Iterable[Any]) -> int:
        """Slots whose key in ``index`` is any of ``keys``."""
        found = self.maps[index]
        bits = 0
        for key in set(keys):
            bits |= found.get(key, 0)
        return bits

    def add_bulk(self, start: int, rows: Sequence[tuple[Person, Company | None]]) -> None:
        """Index ``rows`` as the new slots ``start``, ``start + 1``, ...

        One pass per index over a column of keys (the same keys as :func:`person_keys`).
        """
        columns: tuple[list[Any], ...] = (
            [p.lead_status_id for p, _ in rows],
            [p.own_category_id if c is None else c.category_id for p, c in rows],
            [p.owner_id for p, _ in rows],
            [None if c is None else c.owner_id for _, c in rows],
            [c is not None for _, c in rows],
            [p.retired for p, _ in rows],
        )
        for found, column in zip(self.maps, columns, strict=True):
            for key, slots in _group(column, start).items():
                found[key] = found.get(key, 0) | bits_of(slots)
        self.size = max(self.size, start + len(rows))

    def apply(self, changes: Iterable[IndexChange]) -> None:
        """Move changed slots between keys: ``(slot, before or None if new, after)``."""
        removed: list[dict[Any, list[int]]] = [{} for _ in INDEX_NAMES]
        added: list[dict[Any, list[int]]] = [{} for _ in INDEX_NAMES]
        size = self.size
        for slot, before, after in changes:
            new = person_keys(*after)
            if slot >= size:
                size = slot + 1
            if before is None:
                for i, key in enumerate(new):
                    added[i].setdefault(key, []).append(slot)
                continue
            old = person_keys(*before)
            if old == new:
                continue
            for i in range(len(INDEX_NAMES)):
                if old[i] != new[i]:
                    removed[i].setdefault(old[i], []).append(slot)
                    added[i].setdefault(new[i], []).append(slot)
        masks: list[tuple[dict[Any, int], Any, int, int]] = []
        for found, gone, came in zip(self.maps, removed, added, strict=True):
            for key in gone.keys() | came.keys():
                masks.append((found, key, bits_of(gone.get(key, ())), bits_of(came.get(key, ()))))
        for found, key, gone_bits, came_bits in masks:
            bits = (found.get(key, 0) & ~gone_bits) | came_bits
            if bits:
                found[key] = bits
            else:
                found.pop(key, None)
        self.size = size

    def differences(self, other: PersonIndexes) -> list[str]:
        """Names of the indexes (and keys) that differ from ``other``."""
        found: list[str] = []
        if self.size != other.size:
            found.append(f"size {self.size} != {other.size}")
        if self.dead != other.dead:
            found.append("deleted slots")
        for name, mine, theirs in zip(INDEX_NAMES, self.maps, other.maps, strict=True):
            mine_set = {k: v for k, v in mine.items() if v}
            theirs_set = {k: v for k, v in theirs.items() if v}
            for key in mine_set.keys() | theirs_set.keys():
                if mine_set.get(key, 0) != theirs_set.get(key, 0):
                    found.append(f"{name}[{key!r}]")
        return found

    def nbytes(self) -> int:
        """Approximate bytes held by the bitsets (for reports)."""
        return sum((bits.bit_length() + 7) // 8 for found in self.maps for bits in found.values())
