"""The SQL adapter's schema: one public :class:`sqlalchemy.MetaData` of Core tables.

Re-exported as :data:`leadcore.adapters.sql.metadata`, so that an application can
create leadcore's tables beside its own (or include leadcore's Alembic migrations).

**The contract with the criteria compiler** (``_compile.py`` / ``_query.py``):

* Column names are the attrs attribute names of :class:`leadcore.model.Company`
  and :class:`leadcore.model.Person`. A :class:`leadcore.model.Utm` value is
  flattened into ``<attr>`` (a boolean: the value is present, i.e. not ``None``)
  and ``<attr>_source``, ``<attr>_medium``, ``<attr>_campaign``, ``<attr>_term``,
  ``<attr>_content`` (text or NULL).
* Times are stored in UTC through :class:`UtcDateTime`: ``TIMESTAMP WITH TIME
  ZONE`` on PostgreSQL, naive UTC text (microseconds kept) on SQLite. Bind aware
  datetimes; they are converted on the way in and come back aware, in UTC.
* The admin lists are ``categories`` (``id``, ``group`` code, ``enable_lead_status``,
  ``deleted``, ``rank`` ...) and ``lead_statuses``; ``lists`` holds their one shared
  version row. Category group and lead-status visibility can be compiled either
  from the :class:`leadcore.criteria.evaluate.Environment` (ids known in Python)
  or by joining ``categories``.
* ``persons.company_id`` references ``companies.id``; ``history`` keeps the
  entries of deleted persons (no foreign key), in ``seq`` order, and
  ``deleted_persons`` their ids (a deleted person's history is told from an
  unknown id, also when it has no entries).

>>> sorted(metadata.tables)  # doctest: +NORMALIZE_WHITESPACE
['associates', 'categories', 'companies', 'deleted_persons', 'history', 'id_counters',
 'lead_statuses', 'lists', 'persons', 'selections', 'settings']
>>> "first_touch_utm_campaign" in persons.c and "source_utm" in companies.c
True
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    TypeDecorator,
)

__all__ = [
    "UTM_FIELDS",
    "UtcDateTime",
    "associates",
    "categories",
    "companies",
    "deleted_persons",
    "history",
    "id_counters",
    "lead_statuses",
    "lists",
    "metadata",
    "persons",
    "selections",
    "settings",
    "utm_columns",
]

UTM_FIELDS = ("source", "medium", "campaign", "term", "content")
"""The fields of :class:`leadcore.model.Utm`, in order; flattened as ``<attr>_<field>``."""

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)
"""Every table of leadcore's SQL schema (see :func:`leadcore.adapters.sql.upgrade_schema`)."""


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime stored in UTC: ``timestamptz`` on PostgreSQL, naive UTC on SQLite.

    >>> from datetime import timedelta, timezone
    >>> from sqlalchemy.dialects import sqlite
    >>> at = datetime(2026, 1, 5, 10, tzinfo=timezone(timedelta(hours=1)))
    >>> UtcDateTime().process_bind_param(at, sqlite.dialect())
    datetime.datetime(2026, 1, 5, 9, 0)
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """UTC on the way in; naive on SQLite (which has no time zones)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: leadcore stores aware times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Aware, in UTC, on the way out."""
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {value!r}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utm_columns(attr: str) -> list[Column[Any]]:
    """The columns of one optional :class:`leadcore.model.Utm` attribute.

    >>> [c.name for c in utm_columns("source_utm")][:3]
    ['source_utm', 'source_utm_source', 'source_utm_medium']
    """
    return [Column(attr, Boolean, nullable=False, default=False)] + [
        Column(f"{attr}_{name}", Text, nullable=True) for name in UTM_FIELDS
    ]


companies = Table(
    "companies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    Column("category_id", Integer, nullable=True),
    Column("registered", UtcDateTime, nullable=False),
    Column("updated", UtcDateTime, nullable=False),
    Column("owner_id", Integer, nullable=True),
    *utm_columns("source_utm"),
    Column("version", Integer, nullable=False),
    *utm_columns("first_touch_utm"),
    *utm_columns("lead_creation_utm"),
    Index(None, "category_id"),
    Index(None, "owner_id"),
    Index(None, "registered"),
)
"""One row per :class:`leadcore.model.Company`."""

persons = Table(
    "persons",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("company_id", Integer, ForeignKey("companies.id"), nullable=True),
    Column("first_name", Text, nullable=False),
    Column("last_name", Text, nullable=False),
    Column("registered", UtcDateTime, nullable=False),
    Column("updated", UtcDateTime, nullable=False),
    Column("email", Text, nullable=False),
    Column("owner_id", Integer, nullable=True),
    Column("lead_status_id", Integer, nullable=True),
    Column("own_category_id", Integer, nullable=True),
    *utm_columns("first_touch_utm"),
    *utm_columns("lead_creation_utm"),
    Column("retired", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("status_changed", UtcDateTime, nullable=True),
    Index(None, "company_id"),
    Index(None, "lead_status_id"),
    Index(None, "own_category_id"),
    Index(None, "owner_id"),
    Index(None, "registered"),
    Index(None, "status_changed"),
)
"""One row per :class:`leadcore.model.Person`."""

associates = Table(
    "associates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    Column("availability", Text, nullable=False),
    Column("groups", Text, nullable=False),
    Column("retired", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
)
"""One row per :class:`leadcore.model.Associate`; ``groups`` is a sorted JSON list."""

selections = Table(
    "selections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("kind", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("document", Text, nullable=False),
)
"""One row per saved selection; ``document`` is the store-file JSON of the selection
(``kind`` "static", "dynamic" or "combined"; criteria as :mod:`leadcore.criteria.json`)."""

history = Table(
    "history",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("person_id", Integer, nullable=False),
    Column("kind", Text, nullable=False),
    Column("from_status", Integer, nullable=True),
    Column("to_status", Integer, nullable=True),
    Column("at", UtcDateTime, nullable=False),
    Column("by", Integer, nullable=True),
    Column("source", Text, nullable=False),
    Column("reason", Text, nullable=True),
    Index(None, "person_id", "seq"),
)
"""The append-only status history, oldest first by ``seq``; enum columns hold the enum values."""

deleted_persons = Table(
    "deleted_persons",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
)
"""The ids of the deleted persons (``PersonRepository.was_deleted``), one row each."""

settings = Table(
    "settings",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)
"""Installation settings: ``value`` is JSON text."""

lists = Table(
    "lists",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),
    Column("default_status_id", Integer, nullable=True),
)
"""One row (``id`` 1): the version of the two admin lists and the default lead status."""

categories = Table(
    "categories",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    Column("group", Integer, nullable=False),
    Column("rank", Integer, nullable=False),
    Column("tooltip", Text, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("enable_lead_status", Boolean, nullable=False),
    Column("position", Integer, nullable=False),
)
"""The category list; ``group`` is the :class:`leadcore.model.CategoryGroup` code,
``position`` the item's place in the list as stored."""

lead_statuses = Table(
    "lead_statuses",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("key", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("rank", Integer, nullable=False),
    Column("tooltip", Text, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("position", Integer, nullable=False),
)
"""The lead-status list, as :data:`categories`."""

id_counters = Table(
    "id_counters",
    metadata,
    Column("kind", Text, primary_key=True),
    Column("last", Integer, nullable=False),
)
"""The highest id handed out per kind ("company", "person", ...): ids are never reused."""
