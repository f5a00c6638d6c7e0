"""Queries of webhook endpoints, deliveries and attempts."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, exists, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, aliased

from integration.events.catalogue import ALL
from models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint

DELIVERY_COLUMNS = ("uid", "organisation_id", "endpoint_id", "event_id", "resource_id")


def add_deliveries(session: Session, event: Event) -> list[UUID]:
    """One pending delivery of ``event`` per endpoint of its organisation subscribed to its
    type; returns those endpoints. Disabled endpoints get theirs too: they wait, and go
    out in order once the endpoint is enabled again."""
    subscribed = select(
        func.gen_random_uuid(),
        literal(event.organisation_id),
        WebhookEndpoint.id,
        literal(event.id),
        literal(event.resource_id),
    ).where(
        WebhookEndpoint.organisation_id == event.organisation_id,
        or_(
            WebhookEndpoint.event_types.any_() == event.type,
            WebhookEndpoint.event_types.any_() == ALL,
        ),
    )
    rows = session.execute(
        insert(WebhookDelivery)
        .from_select(DELIVERY_COLUMNS, subscribed)
        .returning(WebhookDelivery.endpoint_id)
    )
    return [row[0] for row in rows]


def add_delivery(session: Session, event: Event, endpoint_id: UUID) -> UUID:
    delivery = WebhookDelivery(
        organisation_id=event.organisation_id,
        endpoint_id=endpoint_id,
        event_id=event.id,
        resource_id=event.resource_id,
    )
    session.add(delivery)
    session.flush()
    return delivery.uid


def get_endpoint(
    session: Session, organisation_id: UUID, endpoint_id: UUID
) -> WebhookEndpoint | None:
    return session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.organisation_id == organisation_id, WebhookEndpoint.id == endpoint_id
        )
    ).one_or_none()


def get_endpoint_by_id(session: Session, endpoint_id: UUID) -> WebhookEndpoint | None:
    return session.get(WebhookEndpoint, endpoint_id)


def list_endpoints(
    session: Session, organisation_id: UUID, *, limit: int, after_id: UUID | None
) -> list[WebhookEndpoint]:
    query = select(WebhookEndpoint).where(WebhookEndpoint.organisation_id == organisation_id)
    if after_id is not None:
        query = query.where(WebhookEndpoint.id > after_id)
    return list(session.scalars(query.order_by(WebhookEndpoint.id).limit(limit + 1)))


def lock_endpoint(session: Session, endpoint_id: UUID) -> WebhookEndpoint | None:
    return session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id).with_for_update()
    ).one_or_none()


def list_deliveries(
    session: Session,
    organisation_id: UUID,
    endpoint_id: UUID,
    *,
    state: str | None,
    limit: int,
    before_id: int | None,
) -> list[tuple[WebhookDelivery, Event]]:
    """Newest first: what an integrator debugging an endpoint wants to see."""
    query = (
        select(WebhookDelivery, Event)
        .join(Event, Event.id == WebhookDelivery.event_id)
        .where(
            WebhookDelivery.organisation_id == organisation_id,
            WebhookDelivery.endpoint_id == endpoint_id,
        )
    )
    if state is not None:
        query = query.where(WebhookDelivery.state == state)
    if before_id is not None:
        query = query.where(WebhookDelivery.id < before_id)
    rows = session.execute(query.order_by(WebhookDelivery.id.desc()).limit(limit + 1)).all()
    return [(row[0], row[1]) for row in rows]


def get_delivery(
    session: Session, organisation_id: UUID, endpoint_id: UUID, delivery_uid: UUID
) -> tuple[WebhookDelivery, Event] | None:
    row = session.execute(
        select(WebhookDelivery, Event)
        .join(Event, Event.id == WebhookDelivery.event_id)
        .where(
            WebhookDelivery.organisation_id == organisation_id,
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.uid == delivery_uid,
        )
    ).one_or_none()
    return (row[0], row[1]) if row is not None else None


def attempts_of(session: Session, delivery_ids: list[int]) -> dict[int, list[WebhookAttempt]]:
    found: dict[int, list[WebhookAttempt]] = {i: [] for i in delivery_ids}
    if delivery_ids:
        rows = session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(delivery_ids))
            .order_by(WebhookAttempt.id)
        )
        for attempt in rows:
            found[attempt.delivery_id].append(attempt)
    return found


def _ready(now: datetime) -> list[ColumnElement[bool]]:
    """A delivery that can be attempted now: pending, due, not leased, and the oldest pending
    one of its resource (so a resource's events never overtake each other)."""
    earlier = aliased(WebhookDelivery)
    waiting = exists().where(
        earlier.endpoint_id == WebhookDelivery.endpoint_id,
        earlier.resource_id == WebhookDelivery.resource_id,
        earlier.state == "pending",
        earlier.id < WebhookDelivery.id,
    )
    return [
        WebhookDelivery.state == "pending",
        WebhookDelivery.next_attempt_at <= now,
        or_(WebhookDelivery.leased_until.is_(None), WebhookDelivery.leased_until < now),
        ~waiting,
    ]


def claim(
    session: Session, endpoint_id: UUID, now: datetime, lease_until: datetime, limit: int
) -> list[WebhookDelivery]:
    """Take up to ``limit`` due deliveries of an endpoint until ``lease_until``: only the
    oldest pending one of each resource, so a resource's events never overtake each other.
    ``SKIP LOCKED`` keeps two workers from taking the same delivery."""
    due = (
        select(WebhookDelivery.id)
        .where(WebhookDelivery.endpoint_id == endpoint_id, *_ready(now))
        .order_by(WebhookDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = session.scalars(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(due.scalar_subquery()))
        .values(leased_until=lease_until)
        .returning(WebhookDelivery)
    )
    return sorted(rows, key=lambda d: d.id)


def events_by_id(session: Session, ids: list[int]) -> dict[int, Event]:
    return {e.id: e for e in session.scalars(select(Event).where(Event.id.in_(ids)))}


def endpoints_with_due_deliveries(
    session: Session, now: datetime, endpoint_id: UUID | None = None
) -> list[UUID]:
    due = (
        select(WebhookDelivery.endpoint_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookEndpoint.enabled, *_ready(now))
        .distinct()
    )
    if endpoint_id is not None:
        due = due.where(WebhookDelivery.endpoint_id == endpoint_id)
    return list(session.scalars(due))


def lock_delivery(session: Session, delivery_id: int) -> WebhookDelivery | None:
    return session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update()
    ).one_or_none()


def subscribed(session: Session, organisation_id: UUID, event_type: str) -> bool:
    """Whether an enabled endpoint of the organisation listens for ``event_type``."""
    listening = exists().where(
        WebhookEndpoint.organisation_id == organisation_id,
        WebhookEndpoint.enabled,
        or_(
            WebhookEndpoint.event_types.any_() == event_type,
            WebhookEndpoint.event_types.any_() == ALL,
        ),
    )
    return bool(session.scalar(select(listening)))


def retry_failed_since(session: Session, endpoint_id: UUID, since: datetime) -> None:
    """Put deliveries that failed since ``since`` back in line, due at once, with their
    attempts still logged."""
    session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.state == "failed",
            WebhookDelivery.finished_at >= since,
        )
        .values(
            state="pending",
            attempts=0,
            finished_at=None,
            leased_until=None,
            next_attempt_at=func.now(),
        )
    )
