"""Each organisation's share of the section rows, from the planner's statistics.

An index search walks the graph until it has enough rows of one organisation; how far it
may walk (``store.scan_tuples_for``) follows from how many of the rows are that
organisation's. ANALYZE keeps the most common values of ``organisation_id`` and their
shares (``pg_stats``); an organisation it does not list holds too few rows to be listed.
"""

from __future__ import annotations

import time
import uuid

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

STATS_TTL = 300.0

_cache: tuple[float, dict[uuid.UUID, float]] | None = None


def organisation_share(session: Session | Connection, organisation_id: uuid.UUID) -> float | None:
    """The share of ``section_embeddings`` rows that are the organisation's, as of the last
    ANALYZE; None when the statistics do not list it. Read at most every STATS_TTL s."""
    global _cache
    now = time.monotonic()
    if _cache is None or now - _cache[0] >= STATS_TTL:
        found = session.execute(
            text(
                "SELECT most_common_vals::text::uuid[], most_common_freqs FROM pg_stats "
                "WHERE schemaname = current_schema() AND tablename = 'section_embeddings' "
                "AND attname = 'organisation_id'"
            )
        ).first()
        shares: dict[uuid.UUID, float] = {}
        if found is not None and found[0] is not None:
            shares = {uuid.UUID(str(v)): float(f) for v, f in zip(found[0], found[1], strict=False)}
        _cache = (now, shares)
    return _cache[1].get(organisation_id)
