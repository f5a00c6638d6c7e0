"""Match pools: where a match request for a vacancy starts.

The dense channel of a match is twelve graph searches (a vacancy's three text sections in
each of the four candidate graphs): 30-40 of the 55-65 ms a request took at 100,000
profiles on the 2-core machine (docs/benchmarks.md, 2026-12-06). The candidates nearest to a
vacancy change only when it or a candidate is written, so a background job finds them once,
with the same searches looking further (``ef_search``; ``service.refresh_pool``), and
stores them with the id up to which every section was committed then
(``since.written_through``). A request reads the pool and scans exactly the sections
written since (``since.nearest_since``).

A request searches the graphs as before, and asks for a refresh, when there is no pool for
the model, when the vacancy's own sections changed (their digest differs), or when more than
``NEW_SECTIONS_CAP`` section rows were written since. Filtered matches always search: their
filters are applied while walking the graphs, or the owners that pass are scanned exactly.

The pool also keeps the lexical channel's ranking of its candidates (``ts_rank`` within the
dense channel's owners, as a request on a table of ``LEXICAL_OWN_SEARCH_ROWS`` or more
ranks them), so that a request from a pool ranks only the candidates written since. A
candidate written since counts by its new sections and its new text only; a deleted one is
dropped when the pool's owners are loaded; every owner in the pool is scored from its
current profile.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from matching.embeddings import since
from matching.embeddings.store import StoredSection
from matching.retrieval import repository
from matching.retrieval.ranking import StoredScores
from matching.retrieval.schemas import MatchFilters
from models import Vacancy
from runtime.outbox import enqueue

TASK = "matching.refresh_pool"
# Above this many section rows written since a pool was found, reading them costs more than
# the graph searches (an exact scan took 7 us per owner at 100,000 profiles).
NEW_SECTIONS_CAP = 5_000
# Off the request path, a pool's searches look as far as pgvector allows (its largest
# hnsw.ef_search). At 100,000 profiles, recall@20 of the searches was 0.947 / 0.951 / 0.953 /
# 0.965 at 100 / 400 / 700 / 1,000 on one build of the graphs, and 0.935 / 0.967 at 100 / 400
# on another (parallel builds do not insert in one order; docs/benchmarks.md, 2026-12-06):
# four times a request's depth met 0.95 on some builds only. The searches of a pool took 19
# ms at 400 and 40 ms at 1,000 (p50, in process).
POOL_EF_SEARCH = 1_000
# A request that finds a pool out of date asks for a refresh at most this often per
# vacancy and process: until the job has run, every request would ask again.
ASK_EVERY_S = 60.0
_ASKED_MAX = 10_000
_asked: OrderedDict[uuid.UUID, float] = OrderedDict()
_asked_lock = threading.Lock()  # requests run in a thread pool


def queries_digest(model: str, queries: Sequence[StoredSection]) -> bytes:
    """What a pool was searched with: the model, the query sections' vectors and the depth
    (a pool found at another ``POOL_EF_SEARCH`` is found again)."""
    digest = hashlib.sha256(f"{model}\0ef_search={POOL_EF_SEARCH}".encode())
    for query in queries:
        digest.update(f"\0{query.section}:{query.position}\0".encode())
        digest.update(query.vector.astype("<f4", copy=False).tobytes())
    return digest.digest()


@dataclass(frozen=True)
class Pooled:
    """A vacancy's pool as a request uses it."""

    # Owners by best similarity, the newer sections' owners merged in.
    dense: list[tuple[uuid.UUID, float]]
    # The stored lexical ranking (owner, ``ts_rank``), None where none was stored; of
    # ``newer`` owners it no longer tells anything.
    lexical: list[tuple[uuid.UUID, float]] | None
    # Owners with sections written since the pool was found.
    newer: frozenset[uuid.UUID]
    # The candidates' scores stored with the pool (ranking.py), None where none were.
    stored: StoredScores | None = None


def nearest(
    session: Session,
    vacancy: Vacancy,
    model: str,
    queries: Sequence[StoredSection],
    limit: int,
) -> Pooled | None:
    """The vacancy's pool with the owners of sections written since merged in (by their new
    sections only), best similarity first; as long as the pool, or as the graph searches'
    answer can be (``limit`` per query) where that is longer. None when the pool is missing
    or out of date."""
    pool = repository.match_pool(session, vacancy.id, model)
    if pool is None or pool.queries != queries_digest(model, queries):
        return None
    newer = since.nearest_since(
        session,
        vacancy.organisation_id,
        "candidate",
        model,
        [query.vector for query in queries],
        pool.through_section,
        limit=limit,
        cap=NEW_SECTIONS_CAP,
    )
    if newer is None:
        return None
    best = {
        owner_id: similarity
        for owner_id, similarity in zip(pool.owner_ids, pool.similarities, strict=True)
        if owner_id not in newer.owners
    }
    for hits in newer.found:
        for owner_id, similarity in hits:
            best[owner_id] = max(best.get(owner_id, -1.0), similarity)
    ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
    lexical = (
        None
        if pool.lexical_ids is None or pool.lexical_scores is None
        else list(zip(pool.lexical_ids, pool.lexical_scores, strict=True))
    )
    stored = (
        None
        if pool.scored_with is None
        or pool.scored_ids is None
        or pool.scores is None
        or pool.scored_stamps is None
        else StoredScores(
            pool.scored_with,
            {
                owner_id: (value, stamp)
                for owner_id, value, stamp in zip(
                    pool.scored_ids, pool.scores, pool.scored_stamps, strict=True
                )
            },
        )
    )
    dense = ranked[: max(len(pool.owner_ids), limit * len(queries))]
    return Pooled(dense, lexical, newer.owners, stored)


def lexical_ranking(
    session: Session,
    owner: repository.Owner,
    organisation_id: uuid.UUID,
    text: str,
    language: str | None,
    pooled: Pooled,
    dense: Sequence[uuid.UUID],
    limit: int,
) -> list[uuid.UUID]:
    """What the lexical channel would rank within ``dense`` (``repository.lexical``): the
    pool's stored scores, and the owners written since ranked afresh (one statement, only
    when there are any)."""
    among = set(dense)
    stored = pooled.lexical or []
    scores = {o: s for o, s in stored if o in among and o not in pooled.newer}
    fresh = [owner_id for owner_id in dense if owner_id in pooled.newer]
    if fresh:
        scores.update(
            repository.lexical_scored(
                session,
                owner,
                organisation_id,
                text,
                language,
                MatchFilters(),
                limit,
                within=fresh,
            )
        )
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [owner_id for owner_id, _ in ranked[:limit]]


def request(session: Session, vacancy: Vacancy, *, now: float | None = None) -> bool:
    """Queue a refresh of an open vacancy's pool (after commit). With ``now`` (a request
    that found the pool out of date), only if this process has not asked for the vacancy
    within ``ASK_EVERY_S``."""
    if vacancy.status != "open":
        return False
    if now is not None:
        with _asked_lock:
            asked = _asked.get(vacancy.id)
            if asked is not None and now - asked < ASK_EVERY_S:
                return False
            _asked[vacancy.id] = now
            _asked.move_to_end(vacancy.id)
            while len(_asked) > _ASKED_MAX:
                _asked.popitem(last=False)
    enqueue(session, TASK, vacancy_id=str(vacancy.id))
    return True


def ask_if_out_of_date(session: Session, vacancy: Vacancy) -> bool:
    """``request`` from a match request that could not use the pool."""
    return request(session, vacancy, now=time.monotonic())
