"""Audit entries for decisions people take about a candidate."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from models import Application, AuditEntry
from trust.audit.service import Actor, append

APPLICATION_STATUS = "decision.application_status"


def record_status_change(
    session: Session,
    application: Application,
    previous: str,
    at: datetime,
    note: str | None,
    actor: Actor,
) -> AuditEntry:
    """Who moved an application from ``previous`` to its current status (shortlisting is a
    move to ``screening`` or ``interview``, rejection one to ``rejected``), when, and why."""
    payload = {
        "application_id": str(application.id),
        "from": previous,
        "to": application.status,
        "at": at.isoformat(),
        "note": note,
    }
    return append(
        session,
        application.organisation_id,
        APPLICATION_STATUS,
        actor,
        payload,
        vacancy_id=application.vacancy_id,
        candidate_ids=[application.candidate_id],
    )
