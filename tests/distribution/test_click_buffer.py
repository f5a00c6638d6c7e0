"""The click buffer (exactly one hit per click across flushes, failures and retries) and the
link cache (TTL, unknown codes, bounded size)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from distribution.links import service
from distribution.links.cache import Cached, LinkCache
from distribution.links.clicks import ClickBuffer
from models import Click
from runtime.errors import NotFoundError
from tests.distribution.test_links import NOW, SECRET, seed, visit

KWARGS = {"secret": SECRET, "public_url": "https://tm.example.org"}
BOT = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"


def hits(db: Session) -> list[tuple[int, bool]]:
    rows = db.execute(select(Click.hits, Click.bot).order_by(Click.hits)).all()
    return [(row.hits, row.bot) for row in rows]


@pytest.fixture
def down() -> Iterator[sessionmaker[Session]]:
    """Sessions of a database that is not there (nothing listens on port 1)."""
    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    yield sessionmaker(bind=engine)
    engine.dispose()


def test_n_clicks_then_one_flush_write_n_hits(
    db: Session, session_factory: sessionmaker[Session]
) -> None:
    data = seed(db)
    db.commit()
    state = service.link_state(db, data.link.code)
    buffer = ClickBuffer()
    for _ in range(25):
        service.click(state, data.link.code, visit(), buffer, **KWARGS)
    for _ in range(3):
        service.click(state, data.link.code, visit(BOT), buffer, **KWARGS)
    assert hits(db) == []
    assert buffer.pending_hits() == 28
    assert buffer.flush(session_factory) == 28
    assert buffer.flush(session_factory) == 0
    assert hits(db) == [(3, True), (25, False)]
    # Later clicks add to the same rows.
    service.click(state, data.link.code, visit(), buffer, **KWARGS)
    assert buffer.flush(session_factory) == 1
    assert hits(db) == [(3, True), (26, False)]
    first_at, last_at = db.execute(select(Click.first_at, Click.last_at).where(~Click.bot)).one()
    assert first_at == last_at == NOW


def test_a_failed_flush_keeps_the_hits_for_the_next(
    db: Session, session_factory: sessionmaker[Session], down: sessionmaker[Session]
) -> None:
    data = seed(db)
    db.commit()
    state = service.link_state(db, data.link.code)
    buffer = ClickBuffer()
    for _ in range(4):
        service.click(state, data.link.code, visit(), buffer, **KWARGS)
    with pytest.raises(Exception, match="connect"):
        buffer.flush(down)
    # Clicks made while the database was away join the ones put back.
    service.click(state, data.link.code, visit(), buffer, **KWARGS)
    assert buffer.pending_hits() == 5
    assert hits(db) == []
    assert buffer.flush(session_factory) == 5
    assert buffer.flush(session_factory) == 0
    assert hits(db) == [(5, False)]


def test_a_full_buffer_counts_what_it_drops(
    db: Session, session_factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    data = seed(db)
    db.commit()
    state = service.link_state(db, data.link.code)
    buffer = ClickBuffer(max_rows=1)
    service.click(state, data.link.code, visit(), buffer, **KWARGS)
    service.click(state, data.link.code, visit(), buffer, **KWARGS)  # same row: kept
    service.click(state, data.link.code, visit(BOT), buffer, **KWARGS)  # a new row: dropped
    assert buffer.flush(session_factory) == 2
    assert "1 clicks were dropped" in caplog.text
    assert hits(db) == [(2, False)]


def test_dead_links_count_nothing(db: Session) -> None:
    closed = seed(db, status="closed")
    db.commit()
    buffer = ClickBuffer()
    for code in ("unknown123", "bad code!", closed.link.code):
        with pytest.raises(NotFoundError):
            service.click(service.link_state(db, code), code, visit(), buffer, **KWARGS)
    assert buffer.pending_hits() == 0


def test_cache_entries_live_ttl_seconds_and_remember_unknown_codes() -> None:
    now = [100.0]
    cache = LinkCache[str](ttl=2, clock=lambda: now[0])
    assert cache.get("a") == Cached(False, None)
    cache.put("a", "link a")
    cache.put("nope", None)
    assert cache.get("a") == Cached(True, "link a")
    assert cache.get("nope") == Cached(True, None)
    now[0] += 1.99
    assert cache.get("a").found
    now[0] += 0.02
    assert cache.get("a") == Cached(False, None)
    assert cache.get("nope") == Cached(False, None)


def test_a_followed_entry_asks_once_to_be_read_again_before_it_expires() -> None:
    now = [100.0]
    cache = LinkCache[str](ttl=10, clock=lambda: now[0])
    cache.put("a", "link a")
    now[0] += 4.99  # the refresh time is drawn between half the TTL and nine tenths
    assert cache.get("a") == Cached(True, "link a", refresh=False)
    now[0] += 4.5  # past nine tenths of the TTL, before the entry expires
    assert cache.get("a") == Cached(True, "link a", refresh=True)
    # The lookup it set off is running: the entry keeps answering without asking again.
    assert cache.get("a") == Cached(True, "link a", refresh=False)
    cache.refresh_failed("a")
    assert cache.get("a").refresh
    cache.put("a", "link a, read again")
    assert cache.get("a") == Cached(True, "link a, read again", refresh=False)
    now[0] += 9.99
    assert cache.get("a").found
    now[0] += 0.02
    assert not cache.get("a").found


def test_cache_is_bounded_least_recently_used_first() -> None:
    cache = LinkCache[int](ttl=60, size=3)
    for code, value in (("a", 1), ("b", 2), ("c", 3)):
        cache.put(code, value)
    assert cache.get("a") == Cached(True, 1)
    cache.put("d", 4)
    assert len(cache) == 3
    assert cache.get("b") == Cached(False, None)
    assert [cache.get(code).value for code in ("a", "c", "d")] == [1, 3, 4]


def test_a_zero_ttl_caches_nothing() -> None:
    cache = LinkCache[int](ttl=0)
    cache.put("a", 1)
    assert cache.get("a") == Cached(False, None)
    assert len(cache) == 0
