"""The redirect with its cache and click buffer on, as served: a closed vacancy stops
redirecting within the cache's TTL, and buffered clicks are written on shutdown."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from distribution.links import service
from distribution.links.cache import Cached, LinkCache
from distribution.links.clicks import ClickBuffer
from distribution.links.repository import LinkState
from models import Click
from tests.api.test_redirect_api import FIREFOX, SAFARI
from tests.distribution.test_links import seed


@pytest.fixture
def state(app: FastAPI) -> Iterator[Any]:
    """The app's state, with the attributes a test replaces put back afterwards (the app
    is shared by the whole session; monkeypatch cannot restore a starlette ``State``)."""
    names = ("link_cache", "click_buffer", "session_factory")
    saved = {name: getattr(app.state, name) for name in names}
    yield app.state
    for name, value in saved.items():
        setattr(app.state, name, value)


def total_hits(db: Session) -> int:
    return sum(db.scalars(select(Click.hits)))


def closed_after_one_click(
    client: TestClient, db: Session, state: Any, ttl: float
) -> tuple[str, list[float]]:
    """A link followed once with a cache of ``ttl`` seconds on a clock the test moves
    (returned), and its vacancy closed just after."""
    now = [0.0]
    state.link_cache = LinkCache[LinkState](ttl, clock=lambda: now[0])
    data = seed(db)
    db.commit()
    url = f"/r/{data.link.code}"
    assert client.get(url, follow_redirects=False).status_code == 302
    data.vacancy.status = "closed"
    db.commit()
    return url, now


def test_a_closed_vacancy_stops_redirecting_within_the_ttl(
    client: TestClient, app: FastAPI, db: Session, state: Any
) -> None:
    url, now = closed_after_one_click(client, db, state, ttl=2)
    now[0] += 0.9  # before the entry's refresh time (at least half the TTL)
    assert client.get(url, follow_redirects=False).status_code == 302
    now[0] += 1.2
    assert client.get(url, follow_redirects=False).status_code == 404
    # Only the redirects that were answered 302 count.
    assert total_hits(db) == 2


def wait_for_refreshes(app: FastAPI) -> None:
    deadline = time.monotonic() + 10
    while app.state.link_refreshes or app.state.link_lookups:
        assert time.monotonic() < deadline, "the background lookup did not finish"
        time.sleep(0.01)


def test_a_followed_link_is_read_again_in_the_background_before_it_expires(
    client: TestClient, app: FastAPI, db: Session, state: Any
) -> None:
    # Clicks wait in the buffer: the test's one connection cannot also serve a flush
    # running beside the background lookup, as a pool would.
    state.click_buffer = buffer = ClickBuffer(flush_seconds=3600)
    url, now = closed_after_one_click(client, db, state, ttl=10)
    now[0] += 9.5  # past the entry's refresh time, before it expires
    # Answered from the entry; the lookup it sets off sees the closed vacancy.
    assert client.get(url, follow_redirects=False).status_code == 302
    wait_for_refreshes(app)
    assert client.get(url, follow_redirects=False).status_code == 404
    assert buffer.pending_hits() == 2


def test_links_due_together_are_read_again_in_one_query(
    client: TestClient,
    app: FastAPI,
    db: Session,
    state: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state.click_buffer = ClickBuffer(flush_seconds=3600)
    now = [0.0]
    state.link_cache = LinkCache[LinkState](10, clock=lambda: now[0])
    seeds = [seed(db), seed(db, org="Nationaal Archief")]
    db.commit()
    urls = [f"/r/{data.link.code}" for data in seeds]
    for url in urls:
        assert client.get(url, follow_redirects=False).status_code == 302
    for data in seeds:
        data.vacancy.status = "closed"
    db.commit()
    batches: list[list[str]] = []
    read = service.link_states

    def spy(session: Session, codes: Sequence[str]) -> dict[str, LinkState | None]:
        batches.append(list(codes))
        return read(session, codes)

    monkeypatch.setattr(service, "link_states", spy)
    now[0] += 9.5  # past both entries' refresh times, before they expire
    for url in urls:
        assert client.get(url, follow_redirects=False).status_code == 302
    wait_for_refreshes(app)
    assert batches == [sorted(data.link.code for data in seeds)]
    for url in urls:
        assert client.get(url, follow_redirects=False).status_code == 404


def test_an_expired_link_stops_at_once_even_when_cached(
    client: TestClient, app: FastAPI, db: Session, state: Any
) -> None:
    state.link_cache = LinkCache[LinkState](60)
    data = seed(db)
    db.commit()
    url = f"/r/{data.link.code}"
    assert client.get(url, follow_redirects=False).status_code == 302
    assert client.get("/r/unknown123", follow_redirects=False).status_code == 404
    cached = state.link_cache.get(data.link.code)
    assert cached.found
    link = cached.value
    assert link is not None
    # The cached link, as if its expiry had passed since it was read.
    expired = LinkState(link.id, link.target, data.link.created_at, "open", None)
    state.link_cache.put(data.link.code, expired)
    assert client.get(url, follow_redirects=False).status_code == 404
    assert state.link_cache.get("unknown123") == Cached(True, None)


def test_buffered_clicks_are_written_on_shutdown(
    app: FastAPI,
    db: Session,
    session_factory: sessionmaker[Session],
    state: Any,
) -> None:
    state.session_factory = session_factory
    # No periodic flush during the test: only the one at shutdown.
    buffer = ClickBuffer(flush_seconds=3600)
    state.click_buffer = buffer
    data = seed(db)
    db.commit()
    with TestClient(app) as client:
        for agent in (FIREFOX, SAFARI) * 7:
            response = client.get(
                f"/r/{data.link.code}", headers={"User-Agent": agent}, follow_redirects=False
            )
            assert response.status_code == 302
        assert buffer.pending_hits() == 14
        assert total_hits(db) == 0
    assert buffer.pending_hits() == 0
    assert total_hits(db) == 14
    rows = db.execute(select(Click.hits).where(Click.link_id == data.link.id)).all()
    assert sorted(row.hits for row in rows) == [7, 7]
