"""``match.completed``: candidates ranked for a vacancy in the background, announced to
webhooks and the change feed, so an ATS need not wait on a ranking request."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.orm import Session

from integration.events import service as events
from integration.webhooks.repository import subscribed
from matching.retrieval.schemas import MatchFilters
from matching.retrieval.service import matches_for_vacancy
from models import Vacancy
from models.base import utcnow
from runtime.outbox import enqueue
from trust.audit import rankings
from trust.audit.service import Actor

TASK = "matching.match_vacancy"
TOP = 20


def request(session: Session, vacancy: Vacancy, *, explicit: bool = False) -> bool:
    """Queue a ranking of an open vacancy (after commit). Unless asked for explicitly, only
    when a webhook of the organisation listens for ``match.completed``: a ranking costs a
    request's worth of work, and nobody else would see it."""
    if vacancy.status != "open":
        return False
    if not explicit and not subscribed(session, vacancy.organisation_id, "match.completed"):
        return False
    enqueue(session, TASK, vacancy_id=str(vacancy.id))
    return True


def announce(session: Session, vacancy_id: UUID, model: str) -> int:
    """Rank the vacancy's candidates and record ``match.completed`` with the top results."""
    vacancy = session.get(Vacancy, vacancy_id)
    if vacancy is None:
        return 0
    everything = matches_for_vacancy(session, vacancy, model, MatchFilters(), 0.0)
    ranked = everything[:TOP]
    data = {
        "vacancy_id": str(vacancy.id),
        "model": model,
        "computed_at": utcnow().isoformat(),
        "matches_url": f"/v1/vacancies/{vacancy.id}/matches",
        "results": [
            {"candidate_id": str(item.owner.id), "rank": rank, "score": round(item.score, 4)}
            for rank, item in enumerate(ranked, start=1)
        ],
    }
    events.record(session, vacancy.organisation_id, "match.completed", "vacancy", vacancy.id, data)
    rankings.record(
        session,
        vacancy.organisation_id,
        rankings.MATCH_RUN,
        Actor.system("match_run"),
        shown=ranked,
        first_rank=1,
        total=len(everything),
        model=model,
        request={"limit": TOP},
        vacancy_id=vacancy.id,
    )
    return len(ranked)
