"""The initial schema: every table of leadcore.adapters.sql._schema at its first release.

Times are DateTime(timezone=True) here; the schema's UtcDateTime stores through that type.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 18:08:41.565656
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "associates",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("availability", sa.Text(), nullable=False),
        sa.Column("groups", sa.Text(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_associates")),
    )
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("group", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("tooltip", sa.Text(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("enable_lead_status", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
    )
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("registered", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("source_utm", sa.Boolean(), nullable=False),
        sa.Column("source_utm_source", sa.Text(), nullable=True),
        sa.Column("source_utm_medium", sa.Text(), nullable=True),
        sa.Column("source_utm_campaign", sa.Text(), nullable=True),
        sa.Column("source_utm_term", sa.Text(), nullable=True),
        sa.Column("source_utm_content", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("first_touch_utm", sa.Boolean(), nullable=False),
        sa.Column("first_touch_utm_source", sa.Text(), nullable=True),
        sa.Column("first_touch_utm_medium", sa.Text(), nullable=True),
        sa.Column("first_touch_utm_campaign", sa.Text(), nullable=True),
        sa.Column("first_touch_utm_term", sa.Text(), nullable=True),
        sa.Column("first_touch_utm_content", sa.Text(), nullable=True),
        sa.Column("lead_creation_utm", sa.Boolean(), nullable=False),
        sa.Column("lead_creation_utm_source", sa.Text(), nullable=True),
        sa.Column("lead_creation_utm_medium", sa.Text(), nullable=True),
        sa.Column("lead_creation_utm_campaign", sa.Text(), nullable=True),
        sa.Column("lead_creation_utm_term", sa.Text(), nullable=True),
        sa.Column("lead_creation_utm_content", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
    )
    op.create_index(op.f("ix_companies_category_id"), "companies", ["category_id"], unique=False)
    op.create_index(op.f("ix_companies_owner_id"), "companies", ["owner_id"], unique=False)
    op.create_index(op.f("ix_companies_registered"), "companies", ["registered"], unique=False)
    op.create_table(
        "history",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("from_status", sa.Integer(), nullable=True),
        sa.Column("to_status", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_history")),
    )
    op.create_index(op.f("ix_history_person_id_seq"), "history", ["person_id", "seq"], unique=False)
    op.create_table(
        "id_counters",
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_id_counters")),
    )
    op.create_table(
        "lead_statuses",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("tooltip", sa.Text(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_statuses")),
    )
    op.create_table(
        "lists",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("default_status_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lists")),
    )
    op.create_table(
        "selections",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_selections")),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    op.create_table(
        "persons",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("first_name", sa.Text(), nullable=False),
        sa.Column("last_name", sa.Text(), nullable=False),
        sa.Column("registered", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("lead_status_id", sa.Integer(), nullable=True),
        sa.Column("own_category_id", sa.Integer(), nullable=True),
        sa.Column("first_touch_utm", sa.Boolean(), nullable=False),
        sa.Column("first_touch_utm_source", sa.Text(), nullable=True),
        sa.Column("first_touch_utm_medium", sa.Text(), nullable=True),
        sa.Column("first_touch_utm_campaign", sa.Text(), nullable=True),
        sa.Column("first_touch_utm_term", sa.Text(), nullable=True),
        sa.Column("first_touch_utm_content", sa.Text(), nullable=True),
        sa.Column("lead_creation_utm", sa.Boolean(), nullable=False),
        sa.Column("lead_creation_utm_source", sa.Text(), nullable=True),
        sa.Column("lead_creation_utm_medium", sa.Text(), nullable=True),
        sa.Column("lead_creation_utm_campaign", sa.Text(), nullable=True),
        sa.Column("lead_creation_utm_term", sa.Text(), nullable=True),
        sa.Column("lead_creation_utm_content", sa.Text(), nullable=True),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status_changed", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_persons_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
    )
    op.create_index(op.f("ix_persons_company_id"), "persons", ["company_id"], unique=False)
    op.create_index(op.f("ix_persons_lead_status_id"), "persons", ["lead_status_id"], unique=False)
    op.create_index(
        op.f("ix_persons_own_category_id"), "persons", ["own_category_id"], unique=False
    )
    op.create_index(op.f("ix_persons_owner_id"), "persons", ["owner_id"], unique=False)
    op.create_index(op.f("ix_persons_registered"), "persons", ["registered"], unique=False)
    op.create_index(op.f("ix_persons_status_changed"), "persons", ["status_changed"], unique=False)


def downgrade() -> None:

    op.drop_index(op.f("ix_persons_status_changed"), table_name="persons")
    op.drop_index(op.f("ix_persons_registered"), table_name="persons")
    op.drop_index(op.f("ix_persons_owner_id"), table_name="persons")
    op.drop_index(op.f("ix_persons_own_category_id"), table_name="persons")
    op.drop_index(op.f("ix_persons_lead_status_id"), table_name="persons")
    op.drop_index(op.f("ix_persons_company_id"), table_name="persons")
    op.drop_table("persons")
    op.drop_table("settings")
    op.drop_table("selections")
    op.drop_table("lists")
    op.drop_table("lead_statuses")
    op.drop_table("id_counters")
    op.drop_index(op.f("ix_history_person_id_seq"), table_name="history")
    op.drop_table("history")
    op.drop_index(op.f("ix_companies_registered"), table_name="companies")
    op.drop_index(op.f("ix_companies_owner_id"), table_name="companies")
    op.drop_index(op.f("ix_companies_category_id"), table_name="companies")
    op.drop_table("companies")
    op.drop_table("categories")
    op.drop_table("associates")
