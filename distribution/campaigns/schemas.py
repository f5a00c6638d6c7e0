"""Campaign request and response shapes (field names are part of the public API)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    field_validator,
    model_validator,
)

from matching.types import StrictModel
from runtime.webhook_signing import SECRET_PREFIX, valid_secret

ShareChannel = Literal["linkedin", "facebook", "x", "whatsapp", "email", "intranet"]
CampaignStatus = Literal["scheduled", "running", "completed", "cancelled"]
MAX_AUDIENCE = 100_000


def _dedupe(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


Channels = Annotated[list[ShareChannel], Field(min_length=1), AfterValidator(_dedupe)]


class AllEmployees(StrictModel):
    type: Literal["all"]


class Departments(StrictModel):
    type: Literal["departments"]
    departments: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=200)]],
        Field(min_length=1, max_length=200),
    ]


class EmployeeIds(StrictModel):
    type: Literal["employee_ids"]
    employee_ids: Annotated[list[UUID], Field(min_length=1, max_length=MAX_AUDIENCE)]


class BestFit(StrictModel):
    type: Literal["best_fit"]
    limit: Annotated[int, Field(ge=1, le=MAX_AUDIENCE)]


Audience = Annotated[
    AllEmployees | Departments | EmployeeIds | BestFit, Field(discriminator="type")
]


class CampaignCreate(StrictModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "audience": {"type": "departments", "departments": ["Digitale collecties"]},
                    "channels": ["linkedin", "x", "email"],
                    "message": "Ken jij iemand die dit leuk vindt?",
                    "reminder_after_hours": 72,
                }
            ]
        }
    )

    audience: Audience = Field(
        description="Who is asked to share: `all` employees who have not opted out, those of some "
        "`departments`, a list of `employee_ids`, or the `best_fit` employees (their fields "
        "of expertise against the vacancy, and their past referral success) up to `limit`."
    )
    channels: Channels = Field(
        description="Share channels. Each employee gets one tracked link per channel they "
        "use (all of them if the employee lists none)."
    )
    message: Annotated[str | None, Field(max_length=2000)] = Field(
        default=None, description="A personal note placed in the notification and share texts."
    )
    starts_at: AwareDatetime | None = Field(
        default=None, description="When to send; now if omitted. The audience is resolved then."
    )
    reminder_after_hours: Annotated[float | None, Field(gt=0, le=24 * 90)] = Field(
        default=None,
        description="Remind, once, the employees who have not shared (no click on any of "
        "their links) this many hours after the start.",
    )
    webhook_url: HttpUrl | None = Field(
        default=None,
        description="Employees who use the `intranet` channel are notified by a signed POST "
        "to this URL instead of by email.",
    )
    webhook_secret: Annotated[str | None, Field(min_length=24, max_length=200)] = Field(
        default=None,
        description="Signs webhook notifications (Standard Webhooks: `whsec_` + base64, or "
        "any string of 24+ characters). Required with `webhook_url`; never shown again.",
    )

    @model_validator(mode="after")
    def _webhook_pair(self) -> Self:
        if (self.webhook_url is None) != (self.webhook_secret is None):
            raise ValueError("webhook_url and webhook_secret go together")
        return self

    @field_validator("webhook_secret")
    @classmethod
    def _secret_format(cls, value: str | None) -> str | None:
        if value is not None and value.startswith(SECRET_PREFIX) and not valid_secret(value):
            raise ValueError("a whsec_ secret must be base64 after the prefix")
        return value


class StatusCounts(BaseModel):
    queued: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0


class ChannelProgress(StatusCounts):
    links: int = Field(default=0, description="Tracked links made for this channel.")


class Progress(BaseModel):
    batches: int
    batches_done: int
    invitations: dict[str, StatusCounts] = Field(
        description="Invitations per transport (`email`, `webhook`)."
    )
    reminders: dict[str, StatusCounts] = Field(description="Reminders per transport.")
    channels: dict[str, ChannelProgress] = Field(
        description="Per share channel: links made, and the state of the invitations that "
        "carry them (an employee counts once per channel)."
    )


class CampaignOut(BaseModel):
    id: UUID
    vacancy_id: UUID
    audience: dict[str, object]
    channels: list[str]
    message: str | None
    starts_at: datetime
    reminder_after_hours: float | None
    webhook_url: str | None
    status: CampaignStatus
    audience_size: int = Field(description="Employees resolved at the start.")
    started_at: datetime | None
    completed_at: datetime | None
    reminded_at: datetime | None
    created_at: datetime
    progress: Progress | None = Field(default=None, description="On `GET` of one campaign.")
