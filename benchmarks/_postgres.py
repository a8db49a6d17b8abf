"""The PostgreSQL server the SQL benchmarks use, where it is reachable, and their cleanup."""

from __future__ import annotations

import atexit
import os
import uuid
from collections.abc import Callable

from sqlalchemy import create_engine, text

PG_URL = os.environ.get(
    "LEADCORE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
"""The benchmarks' PostgreSQL database (trust auth); each run works in schemas of its own."""

CLEANUP: list[Callable[[], None]] = []
"""What to close, remove or drop when the process ends, newest first."""


@atexit.register
def _cleanup() -> None:
    while CLEANUP:
        CLEANUP.pop()()


def postgres_unreachable() -> str | None:
    """Why the PostgreSQL figures cannot be measured (``None`` when they can)."""
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as db:
            db.execute(text("select 1"))
        engine.dispose()
    except Exception as error:  # any failure to connect: skip the PostgreSQL figures
        return f"PostgreSQL at {PG_URL} is not reachable ({type(error).__name__})"
    return None


def new_schema() -> str:
    """A new empty schema, dropped at exit; its name."""
    schema = f"leadcore_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    with admin.begin() as db:
        db.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as db:
            db.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    CLEANUP.append(drop)
    return schema
