"""Referral campaigns: send a vacancy to employees with personal tracked links."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response, status

from api.deps import DistributionRead, DistributionWrite, SessionDep, SettingsDep
from api.pagination import CursorQuery, LimitQuery, Page, decode_cursor, paginate
from api.problems import problem_responses
from api.routing import StrictJsonRoute
from distribution.campaigns import repository, service
from distribution.campaigns.schemas import CampaignCreate, CampaignOut
from runtime.errors import NotFoundError

router = APIRouter(tags=["campaigns"], route_class=StrictJsonRoute)


@router.post(
    "/v1/vacancies/{vacancy_id}/campaigns",
    status_code=status.HTTP_201_CREATED,
    summary="Start a referral campaign for a vacancy",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def create_campaign(
    vacancy_id: UUID,
    payload: CampaignCreate,
    principal: DistributionWrite,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> CampaignOut:
    """Schedule a campaign: at `starts_at` (now if omitted) the audience is resolved and
    fanned out in background batches. Each employee in it (opted-out employees never are)
    gets one tracked link per channel and one notification: an email, or a signed webhook
    POST for employees who use the `intranet` channel when `webhook_url` is set. The
    notification carries, per channel, a ready-made share text within that channel's
    length limit and a share-intent URL. Follow the progress with `GET /v1/campaigns/{id}`.
    A closed or draft vacancy answers 409; unknown `employee_ids` answer 422."""
    campaign = service.create(
        session,
        principal.organisation_id,
        vacancy_id,
        payload,
        allow_private=settings.webhook_allow_private,
    )
    response.headers["Location"] = f"/v1/campaigns/{campaign.id}"
    return service.to_out(campaign)


@router.get(
    "/v1/vacancies/{vacancy_id}/campaigns",
    summary="List a vacancy's campaigns",
    responses=problem_responses(400, 401, 403, 404, 422),
)
def list_campaigns(
    vacancy_id: UUID,
    request: Request,
    response: Response,
    principal: DistributionRead,
    session: SessionDep,
    settings: SettingsDep,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Page[CampaignOut]:
    """The vacancy's campaigns, oldest first, a page at a time."""
    if repository.vacancy(session, principal.organisation_id, vacancy_id) is None:
        raise NotFoundError(f"no vacancy with id {vacancy_id}")
    secret = settings.secret_key.get_secret_value()
    rows = repository.list_for_vacancy(
        session,
        principal.organisation_id,
        vacancy_id,
        limit=limit,
        after_id=decode_cursor(secret, cursor),
    )
    return paginate(request, response, rows, limit=limit, secret=secret, to_out=service.to_out)


@router.get(
    "/v1/campaigns/{campaign_id}",
    summary="A campaign and its progress",
    responses=problem_responses(401, 403, 404, 422),
)
def get_campaign(
    campaign_id: UUID, principal: DistributionRead, session: SessionDep
) -> CampaignOut:
    """The campaign with `progress`: batches done, invitations and reminders per transport
    (`queued`, `sent`, `failed`, `skipped` for employees who opted out after the start),
    and per share channel the links made and the state of the invitations carrying them.
    A delivery is tried at most five times (retries with backoff from 5 s to 10 min)
    before it stays `failed`."""
    campaign = service.get(session, principal.organisation_id, campaign_id)
    return service.to_out(campaign, service.progress(session, campaign))


@router.post(
    "/v1/campaigns/{campaign_id}/cancel",
    summary="Cancel a scheduled campaign",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def cancel_campaign(
    campaign_id: UUID, principal: DistributionWrite, session: SessionDep
) -> CampaignOut:
    """Cancel a campaign that has not started yet (409 once it runs)."""
    return service.to_out(service.cancel(session, principal.organisation_id, campaign_id))
