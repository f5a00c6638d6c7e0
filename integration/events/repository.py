"""Queries of the change log."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import BigInteger, delete, literal_column, select, tuple_
from sqlalchemy.orm import Session

from models import Event

# Every transaction that started before this one's snapshot xmin has ended: events written
# by them are all visible now, and no event with a smaller txid can still appear.
_SNAPSHOT_XMIN = literal_column(
    "(pg_snapshot_xmin(pg_current_snapshot())::text)::bigint", BigInteger
)


def settled_after(
    session: Session,
    organisation_id: UUID,
    types: list[str],
    after: tuple[int, int] | None,
    limit: int,
) -> list[Event]:
    """Up to ``limit`` events after the position ``after`` (txid, id). The order never skips
    an event whose transaction commits late; it is the order in which transactions began
    writing, so two that changed one resource at about the same time can come out in the
    other order than they committed: ``sequence`` (the id) orders one resource's events."""
    query = select(Event).where(
        Event.organisation_id == organisation_id,
        Event.type.in_(types),
        Event.txid < _SNAPSHOT_XMIN,
    )
    if after is not None:
        query = query.where(tuple_(Event.txid, Event.id) > tuple_(*after))
    return list(session.scalars(query.order_by(Event.txid, Event.id).limit(limit)))


def prune(session: Session, before: datetime) -> int:
    result = session.execute(delete(Event).where(Event.occurred_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
