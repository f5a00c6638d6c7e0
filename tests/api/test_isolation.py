"""A key sees only its own organisation's data; a foreign id answers 404 on every route."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import KeyMaker, bearer


@pytest.fixture
def two_orgs(make_key: KeyMaker) -> tuple[dict[str, str], dict[str, str]]:
    return bearer(make_key(org="Koninklijke Bibliotheek")), bearer(make_key(org="Stadsarchief"))


def test_foreign_vacancy_is_invisible(
    client: TestClient, two_orgs: tuple[dict[str, str], dict[str, str]]
) -> None:
    kb, archive = two_orgs
    created = client.post(
        "/v1/vacancies", json={"title": "Conservator", "external_id": "V-1"}, headers=kb
    )
    vacancy_id = created.json()["id"]
    path = f"/v1/vacancies/{vacancy_id}"

    for response in (
        client.get(path, headers=archive),
        client.patch(path, json={"title": "Overgenomen"}, headers=archive),
        client.delete(path, headers=archive),
    ):
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert "Conservator" not in response.text

    assert client.get("/v1/vacancies", headers=archive).json()["data"] == []
    listed = client.get("/v1/vacancies?external_id=V-1", headers=archive).json()
    assert listed["data"] == []
    # The owner still sees it, unchanged.
    assert client.get(path, headers=kb).json()["title"] == "Conservator"
    # external_id is unique per organisation, not globally.
    other = client.post(
        "/v1/vacancies", json={"title": "Conservator", "external_id": "V-1"}, headers=archive
    )
    assert other.status_code == 201


def test_foreign_candidate_is_invisible(
    client: TestClient, two_orgs: tuple[dict[str, str], dict[str, str]]
) -> None:
    kb, archive = two_orgs
    candidate = {"name": "Ahmed Yilmaz", "email": "ahmed@example.org", "external_id": "C-1"}
    candidate_id = client.post("/v1/candidates", json=candidate, headers=kb).json()["id"]
    path = f"/v1/candidates/{candidate_id}"

    for response in (
        client.get(path, headers=archive),
        client.patch(path, json={"headline": "x"}, headers=archive),
        client.delete(path, headers=archive),
    ):
        assert response.status_code == 404
        assert "Ahmed" not in response.text

    assert client.get("/v1/candidates", headers=archive).json()["data"] == []
    found = client.get("/v1/candidates?email=ahmed@example.org", headers=archive).json()
    assert found["data"] == []
    assert client.get(path, headers=kb).json()["headline"] is None
    # The same person may apply to another organisation: no conflict across tenants.
    assert client.post("/v1/candidates", json=candidate, headers=archive).status_code == 201


def test_foreign_cursor_leaks_nothing(
    client: TestClient, two_orgs: tuple[dict[str, str], dict[str, str]]
) -> None:
    kb, archive = two_orgs
    for i in range(3):
        client.post("/v1/vacancies", json={"title": f"KB {i}"}, headers=kb)
    cursor = client.get("/v1/vacancies?limit=1", headers=kb).json()["next_cursor"]
    page = client.get(f"/v1/vacancies?limit=1&cursor={cursor}", headers=archive).json()
    assert page["data"] == []
