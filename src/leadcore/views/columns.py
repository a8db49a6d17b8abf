"""The column machinery shared by the contacts tab, Find results and board cards.

A view's columns come from the criteria field registry (one column per field,
labelled in English and Danish, gated by the field's licence feature) plus the
synthetic ``person.name`` (first and last name). A :class:`Cell` is one value of
one row as the reader sees it: the raw value, its text in the reader's language,
a tooltip, and whether it is visible and editable. A :class:`ColumnFilter` is a
per-column filter that becomes a criterion; the filters of a view run as one
query.

>>> from leadcore.criteria.fields import Entity
>>> name = catalogue(Entity.PERSON)["person.lead_status"]
>>> name.label("da"), name.groupable
('Leadstatus', True)
>>> ColumnFilter("person.email", ("ann",)).criterion(Entity.PERSON)
Condition(field='person.email', operator=<Operator.BEGINS: 'begins'>, values=('ann',))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from types import MappingProxyType

import attrs

from leadcore import rules
from leadcore.criteria.ast import ALWAYS, Criterion, Operator, Value, all_of, any_of
from leadcore.criteria.build import NO_VALUE_OPERATORS, condition
from leadcore.criteria.evaluate import company_reader, person_reader
from leadcore.criteria.fields import Entity, ListKind, ValueType, fields_for
from leadcore.errors import ValidationError
from leadcore.licence import Feature, Licence
from leadcore.lists import Lists
from leadcore.model import AssociateId, CategoryGroup, Company, CompanyId, Language, Person
from leadcore.queries import Order

__all__ = [
    "NAME_COLUMN",
    "Cell",
    "CellContext",
    "CellValue",
    "Column",
    "ColumnFilter",
    "ColumnHeading",
    "Row",
    "UnknownColumnError",
    "catalogue",
    "column",
]

CellValue = int | str | bool | datetime | date | None
"""A cell's raw value: a list item id, group code or associate id (int), text, a
flag, a date or time, or ``None`` when the record has no value."""

NAME_COLUMN = "person.name"
"""The synthetic column of a person's full name (sorted by last then first name)."""

_EDITABLE = frozenset(
    {
        NAME_COLUMN,
        "person.first_name",
        "person.last_name",
        "person.email",
        "person.owner",
        "person.lead_status",
        "person.category",
        "company.name",
        "company.owner",
        "company.category",
    }
)
"""Columns whose value a user can change through a service command (the lead
status and a person's own category then still follow their rules per row)."""

_DEFAULT_OPERATOR = {
    ValueType.TEXT: Operator.BEGINS,
    ValueType.LIST: Operator.IN,
    ValueType.ASSOCIATE: Operator.IN,
    ValueType.DATE: Operator.DATE_BETWEEN,
    ValueType.NUMBER: Operator.EQ,
    ValueType.BOOL: Operator.IS_TRUE,
}


@attrs.frozen
class Column:
    """One column a view offers: its key, labels, type, licence and abilities.

    ``field`` is the criteria field it filters and sorts on (``None`` for
    ``person.name``, which filters on first or last name and sorts by last name).
    ``features`` are the licence features it needs (marketing premium for UTM
    columns, lead status for the lead-status column).
    """

    key: str
    entity: Entity
    label_en: str
    label_da: str
    value_type: ValueType
    field: str | None
    features: frozenset[Feature] = frozenset()
    list_kind: ListKind | None = None
    editable: bool = False

    def label(self, language: Language = "en") -> str:
        """The column's heading in ``language``."""
        return self.label_da if language == "da" else self.label_en

    @property
    def groupable(self) -> bool:
        """True for list and owner columns: they can group rows and board columns."""
        return self.value_type in (ValueType.LIST, ValueType.ASSOCIATE)

    @property
    def sort_fields(self) -> tuple[str, ...]:
        """The criteria fields a sort on this column orders by."""
        if self.field is None:
            return ("person.last_name", "person.first_name")
        return (self.field,)

    def licensed(self, licence: Licence) -> bool:
        """True when ``licence`` has every feature the column needs."""
        return self.features <= licence.features


def _build(entity: Entity) -> Mapping[str, Column]:
    columns: dict[str, Column] = {}
    if entity is Entity.PERSON:
        columns[NAME_COLUMN] = Column(
            NAME_COLUMN, entity, "Name", "Navn", ValueType.TEXT, None, editable=True
        )
    for key, spec in fields_for(entity).items():
        if key.endswith(".id"):
            continue
        features = {spec.feature} if spec.feature is not None else set()
        if spec.list_kind is ListKind.LEAD_STATUS:
            features.add(Feature.LEAD_STATUS)
        columns[key] = Column(
            key,
            entity,
            spec.label_en,
            spec.label_da,
            spec.value_type,
            key,
            frozenset(features),
            spec.list_kind,
            key in _EDITABLE,
        )
    return MappingProxyType(columns)


_CATALOGUE = {entity: _build(entity) for entity in Entity}


def catalogue(entity: Entity) -> Mapping[str, Column]:
    """Every column a view of ``entity`` offers, by key (licence not yet applied).

    >>> len([k for k in catalogue(Entity.PERSON) if "utm" in k or "first_touch" in k]) >= 5
    True
    """
    return _CATALOGUE[entity]


class UnknownColumnError(ValidationError):
    """A view was asked for a column it does not offer."""

    def __init__(self, key: str, entity: Entity) -> None:
        known = ", ".join(sorted(_CATALOGUE[entity]))
        super().__init__(
            f"unknown column {key!r} for a view of {entity.value}s",
            why=f"the columns of a {entity.value} view are: {known}",
            fix="Pick a column from leadcore.views.catalogue(entity)",
            column=key,
            entity=entity.value,
        )


def column(key: str, entity: Entity) -> Column:
    """The column ``key`` of a view of ``entity``; :class:`UnknownColumnError` otherwise.

    >>> column("person.shoe_size", Entity.PERSON)
    Traceback (most recent call last):
    ...
    leadcore.views.columns.UnknownColumnError: unknown column 'person.shoe_size' ...
    """
    found = _CATALOGUE[entity].get(key)
    if found is None:
        raise UnknownColumnError(key, entity)
    return found


@attrs.frozen
class ColumnHeading:
    """A column as a view's header shows it, in the reader's language."""

    key: str
    label: str
    value_type: str
    editable: bool
    groupable: bool

    @classmethod
    def of(cls, col: Column, language: Language) -> ColumnHeading:
        """The heading of ``col`` in ``language``."""
        return cls(col.key, col.label(language), col.value_type.value, col.editable, col.groupable)


@attrs.frozen
class Cell:
    """One value of one row: raw ``value``, its ``text`` in the reader's language, a
    ``tooltip``, and whether the value is ``visible`` and ``editable`` (a hidden
    lead status is kept but neither, R4)."""

    column: str
    value: CellValue
    text: str
    tooltip: str | None = None
    visible: bool = True
    editable: bool = False


@attrs.frozen
class Row:
    """One record (person or company) as the chosen columns show it.

    >>> row = Row(7, (Cell("person.email", "a@b.dk", "a@b.dk"),))
    >>> row["person.email"].text, row.texts()
    ('a@b.dk', {'person.email': 'a@b.dk'})
    """

    id: int
    cells: tuple[Cell, ...]
    version: int = 0

    def __getitem__(self, key: str) -> Cell:
        """The cell of column ``key``; :class:`KeyError` when the row lacks it."""
        for cell in self.cells:
            if cell.column == key:
                return cell
        raise KeyError(key)

    def texts(self) -> dict[str, str]:
        """Column key -> the cell's text, in column order."""
        return {cell.column: cell.text for cell in self.cells}


@attrs.frozen
class ColumnFilter:
    """A per-column filter; :meth:`criterion` turns it into a criterion.

    Without ``operator``: text columns *begin with* the value, list and owner
    columns take items (*is one of*), date columns a range ``(first, last)``
    (both included), numbers equal the value, yes/no columns are *yes*. A filter
    with no values is inactive and ignored, like an empty row of the Find screen.

    >>> from datetime import date
    >>> f = ColumnFilter("person.registered", (date(2026, 1, 1), date(2026, 1, 31)))
    >>> f.criterion(Entity.PERSON).operator.value
    'date_between'
    >>> ColumnFilter("person.name", ("an",)).criterion(Entity.PERSON).children[0].field
    'person.first_name'
    """

    column: str
    values: tuple[Value, ...] = ()
    operator: Operator | None = None

    def criterion(self, entity: Entity) -> Criterion:
        """The criterion of this filter in a view of ``entity`` (``ALWAYS`` when inactive).

        Raises :class:`UnknownColumnError` or the criteria errors of
        :func:`leadcore.criteria.build.condition` for a bad operator or value.
        """
        col = column(self.column, entity)
        op = _DEFAULT_OPERATOR[col.value_type] if self.operator is None else self.operator
        if not self.values and op not in NO_VALUE_OPERATORS:
            return ALWAYS
        if col.field is None:
            return any_of(
                [
                    condition("person.first_name", op, *self.values, entity=entity),
                    condition("person.last_name", op, *self.values, entity=entity),
                ]
            )
        return condition(col.field, op, *self.values, entity=entity)


def filters_criterion(filters: Sequence[ColumnFilter], entity: Entity) -> Criterion:
    """Every filter ANDed into one criterion.

    >>> filters_criterion([], Entity.PERSON)
    Always()
    """
    return all_of([f.criterion(entity) for f in filters])


def sort_orders(order: Sequence[Order], entity: Entity) -> tuple[Order, ...]:
    """Orders on column keys turned into orders on criteria fields."""
    result: list[Order] = []
    for item in order:
        for key in column(item.field, entity).sort_fields:
            result.append(Order(key, item.descending))
    return tuple(result)


# --- cells --------------------------------------------------------------------------------


@attrs.frozen
class CellContext:
    """What cells are read with: the lists, associate names, the reader's language."""

    lists: Lists
    associates: Mapping[AssociateId, str]
    language: Language = "en"
    readers: dict[str, Callable[[Person, Company | None], object]] = attrs.field(
        factory=dict, eq=False
    )
    """Compiled field readers, by key (each compiled once per view)."""

    def person_reader(self, key: str) -> Callable[[Person, Company | None], object]:
        """The reader of person field ``key`` (compiled on first use)."""
        found = self.readers.get(key)
        if found is None:
            found = self.readers[key] = person_reader(key, self.lists.categories)
        return found


_YES_NO = {"en": ("Yes", "No"), "da": ("Ja", "Nej")}


def _list_text(kind: ListKind | None, value: object, ctx: CellContext) -> tuple[str, str | None]:
    if not isinstance(value, int):
        return "", None
    if kind is ListKind.CATEGORY_GROUP:
        group = CategoryGroup(value)
        return group.label(ctx.language), group.tooltip(ctx.language)
    if kind is ListKind.CATEGORY:
        if value in ctx.lists.categories:
            category = ctx.lists.categories.get(value)
            return category.name, category.tooltip or None
        return f"#{value}", None
    if value in ctx.lists.statuses:
        status = ctx.lists.statuses.get(value)
        return status.label(ctx.language), status.description(ctx.language) or None
    return f"#{value}", None


def value_text(col: Column, value: object, ctx: CellContext) -> tuple[str, str | None]:
    """The text and tooltip of ``value`` in column ``col``, in the reader's language
    (empty text for no value)."""
    if value is None:
        return "", None
    if col.value_type is ValueType.LIST:
        return _list_text(col.list_kind, value, ctx)
    if col.value_type is ValueType.ASSOCIATE:
        assert isinstance(value, int)
        return ctx.associates.get(AssociateId(value), f"#{value}"), None
    if col.value_type is ValueType.BOOL:
        yes, no = _YES_NO[ctx.language]
        return (yes if value else no), None
    if isinstance(value, datetime):  # one text for one instant, whatever the store kept
        return value.astimezone(UTC).isoformat(), None
    if isinstance(value, date):
        return value.isoformat(), None
    return str(value), None


def _raw(value: object) -> CellValue:
    if value is None or isinstance(value, int | str | bool | datetime | date):
        return value
    return str(value)


def person_cell(col: Column, person: Person, company: Company | None, ctx: CellContext) -> Cell:
    """The cell of ``col`` for a person row (``company``: its company or ``None``)."""
    if col.key == NAME_COLUMN:
        return Cell(col.key, person.full_name, person.full_name, editable=True)
    if col.key == "person.lead_status":
        view = rules.lead_status_view(person, company, ctx.lists, ctx.language)
        return Cell(
            col.key,
            view.status_id,
            view.label or "",
            view.tooltip or None,
            view.visible,
            view.editable,
        )
    value = ctx.person_reader(col.key)(person, company)
    text, tooltip = value_text(col, value, ctx)
    editable = col.editable and (col.key != "person.category" or person.company_id is None)
    if col.key.startswith("company.") and company is None:
        editable = False
    return Cell(col.key, _raw(value), text, tooltip, True, editable)


def company_cell(col: Column, company: Company, ctx: CellContext) -> Cell:
    """The cell of ``col`` for a company row."""
    value = company_reader(col.key, ctx.lists.categories)(company)
    text, tooltip = value_text(col, value, ctx)
    return Cell(col.key, _raw(value), text, tooltip, True, col.editable)


def person_row(
    columns: Sequence[Column], person: Person, company: Company | None, ctx: CellContext
) -> Row:
    """A person's row of ``columns``."""
    cells = tuple(person_cell(c, person, company, ctx) for c in columns)
    return Row(person.id, cells, person.version)


def company_row(columns: Sequence[Column], company: Company, ctx: CellContext) -> Row:
    """A company's row of ``columns``."""
    return Row(company.id, tuple(company_cell(c, company, ctx) for c in columns), company.version)


def record_rows(
    columns: Sequence[Column],
    records: Sequence[Person] | Sequence[Company],
    companies: Mapping[CompanyId, Company],
    ctx: CellContext,
) -> tuple[Row, ...]:
    """The rows of ``columns`` for persons (each with its company from ``companies``)
    or for companies."""
    rows = []
    for record in records:
        if isinstance(record, Company):
            rows.append(company_row(columns, record, ctx))
        else:
            company = None if record.company_id is None else companies[record.company_id]
            rows.append(person_row(columns, record, company, ctx))
    return tuple(rows)
