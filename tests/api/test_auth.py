"""Authentication and scopes on the /v1 routes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.auth.service import authenticate, hash_key, revoke_api_key
from models import ApiKey
from tests.conftest import KeyMaker, bearer

VACANCY = {"title": "Archivaris", "description": "Wij zoeken een archivaris voor ons team."}

ROUTES = [
    ("GET", "/v1/vacancies"),
    ("POST", "/v1/vacancies"),
    ("GET", "/v1/vacancies/01a202d4-1933-7d6e-a713-fda411278d67"),
    ("PATCH", "/v1/vacancies/01a202d4-1933-7d6e-a713-fda411278d67"),
    ("DELETE", "/v1/vacancies/01a202d4-1933-7d6e-a713-fda411278d67"),
    ("GET", "/v1/candidates"),
    ("POST", "/v1/candidates"),
    ("POST", "/v1/candidates/parse"),
    ("GET", "/v1/candidates/01a202d4-1933-7d6e-a713-fda411278d67"),
    ("PATCH", "/v1/candidates/01a202d4-1933-7d6e-a713-fda411278d67"),
    ("DELETE", "/v1/candidates/01a202d4-1933-7d6e-a713-fda411278d67"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_v1_route_requires_a_key(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, json={})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["type"] == "/problems/unauthenticated"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer nonsense",
        "Bearer tm_000000000000_wrong",
        "Basic dXNlcjpwYXNz",
        "Bearer ",
    ],
)
def test_invalid_keys_are_refused(client: TestClient, header: str) -> None:
    response = client.get("/v1/vacancies", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_right_prefix_with_wrong_secret_is_refused(client: TestClient, make_key: KeyMaker) -> None:
    key = make_key()
    tampered = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    assert client.get("/v1/vacancies", headers=bearer(tampered)).status_code == 401
    assert client.get("/v1/vacancies", headers=bearer(key)).status_code == 200


def test_keys_are_stored_hashed(db: Session, make_key: KeyMaker) -> None:
    key = make_key()
    prefix = key.split("_")[1]
    row = db.query(ApiKey).filter_by(prefix=prefix).one()
    assert row.key_hash == hash_key(key)
    assert key not in row.key_hash
    assert authenticate(db, key).api_key_id == row.id


def test_revoked_key_is_refused(client: TestClient, db: Session, make_key: KeyMaker) -> None:
    key = make_key()
    assert client.get("/v1/vacancies", headers=bearer(key)).status_code == 200
    principal = authenticate(db, key)
    revoke_api_key(db, principal.api_key_id)
    db.commit()
    response = client.get("/v1/vacancies", headers=bearer(key))
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_missing_scope_answers_403(client: TestClient, make_key: KeyMaker) -> None:
    reader = bearer(make_key(scopes="vacancies:read"))
    assert client.get("/v1/vacancies", headers=reader).status_code == 200
    response = client.post("/v1/vacancies", json=VACANCY, headers=reader)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "vacancies:write" in response.json()["detail"]
    assert client.get("/v1/candidates", headers=reader).status_code == 403


def test_write_scope_implies_read(client: TestClient, make_key: KeyMaker) -> None:
    writer = bearer(make_key(scopes="vacancies:write"))
    created = client.post("/v1/vacancies", json=VACANCY, headers=writer)
    assert created.status_code == 201
    assert client.get(f"/v1/vacancies/{created.json()['id']}", headers=writer).status_code == 200
    assert client.get("/v1/candidates", headers=writer).status_code == 403


def test_candidate_scopes(client: TestClient, make_key: KeyMaker) -> None:
    reader = bearer(make_key(scopes="candidates:read"))
    writer = bearer(make_key(scopes="candidates:write"))
    candidate = {"name": "Sanne de Vries", "email": "sanne@example.org"}
    assert client.post("/v1/candidates", json=candidate, headers=reader).status_code == 403
    created = client.post("/v1/candidates", json=candidate, headers=writer)
    assert created.status_code == 201
    path = f"/v1/candidates/{created.json()['id']}"
    assert client.get(path, headers=reader).status_code == 200
    assert client.delete(path, headers=reader).status_code == 403
    assert client.get("/v1/vacancies", headers=writer).status_code == 403


def test_admin_scope_grants_everything(client: TestClient, admin: dict[str, str]) -> None:
    assert client.post("/v1/vacancies", json=VACANCY, headers=admin).status_code == 201
    assert client.get("/v1/candidates", headers=admin).status_code == 200


def test_unknown_scopes_are_refused_at_creation(make_key: KeyMaker) -> None:
    with pytest.raises(ValueError, match="unknown scope"):
        make_key(scopes="vacancies:write,superuser")
