"""A database that cannot serve answers 503 problems with Retry-After, in the routes and in
the middleware that reaches the database before them; a read whose connection is cut off
under it runs once more. (tests/faults/test_database_restart.py stops a real one.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from models.db import make_engine, transaction
from runtime.settings import Settings
from tests.conftest import bearer

DEAD = "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=1"
KEY = "tm_000000000000_" + "a" * 43


@pytest.fixture
def own_engine(database_url: str) -> Iterator[Engine]:
    # A connection cut off invalidates its pool: not the session's.
    engine = make_engine(database_url, pool_size=2)
    yield engine
    engine.dispose()


def _assert_unavailable(response: Any) -> None:  # httpx or httpx2, by Starlette version
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"].isdigit()
    assert response.json()["type"] == "/problems/unavailable"


def test_no_database_answers_503_problems(settings: Settings) -> None:
    dead = make_engine(DEAD)
    try:
        with TestClient(create_app(settings, engine=dead)) as client:
            _assert_unavailable(client.get("/v1/vacancies", headers=bearer(KEY)))
            # The idempotency key is claimed before the route runs.
            _assert_unavailable(
                client.post(
                    "/v1/vacancies",
                    json={"title": "Archivaris"},
                    headers=bearer(KEY) | {"Idempotency-Key": "k1"},
                )
            )
            _assert_unavailable(client.get("/r/abcdefghij", follow_redirects=False))
            # A visitor on a page gets a page in their language.
            page = client.get("/jobs/kb/01939d5c-6f3e-7c1a-9b2d-5a4e3f2d1c0b?lang=nl")
            assert page.status_code == 503
            assert page.headers["content-type"].startswith("text/html")
            assert page.headers["retry-after"].isdigit()
            assert "Er is niets opgeslagen" in page.text
    finally:
        dead.dispose()


def _app_with_routes(settings: Settings, engine: Engine) -> tuple[FastAPI, list[str]]:
    app = create_app(settings, engine=engine)
    runs: list[str] = []

    def cut_off_first(method: str) -> dict[str, int]:
        runs.append(method)
        with transaction(app.state.session_factory) as session:
            if len(runs) == 1:  # the server ends this very connection, as a restart does
                session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
            return {"runs": len(runs)}

    app.get("/v1/cut-off")(lambda: cut_off_first("GET"))
    app.post("/v1/cut-off")(lambda: cut_off_first("POST"))

    @app.get("/v1/broken-sql")
    def broken_sql() -> None:
        with transaction(app.state.session_factory) as session:
            session.execute(text("SELECT no_such_column FROM vacancies"))

    return app, runs


def test_a_read_cut_off_runs_again(settings: Settings, own_engine: Engine) -> None:
    app, runs = _app_with_routes(settings, own_engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/v1/cut-off")
    assert response.status_code == 200
    assert response.json() == {"runs": 2}
    assert runs == ["GET", "GET"]


def test_a_write_cut_off_is_not_repeated(settings: Settings, own_engine: Engine) -> None:
    app, runs = _app_with_routes(settings, own_engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        _assert_unavailable(client.post("/v1/cut-off"))
        assert runs == ["POST"]
        # The pool replaced the connection: the client's retry is served.
        assert client.post("/v1/cut-off").json() == {"runs": 2}


def test_other_database_errors_stay_500(settings: Settings, own_engine: Engine) -> None:
    app, _ = _app_with_routes(settings, own_engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/v1/broken-sql")
    assert response.status_code == 500
    assert response.json()["type"] == "/problems/internal-error"
