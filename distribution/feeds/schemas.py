"""Shapes of the feeds: the board parameter, what one listed vacancy carries, and the JSON
Feed document (field names are part of the public API)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from models.link import FEED_BOARDS, FeedBoard

__all__ = ["FEED_BOARDS", "FeedBoard", "FeedItem", "FeedKind", "JsonFeed"]

FeedKind = Literal["xml", "json", "rss", "sitemap"]


@dataclass(frozen=True)
class FeedItem:
    """One open vacancy as every feed format needs it; ``url`` is the board's tracked link
    (the sitemap uses ``page_url``, the vacancy's own page)."""

    vacancy_id: UUID
    reference: str
    title: str
    description: str
    url: str
    page_url: str
    posted_at: datetime
    updated_at: datetime
    valid_through: datetime | None
    city: str | None
    region: str | None
    postal_code: str | None
    country: str | None
    remote: bool
    employment_type: str | None
    salary_min: Decimal | None
    salary_max: Decimal | None
    salary_currency: str | None
    salary_period: str | None


class JsonFeedJob(BaseModel):
    """The job fields of an item (a JSON Feed extension, hence the leading underscore)."""

    reference: str = Field(description="The vacancy's `external_id`, or its id.")
    company: str
    city: str | None
    region: str | None
    postal_code: str | None
    country: str | None = Field(description="ISO 3166-1 alpha-2.")
    remote: bool
    employment_type: str | None
    salary_min: Decimal | None
    salary_max: Decimal | None
    salary_currency: str | None
    salary_period: str | None
    valid_through: datetime | None
    page_url: str = Field(description="The vacancy's public page (not tracked).")


class JsonFeedItem(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(description="The vacancy id; stable for the life of the vacancy.")
    url: str = Field(description="The board's tracked link (`/r/{code}`).")
    title: str
    content_text: str
    date_published: datetime
    date_modified: datetime
    job: JsonFeedJob = Field(alias="_job")


class JsonFeed(BaseModel):
    """A JSON Feed 1.1 document (https://jsonfeed.org/version/1.1)."""

    model_config = ConfigDict(populate_by_name=True)

    version: str = "https://jsonfeed.org/version/1.1"
    title: str
    home_page_url: str
    feed_url: str
    description: str
    language: str | None = None
    items: list[JsonFeedItem]
