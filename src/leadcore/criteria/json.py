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
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from typing import Any

import cattrs
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
)
from cattrs.gen import make_dict_structure_fn
from cattrs.preconf.json import make_converter

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
from leadcore.criteria.build import MAX_INT_DIGITS, check_nesting, nodes_along, read_int, validate
from leadcore.criteria.errors import (
    CriteriaError,
    CriteriaParseError,
    CriteriaTooDeep,
    OperatorNotAllowed,
    found_text,
)
from leadcore.criteria.fields import Entity
from leadcore.criteria.text import MAX_DEPTH, locate

__all__ = [
    "MAX_CONTAINERS",
    "VERSION",
    "configure_converter",
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


def configure_converter(converter: cattrs.Converter) -> None:
    """Register the criteria tree's JSON form on ``converter`` (the cattrs preconf way).

    Each node class unstructures with its ``"type"`` tag first and the
    :data:`~leadcore.criteria.ast.Criterion` union structures by that tag; a
    node refuses unknown keys, operators are their codes, and the values in a
    condition are typed (``{"date": ...}``, ``{"period": ...}``, ...) so that
    they round-trip exactly. Only the criteria's own types get hooks: the
    converter's handling of ``str``, ``bool`` and the rest stays as it was, so
    :func:`leadcore.codec.configure_converter` calls this on the model's converter.

    >>> from cattrs.preconf.json import make_converter
    >>> from leadcore.criteria.ast import Condition, Operator, Period
    >>> mine = make_converter()
    >>> configure_converter(mine)
    >>> recent = Condition("person.registered", Operator.LAST, (3, Period.DAY))
    >>> data = mine.unstructure(recent)
    >>> data["type"], data["values"]
    ('condition', [3, {'period': 'day'}])
    >>> mine.structure(data, Criterion) == recent
    True
    """
    conv = converter
    conv.register_structure_hook(Operator, _structure_operator)
    conv.register_unstructure_hook(Operator, _unstructure_operator)
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
    conv.register_structure_hook_func(_is_type(tuple[Value, ...]), _structure_values)
    conv.register_unstructure_hook_func(_is_type(tuple[Value, ...]), _unstructure_values)
    conv.register_unstructure_hook_func(_is_type(Criterion), conv.unstructure)
    for lists in (tuple[Criterion, ...], tuple[Condition, ...], tuple[Group, ...]):
        conv.register_unstructure_hook_func(_is_type(lists), _unstructure_list(conv))
        conv.register_structure_hook_func(
            _is_type(lists), _structure_list(conv.get_structure_hook(lists))
        )
    for cls in (Condition, AllOf, AnyOf, Not, Group, Groups):
        conv.register_structure_hook(cls, _structure_object(_node_hook(cls, conv), TAGS.get(cls)))
    # The tagged union: each node class unstructures with its tag first; the union
    # structures by the tag (unknown tags refused with the path of "type").
    for node_cls, tag in TAGS.items():
        constant = node_cls in (Always, Never)
        body = _no_fields if constant else conv.get_unstructure_hook(node_cls)
        conv.register_unstructure_hook(node_cls, _tagged(tag, body))
    conv.register_structure_hook_func(_is_type(Criterion), _structure_criterion(conv))


def _node_hook(cls: type, conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
    """cattrs' structure hook of the node class ``cls``, refusing unknown keys; a text or
    yes/no field refuses other types with the criteria's own error (per field, so that the
    converter's ``str`` and ``bool`` hooks stay its own)."""
    if cls is Condition:
        text = cattrs.override(struct_hook=_structure_str)
        return make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=True, field=text)
    if cls is Group:
        flag = cattrs.override(struct_hook=_structure_bool)
        return make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=True, subtract=flag)
    return make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=True)


def _unstructure_operator(operator: Operator) -> str:
    return operator.value


def _unstructure_values(values: tuple[Value, ...]) -> list[Any]:
    return [_unstructure_value(v) for v in values]


def _unstructure_list(conv: cattrs.Converter) -> Callable[[tuple[Any, ...]], list[Any]]:
    """Nodes (or groups) as a JSON list, each unstructured as its own class."""

    def unstructure(items: tuple[Any, ...]) -> list[Any]:
        return [conv.unstructure(item) for item in items]

    return unstructure


def _make_converter() -> cattrs.Converter:
    made = make_converter()
    configure_converter(made)
    return made


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
"""A converter of the JSON form (tree <-> plain data): cattrs' JSON converter with
:func:`configure_converter` applied; the functions below use it. The model's converter
(:data:`leadcore.codec.converter`) registers the same hooks, so a criterion reads and
writes the same through either."""


# ---------------------------------------------------------------------------
# Errors with paths
# ---------------------------------------------------------------------------


def _first_leaf(exc: BaseException, path: str) -> tuple[BaseException, str]:
    """The first leaf error of a cattrs error tree and its JSON path."""
    while isinstance(exc, ClassValidationError | IterableValidationError) and exc.exceptions:
        exc = exc.exceptions[0]
        for note in getattr(exc, "__notes__", ()):
            if isinstance(note, cattrs.AttributeValidationNote):
                path += f".{note.name}"
            elif isinstance(note, cattrs.IterableValidationNote):
                path += f"[{note.index}]"
    return exc, path


def _parse_error(exc: BaseException, source: str, path: str) -> CriteriaParseError:
    leaf, where = _first_leaf(exc, path)
    if isinstance(leaf, _BadShape):
        return CriteriaParseError(source, where, leaf.expected, found_text(leaf.found))
    if isinstance(leaf, ForbiddenExtraKeysError):
        extra = ", ".join(sorted(map(str, leaf.extra_fields)))
        return CriteriaParseError(source, where, "only the keys of this node type", extra)
    if isinstance(leaf, KeyError):
        return CriteriaParseError(source, where, f"the key {leaf.args[0]!r}", "nothing")
    if isinstance(leaf, CriteriaParseError):
        return leaf
    return CriteriaParseError(source, where, "a criteria node", str(leaf))


MAX_CONTAINERS = 1_000_000
"""The most lists and objects a document may hold (values in a list are not counted, so
an ``in`` list of any length is one). Bounds the work of reading plain data that shares
parts: shared parts are read once per place, and a few shared levels multiply that."""
_DATA_DEPTH = MAX_DEPTH + 3
"""Objects nested in a document (envelope included; a group adds two); a list in a list counts
too. Deeper plain data is refused before it is structured (cattrs recurses on depth)."""
_TEXT_DEPTH = 2 * MAX_DEPTH + 8
"""Lists and objects nested in JSON text (a node may cost two, ``children`` and the node);
deeper text is refused before ``json.loads`` (which recurses on depth) reads it."""
_BRACKETS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


class _Refused:
    """Stands in for a token of JSON text that leadcore refuses at its path: ``NaN`` and
    ``Infinity`` (JSON has none), an integer of too many digits, a number beyond floats."""

    def __init__(self, token: str, expected: str) -> None:
        self.token = token
        self.expected = expected


_INFINITY = 'a JSON number within the float range (write {"float": "inf"} for infinity)'


def _read_int(token: str) -> int | _Refused:
    try:
        return read_int(token)
    except ValueError:
        return _Refused(f"{len(token)} digits", f"an integer of at most {MAX_INT_DIGITS} digits")


def _read_float(token: str) -> float | _Refused:
    number = float(token)
    return _Refused(token[:20], _INFINITY) if math.isinf(number) else number


def _refuse_constant(token: str) -> _Refused:
    return _Refused(token, _INFINITY)


def _check_text_depth(text: str) -> None:
    """Refuse text nesting lists and objects deeper than :data:`_TEXT_DEPTH`, at the offset."""
    depth = 0
    for match in _BRACKETS.finditer(text):
        bracket = match.group()
        if bracket in "[{":
            depth += 1
            if depth > _TEXT_DEPTH:
                found = "deeper nesting"
                raise CriteriaParseError(
                    text, match.start(), f"at most {_TEXT_DEPTH} levels of nesting", found
                )
        elif bracket in "]}":
            depth -= 1


def _check_data(data: Any, source: str) -> None:
    """One walk over plain data, without recursion, before anything else reads it: refuse
    deeper nesting than :data:`_DATA_DEPTH`, more than :data:`MAX_CONTAINERS` lists and
    objects, an object key that is not text, a cycle, and the tokens :func:`from_json`
    marks as refused, each at its JSON path. A part used in two places is read twice."""
    first_seen: dict[int, str] = {}
    count = 0
    stack: list[tuple[Any, str, int, bool]] = [(data, "$", 0, False)]
    while stack:
        item, path, depth, in_list = stack.pop()
        if isinstance(item, _Refused):
            raise CriteriaParseError(source, path, item.expected, item.token)
        if isinstance(item, dict):
            depth += 1
            bad_keys = [k for k in item if not isinstance(k, str)][:1]  # None is a key too
            if bad_keys:  # before the paths are built: a huge int key has no text
                expected = "object keys that are text"
                raise CriteriaParseError(source, path, expected, found_text(bad_keys[0]))
            children = [(v, f"{path}.{k}", depth, False) for k, v in item.items()]
        elif isinstance(item, list | tuple):
            depth += in_list
            children = [(v, f"{path}[{i}]", depth, True) for i, v in enumerate(item)]
        else:
            continue
        count += 1
        if count > MAX_CONTAINERS:
            expected = f"at most {MAX_CONTAINERS} lists and objects (a shared one counts each time)"
            raise CriteriaParseError(source, path, expected, "more")
        earlier = first_seen.setdefault(id(item), path)
        below = path[len(earlier) : len(earlier) + 1] in (".", "[")
        if earlier is not path and below and path.startswith(earlier):  # inside itself
            expected = "a tree (no list or object inside itself)"
            raise CriteriaParseError(source, path, expected, f"a cycle back to {earlier}")
        if depth > _DATA_DEPTH:
            expected = f"a tree at most {MAX_DEPTH} nodes deep"
            raise CriteriaParseError(source, path, expected, "deeper nesting")
        stack.extend(reversed(children))


def _leaves(criterion: Criterion, path: str) -> Iterator[tuple[Condition, str, bool]]:
    """Every leaf with its JSON path and whether it sits in a group (iterative)."""
    stack: list[tuple[Criterion, str]] = [(criterion, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, Condition):
            yield node, where, False
        elif isinstance(node, AllOf | AnyOf):
            last = len(node.children) - 1
            stack.extend((node.children[i], f"{where}.children[{i}]") for i in range(last, -1, -1))
        elif isinstance(node, Not):
            stack.append((node.child, f"{where}.child"))
        elif isinstance(node, Groups):
            for g, group in enumerate(node.groups):
                for i, leaf in enumerate(group.criteria):
                    yield leaf, f"{where}.groups[{g}].criteria[{i}]", True


def _json_path(criterion: Criterion, path: tuple[int, ...]) -> str:
    """The JSON path of the node ``path`` (child indices, as in CriteriaTooDeep) leads to."""
    steps = ["$.criteria"]
    for node, index in zip(nodes_along(criterion, path), path, strict=False):
        steps.append(f".children[{index}]" if isinstance(node, AllOf | AnyOf) else ".child")
    return "".join(steps)


def _validate(criterion: Criterion, entity: Entity, source: str) -> Criterion:
    try:
        check_nesting(criterion)
    except CriteriaTooDeep as err:
        raise locate(err, source, _json_path(criterion, err.context["path"])) from err
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
    _check_data(data, source)
    if not isinstance(data, dict):
        raise CriteriaParseError(
            source, "$", 'an object {"version": 1, "criteria": ...}', found_text(data)
        )
    version = data.get("version")
    if type(version) is not int or version != VERSION:  # not 1.0, not true
        raise CriteriaParseError(source, "$.version", f"version {VERSION}", found_text(version))
    extra = sorted(set(data) - {"version", "criteria"})
    if extra:
        raise CriteriaParseError(source, f"$.{extra[0]}", "only version and criteria", extra[0])
    if "criteria" not in data:
        raise CriteriaParseError(source, "$.criteria", "the key 'criteria'", "nothing")
    try:
        tree: Criterion = converter.structure(data["criteria"], Criterion)  # type: ignore[arg-type]
    except (
        ClassValidationError,
        IterableValidationError,
        ForbiddenExtraKeysError,
        _BadShape,
    ) as exc:
        raise _parse_error(exc, source, "$.criteria") from None
    except RecursionError:  # cattrs recurses; only a caller already deep in its stack gets here
        expected = f"at most {MAX_DEPTH} levels of nesting (or a shallower call stack)"
        raise CriteriaParseError(source, "$.criteria", expected, "deeper nesting") from None
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
    if isinstance(text, bytes | bytearray):
        try:
            source = bytes(text).decode("utf-8")
        except UnicodeDecodeError as err:
            bad = found_text(bytes(text[err.start : err.start + 4]))
            raise CriteriaParseError(
                "", err.start, "UTF-8 text (the position is a byte offset)", bad
            ) from None
    elif isinstance(text, str):
        source = text
    else:
        raise CriteriaParseError("", 0, "JSON text (str, or UTF-8 bytes)", type(text).__name__)
    _check_text_depth(source)
    try:
        data = json.loads(
            source,
            parse_constant=_refuse_constant,
            parse_int=_read_int,
            parse_float=_read_float,
        )
    except json.JSONDecodeError as err:
        raise CriteriaParseError(source, err.pos, "valid JSON", err.msg) from None
    except RecursionError:  # only a caller already deep in its stack gets here
        expected = f"at most {_TEXT_DEPTH} levels of nesting (or a shallower call stack)"
        raise CriteriaParseError(source, "$", expected, "deeper nesting") from None
    return structure(data, entity=entity, source=source)
