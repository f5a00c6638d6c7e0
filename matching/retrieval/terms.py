"""Which words of a query are worth a lexical search.

An any-word query built from a whole vacancy text matches most profiles (common words
such as "ervaring" or "team" occur everywhere), and PostgreSQL then ranks every match. At
scale that makes the lexical channel the slowest part of a match request. The planner's
statistics already know the common words: for a GIN-indexed tsvector column, ANALYZE
keeps the most common lexemes and the share of rows holding each (``pg_stats``). A query
takes its words from the rarest up, while the shares taken add up to at most
``ROW_BUDGET`` (so it matches at most about that share of the rows), and at least
``MIN_TERMS`` words. Words the statistics do not list are rarer than any they do. Tables under
``MIN_ROWS`` rows are searched with every word, as before: there the cost is small and
sampled frequencies are noise.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

ROW_BUDGET = 0.2
MIN_TERMS = 3
MIN_ROWS = 5000
STATS_TTL = 300.0


@dataclass(frozen=True)
class _Stats:
    rows: float
    shares: dict[str, float]
    read_at: float


_cache: dict[str, _Stats] = {}


def _stats(session: Session, table: str) -> _Stats:
    cached = _cache.get(table)
    now = time.monotonic()
    if cached is not None and now - cached.read_at < STATS_TTL:
        return cached
    rows = session.execute(
        text("SELECT reltuples FROM pg_class WHERE oid = CAST(:table AS regclass)"),
        {"table": table},
    ).scalar()
    found = session.execute(
        text(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE schemaname = current_schema() AND tablename = :table "
            "AND attname = 'search_document'"
        ),
        {"table": table},
    ).first()
    shares: dict[str, float] = {}
    if found is not None and found[0] is not None:
        # The frequencies list ends with three summary values (min, max, null share).
        shares = dict(zip(found[0], found[1], strict=False))
    stats = _Stats(rows=float(rows or 0), shares=shares, read_at=now)
    _cache[table] = stats
    return stats


def table_rows(session: Session, table: str) -> float:
    """The planner's row count of ``table`` (as of its last ANALYZE), cached as above."""
    return _stats(session, table).rows


def query_terms(session: Session, table: str, config: str, query: str) -> list[str] | None:
    """The lexemes to search for, rarest first; ``None`` to search with every word."""
    stats = _stats(session, table)
    if stats.rows < MIN_ROWS or not stats.shares:
        return None
    lexemes = session.execute(
        text(
            "SELECT DISTINCT lexeme FROM unnest(to_tsvector(CAST(:config AS regconfig), :q) "
            "|| to_tsvector('simple', :q))"
        ),
        {"config": config, "q": query},
    ).scalars()
    ranked = sorted(lexemes, key=lambda lexeme: (stats.shares.get(lexeme, 0.0), lexeme))
    chosen: list[str] = []
    spent = 0.0
    for lexeme in ranked:
        share = stats.shares.get(lexeme, 0.0)
        if spent + share > ROW_BUDGET and len(chosen) >= MIN_TERMS:
            break
        chosen.append(lexeme)
        spent += share
    return chosen


def tsquery_text(lexemes: list[str]) -> str:
    """An OR tsquery of lexemes as they are (no second normalisation)."""
    return " | ".join("'" + lexeme.replace("'", "''") + "'" for lexeme in lexemes)
