"""Text sections by owner: a match filter's exact scan (matching/embeddings/store.py,
``nearest_owners_within``) reads the text sections of the filter's owners. Through the
(owner_id, model) index it also read each owner's single-skill sections, one and a half
for every text section, only to drop them: for the 1,465 profiles of a city among
100,000, 13.5 ms instead of 17 ms a request with this partial index (docs/benchmarks.md,
2026-12-05).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 04:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_section_embeddings_owner_id_model_text",
        "section_embeddings",
        ["owner_id", "model"],
        postgresql_where=sa.text("section <> 'skill'"),
    )


def downgrade() -> None:
    op.drop_index("ix_section_embeddings_owner_id_model_text", table_name="section_embeddings")
