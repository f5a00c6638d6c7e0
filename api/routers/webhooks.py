"""/v1/webhooks: endpoints that receive signed events, and their delivery logs."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from api.deps import SessionDep, SettingsDep, WebhooksRead, WebhooksWrite
from api.pagination import (
    CursorQuery,
    LimitQuery,
    Page,
    decode_cursor,
    decode_integers,
    encode_integers,
    link_next,
    paginate,
)
from api.problems import problem_responses
from api.routing import StrictJsonRoute
from integration.webhooks import repository, service
from integration.webhooks.schemas import (
    DeliveryOut,
    DeliveryPage,
    DeliveryState,
    EndpointCreate,
    EndpointCreated,
    EndpointOut,
    EndpointUpdate,
    PingOut,
    SecretRotated,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], route_class=StrictJsonRoute)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Register a webhook endpoint",
    responses=problem_responses(401, 403, 422),
)
def create_endpoint(
    payload: EndpointCreate,
    principal: WebhooksWrite,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> EndpointCreated:
    """Register a URL for a list of event types (`*` for all). The response carries the
    signing `secret` (shown only here) and the id of a `webhook.ping` delivery sent at once.
    Subscribing to an event type needs the read scope of what it is about (for example
    `candidates:read` for `candidate.created`). The URL must resolve to public addresses:
    loopback, private, link-local and reserved ones are refused (unless the service allows
    them with `TALENTMESH_WEBHOOK_ALLOW_PRIVATE`, for development)."""
    service.check_readable(payload.events, principal.allows)
    endpoint, ping_id = service.create(
        session, principal.organisation_id, payload, allow_private=settings.webhook_allow_private
    )
    response.headers["Location"] = f"/v1/webhooks/{endpoint.id}"
    return EndpointCreated(
        **service.to_out(endpoint).model_dump(), secret=endpoint.secret, ping_delivery_id=ping_id
    )


@router.get("", summary="List webhook endpoints", responses=problem_responses(400, 401, 403, 422))
def list_endpoints(
    request: Request,
    response: Response,
    principal: WebhooksRead,
    session: SessionDep,
    settings: SettingsDep,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Page[EndpointOut]:
    """The organisation's endpoints, oldest first; secrets are never listed."""
    secret = settings.secret_key.get_secret_value()
    after = decode_cursor(secret, cursor)
    rows = repository.list_endpoints(
        session, principal.organisation_id, limit=limit, after_id=after
    )
    return paginate(request, response, rows, limit=limit, secret=secret, to_out=service.to_out)


@router.get(
    "/{endpoint_id}",
    summary="Get a webhook endpoint",
    responses=problem_responses(401, 403, 404, 422),
)
def get_endpoint(endpoint_id: UUID, principal: WebhooksRead, session: SessionDep) -> EndpointOut:
    """One endpoint, with its health: `failing_since`, and `disabled_reason` when the
    endpoint was disabled after every retry of a delivery failed."""
    return service.to_out(service.get(session, principal.organisation_id, endpoint_id))


@router.patch(
    "/{endpoint_id}",
    summary="Change a webhook endpoint",
    responses=problem_responses(401, 403, 404, 422),
)
def update_endpoint(
    endpoint_id: UUID,
    payload: EndpointUpdate,
    principal: WebhooksWrite,
    session: SessionDep,
    settings: SettingsDep,
) -> EndpointOut:
    """Change the URL, the event types or the description, or enable or disable the
    endpoint. Enabling it again sends the deliveries that gave up while it failed and those
    that waited, in order."""
    if payload.events is not None:
        service.check_readable(payload.events, principal.allows)
    endpoint = service.update(
        session,
        principal.organisation_id,
        endpoint_id,
        payload,
        allow_private=settings.webhook_allow_private,
    )
    return service.to_out(endpoint)


@router.delete(
    "/{endpoint_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a webhook endpoint",
    responses=problem_responses(401, 403, 404, 422),
)
def delete_endpoint(endpoint_id: UUID, principal: WebhooksWrite, session: SessionDep) -> None:
    """Delete the endpoint with its delivery log; nothing more is sent to it."""
    service.delete(session, principal.organisation_id, endpoint_id)


@router.post(
    "/{endpoint_id}/rotate-secret",
    summary="Rotate the signing secret",
    responses=problem_responses(401, 403, 404, 422),
)
def rotate_secret(
    endpoint_id: UUID, principal: WebhooksWrite, session: SessionDep
) -> SecretRotated:
    """Make a new secret (shown only now). For 24 hours every delivery carries two
    signatures, by the new and the old secret, so the receiver can switch without a gap."""
    return service.rotate_secret(session, principal.organisation_id, endpoint_id)


@router.post(
    "/{endpoint_id}/ping",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send a test event",
    responses=problem_responses(401, 403, 404, 422),
)
def ping(endpoint_id: UUID, principal: WebhooksWrite, session: SessionDep) -> PingOut:
    """Queue a `webhook.ping` to the endpoint; its delivery shows the receiver's answer."""
    return PingOut(delivery_id=service.ping(session, principal.organisation_id, endpoint_id))


@router.get(
    "/{endpoint_id}/deliveries",
    summary="List deliveries",
    responses=problem_responses(400, 401, 403, 404, 422),
)
def list_deliveries(
    endpoint_id: UUID,
    request: Request,
    response: Response,
    principal: WebhooksRead,
    session: SessionDep,
    settings: SettingsDep,
    state: Annotated[DeliveryState | None, Query(description="Only this state.")] = None,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> DeliveryPage:
    """Deliveries to this endpoint, newest first, each with every attempt: when, the
    receiver's status code, the latency, the error and the start of the answer."""
    secret = settings.secret_key.get_secret_value()
    position = decode_integers(secret, cursor, 1)
    page, last = service.list_deliveries(
        session,
        principal.organisation_id,
        endpoint_id,
        state=state,
        limit=limit,
        before_id=position[0] if position else None,
    )
    next_cursor = encode_integers(secret, last) if last is not None else None
    link_next(request, response, cursor=next_cursor, limit=limit)
    return DeliveryPage(data=page, next_cursor=next_cursor)


@router.get(
    "/{endpoint_id}/deliveries/{delivery_id}",
    summary="Get a delivery",
    responses=problem_responses(401, 403, 404, 422),
)
def get_delivery(
    endpoint_id: UUID, delivery_id: UUID, principal: WebhooksRead, session: SessionDep
) -> DeliveryOut:
    """One delivery with every attempt: time, the receiver's status code, latency, error
    and the start of its answer."""
    return service.get_delivery(session, principal.organisation_id, endpoint_id, delivery_id)


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Redeliver an event",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def redeliver(
    endpoint_id: UUID, delivery_id: UUID, principal: WebhooksWrite, session: SessionDep
) -> DeliveryOut:
    """Send a finished delivery's event again, as a new delivery with the same
    `webhook-id`. A pending delivery answers 409: it is already on its retry schedule."""
    return service.redeliver(session, principal.organisation_id, endpoint_id, delivery_id)
