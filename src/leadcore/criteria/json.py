"""The JSON form of criteria: versioned, tagged, stable codes, exact round trip.

One cattrs converter (configured once, below) turns a tree into plain data and
back. Every node carries a ``"type"`` tag (``all_of``, ``any_of``, ``not``,
``condition``, ``always``, ``never``, ``groups``); operators and periods are
their stable codes, list values their ids or :class:`CategoryGroup` int codes.
Values that JSON cannot tell apart are tagged: ``{"date": "2026-01-31"}``,
``{"datetime": "2026-01-31T09:00:00+00:00"}``, ``{"period": "week"}`` and
``{"float": "inf"}`` for non-finite floats. The document is
``{"version": 1, "criteria": <node>}``.

Bad input is refused with :class:`CriteriaParseError` whose ``position`` is the
JSON path of the bad value (``$.criteria.children[1].operator``); an unknown
field, an operator the field does not take or a bad value raise the typed build
error, which is also a parse error with the path.

>>> from leadcore.criteria.build import condition
>>> c = condition("person.lead_status", "in", 1, 2) & ~condition("person.retired", "is_true")
>>> text = to_json(c)
>>> text
'{"version": 1, "criteria": {"type": "all_of", "children": [{"type": "condition", ...'
>>> from_json(text) == c
True
>>> from_json('{"version": 1, "criteria": {"type": "not", "child": {"type": "condition", '
...           '"field": "person.retired", "operator": "is_maybe", "values": []}}}')
Traceback (most recent call last):
...
leadcore.criteria.errors.CriteriaParseError: cannot read criteria at $.criteria.child.operator: ...
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from typing import Any

import cattrs
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
)

from leadcore.criteria.ast import (
    ALWAYS,
    NEVER,
    AllOf,
    Always,
    AnyOf,
    Condition,
    Criterion,
    Group,
    Groups,
    Never,
    Not,
    Operator,
    Period,
    Value,
)
from leadcore.criteria.build import check_nesting, validate
from leadcore.criteria.errors import CriteriaError, CriteriaParseError, OperatorNotAllowed
from leadcore.criteria.fields import Entity
from leadcore.criteria.text import MAX_DEPTH, locate

__all__ = [
    "VERSION",
    "converter",
    "from_json",
    "structure",
    "to_json",
    "unstructure",
]

VERSION = 1
"""The version written into every document; the only one :func:`structure` reads."""

TAGS: Mapping[type, str] = {
    AllOf: "all_of",
    AnyOf: "any_of",
    Not: "not",
    Condition: "condition",
    Always: "always",
    Never: "never",
    Groups: "groups",
}
_BY_TAG = {tag: cls for cls, tag in TAGS.items()}


class _BadShape(Exception):
    """Raised inside hooks; turned into a CriteriaParseError with the path."""

    def __init__(self, expected: str, found: object) -> None:
        super().__init__(expected)
        self.expected = expected
        self.found = found


def _found(value: object) -> str:
    text = json.dumps(value, default=repr, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------


def _unstructure_value(value: Value) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)  # CategoryGroup and other int enums: the plain code
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Period):
        return {"period": value.value}
    raise TypeError(f"not a criteria value: {value!r}")


_TAGGED_VALUE = "a number, text, true/false, null or one of {date}, {datetime}, {period}, {float}"


def _structure_value(data: Any, _: object = None) -> Value:
    if data is None or isinstance(data, bool | int | float | str):
        value: Value = data
        return value
    if isinstance(data, dict) and len(data) == 1:
        ((tag, text),) = data.items()
        if not isinstance(text, str):
            raise _BadShape(f"a text inside {{{tag!r}: ...}}", data)
        try:
            if tag == "date":
                return date.fromisoformat(text)
            if tag == "datetime":
                return datetime.fromisoformat(text)
            if tag == "period":
                return Period(text)
            if tag == "float":
                number = float(text)
                if math.isinf(number):  # NaN is never a criteria value
                    return number
        except ValueError:
            pass
        expected = {
            "date": "an ISO date (YYYY-MM-DD)",
            "datetime": "an ISO datetime",
            "period": "a period code (day, week, month, quarter, year)",
            "float": "inf or -inf",
        }.get(tag, _TAGGED_VALUE)
        raise _BadShape(expected, data)
    raise _BadShape(_TAGGED_VALUE, data)


def _structure_values(data: Any, _: object = None) -> tuple[Value, ...]:
    if not isinstance(data, list | tuple):
        raise _BadShape("a list of values", data)
    items: list[Value] = []
    errors: list[Exception] = []
    for index, item in enumerate(data):
        try:
            items.append(_structure_value(item))
        except _BadShape as err:
            err.__notes__ = [cattrs.IterableValidationNote(f"index {index}", index, object)]
            errors.append(err)
    if errors:
        raise IterableValidationError("bad values", errors, tuple)
    return tuple(items)


# ---------------------------------------------------------------------------
# The converter, configured once
# ---------------------------------------------------------------------------


def _structure_operator(data: Any, _: object = None) -> Operator:
    try:
        return Operator(data)
    except (ValueError, TypeError):
        codes = ", ".join(op.value for op in Operator)
        raise _BadShape(f"an operator code ({codes})", data) from None


def _structure_str(data: Any, _: object = None) -> str:
    if not isinstance(data, str):
        raise _BadShape("a text", data)
    return data


def _structure_bool(data: Any, _: object = None) -> bool:
    if not isinstance(data, bool):
        raise _BadShape("true or false", data)
    return data


def _structure_object(
    hook: Callable[[Any, Any], Any], tag: str | None
) -> Callable[[Any, Any], Any]:
    """``hook`` behind a check that the data is an object; drops a matching "type" tag."""

    def check(data: Any, cls: Any) -> Any:
        if not isinstance(data, dict):
            raise _BadShape("an object", data)
        if tag is not None and "type" in data:
            if data["type"] != tag:
                err = _BadShape(repr(tag), data["type"])
                err.__notes__ = [cattrs.AttributeValidationNote("type", "type", str)]
                raise ClassValidationError("bad node", [err], dict)
            data = {k: v for k, v in data.items() if k != "type"}
        return hook(data, cls)

    return check


def _is_type(wanted: object) -> Callable[[Any], bool]:
    return lambda t: bool(t == wanted)


def _structure_list(hook: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """``hook`` behind a check that the data is a JSON list (not text, an object or a number)."""

    def check(data: Any, cls: Any) -> Any:
        if not isinstance(data, list | tuple):
            raise _BadShape("a list", data)
        return hook(data, cls)

    return check


def _constant(node: Criterion) -> Callable[[Any, Any], Criterion]:
    """The singleton ``node``; any key beside "type" is refused."""

    def structure(data: Any, _: object = None) -> Criterion:
        extra = set(data) - {"type"} if isinstance(data, dict) else set()
        if extra:
            raise ForbiddenExtraKeysError("", type(node), extra)
        return node

    return structure


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True)
    conv.register_structure_hook(Operator, _structure_operator)
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_unstructure_hook(Operator, lambda op: op.value)
    conv.register_structure_hook(Always, _constant(ALWAYS))
    conv.register_structure_hook(Never, _constant(NEVER))
    conv.register_unstructure_hook(
        Condition,
        lambda c: {
            "field": c.field,
            "operator": c.operator.value,
            "values": [_unstructure_value(v) for v in c.values],
        },
    )
    conv.register_unstructure_hook(tuple, lambda items: [conv.unstructure(i) for i in items])
    conv.register_structure_hook_func(
        lambda t: t == tuple[Value, ...],
        _structure_values,
    )
    for lists in (tuple[Criterion, ...], tuple[Condition, ...], tuple[Group, ...]):
        conv.register_structure_hook_func(
            _is_type(lists), _structure_list(conv.get_structure_hook(lists))
        )
    objects: tuple[type, ...] = (Condition, AllOf, AnyOf, Not, Group, Groups)
    for cls in objects:
        hook = conv.get_structure_hook(cls)
        conv.register_structure_hook(cls, _structure_object(hook, TAGS.get(cls)))
    # The tagged union: each node class unstructures with its tag first; the union
    # structures by the tag (unknown tags refused with the path of "type").
    for node_cls, tag in TAGS.items():
        constant = node_cls in (Always, Never)
        body = _no_fields if constant else conv.get_unstructure_hook(node_cls)
        conv.register_unstructure_hook(node_cls, _tagged(tag, body))
    conv.register_structure_hook_func(lambda t: t == Criterion, _structure_criterion(conv))
    return conv


def _no_fields(_node: Any) -> dict[str, Any]:
    return {}


def _tagged(tag: str, body: Callable[[Any], dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
    def unstructure(node: Any) -> dict[str, Any]:
        return {"type": tag, **body(node)}

    return unstructure


def _structure_criterion(conv: cattrs.Converter) -> Callable[[Any, Any], Criterion]:
    hooks: dict[str, Callable[[Any, Any], Any]] = {}

    def structure(data: Any, _: object = None) -> Criterion:
        if not isinstance(data, dict):
            raise _BadShape('a criteria node (an object with a "type")', data)
        tag = data.get("type")
        if not isinstance(tag, str) or (cls := _BY_TAG.get(tag)) is None:
            err = _BadShape(f"a node type ({', '.join(TAGS.values())})", tag)
            err.__notes__ = [cattrs.AttributeValidationNote("type", "type", str)]
            raise ClassValidationError("bad node", [err], dict)
        hook = hooks.get(tag)
        if hook is None:
            hook = hooks.setdefault(tag, conv.get_structure_hook(cls))
        node: Criterion = hook(data, cls)
        return node

    return structure


converter: cattrs.Converter = _make_converter()
"""The one converter of the JSON form (tree <-> plain data); use the functions below."""


# ---------------------------------------------------------------------------
# Errors with paths
# ---------------------------------------------------------------------------


def _first_leaf(exc: BaseException, path: str) -> tuple[BaseException, str]:
    """The first leaf error of a cattrs error tree and its JSON path."""
    if isinstance(exc, ClassValidationError | IterableValidationError):
        for inner in exc.exceptions:
            step = ""
            for note in getattr(inner, "__notes__", ()):
                if isinstance(note, cattrs.AttributeValidationNote):
                    step = f".{note.name}"
                elif isinstance(note, cattrs.IterableValidationNote):
                    step = f"[{note.index}]"
            return _first_leaf(inner, path + step)
    return exc, path


def _parse_error(exc: BaseException, source: str, path: str) -> CriteriaParseError:
    leaf, where = _first_leaf(exc, path)
    if isinstance(leaf, _BadShape):
        return CriteriaParseError(source, where, leaf.expected, _found(leaf.found))
    if isinstance(leaf, ForbiddenExtraKeysError):
        extra = ", ".join(sorted(leaf.extra_fields))
        return CriteriaParseError(source, where, "only the keys of this node type", extra)
    if isinstance(leaf, KeyError):
        return CriteriaParseError(source, where, f"the key {leaf.args[0]!r}", "nothing")
    if isinstance(leaf, CriteriaParseError):
        return leaf
    return CriteriaParseError(source, where, "a criteria node", str(leaf))


def _check_depth(data: Any, source: str) -> None:
    """Refuse trees deeper than :data:`MAX_DEPTH` nodes (objects counted; a group adds two)."""
    limit = MAX_DEPTH + 2
    stack: list[tuple[Any, str, int]] = [(data, "$.criteria", 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > limit:
            raise CriteriaParseError(
                source, path, f"a tree at most {MAX_DEPTH} nodes deep", "deeper nesting"
            )
        if isinstance(item, dict):
            stack.extend((v, f"{path}.{k}", depth + 1) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, f"{path}[{i}]", depth) for i, v in enumerate(item))


class _NonJsonConstant:
    """Stands in for ``NaN``/``Infinity``/``-Infinity``: Python reads them, JSON has none."""

    def __init__(self, token: str) -> None:
        self.token = token


def _refuse_constants(data: Any, source: str) -> None:
    """Refuse the first ``NaN``/``Infinity`` token of a document, at its JSON path."""
    stack: list[tuple[Any, str]] = [(data, "$")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, _NonJsonConstant):
            raise CriteriaParseError(
                source, path, 'a JSON number (write {"float": "inf"} for infinity)', item.token
            )
        if isinstance(item, dict):
            stack.extend((v, f"{path}.{k}") for k, v in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend((v, f"{path}[{i}]") for i, v in reversed(list(enumerate(item))))


def _leaves(criterion: Criterion, path: str) -> Iterator[tuple[Condition, str, bool]]:
    """Every leaf with its JSON path and whether it sits in a group."""
    if isinstance(criterion, Condition):
        yield criterion, path, False
    elif isinstance(criterion, AllOf | AnyOf):
        for i, child in enumerate(criterion.children):
            yield from _leaves(child, f"{path}.children[{i}]")
    elif isinstance(criterion, Not):
        yield from _leaves(criterion.child, f"{path}.child")
    elif isinstance(criterion, Groups):
        for g, group in enumerate(criterion.groups):
            for i, leaf in enumerate(group.criteria):
                yield leaf, f"{path}.groups[{g}].criteria[{i}]", True


def _validate(criterion: Criterion, entity: Entity, source: str) -> Criterion:
    check_nesting(criterion)
    for leaf, path, in_group in _leaves(criterion, "$.criteria"):
        try:
            validate(Groups((Group((leaf,)),)) if in_group else leaf, entity)
        except OperatorNotAllowed as err:
            raise locate(err, source, f"{path}.operator") from err
        except CriteriaError as err:
            where = "field" if err.context.get("operator") is None else "values"
            index = err.context.get("index")
            if isinstance(index, int):
                where = f"values[{index}]"
            raise locate(err, source, f"{path}.{where}") from err
    return criterion


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def unstructure(criterion: Criterion) -> dict[str, Any]:
    """The versioned document of ``criterion`` as plain data (dicts, lists, scalars).

    >>> from leadcore.criteria.ast import ALWAYS
    >>> unstructure(ALWAYS)
    {'version': 1, 'criteria': {'type': 'always'}}
    """
    return {"version": VERSION, "criteria": converter.unstructure(criterion)}


def structure(data: Any, *, entity: Entity = Entity.PERSON, source: str = "") -> Criterion:
    """Read a versioned document (plain data) into a validated criterion.

    >>> structure({"version": 1, "criteria": {"type": "never"}})
    Never()
    >>> structure({"version": 2, "criteria": {"type": "never"}})
    Traceback (most recent call last):
    ...
    leadcore.criteria.errors.CriteriaParseError: cannot read criteria at $.version: ...
    """
    if not isinstance(data, dict):
        raise CriteriaParseError(
            source, "$", 'an object {"version": 1, "criteria": ...}', _found(data)
        )
    version = data.get("version")
    if type(version) is not int or version != VERSION:  # not 1.0, not true
        raise CriteriaParseError(source, "$.version", f"version {VERSION}", _found(version))
    extra = sorted(set(data) - {"version", "criteria"})
    if extra:
        raise CriteriaParseError(source, f"$.{extra[0]}", "only version and criteria", extra[0])
    if "criteria" not in data:
        raise CriteriaParseError(source, "$.criteria", "the key 'criteria'", "nothing")
    _check_depth(data["criteria"], source)
    try:
        tree: Criterion = converter.structure(data["criteria"], Criterion)  # type: ignore[arg-type]
    except (
        ClassValidationError,
        IterableValidationError,
        ForbiddenExtraKeysError,
        _BadShape,
    ) as exc:
        raise _parse_error(exc, source, "$.criteria") from None
    return _validate(tree, entity, source)


def to_json(criterion: Criterion, *, indent: int | None = None) -> str:
    """The JSON text of ``criterion`` (UTF-8 friendly: non-ASCII is kept as is).

    >>> to_json(ALWAYS)
    '{"version": 1, "criteria": {"type": "always"}}'
    """
    return json.dumps(unstructure(criterion), ensure_ascii=False, indent=indent, allow_nan=False)


def from_json(text: str | bytes, *, entity: Entity = Entity.PERSON) -> Criterion:
    """Read JSON text into a validated criterion; refuses bad input with the path.

    >>> from_json('{"version": 1, "criteria": {"type": "condition", "field": "person.shoe", '
    ...           '"operator": "eq", "values": [42]}}')
    Traceback (most recent call last):
    ...
    leadcore.criteria.text.UnknownFieldAt: unknown field 'person.shoe' (at $.criteria.field): ...
    """
    source = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    try:
        data = json.loads(text, parse_constant=_NonJsonConstant)
    except json.JSONDecodeError as err:
        raise CriteriaParseError(source, err.pos, "valid JSON", err.msg) from None
    except RecursionError:
        raise CriteriaParseError(
            source, "$", f"at most {MAX_DEPTH} levels of nesting", "deeper nesting"
        ) from None
    _refuse_constants(data, source)
    return structure(data, entity=entity, source=source)
