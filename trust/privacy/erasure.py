"""Erasure of a candidate's personal data everywhere it is held (GDPR article 17).

What stays is an anonymous tombstone: the candidate row with its id and dates only, and
the applications, clicks and rewards that refer to it without anything that identifies the
person, so funnels, attribution and reward ledgers keep adding up."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy.orm import Session

from integration.events import service as events
from matching.indexing.repository import delete_derived
from models import Candidate
from models.base import utcnow
from runtime.errors import NotFoundError
from trust.audit import service as audit
from trust.audit.service import Actor
from trust.privacy import repository
from trust.redaction import scrub, usable_terms

ERASURE = "privacy.erasure"
# What an application event's data may say about the person.
_APPLICATION_KEYS = ("email", "motivation", "note")
# Every column of a candidate that describes the person.
_PERSONAL: dict[str, object] = {
    "external_id": None,
    "name": None,
    "email": None,
    "phone": None,
    "headline": None,
    "website": None,
    "profiles": [],
    "summary": "",
    "language": None,
    "skills": [],
    "languages": [],
    "remote": False,
    "experience": [],
    "education": [],
    "consent_given_at": None,
    "consent_purpose": None,
    "consent_retention_until": None,
    "location_street": None,
    "location_postal_code": None,
    "location_city": None,
    "location_region": None,
    "location_country": None,
    "location_lat": None,
    "location_lon": None,
    "search_document": None,
    "indexed_at": None,
    "indexed_model": None,
}


@dataclass(frozen=True)
class ErasureReport:
    """How many rows of each kind were erased or untied (no personal data in it)."""

    candidate_id: str
    tombstone: bool
    documents: int
    applications: int
    application_notes: int
    events: int
    webhook_answers: int
    replays: int
    import_rows: int
    visitor_rows: int
    audit_payloads: int


def erase(
    session: Session,
    organisation_id: UUID,
    candidate_id: UUID,
    actor: Actor,
    *,
    reason: str,
    tombstone: bool = True,
) -> ErasureReport:
    """Erase the candidate's personal data from every table: the profile, files, vectors and
    full-text document, application emails, motivations and notes, event data (so webhook
    payloads not yet delivered carry nothing of them), receivers' echoed answers, stored
    Idempotency-Key replays, bulk-import rows, the ties of their clicks and reshare links,
    and audit payloads that name them. With ``tombstone`` the anonymous row stays;
    without, the row and its applications are deleted too. Flushes; the caller commits."""
    candidate = repository.candidate_for_update(session, organisation_id, candidate_id)
    if candidate is None:
        raise NotFoundError(f"no candidate with id {candidate_id}")
    applications = repository.applications(session, candidate.id)
    application_ids = [a.id for a in applications]
    terms = usable_terms([candidate.name, candidate.email, candidate.phone])
    terms = usable_terms([*terms, *(a.email for a in applications)])
    visitors = [a.visitor for a in applications if a.visitor]

    found = repository.events_about(
        session, organisation_id, [candidate.id, *application_ids], terms
    )
    for event in found:
        if event.resource_id == candidate.id:
            event.data = {"id": str(candidate.id), "erased": True}
        else:
            keys = _APPLICATION_KEYS if event.resource_id in application_ids else ()
            event.data = scrub(event.data, terms, keys)
    session.flush()
    now = utcnow()
    report = ErasureReport(
        candidate_id=str(candidate.id),
        tombstone=tombstone,
        documents=repository.delete_documents(session, candidate.id),
        applications=len(applications),
        application_notes=repository.clear_application_texts(session, application_ids),
        events=len(found),
        webhook_answers=repository.clear_webhook_answers(session, [e.id for e in found]),
        replays=repository.forget_replays(session, [candidate.id, *application_ids]),
        import_rows=repository.clear_import_rows(session, organisation_id, candidate.id, terms),
        visitor_rows=repository.forget_visitors(session, organisation_id, visitors),
        audit_payloads=audit.redact(session, organisation_id, candidate.id, terms),
    )
    delete_derived(session, candidate.id)
    if tombstone:
        _make_tombstone(candidate, now)
        events.record(
            session,
            organisation_id,
            "candidate.erased",
            "candidate",
            candidate.id,
            {"id": str(candidate.id), "erased_at": now.isoformat()},
        )
    else:
        events.record(
            session,
            organisation_id,
            "candidate.deleted",
            "candidate",
            candidate.id,
            {"id": str(candidate.id)},
        )
        session.delete(candidate)
    session.flush()
    audit.append(
        session,
        organisation_id,
        ERASURE,
        actor,
        {"reason": reason, **asdict(report)},
        candidate_ids=[candidate_id],
    )
    return report


def _make_tombstone(candidate: Candidate, now: datetime) -> None:
    for column, value in _PERSONAL.items():
        setattr(candidate, column, value)
    candidate.erased_at = now
