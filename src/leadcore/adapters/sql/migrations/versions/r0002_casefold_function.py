"""The SQL function leadcore_casefold(text) on PostgreSQL: Python's str.casefold in SQL.

Text criteria and text order compare case-folded text exactly as in memory; neither
database folds as Python does (see leadcore.adapters.sql._casefold). SQLite gets
the function on each connection instead, so there is nothing to do there.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

from leadcore.adapters.sql._casefold import CASEFOLD_FUNCTION, postgres_casefold_ddl

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.get_bind().exec_driver_sql(postgres_casefold_ddl())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.get_bind().exec_driver_sql(f"DROP FUNCTION IF EXISTS {CASEFOLD_FUNCTION}(text)")
