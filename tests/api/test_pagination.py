"""Cursor pagination: pages, next_cursor, RFC 8288 Link headers and bad cursors."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def _link_next(link: str) -> str:
    match = re.fullmatch(r'<(?P<url>[^>]+)>; rel="next"', link)
    assert match is not None, link
    return match["url"]


def test_walks_every_record_once(client: TestClient, admin: dict[str, str]) -> None:
    created = [
        client.post("/v1/vacancies", json={"title": f"Vacature {i}"}, headers=admin).json()["id"]
        for i in range(23)
    ]
    seen: list[str] = []
    url: str | None = "/v1/vacancies?limit=10"
    pages = 0
    while url:
        response = client.get(url, headers=admin)
        assert response.status_code == 200
        body = response.json()
        seen += [v["id"] for v in body["data"]]
        pages += 1
        if body["next_cursor"]:
            url = _link_next(response.headers["link"])
            assert f"cursor={body['next_cursor']}" in url
        else:
            assert "link" not in response.headers
            url = None
    assert pages == 3
    assert seen == created


def test_link_keeps_filters(client: TestClient, admin: dict[str, str]) -> None:
    for i in range(3):
        client.post("/v1/vacancies", json={"title": f"D{i}", "status": "draft"}, headers=admin)
        client.post("/v1/vacancies", json={"title": f"O{i}", "status": "open"}, headers=admin)
    first = client.get("/v1/vacancies?status=draft&limit=2", headers=admin)
    assert [v["title"] for v in first.json()["data"]] == ["D0", "D1"]
    second = client.get(_link_next(first.headers["link"]), headers=admin).json()
    assert [v["title"] for v in second["data"]] == ["D2"]
    assert second["next_cursor"] is None


def test_exact_multiple_has_no_empty_last_page(client: TestClient, admin: dict[str, str]) -> None:
    for i in range(4):
        client.post("/v1/candidates", json={"name": f"C{i}"}, headers=admin)
    first = client.get("/v1/candidates?limit=2", headers=admin).json()
    second = client.get(f"/v1/candidates?limit=2&cursor={first['next_cursor']}", headers=admin)
    assert len(second.json()["data"]) == 2
    assert second.json()["next_cursor"] is None


def test_tampered_cursor_is_a_400_naming_the_cursor(
    client: TestClient, admin: dict[str, str]
) -> None:
    for i in range(3):
        client.post("/v1/vacancies", json={"title": f"V{i}"}, headers=admin)
    cursor = client.get("/v1/vacancies?limit=1", headers=admin).json()["next_cursor"]
    body, signature = cursor.split(".")
    forged = ("A" if body[0] != "A" else "B") + body[1:] + "." + signature
    for bad in (forged, "garbage", "....", cursor[:-2]):
        response = client.get("/v1/vacancies", params={"cursor": bad}, headers=admin)
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"] == [{"field": "cursor", "message": "invalid cursor"}]


def test_limit_bounds(client: TestClient, admin: dict[str, str]) -> None:
    for limit in (0, 101, -1):
        response = client.get(f"/v1/vacancies?limit={limit}", headers=admin)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "limit"
    assert client.get("/v1/vacancies?limit=100", headers=admin).status_code == 200
