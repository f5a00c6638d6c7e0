"""Bulk imports: staging, row-by-row reports, batches indexed, CSV and NDJSON, the formats,
upsert, scopes; the runner is called here as a worker would call it."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from integration.imports import runner
from matching.retrieval import pools
from models import Candidate, Employee, Event, ImportRow, OutboxJob, Vacancy
from tests.conftest import DEFAULT_MODEL, KeyMaker, bearer
from tests.integration.test_formats import JOB_POSTING, JSON_RESUME

NDJSON = {"Content-Type": "application/x-ndjson"}
CSV = {"Content-Type": "text/csv"}


def _lines(*rows: Any) -> bytes:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows).encode()


def _start(
    client: TestClient, headers: dict[str, str], body: bytes, **params: str
) -> dict[str, Any]:
    response = client.post("/v1/imports", params=params, content=body, headers=headers)
    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"/v1/imports/{response.json()['id']}"
    data: dict[str, Any] = response.json()
    return data


def _run(app: FastAPI, factory: sessionmaker[Session], import_id: str) -> None:
    more = runner.run(factory, app.state.celery, UUID(import_id), DEFAULT_MODEL, budget=600)
    assert more is False


def test_good_rows_import_and_bad_rows_are_reported(
    app: FastAPI, client: TestClient, admin: dict[str, str], db: Session, session_factory: Any
) -> None:
    good = [
        {"name": f"Kandidaat {i}", "email": f"k{i}@example.org", "skills": ["archiveren"]}
        for i in range(5)
    ]
    body = _lines(
        good[0],
        good[1],
        "{not json",
        "",
        '["an", "array"]',
        {"name": "Fout", "email": "not-an-email"},
        good[2],
        {"name": "Dubbel", "email": "k0@example.org"},
        good[3],
        good[4],
        {"name": "Onbekend veld", "hobby": "zeilen"},
    )
    job = _start(client, admin | NDJSON, body, kind="candidates")
    assert job["status"] == "queued"
    assert job["total_rows"] == 10  # the blank line is no row
    assert job["format"] == "ndjson"
    assert job["schema"] == "talentmesh"
    _run(app, session_factory, job["id"])

    done = client.get(f"/v1/imports/{job['id']}", headers=admin).json()
    assert done["status"] == "completed"
    assert (done["succeeded_rows"], done["failed_rows"], done["pending_rows"]) == (5, 5, 0)
    assert done["progress"] == 1.0
    assert done["started_at"] is not None
    assert done["finished_at"] is not None

    report = client.get(f"/v1/imports/{job['id']}/errors", headers=admin).json()
    assert [(r["line"], [e["field"] for e in r["errors"]]) for r in report["data"]] == [
        (3, ["row"]),
        (5, ["row"]),
        (6, ["email"]),
        (8, ["row"]),
        (11, ["hobby"]),
    ]
    assert report["data"][0]["row"] == "{not json"
    assert report["data"][2]["row"] == {"name": "Fout", "email": "not-an-email"}
    assert "already exists" in report["data"][3]["errors"][0]["message"]

    stored = db.scalars(select(Candidate).order_by(Candidate.email)).all()
    assert [c.email for c in stored] == [f"k{i}@example.org" for i in range(5)]
    assert all(c.indexed_at is not None for c in stored)
    created = db.scalar(select(func.count()).where(Event.type == "candidate.created"))
    assert created == 5
    [completed] = db.scalars(select(Event).where(Event.type == "import.completed")).all()
    assert completed.data["succeeded_rows"] == 5
    # Imported rows keep no copy of what they became; failed rows keep theirs.
    raws = db.scalars(select(ImportRow.raw).where(ImportRow.status == "done")).all()
    assert raws == [None] * 5


def test_csv_vacancies_with_nested_and_list_columns(
    app: FastAPI, client: TestClient, admin: dict[str, str], db: Session, session_factory: Any
) -> None:
    body = (
        b"external_id,title,required_skills,location.city,location.country,salary.min,"
        b"salary.max,remote,employment_type\n"
        b'V-1,Archivaris,"archiveren; metadata",Leiden,NL,3000,4200,true,full_time\n'
        b"V-2,Conservator,restauratie,Amsterdam,NL,,,false,sometimes\n"
        b",,,,,,,,\n"
        b"V-3,Bibliothecaris,,Den Haag,,,,,part_time,extra\n"
    )
    job = _start(client, admin | CSV, body, kind="vacancies")
    assert job["total_rows"] == 3
    _run(app, session_factory, job["id"])
    report = client.get(f"/v1/imports/{job['id']}/errors", headers=admin).json()["data"]
    assert [(r["line"], r["errors"][0]["field"]) for r in report] == [
        (3, "employment_type"),
        (5, "row"),
    ]
    [vacancy] = db.scalars(select(Vacancy)).all()
    assert vacancy.external_id == "V-1"
    assert vacancy.required_skills == ["archiveren", "metadata"]
    assert vacancy.location_city == "Leiden"
    assert float(vacancy.salary_min or 0) == 3000
    assert vacancy.remote is True
    # Indexed in its batch, and its match pool queued for the worker.
    queued = db.scalars(select(OutboxJob.kwargs).where(OutboxJob.task == pools.TASK)).all()
    assert [job for job in queued if job["vacancy_id"] == str(vacancy.id)] == [
        {"vacancy_id": str(vacancy.id)}
    ]


def test_files_that_cannot_be_read_store_nothing(
    client: TestClient, admin: dict[str, str], db: Session
) -> None:
    unknown = client.post(
        "/v1/imports",
        params={"kind": "candidates"},
        content=b"name,favourite_colour\nEva,blue\n",
        headers=admin | CSV,
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "header"
    assert "favourite_colour" in unknown.json()["detail"]
    latin1 = client.post(
        "/v1/imports",
        params={"kind": "candidates"},
        content='{"name": "Zoë"}'.encode("latin-1"),
        headers=admin | NDJSON,
    )
    assert latin1.status_code == 422
    assert "UTF-8" in latin1.json()["detail"]
    empty = client.post(
        "/v1/imports", params={"kind": "candidates"}, content=b"\n\n", headers=admin | NDJSON
    )
    assert empty.status_code == 422
    wrong_schema = client.post(
        "/v1/imports",
        params={"kind": "employees", "schema": "jsonresume"},
        content=b"{}",
        headers=admin | NDJSON,
    )
    assert wrong_schema.status_code == 422
    pdf = client.post(
        "/v1/imports",
        params={"kind": "candidates"},
        content=b"%PDF",
        headers=admin | {"Content-Type": "application/pdf"},
    )
    assert pdf.status_code == 415
    assert client.get("/v1/imports", headers=admin).json()["data"] == []
    assert db.scalar(select(func.count()).select_from(ImportRow)) == 0


def test_json_resume_and_job_posting_rows(
    app: FastAPI, client: TestClient, admin: dict[str, str], db: Session, session_factory: Any
) -> None:
    resume = dict(JSON_RESUME) | {"awards": []}
    other = dict(JSON_RESUME) | {"meta": {"externalId": "ATS-89"}, "basics": {"name": "Sam"}}
    job = _start(
        client, admin | NDJSON, _lines(resume, other), kind="candidates", schema="jsonresume"
    )
    _run(app, session_factory, job["id"])
    done = client.get(f"/v1/imports/{job['id']}", headers=admin).json()
    assert done["succeeded_rows"] == 2
    assert done["ignored_properties"] == {"awards": 1}
    assert {c.external_id for c in db.scalars(select(Candidate))} == {"ATS-88", "ATS-89"}

    postings = _lines(JOB_POSTING, {**JOB_POSTING, "identifier": "KB-2", "industry": "x"})
    job = _start(client, admin | NDJSON, postings, kind="vacancies", schema="jobposting")
    _run(app, session_factory, job["id"])
    done = client.get(f"/v1/imports/{job['id']}", headers=admin).json()
    assert (done["succeeded_rows"], done["ignored_properties"]) == (2, {"industry": 1})


def test_upsert_updates_by_external_id_and_email(
    app: FastAPI, client: TestClient, admin: dict[str, str], db: Session, session_factory: Any
) -> None:
    first = _lines(
        {"external_id": "C-1", "name": "Eva", "headline": "Docent"},
        {"name": "Sam", "email": "sam@example.org", "skills": ["lesgeven"]},
    )
    _run(app, session_factory, _start(client, admin | NDJSON, first, kind="candidates")["id"])
    again = _lines(
        {"external_id": "C-1", "headline": "Archivaris"},
        {"email": "SAM@example.org", "skills": ["archiveren"]},
        {"name": "Nieuw"},
    )
    create = _start(client, admin | NDJSON, again, kind="candidates")
    _run(app, session_factory, create["id"])
    assert client.get(f"/v1/imports/{create['id']}", headers=admin).json()["failed_rows"] == 2
    upsert = _start(client, admin | NDJSON, again, kind="candidates", mode="upsert")
    _run(app, session_factory, upsert["id"])
    result = client.get(f"/v1/imports/{upsert['id']}", headers=admin).json()
    assert (result["succeeded_rows"], result["failed_rows"]) == (3, 0)
    stored = db.scalars(select(Candidate)).all()
    by_name = {c.name: c for c in stored}
    assert by_name["Eva"].headline == "Archivaris"
    assert by_name["Sam"].skills == ["archiveren"]
    # Eva, Sam, and "Nieuw" from each of the last two imports (it has no key to match).
    assert sorted(c.name or "" for c in stored) == ["Eva", "Nieuw", "Nieuw", "Sam"]


def test_employees_import_and_scopes(
    app: FastAPI, client: TestClient, make_key: KeyMaker, db: Session, session_factory: Any
) -> None:
    admin = bearer(make_key())
    body = b"name,email,department,channels\nAnna,anna@kb.example,Collecties,linkedin;x\n"
    job = _start(client, admin | CSV, body, kind="employees")
    _run(app, session_factory, job["id"])
    [anna] = db.scalars(select(Employee)).all()
    assert anna.channels == ["linkedin", "x"]

    importer = bearer(make_key(scopes="imports:write,candidates:write"))
    denied = client.post(
        "/v1/imports", params={"kind": "employees"}, content=body, headers=importer | CSV
    )
    assert denied.status_code == 403
    assert "distribution:write" in denied.json()["detail"]
    no_imports = bearer(make_key(scopes="candidates:write"))
    assert (
        client.post(
            "/v1/imports", params={"kind": "candidates"}, content=b"{}", headers=no_imports | NDJSON
        ).status_code
        == 403
    )


def test_cancel_leaves_pending_rows_out_and_isolation(
    app: FastAPI, client: TestClient, make_key: KeyMaker, session_factory: Any
) -> None:
    kb = bearer(make_key(org="Koninklijke Bibliotheek"))
    archive = bearer(make_key(org="Stadsarchief"))
    job = _start(client, kb | NDJSON, _lines({"name": "Eva"}), kind="candidates")
    for response in (
        client.get(f"/v1/imports/{job['id']}", headers=archive),
        client.get(f"/v1/imports/{job['id']}/errors", headers=archive),
        client.post(f"/v1/imports/{job['id']}/cancel", headers=archive),
    ):
        assert response.status_code == 404
    cancelled = client.post(f"/v1/imports/{job['id']}/cancel", headers=kb).json()
    assert cancelled["status"] == "cancelled"
    _run(app, session_factory, job["id"])
    after = client.get(f"/v1/imports/{job['id']}", headers=kb).json()
    assert (after["status"], after["succeeded_rows"], after["pending_rows"]) == ("cancelled", 0, 1)
    assert client.post(f"/v1/imports/{job['id']}/cancel", headers=kb).status_code == 409


def test_multipart_upload_and_idempotency(client: TestClient, admin: dict[str, str]) -> None:
    data = b"name,email\nEva,eva@example.org\n"
    files = {"file": ("kandidaten.csv", data, "text/csv")}
    form = client.post("/v1/imports", params={"kind": "candidates"}, files=files, headers=admin)
    assert form.status_code == 202, form.text
    assert form.json()["filename"] == "kandidaten.csv"
    assert form.json()["format"] == "csv"
    # A retried upload with the same key starts no second import.
    headers = admin | CSV | {"Idempotency-Key": "import-1"}
    first = client.post("/v1/imports", params={"kind": "candidates"}, content=data, headers=headers)
    again = client.post("/v1/imports", params={"kind": "candidates"}, content=data, headers=headers)
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert len(client.get("/v1/imports", headers=admin).json()["data"]) == 2


def test_ndjson_lines_end_at_newlines_only(
    app: FastAPI, client: TestClient, admin: dict[str, str], db: Session, session_factory: Any
) -> None:
    # U+2028 and U+0085 are valid inside JSON strings; a line splitter that honours them
    # would cut this record in two.
    summary = "Archivaris\u2028collectiebeheer\x85en digitalisering"
    first = json.dumps({"name": "Eva de Vries", "summary": summary}, ensure_ascii=False)
    body = "\r\n".join([first, "[" * 100_000, json.dumps({"name": "Femke Jansen"}), ""]).encode()
    job = _start(client, admin | NDJSON, body, kind="candidates")
    assert job["total_rows"] == 3
    _run(app, session_factory, job["id"])
    report = client.get(f"/v1/imports/{job['id']}/errors", headers=admin).json()
    assert [(r["line"], r["errors"][0]["message"]) for r in report["data"]] == [
        (2, "not JSON: nested too deeply")
    ]
    stored = db.scalars(select(Candidate).order_by(Candidate.name)).all()
    assert [(c.name, c.summary) for c in stored] == [
        ("Eva de Vries", summary),
        ("Femke Jansen", ""),
    ]


def test_deeply_nested_json_body_is_a_400(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post(
        "/v1/candidates?format=jsonresume",
        content=b"[" * 100_000,
        headers=admin | {"Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"
