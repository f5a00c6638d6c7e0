"""Vacancy CRUD through the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

FULL_VACANCY: dict[str, Any] = {
    "external_id": "KB-2026-017",
    "title": "Developer digitale collecties",
    "description": (
        "Wij zoeken een ontwikkelaar die de digitale collecties van de bibliotheek "
        "toegankelijk maakt. Je werkt met Python en Linked Data."
    ),
    "language": "nl",
    "required_skills": ["Python", "SQL", "Linked Data"],
    "nice_to_have_skills": ["IIIF"],
    "required_languages": ["nl", "EN"],
    "location": {"city": "Den Haag", "country": "nl", "lat": 52.08, "lon": 4.33},
    "remote": True,
    "employment_type": "full_time",
    "hours_per_week": 36,
    "salary": {"min": 3600.5, "max": 5200, "currency": "EUR", "period": "month"},
    "apply_url": "https://werkenbij.example.org/vacatures/17",
    "valid_through": "2026-12-31T23:59:00+01:00",
    "status": "open",
}


def test_create_and_read_back_every_field(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post("/v1/vacancies", json=FULL_VACANCY, headers=admin)
    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"/v1/vacancies/{body['id']}"
    fetched = client.get(f"/v1/vacancies/{body['id']}", headers=admin).json()
    assert fetched == body
    assert body["required_languages"] == ["nl", "en"]
    assert body["location"] == {
        "street": None,
        "postal_code": None,
        "city": "Den Haag",
        "region": None,
        "country": "NL",
        "lat": 52.08,
        "lon": 4.33,
    }
    assert body["salary"] == {"min": 3600.5, "max": 5200.0, "currency": "EUR", "period": "month"}
    assert body["valid_through"] == "2026-12-31T22:59:00Z"
    for field in ("external_id", "title", "description", "required_skills", "remote"):
        assert body[field] == FULL_VACANCY[field]
    assert body["hours_per_week"] == 36
    assert body["apply_url"] == FULL_VACANCY["apply_url"]


def test_defaults_and_language_detection(client: TestClient, admin: dict[str, str]) -> None:
    dutch = client.post(
        "/v1/vacancies",
        json={"title": "Educatief medewerker", "description": FULL_VACANCY["description"]},
        headers=admin,
    ).json()
    assert dutch["language"] == "nl"
    assert dutch["status"] == "open"
    assert dutch["required_skills"] == []
    assert dutch["location"] is None
    assert dutch["salary"] is None
    english = client.post(
        "/v1/vacancies",
        json={
            "title": "Education officer",
            "description": "You will design the education programme of the archive and "
            "work with schools in the region.",
        },
        headers=admin,
    ).json()
    assert english["language"] == "en"
    # Too little text to tell: left undetermined rather than guessed.
    unknown = client.post("/v1/vacancies", json={"title": "Archivaris"}, headers=admin).json()
    assert unknown["language"] is None


def test_duplicate_external_id_answers_409_with_existing_id(
    client: TestClient, admin: dict[str, str]
) -> None:
    first = client.post("/v1/vacancies", json=FULL_VACANCY, headers=admin).json()
    second = client.post(
        "/v1/vacancies", json={"title": "Other", "external_id": "KB-2026-017"}, headers=admin
    )
    assert second.status_code == 409
    assert second.headers["content-type"] == "application/problem+json"
    assert second.json()["existing_id"] == first["id"]
    listed = client.get("/v1/vacancies", headers=admin).json()["data"]
    assert [v["id"] for v in listed] == [first["id"]]


def test_patch_changes_only_what_is_sent(client: TestClient, admin: dict[str, str]) -> None:
    vacancy = client.post("/v1/vacancies", json=FULL_VACANCY, headers=admin).json()
    path = f"/v1/vacancies/{vacancy['id']}"
    patched = client.patch(
        path,
        json={"status": "closed", "salary": None, "location": {"city": "Leiden"}},
        headers=admin,
    )
    assert patched.status_code == 200
    body = patched.json()
    assert body["status"] == "closed"
    assert body["salary"] is None
    assert body["location"] == {
        "street": None,
        "postal_code": None,
        "city": "Leiden",
        "region": None,
        "country": None,
        "lat": None,
        "lon": None,
    }
    assert body["title"] == FULL_VACANCY["title"]
    assert body["required_skills"] == FULL_VACANCY["required_skills"]
    assert body["updated_at"] > vacancy["updated_at"]
    assert client.get(path, headers=admin).json() == body


def test_patch_refuses_null_for_required_fields(client: TestClient, admin: dict[str, str]) -> None:
    vacancy = client.post("/v1/vacancies", json=FULL_VACANCY, headers=admin).json()
    response = client.patch(f"/v1/vacancies/{vacancy['id']}", json={"title": None}, headers=admin)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["title"]


def test_patch_to_a_taken_external_id_answers_409(
    client: TestClient, admin: dict[str, str]
) -> None:
    first = client.post("/v1/vacancies", json=FULL_VACANCY, headers=admin).json()
    other = client.post("/v1/vacancies", json={"title": "B", "external_id": "B"}, headers=admin)
    response = client.patch(
        f"/v1/vacancies/{other.json()['id']}", json={"external_id": "KB-2026-017"}, headers=admin
    )
    assert response.status_code == 409
    assert response.json()["existing_id"] == first["id"]
    assert (
        client.get(f"/v1/vacancies/{other.json()['id']}", headers=admin).json()["external_id"]
        == "B"
    )


def test_delete(client: TestClient, admin: dict[str, str]) -> None:
    vacancy = client.post("/v1/vacancies", json=FULL_VACANCY, headers=admin).json()
    path = f"/v1/vacancies/{vacancy['id']}"
    deleted = client.delete(path, headers=admin)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert client.get(path, headers=admin).status_code == 404
    assert client.delete(path, headers=admin).status_code == 404


def test_filters(client: TestClient, admin: dict[str, str]) -> None:
    draft = client.post("/v1/vacancies", json={"title": "A", "status": "draft"}, headers=admin)
    client.post("/v1/vacancies", json={"title": "B", "status": "open"}, headers=admin)
    drafts = client.get("/v1/vacancies?status=draft", headers=admin).json()["data"]
    assert [v["id"] for v in drafts] == [draft.json()["id"]]
    by_external = client.get("/v1/vacancies?external_id=nope", headers=admin).json()
    assert by_external["data"] == []
    updated = draft.json()["updated_at"]
    client.patch(f"/v1/vacancies/{draft.json()['id']}", json={"title": "A2"}, headers=admin)
    since = client.get("/v1/vacancies", params={"updated_since": updated}, headers=admin)
    titles = [v["title"] for v in since.json()["data"]]
    assert "A2" in titles
    future = client.get(
        "/v1/vacancies", params={"updated_since": "2999-01-01T00:00:00Z"}, headers=admin
    )
    assert future.json()["data"] == []
    naive = client.get("/v1/vacancies", params={"updated_since": "2026-01-01T00:00"}, headers=admin)
    assert naive.status_code == 422
    assert naive.json()["errors"][0]["field"] == "updated_since"
    bad_status = client.get("/v1/vacancies?status=archived", headers=admin)
    assert bad_status.status_code == 422
    assert bad_status.json()["errors"][0]["field"] == "status"


def test_validation_names_every_bad_field(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post(
        "/v1/vacancies",
        json={
            "title": "",
            "employment_type": "freelance",
            "required_languages": ["dutch"],
            "location": {"country": "Netherlands", "lat": 123},
            "salary": {"min": 5000, "max": 3000, "currency": "euro"},
            "apply_url": "not a url",
            "hours_per_week": 0,
            "colour": "blue",
        },
        headers=admin,
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {
        "title",
        "employment_type",
        "required_languages.0",
        "location.country",
        "location.lat",
        "salary.currency",
        "apply_url",
        "hours_per_week",
        "colour",
    }
    assert client.get("/v1/vacancies", headers=admin).json()["data"] == []


def test_salary_range_is_checked(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post(
        "/v1/vacancies", json={"title": "A", "salary": {"min": 5000, "max": 3000}}, headers=admin
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "salary"


def test_unknown_id_and_malformed_id(client: TestClient, admin: dict[str, str]) -> None:
    missing = client.get("/v1/vacancies/01a202d4-1933-7d6e-a713-fda411278d67", headers=admin)
    assert missing.status_code == 404
    assert missing.json()["type"] == "/problems/not-found"
    malformed = client.get("/v1/vacancies/42", headers=admin)
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["field"] == "vacancy_id"
