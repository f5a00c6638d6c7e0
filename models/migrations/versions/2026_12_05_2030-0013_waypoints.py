"""Section rows without an organisation: the graphs' waypoints
(matching/embeddings/waypoints.py), occupation names that guide a job-title search through
the candidate graphs and that no search returns.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 20:30:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column("section_embeddings", "organisation_id", nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM section_embeddings WHERE organisation_id IS NULL")
    op.alter_column("section_embeddings", "organisation_id", nullable=False)
