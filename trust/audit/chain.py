"""The hashing rule of the audit chain, free of any database code so that an auditor can
re-run it on an export."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

# The predecessor of an organisation's first entry.
GENESIS = "0" * 64
VERSION = 1


def canonical(value: Any) -> bytes:
    """JSON with sorted keys and no spaces: one byte string for one value."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def payload_digest(payload: Any) -> str:
    return hashlib.sha256(canonical(payload)).hexdigest()


def entry_hash(
    prev_hash: str,
    *,
    organisation_id: UUID,
    seq: int,
    at: datetime,
    kind: str,
    actor_key_id: UUID | None,
    actor: str,
    vacancy_id: UUID | None,
    candidate_ids: list[UUID],
    digest: str,
    version: int = VERSION,
) -> str:
    """SHA-256 over the predecessor's hash and every field of the entry; the payload enters
    through its digest, so redacting an erased person's details keeps the chain intact."""
    fields = {
        "version": version,
        "organisation_id": str(organisation_id),
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(),
        "kind": kind,
        "actor_key_id": str(actor_key_id) if actor_key_id else None,
        "actor": actor,
        "vacancy_id": str(vacancy_id) if vacancy_id else None,
        "candidate_ids": [str(c) for c in candidate_ids],
        "payload_digest": digest,
    }
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(fields)).hexdigest()
