"""Applications, their status history and the touchpoints that brought them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin, TimestampMixin, utcnow
from models.employee import one_of

APPLICATION_STATUSES = (
    "applied",
    "screening",
    "interview",
    "offer",
    "hired",
    "rejected",
    "withdrawn",
)
TOUCH_KINDS = ("ref", "touch", "chain")
OWNERSHIP = ("new", "first_referrer_kept", "unreferred")


class Application(IdMixin, TimestampMixin, Base):
    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("vacancy_id", "candidate_id"),
        Index(None, "organisation_id", "email", "applied_at"),
        Index(None, "organisation_id", "vacancy_id"),
        CheckConstraint(one_of("status", APPLICATION_STATUSES), name="status"),
        CheckConstraint(one_of("ownership", OWNERSHIP), name="ownership"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    vacancy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vacancies.id", ondelete="CASCADE"))
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    ref_link_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tracked_links.id", ondelete="SET NULL")
    )
    source: Mapped[str | None] = mapped_column(String(100))
    # What the candidate wrote with the application (the apply form's motivation field).
    motivation: Mapped[str | None] = mapped_column(Text)
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default="applied")
    # The candidate's email, lower-cased and trimmed: the key of the ownership rule.
    email: Mapped[str | None] = mapped_column(String(320))
    # The keyed visitor hash of whoever sent the apply form (see Click.visitor): what ties
    # the person's clicks and reshare links to them, so erasure can untie them.
    visitor: Mapped[str | None] = mapped_column(String(32))
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    hired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The employee the application's own ref leads to (the root of its referral chain).
    referrer_employee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL")
    )
    # Who earns the referral reward after the ownership rule, and why.
    reward_employee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL")
    )
    ownership: Mapped[str] = mapped_column(String(20), default="unreferred")
    owner_application_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("applications.id", ondelete="SET NULL")
    )


class ApplicationEvent(Base):
    """Every status an application passed through, with its time (append-only)."""

    __tablename__ = "application_events"
    __table_args__ = (Index(None, "application_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)


class Touchpoint(Base):
    """A tracked link that led to an application: its own ref, an earlier click the caller
    reported, or an ancestor of the ref in a referral chain."""

    __tablename__ = "touchpoints"
    __table_args__ = (
        UniqueConstraint("application_id", "link_id", "kind"),
        CheckConstraint(one_of("kind", TOUCH_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE")
    )
    link_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tracked_links.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    position: Mapped[int] = mapped_column(Integer)
