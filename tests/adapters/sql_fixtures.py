"""Shared by the SQL adapter's tests: the PostgreSQL test server, fresh schemas on it, and
fewer examples for the conformance kit's property tests."""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
from collections.abc import Iterator
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from sqlalchemy import Engine, create_engine, text

from leadcore.adapters.sql import make_engine

POSTGRES_URL = os.environ.get(
    "LEADCORE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
"""The PostgreSQL database the tests use (trust auth)."""

_reachable: str | bool | None = False


def postgres_unreachable() -> str | None:
    """Why PostgreSQL cannot be used (``None`` when it can); checked once per run."""
    global _reachable
    if _reachable is False:
        try:
            import psycopg  # noqa: F401

            engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as connection:
                connection.execute(text("select 1"))
            engine.dispose()
            _reachable = None
        except Exception as error:  # any failure to connect means: not reachable
            _reachable = f"PostgreSQL at {POSTGRES_URL} is not reachable: {error}"
    return _reachable if isinstance(_reachable, str) else None


def require_postgres() -> None:
    """Skip the calling test when PostgreSQL is unreachable; fail instead in CI."""
    reason = postgres_unreachable()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " (CI=true: PostgreSQL tests must run)")
    pytest.skip(reason)


class Schemas:
    """Fresh schemas on the test server, each behind its own engine; dropped together."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.engines: list[Engine] = []

    def new_url(self) -> tuple[str, str]:
        """A new empty schema: its name and a URL whose connections use it."""
        name = "t_" + secrets.token_hex(6)
        admin = create_engine(POSTGRES_URL)
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{name}"'))
            connection.commit()
        admin.dispose()
        self.names.append(name)
        return name, f"{POSTGRES_URL}?options=-csearch_path%3D{name}"

    def new_engine(self) -> Engine:
        """An engine on a new empty schema."""
        _, url = self.new_url()
        engine = make_engine(url)
        self.engines.append(engine)
        return engine

    def drop_all(self) -> None:
        """Drop every schema made (and dispose of the engines)."""
        for engine in self.engines:
            engine.dispose()
        if not self.names:
            return
        admin = create_engine(POSTGRES_URL)
        with admin.connect() as connection:
            for name in self.names:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
            connection.commit()
        admin.dispose()


@contextlib.contextmanager
def postgres_schemas() -> Iterator[Schemas]:
    """Fresh schemas on the PostgreSQL test server, dropped at the end (skips the test where
    the server is unreachable; fails it instead with CI=true)."""
    require_postgres()
    schemas = Schemas()
    try:
        yield schemas
    finally:
        schemas.drop_all()


SQL_EXAMPLES = 12 if os.environ.get("CI") == "true" else 6
"""Examples per property test of the conformance kit on a SQL database: each example
makes and fills a new database, so the kit's full counts would take most of CI's
budget (the in-memory run and the differential tests explore the data at length)."""

C = TypeVar("C", bound=type)


def _plain(inner: Any) -> Any:
    """``inner`` without the settings a test may have put on it under ``@given``."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return inner(*args, **kwargs)

    return functools.update_wrapper(call, inner, updated=())


def fewer_examples(cls: C, examples: int = SQL_EXAMPLES) -> C:
    """Rebuild every inherited hypothesis test of ``cls`` with at most ``examples`` examples."""
    for name in dir(cls):
        test: Any = getattr(cls, name)
        found = getattr(test, "hypothesis", None)
        if not name.startswith("test_") or found is None:
            continue
        base = test._hypothesis_internal_use_settings
        rebuilt = given(**found._given_kwargs)(_plain(found.inner_test))
        limit = min(examples, base.max_examples)
        setattr(cls, name, settings(base, max_examples=limit)(rebuilt))
    return cls
