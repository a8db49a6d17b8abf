"""View layouts (columns, filters, grouping, order) and their saved form per associate.

A :class:`Layout` names columns by key. Given to a view directly it is checked
strictly: an unknown column, an unlicensed one or a bad filter raises a typed
error. Loaded from the settings, it is checked leniently: what no longer exists
(a column the licence lost, a deleted list item in a filter, a column that was
removed) is dropped, the rest still loads, and every drop is reported as a
:class:`Dropped`.

>>> from datetime import date
>>> january = ColumnFilter("person.registered", (date(2026, 1, 1), date(2026, 1, 31)))
>>> layout = Layout(("person.name", "person.lead_status"), filters=(january,),
...                 grouping=("person.lead_status",))
>>> structure_layout(unstructure_layout(layout)) == layout
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

import attrs
import cattrs

from leadcore import codec
from leadcore.criteria.ast import Value
from leadcore.criteria.fields import Entity, ListKind, ValueType
from leadcore.errors import LeadcoreError, ValidationError
from leadcore.licence import Licence
from leadcore.lists import Lists
from leadcore.model import AssociateId
from leadcore.queries import Order
from leadcore.setting_values import setting_problem
from leadcore.views.columns import CellValue, Column, ColumnFilter, UnknownColumnError, catalogue

__all__ = [
    "CONTACTS_TAB",
    "FIND_RESULTS",
    "BadLayoutError",
    "Dropped",
    "Layout",
    "LoadedLayout",
    "check_layout",
    "chosen_layout",
    "converter",
    "settings_key",
    "structure_layout",
    "unstructure_layout",
]

CONTACTS_TAB = "contacts_tab"
"""The name of the contacts tab's layout in the settings."""
FIND_RESULTS = "find_results"
"""The name of the Find results' layout in the settings."""

MAX_COLUMNS = 64
"""Most columns, filters, grouping levels or orders a layout holds (bounds stored input)."""


def _tuple_of_str(value: Sequence[str]) -> tuple[str, ...]:
    """The column keys as a tuple; one ``str`` (which would be read as its characters)
    or an item that is not a ``str`` is a :class:`ValidationError`."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise ValidationError(
            "a layout's columns must be a sequence of column keys",
            why=f"got {type(value).__name__}"
            + (", which would be read as its characters" if isinstance(value, str) else ""),
            fix='Pass a tuple of keys, e.g. ("person.name",)',
        )
    keys = tuple(value)
    for index, key in enumerate(keys):
        if type(key) is not str:
            raise ValidationError(
                "a layout's column keys must be text",
                why=f"item {index} is a {type(key).__name__}",
                fix='Pass column keys such as "person.name" (see leadcore.views.catalogue)',
                index=index,
            )
    return keys


@attrs.frozen
class Layout:
    """What a view shows: ``columns`` in order, per-column ``filters``, ``grouping``
    levels (list or owner columns, outermost first) and ``order`` (on column keys).

    >>> Layout(("person.email",)).columns
    ('person.email',)
    """

    columns: tuple[str, ...] = attrs.field(converter=_tuple_of_str)
    filters: tuple[ColumnFilter, ...] = ()
    grouping: tuple[str, ...] = attrs.field(default=(), converter=_tuple_of_str)
    order: tuple[Order, ...] = ()


DEFAULT_CONTACTS = Layout(
    (
        "person.name",
        "person.email",
        "person.owner",
        "person.category",
        "person.category_group",
        "person.lead_status",
        "person.registered",
        "person.status_changed",
    )
)
DEFAULT_RESULTS = Layout(
    ("person.name", "company.name", "person.category", "person.lead_status",
     "person.lead_creation.source")
)  # fmt: skip


@attrs.frozen
class Dropped:
    """A part of a saved layout that no longer loads: ``part`` (column, filter,
    filter item, grouping, order), the column ``key``, the ``item`` for a filter
    item, and ``reason`` in words."""

    part: str
    key: str
    reason: str
    item: Value = None


@attrs.frozen
class LoadedLayout:
    """A layout as loaded from the settings, and what was dropped from it."""

    layout: Layout
    dropped: tuple[Dropped, ...] = ()
    saved: bool = False
    """True when the layout came from the settings, False for the view's default."""


class BadLayoutError(ValidationError):
    """A layout names a column it cannot use (unknown, unlicensed, not groupable)."""


def settings_key(view: str, associate: AssociateId) -> str:
    """The settings key of ``view``'s layout for ``associate``.

    >>> settings_key(CONTACTS_TAB, AssociateId(7))
    'views.contacts_tab/7'
    """
    return f"views.{view}/{int(associate)}"


def _problem(col: Column | None, licence: Licence) -> str | None:
    if col is None:
        return "the column no longer exists"
    if not col.licensed(licence):
        missing = ", ".join(sorted(f.value for f in col.features - licence.features))
        return f"the licence lacks {missing}"
    return None


def _lookup(key: str, entity: Entity) -> Column | None:
    return catalogue(entity).get(key)


def _items_problem(col: Column, value: Value, lists: Lists) -> str | None:
    if col.value_type is not ValueType.LIST or not isinstance(value, int):
        return None
    if col.list_kind is ListKind.CATEGORY_GROUP:
        return None
    items = lists.statuses if col.list_kind is ListKind.LEAD_STATUS else lists.categories
    if value not in items:
        return "the list item no longer exists"
    if items.get(value).deleted:
        return "the list item is deleted"
    return None


def check_layout(
    layout: Layout, entity: Entity, licence: Licence, lists: Lists, *, strict: bool
) -> LoadedLayout:
    """``layout`` checked against the columns of ``entity``, the licence and the lists.

    ``strict``: raise :class:`BadLayoutError` (or the criteria error of a bad
    filter) for the first problem. Otherwise drop what does not load and report it.

    >>> from leadcore.lists import new_database
    >>> lists = Lists(*new_database())
    >>> saved = Layout(("person.name", "person.shoe_size"))
    >>> loaded = check_layout(saved, Entity.PERSON, Licence.full(), lists, strict=False)
    >>> loaded.layout.columns, [d.key for d in loaded.dropped]
    (('person.name',), ['person.shoe_size'])
    """
    dropped: list[Dropped] = []

    def usable(part: str, key: str) -> Column | None:
        col = _lookup(key, entity)
        problem = _problem(col, licence)
        if problem is None and part == "grouping" and col is not None and not col.groupable:
            problem = "only list and owner columns group rows"
        if problem is None:
            return col
        if strict:
            if col is None:
                raise UnknownColumnError(key, entity)
            raise BadLayoutError(
                f"the {part} column {key!r} cannot be used",
                why=problem,
                fix="Choose another column (see leadcore.views.catalogue)",
                column=key,
                part=part,
            )
        dropped.append(Dropped(part, key, problem))
        return None

    _check_size(layout)
    columns = tuple(k for k in dict.fromkeys(layout.columns) if usable("column", k))
    grouping = tuple(k for k in dict.fromkeys(layout.grouping) if usable("grouping", k))
    order = tuple(o for o in layout.order if usable("order", o.field))
    filters: list[ColumnFilter] = []
    for item in layout.filters:
        col = usable("filter", item.column)
        if col is None:
            continue
        kept = []
        for value in item.values:
            problem = _items_problem(col, value, lists)
            if problem is None or strict:
                kept.append(value)
            else:
                dropped.append(Dropped("filter item", item.column, problem, value))
        if item.values and not kept:
            dropped.append(Dropped("filter", item.column, "none of its items loads"))
            continue
        checked = attrs.evolve(item, values=tuple(kept))
        try:
            checked.criterion(entity)
        except LeadcoreError as err:
            if strict:
                raise
            dropped.append(Dropped("filter", item.column, str(err)))
            continue
        filters.append(checked)
    clean = Layout(columns, tuple(filters), grouping, order)
    return LoadedLayout(clean, tuple(dropped))


def chosen_layout(
    given: Layout | None,
    saved: object | None,
    default: Layout,
    entity: Entity,
    licence: Licence,
    lists: Lists,
) -> LoadedLayout:
    """The layout a view shows: ``given`` checked strictly; else the ``saved`` one (the
    data of :func:`unstructure_layout`, as the settings hold it) checked leniently,
    with what no longer loads dropped; else the view's ``default``.

    >>> from leadcore.lists import new_database
    >>> lists = Lists(*new_database())
    >>> saved = unstructure_layout(Layout(("person.name", "person.shoe_size")))
    >>> loaded = chosen_layout(None, saved, Layout(("person.email",)), Entity.PERSON,
    ...                        Licence.full(), lists)
    >>> loaded.layout.columns, loaded.saved, [d.key for d in loaded.dropped]
    (('person.name',), True, ['person.shoe_size'])
    """
    if given is not None:
        return check_layout(given, entity, licence, lists, strict=True)
    if saved is None:
        found = check_layout(default, entity, licence, lists, strict=False)
        return LoadedLayout(found.layout, (), saved=False)
    loaded = check_layout(structure_layout(saved), entity, licence, lists, strict=False)
    return LoadedLayout(loaded.layout, loaded.dropped, saved=True)


def _check_size(layout: Layout) -> None:
    for part in ("columns", "filters", "grouping", "order"):
        if len(getattr(layout, part)) > MAX_COLUMNS:
            raise ValidationError(
                f"a layout with more than {MAX_COLUMNS} {part}",
                why="a view is bounded to keep every read cheap",
                fix=f"Keep at most {MAX_COLUMNS} {part}",
                part=part,
            )


class _Shape(ValueError):
    """Saved data of the wrong shape, raised inside the converter's hooks."""

    def __init__(self, expected: str, found: object) -> None:
        super().__init__(expected)
        self.expected = expected
        self.found = found


def _strictly(expected: str, test: type | tuple[type, ...], hook: Any) -> Any:
    """``hook`` behind a check that the data is a ``test`` (a list where a list is wanted:
    a text would be read as its characters)."""

    def structure(data: Any, cls: Any) -> Any:
        if not isinstance(data, test):
            raise _Shape(expected, data)
        return hook(data, cls)

    return structure


def _structure_text(data: Any, _: object = None) -> str:
    if not isinstance(data, str):
        raise _Shape("a text", data)
    return data


def _structure_flag(data: Any, _: object = None) -> bool:
    if not isinstance(data, bool):
        raise _Shape("true or false", data)
    return data


def _unstructure_cell_value(value: CellValue) -> Any:
    """A cell's value; a date or time tagged as in the criteria's JSON form (a cell holds
    text too, so ``"2026-01-05"`` alone could not say which it was)."""
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


def _structure_seconds(data: Any, _: object = None) -> timedelta:
    if isinstance(data, bool) or not isinstance(data, int | float):
        raise _Shape("a number of seconds", data)
    return timedelta(seconds=data)


def _make_converter() -> cattrs.Converter:
    # The model's JSON form (the criteria tree included), refusing unknown keys.
    conv = codec.converter.copy(forbid_extra_keys=True)
    # A saved layout's text and yes/no values refuse other types with the path.
    conv.register_structure_hook(str, _structure_text)
    conv.register_structure_hook(bool, _structure_flag)
    # A cell's value (a union that holds text too): dates and times tagged.
    conv.register_unstructure_hook_func(_is(CellValue), _unstructure_cell_value)
    conv.register_structure_hook_func(_is(CellValue), _structure_cell_value)
    values = conv.get_structure_hook(tuple[Value, ...])
    conv.register_structure_hook_func(_is(Value), lambda d, _: values([d], Value)[0])
    for cls in (ColumnFilter, Order):
        hook = _strictly("an object", dict, conv.get_structure_hook(cls))
        conv.register_structure_hook(cls, hook)
    for items in (tuple[str, ...], tuple[ColumnFilter, ...], tuple[Order, ...]):
        hook = _strictly("a list", (list, tuple), conv.get_structure_hook(items))
        conv.register_structure_hook_func(_is(items), hook)
    # The dashboard tiles: durations as seconds, a time zone by its name.
    conv.register_unstructure_hook(timedelta, timedelta.total_seconds)
    conv.register_structure_hook(timedelta, _structure_seconds)
    conv.register_unstructure_hook_func(_is_time_zone, str)
    return conv


def _is_time_zone(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, tzinfo)


def _is(wanted: object) -> Callable[[Any], bool]:
    return lambda t: bool(t == wanted)


def _located(error: BaseException) -> tuple[str, str]:
    """The JSON path of the first leaf of a cattrs error tree, and what went wrong there."""
    path = "$"
    while isinstance(error, cattrs.BaseValidationError) and error.exceptions:
        error = error.exceptions[0]
        for note in getattr(error, "__notes__", ()):
            if isinstance(note, cattrs.AttributeValidationNote):
                path += f".{note.name}"
            elif isinstance(note, cattrs.IterableValidationNote):
                path += f"[{note.index}]"
    expected = getattr(error, "expected", None)
    if isinstance(expected, str):
        found = getattr(error, "found", None)
        plain = found is None or isinstance(found, str | int | float)
        shown = repr(found) if plain and len(repr(found)) <= 40 else type(found).__name__
        return path, f"expected {expected}, found {shown}"
    if isinstance(error, cattrs.ForbiddenExtraKeysError):
        return path, f"unknown keys {sorted(map(str, error.extra_fields))[:5]}"
    if isinstance(error, KeyError):
        return path, f"the key {error.args[0]!r} is missing"
    if isinstance(error, LeadcoreError):
        return path, error.what
    return path, f"{type(error).__name__}: {str(error)[:200]}"


def _structure_cell_value(data: Any, _: object = None) -> CellValue:
    if isinstance(data, dict) and len(data) == 1:
        ((tag, text),) = data.items()
        if tag == "datetime" and isinstance(text, str):
            return datetime.fromisoformat(text)
        if tag == "date" and isinstance(text, str):
            return date.fromisoformat(text)
    if data is None or isinstance(data, int | str | bool):
        return data
    raise ValueError(f"not a cell value: {data!r}")


converter: cattrs.Converter = _make_converter()
"""The one converter of every view value: the model's (a copy of
:data:`leadcore.codec.converter`, criteria included) with the views' hooks. Layouts
round-trip; results pages, contacts tabs, boards and dashboard tiles unstructure to
JSON-able data, and the views read back. Dates and times are ISO 8601 text, tagged in a
cell's value and a filter's values (``{"date": "2026-01-05"}``,
``{"datetime": "2026-01-05T09:00:00+00:00"}``, as in the criteria's JSON form);
durations are seconds, a time zone its name.

>>> import json
>>> from datetime import timezone
>>> from leadcore.views.dashboards import NewLeadsBucket, ReportPeriod
>>> period = ReportPeriod(date(2026, 3, 1), date(2026, 3, 8), timezone.utc)
>>> json.dumps(converter.unstructure(NewLeadsBucket(period.start, 2)))
'{"start": "2026-03-01", "total": 2, "counts": []}'
>>> converter.unstructure(period)["tz"], converter.unstructure(timedelta(minutes=2))
('UTC', 120.0)
"""


def unstructure_layout(layout: Layout) -> dict[str, Any]:
    """``layout`` as plain JSON-able data (the form saved in the settings)."""
    data: dict[str, Any] = converter.unstructure(layout)
    return data


def structure_layout(data: object) -> Layout:
    """A :class:`Layout` from :func:`unstructure_layout`'s data.

    Data of another shape raises :class:`ValidationError` naming the problem and, in
    its context, the JSON ``path`` of the part at fault.

    >>> structure_layout({"columns": "person.name"})
    Traceback (most recent call last):
    ...
    leadcore.errors.ValidationError: a saved view layout cannot be read: expected a list, ...
    >>> structure_layout({"columns": [["person.name"]]})
    Traceback (most recent call last):
    ...
    leadcore.errors.ValidationError: ... expected a text, found list (at $.columns[0]). ...
    """
    if not isinstance(data, dict):
        raise ValidationError(
            "a saved view layout cannot be read",
            why=f"it is a {type(data).__name__}, not an object",
            fix="Save the layout again",
            path="$",
        )
    problem = setting_problem(data)  # bounded, without recursion: cattrs recurses
    if problem is None:
        try:
            return converter.structure(data, Layout)
        except (cattrs.BaseValidationError, ValueError, TypeError) as err:
            problem = _located(err)
    path, what = problem
    raise ValidationError(
        "a saved view layout cannot be read",
        why=f"{what} (at {path})",
        fix="Save the layout again",
        path=path,
    )
