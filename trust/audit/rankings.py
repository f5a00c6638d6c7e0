"""Audit entries for rankings served: matches for a vacancy or a candidate, free-text
searches, background match runs and the dashboard's top matches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy.orm import Session

from matching.retrieval.ranking import Scored
from matching.scoring import weights
from models import AuditEntry
from trust.audit.service import Actor, append

VACANCY_MATCHES = "ranking.vacancy_matches"
CANDIDATE_MATCHES = "ranking.candidate_matches"
SEARCH = "ranking.search"
MATCH_RUN = "ranking.match_run"


def record(
    session: Session,
    organisation_id: UUID,
    kind: str,
    actor: Actor,
    *,
    shown: Sequence[Scored],
    first_rank: int,
    total: int,
    model: str,
    request: dict[str, Any],
    vacancy_id: UUID | None = None,
    candidate_id: UUID | None = None,
) -> AuditEntry:
    """Log a ranking as the caller saw it: what was asked (``request``: query, filters,
    page), the model and weights version that ranked, how many results there were, and
    each result shown with its rank, score and component scores."""
    results = [
        {
            "id": str(item.owner.id),
            "rank": rank,
            "score": round(item.score, 6),
            "components": item.explanation.get("components", {}),
        }
        for rank, item in enumerate(shown, start=first_rank)
    ]
    payload = {
        "request": request,
        "model": model,
        "weights_version": weights.version(),
        "total": total,
        "results": results,
    }
    # Matches for a candidate rank vacancies: the entry is about that one candidate.
    about = [candidate_id] if candidate_id else [item.owner.id for item in shown]
    return append(
        session, organisation_id, kind, actor, payload, vacancy_id=vacancy_id, candidate_ids=about
    )
