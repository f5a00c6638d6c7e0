"""/v1/vacancies/{vacancy_id}/posts: a vacancy's posts on the posting channels, and
posting or withdrawing it by hand."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, status

from api.deps import DistributionRead, DistributionWrite, SessionDep
from api.problems import problem_responses
from api.routing import StrictJsonRoute
from distribution.posting import service
from distribution.posting.schemas import PostList

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
    "/{vacancy_id}/posts/{channel_id}",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Post a vacancy to a channel",
    responses=problem_responses(401, 403, 404, 422),
)
def publish(
    vacancy_id: UUID, channel_id: UUID, principal: DistributionWrite, session: SessionDep
) -> PostList:
    """Schedule a post of an open vacancy on the channel; a background job sends it. If
    the vacancy is already posted there, nothing changes. Answers every post of the
    vacancy."""
    service.publish(session, principal.organisation_id, vacancy_id, [channel_id])
    return PostList(data=service.list_posts(session, principal.organisation_id, vacancy_id))


@router.delete(
    "/{vacancy_id}/posts",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Withdraw a vacancy's posts",
    responses=problem_responses(401, 403, 404, 422),
)
def withdraw_all(vacancy_id: UUID, principal: DistributionWrite, session: SessionDep) -> PostList:
    """Withdraw the vacancy's posts from every channel: deleted where the platform can
    (LinkedIn, Facebook, X), a "closed" message where it cannot (Slack, Teams, intranet
    webhook, e-mail). Closing, expiring or deleting a vacancy does this by itself."""
    service.withdraw(session, principal.organisation_id, vacancy_id, None)
    return PostList(data=service.list_posts(session, principal.organisation_id, vacancy_id))


@router.delete(
    "/{vacancy_id}/posts/{channel_id}",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Withdraw a vacancy's posts from a channel",
    responses=problem_responses(401, 403, 404, 422),
)
def withdraw(
    vacancy_id: UUID, channel_id: UUID, principal: DistributionWrite, session: SessionDep
) -> PostList:
    """Withdraw the vacancy's posts (every round) from one channel, as above."""
    service.withdraw(session, principal.organisation_id, vacancy_id, [channel_id])
    return PostList(data=service.list_posts(session, principal.organisation_id, vacancy_id))
