"""Queries for organisations and API keys."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ApiKey, Organisation


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
