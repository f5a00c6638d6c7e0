"""Response shapes of the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from models import AuditEntry


class AuditEntryOut(BaseModel):
    seq: int = Field(description="Position in the organisation's chain, from 1 without gaps.")
    at: datetime
    kind: str = Field(
        description="`ranking.vacancy_matches`, `ranking.candidate_matches`, `ranking.search`, "
        "`ranking.match_run`, `decision.application_status`, `privacy.export` or "
        "`privacy.erasure`."
    )
    actor_key_id: UUID | None = Field(description="The API key that acted; null for a job.")
    actor: str = Field(description="`api_key`, or the job that acted (`match_run`, `retention`).")
    vacancy_id: UUID | None
    candidate_ids: list[UUID] = Field(description="The candidates the entry is about.")
    payload: dict[str, Any] | None = Field(
        description="What happened: for a ranking the request, `model`, `weights_version`, "
        "`total` and the `results` shown with rank, score and component scores."
    )
    payload_digest: str = Field(description="SHA-256 of the canonical JSON of the payload.")
    redacted_at: datetime | None = Field(
        description="When an erased person's details were removed from the payload; the "
        "digest is of the payload as first written."
    )
    prev_hash: str
    hash: str = Field(
        description="SHA-256 over `prev_hash` and the entry's fields (see docs/security.md)."
    )
    version: int

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryOut:
        return cls.model_validate(entry, from_attributes=True)


class ChainVerification(BaseModel):
    valid: bool
    entries: int = Field(description="Entries checked (up to the first broken one).")
    head: str = Field(description="Hash of the last valid entry.")
    broken_at: int | None = Field(default=None, description="`seq` of the first broken entry.")
    problem: str | None = None
