"""Trust: the audit trail (an append-only hash chain per organisation), erased candidates'
tombstones, the visitor behind an apply-form application, and API keys' last use.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 11:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Entries are never changed, except that an erased person's details may be redacted from a
# payload (the chain covers the payload's digest, so it still verifies). They are deleted
# only together with their organisation (the cascade runs after the organisation is gone).
_APPEND_ONLY = """
CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM organisations WHERE id = OLD.organisation_id) THEN
            RAISE EXCEPTION 'audit entries are append-only' USING ERRCODE = '55000';
        END IF;
        RETURN OLD;
    END IF;
    IF NEW.redacted_at IS NULL
        OR (NEW.id, NEW.organisation_id, NEW.seq, NEW.at, NEW.kind, NEW.actor_key_id,
            NEW.actor, NEW.vacancy_id, NEW.candidate_ids, NEW.payload_digest, NEW.prev_hash,
            NEW.hash, NEW.version)
        IS DISTINCT FROM
           (OLD.id, OLD.organisation_id, OLD.seq, OLD.at, OLD.kind, OLD.actor_key_id,
            OLD.actor, OLD.vacancy_id, OLD.candidate_ids, OLD.payload_digest, OLD.prev_hash,
            OLD.hash, OLD.version)
    THEN
        RAISE EXCEPTION 'audit entries are append-only (only a redaction may change one)'
            USING ERRCODE = '55000';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
"""


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor_key_id", sa.Uuid(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("vacancy_id", sa.Uuid(), nullable=True),
        sa.Column("candidate_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("payload_digest", sa.String(length=64), nullable=False),
        sa.Column("redacted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_audit_entries_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
        sa.UniqueConstraint(
            "organisation_id", "seq", name=op.f("uq_audit_entries_organisation_id_seq")
        ),
    )
    op.create_index(
        op.f("ix_audit_entries_organisation_id_vacancy_id_seq"),
        "audit_entries",
        ["organisation_id", "vacancy_id", "seq"],
        unique=False,
    )
    op.create_index(
        op.f("ix_audit_entries_candidate_ids"),
        "audit_entries",
        ["candidate_ids"],
        unique=False,
        postgresql_using="gin",
    )
    op.execute(_APPEND_ONLY)
    op.add_column("candidates", sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        op.f("ix_candidates_consent_retention_until"),
        "candidates",
        ["consent_retention_until"],
        unique=False,
        postgresql_where="erased_at IS NULL AND consent_retention_until IS NOT NULL",
    )
    op.add_column("applications", sa.Column("visitor", sa.String(length=32), nullable=True))
    op.add_column("api_keys", sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("api_keys", "last_used_at")
    op.drop_column("applications", "visitor")
    op.drop_index(op.f("ix_candidates_consent_retention_until"), table_name="candidates")
    op.drop_column("candidates", "erased_at")
    op.execute("DROP TRIGGER audit_entries_append_only ON audit_entries")
    op.execute("DROP FUNCTION audit_entries_append_only()")
    op.drop_index(op.f("ix_audit_entries_candidate_ids"), table_name="audit_entries")
    op.drop_index(
        op.f("ix_audit_entries_organisation_id_vacancy_id_seq"), table_name="audit_entries"
    )
    op.drop_table("audit_entries")
