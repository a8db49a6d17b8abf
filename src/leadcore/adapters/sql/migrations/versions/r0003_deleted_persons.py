"""The table deleted_persons: the ids of the deleted persons.

A deleted person's history stays readable; the ids tell a deleted person that
never had a status (no history entries) from an id that never named a person.
Persons deleted before this revision are not known (they read as before).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deleted_persons",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deleted_persons")),
    )


def downgrade() -> None:
    op.drop_table("deleted_persons")
