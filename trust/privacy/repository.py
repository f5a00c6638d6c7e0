"""Queries that find and untie a person's data across the tables that hold it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import Text, delete, func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

from models import (
    Application,
    ApplicationEvent,
    Candidate,
    CandidateDocument,
    Click,
    Event,
    IdempotencyKey,
    ImportJob,
    ImportRow,
    Touchpoint,
    TrackedLink,
    WebhookAttempt,
    WebhookDelivery,
)

# A fresh random value for a visitor hash: the row still counts, but no longer points at
# anyone (32 hex characters, like a real one, so the column's shape holds).
_RANDOM_VISITOR = func.substr(
    func.md5(func.random().cast(Text) + func.clock_timestamp().cast(Text)), 1, 32
)


def _run(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE; the number of rows it touched."""
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def candidate_for_update(
    session: Session, organisation_id: UUID, candidate_id: UUID
) -> Candidate | None:
    return session.scalar(
        select(Candidate)
        .where(
            Candidate.organisation_id == organisation_id,
            Candidate.id == candidate_id,
            Candidate.erased_at.is_(None),
        )
        .with_for_update()
    )


def applications(session: Session, candidate_id: UUID) -> list[Application]:
    return list(
        session.scalars(
            select(Application)
            .where(Application.candidate_id == candidate_id)
            .order_by(Application.applied_at)
        )
    )


def documents(session: Session, candidate_id: UUID) -> list[CandidateDocument]:
    return list(
        session.scalars(
            select(CandidateDocument)
            .where(CandidateDocument.candidate_id == candidate_id)
            .order_by(CandidateDocument.created_at)
        )
    )


def links_of(
    session: Session, application_ids: Sequence[UUID], visitors: Sequence[str]
) -> list[TrackedLink]:
    """The links that led the person to apply, and the reshare links they made."""
    through = select(Touchpoint.link_id).where(Touchpoint.application_id.in_(application_ids))
    return list(
        session.scalars(
            select(TrackedLink)
            .where(or_(TrackedLink.id.in_(through), TrackedLink.visitor.in_(visitors)))
            .order_by(TrackedLink.created_at)
        )
    )


def clicks_of(session: Session, organisation_id: UUID, visitors: Sequence[str]) -> list[Click]:
    return list(
        session.scalars(
            select(Click)
            .where(Click.organisation_id == organisation_id, Click.visitor.in_(visitors))
            .order_by(Click.id)
        )
    )


def events_about(
    session: Session,
    organisation_id: UUID,
    resource_ids: Sequence[UUID],
    terms: Sequence[str],
) -> list[Event]:
    """Events of the person's records, and any other event whose data names them."""
    data_text = func.lower(Event.data.cast(Text))
    mentions = [data_text.contains(term.lower(), autoescape=True) for term in terms]
    return list(
        session.scalars(
            select(Event)
            .where(
                Event.organisation_id == organisation_id,
                or_(Event.resource_id.in_(resource_ids), *mentions),
            )
            .order_by(Event.id)
        )
    )


def forget_visitors(session: Session, organisation_id: UUID, visitors: Sequence[str]) -> int:
    """Give the person's clicks and reshare links random visitor hashes: counts stay, the
    tie to the person goes."""
    if not visitors:
        return 0
    clicks = _run(
        session,
        update(Click)
        .where(Click.organisation_id == organisation_id, Click.visitor.in_(visitors))
        .values(visitor=_RANDOM_VISITOR),
    )
    links = _run(
        session,
        update(TrackedLink)
        .where(TrackedLink.organisation_id == organisation_id, TrackedLink.visitor.in_(visitors))
        .values(visitor=_RANDOM_VISITOR),
    )
    return int(clicks) + int(links)


def clear_application_texts(session: Session, application_ids: Sequence[UUID]) -> int:
    _run(
        session,
        update(Application)
        .where(Application.id.in_(application_ids))
        .values(email=None, motivation=None, visitor=None),
    )
    notes = _run(
        session,
        update(ApplicationEvent)
        .where(
            ApplicationEvent.application_id.in_(application_ids), ApplicationEvent.note.is_not(None)
        )
        .values(note=None),
    )
    return int(notes)


def clear_webhook_answers(session: Session, event_ids: Sequence[int]) -> int:
    """Receivers' answers to deliveries of the person's events may echo their data."""
    deliveries = select(WebhookDelivery.id).where(WebhookDelivery.event_id.in_(event_ids))
    return int(
        _run(
            session,
            update(WebhookAttempt)
            .where(
                WebhookAttempt.delivery_id.in_(deliveries),
                WebhookAttempt.response_body.is_not(None),
            )
            .values(response_body=None),
        )
    )


def forget_replays(session: Session, record_ids: Sequence[UUID]) -> int:
    """Stored answers for Idempotency-Key replays that carry one of the person's records."""
    if not record_ids:
        return 0
    # The stored answers are JSON (ASCII ids); the escape encoding reads them as text.
    body = func.encode(IdempotencyKey.body, "escape")
    contains = [body.contains(str(i), autoescape=True) for i in record_ids]
    return int(
        _run(
            session, delete(IdempotencyKey).where(IdempotencyKey.body.is_not(None), or_(*contains))
        )
    )


def clear_import_rows(
    session: Session, organisation_id: UUID, candidate_id: UUID, terms: Sequence[str]
) -> int:
    """Rows of bulk imports as they were sent: the person's own row, and a failed row that
    names them (kept for the error report)."""
    raw_text = func.lower(ImportRow.raw)
    mentions = [raw_text.contains(term.lower(), autoescape=True) for term in terms]
    imports = select(ImportJob.id).where(ImportJob.organisation_id == organisation_id)
    return int(
        _run(
            session,
            update(ImportRow)
            .where(
                ImportRow.import_id.in_(imports),
                ImportRow.raw.is_not(None),
                or_(ImportRow.record_id == candidate_id, *mentions),
            )
            .values(raw=None),
        )
    )


def delete_documents(session: Session, candidate_id: UUID) -> int:
    return int(
        _run(
            session, delete(CandidateDocument).where(CandidateDocument.candidate_id == candidate_id)
        )
    )


def expired(session: Session, now: datetime, limit: int) -> list[tuple[UUID, UUID]]:
    """(organisation, candidate) pairs whose consented retention has passed."""
    rows = session.execute(
        select(Candidate.organisation_id, Candidate.id)
        .where(Candidate.erased_at.is_(None), Candidate.consent_retention_until < now)
        .order_by(Candidate.consent_retention_until)
        .limit(limit)
    )
    return [(row[0], row[1]) for row in rows]
