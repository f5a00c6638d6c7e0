"""Webhook endpoints: register, change, rotate, ping, and read the delivery log. Services
flush; the caller commits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

from sqlalchemy.orm import Session

from integration.events import service as events
from integration.events.catalogue import ALL, EVENT_TYPES
from integration.webhooks import repository, targets
from integration.webhooks.schemas import (
    AttemptOut,
    DeliveryOut,
    EndpointCreate,
    EndpointOut,
    EndpointUpdate,
    SecretRotated,
)
from models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from models.base import utcnow
from runtime.errors import (
    ConflictError,
    FieldError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailedError,
)
from runtime.webhook_signing import new_secret

# A rotated-out secret keeps signing this long, so receivers can switch without a gap.
ROTATION_OVERLAP = timedelta(hours=24)


def to_out(endpoint: WebhookEndpoint) -> EndpointOut:
    return EndpointOut(
        id=endpoint.id,
        url=endpoint.url,
        events=endpoint.event_types,
        description=endpoint.description,
        enabled=endpoint.enabled,
        disabled_at=endpoint.disabled_at,
        disabled_reason=endpoint.disabled_reason,
        failing_since=endpoint.failing_since,
        last_success_at=endpoint.last_success_at,
        created_at=endpoint.created_at,
        updated_at=endpoint.updated_at,
    )


def check_readable(events_: list[str], allows: Callable[[str], bool]) -> None:
    """A key may subscribe only to events about what it may read itself."""
    wanted = EVENT_TYPES if ALL in events_ else {e: EVENT_TYPES[e] for e in events_}
    missing = sorted({t.scope for t in wanted.values() if not allows(t.scope)})
    if missing:
        raise PermissionDeniedError(
            f"subscribing to these events needs the scope(s) {', '.join(missing)}"
        )


def get(session: Session, organisation_id: UUID, endpoint_id: UUID) -> WebhookEndpoint:
    endpoint = repository.get_endpoint(session, organisation_id, endpoint_id)
    if endpoint is None:
        raise NotFoundError(f"no webhook endpoint with id {endpoint_id}")
    return endpoint


def check_target(url: str, *, allow_private: bool) -> None:
    """Refuse a URL the worker must not call (see ``targets``) with a 422 naming it."""
    refused = None if allow_private else targets.refusal(url)
    if refused is not None:
        raise ValidationFailedError(
            f"this URL cannot receive webhooks: {refused}",
            errors=[FieldError("url", f"cannot receive webhooks: {refused}")],
        )


def create(
    session: Session, organisation_id: UUID, payload: EndpointCreate, *, allow_private: bool
) -> tuple[WebhookEndpoint, UUID]:
    """Register an endpoint and queue a ``webhook.ping`` to it; returns the ping delivery."""
    check_target(str(payload.url), allow_private=allow_private)
    endpoint = WebhookEndpoint(
        organisation_id=organisation_id,
        url=str(payload.url),
        event_types=payload.events,
        description=payload.description,
        secret=new_secret(),
    )
    session.add(endpoint)
    session.flush()
    return endpoint, events.record_ping(session, organisation_id, endpoint.id)


def update(
    session: Session,
    organisation_id: UUID,
    endpoint_id: UUID,
    payload: EndpointUpdate,
    *,
    allow_private: bool,
) -> WebhookEndpoint:
    endpoint = get(session, organisation_id, endpoint_id)
    changes = payload.model_dump(exclude_unset=True, exclude_none=True)
    if "url" in changes:
        check_target(str(payload.url), allow_private=allow_private)
        endpoint.url = str(payload.url)
    if "events" in changes:
        endpoint.event_types = changes["events"]
    if "description" in changes:
        endpoint.description = changes["description"]
    if changes.get("enabled") is True and not endpoint.enabled:
        if endpoint.failing_since is not None:
            # The deliveries that gave up while the receiver was failing go out again, in
            # their place: a resource's history has no gap once the receiver is back.
            repository.retry_failed_since(session, endpoint.id, endpoint.failing_since)
        endpoint.enabled = True
        endpoint.disabled_at = None
        endpoint.disabled_reason = None
        endpoint.failing_since = None
        # What waited goes out now.
        events.kick(session, [endpoint.id])
    elif changes.get("enabled") is False and endpoint.enabled:
        endpoint.enabled = False
        endpoint.disabled_at = utcnow()
        endpoint.disabled_reason = "disabled through the API"
    session.flush()
    return endpoint


def delete(session: Session, organisation_id: UUID, endpoint_id: UUID) -> None:
    session.delete(get(session, organisation_id, endpoint_id))
    session.flush()


def rotate_secret(session: Session, organisation_id: UUID, endpoint_id: UUID) -> SecretRotated:
    endpoint = get(session, organisation_id, endpoint_id)
    expires = utcnow() + ROTATION_OVERLAP
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = expires
    endpoint.secret = new_secret()
    session.flush()
    return SecretRotated(secret=endpoint.secret, previous_secret_expires_at=expires)


def ping(session: Session, organisation_id: UUID, endpoint_id: UUID) -> UUID:
    endpoint = get(session, organisation_id, endpoint_id)
    return events.record_ping(session, organisation_id, endpoint.id)


def delivery_out(
    delivery: WebhookDelivery, event: Event, attempts: list[WebhookAttempt]
) -> DeliveryOut:
    return DeliveryOut(
        id=delivery.uid,
        event_id=event.uid,
        event_type=event.type,
        resource_id=delivery.resource_id,
        state=delivery.state,
        # Every attempt logged; the delivery's own counter restarts when it is put back in
        # line after the endpoint is enabled again.
        attempt_count=len(attempts),
        next_attempt_at=delivery.next_attempt_at if delivery.state == "pending" else None,
        created_at=delivery.created_at,
        finished_at=delivery.finished_at,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        attempts=[
            AttemptOut(
                attempted_at=a.attempted_at,
                status_code=a.status_code,
                latency_ms=a.latency_ms,
                error=a.error,
                response_body=a.response_body,
            )
            for a in attempts
        ],
    )


def list_deliveries(
    session: Session,
    organisation_id: UUID,
    endpoint_id: UUID,
    *,
    state: str | None,
    limit: int,
    before_id: int | None,
) -> tuple[list[DeliveryOut], int | None]:
    """A page of deliveries, newest first, and the id to continue before (if any)."""
    get(session, organisation_id, endpoint_id)
    rows = repository.list_deliveries(
        session, organisation_id, endpoint_id, state=state, limit=limit, before_id=before_id
    )
    more = len(rows) > limit
    rows = rows[:limit]
    attempts = repository.attempts_of(session, [d.id for d, _ in rows])
    page = [delivery_out(d, e, attempts[d.id]) for d, e in rows]
    return page, (rows[-1][0].id if more else None)


def get_delivery(
    session: Session, organisation_id: UUID, endpoint_id: UUID, delivery_id: UUID
) -> DeliveryOut:
    found = repository.get_delivery(session, organisation_id, endpoint_id, delivery_id)
    if found is None:
        raise NotFoundError(f"no delivery with id {delivery_id} for this endpoint")
    delivery, event = found
    return delivery_out(
        delivery, event, repository.attempts_of(session, [delivery.id])[delivery.id]
    )


def redeliver(
    session: Session, organisation_id: UUID, endpoint_id: UUID, delivery_id: UUID
) -> DeliveryOut:
    """Send a finished delivery's event again, as a new delivery with the same
    ``webhook-id`` (receivers that already processed it can recognise it)."""
    found = repository.get_delivery(session, organisation_id, endpoint_id, delivery_id)
    if found is None:
        raise NotFoundError(f"no delivery with id {delivery_id} for this endpoint")
    delivery, event = found
    if delivery.state == "pending":
        raise ConflictError("the delivery is still pending; it is attempted on its schedule")
    again = WebhookDelivery(
        organisation_id=organisation_id,
        endpoint_id=endpoint_id,
        event_id=event.id,
        resource_id=delivery.resource_id,
    )
    session.add(again)
    session.flush()
    events.kick(session, [endpoint_id])
    return delivery_out(again, event, [])
