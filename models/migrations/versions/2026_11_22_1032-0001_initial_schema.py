"""Initial schema: organisations, API keys, vacancies, candidates and CV documents.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 10:32:54.330067+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # pgvector holds the embeddings of later revisions; enabling it first makes a database
    # without the extension fail here, at install time, rather than at the first embedding.
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "organisations",
        sa.Column("name", sa.String(length=200), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_organisations_name")),
    )
    op.create_table(
        "api_keys",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=32), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
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
            name=op.f("fk_api_keys_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_keys_prefix")),
    )
    op.create_index(
        op.f("ix_api_keys_organisation_id"), "api_keys", ["organisation_id"], unique=False
    )
    op.create_table(
        "candidates",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("headline", sa.String(length=500), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.Column("skills", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("languages", sa.ARRAY(sa.String(length=2)), nullable=False),
        sa.Column("experience", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("education", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("consent_given_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_purpose", sa.Text(), nullable=True),
        sa.Column("consent_retention_until", sa.DateTime(timezone=True), nullable=True),
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
        sa.Column("location_city", sa.String(length=200), nullable=True),
        sa.Column("location_country", sa.String(length=2), nullable=True),
        sa.Column("location_lat", sa.Float(), nullable=True),
        sa.Column("location_lon", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_candidates_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidates")),
        sa.UniqueConstraint(
            "organisation_id", "email", name=op.f("uq_candidates_organisation_id_email")
        ),
        sa.UniqueConstraint(
            "organisation_id", "external_id", name=op.f("uq_candidates_organisation_id_external_id")
        ),
    )
    op.create_index(
        op.f("ix_candidates_organisation_id_updated_at"),
        "candidates",
        ["organisation_id", "updated_at"],
        unique=False,
    )
    op.create_table(
        "vacancies",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.Column("required_skills", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("nice_to_have_skills", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("required_languages", sa.ARRAY(sa.String(length=2)), nullable=False),
        sa.Column("remote", sa.Boolean(), nullable=False),
        sa.Column("employment_type", sa.String(length=20), nullable=True),
        sa.Column("hours_per_week", sa.Float(), nullable=True),
        sa.Column("salary_min", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("salary_max", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("salary_currency", sa.String(length=3), nullable=True),
        sa.Column("salary_period", sa.String(length=10), nullable=True),
        sa.Column("apply_url", sa.Text(), nullable=True),
        sa.Column("valid_through", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
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
        sa.Column("location_city", sa.String(length=200), nullable=True),
        sa.Column("location_country", sa.String(length=2), nullable=True),
        sa.Column("location_lat", sa.Float(), nullable=True),
        sa.Column("location_lon", sa.Float(), nullable=True),
        sa.CheckConstraint(
            "employment_type IS NULL OR employment_type IN ('full_time', 'part_time', 'contract', 'internship', 'volunteer')",
            name=op.f("ck_vacancies_employment_type"),
        ),
        sa.CheckConstraint(
            "salary_period IS NULL OR salary_period IN ('hour', 'day', 'week', 'month', 'year')",
            name=op.f("ck_vacancies_salary_period"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'open', 'closed')", name=op.f("ck_vacancies_status")
        ),
        sa.CheckConstraint(
            "salary_min IS NULL OR salary_max IS NULL OR salary_min <= salary_max",
            name=op.f("ck_vacancies_salary_range"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_vacancies_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vacancies")),
        sa.UniqueConstraint(
            "organisation_id", "external_id", name=op.f("uq_vacancies_organisation_id_external_id")
        ),
    )
    op.create_index(
        op.f("ix_vacancies_organisation_id_updated_at"),
        "vacancies",
        ["organisation_id", "updated_at"],
        unique=False,
    )
    op.create_table(
        "candidate_documents",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
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
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_candidate_documents_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_candidate_documents_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_documents")),
    )
    op.create_index(
        op.f("ix_candidate_documents_candidate_id"),
        "candidate_documents",
        ["candidate_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_candidate_documents_candidate_id"), table_name="candidate_documents")
    op.drop_table("candidate_documents")
    op.drop_index(op.f("ix_vacancies_organisation_id_updated_at"), table_name="vacancies")
    op.drop_table("vacancies")
    op.drop_index(op.f("ix_candidates_organisation_id_updated_at"), table_name="candidates")
    op.drop_table("candidates")
    op.drop_index(op.f("ix_api_keys_organisation_id"), table_name="api_keys")
    op.drop_table("api_keys")
    op.drop_table("organisations")
