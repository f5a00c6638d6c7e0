"""The change log of each organisation: one row per change, written in the same transaction
as the change. It is the change feed (``GET /v1/events``) and the source of webhook
deliveries."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Index, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow, uuid7


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index(None, "organisation_id", "txid", "id"),
        Index(None, "occurred_at"),
        # The last deletion of an organisation's vacancy: a change of its job feeds that no
        # remaining row shows (distribution/feeds Last-Modified).
        Index(
            "ix_events_vacancy_deleted",
            "organisation_id",
            "occurred_at",
            postgresql_where=text("type = 'vacancy.deleted'"),
        ),
    )

    # Order of insertion: per resource also the order of the changes, because a change of a
    # resource holds its row lock until it commits.
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    uid: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid7)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    type: Mapped[str] = mapped_column(String(60))
    resource_type: Mapped[str] = mapped_column(String(30))
    resource_id: Mapped[uuid.UUID] = mapped_column()
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The writing transaction's id: the feed serves an event only once every transaction
    # that started before it has ended, so a reader never skips a late commit.
    txid: Mapped[int] = mapped_column(
        BigInteger, server_default=text("(pg_current_xact_id()::text)::bigint")
    )
