"""Match pools: a vacancy's nearest candidates found in the background, from which a match
request starts (matching/retrieval/pools.py), and the section id up to which they are
complete (matching/embeddings/since.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import Engine, delete, event, func, select, text
from sqlalchemy.orm import Session

from matching.embeddings import since, store
from matching.embeddings.store import SECTION_WRITES_LOCK
from matching.indexing.bulk import index_records
from matching.retrieval import generation, pools, repository, service, terms
from matching.retrieval.schemas import MatchFilters
from matching.scoring.profiles import load_vacancies
from models import Candidate, MatchPool, Organisation, OutboxJob, SectionEmbedding, Vacancy
from runtime.settings import DEFAULT_EMBEDDING_MODEL
from tests.matching.pool_profiles import PROFILES, add_candidate, add_organisation, add_vacancy


@pytest.fixture
def organisation(db: Session) -> Organisation:
    return add_organisation(db, "Match pools")


@pytest.fixture
def vacancy(db: Session, organisation: Organisation) -> Vacancy:
    return add_vacancy(db, organisation)


def _ranking(db: Session, vacancy: Vacancy) -> list[tuple[Any, float]]:
    ranked = service.matches_for_vacancy(db, vacancy, DEFAULT_EMBEDDING_MODEL, MatchFilters(), 0.0)
    return [(item.owner.id, round(item.score, 6)) for item in ranked]


def _searches_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> Sequence[object]:
        raise AssertionError("the graphs were searched")

    monkeypatch.setattr(generation, "dense", refuse)


def _refreshes_asked(db: Session, vacancy: Vacancy) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(OutboxJob)
            .where(
                OutboxJob.task == pools.TASK,
                OutboxJob.kwargs["vacancy_id"].astext == str(vacancy.id),
            )
        )
        or 0
    )


def test_a_pool_ranks_as_the_searches_do_without_searching(
    db: Session, vacancy: Vacancy, monkeypatch: pytest.MonkeyPatch
) -> None:
    searched = _ranking(db, vacancy)
    assert len(searched) == len(PROFILES)
    # Without a pool the request searched the graphs and asked for one.
    assert _refreshes_asked(db, vacancy) == 1

    found = service.refresh_pool(db, vacancy.id, DEFAULT_EMBEDDING_MODEL)
    assert found == len(PROFILES)
    pool = repository.match_pool(db, vacancy.id, DEFAULT_EMBEDDING_MODEL)
    assert pool is not None
    assert pool.through_section == db.scalar(select(func.max(SectionEmbedding.id)))
    assert list(pool.similarities) == sorted(pool.similarities, reverse=True)

    _searches_refused(monkeypatch)
    assert _ranking(db, vacancy) == searched
    # A pool in use asks for nothing.
    assert _refreshes_asked(db, vacancy) == 1


def test_a_candidate_written_after_the_pool_is_matched_from_its_new_sections(
    db: Session, organisation: Organisation, vacancy: Vacancy, monkeypatch: pytest.MonkeyPatch
) -> None:
    service.refresh_pool(db, vacancy.id, DEFAULT_EMBEDDING_MODEL)
    newcomer = add_candidate(
        db,
        organisation,
        "Python-ontwikkelaar",
        "Bouwt collectiewebsites in Python en Django.",
        ["Python"],
    )
    with monkeypatch.context() as patched:
        _searches_refused(patched)
        pooled = _ranking(db, vacancy)
    assert newcomer.id in [owner_id for owner_id, _ in pooled]
    db.execute(delete(MatchPool).where(MatchPool.vacancy_id == vacancy.id))
    assert _ranking(db, vacancy) == pooled


def test_a_changed_vacancy_or_too_many_new_sections_are_searched_again(
    db: Session, organisation: Organisation, vacancy: Vacancy, monkeypatch: pytest.MonkeyPatch
) -> None:
    service.refresh_pool(db, vacancy.id, DEFAULT_EMBEDDING_MODEL)
    [side] = load_vacancies(db, [vacancy], DEFAULT_EMBEDDING_MODEL)
    queries = generation.text_queries(side.sections)
    assert pools.nearest(db, vacancy, DEFAULT_EMBEDDING_MODEL, queries, 100) is not None

    add_candidate(
        db, organisation, "Conservator", "Restaureert papier en perkament.", ["restauratie"]
    )
    monkeypatch.setattr(pools, "NEW_SECTIONS_CAP", 1)
    assert pools.nearest(db, vacancy, DEFAULT_EMBEDDING_MODEL, queries, 100) is None
    monkeypatch.undo()

    vacancy.description = "Je onderhoudt onze archiefsystemen in Java."
    db.flush()
    assert index_records(db, "vacancy", [vacancy.id], DEFAULT_EMBEDDING_MODEL) == 1
    [side] = load_vacancies(db, [vacancy], DEFAULT_EMBEDDING_MODEL)
    changed = generation.text_queries(side.sections)
    assert pools.nearest(db, vacancy, DEFAULT_EMBEDDING_MODEL, changed, 100) is None
    # The request still answers, from the graphs, and asks for a refresh.
    before = _refreshes_asked(db, vacancy)
    assert len(_ranking(db, vacancy)) == len(PROFILES) + 1
    assert _refreshes_asked(db, vacancy) == before + 1
    # Not again from this process within a minute.
    _ranking(db, vacancy)
    assert _refreshes_asked(db, vacancy) == before + 1


def test_a_refresh_with_nothing_new_keeps_the_pool_and_a_deleted_vacancy_takes_it_along(
    db: Session, vacancy: Vacancy, monkeypatch: pytest.MonkeyPatch
) -> None:
    service.refresh_pool(db, vacancy.id, DEFAULT_EMBEDDING_MODEL)
    first = repository.match_pool(db, vacancy.id, DEFAULT_EMBEDDING_MODEL)
    assert first is not None
    owners, similarities = list(first.owner_ids), list(first.similarities)
    with monkeypatch.context() as patched:
        _searches_refused(patched)
        assert service.refresh_pool(db, vacancy.id, DEFAULT_EMBEDDING_MODEL) == len(PROFILES)
    db.refresh(first)
    assert (list(first.owner_ids), list(first.similarities)) == (owners, similarities)

    db.delete(vacancy)
    db.flush()
    db.expire_all()
    assert repository.match_pool(db, vacancy.id, DEFAULT_EMBEDDING_MODEL) is None
    assert service.refresh_pool(db, vacancy.id, DEFAULT_EMBEDDING_MODEL) is None


def test_a_pool_found_at_another_depth_is_found_again(
    db: Session, vacancy: Vacancy, monkeypatch: pytest.MonkeyPatch
) -> None:
    service.refresh_pool(db, vacancy.id, DEFAULT_EMBEDDING_MODEL)
    [side] = load_vacancies(db, [vacancy], DEFAULT_EMBEDDING_MODEL)
    queries = generation.text_queries(side.sections)
    assert pools.nearest(db, vacancy, DEFAULT_EMBEDDING_MODEL, queries, 100) is not None
    # As after an upgrade that searches pools deeper: the stored pool no longer serves, and
    # the next refresh searches again instead of keeping it.
    monkeypatch.setattr(pools, "POOL_EF_SEARCH", 400)
    assert pools.nearest(db, vacancy, DEFAULT_EMBEDDING_MODEL, queries, 100) is None
    first = repository.match_pool(db, vacancy.id, DEFAULT_EMBEDDING_MODEL)
    assert first is not None
    digest = first.queries
    service.refresh_pool(db, vacancy.id, DEFAULT_EMBEDDING_MODEL)
    db.refresh(first)
    assert first.queries != digest
    assert pools.nearest(db, vacancy, DEFAULT_EMBEDDING_MODEL, queries, 100) is not None


def test_section_writers_hold_the_lock_that_the_pool_waits_for(
    db: Session, organisation: Organisation, engine: Engine
) -> None:
    """The test's transaction has written sections and not committed: another connection
    cannot take the lock exclusively, so a pool found there would wait for these ids."""
    with engine.connect() as other:
        taken = other.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": SECTION_WRITES_LOCK}
        ).scalar()
        assert taken is False
        # Shared with other writers.
        shared = other.execute(
            text("SELECT pg_try_advisory_xact_lock_shared(:key)"), {"key": SECTION_WRITES_LOCK}
        ).scalar()
        assert shared is True
        other.rollback()
    # In the writing transaction itself the lock is its own; taken exclusively it holds new
    # writers off until the transaction ends (the pool's job: its searches and its row).
    assert since.written_through(db) == db.scalar(select(func.max(SectionEmbedding.id)))
    held = db.scalar(
        text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND mode = 'ExclusiveLock'"
            " AND pid = pg_backend_pid()"
        )
    )
    assert held == 1
    with engine.connect() as other:
        writer = other.execute(
            text("SELECT pg_try_advisory_xact_lock_shared(:key)"), {"key": SECTION_WRITES_LOCK}
        ).scalar()
        assert writer is False
        other.rollback()


def test_on_a_large_table_the_pool_also_holds_the_word_ranking(
    db: Session, organisation: Organisation, vacancy: Vacancy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From ``LEXICAL_OWN_SEARCH_ROWS`` the lexical channel ranks the dense channel's owners
    only; the pool keeps that ranking, and a request ranks only owners written since."""
    # Every size counts as large, even an unanalysed table's (reltuples -1).
    monkeypatch.setattr(generation, "LEXICAL_OWN_SEARCH_ROWS", -1)
    searched = _ranking(db, vacancy)
    service.refresh_pool(db, vacancy.id, DEFAULT_EMBEDDING_MODEL)
    pool = repository.match_pool(db, vacancy.id, DEFAULT_EMBEDDING_MODEL)
    assert pool is not None
    assert pool.lexical_ids
    assert pool.lexical_scores
    assert list(pool.lexical_scores) == sorted(pool.lexical_scores, reverse=True)

    ranked_by_words: list[object] = []
    scored = repository.lexical_scored

    def spy(*args: Any, **kwargs: Any) -> list[tuple[Any, float]]:
        ranked_by_words.append(kwargs.get("within"))
        return scored(*args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(repository, "lexical_scored", spy)
        _searches_refused(patched)
        assert _ranking(db, vacancy) == searched
        assert ranked_by_words == []
        newcomer = add_candidate(
            db, organisation, "Python-ontwikkelaar", "Bouwt websites in Python.", ["Python"]
        )
        pooled = _ranking(db, vacancy)
        assert ranked_by_words == [[newcomer.id]]
    db.execute(delete(MatchPool).where(MatchPool.vacancy_id == vacancy.id))
    assert _ranking(db, vacancy) == pooled


def test_a_candidate_rewritten_after_the_pool_counts_by_its_new_sections(
    db: Session, organisation: Organisation, vacancy: Vacancy
) -> None:
    service.refresh_pool(db, vacancy.id, DEFAULT_EMBEDDING_MODEL)
    developer = db.scalars(
        select(Candidate).where(
            Candidate.organisation_id == organisation.id, Candidate.headline == "Python developer"
        )
    ).one()
    [side] = load_vacancies(db, [vacancy], DEFAULT_EMBEDDING_MODEL)
    queries = generation.text_queries(side.sections)
    before = pools.nearest(db, vacancy, DEFAULT_EMBEDDING_MODEL, queries, 100)
    assert before is not None
    assert developer.id not in before.newer

    developer.headline = "Bakker"
    developer.summary = "Bakt brood en banket in een ambachtelijke bakkerij."
    developer.skills = ["bakken"]
    db.flush()
    assert index_records(db, "candidate", [developer.id], DEFAULT_EMBEDDING_MODEL) == 1
    after = pools.nearest(db, vacancy, DEFAULT_EMBEDDING_MODEL, queries, 100)
    assert after is not None
    assert developer.id in after.newer
    searched = generation.dense(
        db, organisation.id, "candidate", DEFAULT_EMBEDDING_MODEL, queries, None, None, 0.0
    )
    assert dict(after.dense)[developer.id] == pytest.approx(dict(searched)[developer.id], abs=1e-5)
    assert dict(after.dense)[developer.id] < dict(before.dense)[developer.id]


def test_a_pool_is_searched_deeper_than_a_request(db: Session, vacancy: Vacancy) -> None:
    sent: list[str] = []

    def settings(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "hnsw.ef_search" in statement:
            sent.append(str(params["ef"]))

    rows = terms.table_rows(db, Candidate.__tablename__)
    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", settings)
    try:
        _ranking(db, vacancy)
        request = list(sent)
        sent.clear()
        service.refresh_pool(db, vacancy.id, DEFAULT_EMBEDDING_MODEL)
    finally:
        event.remove(engine, "before_cursor_execute", settings)
    assert set(request) == {str(store.ef_search_for(rows))}
    # As deep as pgvector accepts, deeper than a request at any size.
    assert set(sent) == {str(pools.POOL_EF_SEARCH)} == {"1000"}
    assert store.ef_search_for(10_000_000) < pools.POOL_EF_SEARCH
