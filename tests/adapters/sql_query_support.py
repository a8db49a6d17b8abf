"""Databases for the SQL query tests: SQLite always, PostgreSQL where reachable.

Rows go in through the adapter's row mapping straight into the tables (the tests check the
statements of ``leadcore.adapters.sql._query``, not the repositories). Each
PostgreSQL database lives in a schema of its own (``search_path``), dropped at
the end, so parallel runs do not meet.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sql_fixtures import POSTGRES_URL, require_postgres
from sqlalchemy import Engine, create_engine, delete, insert, text
from sqlalchemy.pool import StaticPool

from leadcore.adapters.sql._casefold import install_casefold
from leadcore.adapters.sql._rows import category_rows, converter, status_rows
from leadcore.adapters.sql._schema import (
    categories,
    companies,
    lead_statuses,
    metadata,
    persons,
)
from leadcore.lists import CategoryList, LeadStatusList
from leadcore.model import Company, Person


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
            for table, rows in (
                (categories, category_rows(category_list)),
                (lead_statuses, status_rows(status_list)),
                (companies, [converter.unstructure(c) for c in company_rows]),
                (persons, [converter.unstructure(p) for p in person_rows]),
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


def postgres_database() -> Iterator[Database]:
    """A fresh PostgreSQL schema with leadcore's tables; skipped (failed with CI=true)
    when PostgreSQL is not reachable."""
    require_postgres()
    schema = f"leadcore_q_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as db:
        db.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        install_casefold(engine)
        metadata.create_all(engine)
        yield Database(engine, schema)
    finally:
        engine.dispose()
        with admin.begin() as db:
            db.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
