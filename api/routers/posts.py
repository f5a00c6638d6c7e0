"""/v1/vacancies/{vacancy_id}/posts: a vacancy's posts on the posting channels, and
posting or withdrawing it by hand."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, status

from api.deps import DistributionRead, DistributionWrite, SessionDep
from api.problems import problem_responses
from api.routing import StrictJsonRoute
from distribution.posting import service
from distribution.posting.schemas import PostList, PublishRequest, WithdrawRequest

router = APIRouter(prefix="/v1/vacancies", tags=["posting"], route_class=StrictJsonRoute)


@router.get(
    "/{vacancy_id}/posts",
    summary="List a vacancy's posts",
    responses=problem_responses(401, 403, 404, 422),
)
def list_posts(vacancy_id: UUID, principal: DistributionRead, session: SessionDep) -> PostList:
    """Every post of the vacancy, oldest first: channel, round, status (`scheduled`,
    `publishing`, `published`, `updating`, `withdrawing`, `withdrawn`, `failed`), the
    platform's id and address, the tracked link, attempts and the last error."""
    return PostList(data=service.list_posts(session, principal.organisation_id, vacancy_id))


@router.post(
    "/{vacancy_id}/posts",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Post a vacancy to channels",
    responses=problem_responses(401, 403, 404, 422),
)
def publish(
    vacancy_id: UUID, payload: PublishRequest, principal: DistributionWrite, session: SessionDep
) -> PostList:
    """Schedule posts of an open vacancy on the channels named; a background job sends
    them. A channel where the vacancy is already posted is left alone. Answers every post
    of the vacancy."""
    service.publish(session, principal.organisation_id, vacancy_id, payload.channel_ids)
    return PostList(data=service.list_posts(session, principal.organisation_id, vacancy_id))


@router.post(
    "/{vacancy_id}/posts/withdraw",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Withdraw a vacancy's posts",
    responses=problem_responses(401, 403, 404, 422),
)
def withdraw(
    vacancy_id: UUID, payload: WithdrawRequest, principal: DistributionWrite, session: SessionDep
) -> PostList:
    """Withdraw the vacancy's posts from the channels named, or from all: deleted where
    the platform can (LinkedIn, Facebook, X), a "closed" message where it cannot (chat,
    intranet, e-mail). Closing or deleting a vacancy does this by itself."""
    service.withdraw(session, principal.organisation_id, vacancy_id, payload.channel_ids)
    return PostList(data=service.list_posts(session, principal.organisation_id, vacancy_id))
