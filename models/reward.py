"""Referral reward policies and the append-only reward ledger."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin, TimestampMixin, utcnow
from models.employee import one_of

REWARD_STATES = ("pending", "eligible", "paid", "void")


class RewardPolicy(IdMixin, TimestampMixin, Base):
    """What a referral earns: ``amount`` once the referred candidate is hired and has stayed
    ``probation_days``. One active policy per organisation."""

    __tablename__ = "reward_policies"
    __table_args__ = (
        Index(None, "organisation_id", unique=True, postgresql_where="active"),
        CheckConstraint("probation_days >= 0", name="probation_days"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    probation_days: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class RewardEntry(Base):
    """One state of one reward. Rows are only ever added: the latest row of an
    (employee, application) pair is the reward's current state, the rows before it its
    history."""

    __tablename__ = "reward_entries"
    __table_args__ = (
        Index(None, "employee_id", "application_id", "id"),
        CheckConstraint(one_of("state", REWARD_STATES), name="state"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    # No cascade: the ledger outlives nothing it refers to (an employee with rewards is kept).
    employee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("employees.id"))
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE")
    )
    policy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reward_policies.id"))
    state: Mapped[str] = mapped_column(String(10))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
