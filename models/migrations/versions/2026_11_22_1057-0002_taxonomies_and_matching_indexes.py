"""Taxonomies, section embeddings, concept mentions and lexical search documents.

The HNSW index over section embeddings depends on the configured model's dimension, so it is
created at start-up by matching.embeddings.store.ensure_vector_index rather than here.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 10:57:03.547414
"""

from collections.abc import Sequence

import pgvector.sqlalchemy
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "taxonomies",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("attribution", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxonomies")),
        sa.UniqueConstraint("name", name=op.f("uq_taxonomies_name")),
    )
    op.create_table(
        "concept_mentions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("owner_kind", sa.String(length=10), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("uri", sa.String(length=500), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("field", sa.String(length=50), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('occupation', 'skill')", name=op.f("ck_concept_mentions_kind")
        ),
        sa.CheckConstraint(
            "owner_kind IN ('candidate', 'vacancy')", name=op.f("ck_concept_mentions_owner_kind")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_concept_mentions_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concept_mentions")),
    )
    op.create_index(
        op.f("ix_concept_mentions_organisation_id_uri"),
        "concept_mentions",
        ["organisation_id", "uri"],
        unique=False,
    )
    op.create_index(
        op.f("ix_concept_mentions_owner_id"), "concept_mentions", ["owner_id"], unique=False
    )
    op.create_table(
        "section_embeddings",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("owner_kind", sa.String(length=10), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("section", sa.String(length=30), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("embedding", pgvector.sqlalchemy.vector.VECTOR(), nullable=False),
        sa.CheckConstraint(
            "owner_kind IN ('candidate', 'vacancy')", name=op.f("ck_section_embeddings_owner_kind")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_section_embeddings_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_section_embeddings")),
    )
    op.create_index(
        op.f("ix_section_embeddings_organisation_id_owner_kind_model"),
        "section_embeddings",
        ["organisation_id", "owner_kind", "model"],
        unique=False,
    )
    op.create_index(
        op.f("ix_section_embeddings_owner_id_model"),
        "section_embeddings",
        ["owner_id", "model"],
        unique=False,
    )
    op.create_table(
        "taxonomy_concepts",
        sa.Column("taxonomy_id", sa.Uuid(), nullable=False),
        sa.Column("uri", sa.String(length=500), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("isco_group", sa.String(length=10), nullable=True),
        sa.Column("broader", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("description", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('occupation', 'skill')", name=op.f("ck_taxonomy_concepts_kind")
        ),
        sa.ForeignKeyConstraint(
            ["taxonomy_id"],
            ["taxonomies.id"],
            name=op.f("fk_taxonomy_concepts_taxonomy_id_taxonomies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxonomy_concepts")),
        sa.UniqueConstraint(
            "taxonomy_id", "uri", name=op.f("uq_taxonomy_concepts_taxonomy_id_uri")
        ),
    )
    op.create_index(
        op.f("ix_taxonomy_concepts_taxonomy_id_kind"),
        "taxonomy_concepts",
        ["taxonomy_id", "kind"],
        unique=False,
    )
    op.create_table(
        "taxonomy_labels",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("concept_id", sa.Uuid(), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("label_type", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("embedding", pgvector.sqlalchemy.vector.VECTOR(), nullable=True),
        sa.Column("embedding_model", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "label_type IN ('preferred', 'alt', 'hidden')",
            name=op.f("ck_taxonomy_labels_label_type"),
        ),
        sa.ForeignKeyConstraint(
            ["concept_id"],
            ["taxonomy_concepts.id"],
            name=op.f("fk_taxonomy_labels_concept_id_taxonomy_concepts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxonomy_labels")),
        sa.UniqueConstraint(
            "concept_id", "lang", "text", name=op.f("uq_taxonomy_labels_concept_id_lang_text")
        ),
    )
    op.create_index(
        op.f("ix_taxonomy_labels_concept_id"), "taxonomy_labels", ["concept_id"], unique=False
    )
    op.add_column(
        "candidates", sa.Column("remote", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.alter_column("candidates", "remote", server_default=None)
    op.add_column("candidates", sa.Column("search_document", postgresql.TSVECTOR(), nullable=True))
    op.add_column("candidates", sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("candidates", sa.Column("indexed_model", sa.String(length=200), nullable=True))
    op.create_index(
        op.f("ix_candidates_search_document"),
        "candidates",
        ["search_document"],
        unique=False,
        postgresql_using="gin",
    )
    op.add_column("vacancies", sa.Column("search_document", postgresql.TSVECTOR(), nullable=True))
    op.add_column("vacancies", sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("vacancies", sa.Column("indexed_model", sa.String(length=200), nullable=True))
    op.create_index(
        op.f("ix_vacancies_search_document"),
        "vacancies",
        ["search_document"],
        unique=False,
        postgresql_using="gin",
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_vacancies_search_document"), table_name="vacancies", postgresql_using="gin"
    )
    op.drop_column("vacancies", "indexed_model")
    op.drop_column("vacancies", "indexed_at")
    op.drop_column("vacancies", "search_document")
    op.drop_index(
        op.f("ix_candidates_search_document"), table_name="candidates", postgresql_using="gin"
    )
    op.drop_column("candidates", "indexed_model")
    op.drop_column("candidates", "indexed_at")
    op.drop_column("candidates", "search_document")
    op.drop_column("candidates", "remote")
    op.drop_index(op.f("ix_taxonomy_labels_concept_id"), table_name="taxonomy_labels")
    op.drop_table("taxonomy_labels")
    op.drop_index(op.f("ix_taxonomy_concepts_taxonomy_id_kind"), table_name="taxonomy_concepts")
    op.drop_table("taxonomy_concepts")
    op.drop_index(op.f("ix_section_embeddings_owner_id_model"), table_name="section_embeddings")
    op.drop_index(
        op.f("ix_section_embeddings_organisation_id_owner_kind_model"),
        table_name="section_embeddings",
    )
    op.drop_table("section_embeddings")
    op.drop_index(op.f("ix_concept_mentions_owner_id"), table_name="concept_mentions")
    op.drop_index(op.f("ix_concept_mentions_organisation_id_uri"), table_name="concept_mentions")
    op.drop_table("concept_mentions")
    op.drop_table("taxonomies")
