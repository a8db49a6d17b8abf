"""The JSON form of leadcore's model, as one cattrs converter (the cattrs preconf way).

:func:`configure_converter` registers the model on any cattrs converter: the
ids, :class:`~leadcore.model.Person`, :class:`~leadcore.model.Company`,
:class:`~leadcore.model.Associate`, :class:`~leadcore.model.Category`,
:class:`~leadcore.model.LeadStatus`, :class:`~leadcore.model.Utm`, the enums
(their stable codes), aware datetimes (ISO 8601 text), the two lists, the
selections (a union tagged by ``"kind"``), the history entries and the domain
events (a union tagged by ``"event"`` when read as
:data:`~leadcore.history.DomainEvent`), and the criteria tree (the node form of
:mod:`leadcore.criteria.json`). :data:`converter` is a ready one, and
:func:`to_json` / :func:`from_json` turn values into JSON text and back.

leadcore's other JSON forms build on it: the store file (``InMemoryStore``),
the SQL adapter's rows and selection documents, the views and dashboard tiles
(:data:`leadcore.views.converter`) and the workflows' stored settings
(:data:`leadcore.workflows.stored.converter`) each copy :data:`converter` and
add what their format needs.

Reading is strict: a text where a number belongs, a naive time or an unknown
key is refused, and every record is built through its class, whose
construction checks run. A bad document raises :class:`CodecError` (a
:class:`~leadcore.errors.ValidationError`) naming the JSON path of the bad value:

>>> from datetime import datetime, timezone
>>> from leadcore.model import Person, PersonId
>>> at = datetime(2026, 1, 5, tzinfo=timezone.utc)
>>> ann = Person(PersonId(1), None, "Ann", "Ash", at, at)
>>> text = to_json(ann)
>>> text[:60]
'{"id": 1, "company_id": null, "first_name": "Ann", "last_nam'
>>> from_json(text, Person) == ann
True
>>> from_json(text.replace('"Ann"', "5"), Person)
Traceback (most recent call last):
...
leadcore.codec.CodecError: cannot read a Person from JSON at $.first_name: ...
"""

from __future__ import annotations

import contextlib
import json
import re
import typing
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, TypeVar, overload

import attrs
import cattrs
from cattrs.errors import ClassValidationError, IterableValidationError
from cattrs.preconf import json as preconf_json

from leadcore.criteria import json as criteria_json
from leadcore.criteria.ast import Criterion
from leadcore.criteria.errors import found_text
from leadcore.errors import LeadcoreError, ValidationError
from leadcore.history import (
    CompanyCategoryChanged,
    CompanyDeleted,
    DomainEvent,
    HistoryEntry,
    HistoryKind,
    PersonCategoryChanged,
    PersonDeleted,
    PersonMoved,
    StatusSource,
)
from leadcore.lists import CategoryList, LeadStatusList
from leadcore.model import (
    Associate,
    Availability,
    Category,
    Company,
    LeadStatus,
    LeadStatusId,
    Person,
    Utm,
)
from leadcore.selections import (
    CombinedSelection,
    DynamicSelection,
    Members,
    Selection,
    StaticSelection,
)

__all__ = [
    "EVENT_KINDS",
    "READ_ERRORS",
    "SELECTION_KINDS",
    "CodecError",
    "configure_converter",
    "converter",
    "from_json",
    "make_converter",
    "selection_kind",
    "structure",
    "to_json",
]

T = TypeVar("T")


class CodecError(ValidationError):
    """A JSON document is not the JSON form of the type asked for; ``context["path"]`` is
    the JSON path of the bad value (``$.members.persons[2]``)."""


SELECTION_KINDS: dict[str, type[Any]] = {
    "static": StaticSelection,
    "dynamic": DynamicSelection,
    "combined": CombinedSelection,
}
"""The ``"kind"`` tag of each selection class in the JSON form."""

EVENT_KINDS: dict[str, type[Any]] = {
    "history": HistoryEntry,
    "company_category_changed": CompanyCategoryChanged,
    "person_category_changed": PersonCategoryChanged,
    "person_moved": PersonMoved,
    "person_deleted": PersonDeleted,
    "company_deleted": CompanyDeleted,
}
"""The ``"event"`` tag of each domain event class, when read or written as a
:data:`~leadcore.history.DomainEvent`."""

READ_ERRORS = (
    KeyError,
    TypeError,
    ValueError,
    AttributeError,
    RecursionError,
    cattrs.BaseValidationError,
    LeadcoreError,
)
"""What structuring a bad document can raise; :func:`structure` turns each into a
:class:`CodecError`, the store file format into its ``FileFormatError``."""


def selection_kind(selection: Selection) -> str:
    """The ``"kind"`` tag of ``selection``: ``"static"``, ``"dynamic"`` or ``"combined"``.

    >>> from leadcore.model import SelectionId
    >>> from leadcore.selections import StaticSelection, Target
    >>> selection_kind(StaticSelection(SelectionId(1), "Fair", Target.PERSONS))
    'static'
    """
    for name, kind in SELECTION_KINDS.items():
        if isinstance(selection, kind):
            return name
    raise TypeError(f"not a selection: {selection!r}")


# --- hooks -----------------------------------------------------------------------------------


def _exactly(kind: type[Any]) -> Callable[[Any, Any], Any]:
    """A structure hook that takes values of exactly ``kind`` and converts nothing.

    cattrs' defaults would turn ``null`` into ``"None"``, ``5`` into ``"5"`` and
    ``1`` into ``True``: what a document holds must be what was written.
    """

    def structure(value: Any, _: Any) -> Any:
        if type(value) is not kind:
            raise TypeError(f"expected {kind.__name__}, got {type(value).__name__} {value!r}")
        return value

    return structure


def _by_keywords(cls: type[Any], **convert: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    """A structure hook for records: ``cls(**data)``, ``convert`` applied first.

    The classes check every field at construction (exact types, aware times),
    so passing the JSON values straight through is as strict as cattrs'
    per-field hooks, at a third of the cost. Unknown or missing keys are a
    ``TypeError``. The caller's ``data`` is left as it was (converted on a copy).
    """

    changes = tuple(convert.items())

    def structure(data: Any, _: Any) -> Any:
        if type(data) is not dict:
            raise TypeError(f"a {cls.__name__} is a JSON object, not {type(data).__name__}")
        if changes:
            data = data.copy()
            for name, change in changes:
                value = data.get(name)
                if value is not None:
                    data[name] = change(value)
        return cls(**data)

    return structure


def _utm(data: Any) -> Utm:
    if type(data) is not dict:
        raise TypeError(f"a UTM data point is a JSON object, not {type(data).__name__}")
    return Utm(**data)


def _text_set(data: Any) -> frozenset[Any]:
    if type(data) is not list:
        raise TypeError(f"a set of names is a JSON list, not {type(data).__name__}")
    return frozenset(data)


_id_set = _text_set  # a set of ids is a JSON list too; the class checks the items


def _moment(text: Any) -> datetime:
    if type(text) is not str:
        raise TypeError(f"a time is ISO 8601 text, not {type(text).__name__}")
    return datetime.fromisoformat(text)


def _unstructure_associate(associate: Associate) -> dict[str, Any]:
    return {
        "id": associate.id,
        "name": associate.name,
        "availability": associate.availability.value,
        "groups": sorted(associate.groups),
        "retired": associate.retired,
        "version": associate.version,
    }


def _unstructure_members(members: Members) -> dict[str, Any]:
    return {"companies": sorted(members.companies), "persons": sorted(members.persons)}


def _unstructure_event(conv: cattrs.Converter, cls: type[Any]) -> Callable[[Any], dict[str, Any]]:
    """Each field as the converter writes it; a set of ids as a sorted list."""
    names = [a.name for a in attrs.fields(cls)]

    def unstructure(event: Any) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name in names:
            value = getattr(event, name)
            data[name] = sorted(value) if isinstance(value, frozenset) else conv.unstructure(value)
        return data

    return unstructure


def configure_converter(converter: cattrs.Converter) -> None:
    """Register leadcore's model on ``converter`` (its JSON form, read strictly).

    It first applies :func:`cattrs.preconf.json.configure_converter` (ISO 8601
    times, enums as their values), then makes ``str``, ``int`` and ``bool``
    exact (no conversion between them) and registers the model's hooks and the
    criteria tree's (:func:`leadcore.criteria.json.configure_converter`). Use it
    on a converter of your own that also knows your classes:

    >>> import cattrs
    >>> from leadcore.model import Utm
    >>> mine = cattrs.Converter()
    >>> configure_converter(mine)
    >>> mine.structure({"source": "ad"}, Utm)
    Utm(source='ad', medium=None, campaign=None, term=None, content=None)
    """
    conv = converter
    preconf_json.configure_converter(conv)
    for kind in (str, int, bool):
        conv.register_structure_hook(kind, _exactly(kind))
    conv.register_structure_hook(
        Person,
        _by_keywords(
            Person,
            registered=_moment,
            updated=_moment,
            first_touch_utm=_utm,
            lead_creation_utm=_utm,
            status_changed=_moment,
        ),
    )
    conv.register_structure_hook(
        Company,
        _by_keywords(
            Company,
            registered=_moment,
            updated=_moment,
            source_utm=_utm,
            first_touch_utm=_utm,
            lead_creation_utm=_utm,
        ),
    )
    conv.register_structure_hook(
        Associate, _by_keywords(Associate, availability=Availability, groups=_text_set)
    )
    conv.register_unstructure_hook(Associate, _unstructure_associate)
    conv.register_structure_hook(
        HistoryEntry,
        _by_keywords(HistoryEntry, kind=HistoryKind, at=_moment, source=StatusSource),
    )
    _configure_lists(conv)
    criteria_json.configure_converter(conv)
    _configure_selections(conv)
    _configure_events(conv)


def _configure_lists(conv: cattrs.Converter) -> None:
    conv.register_unstructure_hook(
        CategoryList, lambda cats: {"items": [conv.unstructure(c) for c in cats.items]}
    )
    conv.register_structure_hook(
        CategoryList,
        lambda data, _: CategoryList(tuple(conv.structure(c, Category) for c in data["items"])),
    )
    conv.register_unstructure_hook(
        LeadStatusList,
        lambda statuses: {
            "items": [conv.unstructure(s) for s in statuses.items],
            "default_id": statuses.default_id,
        },
    )
    conv.register_structure_hook(
        LeadStatusList,
        lambda data, _: LeadStatusList(
            tuple(conv.structure(s, LeadStatus) for s in data["items"]),
            default_id=None if data["default_id"] is None else LeadStatusId(data["default_id"]),
        ),
    )


def _configure_selections(conv: cattrs.Converter) -> None:
    conv.register_unstructure_hook(Members, _unstructure_members)
    for kind in SELECTION_KINDS.values():
        attrs.resolve_types(kind)

    def unstructure_selection(selection: Selection) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": selection_kind(selection)}
        for attribute in attrs.fields(type(selection)):
            value = getattr(selection, attribute.name)
            if attribute.name == "criteria":
                data["criteria"] = criteria_json.unstructure(value)
            else:
                data[attribute.name] = conv.unstructure(value, attribute.type)
        return data

    def structure_selection(data: Any, _: Any) -> Selection:
        if type(data) is not dict:
            raise TypeError(f"a selection is a JSON object, not {type(data).__name__}")
        tag: Any = data.get("kind")
        kind = SELECTION_KINDS.get(tag)
        if kind is None:
            raise ValueError(f"unknown selection kind {tag!r}")
        values: dict[str, Any] = {}
        for attribute in attrs.fields(kind):
            name = attribute.name
            if name not in data or name == "criteria":
                continue
            with _at_attribute(kind, name, attribute.type):
                values[name] = conv.structure(data[name], attribute.type)
        if kind is DynamicSelection:
            with _at_attribute(kind, "criteria", Any):
                values["criteria"] = criteria_json.structure(
                    data["criteria"], entity=values["entity"]
                )
        selection: Selection = kind(**values)
        return selection

    for kind in SELECTION_KINDS.values():
        conv.register_unstructure_hook(kind, unstructure_selection)
        conv.register_structure_hook(kind, structure_selection)
    conv.register_unstructure_hook(Selection, unstructure_selection)
    conv.register_structure_hook(Selection, structure_selection)


@contextlib.contextmanager
def _at_attribute(cls: type[Any], name: str, type_: Any) -> Iterator[None]:
    """Report an error structuring attribute ``name`` of ``cls`` the way cattrs' generated
    hooks do (so that :func:`structure` can name its JSON path)."""
    try:
        yield
    except Exception as error:
        note = f"Structuring class {cls.__name__} @ attribute {name}"
        error.add_note(cattrs.AttributeValidationNote(note, name, type_))
        raise ClassValidationError(f"While structuring {cls.__name__}", [error], cls) from None


def _configure_events(conv: cattrs.Converter) -> None:
    tags = {cls: tag for tag, cls in EVENT_KINDS.items()}
    for cls in EVENT_KINDS.values():
        if cls is HistoryEntry:
            continue
        conv.register_unstructure_hook(cls, _unstructure_event(conv, cls))
        conv.register_structure_hook(cls, _by_keywords(cls, at=_moment, selections=_id_set))

    def unstructure_event(event: DomainEvent) -> dict[str, Any]:
        tag = tags.get(type(event))
        if tag is None:
            raise TypeError(f"not a domain event: {event!r}")
        data: dict[str, Any] = {"event": tag}
        data.update(conv.unstructure(event))
        return data

    def structure_event(data: Any, _: Any) -> DomainEvent:
        if type(data) is not dict:
            raise TypeError(f"a domain event is a JSON object, not {type(data).__name__}")
        rest = dict(data)
        cls = EVENT_KINDS.get(rest.pop("event", None))
        if cls is None:
            raise ValueError(f"unknown event {data.get('event')!r}")
        event: DomainEvent = conv.structure(rest, cls)
        return event

    def is_event(type_: Any) -> bool:
        return bool(type_ == DomainEvent)

    conv.register_unstructure_hook_func(is_event, unstructure_event)
    conv.register_structure_hook_func(is_event, structure_event)


def make_converter() -> cattrs.Converter:
    """A new converter for leadcore's JSON form (cattrs' JSON converter, configured).

    >>> from leadcore.model import Utm
    >>> make_converter().unstructure(Utm("ad"))
    {'source': 'ad', 'medium': None, 'campaign': None, 'term': None, 'content': None}
    """
    made = preconf_json.make_converter()
    configure_converter(made)
    return made


converter: cattrs.Converter = make_converter()
"""The ready converter of the JSON form; copy it (``converter.copy()``) to extend it."""


# --- text ----------------------------------------------------------------------------------

_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def to_json(value: Any, unstructure_as: Any = None) -> str:
    """``value`` as JSON text (UTF-8 safe, no NaN); ``unstructure_as`` as in cattrs
    (``DomainEvent`` adds the event's tag).

    >>> from datetime import datetime, timezone
    >>> from leadcore.history import DomainEvent, PersonMoved
    >>> from leadcore.model import PersonId
    >>> moved = PersonMoved(PersonId(4), None, None, datetime(2026, 1, 5, tzinfo=timezone.utc))
    >>> to_json(moved, DomainEvent)
    '{"event": "person_moved", "person_id": 4, "from_company": null, "to_company": null, ...'
    """
    return _ENCODER.encode(converter.unstructure(value, unstructure_as))


@overload
def from_json(text: str | bytes, cls: type[T]) -> T: ...
@overload
def from_json(text: str | bytes, cls: object) -> Any: ...
def from_json(text: str | bytes, cls: Any) -> Any:
    """The value of type ``cls`` that the JSON ``text`` holds (see :func:`structure`).

    Text that is not JSON is a :class:`CodecError` too:

    >>> from leadcore.selections import Selection
    >>> from_json('{"kind": "static", "id": 1, "name": "Fair", "target": "persons"', Selection)
    Traceback (most recent call last):
    ...
    leadcore.codec.CodecError: cannot read a Selection from JSON at $: it is not JSON ...
    """
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise CodecError(
            f"cannot read a {_name(cls)} from JSON at $",
            why=f"it is not JSON ({type(error).__name__}: {error})",
            fix="Pass the text that leadcore.codec.to_json wrote",
            path="$",
            type=_name(cls),
        ) from None
    return structure(data, cls)


def structure(data: Any, cls: Any) -> Any:
    """The value of type ``cls`` that the plain JSON ``data`` holds; :class:`CodecError`
    naming the path of the first bad value when there is none.

    >>> from leadcore.selections import Members
    >>> structure({"companies": [], "persons": [7, "8"]}, Members)
    Traceback (most recent call last):
    ...
    leadcore.codec.CodecError: cannot read a Members from JSON at $.persons[1]: ...
    """
    try:
        return converter.structure(data, cls)
    except READ_ERRORS as error:
        raise _codec_error(error, cls) from None


def _name(cls: Any) -> str:
    """``Person``, ``Selection``, ``list[Person]``: the type as a reader writes it."""
    for union, name in ((Selection, "Selection"), (DomainEvent, "DomainEvent")):
        if cls is union:
            return name
    if cls == Criterion:
        return "Criterion"
    if typing.get_origin(cls) is None and isinstance(getattr(cls, "__name__", None), str):
        return str(cls.__name__)
    return re.sub(r"\b(?:[A-Za-z_]\w*\.)+([A-Za-z_]\w*)", r"\1", str(cls))


def _first_leaf(error: BaseException) -> tuple[BaseException, str]:
    """The first leaf error of a cattrs error tree and its JSON path."""
    path = "$"
    while isinstance(error, ClassValidationError | IterableValidationError) and error.exceptions:
        error = error.exceptions[0]
        for note in getattr(error, "__notes__", ()):
            if isinstance(note, cattrs.AttributeValidationNote):
                path += f".{note.name}"
            elif isinstance(note, cattrs.IterableValidationNote):
                path += f"[{note.index}]"
    if isinstance(error, LeadcoreError):
        field = error.context.get("field")
        position = error.context.get("position")
        if isinstance(position, str) and position.startswith("$"):
            path += position[1:]  # a criteria document names the path inside it
        elif isinstance(field, str):
            path += f".{field}"  # a construction check names its field
    return error, path


def _codec_error(error: BaseException, cls: Any) -> CodecError:
    leaf, path = _first_leaf(error)
    name = _name(cls)
    if isinstance(leaf, LeadcoreError):
        why = f"{leaf.what}: {leaf.why}" if leaf.why else leaf.what
        fix = leaf.fix or f"Pass the JSON form of a {name}"
        context = {k: v for k, v in leaf.context.items() if k not in ("path", "type")}
        return CodecError(
            f"cannot read a {name} from JSON at {path}",
            why=why,
            fix=fix,
            path=path,
            type=name,
            **context,
        )
    expected = getattr(leaf, "expected", None)  # a criteria node's hooks say what they wanted
    if isinstance(leaf, KeyError):
        why = f"the key {leaf.args[0]!r} is missing"
    elif isinstance(expected, str):
        why = f"expected {expected}, found {found_text(getattr(leaf, 'found', None))}"
    else:
        why = f"{type(leaf).__name__}: {leaf}"
    return CodecError(
        f"cannot read a {name} from JSON at {path}",
        why=why,
        fix=f"Pass the JSON form of a {name}, as leadcore.codec.to_json writes it",
        path=path,
        type=name,
    )
