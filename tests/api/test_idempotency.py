"""``Idempotency-Key`` on POST: a replay answers the stored response and does nothing again."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.idempotency import _claim
from models import Vacancy
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
