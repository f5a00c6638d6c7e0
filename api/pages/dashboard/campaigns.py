"""Dashboard page of a campaign: the funnel chart by channel, reach over time, the
employee leaderboard, attribution with a model of the viewer's choice, and CSV export."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.deps import SessionDep, SettingsDep
from api.pages.charts import funnel_chart, line_chart
from api.pages.dashboard.common import not_found, page
from api.pages.dashboard.session import DashboardUser, UserDep
from api.pages.i18n import Texts
from api.pages.templating import PRIVATE
from distribution.attribution.credit import ATTRIBUTION_MODELS, AttributionModel
from distribution.attribution.service import attribution
from distribution.campaigns import service as campaigns
from distribution.funnel import export
from distribution.funnel import service as funnel
from distribution.funnel.schemas import CampaignFunnel, Figures
from matching.vacancies import service as vacancies
from models import Campaign
from runtime.errors import NotFoundError

router = APIRouter(include_in_schema=False)
STEPS = ("Reached", "Links shared", "Clicks", "Applications", "Interviews", "Hires")
# A reach chart over more days than this shows its last ones.
REACH_DAYS = 90
_ENGLISH = Texts("en")


def _steps(figures: Figures) -> list[int]:
    return [
        figures.reached,
        figures.links_shared,
        figures.clicks,
        figures.applications,
        figures.interviews,
        figures.hires,
    ]


def _label(channel: str) -> str:
    return _ENGLISH.channel(channel)


def _reach(rows: list[tuple[date, str, int]]) -> tuple[list[tuple[date, list[int]]], list[str]]:
    """One point per day from the first click to the last (days without clicks are 0), one
    series per channel."""
    if not rows:
        return [], []
    channels = sorted({channel for _, channel, _ in rows})
    counts = {(day, channel): n for day, channel, n in rows}
    last = max(day for day, _, _ in rows)
    first = max(min(day for day, _, _ in rows), last - timedelta(days=REACH_DAYS - 1))
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    points = [(day, [counts.get((day, c), 0) for c in channels]) for day in days]
    return points, [_label(c) for c in channels]


def _campaign(session: Session, user: DashboardUser, campaign_id: str) -> Campaign | None:
    try:
        return campaigns.get(session, user.organisation_id, UUID(campaign_id))
    except (ValueError, NotFoundError):
        return None


@router.get("/dashboard/campaigns/{campaign_id}")
def show_campaign(
    campaign_id: str,
    user: UserDep,
    session: SessionDep,
    settings: SettingsDep,
    model: Annotated[str, Query()] = "position_based",
) -> HTMLResponse:
    user.require("distribution:read")
    campaign = _campaign(session, user, campaign_id)
    if campaign is None:
        return not_found()
    chosen: AttributionModel = model if model in ATTRIBUTION_MODELS else "position_based"  # type: ignore[assignment]
    figures: CampaignFunnel = funnel.campaign_funnel(session, user.organisation_id, campaign.id)
    series = [(_label(line.channel), _steps(line)) for line in figures.channels]
    # One employee reached on two channels counts on both lines but once in the total, so
    # only the steps that add up across channels are stacked in the chart.
    chart_series = [(label, values[1:]) for label, values in series]
    points, labels = _reach(funnel.campaign_reach(session, user.organisation_id, campaign.id))
    return page(
        "campaign.html",
        session,
        user,
        page_title="Campaign – TalentMesh",
        campaign=campaigns.to_out(campaign),
        vacancy=vacancies.get(session, user.organisation_id, campaign.vacancy_id),
        steps=STEPS,
        funnel_rows=[*series, ("All channels", _steps(figures.total))],
        funnel_svg=funnel_chart(
            STEPS[1:],
            chart_series,
            title="Campaign funnel by channel",
            description="From shared links to hires, one bar per step, split by channel.",
        ),
        reach_svg=line_chart(
            points,
            labels,
            title="Clicks per day",
            description="Counted clicks on the campaign's links per day and channel.",
        ),
        leaders=figures.employees,
        models=ATTRIBUTION_MODELS,
        attribution=attribution(
            session,
            user.organisation_id,
            campaign.vacancy_id,
            chosen,
            window_days=settings.referral_window_days,
        ),
    )


@router.get("/dashboard/campaigns/{campaign_id}/funnel.csv")
def campaign_funnel_csv(campaign_id: str, user: UserDep, session: SessionDep) -> Response:
    user.require("distribution:read")
    campaign = _campaign(session, user, campaign_id)
    if campaign is None:
        return not_found()
    figures = funnel.campaign_funnel(session, user.organisation_id, campaign.id)
    return Response(
        export.funnel_csv(figures),
        media_type="text/csv; charset=utf-8",
        headers={
            **PRIVATE,
            "Content-Disposition": f'attachment; filename="campaign-{campaign.id}-funnel.csv"',
        },
    )
