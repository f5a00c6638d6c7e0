"""Employee (ambassador) request and response shapes (field names are part of the public API)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, get_args
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)

from matching.candidates.schemas import NormalisedEmail
from matching.types import ShortText, StrictModel

Channel = Literal["linkedin", "facebook", "x", "whatsapp", "email", "intranet"]
CHANNELS: tuple[str, ...] = get_args(Channel)

MAX_FIELDS = 50


def _lower_items(value: object) -> object:
    # "LinkedIn" from a spreadsheet means linkedin; anything else is left to the Literal check.
    if isinstance(value, list):
        return [item.strip().lower() if isinstance(item, str) else item for item in value]
    return value


def _dedupe(values: list[str]) -> list[str]:
    seen: set[str] = set()
    result: list[str] = []
    for value in values:
        key = value.casefold()
        if key not in seen:
            seen.add(key)
            result.append(value)
    return result


Name = Annotated[str, Field(min_length=1, max_length=300)]
Department = Annotated[str, Field(min_length=1, max_length=200)]
ExternalId = Annotated[str, Field(min_length=1, max_length=200)]
FieldList = Annotated[
    list[ShortText],
    Field(
        max_length=MAX_FIELDS,
        description="Areas of expertise: free text (`Python`, `archiefbeheer`) or taxonomy "
        "concept URIs (`http://data.europa.eu/esco/skill/...`). A URI must name a concept of "
        "an imported taxonomy. Duplicates are removed, case-insensitively.",
    ),
    AfterValidator(_dedupe),
]
ChannelList = Annotated[
    list[Channel],
    BeforeValidator(_lower_items),
    Field(max_length=len(CHANNELS), description="Channels the employee shares vacancies on."),
    AfterValidator(_dedupe),
]
OptedInAt = Annotated[
    AwareDatetime | None, Field(description="When the employee (last) agreed to take part.")
]
OptedOutAt = Annotated[
    AwareDatetime | None,
    Field(
        description="Set while the employee has opted out: they receive nothing and get no "
        "new links."
    ),
]


class EmployeeFields(StrictModel):
    external_id: ExternalId | None = Field(
        default=None, description="Your HR system's id; unique per organisation."
    )
    department: Department | None = None
    fields: FieldList = Field(default_factory=list)
    channels: ChannelList = Field(default_factory=list)
    opted_in_at: OptedInAt = None
    opted_out_at: OptedOutAt = None


class EmployeeCreate(EmployeeFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "external_id": "HR-1204",
                    "name": "Anna Bakker",
                    "email": "anna.bakker@kb.example",
                    "department": "Digitale collecties",
                    "channels": ["linkedin", "x"],
                }
            ]
        }
    )

    name: Name
    email: NormalisedEmail = Field(
        description="Stored trimmed and lower-cased; unique per organisation."
    )


class EmployeeUpdate(StrictModel):
    """Partial update: fields left out keep their value; ``null`` clears an optional field."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"department": "Onderzoek", "channels": ["linkedin"]}]}
    )

    external_id: ExternalId | None = None
    name: Name | None = None
    email: NormalisedEmail | None = None
    department: Department | None = None
    fields: FieldList | None = None
    channels: ChannelList | None = None
    opted_in_at: OptedInAt = None
    opted_out_at: OptedOutAt = None

    @field_validator("name", "email", "fields", "channels")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null; leave the field out to keep its value")
        return value


class EmployeeOut(BaseModel):
    id: UUID
    external_id: str | None
    name: str
    email: str
    department: str | None
    fields: list[str]
    channels: list[Channel]
    opted_in_at: datetime | None
    opted_out_at: datetime | None
    opted_out: bool = Field(description="True while `opted_out_at` is set.")
    created_at: datetime
    updated_at: datetime


class ImportResult(BaseModel):
    created: int = Field(description="Rows that became new employees.")
    updated: int = Field(description="Rows that changed an existing employee.")
    unchanged: int = Field(
        description="Rows that matched an employee who already had those values."
    )
