"""Malformed and hostile JSON against every main write endpoint: each answer is a 4xx
problem document that names what is wrong, never a 5xx, and nothing is stored anywhere (the
rows of every table are counted before and after; a PATCHed record reads back unchanged).

Every body is one valid request spoiled in one way, so the spoiling, not some other field,
is what the answer must be about."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.routing import StrictJsonRoute
from integration.imports import runner
from models import Vacancy
from runtime import strict_json
from tests.conftest import DEFAULT_MODEL
from tests.distribution.test_links import seed
from tests.security.support import changed, problem_failure, row_counts

JSON_LIMIT = 1024 * 1024  # Settings.max_json_bytes


@dataclass(frozen=True)
class Target:
    """A write endpoint and a valid body for it, with a slot (``%s``) for one text value
    and one for a number."""

    label: str
    method: str
    # Makes what the request needs (a vacancy for a campaign, the record to PATCH); the path.
    prepare: Callable[[TestClient, dict[str, str]], str]
    text_body: str
    number_body: str
    # A key at the top of the text body, sent twice for the duplicate-key case.
    top_key: str

    def text(self, value: bytes) -> bytes:
        return self.text_body.encode().replace(b"%s", value)

    def number(self, value: bytes) -> bytes:
        return self.number_body.encode().replace(b"%s", value)

    @property
    def valid(self) -> bytes:
        return self.text(b'"Archivaris"')


def _created(client: TestClient, headers: dict[str, str], path: str, body: Any) -> str:
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _vacancy(client: TestClient, headers: dict[str, str]) -> str:
    return _created(client, headers, "/v1/vacancies", {"title": "Archivaris"})


def _application(client: TestClient, headers: dict[str, str]) -> str:
    body = {
        "vacancy_id": _vacancy(client, headers),
        "candidate": {"name": "Eva de Vries", "email": "eva@example.org"},
        "consent": True,
    }
    return _created(client, headers, "/v1/applications", body)


TARGETS = [
    Target(
        "POST vacancy",
        "POST",
        lambda c, h: "/v1/vacancies",
        '{"title": %s, "description": "Collecties beheren."}',
        '{"title": "Archivaris", "hours_per_week": %s}',
        "title",
    ),
    Target(
        "PATCH vacancy",
        "PATCH",
        lambda c, h: f"/v1/vacancies/{_vacancy(c, h)}",
        '{"title": %s}',
        '{"hours_per_week": %s}',
        "title",
    ),
    Target(
        "POST candidate",
        "POST",
        lambda c, h: "/v1/candidates",
        '{"name": %s, "email": "eva@example.org"}',
        '{"name": "Eva", "education": [{"year": %s}]}',
        "name",
    ),
    Target(
        "PATCH candidate",
        "PATCH",
        lambda c, h: f"/v1/candidates/{_created(c, h, '/v1/candidates', {'name': 'Eva'})}",
        '{"headline": %s}',
        '{"location": {"lat": %s}}',
        "headline",
    ),
    Target(
        "POST application",
        "POST",
        lambda c, h: "/v1/applications",
        '{"vacancy_id": "VACANCY", "candidate": {"name": %s, "email": "eva@example.org"}, '
        '"consent": true}',
        '{"vacancy_id": "VACANCY", "candidate": {"name": "Eva", "email": "eva@example.org", '
        '"education": [{"year": %s}]}, "consent": true}',
        "consent",
    ),
    Target(
        "PATCH application",
        "PATCH",
        lambda c, h: f"/v1/applications/{_application(c, h)}",
        '{"status": "screening", "note": %s}',
        '{"status": "screening", "at": %s}',
        "note",
    ),
    Target(
        "POST campaign",
        "POST",
        lambda c, h: f"/v1/vacancies/{_vacancy(c, h)}/campaigns",
        '{"audience": {"type": "all"}, "channels": ["linkedin"], "message": %s}',
        '{"audience": {"type": "all"}, "channels": ["linkedin"], "reminder_after_hours": %s}',
        "message",
    ),
    Target(
        "POST employee",
        "POST",
        lambda c, h: "/v1/employees",
        '{"name": %s, "email": "anna@example.org"}',
        '{"name": "Anna", "email": "anna@example.org", "fields": [%s]}',
        "name",
    ),
    Target(
        "PATCH employee",
        "PATCH",
        lambda c, h: (
            "/v1/employees/"
            + _created(c, h, "/v1/employees", {"name": "Anna", "email": "anna@example.org"})
        ),
        '{"department": %s}',
        '{"fields": [%s]}',
        "department",
    ),
    Target(
        "POST webhook",
        "POST",
        lambda c, h: "/v1/webhooks",
        '{"url": "https://hooks.example.org/tm", "events": ["*"], "description": %s}',
        '{"url": "https://hooks.example.org/tm", "events": [%s]}',
        "description",
    ),
    Target(
        "PATCH webhook",
        "PATCH",
        lambda c, h: (
            "/v1/webhooks/"
            + _created(
                c, h, "/v1/webhooks", {"url": "https://hooks.example.org/a", "events": ["*"]}
            )
        ),
        '{"description": %s}',
        '{"enabled": %s}',
        "description",
    ),
]


@dataclass(frozen=True)
class Case:
    label: str
    body: Callable[[Target], bytes | Iterator[bytes]]
    # What the problem must mention (its detail or a field message).
    names: str
    statuses: tuple[int, ...] = (422,)
    content_type: str = "application/json"


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def _duplicate(target: Target) -> bytes:
    body = target.valid
    return b'{"%s": "dubbel", ' % target.top_key.encode() + body[1:]


def _chunks(total: int) -> Iterator[bytes]:
    # No Content-Length: the limit must hold while the body streams in.
    sent = 0
    while sent < total:
        yield b" " * 65536
        sent += 65536


CASES = [
    Case("truncated", lambda t: t.valid[: len(t.valid) // 2], "JSON decode error"),
    Case("trailing garbage", lambda t: t.valid + b' {"x": 1}', "Extra data"),
    Case("two documents", lambda t: t.valid + b"\n" + t.valid, "Extra data"),
    Case("array at the top", lambda t: b"[" + t.valid + b"]", "body"),
    Case("string at the top", lambda t: b'"Archivaris"', "body"),
    Case("number at the top", lambda t: b"42", "body"),
    Case("null at the top", lambda t: b"null", "body"),
    Case("empty body", lambda t: b"", "body"),
    Case("whitespace only", lambda t: b" \r\n\t ", "Expecting value"),
    Case("nested 10,000 deep", lambda t: _nested(10_000), "nested too deeply"),
    Case("nested 10,000 deep in a field", lambda t: t.text(_nested(10_000)), "nested too deeply"),
    Case("objects nested 10,000 deep", lambda t: b'{"a": ' * 10_000 + b"1" + b"}" * 10_000, "deep"),
    Case("duplicate key", _duplicate, "appears more than once"),
    Case("NaN", lambda t: t.number(b"NaN"), "NaN"),
    Case("Infinity", lambda t: t.number(b"Infinity"), "Infinity"),
    Case("-Infinity", lambda t: t.number(b"-Infinity"), "-Infinity"),
    Case("1e400", lambda t: t.number(b"1e400"), "out of range"),
    Case("-1e400", lambda t: t.number(b"-1e400"), "out of range"),
    Case("5,000-digit integer", lambda t: t.number(b"1" + b"0" * 5000), "digits"),
    Case("5,000-digit decimal", lambda t: t.number(b"1" * 5000 + b".5"), "out of range"),
    Case("Latin-1 byte", lambda t: t.text('"Café"'.encode("latin-1")), "not UTF-8"),
    Case("invalid UTF-8 sequence", lambda t: t.text(b'"\xc3\x28\xff"'), "not UTF-8"),
    Case("UTF-16 with BOM", lambda t: t.valid.decode().encode("utf-16"), "UTF-16"),
    Case("UTF-16 without BOM", lambda t: t.valid.decode().encode("utf-16-le"), "Expecting"),
    Case("UTF-32 with BOM", lambda t: t.valid.decode().encode("utf-32"), "UTF-32"),
    Case("lone surrogate", lambda t: t.text(b'"Archi\\ud800varis"'), "surrogate"),
    Case("lone low surrogate", lambda t: t.text(b'"\\udfffArchivaris"'), "surrogate"),
    Case("lone surrogate in a key", lambda t: b'{"\\ud800": 1, ' + t.valid[1:], "surrogate"),
    Case("escaped NUL", lambda t: t.text(b'"Archi\\u0000varis"'), "NUL"),
    Case("escaped NUL in a key", lambda t: b'{"a\\u0000": 1, ' + t.valid[1:], "NUL"),
    Case("raw NUL byte in a string", lambda t: t.text(b'"Archi\x00varis"'), "control character"),
    Case("raw control character", lambda t: t.text(b'"Archi\x1bvaris"'), "control character"),
    Case("string of 900,000 characters", lambda t: t.text(b'"' + b"x" * 900_000 + b'"'), "at most"),
    Case(
        "body over the limit",
        lambda t: t.text(b'"' + b"x" * JSON_LIMIT + b'"'),
        "exceeds",
        statuses=(413,),
    ),
    Case(
        "streamed over the limit",
        lambda t: _chunks(JSON_LIMIT + 65536),
        "exceeds",
        statuses=(413,),
    ),
    Case("text/plain body", lambda t: t.valid, "body", content_type="text/plain"),
    Case(
        "form body",
        lambda t: b"title=Archivaris",
        "body",
        content_type="application/x-www-form-urlencoded",
    ),
]


def _snapshot(client: TestClient, headers: dict[str, str], target: Target, path: str) -> Any:
    if target.method != "PATCH":
        return None
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.label)
def test_hostile_bodies_are_refused_and_store_nothing(
    target: Target, client: TestClient, admin: dict[str, str], db: Session
) -> None:
    path = target.prepare(client, admin)
    vacancy_id = _vacancy(client, admin) if "VACANCY" in target.text_body else None
    record = _snapshot(client, admin, target, path)
    failures: list[str] = []
    for case in CASES:
        body = case.body(target)
        if vacancy_id and isinstance(body, bytes):
            body = body.replace(b"VACANCY", vacancy_id.encode())
        before = row_counts(db)
        response = client.request(
            target.method,
            path,
            content=body,
            headers={**admin, "Content-Type": case.content_type},
        )
        problem = problem_failure(response, case.statuses, case.names)
        if problem:
            failures.append(f"{case.label}: {problem}")
        stored = changed(before, row_counts(db))
        if stored:
            failures.append(f"{case.label}: stored {stored}")
        if record is not None and _snapshot(client, admin, target, path) != record:
            failures.append(f"{case.label}: changed the record")
    # The endpoint itself works: the valid body is taken, so every refusal above was about
    # the spoiling.
    valid = target.valid
    if vacancy_id:
        valid = valid.replace(b"VACANCY", vacancy_id.encode())
    response = client.request(
        target.method, path, content=valid, headers={**admin, "Content-Type": "application/json"}
    )
    assert response.status_code in (200, 201), response.text
    assert not failures, "\n".join(failures)


def test_json_errors_name_the_body_and_where(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post(
        "/v1/employees",
        content=b'{"name": "Anna", "email": "anna@example.org",}',
        headers={**admin, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("the request body is not valid JSON: JSON decode error")
    assert body["errors"] == [
        {
            "field": "body",
            "message": "JSON decode error: Expecting property name enclosed in double quotes "
            "(at character 45)",
        }
    ]
    nested = client.post(
        "/v1/candidates",
        content=json.dumps({"name": "Eva", "experience": [{"title": "A\x00"}]}).encode(),
        headers={**admin, "Content-Type": "application/json"},
    )
    assert nested.status_code == 422
    assert "experience.0.title contains the NUL character" in nested.json()["detail"]


def test_a_utf8_byte_order_mark_is_ignored(client: TestClient, admin: dict[str, str]) -> None:
    # RFC 8259 lets a reader ignore one; spreadsheet exports and some clients send it.
    response = client.post(
        "/v1/vacancies",
        content=b"\xef\xbb\xbf" + json.dumps({"title": "Archivaris"}).encode(),
        headers={**admin, "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["title"] == "Archivaris"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/vacancies?external_id=%00", "external_id"),
        ("/v1/candidates?external_id=a%00b", "external_id"),
        ("/v1/candidates?email=eva%00@example.org", "email"),
        ("/v1/employees?department=Digitaal%00", "department"),
        ("/v1/employees?limit=5&external_id=%00", "external_id"),
        ("/v1/vacancies?a%00=1", "a\\u0000"),
    ],
)
def test_a_nul_in_a_query_parameter_is_a_422_naming_it(
    client: TestClient, admin: dict[str, str], path: str, field: str
) -> None:
    response = client.get(path, headers=admin)
    assert problem_failure(response, (422,), field) is None, response.text
    assert response.json()["errors"] == [
        {"field": field, "message": "may not contain the NUL character (%00)"}
    ]


def test_a_nul_in_a_path_is_not_found(client: TestClient, admin: dict[str, str]) -> None:
    for path in ("/v1/vacancies/%00", "/jobs/koninklijke%00bibliotheek/x", "/r/abc%00def"):
        response = client.get(path, headers=admin, follow_redirects=False)
        assert problem_failure(response, (404,), "NUL") is None, (path, response.text)
    page = client.get("/jobs/kb%00/x", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "NUL character" in page.text


NDJSON = {"Content-Type": "application/x-ndjson"}


@pytest.mark.parametrize(
    ("body", "names"),
    [
        (b'{"title": "Archi\x00varis"}\n', "NUL character (line 1)"),
        (b'{"title": "Archivaris"}\n\x00\n', "NUL character (line 2)"),
        ('{"title": "Archivaris"}\n'.encode("utf-16"), "not UTF-8"),
        (b'{"title": "Caf\xe9"}\n', "not UTF-8"),
        (b"\n\n  \n", "no rows"),
    ],
)
def test_an_import_file_that_is_not_text_is_refused_whole(
    client: TestClient, admin: dict[str, str], db: Session, body: bytes, names: str
) -> None:
    before = row_counts(db)
    response = client.post("/v1/imports?kind=vacancies", content=body, headers=admin | NDJSON)
    assert problem_failure(response, (422,), names) is None, response.text
    assert changed(before, row_counts(db)) == {}


def test_an_employee_csv_with_a_nul_is_refused_whole(
    client: TestClient, admin: dict[str, str], db: Session
) -> None:
    before = row_counts(db)
    response = client.post(
        "/v1/employees/import",
        content=b"name,email\nAnna,anna@example.org\nJan\x00,jan@example.org\n",
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert problem_failure(response, (422,), "NUL character on line 3") is None, response.text
    assert changed(before, row_counts(db)) == {}


def test_hostile_rows_of_an_import_fail_alone(
    app: FastAPI,
    client: TestClient,
    admin: dict[str, str],
    db: Session,
    session_factory: sessionmaker[Session],
) -> None:
    """A bad row is the row's own problem (reported with its line) and stores nothing; the
    good rows around it are imported."""
    rows = [
        b'{"title": "Archivaris"}',
        b'{"title": "Archi\\u0000varis"}',
        b'{"title": "Archi\\ud800varis"}',
        b'{"title": "A", "title": "B"}',
        b'{"title": "Archivaris", "hours_per_week": NaN}',
        b'{"title": "Archivaris", "hours_per_week": 1e400}',
        b'{"title": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"title": "Archiv',
        b'{"title": "Conservator"}',
    ]
    response = client.post(
        "/v1/imports?kind=vacancies", content=b"\n".join(rows), headers=admin | NDJSON
    )
    assert response.status_code == 202, response.text
    job = response.json()
    runner.run(session_factory, app.state.celery, UUID(job["id"]), DEFAULT_MODEL, budget=600)
    answer = client.get(f"/v1/imports/{job['id']}/errors", headers=admin)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert [(r["line"], r["errors"][0]["message"]) for r in report["data"]] == [
        (
            2,
            "not JSON: the text at title contains the NUL character (\\u0000), which no text "
            "field can hold",
        ),
        (
            3,
            "not JSON: the text at title contains a lone surrogate (\\ud800), which is not "
            "Unicode text",
        ),
        (4, "not JSON: the key 'title' appears more than once in one object"),
        (5, "not JSON: NaN is not a JSON number"),
        (6, "not JSON: the number 1e400 is out of range"),
        (7, "not JSON: nested too deeply"),
        (8, "not JSON: Unterminated string starting at: line 1 column 11 (char 10)"),
    ]
    titles = db.scalars(select(Vacancy.title).order_by(Vacancy.title)).all()
    assert titles == ["Archivaris", "Conservator"]


OPTIONAL_BODY = ("empty body", "whitespace only")


def test_the_public_reshare_route_refuses_hostile_json(client: TestClient, db: Session) -> None:
    """The one JSON route that needs no key: a visitor's request for a link of their own."""
    code = seed(db, apply_url=None).link.code
    target = Target(
        "reshare", "POST", lambda c, h: "", '{"channel": %s}', '{"channel": %s}', "channel"
    )
    failures = []
    for case in CASES:
        # A form post is the vacancy page's (refused without its token); no body at all is
        # a request for a direct link.
        if case.content_type != "application/json" or case.label in OPTIONAL_BODY:
            continue
        before = row_counts(db)
        response = client.post(
            f"/r/{code}/reshare",
            content=case.body(target),
            headers={"Content-Type": "application/json"},
        )
        problem = problem_failure(response, case.statuses, "")
        if problem:
            failures.append(f"{case.label}: {problem}")
        if changed(before, row_counts(db)):
            failures.append(f"{case.label}: stored something")
    assert not failures, "\n".join(failures)
    made = client.post(f"/r/{code}/reshare", json={"channel": "whatsapp"})
    assert made.status_code == 201, made.text


def test_every_api_route_reads_json_strictly(app: FastAPI) -> None:
    loose = [
        route.path
        for route in app.routes
        if isinstance(route, APIRoute)
        and route.path.startswith(("/v1/", "/r/"))
        and not isinstance(route, StrictJsonRoute)
    ]
    assert loose == []


def test_strict_json_keeps_all_that_is_json() -> None:
    assert strict_json.loads(b'{"a": "\\ud83d\\ude80"}') == {"a": "🚀"}  # a surrogate pair
    assert strict_json.loads(b'{"a": "\\\\u0000"}') == {"a": "\\u0000"}  # an escaped backslash
    assert strict_json.loads(b'{"a": 1e308, "b": -0.0, "c": ' + b"9" * 100 + b"}") == {
        "a": 1e308,
        "b": -0.0,
        "c": int("9" * 100),
    }
    nested: Any = []
    for _ in range(99):
        nested = [nested]
    assert strict_json.loads(b"[" * 100 + b"]" * 100) == nested
    assert strict_json.loads('{"a": [{"a": 1}, {"a": 2}]}') == {"a": [{"a": 1}, {"a": 2}]}
    with pytest.raises(strict_json.JsonError, match="more than 100 digits"):
        strict_json.loads(b"1" * 101)
