"""Matching use cases: candidates for a vacancy, vacancies for a candidate, and free-text
candidate search, and the background job that finds a vacancy's match pool.

The owners to score come from candidate generation (generation.py); each is then scored
in full against the other side (matching/scoring/) and explained when first read. A
vacancy's unfiltered matches start from its pool and the scores stored with it where they
still hold (pools.py, ranking.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import numpy as np
from sqlalchemy.orm import Session

from matching.embeddings import since
from matching.embeddings.store import StoredSection
from matching.fairness import neutralise
from matching.indexing.resources import matching_resources
from matching.indexing.service import extract_text
from matching.retrieval import generation, pools, repository, terms
from matching.retrieval.generation import generate, text_queries
from matching.retrieval.ranking import (
    Scored,
    from_stored,
    owner_stamp,
    score_candidates,
    score_pairs,
    scored_with,
)
from matching.retrieval.schemas import MatchFilters
from matching.scoring import weights as w
from matching.scoring.profiles import Side, SkillRef, load_candidates, load_vacancies, query_side
from models import Candidate, Vacancy

# A request from a pool that scored more owners than a page in full (edited, re-indexed or
# written since the pool was scored) asks for the pool to be scored again.
RESCORED_ASK = 20


def _lexical_text(side: Side, title: str = "") -> str:
    skills = " ".join(s.text for s in side.skills)
    description = " ".join(s.text for s in side.sections if s.section == "description")
    return " ".join([title, skills, " ".join(description.split()[:60])])


def matches_for_vacancy(
    session: Session, vacancy: Vacancy, model: str, filters: MatchFilters, min_score: float
) -> Sequence[Scored]:
    """The organisation's candidates for ``vacancy``, best first (a ``Ranking`` where the
    pool's stored scores held: profiles and explanations built per slice asked for)."""
    resources = matching_resources(session, model)
    [side] = load_vacancies(session, [vacancy], resources.encoder.name)
    queries = text_queries(side.sections)
    pooled = (
        pools.nearest(session, vacancy, resources.encoder.name, queries, w.ANN_PER_QUERY)
        if filters == MatchFilters()
        else None
    )
    pool = generate(
        session,
        Candidate,
        vacancy.organisation_id,
        resources.encoder.name,
        side.sections,
        _lexical_text(side, vacancy.title),
        vacancy.language,
        filters,
        pooled,
    )
    if pooled is None and filters == MatchFilters() and queries:
        # After the searches: a write now would keep them from the second connection.
        pools.ask_if_out_of_date(session, vacancy)
    if pooled is not None:
        stored = (
            None
            if pooled.stored is None
            else from_stored(session, resources, vacancy, side, pooled.stored, pool, min_score)
        )
        # No scores stored with the pool (found before they were), or none that hold for
        # the vacancy as it is, or many scored in full: the job scores the pool again.
        if stored is None or stored.rescored > RESCORED_ASK:
            pools.ask_if_out_of_date(session, vacancy)
        if stored is not None:
            return stored
    return score_candidates(session, resources, vacancy, side, pool, filters, min_score)


def refresh_pool(session: Session, vacancy_id: uuid.UUID, model: str) -> int | None:
    """Find the vacancy's match pool (pools.py: the same graph searches as an unfiltered
    match request, looking further), score the candidates a request would score from it
    (ranking.py), and store both. None when the vacancy is gone or has no sections yet.
    Where nothing was written since the pool was found, the searches are not run again; the
    scores are (a profile edited without new sections changes its stamp only)."""
    vacancy = session.get(Vacancy, vacancy_id)
    if vacancy is None:
        return None
    resources = matching_resources(session, model)
    name = resources.encoder.name
    [side] = load_vacancies(session, [vacancy], name)
    queries = text_queries(side.sections)
    if not queries:
        return None
    through = since.written_through(session)
    digest = pools.queries_digest(name, queries)
    text = _lexical_text(side, vacancy.title)
    stored = repository.match_pool(session, vacancy.id, name)
    if stored is not None and stored.queries == digest and stored.through_section == through:
        ranked = list(zip(stored.owner_ids, stored.similarities, strict=True))
        lexical = (
            None
            if stored.lexical_ids is None or stored.lexical_scores is None
            else list(zip(stored.lexical_ids, stored.lexical_scores, strict=True))
        )
    else:
        ranked, lexical = _pool_searches(session, vacancy, name, queries, text)
    owners = generate(
        session,
        Candidate,
        vacancy.organisation_id,
        name,
        side.sections,
        text,
        vacancy.language,
        MatchFilters(),
        pools.Pooled(ranked, lexical, frozenset()),
    )
    # Each with the stamp its row was read with, before its side (``score_candidates``): a
    # score is never stored under a stamp newer than what it was computed from.
    scored = [
        (item.owner.id, item.score, owner_stamp(item.owner))
        for item in score_candidates(
            session, resources, vacancy, side, owners, MatchFilters(), float("-inf")
        )
    ]
    repository.save_match_pool(
        session,
        vacancy.id,
        name,
        through,
        digest,
        ranked,
        lexical,
        scored,
        scored_with(resources, vacancy),
    )
    return len(ranked)


def _pool_searches(
    session: Session,
    vacancy: Vacancy,
    model: str,
    queries: Sequence[StoredSection],
    text: str,
) -> tuple[list[tuple[uuid.UUID, float]], list[tuple[uuid.UUID, float]] | None]:
    """A pool's dense ranking, and its lexical one where the table is large enough."""
    rows = terms.table_rows(session, Candidate.__tablename__)
    ranked = generation.dense(
        session,
        vacancy.organisation_id,
        "candidate",
        model,
        queries,
        None,
        None,
        rows,
        ef_search=pools.POOL_EF_SEARCH,
    )
    if rows < generation.LEXICAL_OWN_SEARCH_ROWS:
        return ranked, None
    # Every lexical match among them, not only the best LEXICAL_LIMIT: a request drops the
    # owners written since and ranks them afresh, and the next ones then move up.
    lexical = repository.lexical_scored(
        session,
        Candidate,
        vacancy.organisation_id,
        text,
        vacancy.language,
        MatchFilters(),
        len(ranked),
        within=[owner_id for owner_id, _ in ranked],
    )
    return ranked, lexical


def matches_for_candidate(
    session: Session, candidate: Candidate, model: str, filters: MatchFilters, min_score: float
) -> list[Scored]:
    resources = matching_resources(session, model)
    [side] = load_candidates(session, [candidate], resources.encoder.name)
    text = " ".join([candidate.headline or "", *(s.text for s in side.skills)])
    pool = generate(
        session,
        Vacancy,
        candidate.organisation_id,
        resources.encoder.name,
        side.sections,
        neutralise(text, [candidate.name]),
        candidate.language,
        filters,
    )
    vacancies = repository.load(session, Vacancy, candidate.organisation_id, pool, filters)
    sides = load_vacancies(session, vacancies, resources.encoder.name)
    pairs = [(v_side, side, owner) for v_side, owner in zip(sides, vacancies, strict=True)]
    return score_pairs(resources, pairs, min_score)


def search_candidates(
    session: Session,
    organisation_id: uuid.UUID,
    query: str,
    model: str,
    filters: MatchFilters,
    min_score: float,
) -> list[Scored]:
    resources = matching_resources(session, model)
    text = neutralise(query)
    mentions = extract_text(resources, text)
    skill_texts = list(
        dict.fromkeys([*filters.skills, *(m.label for m in mentions if m.kind == "skill")])
    )
    vectors = resources.encoder.encode([text, *skill_texts], role="query")
    sections = [StoredSection(uuid.UUID(int=0), "query", 0, text, vectors[0])]
    skills = [
        SkillRef(
            skill,
            frozenset(m.uri for m in mentions if m.label == skill),
            "query",
            skill,
            vector=np.asarray(vector),
        )
        for skill, vector in zip(skill_texts, vectors[1:], strict=True)
    ]
    side = query_side(sections, skills)
    pool = generate(
        session, Candidate, organisation_id, resources.encoder.name, sections, text, None, filters
    )
    candidates = repository.load(session, Candidate, organisation_id, pool, filters)
    sides = load_candidates(session, candidates, resources.encoder.name)
    pairs = [(side, c_side, owner) for c_side, owner in zip(sides, candidates, strict=True)]
    return score_pairs(resources, pairs, min_score)
