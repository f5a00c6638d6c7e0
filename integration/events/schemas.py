"""The shape of an event, the same in the change feed and in a webhook's body."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field


class ResourceRef(BaseModel):
    type: str = Field(examples=["vacancy"])
    id: UUID


class ChangeEvent(BaseModel):
    id: UUID = Field(description="Unique per event; also the `webhook-id` header.")
    type: str = Field(examples=["vacancy.updated"])
    sequence: int = Field(
        description="Increases with every event. Two events of one resource are in the order "
        "of their changes by `sequence`: a consumer that applies changes per resource skips "
        "an event whose `sequence` is below the last one it applied for that resource."
    )
    timestamp: datetime = Field(description="When the change was made.")
    resource: ResourceRef
    data: dict[str, Any] = Field(description="The resource as the API returns it after the change.")


class EventPage(BaseModel):
    data: list[ChangeEvent]
    next_since: str | None = Field(
        description="Pass as `since` to get the events after these; null while there are none."
    )
    has_more: bool = Field(description="More events are ready now; poll again at once.")
