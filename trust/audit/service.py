"""The audit trail: append an entry to an organisation's hash chain, verify the chain,
redact an erased person's details. Services flush; the caller commits."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy.orm import Session

from models import AuditEntry
from models.base import utcnow
from trust.audit import chain, repository
from trust.redaction import scrub


@dataclass(frozen=True)
class Actor:
    """Who acted: an API key, or one of the system's own jobs (``key_id`` None)."""

    key_id: UUID | None
    name: str

    @classmethod
    def key(cls, key_id: UUID) -> Actor:
        return cls(key_id, "api_key")

    @classmethod
    def system(cls, job: str) -> Actor:
        return cls(None, job)


def append(
    session: Session,
    organisation_id: UUID,
    kind: str,
    actor: Actor,
    payload: dict[str, Any],
    *,
    vacancy_id: UUID | None = None,
    candidate_ids: Iterable[UUID] = (),
) -> AuditEntry:
    """Append an entry. Takes the organisation's chain lock until the caller's commit, so
    call it as the last write of the transaction."""
    repository.lock_chain(session, organisation_id)
    last = repository.head(session, organisation_id)
    seq, prev_hash = (1, chain.GENESIS) if last is None else (last[0] + 1, last[1])
    # Round trip through JSON first: the digest must be of what the database gives back.
    stored = json.loads(chain.canonical(payload))
    digest = chain.payload_digest(stored)
    ids = list(dict.fromkeys(candidate_ids))
    at = utcnow()
    entry = AuditEntry(
        organisation_id=organisation_id,
        seq=seq,
        at=at,
        kind=kind,
        actor_key_id=actor.key_id,
        actor=actor.name,
        vacancy_id=vacancy_id,
        candidate_ids=ids,
        payload=stored,
        payload_digest=digest,
        prev_hash=prev_hash,
        version=chain.VERSION,
    )
    entry.hash = _hash_of(entry)
    session.add(entry)
    session.flush()
    return entry


def _hash_of(entry: AuditEntry) -> str:
    return chain.entry_hash(
        entry.prev_hash,
        organisation_id=entry.organisation_id,
        seq=entry.seq,
        at=entry.at,
        kind=entry.kind,
        actor_key_id=entry.actor_key_id,
        actor=entry.actor,
        vacancy_id=entry.vacancy_id,
        candidate_ids=entry.candidate_ids,
        digest=entry.payload_digest,
        version=entry.version,
    )


@dataclass(frozen=True)
class Verification:
    valid: bool
    entries: int
    head: str
    broken_at: int | None = None
    problem: str | None = None


def verify(session: Session, organisation_id: UUID) -> Verification:
    """Recompute the chain: each entry must name its predecessor's hash, its hash must match
    its fields, and an unredacted payload must match its digest."""
    prev_hash, count = chain.GENESIS, 0
    for entry in repository.in_order(session, organisation_id):
        count += 1

        problem = None
        if entry.seq != count:
            problem = f"entry {count} is missing"
        elif entry.prev_hash != prev_hash:
            problem = "the entry does not name its predecessor's hash"
        elif entry.redacted_at is None and (
            chain.payload_digest(entry.payload) != entry.payload_digest
        ):
            problem = "the payload does not match its digest"
        if problem is None and _hash_of(entry) != entry.hash:
            problem = "the entry's hash does not match its fields"
        if problem is not None:
            return Verification(False, count - 1, prev_hash, entry.seq, problem)
        prev_hash = entry.hash
    return Verification(True, count, prev_hash)


def redact(session: Session, organisation_id: UUID, candidate_id: UUID, terms: list[str]) -> int:
    """Remove an erased person's details from the payloads that mention them: free-text
    notes of decisions about them, and any text containing their name, email or phone (a
    search query, say). Ids and scores stay: they point at an anonymous tombstone."""
    about = {e.id: e for e in repository.about_candidate(session, organisation_id, candidate_id)}
    entries = {e.id: e for e in repository.mentioning(session, organisation_id, terms)} | about
    now, changed = utcnow(), 0
    for entry in entries.values():
        scrubbed = scrub(entry.payload, terms, keys=("note",) if entry.id in about else ())
        if scrubbed != entry.payload:
            entry.payload = scrubbed
            entry.redacted_at = now
            changed += 1
    session.flush()
    return changed
