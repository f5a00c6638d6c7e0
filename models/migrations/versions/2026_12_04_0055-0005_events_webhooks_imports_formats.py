"""Change feed and webhooks, bulk imports, and the fields JobPosting and JSON Resume carry.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 00:55:03.479376+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("uid", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=60), nullable=False),
        sa.Column("resource_type", sa.String(length=30), nullable=False),
        sa.Column("resource_id", sa.Uuid(), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "txid",
            sa.BigInteger(),
            server_default=sa.text("(pg_current_xact_id()::text)::bigint"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_events_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("uid", name=op.f("uq_events_uid")),
    )
    op.create_index(op.f("ix_events_occurred_at"), "events", ["occurred_at"], unique=False)
    op.create_index(
        op.f("ix_events_organisation_id_txid_id"),
        "events",
        ["organisation_id", "txid", "id"],
        unique=False,
    )
    op.create_table(
        "imports",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("file_format", sa.String(length=10), nullable=False),
        sa.Column("record_format", sa.String(length=20), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("succeeded_rows", sa.Integer(), nullable=False),
        sa.Column("failed_rows", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ignored_properties", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('candidates', 'vacancies', 'employees')", name=op.f("ck_imports_kind")
        ),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'completed', 'cancelled')",
            name=op.f("ck_imports_status"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_imports_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    op.create_index(
        op.f("ix_imports_organisation_id_id"), "imports", ["organisation_id", "id"], unique=False
    )
    op.create_table(
        "webhook_endpoints",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("event_types", sa.ARRAY(sa.String(length=60)), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("previous_secret", sa.String(length=100), nullable=True),
        sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_webhook_endpoints_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )
    op.create_index(
        op.f("ix_webhook_endpoints_organisation_id"),
        "webhook_endpoints",
        ["organisation_id"],
        unique=False,
    )
    op.create_table(
        "import_rows",
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=True),
        sa.Column("errors", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'done', 'failed')", name=op.f("ck_import_rows_status")
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["imports.id"],
            name=op.f("fk_import_rows_import_id_imports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("import_id", "line", name=op.f("pk_import_rows")),
    )
    op.create_index(
        "ix_import_rows_failed",
        "import_rows",
        ["import_id", "line"],
        unique=False,
        postgresql_where="status = 'failed'",
    )
    op.create_index(
        "ix_import_rows_pending",
        "import_rows",
        ["import_id", "line"],
        unique=False,
        postgresql_where="status = 'pending'",
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("uid", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("endpoint_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("resource_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'succeeded', 'failed')", name=op.f("ck_webhook_deliveries_state")
        ),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoints.id"],
            name=op.f("fk_webhook_deliveries_endpoint_id_webhook_endpoints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_webhook_deliveries_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_webhook_deliveries_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint("uid", name=op.f("uq_webhook_deliveries_uid")),
    )
    op.create_index(
        op.f("ix_webhook_deliveries_endpoint_id_id"),
        "webhook_deliveries",
        ["endpoint_id", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_webhook_deliveries_event_id"), "webhook_deliveries", ["event_id"], unique=False
    )
    op.create_index(
        "ix_webhook_deliveries_pending_due",
        "webhook_deliveries",
        ["next_attempt_at"],
        unique=False,
        postgresql_where="state = 'pending'",
    )
    op.create_index(
        "ix_webhook_deliveries_pending_resource",
        "webhook_deliveries",
        ["endpoint_id", "resource_id", "id"],
        unique=False,
        postgresql_where="state = 'pending'",
    )
    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("delivery_id", sa.BigInteger(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["webhook_deliveries.id"],
            name=op.f("fk_webhook_attempts_delivery_id_webhook_deliveries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempts")),
    )
    op.create_index(
        op.f("ix_webhook_attempts_delivery_id_id"),
        "webhook_attempts",
        ["delivery_id", "id"],
        unique=False,
    )
    op.add_column("candidates", sa.Column("website", sa.Text(), nullable=True))
    # Existing rows get the empty value; new rows get theirs from the application.
    op.add_column(
        "candidates",
        sa.Column(
            "profiles",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
    )
    op.alter_column("candidates", "profiles", server_default=None)
    op.add_column("candidates", sa.Column("location_street", sa.String(length=300), nullable=True))
    op.add_column(
        "candidates", sa.Column("location_postal_code", sa.String(length=20), nullable=True)
    )
    op.add_column("candidates", sa.Column("location_region", sa.String(length=200), nullable=True))
    op.add_column(
        "vacancies",
        sa.Column(
            "remote_countries",
            sa.ARRAY(sa.String(length=2)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
    )
    op.alter_column("vacancies", "remote_countries", server_default=None)
    op.add_column("vacancies", sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("vacancies", sa.Column("location_street", sa.String(length=300), nullable=True))
    op.add_column(
        "vacancies", sa.Column("location_postal_code", sa.String(length=20), nullable=True)
    )
    op.add_column("vacancies", sa.Column("location_region", sa.String(length=200), nullable=True))
    op.drop_constraint(op.f("ck_vacancies_employment_type"), "vacancies", type_="check")
    op.create_check_constraint(
        op.f("ck_vacancies_employment_type"),
        "vacancies",
        "employment_type IS NULL OR employment_type IN ('full_time', 'part_time', 'contract', "
        "'temporary', 'internship', 'volunteer', 'per_diem', 'other')",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_vacancies_employment_type"), "vacancies", type_="check")
    op.create_check_constraint(
        op.f("ck_vacancies_employment_type"),
        "vacancies",
        "employment_type IS NULL OR employment_type IN ('full_time', 'part_time', 'contract', "
        "'internship', 'volunteer')",
    )
    op.drop_column("vacancies", "location_region")
    op.drop_column("vacancies", "location_postal_code")
    op.drop_column("vacancies", "location_street")
    op.drop_column("vacancies", "posted_at")
    op.drop_column("vacancies", "remote_countries")
    op.drop_column("candidates", "location_region")
    op.drop_column("candidates", "location_postal_code")
    op.drop_column("candidates", "location_street")
    op.drop_column("candidates", "profiles")
    op.drop_column("candidates", "website")
    op.drop_index(op.f("ix_webhook_attempts_delivery_id_id"), table_name="webhook_attempts")
    op.drop_table("webhook_attempts")
    op.drop_index(
        "ix_webhook_deliveries_pending_resource",
        table_name="webhook_deliveries",
        postgresql_where="state = 'pending'",
    )
    op.drop_index(
        "ix_webhook_deliveries_pending_due",
        table_name="webhook_deliveries",
        postgresql_where="state = 'pending'",
    )
    op.drop_index(op.f("ix_webhook_deliveries_event_id"), table_name="webhook_deliveries")
    op.drop_index(op.f("ix_webhook_deliveries_endpoint_id_id"), table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_index(
        "ix_import_rows_pending", table_name="import_rows", postgresql_where="status = 'pending'"
    )
    op.drop_index(
        "ix_import_rows_failed", table_name="import_rows", postgresql_where="status = 'failed'"
    )
    op.drop_table("import_rows")
    op.drop_index(op.f("ix_webhook_endpoints_organisation_id"), table_name="webhook_endpoints")
    op.drop_table("webhook_endpoints")
    op.drop_index(op.f("ix_imports_organisation_id_id"), table_name="imports")
    op.drop_table("imports")
    op.drop_index(op.f("ix_events_organisation_id_txid_id"), table_name="events")
    op.drop_index(op.f("ix_events_occurred_at"), table_name="events")
    op.drop_table("events")
