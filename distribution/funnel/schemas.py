"""Funnel and leaderboard response shapes (field names are part of the public API and the
column names of the CSV exports)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

Level = Literal["total", "channel", "employee"]


class Conversion(BaseModel):
    """Each step of the chain reached -> links_shared -> clicks -> applications ->
    interviews -> hires as next / previous, rounded to 4 decimals; null when the previous
    figure is 0. A ratio can exceed 1 (a shared link usually brings several clicks)."""

    reached_to_links_shared: float | None
    links_shared_to_clicks: float | None
    clicks_to_applications: float | None
    applications_to_interviews: float | None
    interviews_to_hires: float | None


class Figures(BaseModel):
    reached: int = Field(
        description="Distinct employees with a `sent` invitation of the campaign (vacancy: of "
        "any of its campaigns). Per channel: those of them holding an own (not reshared) link "
        "in scope on that channel. Per employee: 0 or 1."
    )
    links: int = Field(description="Tracked links in scope, reshare links included.")
    links_shared: int = Field(description="Links in scope with at least one counted click.")
    clicks: int = Field(
        description="Counted clicks: one per visitor, link and day; bot traffic never counts."
    )
    requests: int = Field(description="Every request behind the counted clicks (sum of hits).")
    bot_requests: int = Field(description="Requests recognised as bots (never counted).")
    unique_visitors: int = Field(
        description="Distinct visitor keys among the counted clicks. The visitor key changes "
        "daily, so a visitor coming back another day counts again; lines do not add up to "
        "the total when one visitor clicked links of several lines."
    )
    applications: int = Field(
        description="Applications to the vacancy with a touch (touchpoint or ref link) on a "
        "link in scope; each counts once per breakdown, on its attributed link."
    )
    interviews: int = Field(
        description="Of those applications, the ones that ever reached `interview`, `offer` "
        "or `hired` (by their status history: a later rejection keeps the interview)."
    )
    hires: int = Field(
        description="Of those applications, the ones whose current status is `hired` (a hire "
        "later withdrawn or rejected no longer counts)."
    )
    conversion: Conversion


class ChannelLine(Figures):
    channel: str


class EmployeeLine(Figures):
    employee_id: UUID
    external_id: str | None
    name: str
    department: str | None
    opted_out: bool = Field(description="Opted out of campaigns; their history still counts.")


class FunnelBase(BaseModel):
    vacancy_id: UUID
    total: Figures
    channels: list[ChannelLine] = Field(description="One line per link channel, alphabetical.")
    employees: list[EmployeeLine] = Field(
        description="One line per employee invited by a campaign in scope or credited with a "
        "link in scope; ordered by hires, applications, clicks (descending), then name."
    )


class CampaignFunnel(FunnelBase):
    campaign_id: UUID


class VacancyFunnel(FunnelBase):
    campaign_ids: list[UUID] = Field(description="The vacancy's campaigns, oldest first.")
    applications_total: int = Field(
        description="Every application to the vacancy, with or without a tracked touch."
    )
    interviews_total: int = Field(description="Of all applications, those ever interviewed.")
    hires_total: int = Field(description="Of all applications, those currently hired.")


class LeaderboardEntry(BaseModel):
    rank: int = Field(
        description="1 for the best; employees with equal hires, applications and clicks "
        "share a rank (1, 2, 2, 4) and are listed by name."
    )
    employee_id: UUID
    external_id: str | None
    name: str
    department: str | None
    opted_out: bool = Field(description="Opted out of campaigns; their history still counts.")
    hires: int
    applications: int
    clicks: int
    links_shared: int


class Leaderboard(BaseModel):
    since: datetime | None
    until: datetime | None
    data: list[LeaderboardEntry]
