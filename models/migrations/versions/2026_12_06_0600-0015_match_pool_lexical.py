"""Match pools keep the lexical channel's ranking of their candidates too, so that a match
request from a pool runs no full-text ranking unless sections were written since
(matching/retrieval/pools.py).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 06:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "match_pools",
        sa.Column("lexical_ids", postgresql.ARRAY(postgresql.UUID(as_uuid=True)), nullable=True),
    )
    op.add_column(
        "match_pools",
        sa.Column("lexical_scores", postgresql.ARRAY(postgresql.REAL()), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("match_pools", "lexical_scores")
    op.drop_column("match_pools", "lexical_ids")
