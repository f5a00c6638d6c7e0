"""Rate limits per API key, counted in the broker's Redis and shared by API processes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from runtime.settings import Settings
from tests.conftest import KeyMaker, bearer


def _client(
    settings: Settings, engine: Engine, factory: sessionmaker[Session], **changes: str
) -> TestClient:
    app: FastAPI = create_app(settings.model_copy(update=changes), engine=engine)
    app.state.session_factory = factory
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def limited(
    settings: Settings, engine: Engine, session_factory: sessionmaker[Session]
) -> Iterator[tuple[TestClient, TestClient]]:
    """Two API processes (apps) on one broker, 3 requests per minute per key."""
    with (
        _client(settings, engine, session_factory, rate_limit="3/60") as one,
        _client(settings, engine, session_factory, rate_limit="3/60") as two,
    ):
        yield one, two


def test_the_fourth_request_in_a_minute_is_429_in_any_process(
    limited: tuple[TestClient, TestClient], make_key: KeyMaker
) -> None:
    one, two = limited
    key = bearer(make_key())
    first = one.get("/v1/vacancies", headers=key)
    assert first.status_code == 200
    assert first.headers["ratelimit-limit"] == "3"
    assert first.headers["ratelimit-remaining"] == "2"
    assert 1 <= int(first.headers["ratelimit-reset"]) <= 20
    assert two.get("/v1/vacancies", headers=key).headers["ratelimit-remaining"] == "1"
    assert one.post("/v1/vacancies", json={"title": "x"}, headers=key).status_code == 201
    over = two.get("/v1/vacancies", headers=key)
    assert over.status_code == 429
    assert over.headers["content-type"] == "application/problem+json"
    assert over.json()["type"] == "/problems/rate-limited"
    assert over.headers["ratelimit-remaining"] == "0"
    assert 1 <= int(over.headers["retry-after"]) <= 20
    # Another key has its own allowance; routes outside /v1 are not counted.
    assert one.get("/v1/vacancies", headers=bearer(make_key())).status_code == 200
    health = one.get("/health")
    assert "ratelimit-limit" not in health.headers


def test_requests_go_through_when_the_broker_is_down(
    settings: Settings, engine: Engine, session_factory: sessionmaker[Session], make_key: KeyMaker
) -> None:
    with _client(
        settings, engine, session_factory, rate_limit="1/60", broker_url="redis://127.0.0.1:1/0"
    ) as client:
        key = bearer(make_key())
        for _ in range(3):
            response = client.get("/v1/vacancies", headers=key)
            assert response.status_code == 200
            assert "ratelimit-limit" not in response.headers
