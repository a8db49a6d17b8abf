"""The typed field registry: every searchable field of persons and companies.

A field has a stable key (``entity.name``), the entity it lives on, how it is
reached from a row, a value type (which decides the operators), whether it can
be missing, and the licence feature it needs.

>>> f = field("company.category_group")
>>> f.value_type.name, f.nullable
('LIST', True)
>>> sorted(op.value for op in f.operators)
['in', 'not_in', 'not_set', 'set']
>>> field("person.shoe_size")
Traceback (most recent call last):
...
leadcore.criteria.errors.UnknownFieldError: unknown field 'person.shoe_size': ...
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

import attrs

from leadcore.criteria.ast import Operator
from leadcore.criteria.errors import UnknownFieldError
from leadcore.licence import Feature

__all__ = [
    "FIELDS",
    "OPERATORS",
    "Entity",
    "Field",
    "ListKind",
    "Reach",
    "ValueType",
    "field",
    "fields_for",
]


class ValueType(enum.Enum):
    """A field's type; it decides the operators and the values they take."""

    LIST = "list"
    TEXT = "text"
    NUMBER = "number"
    BOOL = "bool"
    ASSOCIATE = "associate"
    DATE = "date"


class Entity(enum.Enum):
    """What a search lists: persons (with their company) or companies."""

    PERSON = "person"
    COMPANY = "company"


class ListKind(enum.Enum):
    """Which list a LIST field's values (ids or codes) refer to."""

    LEAD_STATUS = "lead_status"
    CATEGORY = "category"
    CATEGORY_GROUP = "category_group"


class Reach(enum.Enum):
    """How a field is read from a row (a person with its company, or a company)."""

    PERSON_ATTR = "person_attr"
    """``attr`` on the person (dotted for UTM: ``first_touch_utm.source``)."""
    COMPANY_ATTR = "company_attr"
    """``attr`` on the company; missing when a person has no company."""
    EFFECTIVE_CATEGORY = "effective_category"
    """The company's category, or the person's own without company (R3)."""
    EFFECTIVE_GROUP = "effective_group"
    """The group of the effective category."""
    COMPANY_GROUP = "company_group"
    """The group of the company's category; missing without company or category."""
    HAS_COMPANY = "has_company"
    """Whether the person has a company."""


_TEXT_OPS = frozenset(
    {
        Operator.EQUALS,
        Operator.NOT_EQUALS,
        Operator.BEGINS,
        Operator.NOT_BEGINS,
        Operator.CONTAINS,
        Operator.NOT_CONTAINS,
        Operator.ENDS,
        Operator.NOT_ENDS,
    }
)
_DATE_OPS = frozenset(
    {
        Operator.BEFORE,
        Operator.ON,
        Operator.AFTER,
        Operator.DATE_BETWEEN,
        Operator.BEFORE_TODAY,
        Operator.TODAY,
        Operator.AFTER_TODAY,
        Operator.THIS,
        Operator.NEXT,
        Operator.PREVIOUS,
        Operator.THIS_AND_NEXT,
        Operator.THIS_AND_PREVIOUS,
        Operator.THIS_PREVIOUS_AND_NEXT,
        Operator.LAST,
        Operator.OLDER_THAN,
    }
)
_PRESENCE_OPS = frozenset({Operator.SET, Operator.NOT_SET})
"""Whether a field has a value: offered on every field, whatever its type."""

_OWN_OPERATORS: Mapping[ValueType, frozenset[Operator]] = MappingProxyType(
    {
        ValueType.LIST: frozenset({Operator.IN, Operator.NOT_IN}),
        ValueType.TEXT: _TEXT_OPS,
        ValueType.NUMBER: frozenset(
            {
                Operator.EQ,
                Operator.NE,
                Operator.GT,
                Operator.LT,
                Operator.GE,
                Operator.LE,
                Operator.BETWEEN,
                Operator.NOT_BETWEEN,
            }
        ),
        ValueType.BOOL: frozenset({Operator.IS_TRUE, Operator.IS_FALSE}),
        ValueType.ASSOCIATE: frozenset(
            {
                Operator.CURRENT_ASSOCIATE,
                Operator.NOT_CURRENT_ASSOCIATE,
                Operator.IN,
                Operator.NOT_IN,
            }
        ),
        ValueType.DATE: _DATE_OPS,
    }
)
OPERATORS: Mapping[ValueType, frozenset[Operator]] = MappingProxyType(
    {vt: ops | _PRESENCE_OPS for vt, ops in _OWN_OPERATORS.items()}
)
"""The operators each value type accepts (domain.md §3), ``set``/``not_set`` on every type."""


@attrs.frozen
class Field:
    """One searchable field. ``entity`` is the entity whose search offers it."""

    key: str
    entity: Entity
    reach: Reach
    value_type: ValueType
    nullable: bool
    label_en: str
    label_da: str
    attr: str | None = None
    list_kind: ListKind | None = None
    feature: Feature | None = None

    @property
    def operators(self) -> frozenset[Operator]:
        """Operators this field accepts (from its type)."""
        return OPERATORS[self.value_type]

    def label(self, language: str = "en") -> str:
        """Display name in ``language`` ("en" or "da")."""
        return self.label_da if language == "da" else self.label_en


def _utm_fields(
    prefix: str, entity: Entity, reach: Reach, attr: str, en: str, da: str
) -> list[Field]:
    parts = (
        ("source", "source", "kilde"),
        ("medium", "medium", "medie"),
        ("campaign", "campaign", "kampagne"),
        ("term", "term", "søgeord"),
        ("content", "content", "indhold"),
    )
    return [
        Field(
            f"{prefix}.{part}",
            entity,
            reach,
            ValueType.TEXT,
            True,
            f"{en} {part_en}",
            f"{da} {part_da}",
            attr=f"{attr}.{part}",
            feature=Feature.MARKETING_PREMIUM,
        )
        for part, part_en, part_da in parts
    ]


def _company_fields(entity: Entity) -> list[Field]:
    # From a person search a company field is missing when the person has no company.
    missing = entity is Entity.PERSON
    company_attr = Reach.COMPANY_ATTR
    return [
        Field("company.id", entity, company_attr, ValueType.NUMBER, missing, "Company id",
              "Firma-id", attr="id"),
        Field("company.name", entity, company_attr, ValueType.TEXT, missing, "Company name",
              "Firmanavn", attr="name"),
        Field("company.category", entity, company_attr, ValueType.LIST, True, "Company category",
              "Firmakategori", attr="category_id", list_kind=ListKind.CATEGORY),
        Field("company.category_group", entity, Reach.COMPANY_GROUP, ValueType.LIST, True,
              "Company category group", "Firmakategorigruppe",
              list_kind=ListKind.CATEGORY_GROUP),
        Field("company.owner", entity, company_attr, ValueType.ASSOCIATE, True, "Our contact",
              "Vores kontakt", attr="owner_id"),
        Field("company.registered", entity, company_attr, ValueType.DATE, missing,
              "Company registered", "Firma registreret", attr="registered"),
        Field("company.updated", entity, company_attr, ValueType.DATE, missing,
              "Company updated", "Firma opdateret", attr="updated"),
        *_utm_fields("company.source", entity, company_attr, "source_utm", "Company lead",
                     "Firma lead"),
        *_utm_fields("company.first_touch", entity, company_attr, "first_touch_utm",
                     "Company first touch", "Firma første kontakt"),
        *_utm_fields("company.lead_creation", entity, company_attr, "lead_creation_utm",
                     "Company lead creation", "Firma leadoprettelse"),
    ]  # fmt: skip


_PERSON = Entity.PERSON
_P = Reach.PERSON_ATTR
_PERSON_FIELDS: list[Field] = [
    Field("person.id", _PERSON, _P, ValueType.NUMBER, False, "Person id", "Person-id", attr="id"),
    Field("person.lead_status", _PERSON, _P, ValueType.LIST, True, "Lead status", "Leadstatus",
          attr="lead_status_id", list_kind=ListKind.LEAD_STATUS),
    Field("person.category", _PERSON, Reach.EFFECTIVE_CATEGORY, ValueType.LIST, True,
          "Category", "Kategori", list_kind=ListKind.CATEGORY),
    Field("person.category_group", _PERSON, Reach.EFFECTIVE_GROUP, ValueType.LIST, True,
          "Category group", "Kategorigruppe", list_kind=ListKind.CATEGORY_GROUP),
    Field("person.first_name", _PERSON, _P, ValueType.TEXT, False, "First name", "Fornavn",
          attr="first_name"),
    Field("person.last_name", _PERSON, _P, ValueType.TEXT, False, "Last name", "Efternavn",
          attr="last_name"),
    Field("person.email", _PERSON, _P, ValueType.TEXT, False, "E-mail", "E-mail", attr="email"),
    Field("person.owner", _PERSON, _P, ValueType.ASSOCIATE, True, "Our contact",
          "Vores kontakt", attr="owner_id"),
    Field("person.registered", _PERSON, _P, ValueType.DATE, False, "Registered",
          "Registreret", attr="registered"),
    Field("person.updated", _PERSON, _P, ValueType.DATE, False, "Updated", "Opdateret",
          attr="updated"),
    Field("person.status_changed", _PERSON, _P, ValueType.DATE, True, "Lead status changed",
          "Leadstatus ændret", attr="status_changed"),
    Field("person.retired", _PERSON, _P, ValueType.BOOL, False, "Retired", "Fratrådt",
          attr="retired"),
    Field("person.has_company", _PERSON, Reach.HAS_COMPANY, ValueType.BOOL, False,
          "Has company", "Har firma"),
    *_utm_fields("person.first_touch", _PERSON, _P, "first_touch_utm", "First touch",
                 "Første kontakt"),
    *_utm_fields("person.lead_creation", _PERSON, _P, "lead_creation_utm", "Lead creation",
                 "Leadoprettelse"),
]  # fmt: skip

_REGISTRY: dict[Entity, Mapping[str, Field]] = {
    Entity.PERSON: MappingProxyType(
        {f.key: f for f in (*_PERSON_FIELDS, *_company_fields(Entity.PERSON))}
    ),
    Entity.COMPANY: MappingProxyType({f.key: f for f in _company_fields(Entity.COMPANY)}),
}

FIELDS: Mapping[str, Field] = _REGISTRY[Entity.PERSON]
"""Every field a person search offers, by key (company fields reached via the company)."""


def fields_for(entity: Entity) -> Mapping[str, Field]:
    """The fields a search of ``entity`` offers, by key."""
    return _REGISTRY[entity]


def field(key: str, entity: Entity = Entity.PERSON) -> Field:
    """The field ``key`` of a search of ``entity``; :class:`UnknownFieldError` otherwise."""
    registry = _REGISTRY[entity]
    try:
        return registry[key]
    except KeyError:
        raise UnknownFieldError(key, registry) from None
