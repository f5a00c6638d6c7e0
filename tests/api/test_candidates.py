"""Candidate CRUD through the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

FULL_CANDIDATE: dict[str, Any] = {
    "external_id": "ATS-991",
    "name": "Femke Jansen",
    "email": "  Femke.Jansen@Example.ORG ",
    "phone": "+31 6 1234 5678",
    "headline": "Docent geschiedenis",
    "summary": "Ik ben docent geschiedenis en ontwikkel lesmateriaal over erfgoed voor scholen.",
    "skills": ["lesgeven", "curriculumontwikkeling", "Lesgeven"],
    "languages": ["nl", "en", "de"],
    "location": {"city": "Utrecht", "country": "NL"},
    "experience": [
        {
            "title": "Docent geschiedenis",
            "organisation": "Stedelijk Gymnasium",
            "start": "2015-09",
            "end": None,
            "description": "Lessen en excursies naar het stadsarchief.",
        },
        {
            "title": "Museumdocent",
            "organisation": "Rijksmuseum",
            "start": "2012-01",
            "end": "2015-06",
        },
    ],
    "education": [
        {
            "degree": "MA",
            "field": "Geschiedenis",
            "institution": "Universiteit Utrecht",
            "year": 2012,
        }
    ],
    "consent": {
        "given_at": "2026-11-01T10:00:00Z",
        "purpose": "recruitment",
        "retention_until": "2027-11-01T00:00:00Z",
    },
}


def test_create_and_read_back(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post("/v1/candidates", json=FULL_CANDIDATE, headers=admin)
    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"/v1/candidates/{body['id']}"
    assert body["email"] == "femke.jansen@example.org"
    assert body["skills"] == ["lesgeven", "curriculumontwikkeling"]
    assert body["language"] == "nl"
    assert body["experience"][0] == {**FULL_CANDIDATE["experience"][0], "highlights": []}
    assert body["experience"][1]["description"] == ""
    assert body["education"] == FULL_CANDIDATE["education"]
    assert body["consent"] == {
        "given_at": "2026-11-01T10:00:00Z",
        "purpose": "recruitment",
        "retention_until": "2027-11-01T00:00:00Z",
    }
    assert body["location"] == {
        "street": None,
        "postal_code": None,
        "city": "Utrecht",
        "region": None,
        "country": "NL",
        "lat": None,
        "lon": None,
    }
    assert client.get(f"/v1/candidates/{body['id']}", headers=admin).json() == body


def test_same_normalised_email_answers_409(client: TestClient, admin: dict[str, str]) -> None:
    first = client.post("/v1/candidates", json=FULL_CANDIDATE, headers=admin).json()
    duplicate = client.post(
        "/v1/candidates",
        json={"name": "F. Jansen", "email": "FEMKE.JANSEN@example.org"},
        headers=admin,
    )
    assert duplicate.status_code == 409
    assert duplicate.headers["content-type"] == "application/problem+json"
    assert duplicate.json()["existing_id"] == first["id"]
    same_external = client.post(
        "/v1/candidates", json={"name": "Other", "external_id": "ATS-991"}, headers=admin
    )
    assert same_external.status_code == 409
    assert same_external.json()["existing_id"] == first["id"]
    assert len(client.get("/v1/candidates", headers=admin).json()["data"]) == 1


def test_candidates_without_email_do_not_clash(client: TestClient, admin: dict[str, str]) -> None:
    for name in ("A", "B"):
        assert client.post("/v1/candidates", json={"name": name}, headers=admin).status_code == 201


def test_lookup_by_email_is_normalised(client: TestClient, admin: dict[str, str]) -> None:
    created = client.post("/v1/candidates", json=FULL_CANDIDATE, headers=admin).json()
    found = client.get(
        "/v1/candidates", params={"email": "Femke.Jansen@EXAMPLE.org"}, headers=admin
    ).json()["data"]
    assert [c["id"] for c in found] == [created["id"]]


def test_patch_and_email_conflict(client: TestClient, admin: dict[str, str]) -> None:
    first = client.post("/v1/candidates", json=FULL_CANDIDATE, headers=admin).json()
    second = client.post(
        "/v1/candidates", json={"name": "Bram", "email": "bram@example.org"}, headers=admin
    ).json()
    path = f"/v1/candidates/{second['id']}"
    conflict = client.patch(path, json={"email": "femke.jansen@EXAMPLE.org"}, headers=admin)
    assert conflict.status_code == 409
    assert conflict.json()["existing_id"] == first["id"]
    patched = client.patch(
        path,
        json={"headline": "Community manager", "skills": ["moderatie"], "phone": None},
        headers=admin,
    )
    assert patched.status_code == 200
    body = patched.json()
    assert body["headline"] == "Community manager"
    assert body["skills"] == ["moderatie"]
    assert body["email"] == "bram@example.org"
    nulled = client.patch(path, json={"skills": None}, headers=admin)
    assert nulled.status_code == 422
    assert nulled.json()["errors"][0]["field"] == "skills"


def test_delete(client: TestClient, admin: dict[str, str]) -> None:
    created = client.post("/v1/candidates", json=FULL_CANDIDATE, headers=admin).json()
    path = f"/v1/candidates/{created['id']}"
    assert client.delete(path, headers=admin).status_code == 204
    assert client.get(path, headers=admin).status_code == 404
    # The email is free again.
    assert client.post("/v1/candidates", json=FULL_CANDIDATE, headers=admin).status_code == 201


def test_validation_names_the_field(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post(
        "/v1/candidates",
        json={
            "email": "not-an-email",
            "phone": "call me",
            "languages": ["xx"],
            "experience": [
                {"title": "Docent", "start": "2020-13"},
                {"title": "Editor", "start": "2021-05", "end": "2020-01"},
                {"organisation": "no title"},
            ],
            "education": [{"year": 1800}],
            "consent": {"purpose": "recruitment"},
        },
        headers=admin,
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {
        "email",
        "phone",
        "languages.0",
        "experience.0.start",
        "experience.1",
        "experience.2.title",
        "education.0.year",
        "consent.given_at",
    }
    assert client.get("/v1/candidates", headers=admin).json()["data"] == []


def test_malformed_json_is_a_clear_422(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post(
        "/v1/candidates",
        content=b'{"name": "unterminated',
        headers={**admin, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["message"].startswith("JSON decode error")
