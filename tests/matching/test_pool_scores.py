"""A pool's candidates scored in the background (matching/retrieval/ranking.py): a request
takes the stored scores that still hold, scores the rest in full, ranks as scoring every
candidate would, and builds the profiles of the page it shows only."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from matching.retrieval import ranking, repository, service
from matching.retrieval.ranking import Ranking, Scored
from matching.retrieval.schemas import MatchFilters
from matching.scoring import weights
from matching.scoring.profiles import SIDES
from models import Candidate, MatchPool, Organisation, OutboxJob, Vacancy
from runtime.settings import DEFAULT_EMBEDDING_MODEL
from tests.matching.pool_profiles import PROFILES, add_organisation, add_vacancy


@pytest.fixture
def organisation(db: Session) -> Organisation:
    return add_organisation(db, "Pool scores")


@pytest.fixture
def vacancy(db: Session, organisation: Organisation) -> Vacancy:
    return add_vacancy(db, organisation)


@pytest.fixture
def no_sides_kept() -> Iterator[None]:
    """The process keeps no scoring side from earlier tests, as on a first look."""
    SIDES.clear()
    yield
    SIDES.clear()


def _matches(db: Session, vacancy: Vacancy, min_score: float = 0.0) -> Sequence[Scored]:
    return service.matches_for_vacancy(
        db, vacancy, DEFAULT_EMBEDDING_MODEL, MatchFilters(), min_score
    )


def _scored_in_full(db: Session, vacancy: Vacancy, min_score: float = 0.0) -> list[Scored]:
    """Every candidate scored by the request, as without stored scores."""
    pool = update(MatchPool).where(MatchPool.vacancy_id == vacancy.id)
    stored = db.scalar(select(MatchPool.scored_with).where(MatchPool.vacancy_id == vacancy.id))
    db.execute(pool.values(scored_with=None))
    try:
        ranked = _matches(db, vacancy, min_score)
        assert not isinstance(ranked, Ranking)
        return list(ranked)
    finally:
        db.execute(pool.values(scored_with=stored))


def _rows(ranked: Sequence[Scored]) -> list[tuple[Any, Any, dict[str, Any]]]:
    return [
        (item.owner.id, pytest.approx(item.score, abs=1e-9), item.explanation) for item in ranked
    ]


def _candidate(db: Session, organisation: Organisation, headline: str) -> Candidate:
    return db.scalars(
        select(Candidate).where(
            Candidate.organisation_id == organisation.id, Candidate.headline == headline
        )
    ).one()


def test_a_pool_scored_in_the_background_ranks_as_scoring_every_candidate(
    db: Session, vacancy: Vacancy, no_sides_kept: None
) -> None:
    assert service.refresh_pool(db, vacancy.id, DEFAULT_EMBEDDING_MODEL) == len(PROFILES)
    pool = repository.match_pool(db, vacancy.id, DEFAULT_EMBEDDING_MODEL)
    assert pool is not None
    assert pool.scored_ids is not None
    assert len(pool.scored_ids) == len(PROFILES)
    SIDES.clear()

    ranked = _matches(db, vacancy)
    assert isinstance(ranked, Ranking)
    assert ranked.rescored == 0
    assert len(ranked) == len(PROFILES)
    # Only the vacancy's side so far; a page builds its own owners' sides and no others.
    assert len(SIDES) == 1
    page = ranked[:2]
    assert len(SIDES) == 3
    # Built once: the same objects again, so each explanation is computed once.
    assert all(again is first for again, first in zip(ranked[:2], page, strict=True))
    assert ranked[-1] is list(ranked)[-1]

    assert _rows(ranked) == _rows(_scored_in_full(db, vacancy))
    threshold = (ranked[1].score + ranked[2].score) / 2
    above = _matches(db, vacancy, threshold)
    assert [item.owner.id for item in above] == [item.owner.id for item in page]


def test_an_edited_candidate_is_scored_again_and_a_deleted_one_left_out(
    db: Session, organisation: Organisation, vacancy: Vacancy
) -> None:
    service.refresh_pool(db, vacancy.id, DEFAULT_EMBEDDING_MODEL)
    before = {item.owner.id: item.score for item in _matches(db, vacancy)}
    # An edit without new sections: the stamp changes, the pool itself still holds.
    editor = _candidate(db, organisation, "Redacteur")
    editor.skills = ["redigeren", "Python", "SQL"]
    archivist = _candidate(db, organisation, "Archivaris")
    db.delete(archivist)
    db.flush()

    ranked = _matches(db, vacancy)
    assert isinstance(ranked, Ranking)
    assert ranked.rescored == 1
    scores = {item.owner.id: item.score for item in ranked}
    assert archivist.id not in scores
    assert scores[editor.id] > before[editor.id]
    assert _rows(ranked) == _rows(_scored_in_full(db, vacancy))


def _refreshes_asked(db: Session) -> int:
    return db.scalar(select(func.count()).where(OutboxJob.task == "matching.refresh_pool")) or 0


def test_a_changed_vacancy_or_weight_sets_the_stored_scores_aside(
    db: Session, vacancy: Vacancy, monkeypatch: pytest.MonkeyPatch
) -> None:
    service.refresh_pool(db, vacancy.id, DEFAULT_EMBEDDING_MODEL)
    assert isinstance(_matches(db, vacancy), Ranking)
    asked = _refreshes_asked(db)

    with monkeypatch.context() as patched:
        patched.setattr(weights, "SKILLS_WEIGHT", 0.5)
        assert not isinstance(_matches(db, vacancy), Ranking)
    assert _refreshes_asked(db) == asked + 1

    # Declared skills are no section of their own: the pool holds, its scores do not.
    vacancy.required_skills = ["Python", "Django"]
    db.flush()
    assert not isinstance(_matches(db, vacancy), Ranking)
    service.refresh_pool(db, vacancy.id, DEFAULT_EMBEDDING_MODEL)
    ranked = _matches(db, vacancy)
    assert isinstance(ranked, Ranking)
    assert ranked.rescored == 0
    assert _rows(ranked) == _rows(_scored_in_full(db, vacancy))


def test_the_stamp_is_the_same_whatever_zone_the_timestamps_are_read_in(
    db: Session, organisation: Organisation
) -> None:
    candidate = _candidate(db, organisation, "Bibliothecaris")
    stamp = ranking.owner_stamp(candidate)
    [row] = repository.stamps(db, Candidate, organisation.id, [candidate.id])
    assert ranking.owner_stamp(row) == stamp
    elsewhere = row._replace(updated_at=row.updated_at.astimezone(ZoneInfo("Asia/Tokyo")))
    assert ranking.owner_stamp(elsewhere) == stamp
    assert ranking.owner_stamp(elsewhere._replace(indexed_at=None)) != stamp


def test_a_pool_found_without_scores_is_scored_again(db: Session, vacancy: Vacancy) -> None:
    service.refresh_pool(db, vacancy.id, DEFAULT_EMBEDDING_MODEL)
    pool = update(MatchPool).where(MatchPool.vacancy_id == vacancy.id)
    db.execute(pool.values(scored_ids=None, scores=None, scored_stamps=None, scored_with=None))
    asked = _refreshes_asked(db)
    assert not isinstance(_matches(db, vacancy), Ranking)
    assert _refreshes_asked(db) == asked + 1
    service.refresh_pool(db, vacancy.id, DEFAULT_EMBEDDING_MODEL)
    assert isinstance(_matches(db, vacancy), Ranking)
