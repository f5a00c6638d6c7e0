"""Posting a vacancy to the organisation's own channels (company pages, chat webhooks, a
mailing list): the channels, the cross-posting rules and each post with its platform id."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin, TimestampMixin
from models.employee import one_of

ChannelKind = Literal["linkedin", "facebook", "x", "slack", "teams", "webhook", "email"]
CHANNEL_KINDS: tuple[str, ...] = get_args(ChannelKind)
PostStatus = Literal[
    "scheduled", "publishing", "published", "updating", "withdrawing", "withdrawn", "failed"
]
POST_STATUSES: tuple[str, ...] = get_args(PostStatus)
# The tracked-link channel of each kind of posting channel: an organisation's own post is
# told apart from an employee's share on the same network (``linkedin``) in the funnel.
POST_LINK_CHANNELS: dict[str, str] = {
    "linkedin": "linkedin_page",
    "facebook": "facebook_page",
    "x": "x_account",
    "slack": "slack",
    "teams": "teams",
    "webhook": "webhook",
    "email": "mailing_list",
}


class PostingChannel(IdMixin, TimestampMixin, Base):
    """Where an organisation posts: a LinkedIn or Facebook page, an X account, a chat or
    intranet webhook, a mailing list. ``config`` is what may be shown (page id, author URN,
    webhook URL, addresses); ``credentials`` (tokens, signing secret) is never returned."""

    __tablename__ = "posting_channels"
    __table_args__ = (
        UniqueConstraint("organisation_id", "name"),
        CheckConstraint(one_of("kind", CHANNEL_KINDS), name="kind"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    config: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    credentials: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # The last error that concerns the channel itself (credentials refused), until it works.
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PostingRule(IdMixin, TimestampMixin, Base):
    """ "When a vacancy opens, post it to these channels" and, optionally, "post it again
    after ``repost_after_days`` if it has fewer than ``repost_below_applications``
    applications"."""

    __tablename__ = "posting_rules"
    __table_args__ = (
        UniqueConstraint("organisation_id", "name"),
        CheckConstraint("repost_after_days IS NULL OR repost_after_days > 0", name="repost_days"),
        CheckConstraint(
            "(repost_after_days IS NULL) = (repost_below_applications IS NULL)", name="repost"
        ),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))
    on_open: Mapped[bool] = mapped_column(Boolean, default=True)
    repost_after_days: Mapped[int | None] = mapped_column(Integer)
    repost_below_applications: Mapped[int | None] = mapped_column(Integer)
    max_rounds: Mapped[int] = mapped_column(Integer, default=2)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class PostingRuleChannel(Base):
    """One channel of a rule, with the message template used there."""

    __tablename__ = "posting_rule_channels"

    rule_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("posting_rules.id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("posting_channels.id", ondelete="CASCADE"), primary_key=True
    )
    template: Mapped[str | None] = mapped_column(Text)
    hashtags: Mapped[list[str]] = mapped_column(ARRAY(String(100)), default=list)
    language: Mapped[str | None] = mapped_column(String(2))


class Post(IdMixin, TimestampMixin, Base):
    """A vacancy posted to one channel in one round. The status says what is due next
    (``scheduled``: publish, ``updating``, ``withdrawing``) or what became of it."""

    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("vacancy_id", "channel_id", "round"),
        Index(None, "organisation_id", "vacancy_id"),
        Index(
            None,
            "next_attempt_at",
            postgresql_where="status IN ('scheduled', 'publishing', 'updating', 'withdrawing')",
        ),
        CheckConstraint(one_of("status", POST_STATUSES), name="status"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    # Kept (null) when the vacancy is deleted: its posts must still be withdrawn.
    vacancy_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("vacancies.id", ondelete="SET NULL")
    )
    channel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("posting_channels.id", ondelete="CASCADE")
    )
    rule_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("posting_rules.id", ondelete="SET NULL")
    )
    round: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    title: Mapped[str] = mapped_column(String(300))
    # The message and the tracked link as sent, set when it is first sent.
    text: Mapped[str | None] = mapped_column(Text)
    link_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tracked_links.id", ondelete="SET NULL")
    )
    link_url: Mapped[str | None] = mapped_column(Text)
    platform_id: Mapped[str | None] = mapped_column(String(300))
    platform_url: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    leased_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
