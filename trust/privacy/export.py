"""Everything held about a candidate, for their right of access and portability (GDPR
articles 15 and 20): profile, original files, applications, current matches with their
explanations, referral links and clicks tied to them, events and audit entries."""

from __future__ import annotations

import base64
from typing import Any
from uuid import UUID

from sqlalchemy.orm import Session

from distribution.applications import service as applications_service
from matching.candidates import service as candidates
from matching.retrieval.schemas import MatchFilters
from matching.retrieval.service import matches_for_candidate
from models import Vacancy
from models.base import utcnow
from trust.audit import repository as audit_repository
from trust.audit import service as audit
from trust.audit.schemas import AuditEntryOut
from trust.audit.service import Actor
from trust.privacy import repository
from trust.redaction import usable_terms

EXPORT = "privacy.export"
# Current matches in an export: enough to show how the person is ranked today.
MATCHES = 20
ATTRIBUTION = "This service uses the ESCO classification of the European Commission."


def export(
    session: Session, organisation_id: UUID, candidate_id: UUID, model: str, actor: Actor
) -> dict[str, Any]:
    """The export document (JSON-ready; files as base64). Logged in the audit trail."""
    candidate = candidates.get(session, organisation_id, candidate_id)
    applications = repository.applications(session, candidate.id)
    application_ids = [a.id for a in applications]
    visitors = [a.visitor for a in applications if a.visitor]
    terms = usable_terms([candidate.name, candidate.email, candidate.phone])
    links = repository.links_of(session, application_ids, visitors)
    ranked = matches_for_candidate(session, candidate, model, MatchFilters(), 0.0)
    document = {
        "exported_at": utcnow().isoformat(),
        "candidate": candidates.to_out(candidate).model_dump(mode="json"),
        "documents": [
            {
                "id": str(d.id),
                "filename": d.filename,
                "media_type": d.media_type,
                "size_bytes": d.size_bytes,
                "sha256": d.sha256,
                "created_at": d.created_at.isoformat(),
                "text": d.text,
                "content_base64": base64.b64encode(d.content).decode("ascii"),
            }
            for d in repository.documents(session, candidate.id)
        ],
        "applications": [
            a.model_dump(mode="json") for a in applications_service.to_out(session, applications)
        ],
        "matches": {
            "model": model,
            "results": [
                {
                    "vacancy_id": str(item.owner.id),
                    "title": item.owner.title if isinstance(item.owner, Vacancy) else None,
                    "rank": rank,
                    "score": item.score,
                    "explanation": item.explanation,
                }
                for rank, item in enumerate(ranked[:MATCHES], start=1)
            ],
        },
        "referral_links": [
            {
                "code": link.code,
                "vacancy_id": str(link.vacancy_id),
                "channel": link.channel,
                "depth": link.depth,
                "created_at": link.created_at.isoformat(),
                "made_by_candidate": link.visitor is not None and link.visitor in visitors,
            }
            for link in links
        ],
        "clicks": [
            {
                "link_id": str(click.link_id),
                "vacancy_id": str(click.vacancy_id),
                "day": click.day.isoformat(),
                "hits": click.hits,
                "first_at": click.first_at.isoformat(),
                "last_at": click.last_at.isoformat(),
            }
            for click in repository.clicks_of(session, organisation_id, visitors)
        ],
        "events": [
            {
                "id": str(event.uid),
                "type": event.type,
                "occurred_at": event.occurred_at.isoformat(),
                "data": event.data,
            }
            for event in repository.events_about(
                session, organisation_id, [candidate.id, *application_ids], terms
            )
        ],
        "audit": [
            AuditEntryOut.of(entry).model_dump(mode="json")
            for entry in audit_repository.about_candidate(session, organisation_id, candidate.id)
        ],
        "attribution": ATTRIBUTION,
    }
    audit.append(
        session,
        organisation_id,
        EXPORT,
        actor,
        {"documents": len(document["documents"]), "applications": len(applications)},
        candidate_ids=[candidate.id],
    )
    return document
