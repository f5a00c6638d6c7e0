"""Queries for organisations and API keys."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ApiKey, Organisation


def get_organisation_by_name(session: Session, name: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.name == name))


def get_key_by_prefix(session: Session, prefix: str) -> ApiKey | None:
    return session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))


def list_keys(session: Session, organisation_id: object) -> list[ApiKey]:
    query = select(ApiKey).where(ApiKey.organisation_id == organisation_id).order_by(ApiKey.id)
    return list(session.scalars(query))


def organisation_name(session: Session, organisation_id: object) -> str:
    return session.execute(
        select(Organisation.name).where(Organisation.id == organisation_id)
    ).scalar_one()
