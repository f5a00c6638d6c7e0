"""Sections written after a point, for what was searched before it (matching/retrieval/pools.py).

A match pool holds a vacancy's nearest candidates as found at one moment; a request adds
the candidates whose sections were written since. "Since" is a section id: ids come from a
sequence in the order rows are inserted, but a transaction may commit after another that
took higher ids. So every transaction that writes sections holds a shared advisory lock from
its first insert to its end (``store.insert_sections``), and ``written_through`` takes the
same lock exclusively before it reads the highest id: the writers still running have ended
by then, and any that starts later takes ids above it. The pool's job holds it to its end,
tens of milliseconds of searches, during which section writers wait.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import text
from sqlalchemy.orm import Session

from matching.embeddings.encoder import Vectors
from matching.embeddings.store import (
    SECTION_WRITES_LOCK,
    Found,
    best_per_owner_sql,
    where_owned,
)


def written_through(session: Session) -> int:
    """The id up to which every section row is committed (or rolled back) now. Waits for
    the transactions that are writing sections, and holds new writers off until this
    transaction ends: a lock held past the transaction (session level) would stay with the
    pooled connection if a statement failed before it was released, and stop every writer."""
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SECTION_WRITES_LOCK})
    # A statement of its own: under READ COMMITTED it sees every writer that ended while
    # this transaction waited for the lock.
    highest = session.execute(text("SELECT max(id) FROM section_embeddings")).scalar()
    return int(highest or 0)


class Since(NamedTuple):
    """What was written after a section id: for each query the best owners among those whose
    sections were written since, and all of those owners."""

    found: Found
    owners: frozenset[uuid.UUID]


def nearest_since(
    session: Session,
    organisation_id: uuid.UUID,
    owner_kind: str,
    model: str,
    queries: Sequence[Vectors],
    after: int,
    *,
    limit: int,
    cap: int,
) -> Since | None:
    """For each query, the best ``limit`` owners among those with sections written after
    section ``after`` (as ``store.nearest_owners_within``: each at its best section, exact),
    and every such owner; None when more than ``cap`` section rows of any owner were written
    since, where reading them would cost more than searching the graphs."""
    if not queries:
        return Since([], frozenset())
    columns, ranked = best_per_owner_sql(queries)
    # Every owner once more, as query -1: the caller replaces what it knew of them.
    ranked += " UNION ALL (SELECT -1, owner_id, NULL FROM best)"
    # The newest rows in id order up to the cap, read once through the primary key; the
    # count and the ranking both come from them, in one round trip.
    rows = session.execute(
        text(
            "WITH recent AS MATERIALIZED (SELECT organisation_id, owner_kind, owner_id, "  # noqa: S608
            "section, model, embedding FROM section_embeddings "
            "WHERE id > :after ORDER BY id LIMIT :scan), "
            f"best AS (SELECT owner_id, {columns} FROM recent "
            f"WHERE {where_owned(model, owner_kind)} GROUP BY owner_id) "
            "SELECT counted.n, found.q, found.owner_id, found.similarity "
            "FROM (SELECT count(*) AS n FROM recent) AS counted "
            f"LEFT JOIN LATERAL ({ranked}) AS found ON true"
        ),
        {
            "after": after,
            "scan": cap + 1,
            "org": organisation_id,
            "k": limit,
            **{f"q{i}": str(query.tolist()) for i, query in enumerate(queries)},
        },
    ).all()
    if not rows or rows[0][0] > cap:
        return None
    out: Found = [[] for _ in queries]
    owners: set[uuid.UUID] = set()
    for _, i, owner_id, similarity in rows:
        if owner_id is None:
            continue
        if i < 0:
            owners.add(owner_id)
        else:
            out[i].append((owner_id, float(similarity)))
    return Since(out, frozenset(owners))
