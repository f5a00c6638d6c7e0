"""Owner statistics: ANALYZE samples 30,000 rows, and from such a sample PostgreSQL took the
12 million section rows of a million profiles to belong to 41,077 owners, 294 rows each
instead of 12. A filter's exact scan of 14,406 owners' sections was then planned as a
parallel scan of the whole 23 GB table (7-17 s) instead of an index lookup. The ratio of
owners to rows is fixed by how a profile is indexed (about 12 sections and 11 mentions
each), so it is stated instead of estimated (docs/benchmarks.md, 2026-12-05).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 02:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# n_distinct < 0 is a fraction of the rows: owners / rows, which stays right as tables grow.
OWNERS_PER_ROW = {"section_embeddings": -0.08, "concept_mentions": -0.09}


def upgrade() -> None:
    for table, fraction in OWNERS_PER_ROW.items():
        op.execute(f"ALTER TABLE {table} ALTER COLUMN owner_id SET (n_distinct = {fraction})")
        op.execute(f"ANALYZE {table} (owner_id)")


def downgrade() -> None:
    for table in OWNERS_PER_ROW:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN owner_id RESET (n_distinct)")
        op.execute(f"ANALYZE {table} (owner_id)")
