"""/v1/vacancies/{id}/attribution: who and which channels brought a vacancy's applications
and hires."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from api.deps import DistributionRead, SessionDep, SettingsDep
from api.problems import problem_responses
from api.routing import StrictJsonRoute
from distribution.attribution import service
from distribution.attribution.credit import AttributionModel
from distribution.attribution.schemas import AttributionOut

router = APIRouter(tags=["attribution"], route_class=StrictJsonRoute)

MODEL_HELP = (
    "`first_touch`, `last_touch`, `linear`, `position_based` (40/20/40) or `time_decay` "
    "(half-life 7 days before the application)."
)


@router.get(
    "/v1/vacancies/{vacancy_id}/attribution",
    summary="Attribute a vacancy's applications and hires",
    responses=problem_responses(401, 403, 404, 422),
)
def vacancy_attribution(
    vacancy_id: UUID,
    principal: DistributionRead,
    session: SessionDep,
    settings: SettingsDep,
    model: Annotated[AttributionModel, Query(description=MODEL_HELP)] = "last_touch",
) -> AttributionOut:
    """Credit per employee and per channel for the vacancy's applications and hires.

    Every application with touchpoints counts as one conversion, split over its touches in
    their order: `first_touch` gives all to the first, `last_touch` all to the last,
    `linear` 1/n to each, `position_based` 40% to the first, 40% to the last and 20% evenly
    to those between (one touch: 100%, two: 50/50), `time_decay` in proportion to
    2^(-age/7 days), the age measured from the touch to the application. Hires are the
    applications now `hired`, credited the same way.

    A touch credits its link's channel and its link's employee; a visitor's reshare link
    credits the employee at the root of its chain. Employees and channels that appear in a
    touch are all listed (0 where the model gives nothing), credits rounded to 4 decimals,
    highest first. `ownership` shows, for every application, the referral ownership rule:
    a candidate with the same email referred within `window_days` before keeps the first
    referrer for the reward (`first_referrer_kept`)."""
    return service.attribution(
        session,
        principal.organisation_id,
        vacancy_id,
        model,
        window_days=settings.referral_window_days,
    )
