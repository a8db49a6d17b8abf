"""What a settings value may be: plain JSON data that reads back exactly as it was stored.

:class:`leadcore.ports.SettingsRepository` keeps values by key; an adapter calls
:func:`check_setting` before it stores one, and a reader of stored settings
data (a saved view layout, hand-edited files) calls :func:`setting_problem`
before it structures it. The check walks the value once, **without recursion**
(``json.dumps`` and ``copy.deepcopy`` recurse, so a deeply nested value raised
``RecursionError``), and refuses with the JSON path of the first bad part:

- ``None``, ``True``/``False``, an ``int`` within 64 bits, a finite ``float``,
  text that UTF-8 can encode, a ``list``, a ``dict`` with text keys; types are
  exact (a tuple would come back a list, an ``IntEnum`` an int, a ``1`` key
  ``"1"``);
- lists and objects nested at most :data:`MAX_SETTING_DEPTH` deep;
- at most :data:`MAX_SETTING_ITEMS` values in all (a part used in two places
  counts twice, as JSON writes it twice; this also bounds a value that holds itself).

>>> check_setting("theme", {"colours": ["dark", "blue"], "zoom": 1.5})
>>> deep: list[object] = []
>>> for _ in range(5000):
...     deep = [deep]
>>> check_setting("deep", deep)
Traceback (most recent call last):
...
leadcore.errors.ValidationError: the setting 'deep' cannot be stored: lists and objects nest ...
>>> setting_problem({"a": [1, (2, 3)]})
('$.a[1]', 'a tuple is no JSON value')
"""

from __future__ import annotations

import math

from leadcore._checks import surrogate_at
from leadcore.errors import ValidationError

__all__ = ["MAX_SETTING_DEPTH", "MAX_SETTING_ITEMS", "check_setting", "setting_problem"]

MAX_SETTING_DEPTH = 32
"""Lists and objects nested in one settings value, at most (a saved layout needs four)."""
MAX_SETTING_ITEMS = 1_000_000
"""Values in one settings value, at most, containers and scalars counted alike."""

_LOW, _HIGH = -(2**63), 2**63 - 1


def _step(key: str) -> str:
    shown = key if len(key) <= 30 else f"{key[:27]}..."
    return f".{shown}" if shown.isidentifier() else f"[{shown!r}]"


def _scalar_problem(item: object) -> str | None:
    """Why a value that is no list or dict is not a settings value (``None`` when it is)."""
    kind = type(item)
    if item is None or kind is bool:
        return None
    if isinstance(item, int) and kind is int:
        return None if _LOW <= item <= _HIGH else "an integer beyond the 64-bit range"
    if isinstance(item, float) and kind is float:
        return None if math.isfinite(item) else f"{item!r}, which JSON has no number for"
    if isinstance(item, str) and kind is str:
        at = surrogate_at(item)
        return None if at < 0 else f"text with a lone surrogate at index {at}"
    return f"a {kind.__name__} is no JSON value"


def setting_problem(value: object) -> tuple[str, str] | None:
    """The JSON path of the first part of ``value`` that is no settings value, and why;
    ``None`` when ``value`` may be stored. Walks the value once, without recursion.

    >>> setting_problem([1, {"a": None}]) is None
    True
    >>> setting_problem({1: "x"})
    ('$', 'an object key 1 that is not text')
    """
    count = 0
    stack: list[tuple[object, str, int]] = [(value, "$", 0)]
    while stack:
        item, path, depth = stack.pop()
        count += 1
        if count > MAX_SETTING_ITEMS:
            return path, f"more than {MAX_SETTING_ITEMS} values (a shared part counts each time)"
        kind = type(item)
        if kind is not list and kind is not dict:
            problem = _scalar_problem(item)
            if problem is not None:
                return path, problem
            continue
        if depth >= MAX_SETTING_DEPTH:
            return path, f"lists and objects nest more than {MAX_SETTING_DEPTH} deep"
        if isinstance(item, list):
            stack.extend(
                (child, f"{path}[{n}]", depth + 1) for n, child in reversed([*enumerate(item)])
            )
            continue
        assert isinstance(item, dict)
        children = []
        for key, child in item.items():
            if type(key) is not str:
                shown = repr(key) if len(repr(key)) <= 30 else type(key).__name__
                return path, f"an object key {shown} that is not text"
            if (at := surrogate_at(key)) >= 0:
                return path, f"an object key with a lone surrogate at index {at}"
            children.append((child, path + _step(key), depth + 1))
        stack.extend(reversed(children))
    return None


def check_setting(key: str, value: object) -> None:
    """Refuse ``value`` under ``key`` with a :class:`ValidationError` (``key`` and the
    ``path`` of the bad part in its context) unless it is a settings value (see the
    module); adapters call it before they store a value."""
    if type(key) is not str or surrogate_at(key) >= 0 or "\x00" in key:
        raise ValidationError(
            "a setting's key must be text",
            why=f"got {type(key).__name__}" if type(key) is not str else "it is not valid text",
            fix="Pass the key as a str without NUL or lone surrogates",
        )
    found = setting_problem(value)
    if found is None:
        return
    path, problem = found
    shown = repr(key) if len(key) <= 60 else f"{key[:50]!r}..."
    raise ValidationError(
        f"the setting {shown} cannot be stored",
        why=f"{problem} (at {path}); settings hold plain JSON values that read back unchanged",
        fix="Store None, bool, int, float, str, and lists and dicts with str keys of those, "
        f"nested at most {MAX_SETTING_DEPTH} deep",
        key=key,
        path=path,
    )
