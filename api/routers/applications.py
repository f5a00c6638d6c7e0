"""/v1/applications: applications from an ATS or the apply form, and their status history."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from api.deps import ApplicationsRead, ApplicationsWrite, SessionDep, SettingsDep
from api.pagination import CursorQuery, LimitQuery, Page, decode_cursor, paginate
from api.problems import problem_responses
from api.routing import StrictJsonRoute
from distribution.applications import repository, service
from distribution.applications.schemas import (
    ApplicationCreate,
    ApplicationOut,
    ApplicationStatus,
    StatusChange,
)
from matching.indexing.service import index_candidate
from trust.audit import decisions
from trust.audit.service import Actor

router = APIRouter(prefix="/v1/applications", tags=["applications"], route_class=StrictJsonRoute)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Record an application",
    responses=problem_responses(401, 403, 409, 422),
)
def create_application(
    payload: ApplicationCreate,
    principal: ApplicationsWrite,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> ApplicationOut:
    """Record an application to a vacancy of your organisation, with the candidate's consent
    (`consent: false` stores nothing and answers 422).

    The candidate is an existing `candidate_id` or an inline `candidate` profile; a profile
    whose email (or else `external_id`) the organisation already has uses that candidate
    unchanged, a new one is stored and indexed for matching. A candidate applies to a
    vacancy once: a second application answers 409 with `existing_id`.

    `ref` is the tracked-link code the candidate arrived with (`tm_ref`), and `touches` the
    earlier tracked-link visits you saw; each must be a link of this vacancy, or the request
    answers 422 naming the field. The application gets its touchpoints (`ref`, the links the
    ref was reshared from as `chain`, and the reported `touch`es, in time order), its
    referrer (the employee at the root of the ref's chain) and the ownership rule's outcome:
    a candidate with the same email referred within `TALENTMESH_REFERRAL_WINDOW_DAYS`
    (default 180) before keeps the first referrer for the referral reward."""
    recorded = service.record(
        session, principal.organisation_id, payload, window_days=settings.referral_window_days
    )
    if recorded.candidate_created:
        index_candidate(session, recorded.candidate, settings.embedding_model)
    response.headers["Location"] = f"/v1/applications/{recorded.application.id}"
    return service.to_out(session, [recorded.application])[0]


@router.get("", summary="List applications", responses=problem_responses(400, 401, 403, 422))
def list_applications(
    request: Request,
    response: Response,
    principal: ApplicationsRead,
    session: SessionDep,
    settings: SettingsDep,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
    vacancy_id: UUID | None = None,
    status_: Annotated[ApplicationStatus | None, Query(alias="status")] = None,
) -> Page[ApplicationOut]:
    """List the organisation's applications, oldest first, a page at a time, optionally of
    one vacancy or in one status. Follow `next_cursor` (or the `Link: rel="next"` header)."""
    secret = settings.secret_key.get_secret_value()
    rows = repository.list_page(
        session,
        principal.organisation_id,
        limit=limit,
        after_id=decode_cursor(secret, cursor),
        vacancy_id=vacancy_id,
        status=status_,
    )
    # Events and touchpoints of the whole page are read in one go.
    outs = {out.id: out for out in service.to_out(session, rows[:limit])}
    return paginate(
        request, response, rows, limit=limit, secret=secret, to_out=lambda a: outs[a.id]
    )


@router.get(
    "/{application_id}",
    summary="Get an application",
    responses=problem_responses(401, 403, 404, 422),
)
def get_application(
    application_id: UUID, principal: ApplicationsRead, session: SessionDep
) -> ApplicationOut:
    """One application with its status history (`events`), its `touchpoints` and the
    ownership rule's outcome; another organisation's id answers 404."""
    application = service.get(session, principal.organisation_id, application_id)
    return service.to_out(session, [application])[0]


@router.patch(
    "/{application_id}",
    summary="Change an application's status",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def change_application_status(
    application_id: UUID, change: StatusChange, principal: ApplicationsWrite, session: SessionDep
) -> ApplicationOut:
    """Move the application to `status` at `at` (default now), with an optional `note`;
    every change is kept in `events`.

    Allowed: forward along `applied`, `screening`, `interview`, `offer`, `hired` (steps may
    be skipped); to `rejected` or `withdrawn` from any status before `hired`; and `hired` to
    `withdrawn` (the candidate left during probation). Any other move answers 409 with
    `from`, `to` and the `allowed` targets. `at` may not lie in the future or before the
    previous change (422).

    Moving to `hired` starts the referrer's reward under the active reward policy; leaving
    `hired` voids a reward that was not paid yet."""
    previous = service.get(session, principal.organisation_id, application_id).status
    application = service.change_status(session, principal.organisation_id, application_id, change)
    out = service.to_out(session, [application])[0]
    decisions.record_status_change(
        session,
        application,
        previous,
        out.events[-1].at,
        change.note,
        Actor.key(principal.api_key_id),
    )
    return out
