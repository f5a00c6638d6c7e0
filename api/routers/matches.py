"""Matching: candidates for a vacancy, vacancies for a candidate, free-text candidate search."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from api.deps import SearchScope, SessionDep, SettingsDep
from api.pagination import CursorQuery, LimitQuery, decode_offset, encode_offset, link_next
from api.problems import problem_responses
from api.routing import StrictJsonRoute
from matching.candidates import service as candidates
from matching.records import location_out
from matching.retrieval import announce, service
from matching.retrieval.ranking import Scored
from matching.retrieval.schemas import (
    CandidateMatch,
    Explanation,
    MatchFilters,
    MatchPage,
    SearchRequest,
    VacancyMatch,
)
from matching.types import Location
from matching.vacancies import service as vacancies
from models import Candidate, Vacancy
from runtime.errors import ConflictError
from runtime.settings import Settings
from trust.audit import rankings
from trust.audit.service import Actor

router = APIRouter(tags=["matching"], route_class=StrictJsonRoute)

MinScore = Annotated[float, Query(ge=0, le=1, description="Leave out matches scoring lower.")]
Blind = Annotated[
    bool, Query(description="Leave name, email, phone and photo out of the response.")
]


def _filters(
    languages: Annotated[list[str] | None, Query(max_length=20)] = None,
    country: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
    city: Annotated[str | None, Query(max_length=200)] = None,
    remote: bool | None = None,
    skills: Annotated[list[str] | None, Query(max_length=50)] = None,
) -> MatchFilters:
    try:
        return MatchFilters.model_validate(
            {
                "languages": languages or [],
                "country": country,
                "city": city,
                "remote": remote,
                "skills": skills or [],
            }
        )
    except ValidationError as exc:
        # Raised inside a dependency it would be a 500; as a request validation error it is
        # the same 422 problem as any other bad query parameter, naming the parameter.
        errors = [{**error, "loc": ("query", *error["loc"])} for error in exc.errors()]
        raise RequestValidationError(errors) from exc


FiltersDep = Annotated[MatchFilters, Depends(_filters)]

_IDENTITY = ("name", "email", "phone", "photo", "birth_date", "date_of_birth", "gender")


def candidate_summary(candidate: Candidate, blind: bool) -> dict[str, Any]:
    """The profile fields a match shows, as ``GET /v1/candidates/{id}`` gives them. Read
    from the columns themselves: a pool is loaded without its experience, education and
    profiles (matching/retrieval/repository.py), and building the whole profile would
    read them back one candidate at a time."""
    location = location_out(candidate)
    out: dict[str, Any] = {
        "id": str(candidate.id),
        "external_id": candidate.external_id,
        "name": candidate.name,
        "email": candidate.email,
        "phone": candidate.phone,
        "headline": candidate.headline,
        "location": None if location is None else Location(**location).model_dump(mode="json"),
        "languages": list(candidate.languages),
        "skills": list(candidate.skills),
        "remote": candidate.remote,
    }
    if blind:
        for key in _IDENTITY:
            out.pop(key, None)
    return out


def vacancy_summary(vacancy: Vacancy) -> dict[str, Any]:
    return vacancies.to_out(vacancy).model_dump(
        mode="json", include={"id", "external_id", "title", "location", "remote", "status"}
    )


def _candidate_items(
    ranked: Sequence[Scored], first_rank: int, blind: bool
) -> list[CandidateMatch]:
    return [
        CandidateMatch(
            candidate_id=item.owner.id,
            score=item.score,
            rank=rank,
            explanation=Explanation.model_validate(item.explanation),
            candidate=candidate_summary(item.owner, blind),  # type: ignore[arg-type]
        )
        for rank, item in enumerate(ranked, start=first_rank)
    ]


def _vacancy_items(ranked: Sequence[Scored], first_rank: int) -> list[VacancyMatch]:
    return [
        VacancyMatch(
            vacancy_id=item.owner.id,
            score=item.score,
            rank=rank,
            explanation=Explanation.model_validate(item.explanation),
            vacancy=vacancy_summary(item.owner),  # type: ignore[arg-type]
        )
        for rank, item in enumerate(ranked, start=first_rank)
    ]


def _asked(
    filters: MatchFilters, min_score: float, offset: int, limit: int, *, blind: bool = False
) -> dict[str, Any]:
    return {
        "filters": filters.model_dump(mode="json", exclude_defaults=True),
        "min_score": min_score,
        "offset": offset,
        "limit": limit,
        "blind": blind,
    }


def _page(
    request: Request,
    response: Response,
    settings: Settings,
    items: Sequence[Any],
    offset: int,
    limit: int,
) -> str | None:
    if len(items) <= offset + limit:
        return None
    cursor = encode_offset(settings.secret_key.get_secret_value(), offset + limit)
    link_next(request, response, cursor=cursor, limit=limit)
    return cursor


@router.get(
    "/v1/vacancies/{vacancy_id}/matches",
    summary="Candidates for a vacancy",
    responses=problem_responses(400, 401, 403, 404, 422),
)
def vacancy_matches(
    vacancy_id: UUID,
    request: Request,
    response: Response,
    principal: SearchScope,
    session: SessionDep,
    settings: SettingsDep,
    filters: FiltersDep,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
    min_score: MinScore = 0.0,
    blind: Blind = False,
) -> MatchPage[CandidateMatch]:
    """The organisation's candidates ranked for this vacancy, best first. Each item carries
    its score in [0, 1], its rank and an explanation: component scores, matched, missing and
    transferable skills, the occupations recognised, and evidence snippets. Names, email
    and phone never influence a score; `blind=true` also leaves them out of the response."""
    offset = decode_offset(settings.secret_key.get_secret_value(), cursor)
    vacancy = vacancies.get(session, principal.organisation_id, vacancy_id)
    ranked = service.matches_for_vacancy(
        session, vacancy, settings.embedding_model, filters, min_score
    )
    items = _candidate_items(ranked[offset : offset + limit], offset + 1, blind)
    next_cursor = _page(request, response, settings, ranked, offset, limit)
    rankings.record(
        session,
        principal.organisation_id,
        rankings.VACANCY_MATCHES,
        Actor.key(principal.api_key_id),
        shown=ranked[offset : offset + limit],
        first_rank=offset + 1,
        total=len(ranked),
        model=settings.embedding_model,
        request=_asked(filters, min_score, offset, limit, blind=blind),
        vacancy_id=vacancy.id,
    )
    return MatchPage[CandidateMatch](
        data=items, next_cursor=next_cursor, model=settings.embedding_model
    )


@router.get(
    "/v1/candidates/{candidate_id}/matches",
    summary="Vacancies for a candidate",
    responses=problem_responses(400, 401, 403, 404, 422),
)
def candidate_matches(
    candidate_id: UUID,
    request: Request,
    response: Response,
    principal: SearchScope,
    session: SessionDep,
    settings: SettingsDep,
    filters: FiltersDep,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
    min_score: MinScore = 0.0,
) -> MatchPage[VacancyMatch]:
    """The organisation's open vacancies ranked for this candidate, best first, each with
    score, rank and explanation (as for vacancy matches)."""
    offset = decode_offset(settings.secret_key.get_secret_value(), cursor)
    candidate = candidates.get(session, principal.organisation_id, candidate_id)
    ranked = service.matches_for_candidate(
        session, candidate, settings.embedding_model, filters, min_score
    )
    items = _vacancy_items(ranked[offset : offset + limit], offset + 1)
    next_cursor = _page(request, response, settings, ranked, offset, limit)
    rankings.record(
        session,
        principal.organisation_id,
        rankings.CANDIDATE_MATCHES,
        Actor.key(principal.api_key_id),
        shown=ranked[offset : offset + limit],
        first_rank=offset + 1,
        total=len(ranked),
        model=settings.embedding_model,
        request=_asked(filters, min_score, offset, limit),
        candidate_id=candidate.id,
    )
    return MatchPage[VacancyMatch](
        data=items, next_cursor=next_cursor, model=settings.embedding_model
    )


@router.post(
    "/v1/search/candidates",
    summary="Search candidates by free text",
    responses=problem_responses(401, 403, 422),
)
def search_candidates(
    payload: SearchRequest, principal: SearchScope, session: SessionDep, settings: SettingsDep
) -> MatchPage[CandidateMatch]:
    """Rank the organisation's candidates for a free-text query ("Python developer with
    archive experience", in Dutch or English), with the same filters and explanations as
    vacancy matches. Skills named in `filters.skills` are must-haves."""
    ranked = service.search_candidates(
        session,
        principal.organisation_id,
        payload.query,
        settings.embedding_model,
        payload.filters,
        payload.min_score,
    )
    items = _candidate_items(ranked[: payload.limit], 1, payload.blind)
    rankings.record(
        session,
        principal.organisation_id,
        rankings.SEARCH,
        Actor.key(principal.api_key_id),
        shown=ranked[: payload.limit],
        first_rank=1,
        total=len(ranked),
        model=settings.embedding_model,
        request={"query": payload.query}
        | _asked(payload.filters, payload.min_score, 0, payload.limit, blind=payload.blind),
    )
    return MatchPage[CandidateMatch](data=items, next_cursor=None, model=settings.embedding_model)


class MatchRun(BaseModel):
    vacancy_id: UUID
    status: Literal["queued"] = "queued"
    event: Literal["match.completed"] = "match.completed"


@router.post(
    "/v1/vacancies/{vacancy_id}/match-runs",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Rank candidates in the background",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def request_match_run(vacancy_id: UUID, principal: SearchScope, session: SessionDep) -> MatchRun:
    """Queue a ranking of the vacancy's candidates. When it is done a `match.completed`
    event (webhooks and `/v1/events`) carries the top 20 with their scores. Open vacancies
    are also ranked this way after every change while a webhook listens for
    `match.completed`. A vacancy that is not open answers 409."""
    vacancy = vacancies.get(session, principal.organisation_id, vacancy_id)
    if not announce.request(session, vacancy, explicit=True):
        raise ConflictError(f"the vacancy is {vacancy.status}; only open vacancies are ranked")
    return MatchRun(vacancy_id=vacancy.id)
