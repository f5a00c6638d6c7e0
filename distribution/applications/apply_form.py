"""Applications sent through the public vacancy page: a CV file and a few fields become a
candidate (or update the one with the same email), their stored file, and an application
credited through the tracked link the visitor came with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from distribution.applications import repository
from distribution.applications.schemas import ApplicationCreate
from distribution.applications.service import Recorded, record
from distribution.links import repository as links_repository
from matching.candidates import repository as candidates_repository
from matching.candidates import service as candidates_service
from matching.candidates.drafts import draft_to_payload
from matching.candidates.schemas import CandidateCreate, Consent
from matching.documents.extract import ExtractedDocument
from matching.documents.profile import draft_profile
from models import Vacancy
from models.base import utcnow
from runtime.errors import ConflictError

SOURCE = "apply_form"


@dataclass(frozen=True)
class ApplyForm:
    """What the visitor filled in, already checked field by field by the page."""

    name: str
    email: str
    phone: str | None
    motivation: str | None
    ref: str | None
    # The keyed visitor hash of the sender (see Click.visitor), kept with the application so
    # an erasure can untie the person's clicks and reshare links.
    visitor: str | None = None


def _usable_ref(session: Session, vacancy: Vacancy, code: str | None) -> str | None:
    # A visitor cannot fix a stale or foreign tm_ref in the address bar; the application
    # matters more than the credit, so such a ref is left out rather than refused.
    if code is None:
        return None
    link = links_repository.get_by_code(session, code)
    if link is None or link.vacancy_id != vacancy.id:
        return None
    return code


def submit(
    session: Session,
    vacancy: Vacancy,
    organisation: str,
    form: ApplyForm,
    document: ExtractedDocument,
    *,
    window_days: int,
    retention_days: int,
) -> Recorded:
    """Store the application. The profile is drafted from the CV, with the name, email and
    phone the visitor typed; a candidate the organisation already has (same email) keeps
    their profile and gains the new file. Raises ``ConflictError`` when this person already
    applied to this vacancy, before anything is written."""
    now = utcnow()
    existing = candidates_repository.get_by(session, vacancy.organisation_id, email=form.email)
    if existing is not None and repository.get_by_candidate(session, vacancy.id, existing.id):
        raise ConflictError("this candidate already applied to this vacancy")
    created = existing is None
    if existing is None:
        drafted = draft_to_payload(draft_profile(document.text))
        profile = CandidateCreate.model_validate(
            {
                **drafted.model_dump(exclude_unset=True),
                "name": form.name,
                "email": form.email,
                "phone": form.phone,
                "consent": Consent(
                    given_at=now,
                    purpose=f"Application to {vacancy.title} at {organisation}"[:1000],
                    retention_until=now + timedelta(days=retention_days),
                ),
            }
        )
        candidate = candidates_service.create_from_document(
            session, vacancy.organisation_id, profile, document
        )
    else:
        candidate = existing
        candidates_service.attach_document(session, vacancy.organisation_id, candidate.id, document)
    recorded = record(
        session,
        vacancy.organisation_id,
        ApplicationCreate(
            vacancy_id=vacancy.id,
            candidate_id=candidate.id,
            ref=_usable_ref(session, vacancy, form.ref),
            source=SOURCE,
            motivation=form.motivation,
            consent=True,
        ),
        window_days=window_days,
        now=now,
    )
    recorded.application.visitor = form.visitor
    session.flush()
    return Recorded(recorded.application, candidate, created)
