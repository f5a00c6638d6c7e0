"""Employees: the organisation's ambassadors, who share vacancies in their own networks."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin, TimestampMixin

SHARE_CHANNELS = ("linkedin", "facebook", "x", "whatsapp", "email", "intranet")


def one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Employee(IdMixin, TimestampMixin, Base):
    __tablename__ = "employees"
    __table_args__ = (
        UniqueConstraint("organisation_id", "external_id"),
        # Stored lower-cased: one ambassador per address.
        UniqueConstraint("organisation_id", "email"),
        Index(None, "organisation_id", "department"),
        CheckConstraint(
            f"channels <@ ARRAY[{', '.join(repr(c) for c in SHARE_CHANNELS)}]::text[]",
            name="channels",
        ),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    external_id: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str] = mapped_column(String(320))
    department: Mapped[str | None] = mapped_column(String(200))
    # Areas of expertise: free text or taxonomy concept URIs.
    fields: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    channels: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    opted_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    opted_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
