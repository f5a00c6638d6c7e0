"""Matching use cases: candidates for a vacancy, vacancies for a candidate, and free-text
candidate search, and the background job that finds a vacancy's match pool.

The owners to score come from candidate generation (generation.py); each is then scored
in full against the other side (matching/scoring/) and explained when first read.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from matching.embeddings import since
from matching.embeddings.store import StoredSection
from matching.fairness import neutralise
from matching.indexing.resources import MatchingResources, matching_resources
from matching.indexing.service import extract_text
from matching.retrieval import generation, pools, repository, terms
from matching.retrieval.generation import generate, text_queries
from matching.retrieval.schemas import MatchFilters
from matching.scoring import weights as w
from matching.scoring.profiles import Side, SkillRef, load_candidates, load_vacancies, query_side
from matching.scoring.scorer import (
    Semantic,
    score,
    score_value,
    semantic,
    semantic_pool,
    skill_similarity_pool,
)
from models import Candidate, Vacancy


@dataclass(frozen=True)
class Scored:
    """A ranked owner. The explanation is built when first read: a page shows 20 of a
    pool of 200, and explaining the other 180 was a fifth of the request's scoring."""

    owner: Candidate | Vacancy
    score: float
    explain: Callable[[], dict[str, Any]] = field(repr=False, compare=False)

    @cached_property
    def explanation(self) -> dict[str, Any]:
        return self.explain()


def _rank(
    resources: MatchingResources,
    pairs: Sequence[tuple[Side, Side, Candidate | Vacancy]],
    min_score: float,
) -> list[Scored]:
    cal = w.calibration(resources.encoder.name)
    isco = resources.isco_groups
    similarities: Sequence[np.ndarray | None]
    if len({id(vacancy_side) for vacancy_side, _, _ in pairs}) == 1:
        pool = [c for _, c, _ in pairs]
        semantics = semantic_pool(pairs[0][0], pool, cal)
        similarities = skill_similarity_pool(pairs[0][0], pool)
    else:
        semantics = [semantic(v, c, cal) for v, c, _ in pairs]
        similarities = [None] * len(pairs)
    scored = []
    for (vacancy_side, candidate_side, owner), sem, similarity in zip(
        pairs, semantics, similarities, strict=True
    ):
        value = score_value(vacancy_side, candidate_side, isco, cal, sem, similarity)
        if value >= min_score:
            explain = partial(_explain, vacancy_side, candidate_side, isco, cal, sem, similarity)
            scored.append(Scored(owner, value, explain))
    scored.sort(key=lambda item: (-item.score, str(item.owner.id)))
    return scored


def _explain(
    vacancy: Side,
    candidate: Side,
    isco: dict[str, str],
    cal: w.Calibration,
    sem: Semantic,
    similarity: np.ndarray | None,
) -> dict[str, Any]:
    return score(vacancy, candidate, isco, cal, sem, similarity)[1]


def _lexical_text(side: Side, title: str = "") -> str:
    skills = " ".join(s.text for s in side.skills)
    description = " ".join(s.text for s in side.sections if s.section == "description")
    return " ".join([title, skills, " ".join(description.split()[:60])])


def matches_for_vacancy(
    session: Session, vacancy: Vacancy, model: str, filters: MatchFilters, min_score: float
) -> list[Scored]:
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
    candidates = repository.load(session, Candidate, vacancy.organisation_id, pool, filters)
    sides = load_candidates(session, candidates, resources.encoder.name)
    pairs = [
        (side, c_side, c_side_owner) for c_side, c_side_owner in zip(sides, candidates, strict=True)
    ]
    return _rank(resources, pairs, min_score)


def refresh_pool(session: Session, vacancy_id: uuid.UUID, model: str) -> int | None:
    """Find and store the vacancy's match pool (pools.py): the same graph searches as an
    unfiltered match request. None when the vacancy is gone or has no sections yet; the
    pool is left as it is when nothing was written since it was found."""
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
    stored = repository.match_pool(session, vacancy.id, name)
    if stored is not None and stored.queries == digest and stored.through_section == through:
        return len(stored.owner_ids)
    rows = terms.table_rows(session, Candidate.__tablename__)
    ranked = generation.dense(
        session,
        vacancy.organisation_id,
        "candidate",
        name,
        queries,
        None,
        None,
        rows,
        ef_search=pools.POOL_EF_SEARCH,
    )
    # Every lexical match among them, not only the best LEXICAL_LIMIT: a request drops the
    # owners written since and ranks them afresh, and the next ones then move up.
    lexical = (
        repository.lexical_scored(
            session,
            Candidate,
            vacancy.organisation_id,
            _lexical_text(side, vacancy.title),
            vacancy.language,
            MatchFilters(),
            len(ranked),
            within=[owner_id for owner_id, _ in ranked],
        )
        if rows >= generation.LEXICAL_OWN_SEARCH_ROWS
        else None
    )
    repository.save_match_pool(session, vacancy.id, name, through, digest, ranked, lexical)
    return len(ranked)


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
    return _rank(resources, pairs, min_score)


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
    return _rank(resources, pairs, min_score)
