"""Databases for the SQL query tests: SQLite always, PostgreSQL where reachable.

Rows go in through a small writer over the schema tables (the tests check the
statements of ``leadcore.adapters.sql._query``, not the repositories). Each
PostgreSQL database lives in a schema of its own (``search_path``), dropped at
the end, so parallel runs do not meet.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, delete, insert, text
from sqlalchemy.pool import StaticPool

from leadcore.adapters.sql._casefold import install_casefold
from leadcore.adapters.sql._schema import (
    UTM_FIELDS,
    categories,
    companies,
    lead_statuses,
    metadata,
    persons,
)
from leadcore.lists import CategoryList, LeadStatusList
from leadcore.model import Company, Person, Utm

PG_URL = os.environ.get("LEADCORE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _utm(prefix: str, value: Utm | None) -> dict[str, Any]:
    row: dict[str, Any] = {prefix: value is not None}
    for name in UTM_FIELDS:
        row[f"{prefix}_{name}"] = None if value is None else getattr(value, name)
    return row


def company_row(company: Company) -> dict[str, Any]:
    """The companies row of ``company``."""
    return {
        "id": company.id,
        "name": company.name,
        "category_id": company.category_id,
        "registered": company.registered,
        "updated": company.updated,
        "owner_id": company.owner_id,
        "version": company.version,
        **_utm("source_utm", company.source_utm),
        **_utm("first_touch_utm", company.first_touch_utm),
        **_utm("lead_creation_utm", company.lead_creation_utm),
    }


def person_row(person: Person) -> dict[str, Any]:
    """The persons row of ``person``."""
    return {
        "id": person.id,
        "company_id": person.company_id,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "registered": person.registered,
        "updated": person.updated,
        "email": person.email,
        "owner_id": person.owner_id,
        "lead_status_id": person.lead_status_id,
        "own_category_id": person.own_category_id,
        "retired": person.retired,
        "version": person.version,
        "status_changed": person.status_changed,
        **_utm("first_touch_utm", person.first_touch_utm),
        **_utm("lead_creation_utm", person.lead_creation_utm),
    }


class Database:
    """One database with leadcore's tables, refilled per example."""

    def __init__(self, engine: Engine, schema: str | None = None) -> None:
        self.engine = engine
        self.schema = schema
        self.dialect = engine.dialect.name

    def fill(
        self,
        category_list: CategoryList,
        status_list: LeadStatusList,
        company_rows: Iterable[Company],
        person_rows: Iterable[Person],
    ) -> None:
        """Replace every row by these lists, companies and persons."""
        with self.engine.begin() as db:
            for table in (persons, companies, categories, lead_statuses):
                db.execute(delete(table))
            cats = [
                {
                    "id": c.id,
                    "name": c.name,
                    "group": int(c.group),
                    "rank": c.rank,
                    "tooltip": c.tooltip,
                    "deleted": c.deleted,
                    "enable_lead_status": c.enable_lead_status,
                    "position": n,
                }
                for n, c in enumerate(category_list.items)
            ]
            statuses = [
                {
                    "id": s.id,
                    "key": s.key,
                    "name": s.name,
                    "rank": s.rank,
                    "tooltip": s.tooltip,
                    "deleted": s.deleted,
                    "position": n,
                }
                for n, s in enumerate(status_list.items)
            ]
            for table, rows in (
                (categories, cats),
                (lead_statuses, statuses),
                (companies, [company_row(c) for c in company_rows]),
                (persons, [person_row(p) for p in person_rows]),
            ):
                if rows:
                    db.execute(insert(table), rows)

    def rows(self, statement: Any) -> Sequence[Any]:
        """Every row of ``statement``."""
        with self.engine.connect() as db:
            return db.execute(statement).all()


def sqlite_database() -> Database:
    """A fresh in-memory SQLite database."""
    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    install_casefold(engine)
    metadata.create_all(engine)
    return Database(engine)


def postgres_reachable() -> str | None:
    """Why PostgreSQL cannot be used (``None`` when it can)."""
    try:
        engine = create_engine(PG_URL)
        with engine.connect() as db:
            db.execute(text("select 1"))
        engine.dispose()
    except Exception as error:
        return f"PostgreSQL at {PG_URL} is not reachable: {type(error).__name__}"
    return None


def postgres_database() -> Iterator[Database]:
    """A fresh PostgreSQL schema with leadcore's tables; skipped (failed with CI=true)
    when PostgreSQL is not reachable."""
    why = postgres_reachable()
    if why is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    schema = f"leadcore_q_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as db:
        db.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        install_casefold(engine)
        metadata.create_all(engine)
        yield Database(engine, schema)
    finally:
        engine.dispose()
        with admin.begin() as db:
            db.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
