"""Shapes of posting channels, cross-posting rules and posts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from matching.types import StrictModel
from models.posting import ChannelKind, PostStatus

Name = Annotated[str, Field(min_length=1, max_length=200)]
Setting = (
    Annotated[str, Field(max_length=2000)]
    | Annotated[list[Annotated[str, Field(max_length=320)]], Field(max_length=100)]
)
Config = Annotated[
    dict[Annotated[str, Field(max_length=40)], Setting],
    Field(
        max_length=20,
        description="What may be shown: `author` (LinkedIn, `urn:li:organization:ID`), "
        "`page_id` (Facebook), `handle` (X), `url` (webhook), `recipients` (email), and "
        "for any kind `language` (`nl`/`en`) and, for the APIs, `api_base_url` and `version`.",
    ),
]
Credentials = Annotated[
    dict[
        Annotated[str, Field(max_length=40)], Annotated[str, Field(min_length=1, max_length=4000)]
    ],
    Field(
        max_length=10,
        description="Write-only: `access_token` (LinkedIn, Facebook page token, X user "
        "token), `webhook_url` (Slack, Teams), `secret` (webhook signing). Never returned.",
    ),
]
Language = Literal["nl", "en"]


class ChannelCreate(StrictModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "linkedin",
                    "name": "KB op LinkedIn",
                    "config": {"author": "urn:li:organization:2414183", "language": "nl"},
                    "credentials": {"access_token": "AQX...token"},
                }
            ]
        }
    )

    kind: ChannelKind
    name: Name
    config: Config = Field(default_factory=dict)
    credentials: Credentials = Field(default_factory=dict)
    enabled: bool = True


class ChannelUpdate(StrictModel):
    """Fields left out keep their value. `config` and `credentials` are merged into what
    is stored; a setting sent as an empty string is removed."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"enabled": False}]})

    name: Name | None = None
    config: Config | None = None
    credentials: dict[str, Annotated[str, Field(max_length=4000)]] | None = Field(
        default=None, max_length=10
    )
    enabled: bool | None = None


class ChannelOut(BaseModel):
    id: UUID
    kind: ChannelKind
    name: str
    config: dict[str, str | list[str]]
    credentials_set: list[str] = Field(description="Names of the credentials configured.")
    missing_credentials: list[str]
    usable: bool = Field(description="Enabled and every credential configured.")
    enabled: bool
    last_error: str | None
    last_error_at: datetime | None
    created_at: datetime
    updated_at: datetime


class RuleChannel(StrictModel):
    channel_id: UUID
    template: Annotated[str, Field(min_length=1, max_length=2000)] | None = Field(
        default=None,
        description="The message, with `{title}`, `{organisation}`, `{city}`, `{summary}`, "
        "`{url}` and `{hashtags}`; the default template of the language otherwise.",
    )
    hashtags: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(
        default_factory=list, max_length=10
    )
    language: Language | None = Field(
        default=None, description="The default: the channel's `language`, else the vacancy's."
    )


class RuleCreate(StrictModel):
    """Post a vacancy to `channels` when it opens (`on_open`); with `repost_after_days`
    and `repost_below_applications`, post it again (a new round, up to `max_rounds`) once
    that many days passed since the last round while it has fewer applications."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Nieuwe vacatures",
                    "channels": [
                        {
                            "channel_id": "0193a9f0-0000-7000-8000-000000000001",
                            "hashtags": ["vacature", "bibliotheek"],
                        }
                    ],
                    "repost_after_days": 14,
                    "repost_below_applications": 5,
                }
            ]
        }
    )

    name: Name
    on_open: bool = True
    channels: list[RuleChannel] = Field(min_length=1, max_length=20)
    repost_after_days: int | None = Field(default=None, ge=1, le=365)
    repost_below_applications: int | None = Field(default=None, ge=1, le=100_000)
    max_rounds: int = Field(default=2, ge=1, le=10)
    enabled: bool = True

    @model_validator(mode="after")
    def _repost_pair(self) -> RuleCreate:
        if (self.repost_after_days is None) != (self.repost_below_applications is None):
            raise ValueError(
                "repost_after_days and repost_below_applications go together: set both or neither"
            )
        if len({c.channel_id for c in self.channels}) != len(self.channels):
            raise ValueError("a channel appears twice in channels")
        return self


class RuleUpdate(StrictModel):
    """Fields left out keep their value; `channels` replaces the rule's channels. Set both
    repost fields to null to stop reposting."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"enabled": False}]})

    name: Name | None = None
    on_open: bool | None = None
    channels: list[RuleChannel] | None = Field(default=None, min_length=1, max_length=20)
    repost_after_days: int | None = Field(default=None, ge=1, le=365)
    repost_below_applications: int | None = Field(default=None, ge=1, le=100_000)
    max_rounds: int | None = Field(default=None, ge=1, le=10)
    enabled: bool | None = None


class RuleOut(BaseModel):
    id: UUID
    name: str
    on_open: bool
    channels: list[RuleChannel]
    repost_after_days: int | None
    repost_below_applications: int | None
    max_rounds: int
    enabled: bool
    created_at: datetime
    updated_at: datetime


class PostOut(BaseModel):
    id: UUID
    vacancy_id: UUID | None
    channel_id: UUID
    channel_kind: ChannelKind
    rule_id: UUID | None
    round: int
    status: PostStatus
    text: str | None = Field(description="The message as sent (set at the first attempt).")
    url: str | None = Field(description="The channel's tracked link of the vacancy.")
    platform_id: str | None
    platform_url: str | None
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    published_at: datetime | None
    withdrawn_at: datetime | None
    created_at: datetime
    updated_at: datetime


class PostList(BaseModel):
    data: list[PostOut]
