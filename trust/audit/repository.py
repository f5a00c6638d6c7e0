"""Queries of the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from uuid import UUID

from sqlalchemy import Text, func, or_, select, text
from sqlalchemy.orm import Session

from models import AuditEntry

# First key of the advisory lock that serialises appends to one organisation's chain.
_LOCK_NAMESPACE = 7_467_001


def lock_chain(session: Session, organisation_id: UUID) -> None:
    """Hold the organisation's chain until this transaction ends, so two appends never take
    the same predecessor. Callers append last, just before their commit."""
    session.execute(
        text("SELECT pg_advisory_xact_lock(:ns, hashtext(:org))"),
        {"ns": _LOCK_NAMESPACE, "org": str(organisation_id)},
    )


def head(session: Session, organisation_id: UUID) -> tuple[int, str] | None:
    row = session.execute(
        select(AuditEntry.seq, AuditEntry.hash)
        .where(AuditEntry.organisation_id == organisation_id)
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def list_page(
    session: Session,
    organisation_id: UUID,
    *,
    limit: int,
    after_seq: int | None,
    vacancy_id: UUID | None,
    candidate_id: UUID | None,
    kind: str | None,
    since: datetime | None,
) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.organisation_id == organisation_id)
    if after_seq is not None:
        query = query.where(AuditEntry.seq > after_seq)
    if vacancy_id is not None:
        query = query.where(AuditEntry.vacancy_id == vacancy_id)
    if candidate_id is not None:
        query = query.where(AuditEntry.candidate_ids.contains([candidate_id]))
    if kind is not None:
        query = query.where(AuditEntry.kind == kind)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    return list(session.scalars(query.order_by(AuditEntry.seq).limit(limit + 1)))


def in_order(session: Session, organisation_id: UUID, batch: int = 1000) -> Iterator[AuditEntry]:
    """The whole chain, oldest first, a batch at a time."""
    after = 0
    while True:
        rows = list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.organisation_id == organisation_id, AuditEntry.seq > after)
                .order_by(AuditEntry.seq)
                .limit(batch)
            )
        )
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1].seq


def about_candidate(
    session: Session, organisation_id: UUID, candidate_id: UUID
) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.organisation_id == organisation_id,
                AuditEntry.candidate_ids.contains([candidate_id]),
            )
            .order_by(AuditEntry.seq)
        )
    )


def mentioning(session: Session, organisation_id: UUID, terms: list[str]) -> list[AuditEntry]:
    """Entries whose payload contains any of ``terms`` (case-insensitive)."""
    if not terms:
        return []
    payload_text = func.lower(AuditEntry.payload.cast(Text))
    conditions = [payload_text.contains(term.lower(), autoescape=True) for term in terms]
    return list(
        session.scalars(
            select(AuditEntry).where(
                AuditEntry.organisation_id == organisation_id, or_(*conditions)
            )
        )
    )
