"""The audit trail: every ranking served and every decision about a person, in a per-
organisation hash chain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class AuditEntry(Base):
    """One audited act. ``hash`` covers the predecessor's hash and every field of this entry,
    the payload through ``payload_digest``: an erased person's details can be redacted from a
    payload without breaking the chain, and any other change does break it.

    Rows are append-only; a trigger (migration 0007) refuses updates other than a redaction
    and refuses deletes."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        UniqueConstraint("organisation_id", "seq"),
        Index(None, "organisation_id", "vacancy_id", "seq"),
        Index(None, "candidate_ids", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    # Position in the organisation's chain, from 1 without gaps.
    seq: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    # The API key that acted, or none for the system's own jobs (``actor`` then names it).
    actor_key_id: Mapped[uuid.UUID | None] = mapped_column()
    actor: Mapped[str] = mapped_column(String(200))
    vacancy_id: Mapped[uuid.UUID | None] = mapped_column()
    # Every candidate the entry is about (the ranked ones, the decided one).
    candidate_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), default=list)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    payload_digest: Mapped[str] = mapped_column(String(64))
    redacted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # Bumped when the hashing rule changes, so old entries stay verifiable.
    version: Mapped[int] = mapped_column(Integer, default=1)
