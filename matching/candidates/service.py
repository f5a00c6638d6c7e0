"""Candidate use cases. Services flush; the caller (request, task, CLI) commits."""

from __future__ import annotations

import hashlib
from functools import partial
from typing import Any
from uuid import UUID

from sqlalchemy.orm import Session

from integration.events import service as events
from matching.candidates import repository
from matching.candidates.schemas import CandidateCreate, CandidateOut, CandidateUpdate
from matching.documents.extract import ExtractedDocument
from matching.documents.language import detect_language
from matching.records import location_columns, location_out, plain
from models import Candidate, CandidateDocument
from models.db import unique_write
from runtime.errors import ConflictError, NotFoundError

_CONSENT_FIELDS = ("given_at", "purpose", "retention_until")
_UNIQUE_FIELDS = ("external_id", "email")


def to_out(candidate: Candidate) -> CandidateOut:
    consent = None
    if candidate.consent_given_at is not None:
        consent = {name: getattr(candidate, f"consent_{name}") for name in _CONSENT_FIELDS}
    return CandidateOut.model_validate(
        {
            "id": candidate.id,
            "external_id": candidate.external_id,
            "name": candidate.name,
            "email": candidate.email,
            "phone": candidate.phone,
            "headline": candidate.headline,
            "website": candidate.website,
            "profiles": candidate.profiles,
            "summary": candidate.summary,
            "language": candidate.language,
            "skills": candidate.skills,
            "languages": candidate.languages,
            "location": location_out(candidate),
            "remote": candidate.remote,
            "experience": candidate.experience,
            "education": candidate.education,
            "consent": consent,
            "created_at": candidate.created_at,
            "updated_at": candidate.updated_at,
        }
    )


def _columns(data: dict[str, Any]) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    for key, value in data.items():
        if key == "location":
            columns.update(location_columns(plain(value)))
        elif key == "consent":
            consent = value.model_dump() if value is not None else {}
            columns.update({f"consent_{name}": consent.get(name) for name in _CONSENT_FIELDS})
        elif key in ("experience", "education", "profiles"):
            columns[key] = [item.model_dump(mode="json") for item in value]
        else:
            columns[key] = plain(value)
    return columns


def _profile_text(candidate: Candidate) -> str:
    parts = [candidate.headline or "", candidate.summary]
    parts += [f"{e.get('title', '')} {e.get('description', '')}" for e in candidate.experience]
    return "\n".join(parts)


def _emit(session: Session, type_: str, candidate: Candidate) -> None:
    data = to_out(candidate).model_dump(mode="json")
    events.record(session, candidate.organisation_id, type_, "candidate", candidate.id, data)


def get(session: Session, organisation_id: UUID, candidate_id: UUID) -> Candidate:
    candidate = repository.get(session, organisation_id, candidate_id)
    if candidate is None:
        raise NotFoundError(f"no candidate with id {candidate_id}")
    return candidate


def _check_unique(
    session: Session, organisation_id: UUID, values: dict[str, Any], own_id: UUID | None
) -> None:
    for column in _UNIQUE_FIELDS:
        value = values.get(column)
        if value is None:
            continue
        existing = repository.get_by(session, organisation_id, **{column: value})
        if existing is not None and existing.id != own_id:
            raise ConflictError(
                f"a candidate with {column} {value!r} already exists", existing_id=existing.id
            )


def create(session: Session, organisation_id: UUID, payload: CandidateCreate) -> Candidate:
    data = {key: getattr(payload, key) for key in CandidateCreate.model_fields}
    conflict = partial(_check_unique, session, organisation_id, data, None)
    conflict()
    candidate = Candidate(organisation_id=organisation_id, **_columns(data))
    if candidate.language is None:
        candidate.language = detect_language(_profile_text(candidate))
    with unique_write(session, candidate, conflict):
        session.add(candidate)
    _emit(session, "candidate.created", candidate)
    return candidate


def update(
    session: Session, organisation_id: UUID, candidate_id: UUID, payload: CandidateUpdate
) -> Candidate:
    candidate = get(session, organisation_id, candidate_id)
    data = {key: getattr(payload, key) for key in payload.model_fields_set}
    conflict = partial(_check_unique, session, organisation_id, data, candidate.id)
    conflict()
    with unique_write(session, candidate, conflict):
        for column, value in _columns(data).items():
            setattr(candidate, column, value)
        if candidate.language is None or ("language" in data and data["language"] is None):
            candidate.language = detect_language(_profile_text(candidate))
    _emit(session, "candidate.updated", candidate)
    return candidate


def attach_document(
    session: Session, organisation_id: UUID, candidate_id: UUID, document: ExtractedDocument
) -> None:
    """Keep a candidate's original file (once: the same file again adds nothing)."""
    digest = hashlib.sha256(document.content).hexdigest()
    if repository.has_document(session, candidate_id, digest):
        return
    session.add(
        CandidateDocument(
            organisation_id=organisation_id,
            candidate_id=candidate_id,
            filename=document.filename,
            media_type=document.media_type,
            size_bytes=len(document.content),
            sha256=digest,
            content=document.content,
            text=document.text,
        )
    )
    session.flush()


def create_from_document(
    session: Session,
    organisation_id: UUID,
    payload: CandidateCreate,
    document: ExtractedDocument,
) -> Candidate:
    """Store a parsed profile together with its original file, in the caller's transaction."""
    candidate = create(session, organisation_id, payload)
    attach_document(session, organisation_id, candidate.id, document)
    return candidate
