"""Public pages: organisation slugs for public URLs, the applicant's motivation, and the
end of an API key's dashboard sessions.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 07:45:00+00:00
"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _slugify(name: str) -> str:
    # Frozen copy of models.organisation.slugify: a migration must not change with the code.
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:76].rstrip("-")
    return slug or "org"


def upgrade() -> None:
    op.add_column("organisations", sa.Column("slug", sa.String(length=80), nullable=True))
    connection = op.get_bind()
    taken: set[str] = set()
    rows = connection.execute(sa.text("SELECT id, name FROM organisations ORDER BY created_at, id"))
    for organisation_id, name in rows.all():
        base = _slugify(name)
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        connection.execute(
            sa.text("UPDATE organisations SET slug = :slug WHERE id = :id"),
            {"slug": slug, "id": organisation_id},
        )
    op.alter_column("organisations", "slug", nullable=False)
    op.create_unique_constraint(op.f("uq_organisations_slug"), "organisations", ["slug"])
    op.add_column("applications", sa.Column("motivation", sa.Text(), nullable=True))
    op.add_column(
        "api_keys", sa.Column("sessions_ended_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("api_keys", "sessions_ended_at")
    op.drop_column("applications", "motivation")
    op.drop_constraint(op.f("uq_organisations_slug"), "organisations", type_="unique")
    op.drop_column("organisations", "slug")
