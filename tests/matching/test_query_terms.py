"""The lexical channel keeps a query's rare words, from the planner's statistics."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from matching.retrieval import terms


@pytest.fixture
def stats() -> Iterator[None]:
    # As ANALYZE would leave them for a large table: share of rows holding each lexeme.
    terms._cache["candidates"] = terms._Stats(
        rows=100_000,
        shares={"ervar": 0.8, "ervaring": 0.8, "team": 0.6, "python": 0.05, "data": 0.12},
        read_at=time.monotonic(),
    )
    yield
    terms._cache.pop("candidates", None)


def test_rare_words_first_within_the_row_budget(db: Session, stats: None) -> None:
    chosen = terms.query_terms(
        db, "candidates", "dutch", "Ervaring met Python, data en IIIF in een team"
    )
    # Unlisted words are rarer than any listed one; then python (5 %) and data (12 %) fit
    # the 20 % budget; ervaring and team do not.
    assert chosen is not None
    assert chosen[-2:] == ["python", "data"]
    assert "iiif" in chosen
    assert not {"team", "ervar", "ervaring"} & set(chosen)


def test_small_tables_search_every_word(db: Session) -> None:
    terms._cache["candidates"] = terms._Stats(
        rows=100, shares={"team": 0.9}, read_at=time.monotonic()
    )
    try:
        assert terms.query_terms(db, "candidates", "dutch", "team") is None
    finally:
        terms._cache.pop("candidates", None)


def test_tsquery_text_quotes_lexemes() -> None:
    assert terms.tsquery_text(["o'neill", "python"]) == "'o''neill' | 'python'"
