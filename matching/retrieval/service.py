"""Matching use cases: candidates for a vacancy, vacancies for a candidate, and free-text
candidate search.

Candidate generation fuses pgvector nearest neighbours (per section) and Postgres full-text
search by reciprocal rank; the fused pool is then scored in full (matching/scoring/).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from matching.embeddings import shares, since, store
from matching.embeddings.store import OwnerFilter, StoredSection
from matching.fairness import neutralise
from matching.indexing.resources import MatchingResources, matching_resources
from matching.indexing.service import extract_text
from matching.retrieval import pools, repository, terms
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

# With at most this many owners passing the filters, they are scanned exactly instead; with
# more, the index search checks the filters while it walks the graph.
EXACT_SCAN_CAP = 5000
# Larger tables scan more owners exactly. The scan grows with the owners that pass (7 us
# each at 100,000 profiles, a vacancy's three queries in one pass); the filtered walk with
# the rows it visits to find enough that pass, the table's rows over those owners. The two
# cross near 38 times the square root of the table's rows: 12,000 owners at 100,000
# profiles, where 5,928 owners took 40 ms exactly and 76 ms per query through the index.
# Never more than EXACT_SCAN_MAX: at a million profiles each owner cost 11-26 us, the heap
# read from the page cache or disk
# (docs/benchmarks.md, 2026-12-05, afternoon).
EXACT_SCAN_PER_ROOT = 38
EXACT_SCAN_MAX = 15_000


def exact_scan_cap(table_rows: float) -> int:
    """How many owners passing a match's filters are still scanned exactly."""
    by_size = int(EXACT_SCAN_PER_ROOT * math.sqrt(max(table_rows, 0.0)))
    return min(EXACT_SCAN_MAX, max(EXACT_SCAN_CAP, by_size))


# From this many rows in the searched table, the lexical channel ranks the dense channel's
# owners only. Searching the whole table costs a bitmap scan and a rank of every
# match: 8,500 of 100,000 profiles even for a query of rare words, 1.3-2 s per request
# (docs/benchmarks.md, 2026-12-04). Below it, lexical search also brings in owners the
# dense channel missed.
LEXICAL_OWN_SEARCH_ROWS = 20_000


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


def _fuse(rankings: Sequence[Sequence[uuid.UUID]]) -> list[uuid.UUID]:
    fused: dict[uuid.UUID, float] = {}
    for ranking in rankings:
        for rank, owner_id in enumerate(ranking):
            fused[owner_id] = fused.get(owner_id, 0.0) + 1.0 / (w.RRF_K + rank + 1)
    return sorted(fused, key=lambda owner_id: -fused[owner_id])[: w.RERANK_POOL]


def _dense(
    session: Session,
    organisation_id: uuid.UUID,
    owner_kind: str,
    model: str,
    queries: Sequence[StoredSection],
    within: str | None,
    passing: OwnerFilter | None,
    table_rows: float,
    ef_search: int | None = None,
) -> list[tuple[uuid.UUID, float]]:
    """Owners by their best section's similarity to any of the queries, best first; the
    graphs are searched at ``ef_search``, by default the table's (store.ef_search_for)."""
    best: dict[uuid.UUID, float] = {}
    searched = (session, organisation_id, owner_kind, model, [s.vector for s in queries])
    rankings = (
        store.nearest_owners_within(*searched, within, limit=w.ANN_PER_QUERY)
        if within is not None
        else store.nearest_owners_many(
            *searched,
            limit=w.ANN_PER_QUERY,
            passing=passing,
            ef_search=ef_search or store.ef_search_for(table_rows),
            share=shares.organisation_share(session, organisation_id),
        )
    )
    for hits in rankings:
        for owner_id, similarity in hits:
            best[owner_id] = max(best.get(owner_id, -1.0), similarity)
    return sorted(best.items(), key=lambda item: -item[1])


def _generate(
    session: Session,
    owner: repository.Owner,
    organisation_id: uuid.UUID,
    model: str,
    queries: Sequence[StoredSection],
    lexical_text: str,
    language: str | None,
    filters: MatchFilters,
    pooled: pools.Pooled | None = None,
) -> list[uuid.UUID]:
    """The owners to score: the dense channel (``pooled`` where given and no filter is set,
    else the graph searches or an exact scan) fused with the lexical one (from the pool too,
    where it holds one and the table is large enough for the channel to rank the dense
    channel's owners only)."""
    owner_kind = "candidate" if owner is Candidate else "vacancy"
    rows = terms.table_rows(session, owner.__tablename__)
    within: str | None = None
    in_index: OwnerFilter | None = None
    if filters != MatchFilters() or owner is Vacancy:
        cap = exact_scan_cap(rows)
        passing = repository.filtered_ids(session, owner, organisation_id, filters, cap)
        if not passing.total:
            return []
        if passing.total <= cap:
            within = passing.ids
        else:
            in_index = repository.index_filter(owner, organisation_id, filters)
    text_queries = [q for q in queries if q.section != "skill"]
    if pooled is not None and (within is not None or in_index is not None):
        pooled = None
    ranked = (
        pooled.dense
        if pooled is not None
        else _dense(
            session, organisation_id, owner_kind, model, text_queries, within, in_index, rows
        )
    )
    dense = [owner_id for owner_id, _ in ranked]
    large = rows >= LEXICAL_OWN_SEARCH_ROWS
    if pooled is not None and pooled.lexical is not None and large:
        stored = pools.lexical_ranking(
            session, owner, organisation_id, lexical_text, language, pooled, dense, w.LEXICAL_LIMIT
        )
        return _fuse([dense, stored])
    lexical = repository.lexical(
        session,
        owner,
        organisation_id,
        lexical_text,
        language,
        filters,
        w.LEXICAL_LIMIT,
        within=dense if large else None,
    )
    return _fuse([dense, lexical])


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
    queries = _text_queries(side)
    pooled = (
        pools.nearest(session, vacancy, resources.encoder.name, queries, w.ANN_PER_QUERY)
        if filters == MatchFilters()
        else None
    )
    pool = _generate(
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


def _text_queries(side: Side) -> list[StoredSection]:
    return [q for q in side.sections if q.section != "skill"]


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
    queries = _text_queries(side)
    if not queries:
        return None
    through = since.written_through(session)
    digest = pools.queries_digest(name, queries)
    stored = repository.match_pool(session, vacancy.id, name)
    if stored is not None and stored.queries == digest and stored.through_section == through:
        return len(stored.owner_ids)
    rows = terms.table_rows(session, Candidate.__tablename__)
    ranked = _dense(
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
        if rows >= LEXICAL_OWN_SEARCH_ROWS
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
    pool = _generate(
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
    pool = _generate(
        session, Candidate, organisation_id, resources.encoder.name, sections, text, None, filters
    )
    candidates = repository.load(session, Candidate, organisation_id, pool, filters)
    sides = load_candidates(session, candidates, resources.encoder.name)
    pairs = [(side, c_side, owner) for c_side, owner in zip(sides, candidates, strict=True)]
    return _rank(resources, pairs, min_score)
