"""Match pools keep their candidates' scores too, each with the candidate's stamp and a digest
of what else the score depends on, so that a match request from a pool builds the scoring
sides of the page it shows only (matching/retrieval/ranking.py).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 05:00:00+00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS: tuple[tuple[str, sa.types.TypeEngine[Any]], ...] = (
    ("scored_ids", postgresql.ARRAY(postgresql.UUID(as_uuid=True))),
    ("scores", postgresql.ARRAY(postgresql.DOUBLE_PRECISION())),
    ("scored_stamps", postgresql.ARRAY(sa.BigInteger())),
    ("scored_with", sa.LargeBinary()),
)


def upgrade() -> None:
    for name, type_ in _COLUMNS:
        op.add_column("match_pools", sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    for name, _ in reversed(_COLUMNS):
        op.drop_column("match_pools", name)
