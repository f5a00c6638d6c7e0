"""/v1/events: the change feed, for systems that poll instead of receiving webhooks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.pagination import decode_integers, encode_integers, link_next
from api.problems import problem_responses
from api.routing import StrictJsonRoute
from integration.events import service
from integration.events.catalogue import EVENT_TYPES, readable_types
from integration.events.schemas import EventPage
from runtime.errors import FieldError, PermissionDeniedError, ValidationFailedError

router = APIRouter(prefix="/v1/events", tags=["events"], route_class=StrictJsonRoute)


@router.get("", summary="The change feed", responses=problem_responses(400, 401, 403, 422))
def list_events(
    request: Request,
    response: Response,
    principal: PrincipalDep,
    session: SessionDep,
    settings: SettingsDep,
    since: Annotated[
        str | None,
        Query(
            max_length=200,
            description="`next_since` of the previous answer; leave out to start with the "
            "oldest event kept.",
        ),
    ] = None,
    types: Annotated[
        list[str] | None,
        Query(description="Only these event types (repeat the parameter for several)."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Events per answer, 1 to 500.")] = 100,
) -> EventPage:
    """Every change to what this key may read, oldest first, in the order the changes
    committed: the same events webhooks deliver, with the same ids. Store `next_since`
    and pass it back as `since`; an event appears once every transaction that started
    before it has ended, so polling never skips one. Events are kept for
    `TALENTMESH_EVENT_RETENTION_DAYS` (30 by default)."""
    readable = readable_types(principal.allows)
    if types:
        unknown = [t for t in types if t not in EVENT_TYPES]
        if unknown:
            raise ValidationFailedError(
                f"unknown event type(s): {', '.join(unknown)}",
                errors=[FieldError("types", f"known types: {', '.join(EVENT_TYPES)}")],
            )
        hidden = sorted(set(types) - set(readable))
        if hidden:
            raise PermissionDeniedError(
                f"this API key may not read these event types: {', '.join(hidden)}"
            )
        readable = list(types)
    secret = settings.secret_key.get_secret_value()
    position = decode_integers(secret, since, 2, field="since")
    after = (position[0], position[1]) if position else None
    rows, more = service.feed(session, principal.organisation_id, readable, after, limit)
    next_since = encode_integers(secret, rows[-1].txid, rows[-1].id) if rows else since
    link_next(request, response, since=next_since)
    return EventPage(data=[service.to_out(r) for r in rows], next_since=next_since, has_more=more)
