"""Reward policy and reward ledger shapes (field names are part of the public API)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import ConfigDict, Field, PlainSerializer

from matching.types import StrictModel

RewardState = Literal["pending", "eligible", "paid", "void"]
REWARD_STATES: tuple[RewardState, ...] = ("pending", "eligible", "paid", "void")

# Exact decimals inside, JSON numbers outside (what ATS and payroll clients expect).
Money = Annotated[
    Decimal,
    Field(max_digits=12, decimal_places=2),
    PlainSerializer(float, return_type=float, when_used="json"),
]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217")]


class PolicyIn(StrictModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"amount": 750, "currency": "EUR", "probation_days": 90}]}
    )

    amount: Annotated[Money, Field(gt=0)] = Field(description="What one referral earns.")
    currency: Currency = "EUR"
    probation_days: Annotated[int, Field(ge=0, le=3650)] = Field(
        default=0,
        description="Days the referred candidate must stay after the hire before the reward "
        "becomes eligible for payment; 0 makes it eligible at the hire.",
    )


class PolicyOut(StrictModel):
    model_config = ConfigDict(extra="ignore", from_attributes=True)

    id: UUID
    amount: Money
    currency: str
    probation_days: int
    active: bool
    created_at: datetime


class PaymentIn(StrictModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reference": "SALARIS-2027-01-0042"}]}
    )

    reference: Annotated[str | None, Field(max_length=200)] = Field(
        default=None, description="Your payroll or payment reference, kept in the ledger."
    )


class LedgerRow(StrictModel):
    model_config = ConfigDict(extra="ignore")

    state: RewardState
    amount: Money
    currency: str
    at: datetime = Field(description="When the reward reached this state.")
    reason: str
    policy_id: UUID


class RewardOut(StrictModel):
    model_config = ConfigDict(extra="ignore")

    employee_id: UUID
    application_id: UUID
    vacancy_id: UUID
    candidate_id: UUID
    state: RewardState = Field(description="The current state: the ledger's last row.")
    amount: Money
    currency: str
    hired_at: datetime | None
    eligible_at: datetime | None = Field(
        description="When the probation period ends (hire plus the policy's probation days)."
    )
    ledger: list[LedgerRow] = Field(description="Every state the reward passed, oldest first.")


class StateTotal(StrictModel):
    count: int
    amounts: dict[str, Money] = Field(description="Sum of the amounts per currency.")


class EmployeeRewards(StrictModel):
    employee_id: UUID
    rewards: list[RewardOut]
    totals: dict[RewardState, StateTotal] = Field(
        description="Rewards per current state; every state is present."
    )
