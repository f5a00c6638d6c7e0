"""/v1/employees through the API: CRUD, validation, conflicts, isolation, scopes,
pagination, opting out and in, and the CSV import."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import KeyMaker, bearer

ANNA: dict[str, Any] = {
    "external_id": "HR-001",
    "name": "Anna de Vries",
    "email": " Anna.deVries@KB.example ",
    "department": "Digitale diensten",
    "fields": ["Python", "Linked Data"],
    "channels": ["linkedin", "X", "linkedin"],
}
CSV = {"Content-Type": "text/csv"}


def post(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post("/v1/employees", json=body, headers=headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def test_create_and_read_back(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post("/v1/employees", json=ANNA, headers=admin)
    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"/v1/employees/{body['id']}"
    assert {k: v for k, v in body.items() if k not in ("id", "created_at", "updated_at")} == {
        "external_id": "HR-001",
        "name": "Anna de Vries",
        "email": "anna.devries@kb.example",
        "department": "Digitale diensten",
        "fields": ["Python", "Linked Data"],
        "channels": ["linkedin", "x"],
        "opted_in_at": None,
        "opted_out_at": None,
        "opted_out": False,
    }
    assert client.get(f"/v1/employees/{body['id']}", headers=admin).json() == body


def test_validation_errors_name_the_fields(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post(
        "/v1/employees",
        json={
            "email": "not-an-address",
            "channels": ["linkedin", "myspace"],
            "fields": ["x" * 201],
            "opted_out_at": "2026-01-01T10:00:00",
            "team": "ICT",
        },
        headers=admin,
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert sorted(e["field"] for e in response.json()["errors"]) == [
        "channels.1",
        "email",
        "fields.0",
        "name",
        "opted_out_at",
        "team",
    ]
    unknown = client.post(
        "/v1/employees",
        json={"name": "A", "email": "a@kb.example", "fields": ["http://example.org/nope"]},
        headers=admin,
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [
        {
            "field": "fields.0",
            "message": "no imported taxonomy has the concept 'http://example.org/nope'",
        }
    ]


def test_duplicates_answer_409_with_existing_id(client: TestClient, admin: dict[str, str]) -> None:
    anna = post(client, admin, **ANNA)
    same_email = client.post(
        "/v1/employees", json={"name": "Other", "email": "ANNA.devries@kb.example"}, headers=admin
    )
    assert same_email.status_code == 409
    assert same_email.json()["existing_id"] == anna["id"]
    same_id = client.post(
        "/v1/employees",
        json={"name": "Other", "email": "o@kb.example", "external_id": "HR-001"},
        headers=admin,
    )
    assert same_id.status_code == 409
    assert same_id.json()["existing_id"] == anna["id"]
    bram = post(client, admin, name="Bram", email="bram@kb.example")
    taken = client.patch(
        f"/v1/employees/{bram['id']}", json={"email": "anna.devries@kb.example"}, headers=admin
    )
    assert taken.status_code == 409
    assert taken.json()["existing_id"] == anna["id"]
    listed = client.get("/v1/employees", headers=admin).json()["data"]
    assert [e["email"] for e in listed] == ["anna.devries@kb.example", "bram@kb.example"]


def test_patch_changes_only_what_is_sent(client: TestClient, admin: dict[str, str]) -> None:
    anna = post(client, admin, **ANNA)
    path = f"/v1/employees/{anna['id']}"
    patched = client.patch(
        path,
        json={
            "department": None,
            "channels": ["email"],
            "opted_in_at": "2026-03-01T09:00:00+01:00",
        },
        headers=admin,
    )
    assert patched.status_code == 200
    body = patched.json()
    assert body["department"] is None
    assert body["channels"] == ["email"]
    assert body["opted_in_at"] == "2026-03-01T08:00:00Z"
    assert body["fields"] == ANNA["fields"]
    assert body["updated_at"] > anna["updated_at"]
    refused = client.patch(path, json={"name": None, "fields": None}, headers=admin)
    assert refused.status_code == 422
    assert sorted(e["field"] for e in refused.json()["errors"]) == ["fields", "name"]


def test_opt_out_and_opt_in(client: TestClient, admin: dict[str, str]) -> None:
    anna = post(client, admin, **ANNA)
    path = f"/v1/employees/{anna['id']}"
    out = client.post(f"{path}/opt-out", headers=admin)
    assert out.status_code == 200
    assert out.json()["opted_out"] is True
    assert out.json()["opted_out_at"] is not None
    assert client.post(f"{path}/opt-out", headers=admin).json() == out.json()
    listed = client.get("/v1/employees?opted_out=true", headers=admin).json()["data"]
    assert [e["id"] for e in listed] == [anna["id"]]
    back = client.post(f"{path}/opt-in", headers=admin).json()
    assert (back["opted_out"], back["opted_out_at"]) == (False, None)
    assert back["opted_in_at"] >= out.json()["opted_out_at"]
    assert client.get("/v1/employees?opted_out=true", headers=admin).json()["data"] == []
    # PATCH may set either time directly, for example when syncing from another system.
    synced = client.patch(path, json={"opted_out_at": "2026-05-01T12:00:00Z"}, headers=admin)
    assert (synced.json()["opted_out"], synced.json()["opted_out_at"]) == (
        True,
        "2026-05-01T12:00:00Z",
    )


def test_delete(client: TestClient, admin: dict[str, str]) -> None:
    anna = post(client, admin, **ANNA)
    path = f"/v1/employees/{anna['id']}"
    deleted = client.delete(path, headers=admin)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert client.get(path, headers=admin).status_code == 404
    assert client.delete(path, headers=admin).status_code == 404
    # The address is free again.
    assert client.post("/v1/employees", json=ANNA, headers=admin).status_code == 201


def test_filters_and_pagination(client: TestClient, admin: dict[str, str]) -> None:
    ids = [
        post(client, admin, name=f"E{i}", email=f"e{i}@kb.example", department=dept)["id"]
        for i, dept in enumerate(["ICT", "Collecties", "ICT"])
    ]
    first = client.get("/v1/employees?limit=2", headers=admin)
    page = first.json()
    assert [e["id"] for e in page["data"]] == ids[:2]
    assert page["next_cursor"]
    assert 'rel="next"' in first.headers["link"]
    second = client.get(
        "/v1/employees", params={"limit": 2, "cursor": page["next_cursor"]}, headers=admin
    ).json()
    assert [e["id"] for e in second["data"]] == ids[2:]
    assert second["next_cursor"] is None
    ict = client.get("/v1/employees?department=ICT", headers=admin).json()["data"]
    assert [e["id"] for e in ict] == [ids[0], ids[2]]
    assert client.get("/v1/employees?external_id=nope", headers=admin).json()["data"] == []
    bad = client.get("/v1/employees?cursor=forged.cursor", headers=admin)
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "cursor"


def test_another_organisations_employee_is_404(
    client: TestClient, admin: dict[str, str], make_key: KeyMaker
) -> None:
    anna = post(client, admin, **ANNA)
    archive = bearer(make_key(org="Stadsarchief"))
    path = f"/v1/employees/{anna['id']}"
    for response in (
        client.get(path, headers=archive),
        client.patch(path, json={"name": "Overgenomen"}, headers=archive),
        client.delete(path, headers=archive),
        client.post(f"{path}/opt-out", headers=archive),
        client.post(f"{path}/opt-in", headers=archive),
    ):
        assert response.status_code == 404
        assert "Anna" not in response.text
    assert client.get("/v1/employees", headers=archive).json()["data"] == []
    # Unique per organisation, not globally.
    assert client.post("/v1/employees", json=ANNA, headers=archive).status_code == 201
    assert client.get(path, headers=admin).json()["name"] == "Anna de Vries"


def test_scopes(client: TestClient, admin: dict[str, str], make_key: KeyMaker) -> None:
    anna = post(client, admin, **ANNA)
    vacancies_only = bearer(make_key(scopes="vacancies:read"))
    reader = bearer(make_key(scopes="distribution:read"))
    for response in (
        client.get("/v1/employees", headers=vacancies_only),
        client.get(f"/v1/employees/{anna['id']}", headers=vacancies_only),
        client.post("/v1/employees", json={"name": "B", "email": "b@kb.example"}, headers=reader),
        client.patch(f"/v1/employees/{anna['id']}", json={"name": "B"}, headers=reader),
        client.post(f"/v1/employees/{anna['id']}/opt-out", headers=reader),
        client.delete(f"/v1/employees/{anna['id']}", headers=reader),
        client.post("/v1/employees/import", content=b"name,email\n", headers=reader | CSV),
    ):
        assert response.status_code == 403, response.request.url
    assert client.get("/v1/employees", headers=reader).status_code == 200
    assert client.get("/v1/employees").status_code == 401


def test_fixed_paths_under_employees_are_not_taken_for_an_id(
    client: TestClient, admin: dict[str, str]
) -> None:
    # /v1/employees/leaderboard belongs to the rewards routes; it must never reach the
    # per-employee route and fail there as an invalid id.
    response = client.get("/v1/employees/leaderboard", headers=admin)
    assert response.status_code in (200, 404)
    assert client.get("/v1/employees/not-an-id", headers=admin).status_code == 404


# --- CSV import ---

FILE = (
    "\ufeffexternal_id,name,email,department,fields,channels,opted_out\r\n"
    "HR-1,Anna de Vries,anna@kb.example,Digitale diensten,Python;Linked Data,linkedin;x,\r\n"
    ",Bram Jansen,bram@kb.example,Collecties,bibliotheekwerk,email,true\r\n"
)


def test_import(client: TestClient, admin: dict[str, str]) -> None:
    first = client.post("/v1/employees/import", content=FILE.encode(), headers=admin | CSV)
    assert first.status_code == 200, first.text
    assert first.json() == {"created": 2, "updated": 0, "unchanged": 0}
    again = client.post("/v1/employees/import", content=FILE.encode(), headers=admin | CSV)
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 2}
    listed = client.get("/v1/employees", headers=admin).json()["data"]
    assert [(e["external_id"], e["email"], e["channels"], e["opted_out"]) for e in listed] == [
        ("HR-1", "anna@kb.example", ["linkedin", "x"], False),
        (None, "bram@kb.example", ["email"], True),
    ]


def test_import_refuses_the_whole_file_on_one_bad_row(
    client: TestClient, admin: dict[str, str]
) -> None:
    body = FILE + "HR-3,Chris,chris@,,,,\r\nHR-1,Dirk,dirk@kb.example,,,telegram,\r\n"
    response = client.post("/v1/employees/import", content=body.encode(), headers=admin | CSV)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["line 4: email", "line 5: channels.0"]
    assert response.json()["detail"] == "the file was not imported: 2 problem(s) in 2 place(s)"
    duplicate = FILE + "HR-1,Dirk,dirk@kb.example,,,,\r\n"
    response = client.post("/v1/employees/import", content=duplicate.encode(), headers=admin | CSV)
    assert response.json()["errors"] == [
        {"field": "line 4: external_id", "message": "same external_id as line 2"}
    ]
    assert client.get("/v1/employees", headers=admin).json()["data"] == []


@pytest.mark.parametrize(
    ("content_type", "status"), [("application/json", 415), ("text/csv; charset=utf-8", 200)]
)
def test_import_media_type(
    client: TestClient, admin: dict[str, str], content_type: str, status: int
) -> None:
    response = client.post(
        "/v1/employees/import",
        content=b"name,email\nAnna,anna@kb.example\n",
        headers=admin | {"Content-Type": content_type},
    )
    assert response.status_code == status


def test_import_body_is_limited(client: TestClient, admin: dict[str, str]) -> None:
    limit = client.app.state.settings.max_json_bytes  # type: ignore[attr-defined]
    row = "Anna,anna@kb.example\n"
    body = ("name,email\n" + row * (limit // len(row) + 1)).encode()
    response = client.post("/v1/employees/import", content=body, headers=admin | CSV)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"

    def chunks() -> Any:  # streamed, without a Content-Length
        yield b"name,email\n"
        for _ in range(limit // 1000 + 1):
            yield row.encode() * 50

    streamed = client.post("/v1/employees/import", content=chunks(), headers=admin | CSV)
    assert streamed.status_code == 413
    not_utf8 = client.post(
        "/v1/employees/import", content=b"name,email\nJos\xe9,j@kb.example\n", headers=admin | CSV
    )
    assert not_utf8.status_code == 422
    assert not_utf8.json()["errors"][0]["field"] == "csv"
