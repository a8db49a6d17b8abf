"""Alembic environment of leadcore's schema: runs on the connection it is given.

:func:`leadcore.adapters.sql.upgrade_schema` passes its connection in
``config.attributes["connection"]``; an application that includes leadcore's
migrations in its own Alembic setup can do the same.
"""

from __future__ import annotations

from alembic import context

from leadcore.adapters.sql._engine import VERSION_TABLE
from leadcore.adapters.sql._schema import metadata


def run() -> None:
    """Run the migrations on the connection in ``config.attributes["connection"]``."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("leadcore's migrations run on a connection: use upgrade_schema()")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()


if getattr(context, "config", None) is not None:  # imported by Alembic, not by a test run
    run()
