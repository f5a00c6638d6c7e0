"""Filter indexes: a match filtered by city or country found its candidates by reading the
whole candidates table (142 ms at 100,000 profiles, for the 1.5 % living in one city);
with these indexes the filter's owners come from an index (docs/benchmarks.md, 2026-12-04).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 19:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("candidates", "vacancies"):
        op.create_index(
            f"ix_{table}_organisation_id_city",
            table,
            ["organisation_id", sa.text("lower(location_city)")],
        )
        op.create_index(
            op.f(f"ix_{table}_organisation_id_location_country"),
            table,
            ["organisation_id", "location_country"],
        )


def downgrade() -> None:
    for table in ("candidates", "vacancies"):
        op.drop_index(op.f(f"ix_{table}_organisation_id_location_country"), table_name=table)
        op.drop_index(f"ix_{table}_organisation_id_city", table_name=table)
