"""API key scopes. ``admin`` grants everything; a ``:write`` scope grants its ``:read``."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

SCOPES: dict[str, str] = {
    "vacancies:read": "Read vacancies.",
    "vacancies:write": "Create, change and delete vacancies.",
    "candidates:read": "Read candidate profiles.",
    "candidates:write": "Create, change and delete candidates; parse CV files.",
    "search": "Search and match candidates and vacancies.",
    "applications:read": "Read applications and their status history.",
    "applications:write": "Record applications and move them through their statuses.",
    "distribution:read": "Read employees, campaigns, links and attribution.",
    "distribution:write": "Manage employees and campaigns.",
    "imports:read": "Read bulk imports and their error reports.",
    "imports:write": "Run bulk imports (each also needs the write scope of what it imports).",
    "webhooks:read": "Read webhook endpoints and their delivery logs.",
    "webhooks:write": "Register, change and delete webhook endpoints; redeliver and ping.",
    "audit:read": "Read and verify the audit trail of rankings, decisions and erasures.",
    "admin": "Everything, including key management.",
}


def parse_scopes(text: str) -> list[str]:
    """Parse a comma or space separated scope list; unknown scopes raise ``ValueError``."""
    scopes = sorted({part.strip() for part in text.replace(",", " ").split() if part.strip()})
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValueError(
            f"unknown scope(s): {', '.join(unknown)}; known scopes: {', '.join(SCOPES)}"
        )
    if not scopes:
        raise ValueError("at least one scope is required")
    return scopes


@dataclass(frozen=True)
class Principal:
    """Who is calling: the organisation and the scopes of the presented key."""

    organisation_id: UUID
    api_key_id: UUID
    scopes: frozenset[str] = field(default_factory=frozenset)

    def allows(self, scope: str) -> bool:
        if "admin" in self.scopes or scope in self.scopes:
            return True
        resource, _, action = scope.partition(":")
        return action == "read" and f"{resource}:write" in self.scopes
