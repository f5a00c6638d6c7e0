"""Match pools: a vacancy's nearest candidates by section vectors, found in the background,
from which a match request starts (matching/retrieval/pools.py).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 05:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "match_pools",
        sa.Column("vacancy_id", sa.Uuid(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("through_section", sa.BigInteger(), nullable=False),
        sa.Column("queries", sa.LargeBinary(), nullable=False),
        sa.Column("owner_ids", postgresql.ARRAY(postgresql.UUID(as_uuid=True)), nullable=False),
        sa.Column("similarities", postgresql.ARRAY(postgresql.REAL()), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["vacancy_id"],
            ["vacancies.id"],
            name=op.f("fk_match_pools_vacancy_id_vacancies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("vacancy_id", "model", name=op.f("pk_match_pools")),
    )


def downgrade() -> None:
    op.drop_table("match_pools")
