"""Application request and response shapes (field names are part of the public API)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, ConfigDict, Field, field_validator

from distribution.links.codes import CODE_PATTERN
from matching.candidates.schemas import CandidateCreate
from matching.types import StrictModel

ApplicationStatus = Literal[
    "applied", "screening", "interview", "offer", "hired", "rejected", "withdrawn"
]
Ownership = Literal["new", "first_referrer_kept", "unreferred"]
TouchKind = Literal["ref", "touch", "chain"]

LinkCode = Annotated[
    str, Field(pattern=CODE_PATTERN, description="A tracked-link code (the `tm_ref` value).")
]
MAX_TOUCHES = 50
MAX_MOTIVATION = 5000


class TouchIn(StrictModel):
    ref: LinkCode
    at: AwareDatetime = Field(description="When the candidate followed this link.")


class ApplicationCreate(StrictModel):
    """An application to one vacancy. Send exactly one of `candidate_id` and `candidate`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "vacancy_id": "01939d5c-6f3e-7c1a-9b2d-5a4e3f2d1c0b",
                    "candidate": {"name": "Eva de Vries", "email": "eva@example.org"},
                    "ref": "Xk3pQ9rT",
                    "source": "ats",
                    "consent": True,
                }
            ]
        }
    )

    vacancy_id: UUID
    candidate_id: UUID | None = Field(default=None, description="An existing candidate.")
    candidate: CandidateCreate | None = Field(
        default=None,
        description="An inline profile. A candidate of the organisation with the same "
        "(normalised) email, or else the same `external_id`, is used as it is stored; "
        "otherwise the profile is stored as a new candidate.",
    )
    ref: LinkCode | None = Field(
        default=None, description="The tracked-link code the candidate arrived with."
    )
    touches: Annotated[list[TouchIn], Field(max_length=MAX_TOUCHES)] = Field(
        default_factory=list,
        description="Earlier tracked-link visits your site saw (for example stored `tm_ref` "
        "values), each link once, with the time of its first visit.",
    )
    source: Annotated[str | None, Field(max_length=100)] = Field(
        default=None, description="Where the application was made, e.g. `ats`, `apply_form`."
    )
    motivation: Annotated[str | None, Field(max_length=MAX_MOTIVATION)] = Field(
        default=None, description="What the candidate wrote with the application."
    )
    consent: bool = Field(
        description="The candidate agreed to the processing of the application; must be true."
    )
    applied_at: AwareDatetime | None = Field(
        default=None,
        description="When the candidate applied (for applications imported from an ATS); "
        "defaults to now and may not lie in the future.",
    )

    @field_validator("consent")
    @classmethod
    def _consent_given(cls, value: bool) -> bool:
        if not value:
            raise ValueError("the candidate's consent is required; nothing was stored")
        return value


class StatusChange(StrictModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"status": "interview", "note": "Eerste gesprek op 12 januari"}]
        }
    )

    status: ApplicationStatus
    at: AwareDatetime | None = Field(
        default=None,
        description="When the change happened; defaults to now. Not in the future and not "
        "before the application's previous status change.",
    )
    note: Annotated[str | None, Field(max_length=5000)] = None


class EventOut(StrictModel):
    model_config = ConfigDict(extra="ignore")

    status: ApplicationStatus
    at: datetime
    note: str | None = None


class TouchpointOut(StrictModel):
    model_config = ConfigDict(extra="ignore")

    position: int = Field(description="Order of the touch, 0 first.")
    kind: TouchKind = Field(
        description="`ref`: the link the candidate applied with; `chain`: a link the ref "
        "was reshared from; `touch`: an earlier visit the caller reported."
    )
    code: str
    channel: str
    employee_id: UUID | None = Field(
        description="The employee this touch credits: the link's own employee, or for a "
        "visitor's reshare link the employee at the root of its chain."
    )
    occurred_at: datetime


class ApplicationOut(StrictModel):
    model_config = ConfigDict(extra="ignore")

    id: UUID
    vacancy_id: UUID
    candidate_id: UUID
    status: ApplicationStatus
    source: str | None
    motivation: str | None
    consent: bool
    email: str | None = Field(description="The candidate's email, trimmed and lower-cased.")
    ref: str | None = Field(description="Code of the link the candidate applied with.")
    applied_at: datetime
    hired_at: datetime | None
    referrer_employee_id: UUID | None = Field(
        description="The employee at the root of the ref's referral chain."
    )
    reward_employee_id: UUID | None = Field(
        description="Who earns the referral reward, after the ownership rule."
    )
    ownership: Ownership = Field(
        description="`new`: the referrer owns the referral; `first_referrer_kept`: the "
        "candidate was referred by someone else within the ownership window, who keeps the "
        "credit (`owner_application_id`); `unreferred`: nobody to credit."
    )
    owner_application_id: UUID | None
    events: list[EventOut]
    touchpoints: list[TouchpointOut]
    created_at: datetime
    updated_at: datetime
