"""Queries for organisations and API keys."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from models import ApiKey, Organisation
from models.base import utcnow

LAST_USED_PRECISION = timedelta(minutes=1)


def get_organisation_by_name(session: Session, name: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.name == name))


def slugs_like(session: Session, base: str) -> set[str]:
    """Slugs in use that are ``base`` or ``base-<something>``."""
    rows = session.scalars(
        select(Organisation.slug).where(
            (Organisation.slug == base) | Organisation.slug.startswith(f"{base}-", autoescape=True)
        )
    )
    return set(rows)


def get_key_by_prefix(session: Session, prefix: str) -> ApiKey | None:
    return session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))


def list_keys(session: Session, organisation_id: object) -> list[ApiKey]:
    query = select(ApiKey).where(ApiKey.organisation_id == organisation_id).order_by(ApiKey.id)
    return list(session.scalars(query))


def get_organisation(session: Session, organisation_id: object) -> Organisation:
    found = session.get(Organisation, organisation_id)
    assert found is not None, "a principal's organisation exists"
    return found


def note_use(session: Session, api_key: ApiKey) -> None:
    """Record that the key was used, to the minute. A busy key's row would otherwise be
    written, and locked until commit, by every request; SKIP LOCKED lets a request whose
    neighbour is already recording the use go on without waiting."""
    last = api_key.last_used_at
    if last is not None and utcnow() - last < LAST_USED_PRECISION:
        return
    stale = (
        select(ApiKey.id)
        .where(ApiKey.id == api_key.id)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    session.execute(
        update(ApiKey)
        .where(ApiKey.id == stale)
        .values(last_used_at=func.now())
        .execution_options(synchronize_session=False)
    )
