"""``Idempotency-Key`` on POST: a replay answers the stored response and does nothing again."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import Message, Receive, Scope, Send

from api.idempotency import ABANDONED, IdempotencyMiddleware, _claim, _touch
from models import IdempotencyKey, Vacancy
from models.base import utcnow
from tests.conftest import KeyMaker, bearer


def _count(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(Vacancy)) or 0)


def test_same_key_same_body_replays_without_a_second_vacancy(
    client: TestClient, admin: dict[str, str], db: Session
) -> None:
    headers = admin | {"Idempotency-Key": "ats-42"}
    first = client.post("/v1/vacancies", json={"title": "Archivaris"}, headers=headers)
    assert first.status_code == 201
    again = client.post("/v1/vacancies", json={"title": "Archivaris"}, headers=headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert _count(db) == 1


def test_same_key_other_body_is_422(client: TestClient, admin: dict[str, str], db: Session) -> None:
    headers = admin | {"Idempotency-Key": "ats-43"}
    assert client.post("/v1/vacancies", json={"title": "A"}, headers=headers).status_code == 201
    other = client.post("/v1/vacancies", json={"title": "B"}, headers=headers)
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert "another request" in other.json()["detail"]
    assert _count(db) == 1


def test_keys_belong_to_their_api_key_and_errors_are_kept(
    client: TestClient, admin: dict[str, str], make_key: KeyMaker, db: Session
) -> None:
    other = bearer(make_key(org="Stadsarchief Amsterdam")) | {"Idempotency-Key": "same"}
    mine = admin | {"Idempotency-Key": "same"}
    assert client.post("/v1/vacancies", json={"title": "A"}, headers=mine).status_code == 201
    assert client.post("/v1/vacancies", json={"title": "A"}, headers=other).status_code == 201
    assert _count(db) == 2
    # A validation error is a response like any other: replayed, not re-run.
    bad = admin | {"Idempotency-Key": "bad"}
    first = client.post("/v1/vacancies", json={"title": ""}, headers=bad)
    again = client.post("/v1/vacancies", json={"title": ""}, headers=bad)
    assert first.status_code == again.status_code == 422
    assert again.headers["idempotent-replayed"] == "true"


def test_a_running_twin_is_409(
    client: TestClient,
    admin: dict[str, str],
    db: Session,
    session_factory: sessionmaker[Session],
) -> None:
    # The twin's first request holds the key (as while its route still runs).
    scope = hashlib.sha256(admin["Authorization"].encode()).hexdigest()
    digest = hashlib.sha256(b"/v1/vacancies\n\n" + b'{"title":"A"}').hexdigest()
    assert _claim(session_factory, scope, "twin", digest) == "claimed"
    twin = client.post(
        "/v1/vacancies",
        content=b'{"title":"A"}',
        headers=admin | {"Idempotency-Key": "twin", "Content-Type": "application/json"},
    )
    assert twin.status_code == 409
    assert _count(db) == 0


def test_a_running_request_keeps_its_key_alive(
    session_factory: sessionmaker[Session], admin: dict[str, str]
) -> None:
    scope = hashlib.sha256(admin["Authorization"].encode()).hexdigest()
    assert _claim(session_factory, scope, "slow", "d") == "claimed"
    with session_factory.begin() as session:
        row = session.get(IdempotencyKey, (scope, "slow"))
        assert row is not None
        row.created_at = utcnow() - ABANDONED - timedelta(seconds=1)
    # The heartbeat of the first request, still running, comes before the retry.
    _touch(session_factory, scope, "slow")
    assert _claim(session_factory, scope, "slow", "d") == "running"


def test_a_retried_upload_is_the_same_request_whatever_its_boundary(
    client: TestClient, admin: dict[str, str]
) -> None:
    headers = admin | {"Idempotency-Key": "upload-1"}
    files = {"file": ("kandidaten.ndjson", b'{"name": "Eva de Vries"}\n', "application/x-ndjson")}
    first = client.post("/v1/imports", params={"kind": "candidates"}, files=files, headers=headers)
    again = client.post("/v1/imports", params={"kind": "candidates"}, files=files, headers=headers)
    assert first.status_code == again.status_code == 202, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]


def test_a_body_cut_off_by_a_disconnect_runs_nothing() -> None:
    ran: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        ran.append(scope)

    messages: list[Message] = [
        {"type": "http.request", "body": b'{"name": "Eva', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/imports",
        "query_string": b"kind=candidates",
        "headers": [(b"idempotency-key", b"cut"), (b"authorization", b"Bearer x")],
    }
    asyncio.run(IdempotencyMiddleware(app)(scope, receive, send))
    assert ran == []
    assert sent == []
