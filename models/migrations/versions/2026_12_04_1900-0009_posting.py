"""Posting: an organisation's posting channels (company pages, chat webhooks, a mailing
list), its cross-posting rules, and each post of a vacancy with its status and platform
id; the organisation's own posts become link channels of their own.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 19:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out, not imported: a migration must keep meaning what it meant when written.
_SHARE = "'linkedin', 'facebook', 'x', 'whatsapp', 'email', 'intranet', 'direct'"
_BOARDS = (
    "'indeed', 'google', 'nationalevacaturebank', 'werk.nl', 'jooble', 'adzuna', "
    "'careerjet', 'jobbird', 'feed'"
)
_POSTS = (
    "'linkedin_page', 'facebook_page', 'x_account', 'slack', 'teams', 'webhook', 'mailing_list'"
)
_KINDS = "'linkedin', 'facebook', 'x', 'slack', 'teams', 'webhook', 'email'"
_STATUSES = (
    "'scheduled', 'publishing', 'published', 'updating', 'withdrawing', 'withdrawn', 'failed'"
)
_DUE = "status IN ('scheduled', 'publishing', 'updating', 'withdrawing')"


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "posting_channels",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("config", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("credentials", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(f"kind IN ({_KINDS})", name=op.f("ck_posting_channels_kind")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_posting_channels_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posting_channels")),
        sa.UniqueConstraint(
            "organisation_id", "name", name=op.f("uq_posting_channels_organisation_id_name")
        ),
    )
    op.create_table(
        "posting_rules",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("on_open", sa.Boolean(), nullable=False),
        sa.Column("repost_after_days", sa.Integer(), nullable=True),
        sa.Column("repost_below_applications", sa.Integer(), nullable=True),
        sa.Column("max_rounds", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "repost_after_days IS NULL OR repost_after_days > 0",
            name=op.f("ck_posting_rules_repost_days"),
        ),
        sa.CheckConstraint(
            "(repost_after_days IS NULL) = (repost_below_applications IS NULL)",
            name=op.f("ck_posting_rules_repost"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_posting_rules_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posting_rules")),
        sa.UniqueConstraint(
            "organisation_id", "name", name=op.f("uq_posting_rules_organisation_id_name")
        ),
    )
    op.create_table(
        "posting_rule_channels",
        sa.Column("rule_id", sa.Uuid(), nullable=False),
        sa.Column("channel_id", sa.Uuid(), nullable=False),
        sa.Column("template", sa.Text(), nullable=True),
        sa.Column("hashtags", sa.ARRAY(sa.String(length=100)), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["posting_channels.id"],
            name=op.f("fk_posting_rule_channels_channel_id_posting_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["posting_rules.id"],
            name=op.f("fk_posting_rule_channels_rule_id_posting_rules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("rule_id", "channel_id", name=op.f("pk_posting_rule_channels")),
    )
    op.create_table(
        "posts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("vacancy_id", sa.Uuid(), nullable=True),
        sa.Column("channel_id", sa.Uuid(), nullable=False),
        sa.Column("rule_id", sa.Uuid(), nullable=True),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("link_id", sa.Uuid(), nullable=True),
        sa.Column("link_url", sa.Text(), nullable=True),
        sa.Column("platform_id", sa.String(length=300), nullable=True),
        sa.Column("platform_url", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(f"status IN ({_STATUSES})", name=op.f("ck_posts_status")),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["posting_channels.id"],
            name=op.f("fk_posts_channel_id_posting_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["tracked_links.id"],
            name=op.f("fk_posts_link_id_tracked_links"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_posts_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["posting_rules.id"],
            name=op.f("fk_posts_rule_id_posting_rules"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["vacancy_id"],
            ["vacancies.id"],
            name=op.f("fk_posts_vacancy_id_vacancies"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
        sa.UniqueConstraint(
            "vacancy_id", "channel_id", "round", name=op.f("uq_posts_vacancy_id_channel_id_round")
        ),
    )
    op.create_index(
        op.f("ix_posts_organisation_id_vacancy_id"), "posts", ["organisation_id", "vacancy_id"]
    )
    op.create_index(
        op.f("ix_posts_next_attempt_at"),
        "posts",
        ["next_attempt_at"],
        postgresql_where=sa.text(_DUE),
    )
    op.drop_constraint(op.f("ck_tracked_links_channel"), "tracked_links", type_="check")
    op.create_check_constraint(
        op.f("ck_tracked_links_channel"),
        "tracked_links",
        f"channel IN ({_SHARE}, {_BOARDS}, {_POSTS})",
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_posts_next_attempt_at"), table_name="posts")
    op.drop_index(op.f("ix_posts_organisation_id_vacancy_id"), table_name="posts")
    op.drop_table("posts")
    op.drop_table("posting_rule_channels")
    op.drop_table("posting_rules")
    op.drop_table("posting_channels")
    # Links the old channel list cannot hold go with their clicks; a constant, no input.
    op.execute(f"DELETE FROM tracked_links WHERE channel IN ({_POSTS})")  # noqa: S608
    op.drop_constraint(op.f("ck_tracked_links_channel"), "tracked_links", type_="check")
    op.create_check_constraint(
        op.f("ck_tracked_links_channel"), "tracked_links", f"channel IN ({_SHARE}, {_BOARDS})"
    )
