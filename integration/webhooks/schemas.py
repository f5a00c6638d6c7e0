"""Webhook endpoint and delivery shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl

from integration.events.catalogue import ALL, EVENT_TYPES
from matching.types import StrictModel

DeliveryState = Literal["pending", "succeeded", "failed"]


def _known_types(values: list[str]) -> list[str]:
    unknown = [v for v in values if v not in EVENT_TYPES and v != ALL]
    if unknown:
        raise ValueError(
            f"unknown event type(s): {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)} "
            f"or {ALL!r} for all"
        )
    return sorted(set(values))


EventTypes = Annotated[
    list[str],
    Field(min_length=1, max_length=50, examples=[["vacancy.created", "application.created"]]),
    AfterValidator(_known_types),
]
Url = Annotated[HttpUrl, Field(description="Where events are POSTed (http or https).")]
Description = Annotated[str, Field(max_length=500)]


class EndpointCreate(StrictModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "url": "https://ats.example/hooks/talentmesh",
                    "events": [
                        "vacancy.created",
                        "application.created",
                        "application.status_changed",
                    ],
                    "description": "Recruitee sync",
                }
            ]
        }
    )

    url: Url
    events: EventTypes = Field(description="Event types to receive; `*` for every type.")
    description: Description = ""


class EndpointUpdate(StrictModel):
    """Fields left out keep their value. `enabled: true` re-enables a disabled endpoint;
    the deliveries that gave up while it failed and those that waited go out in order."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"enabled": True}]})

    url: Url | None = None
    events: EventTypes | None = None
    description: Description | None = None
    enabled: bool | None = None


class EndpointOut(BaseModel):
    id: UUID
    url: str
    events: list[str]
    description: str
    enabled: bool
    disabled_at: datetime | None
    disabled_reason: str | None = Field(description="Why the endpoint was disabled.")
    failing_since: datetime | None = Field(
        description="Attempts have failed since then without a success in between."
    )
    last_success_at: datetime | None
    created_at: datetime
    updated_at: datetime


class EndpointCreated(EndpointOut):
    secret: str = Field(
        description="Signs every delivery (`whsec_` + base64). Shown only now: store it."
    )
    ping_delivery_id: UUID = Field(
        description="The test ping sent to the endpoint; see its deliveries for the result."
    )


class SecretRotated(BaseModel):
    secret: str = Field(description="The new secret; shown only now.")
    previous_secret_expires_at: datetime = Field(
        description="Until then each delivery carries signatures by both secrets."
    )


class AttemptOut(BaseModel):
    attempted_at: datetime
    status_code: int | None = Field(description="The receiver's HTTP status; null on no answer.")
    latency_ms: float
    error: str | None
    response_body: str | None = Field(description="The first 1,000 characters of the answer.")


class DeliveryOut(BaseModel):
    id: UUID
    event_id: UUID = Field(description="The `webhook-id` the receiver saw.")
    event_type: str
    resource_id: UUID
    state: DeliveryState = Field(
        description="pending (to be attempted or retried), succeeded, or failed (every retry "
        "failed; redeliver to try again)."
    )
    attempt_count: int
    next_attempt_at: datetime | None = Field(description="While pending: the next attempt.")
    created_at: datetime
    finished_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    attempts: list[AttemptOut]


class DeliveryPage(BaseModel):
    data: list[DeliveryOut]
    next_cursor: str | None


class PingOut(BaseModel):
    delivery_id: UUID
