"""All vacancy queries; every one is scoped to an organisation."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Vacancy


def get(session: Session, organisation_id: UUID, vacancy_id: UUID) -> Vacancy | None:
    return session.scalar(
        select(Vacancy).where(Vacancy.organisation_id == organisation_id, Vacancy.id == vacancy_id)
    )


def get_by_external_id(session: Session, organisation_id: UUID, external_id: str) -> Vacancy | None:
    return session.scalar(
        select(Vacancy).where(
            Vacancy.organisation_id == organisation_id, Vacancy.external_id == external_id
        )
    )


def list_page(
    session: Session,
    organisation_id: UUID,
    *,
    limit: int,
    after_id: UUID | None = None,
    status: str | None = None,
    updated_since: datetime | None = None,
    external_id: str | None = None,
) -> list[Vacancy]:
    """Keyset page ordered by id (time-ordered UUIDs): one row more than asked tells if
    there is a next page."""
    query = select(Vacancy).where(Vacancy.organisation_id == organisation_id)
    if after_id is not None:
        query = query.where(Vacancy.id > after_id)
    if status is not None:
        query = query.where(Vacancy.status == status)
    if updated_since is not None:
        query = query.where(Vacancy.updated_at >= updated_since)
    if external_id is not None:
        query = query.where(Vacancy.external_id == external_id)
    return list(session.scalars(query.order_by(Vacancy.id).limit(limit + 1)))
