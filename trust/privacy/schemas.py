"""Response shapes of data-subject requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from distribution.applications.schemas import ApplicationOut
from matching.candidates.schemas import CandidateOut
from trust.audit.schemas import AuditEntryOut


class ExportedDocument(BaseModel):
    id: str
    filename: str
    media_type: str
    size_bytes: int
    sha256: str
    created_at: datetime
    text: str = Field(description="The text read from the file.")
    content_base64: str = Field(description="The original file, base64-encoded.")


class ExportedMatches(BaseModel):
    model: str
    results: list[dict[str, Any]] = Field(
        description="The organisation's open vacancies ranked for the person today, with "
        "score, rank and explanation."
    )


class CandidateExport(BaseModel):
    exported_at: datetime
    candidate: CandidateOut
    documents: list[ExportedDocument]
    applications: list[ApplicationOut]
    matches: ExportedMatches
    referral_links: list[dict[str, Any]] = Field(
        description="Links the person applied through, and reshare links they made."
    )
    clicks: list[dict[str, Any]] = Field(description="Clicks tied to the person's visits.")
    events: list[dict[str, Any]] = Field(description="Change events about their records.")
    audit: list[AuditEntryOut] = Field(description="Rankings and decisions about them.")
    attribution: str
