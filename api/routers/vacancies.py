"""/v1/vacancies: create, read, list, change and delete vacancies."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime
from sqlalchemy.orm import Session

from api.auth.repository import get_organisation
from api.bodies import IGNORED_HEADER_DOC, Converted, body_schema, converted
from api.deps import SessionDep, SettingsDep, VacanciesRead, VacanciesWrite
from api.pagination import CursorQuery, LimitQuery, Page, decode_cursor, paginate
from api.problems import problem_responses
from api.routing import StrictJsonRoute
from distribution.links.service import vacancy_page_url
from integration.formats import jobposting
from matching.indexing.service import index_vacancy
from matching.retrieval import announce, pools
from matching.vacancies import repository, service
from matching.vacancies.schemas import VacancyCreate, VacancyOut, VacancyUpdate
from models import Vacancy
from models.vacancy import VacancyStatus
from runtime.settings import Settings

router = APIRouter(prefix="/v1/vacancies", tags=["vacancies"], route_class=StrictJsonRoute)


VacancyFormat = Literal["talentmesh", "jobposting"]


async def vacancy_body(
    request: Request,
    format_: Annotated[
        VacancyFormat,
        Query(
            alias="format",
            description="`jobposting`: the body is a schema.org JobPosting (JSON-LD).",
        ),
    ] = "talentmesh",
) -> Converted[VacancyCreate]:
    return await converted(request, VacancyCreate, format_, {"jobposting": jobposting.to_vacancy})


def index_and_announce(session: Session, vacancy: Vacancy, settings: Settings) -> None:
    """What follows every write of a vacancy (API and dashboard): index it for matching
    before the response, find its match pool in the background, and let match.completed
    subscribers know it changed."""
    index_vacancy(session, vacancy, settings.embedding_model)
    pools.request(session, vacancy)
    announce.request(session, vacancy)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a vacancy",
    responses={
        201: {"headers": IGNORED_HEADER_DOC},
        **problem_responses(401, 403, 409, 422),
    },
    openapi_extra=body_schema(VacancyCreate, jobposting.DOCUMENT_SCHEMA, ld_json=True),
)
def create_vacancy(
    # The key first: a caller without one learns nothing about the body.
    principal: VacanciesWrite,
    body: Annotated[Converted[VacancyCreate], Depends(vacancy_body)],
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> VacancyOut:
    """Create a vacancy, from this API's shape or (`?format=jobposting`) from a schema.org
    JobPosting document; JobPosting properties the product does not store are named in the
    `Ignored-Properties` header. `external_id` is unique per organisation: a second vacancy
    with the same one answers 409 with `existing_id`. Without `language` the text language
    is detected. The vacancy is indexed for matching before the response."""
    vacancy = service.create(session, principal.organisation_id, body.payload)
    response.headers.update(body.headers())
    index_and_announce(session, vacancy, settings)
    response.headers["Location"] = f"/v1/vacancies/{vacancy.id}"
    return service.to_out(vacancy)


@router.get(
    "",
    summary="List vacancies",
    responses=problem_responses(400, 401, 403, 422),
)
def list_vacancies(
    request: Request,
    response: Response,
    principal: VacanciesRead,
    session: SessionDep,
    settings: SettingsDep,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
    status_: Annotated[VacancyStatus | None, Query(alias="status")] = None,
    updated_since: AwareDatetime | None = None,
    external_id: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[VacancyOut]:
    """List the organisation's vacancies, oldest first, a page at a time. Follow
    `next_cursor` (or the `Link: rel="next"` header) for the next page."""
    secret = settings.secret_key.get_secret_value()
    rows = repository.list_page(
        session,
        principal.organisation_id,
        limit=limit,
        after_id=decode_cursor(secret, cursor),
        status=status_,
        updated_since=updated_since,
        external_id=external_id,
    )
    return paginate(request, response, rows, limit=limit, secret=secret, to_out=service.to_out)


@router.get(
    "/{vacancy_id}.jsonld",
    summary="Get a vacancy as a JobPosting",
    response_class=JSONResponse,
    responses={
        200: {
            "description": "A schema.org JobPosting document.",
            "content": {"application/ld+json": {"schema": jobposting.DOCUMENT_SCHEMA}},
        },
        **problem_responses(401, 403, 404, 422),
    },
)
def get_vacancy_jsonld(
    vacancy_id: UUID, principal: VacanciesRead, session: SessionDep, settings: SettingsDep
) -> JSONResponse:
    """The vacancy as schema.org JobPosting JSON-LD, with every property Google for Jobs
    requires; `url` is the vacancy's `apply_url`, or its public page."""
    vacancy = service.get(session, principal.organisation_id, vacancy_id)
    organisation = get_organisation(session, principal.organisation_id)
    document = jobposting.from_vacancy(
        service.to_out(vacancy),
        organisation.name,
        vacancy_page_url(settings.resolved_public_url, organisation.slug, vacancy.id),
    )
    return JSONResponse(document, media_type="application/ld+json")


@router.get(
    "/{vacancy_id}", summary="Get a vacancy", responses=problem_responses(401, 403, 404, 422)
)
def get_vacancy(vacancy_id: UUID, principal: VacanciesRead, session: SessionDep) -> VacancyOut:
    """One vacancy of the caller's organisation; another organisation's id answers 404."""
    return service.to_out(service.get(session, principal.organisation_id, vacancy_id))


@router.patch(
    "/{vacancy_id}",
    summary="Change a vacancy",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def update_vacancy(
    vacancy_id: UUID,
    payload: VacancyUpdate,
    principal: VacanciesWrite,
    session: SessionDep,
    settings: SettingsDep,
) -> VacancyOut:
    """Change the fields sent; fields left out keep their value and `null` clears an
    optional one. The vacancy is re-indexed for matching before the response."""
    vacancy = service.update(session, principal.organisation_id, vacancy_id, payload)
    index_and_announce(session, vacancy, settings)
    return service.to_out(vacancy)


@router.delete(
    "/{vacancy_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a vacancy",
    responses=problem_responses(401, 403, 404, 422),
)
def delete_vacancy(vacancy_id: UUID, principal: VacanciesWrite, session: SessionDep) -> None:
    """Delete a vacancy with what matching derived from it (sections, concepts); a
    `vacancy.deleted` event carries its id."""
    service.delete(session, principal.organisation_id, vacancy_id)
