"""Candidate profiles and the CV documents they were created from."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin, TimestampMixin
from models.location import LocationMixin, location_indexes
from models.matching import IndexedMixin


class Candidate(IdMixin, TimestampMixin, LocationMixin, IndexedMixin, Base):
    __tablename__ = "candidates"
    __table_args__ = (
        *location_indexes("candidates"),
        UniqueConstraint("organisation_id", "external_id"),
        # NULLs are distinct in a unique constraint, so candidates without email never clash.
        UniqueConstraint("organisation_id", "email"),
        Index(None, "organisation_id", "updated_at"),
        Index(None, "search_document", postgresql_using="gin"),
        # The retention job's scan: consented candidates whose retention has passed.
        Index(
            None,
            "consent_retention_until",
            postgresql_where="erased_at IS NULL AND consent_retention_until IS NOT NULL",
        ),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    external_id: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(300))
    # Stored normalised (trimmed, lower case) so that duplicates are found by equality.
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(50))
    headline: Mapped[str | None] = mapped_column(String(500))
    website: Mapped[str | None] = mapped_column(Text)
    # Profiles on other sites: [{"network": ..., "username": ..., "url": ...}].
    profiles: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    summary: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(2))
    skills: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    languages: Mapped[list[str]] = mapped_column(ARRAY(String(2)), default=list)
    remote: Mapped[bool] = mapped_column(Boolean, default=False)
    experience: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    education: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    consent_given_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    consent_purpose: Mapped[str | None] = mapped_column(Text)
    consent_retention_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when the person's data was erased: the row stays as an anonymous tombstone, so the
    # applications and statistics that refer to it stay consistent.
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CandidateDocument(IdMixin, TimestampMixin, Base):
    """The original CV file a candidate was created from, kept in the database so that the
    candidate and its file are written in one transaction."""

    __tablename__ = "candidate_documents"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    candidate_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    text: Mapped[str] = mapped_column(Text)
