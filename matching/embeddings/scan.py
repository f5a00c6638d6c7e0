"""Exact scans in the process: the indexed section vectors of a filter's owners, read from
the database once (``read_vectors``) and kept by the caller (matching/retrieval/scanned.py),
stacked into one matrix (``stack``) and compared with a match's queries in numpy
(``nearest``).

``store.nearest_owners_within`` compares them in the database on every request, and most
of that is fetching rows scattered over the section table, not arithmetic: the next vacancy
searched with the same filter reads the same rows again.

Each owner's vectors come with a stamp of its row (``stamp_sql``), read in the same
statement, so that a kept copy is used only while the row says the sections are unchanged.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from sqlalchemy.orm import Session

from matching.embeddings.encoder import Vectors
from matching.embeddings.store import INDEXED_SECTIONS, Found, vectors_from_binary
from models.db import binary_rows

_OWNER_TABLES = {"candidate": "candidates", "vacancy": "vacancies"}
_NONE = np.zeros((0, 0), dtype=np.float32)


def stamp_sql(alias: str) -> str:
    """A hash of the owner row's ``updated_at``, ``indexed_at`` and ``indexed_model``: an
    edit, a re-index and an erasure each change it (as they change the stamps of the scoring
    sides' cache, matching/scoring/side_cache.py)."""
    return (
        f"hash_record_extended(ROW({alias}.updated_at, {alias}.indexed_at, "
        f"{alias}.indexed_model), 0)"
    )


class OwnerVectors(NamedTuple):
    stamp: int
    matrix: np.ndarray  # one row per indexed section; none where nothing is indexed


def read_vectors(
    session: Session,
    organisation_id: uuid.UUID,
    owner_kind: str,
    model: str,
    ids: Sequence[str],
) -> dict[str, OwnerVectors]:
    """Every indexed section vector of the owners ``ids`` (their text), with their stamps;
    an owner that is gone or belongs to another organisation is left out."""
    table = _OWNER_TABLES[owner_kind]
    rows = binary_rows(
        session,
        f"SELECT pool.place, {stamp_sql('o')},"  # noqa: S608
        " string_agg(vector_send(s.embedding), ''::bytea ORDER BY s.id)"
        " FROM unnest(%s::uuid[]) WITH ORDINALITY AS pool(id, place)"
        f" JOIN {table} o ON o.id = pool.id AND o.organisation_id = %s"
        " LEFT JOIN section_embeddings s ON s.owner_id = pool.id AND s.model = %s"
        " AND s.section <> 'skill' AND s.section = ANY(%s) AND s.owner_kind = %s"
        " AND s.organisation_id = %s"
        " GROUP BY pool.place, o.updated_at, o.indexed_at, o.indexed_model",
        (
            list(ids),
            organisation_id,
            model,
            list(INDEXED_SECTIONS[owner_kind]),
            owner_kind,
            organisation_id,
        ),
    )
    blobs = [blob for _, _, blob in rows if blob]
    if not blobs:
        return {ids[place - 1]: OwnerVectors(int(stamp), _NONE) for place, stamp, _ in rows}
    # One conversion for every owner's vectors, then one block each (a copy, so that a
    # kept block does not hold on to the whole read).
    matrix = vectors_from_binary(blobs)
    out: dict[str, OwnerVectors] = {}
    start = 0
    record = 4 + 4 * matrix.shape[1]  # vector_send: a 4-byte header, then the floats
    for place, stamp, blob in rows:
        count = len(blob) // record if blob else 0
        block = matrix[start : start + count].copy() if count else _NONE
        start += count
        out[ids[place - 1]] = OwnerVectors(int(stamp), block)
    return out


class Stacked(NamedTuple):
    """Owners' vectors one after the other in one matrix, ready to scan: a filter's owners,
    kept whole while the filter passes the same owners (matching/retrieval/scanned.py)."""

    owners: list[uuid.UUID]  # those with at least one vector, in the matrix's order
    starts: np.ndarray  # each owner's first row
    matrix: np.ndarray


def stack(owners: Sequence[tuple[uuid.UUID, np.ndarray]]) -> Stacked:
    present = [(owner_id, matrix) for owner_id, matrix in owners if len(matrix)]
    if not present:
        return Stacked([], np.zeros(0, dtype=np.int64), _NONE)
    sizes = np.fromiter((len(matrix) for _, matrix in present), dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return Stacked(
        [owner_id for owner_id, _ in present],
        starts,
        np.concatenate([matrix for _, matrix in present]),
    )


def nearest(stacked: Stacked, queries: Sequence[Vectors], limit: int) -> Found:
    """For each query, the best ``limit`` owners by their best section's inner product with
    it (the cosine: every encoder's vectors are unit vectors), ties by owner id, as
    ``store.nearest_owners_within`` ranks them."""
    if not queries or not stacked.owners:
        return [[] for _ in queries]
    similarities = stacked.matrix @ np.stack(queries).T
    best = np.maximum.reduceat(similarities, stacked.starts, axis=0)  # owners x queries
    out: Found = []
    for column in best.T:
        if len(column) > limit:
            # Everything as good as the limit-th best, so that ties across it go by id.
            cut = np.partition(column, len(column) - limit)[len(column) - limit]
            chosen = np.flatnonzero(column >= cut)
        else:
            chosen = np.arange(len(column))
        ranked = sorted((-float(column[i]), stacked.owners[i]) for i in chosen)[:limit]
        out.append([(owner_id, -similarity) for similarity, owner_id in ranked])
    return out
