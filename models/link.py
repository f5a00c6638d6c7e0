"""Tracked share links and the clicks on them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal, get_args

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin, TimestampMixin, utcnow
from models.employee import SHARE_CHANNELS, one_of

# Job boards and aggregators that read an organisation's feeds (distribution/feeds). Each
# is a link channel of its own, so its clicks and applications show up per board in the
# funnel. A fixed list rather than free text: anyone may fetch a feed, and each board name
# creates one link per vacancy, so the list bounds what an anonymous caller can write.
# ``feed`` is any reader that names no board.
FeedBoard = Literal[
    "indeed",
    "google",
    "nationalevacaturebank",
    "werk.nl",
    "jooble",
    "adzuna",
    "careerjet",
    "jobbird",
    "feed",
]
FEED_BOARDS: tuple[str, ...] = get_args(FeedBoard)
# The organisation's own posts (models/posting.py POST_LINK_CHANNELS), one link per vacancy
# and posting channel.
POST_CHANNELS = (
    "linkedin_page",
    "facebook_page",
    "x_account",
    "slack",
    "teams",
    "webhook",
    "mailing_list",
)
LINK_CHANNELS = (*SHARE_CHANNELS, "direct", *FEED_BOARDS, *POST_CHANNELS)
# Partial unique index of feed links: one per vacancy and board.
FEED_LINK_WHERE = "parent_id IS NULL AND campaign_id IS NULL AND employee_id IS NULL AND " + one_of(
    "channel", FEED_BOARDS
)


class TrackedLink(IdMixin, TimestampMixin, Base):
    """A short code that leads to a vacancy and remembers who shared it where.

    Links an employee gets from a campaign are unique per campaign, employee and channel
    (a retried fan-out finds them). A reshare link has a parent and a depth, so a vacancy can
    travel friend to friend and credit flows back up the chain to the employee at its root.
    """

    __tablename__ = "tracked_links"
    __table_args__ = (
        Index(
            None,
            "campaign_id",
            "employee_id",
            "channel",
            unique=True,
            postgresql_where="parent_id IS NULL",
        ),
        Index(None, "organisation_id", "vacancy_id"),
        # A visitor who reshares the same link twice gets the same child link.
        Index(
            None,
            "parent_id",
            "visitor",
            "channel",
            unique=True,
            postgresql_where="parent_id IS NOT NULL",
        ),
        # A feed's link of a vacancy is made once per board, whoever fetches the feed first.
        Index(None, "vacancy_id", "channel", unique=True, postgresql_where=FEED_LINK_WHERE),
        CheckConstraint(one_of("channel", LINK_CHANNELS), name="channel"),
        CheckConstraint("depth >= 0", name="depth"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    code: Mapped[str] = mapped_column(String(32), unique=True)
    vacancy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vacancies.id", ondelete="CASCADE"))
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE")
    )
    employee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL")
    )
    channel: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tracked_links.id", ondelete="CASCADE")
    )
    depth: Mapped[int] = mapped_column(Integer, default=0)
    # The employee credited for everything that comes through this link or its children.
    root_employee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL")
    )
    # The keyed visitor hash of whoever created a reshare link (see Click.visitor).
    visitor: Mapped[str | None] = mapped_column(String(32))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Click(Base):
    """Clicks of one visitor on one link on one day.

    The visitor is a keyed hash of IP address and user agent (the raw IP is never stored).
    One row per visitor, link and day is the deduplicated click; ``hits`` keeps every
    request, so no click is lost. Bots get rows of their own, never counted.
    """

    __tablename__ = "clicks"
    __table_args__ = (
        Index(None, "link_id", "visitor", "day", unique=True),
        Index(None, "organisation_id", "vacancy_id", "day"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    vacancy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vacancies.id", ondelete="CASCADE"))
    link_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tracked_links.id", ondelete="CASCADE"))
    visitor: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    bot: Mapped[bool] = mapped_column(Boolean, default=False)
    hits: Mapped[int] = mapped_column(Integer, default=1)
    first_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
