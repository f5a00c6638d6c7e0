"""Feed links: job boards become link channels (one tracked link per vacancy and board,
made when a board first reads the organisation's feed), so the channel column grows to
hold board names such as ``nationalevacaturebank``; and an index of vacancy deletions,
which change the feeds' Last-Modified.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 16:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SHARE = "'linkedin', 'facebook', 'x', 'whatsapp', 'email', 'intranet', 'direct'"
# Spelled out, not imported: a migration must keep meaning what it meant when written.
_BOARDS = (
    "'indeed', 'google', 'nationalevacaturebank', 'werk.nl', 'jooble', 'adzuna', "
    "'careerjet', 'jobbird', 'feed'"
)
_FEED_LINK_WHERE = (
    f"parent_id IS NULL AND campaign_id IS NULL AND employee_id IS NULL AND channel IN ({_BOARDS})"
)


def upgrade() -> None:
    op.alter_column(
        "tracked_links",
        "channel",
        type_=sa.String(length=32),
        existing_type=sa.String(length=10),
        existing_nullable=False,
    )
    op.drop_constraint(op.f("ck_tracked_links_channel"), "tracked_links", type_="check")
    op.create_check_constraint(
        op.f("ck_tracked_links_channel"), "tracked_links", f"channel IN ({_SHARE}, {_BOARDS})"
    )
    op.create_index(
        op.f("ix_tracked_links_vacancy_id_channel"),
        "tracked_links",
        ["vacancy_id", "channel"],
        unique=True,
        postgresql_where=sa.text(_FEED_LINK_WHERE),
    )
    op.create_index(
        "ix_events_vacancy_deleted",
        "events",
        ["organisation_id", "occurred_at"],
        postgresql_where=sa.text("type = 'vacancy.deleted'"),
    )


def downgrade() -> None:
    op.drop_index("ix_events_vacancy_deleted", table_name="events")
    op.drop_index(op.f("ix_tracked_links_vacancy_id_channel"), table_name="tracked_links")
    # Links the old channel list cannot hold go with their clicks; a constant, no input.
    op.execute(f"DELETE FROM tracked_links WHERE channel IN ({_BOARDS})")  # noqa: S608
    op.drop_constraint(op.f("ck_tracked_links_channel"), "tracked_links", type_="check")
    op.create_check_constraint(
        op.f("ck_tracked_links_channel"), "tracked_links", f"channel IN ({_SHARE})"
    )
    op.alter_column(
        "tracked_links",
        "channel",
        type_=sa.String(length=10),
        existing_type=sa.String(length=32),
        existing_nullable=False,
    )
