"""Organisations (tenants) and their API keys."""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, DateTime, ForeignKey, String, Text
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IdMixin, TimestampMixin

SLUG_MAX = 80
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(name: str) -> str:
    """The URL form of a name: ``"Koninklijke Bibliotheek"`` -> ``koninklijke-bibliotheek``,
    accents folded (``"Bibliothèque"`` -> ``bibliotheque``); ``org`` when nothing is left."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", ascii_name.lower()).strip("-")[:SLUG_MAX].rstrip("-")
    return slug or "org"


def _default_slug(context: DefaultExecutionContext) -> str:
    # Organisations created without a slug (scripts, tests) get one from their name; the
    # service picks a free one itself (``api/auth/service.py``).
    params: dict[str, Any] = context.get_current_parameters()  # type: ignore[no-untyped-call]
    return slugify(str(params.get("name") or ""))


class Organisation(IdMixin, TimestampMixin, Base):
    __tablename__ = "organisations"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    # The organisation in public URLs: /jobs/{slug}/{vacancy_id}, the feeds.
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True, default=_default_slug)

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
    # Dashboard sessions of this key that began before this moment are over (log-out).
    sessions_ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the key last authenticated a request, to the minute (see auth service).
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    organisation: Mapped[Organisation] = relationship(back_populates="api_keys", lazy="raise")
