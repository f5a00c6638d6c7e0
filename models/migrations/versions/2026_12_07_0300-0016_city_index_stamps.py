"""The city filter's index carries each owner's id and stamp columns (models/location.py), so
a filtered match reads its owners and their stamps from the index alone instead of one table
page per owner (21 against 4 ms for Berlin's 14,406 at a million profiles;
docs/benchmarks.md, 2026-12-07).

Built beside the old index and swapped in the migration's transaction: writes to the table
wait for the build (about 4 s at a million profiles).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 03:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_READS = "location_city, id, updated_at, indexed_at, indexed_model"


def _swap(table: str, include: str) -> None:
    name = f"ix_{table}_organisation_id_city"
    op.execute(
        f"CREATE INDEX {name}_new ON {table} (organisation_id, lower(location_city)){include}"
    )
    op.execute(f"DROP INDEX {name}")
    op.execute(f"ALTER INDEX {name}_new RENAME TO {name}")
    # The index's expression has statistics of its own, gone with the old index: without
    # them the planner guesses how many owners a city passes.
    op.execute(f"ANALYZE {table}")


def upgrade() -> None:
    for table in ("candidates", "vacancies"):
        _swap(table, f" INCLUDE ({_READS})")


def downgrade() -> None:
    for table in ("candidates", "vacancies"):
        _swap(table, "")
