"""Candidate generation: which owners a match scores. The dense channel (pgvector nearest
neighbours per section, a vacancy's pool, or an exact scan of the owners a filter passes)
and the lexical channel (Postgres full-text search) are fused by reciprocal rank; the fused
owners are then scored in full (service.py, matching/scoring/)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from matching.embeddings import shares, store
from matching.embeddings.store import OwnerFilter, StoredSection
from matching.retrieval import pools, repository, scanned, terms
from matching.retrieval.schemas import MatchFilters
from matching.scoring import weights as w
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


def text_queries(sections: Sequence[StoredSection]) -> list[StoredSection]:
    """The sections a side searches with (single skills aside)."""
    return [q for q in sections if q.section != "skill"]


def _fuse(rankings: Sequence[Sequence[uuid.UUID]]) -> list[uuid.UUID]:
    fused: dict[uuid.UUID, float] = {}
    for ranking in rankings:
        for rank, owner_id in enumerate(ranking):
            fused[owner_id] = fused.get(owner_id, 0.0) + 1.0 / (w.RRF_K + rank + 1)
    return sorted(fused, key=lambda owner_id: -fused[owner_id])[: w.RERANK_POOL]


def dense(
    session: Session,
    organisation_id: uuid.UUID,
    owner_kind: str,
    model: str,
    queries: Sequence[StoredSection],
    within: repository.Filtered | None,
    passing: OwnerFilter | None,
    table_rows: float,
    ef_search: int | None = None,
) -> list[tuple[uuid.UUID, float]]:
    """Owners by their best section's similarity to any of the queries, best first: of the
    owners ``within`` scanned exactly, or else through the graphs, searched at
    ``ef_search``, by default the table's (store.ef_search_for)."""
    best: dict[uuid.UUID, float] = {}
    searched = (session, organisation_id, owner_kind, model, [s.vector for s in queries])
    rankings = (
        scanned.nearest_within(*searched, within, limit=w.ANN_PER_QUERY)
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


def generate(
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
    within: repository.Filtered | None = None
    in_index: OwnerFilter | None = None
    if filters != MatchFilters() or owner is Vacancy:
        cap = exact_scan_cap(rows)
        passing = repository.filtered_ids(
            session, owner, organisation_id, filters, cap, stamped_up_to=scanned.most()
        )
        if not passing.total:
            return []
        if passing.total <= cap:
            within = passing
        else:
            in_index = repository.index_filter(owner, organisation_id, filters)
    searched = text_queries(queries)
    if pooled is not None and (within is not None or in_index is not None):
        pooled = None
    ranked = (
        pooled.dense
        if pooled is not None
        else dense(session, organisation_id, owner_kind, model, searched, within, in_index, rows)
    )
    nearest = [owner_id for owner_id, _ in ranked]
    large = rows >= LEXICAL_OWN_SEARCH_ROWS
    if pooled is not None and pooled.lexical is not None and large:
        stored = pools.lexical_ranking(
            session,
            owner,
            organisation_id,
            lexical_text,
            language,
            pooled,
            nearest,
            w.LEXICAL_LIMIT,
        )
        return _fuse([nearest, stored])
    lexical = repository.lexical(
        session,
        owner,
        organisation_id,
        lexical_text,
        language,
        filters,
        w.LEXICAL_LIMIT,
        within=nearest if large else None,
    )
    return _fuse([nearest, lexical])
