"""Recording changes and reading them back.

Domain services call :func:`record` inside the transaction that makes the change, so the
event exists exactly when the change does. Recording also queues the change for every
webhook endpoint subscribed to it; the delivery job is enqueued through the outbox, so it
reaches the broker only after the commit.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy.orm import Session

from integration.events import repository
from integration.events.catalogue import EVENT_TYPES, PING
from integration.events.schemas import ChangeEvent, ResourceRef
from integration.webhooks import repository as webhooks
from models import Event
from runtime.outbox import enqueue

DELIVER_TASK = "integration.webhooks.deliver"
_KICKED = "webhook_endpoints_kicked"


def record(
    session: Session,
    organisation_id: UUID,
    type_: str,
    resource_type: str,
    resource_id: UUID,
    data: dict[str, Any],
) -> Event:
    """Write one event (``data`` must be JSON-ready) and queue it for subscribed webhooks."""
    if type_ not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type_!r}")
    event = Event(
        organisation_id=organisation_id,
        type=type_,
        resource_type=resource_type,
        resource_id=resource_id,
        data=data,
    )
    session.add(event)
    session.flush()
    kick(session, webhooks.add_deliveries(session, event))
    return event


def record_ping(session: Session, organisation_id: UUID, endpoint_id: UUID) -> UUID:
    """A ``webhook.ping`` for one endpoint only; returns the delivery's id."""
    event = Event(
        organisation_id=organisation_id,
        type=PING,
        resource_type="webhook",
        resource_id=endpoint_id,
        data={"endpoint_id": str(endpoint_id), "message": "TalentMesh webhook test"},
    )
    session.add(event)
    session.flush()
    delivery_id = webhooks.add_delivery(session, event, endpoint_id)
    kick(session, [endpoint_id])
    return delivery_id


def kick(session: Session, endpoint_ids: list[UUID]) -> None:
    """Enqueue a delivery run per endpoint, once per transaction however many events."""
    kicked: set[UUID] = session.info.setdefault(_KICKED, set())
    for endpoint_id in endpoint_ids:
        if endpoint_id not in kicked:
            kicked.add(endpoint_id)
            enqueue(session, DELIVER_TASK, endpoint_id=str(endpoint_id))


def to_out(event: Event) -> ChangeEvent:
    return ChangeEvent(
        id=event.uid,
        type=event.type,
        # Assigned when the event row is written, which for one resource happens while the
        # change holds that resource's row lock: later changes get higher numbers.
        sequence=event.id,
        timestamp=event.occurred_at,
        resource=ResourceRef(type=event.resource_type, id=event.resource_id),
        data=event.data,
    )


def feed(
    session: Session,
    organisation_id: UUID,
    types: list[str],
    after: tuple[int, int] | None,
    limit: int,
) -> tuple[list[Event], bool]:
    """Events after ``after``, oldest first, and whether more are ready."""
    rows = repository.settled_after(session, organisation_id, types, after, limit + 1)
    return rows[:limit], len(rows) > limit
