"""Referral campaigns: a vacancy sent to a set of employees, fanned out in batches, and the
notifications each employee gets."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin, TimestampMixin, utcnow
from models.employee import one_of

CAMPAIGN_STATUSES = ("scheduled", "running", "completed", "cancelled")
BATCH_KINDS = ("invite", "reminder")
BATCH_STATUSES = ("queued", "done")
NOTIFICATION_STATUSES = ("queued", "sending", "sent", "failed", "skipped")
TRANSPORTS = ("email", "webhook")


class Campaign(IdMixin, TimestampMixin, Base):
    __tablename__ = "campaigns"
    __table_args__ = (
        Index(None, "organisation_id", "vacancy_id"),
        CheckConstraint(one_of("status", CAMPAIGN_STATUSES), name="status"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    vacancy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vacancies.id", ondelete="CASCADE"))
    # {"type": "all" | "departments" | "employee_ids" | "best_fit", ...} as sent.
    audience: Mapped[dict[str, Any]] = mapped_column(JSONB)
    channels: Mapped[list[str]] = mapped_column(ARRAY(Text))
    message: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reminder_after_hours: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    audience_size: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Employees who use the intranet channel are notified by a signed POST here instead of
    # by email (an intranet or chat integration); the secret signs it (Standard Webhooks).
    webhook_url: Mapped[str | None] = mapped_column(Text)
    webhook_secret: Mapped[str | None] = mapped_column(Text)


class CampaignBatch(IdMixin, TimestampMixin, Base):
    """A slice of a campaign's audience handled by one task. The batch row is written in the
    same transaction as the job that processes it, so a lost job is found again and a
    re-run batch finds its work already done."""

    __tablename__ = "campaign_batches"
    __table_args__ = (
        UniqueConstraint("campaign_id", "kind", "number"),
        Index(None, "status", "updated_at"),
        CheckConstraint(one_of("kind", BATCH_KINDS), name="kind"),
        CheckConstraint(one_of("status", BATCH_STATUSES), name="status"),
    )

    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    number: Mapped[int] = mapped_column(Integer)
    employee_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Notification(IdMixin, TimestampMixin, Base):
    """One message to one employee (an invitation or a reminder). Unique per campaign,
    employee and kind: a retried batch finds it instead of sending again."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("campaign_id", "employee_id", "kind"),
        CheckConstraint(one_of("kind", BATCH_KINDS), name="kind"),
        CheckConstraint(one_of("status", NOTIFICATION_STATUSES), name="status"),
        CheckConstraint(one_of("transport", TRANSPORTS), name="transport"),
    )

    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    employee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    transport: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
