"""Organisations (tenants) and their API keys."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ARRAY, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IdMixin, TimestampMixin


class Organisation(IdMixin, TimestampMixin, Base):
    __tablename__ = "organisations"

    name: Mapped[str] = mapped_column(String(200), unique=True)

    api_keys: Mapped[list[ApiKey]] = relationship(back_populates="organisation", lazy="raise")


class ApiKey(IdMixin, TimestampMixin, Base):
    """An API key is stored as a SHA-256 digest; the key itself is shown once at creation.

    Keys carry 256 random bits, so a fast digest is not brute-forceable and lookups stay cheap.
    """

    __tablename__ = "api_keys"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200), default="")
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(Text))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    organisation: Mapped[Organisation] = relationship(back_populates="api_keys", lazy="raise")
