"""All candidate queries; every one is scoped to an organisation."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Candidate, CandidateDocument


def get(session: Session, organisation_id: UUID, candidate_id: UUID) -> Candidate | None:
    return session.scalar(
        select(Candidate).where(
            Candidate.organisation_id == organisation_id,
            Candidate.id == candidate_id,
            # An erased candidate is a tombstone: it exists for statistics only.
            Candidate.erased_at.is_(None),
        )
    )


def get_by(session: Session, organisation_id: UUID, **where: str) -> Candidate | None:
    """Look a candidate up by ``external_id`` or ``email`` (already normalised)."""
    query = select(Candidate).where(
        Candidate.organisation_id == organisation_id, Candidate.erased_at.is_(None)
    )
    for column, value in where.items():
        query = query.where(getattr(Candidate, column) == value)
    return session.scalar(query)


def list_page(
    session: Session,
    organisation_id: UUID,
    *,
    limit: int,
    after_id: UUID | None = None,
    updated_since: datetime | None = None,
    external_id: str | None = None,
    email: str | None = None,
) -> list[Candidate]:
    query = select(Candidate).where(
        Candidate.organisation_id == organisation_id, Candidate.erased_at.is_(None)
    )
    if after_id is not None:
        query = query.where(Candidate.id > after_id)
    if updated_since is not None:
        query = query.where(Candidate.updated_at >= updated_since)
    if external_id is not None:
        query = query.where(Candidate.external_id == external_id)
    if email is not None:
        query = query.where(Candidate.email == email)
    return list(session.scalars(query.order_by(Candidate.id).limit(limit + 1)))


def has_document(session: Session, candidate_id: UUID, sha256: str) -> bool:
    """Whether the candidate already has a file with this digest."""
    query = select(CandidateDocument.id).where(
        CandidateDocument.candidate_id == candidate_id, CandidateDocument.sha256 == sha256
    )
    return session.scalar(query.limit(1)) is not None
