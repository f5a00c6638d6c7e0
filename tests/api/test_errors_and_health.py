"""Problem details everywhere, body limits, /health and the OpenAPI document."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from runtime.settings import Settings


def test_unknown_route_and_method_are_problems(client: TestClient, admin: dict[str, str]) -> None:
    missing = client.get("/v1/nothing-here", headers=admin)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["title"] == "Not found"
    wrong_method = client.put("/v1/vacancies", headers=admin)
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"] == "application/problem+json"


def test_oversized_json_body_is_413(client: TestClient, admin: dict[str, str]) -> None:
    huge = {"title": "x", "description": "a" * (1024 * 1024 + 10)}
    response = client.post("/v1/vacancies", json=huge, headers=admin)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/vacancies", headers=admin).json()["data"] == []


def test_streamed_body_over_the_limit_is_413(client: TestClient, admin: dict[str, str]) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit must hold while streaming
        for _ in range(40):
            yield b"a" * 65536

    response = client.post(
        "/v1/vacancies",
        content=chunks(),
        headers={**admin, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_unhandled_errors_hide_the_trace(settings: Settings, engine: Engine) -> None:
    app: FastAPI = create_app(settings, engine=engine)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals at /srv/app.py line 12")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    assert response.json()["type"] == "/problems/internal-error"


def test_health_ok(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_health_fails_when_the_broker_is_down(settings: Settings, engine: Engine) -> None:
    dead_broker = settings.model_copy(update={"broker_url": "redis://127.0.0.1:1/0"})
    with TestClient(create_app(dead_broker, engine=engine)) as client:
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "failed"}


def test_health_fails_when_the_database_is_down(settings: Settings) -> None:
    from models.db import make_engine

    dead = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=1")
    with TestClient(create_app(settings, engine=dead)) as client:
        response = client.get("/health")
    dead.dispose()
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "failed", "broker": "ok"}


def test_openapi_documents_auth_and_problems(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    operation = spec["paths"]["/v1/vacancies"]["post"]
    assert operation["summary"] == "Create a vacancy"
    assert operation["description"]
    assert "application/problem+json" in operation["responses"]["409"]["content"]
    assert "ESCO classification of the European Commission" in spec["info"]["description"]
