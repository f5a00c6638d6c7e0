"""/v1/audit: the tamper-evident trail of rankings served and decisions taken."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import AwareDatetime

from api.deps import AuditRead, SessionDep, SettingsDep
from api.pagination import (
    CursorQuery,
    LimitQuery,
    Page,
    decode_integers,
    encode_integers,
    link_next,
)
from api.problems import problem_responses
from api.routing import StrictJsonRoute
from trust.audit import repository, service
from trust.audit.schemas import AuditEntryOut, ChainVerification

router = APIRouter(prefix="/v1/audit", tags=["audit"], route_class=StrictJsonRoute)


@router.get("", summary="Read the audit trail", responses=problem_responses(400, 401, 403, 422))
def list_audit_entries(
    request: Request,
    response: Response,
    principal: AuditRead,
    session: SessionDep,
    settings: SettingsDep,
    vacancy_id: UUID | None = None,
    candidate_id: UUID | None = None,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    since: AwareDatetime | None = None,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Page[AuditEntryOut]:
    """The organisation's audit entries, oldest first: every ranking served (who asked,
    when, the query or vacancy, model and weights version, the results shown with their
    component scores) and every decision about an application, export and erasure.
    Entries are append-only and each carries the hash of its predecessor; filter by
    vacancy, by a candidate the entry is about, by kind and by time."""
    secret = settings.secret_key.get_secret_value()
    after = decode_integers(secret, cursor, 1)
    rows = repository.list_page(
        session,
        principal.organisation_id,
        limit=limit,
        after_seq=after[0] if after else None,
        vacancy_id=vacancy_id,
        candidate_id=candidate_id,
        kind=kind,
        since=since,
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_integers(secret, rows[-1].seq)
        link_next(request, response, cursor=next_cursor, limit=limit)
    return Page[AuditEntryOut](data=[AuditEntryOut.of(r) for r in rows], next_cursor=next_cursor)


@router.get("/verify", summary="Verify the audit chain", responses=problem_responses(401, 403))
def verify_audit_chain(principal: AuditRead, session: SessionDep) -> ChainVerification:
    """Recompute the organisation's whole chain: every entry must name its predecessor's
    hash, its own hash must match its fields, and an unredacted payload must match its
    digest. `valid: false` names the first entry that does not."""
    result = service.verify(session, principal.organisation_id)
    return ChainVerification(
        valid=result.valid,
        entries=result.entries,
        head=result.head,
        broken_at=result.broken_at,
        problem=result.problem,
    )
