"""/v1/candidates: candidate profiles, and CV files turned into profiles."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile, status
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, Field

from api.bodies import IGNORED_HEADER_DOC, Converted, body_schema, converted
from api.deps import CandidatesRead, CandidatesWrite, SessionDep, SettingsDep
from api.pagination import CursorQuery, LimitQuery, Page, decode_cursor, paginate
from api.problems import problem_responses
from api.routing import StrictJsonRoute
from integration.formats import jsonresume
from matching.candidates import repository, service
from matching.candidates.drafts import draft_to_payload
from matching.candidates.schemas import (
    CandidateCreate,
    CandidateOut,
    CandidateUpdate,
    normalise_email,
)
from matching.documents.extract import DocumentKind, Limits, extract
from matching.documents.profile import draft_profile
from matching.indexing.service import index_candidate
from matching.types import ContentLanguage
from trust.audit.service import Actor
from trust.privacy import erasure, export
from trust.privacy.schemas import CandidateExport

router = APIRouter(prefix="/v1/candidates", tags=["candidates"], route_class=StrictJsonRoute)


class ParsedCv(BaseModel):
    filename: str
    kind: DocumentKind
    pages: int | None = Field(description="Page count of a PDF; null for other kinds.")
    language: ContentLanguage | None = Field(description="Detected language of the text.")
    text: str = Field(description="All text extracted from the file.")
    profile: CandidateCreate = Field(description="Draft profile found in the text.")
    candidate: CandidateOut | None = Field(
        default=None, description="The stored candidate, with `?create=true`."
    )


CandidateFormat = Literal["talentmesh", "jsonresume"]


async def candidate_body(
    request: Request,
    format_: Annotated[
        CandidateFormat,
        Query(alias="format", description="`jsonresume`: the body is a JSON Resume document."),
    ] = "talentmesh",
) -> Converted[CandidateCreate]:
    return await converted(
        request, CandidateCreate, format_, {"jsonresume": jsonresume.to_candidate}
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a candidate",
    responses={
        201: {"headers": IGNORED_HEADER_DOC},
        **problem_responses(401, 403, 409, 422),
    },
    openapi_extra=body_schema(CandidateCreate, jsonresume.DOCUMENT_SCHEMA),
)
def create_candidate(
    # The key first: a caller without one learns nothing about the body.
    principal: CandidatesWrite,
    body: Annotated[Converted[CandidateCreate], Depends(candidate_body)],
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> CandidateOut:
    """Create a candidate, from this API's shape or (`?format=jsonresume`) from a JSON
    Resume document; sections the product does not store are named in the
    `Ignored-Properties` header. The email is normalised; a second candidate with the same
    normalised email or `external_id` in the organisation answers 409 with `existing_id`.
    The profile is indexed for matching before the response."""
    candidate = service.create(session, principal.organisation_id, body.payload)
    response.headers.update(body.headers())
    index_candidate(session, candidate, settings.embedding_model)
    response.headers["Location"] = f"/v1/candidates/{candidate.id}"
    return service.to_out(candidate)


@router.post(
    "/parse",
    summary="Parse a CV file",
    responses={
        201: {"model": ParsedCv, "description": "Parsed and stored (`?create=true`)."},
        **problem_responses(401, 403, 409, 413, 415, 422),
    },
)
def parse_cv(
    principal: CandidatesWrite,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    file: Annotated[UploadFile, File(description="A PDF, DOCX or TXT file, at most 10 MB.")],
    create: Annotated[bool, Query(description="Also store the candidate and the file.")] = False,
) -> ParsedCv:
    """Extract the text of a CV, detect its language and draft a profile (headline,
    experience, education, skills). Nothing is stored unless `create=true`, which stores the
    candidate together with the original file. Corrupt, encrypted, oversized or unsupported
    files answer a 4xx problem and store nothing."""
    limits = Limits(
        max_bytes=settings.max_upload_bytes,
        max_pages=settings.max_pdf_pages,
        max_decompressed_bytes=settings.max_decompressed_bytes,
    )
    # Reading one byte past the limit is enough to know the file is too large.
    content = file.file.read(settings.max_upload_bytes + 1)
    document = extract(file.filename or "cv", content, limits)
    draft = draft_profile(document.text)
    payload = draft_to_payload(draft)
    result = ParsedCv(
        filename=document.filename,
        kind=document.kind,
        pages=document.pages,
        language=draft.language,
        text=document.text,
        profile=payload,
    )
    if create:
        candidate = service.create_from_document(
            session, principal.organisation_id, payload, document
        )
        index_candidate(session, candidate, settings.embedding_model)
        result.candidate = service.to_out(candidate)
        response.status_code = status.HTTP_201_CREATED
        response.headers["Location"] = f"/v1/candidates/{candidate.id}"
    return result


@router.get("", summary="List candidates", responses=problem_responses(400, 401, 403, 422))
def list_candidates(
    request: Request,
    response: Response,
    principal: CandidatesRead,
    session: SessionDep,
    settings: SettingsDep,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
    updated_since: AwareDatetime | None = None,
    external_id: Annotated[str | None, Query(max_length=200)] = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
) -> Page[CandidateOut]:
    """List the organisation's candidates, oldest first, a page at a time. Follow
    `next_cursor` (or the `Link: rel="next"` header) for the next page."""
    secret = settings.secret_key.get_secret_value()
    rows = repository.list_page(
        session,
        principal.organisation_id,
        limit=limit,
        after_id=decode_cursor(secret, cursor),
        updated_since=updated_since,
        external_id=external_id,
        email=normalise_email(email) if email else None,
    )
    return paginate(request, response, rows, limit=limit, secret=secret, to_out=service.to_out)


@router.get(
    "/{candidate_id}.resume.json",
    summary="Get a candidate as a JSON Resume",
    response_class=JSONResponse,
    responses={
        200: {
            "description": "A JSON Resume document.",
            "content": {"application/json": {"schema": jsonresume.DOCUMENT_SCHEMA}},
        },
        **problem_responses(401, 403, 404, 422),
    },
)
def get_candidate_resume(
    candidate_id: UUID, principal: CandidatesRead, session: SessionDep
) -> JSONResponse:
    """The profile as a JSON Resume document (basics, work, education, skills, languages;
    `meta.externalId` carries `external_id`)."""
    candidate = service.get(session, principal.organisation_id, candidate_id)
    canonical = f"/v1/candidates/{candidate.id}.resume.json"
    return JSONResponse(jsonresume.from_candidate(service.to_out(candidate), canonical))


@router.get(
    "/{candidate_id}", summary="Get a candidate", responses=problem_responses(401, 403, 404, 422)
)
def get_candidate(
    candidate_id: UUID, principal: CandidatesRead, session: SessionDep
) -> CandidateOut:
    """One candidate of the caller's organisation; another organisation's id answers 404."""
    return service.to_out(service.get(session, principal.organisation_id, candidate_id))


@router.patch(
    "/{candidate_id}",
    summary="Change a candidate",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def update_candidate(
    candidate_id: UUID,
    payload: CandidateUpdate,
    principal: CandidatesWrite,
    session: SessionDep,
    settings: SettingsDep,
) -> CandidateOut:
    """Change the fields sent; fields left out keep their value and `null` clears an
    optional one. The profile is re-indexed for matching before the response."""
    candidate = service.update(session, principal.organisation_id, candidate_id, payload)
    index_candidate(session, candidate, settings.embedding_model)
    return service.to_out(candidate)


@router.get(
    "/{candidate_id}/export",
    summary="Export everything held about a candidate",
    responses=problem_responses(401, 403, 404, 422),
)
def export_candidate(
    candidate_id: UUID, principal: CandidatesRead, session: SessionDep, settings: SettingsDep
) -> CandidateExport:
    """Everything held about the person, for their right of access and portability (GDPR
    articles 15 and 20): the profile, the original files (base64) with their text, the
    applications with their history and touchpoints, today's matches with explanations, the
    referral links and clicks tied to them, the change events about their records and the
    audit entries about them. The export itself is logged in the audit trail."""
    document = export.export(
        session,
        principal.organisation_id,
        candidate_id,
        settings.embedding_model,
        Actor.key(principal.api_key_id),
    )
    return CandidateExport.model_validate(document)


@router.delete(
    "/{candidate_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete or erase a candidate",
    responses=problem_responses(401, 403, 404, 422),
)
def delete_candidate(
    candidate_id: UUID,
    principal: CandidatesWrite,
    session: SessionDep,
    erase: Annotated[
        bool,
        Query(
            description="Erase the person's data everywhere and keep an anonymous tombstone, "
            "so applications, clicks and rewards keep counting."
        ),
    ] = False,
) -> None:
    """Remove a candidate's personal data from every table (GDPR article 17): profile,
    files, vectors and full-text index, application emails, motivations and notes, change
    events (so webhook payloads not yet delivered carry none of it), stored replays, import
    rows, the ties of their clicks and reshare links, and audit payloads that name them.

    Without `erase`, the candidate and their applications are deleted. With `erase=true`,
    an anonymous tombstone keeps the id, so funnels, attribution and rewards stay
    consistent, and a `candidate.erased` event tells integrations to erase their copy.
    Either way the candidate answers 404 afterwards and the audit trail records who did
    it."""
    erasure.erase(
        session,
        principal.organisation_id,
        candidate_id,
        Actor.key(principal.api_key_id),
        reason="request",
        tombstone=erase,
    )
