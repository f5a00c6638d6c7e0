"""Attribution report shapes (field names are part of the public API)."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field

from distribution.applications.schemas import Ownership
from distribution.attribution.credit import AttributionModel


class EmployeeCredit(BaseModel):
    employee_id: UUID
    name: str
    applications: float = Field(description="Share of the attributed applications, 4 decimals.")
    hires: float = Field(description="Share of the attributed hires, 4 decimals.")


class ChannelCredit(BaseModel):
    channel: str
    applications: float
    hires: float


class OwnershipOut(BaseModel):
    application_id: UUID
    candidate_id: UUID
    rule: Ownership = Field(
        description="`new`, `first_referrer_kept` (an earlier referral of the same email "
        "within the window keeps the reward) or `unreferred`."
    )
    referrer_employee_id: UUID | None = Field(description="Who the application's own ref leads to.")
    reward_employee_id: UUID | None = Field(description="Who earns the referral reward.")
    owner_application_id: UUID | None = Field(
        description="With `first_referrer_kept`: the earlier application that owns the referral."
    )
    window_days: int = Field(description="The ownership window in days.")


class AttributionOut(BaseModel):
    vacancy_id: UUID
    model: AttributionModel
    applications: int = Field(description="All applications to the vacancy.")
    attributed_applications: int = Field(description="Applications with at least one touch.")
    hires: int = Field(description="Applications whose status is `hired`.")
    attributed_hires: int = Field(description="Hires with at least one touch.")
    employees: list[EmployeeCredit]
    channels: list[ChannelCredit]
    ownership: list[OwnershipOut] = Field(
        description="The ownership rule's outcome for every application, oldest first."
    )
