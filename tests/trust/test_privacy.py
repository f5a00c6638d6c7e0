"""Data-subject rights through the API: export, delete, erase with a tombstone, and the
retention rule; and the key's last use."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    ApiKey,
    Application,
    Candidate,
    ConceptMention,
    Event,
    IdempotencyKey,
    SectionEmbedding,
)
from runtime.celery_app import BEAT_SCHEDULE
from runtime.logging import AccessLogRedaction
from tests.api.test_matches_api import PEOPLE, PYTHON_VACANCY, create
from tests.conftest import KeyMaker, bearer
from trust.privacy import retention

Headers = dict[str, str]
PERSON = {**PEOPLE["dev"], "email": "daan@example.org", "phone": "+31 6 5555 1234"}


def count(db: Session, model: Any, *where: Any) -> int:
    return int(db.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def applied(client: TestClient, admin: Headers) -> tuple[str, str, str]:
    candidate = create(client, admin, "/v1/candidates", PERSON)
    vacancy = create(client, admin, "/v1/vacancies", PYTHON_VACANCY)
    application = client.post(
        "/v1/applications",
        json={"vacancy_id": vacancy, "candidate_id": candidate, "consent": True},
        headers=admin,
    ).json()
    return candidate, vacancy, application["id"]


def test_erase_keeps_an_anonymous_tombstone(
    client: TestClient, admin: Headers, db: Session
) -> None:
    candidate, vacancy, application = applied(client, admin)
    cid = UUID(candidate)
    assert count(db, SectionEmbedding, SectionEmbedding.owner_id == cid) > 0
    replayed = client.post(
        "/v1/search/candidates",
        json={"query": "Python developer"},
        headers={**admin, "Idempotency-Key": "search-1"},
    )
    assert candidate in replayed.text

    response = client.delete(f"/v1/candidates/{candidate}?erase=true", headers=admin)
    assert response.status_code == 204

    for method, path in (
        ("GET", f"/v1/candidates/{candidate}"),
        ("PATCH", f"/v1/candidates/{candidate}"),
        ("GET", f"/v1/candidates/{candidate}/export"),
        ("DELETE", f"/v1/candidates/{candidate}?erase=true"),
    ):
        answer = client.request(method, path, headers=admin, json={} if method == "PATCH" else None)
        assert answer.status_code == 404, (method, path)
    assert client.get("/v1/candidates", headers=admin).json()["data"] == []
    search = client.post("/v1/search/candidates", json={"query": "Python"}, headers=admin)
    assert search.json()["data"] == []

    db.expire_all()
    tombstone = db.get(Candidate, cid)
    assert tombstone is not None
    assert tombstone.erased_at is not None
    assert (tombstone.name, tombstone.email, tombstone.phone, tombstone.summary) == (
        None,
        None,
        None,
        "",
    )
    assert tombstone.search_document is None
    assert count(db, SectionEmbedding, SectionEmbedding.owner_id == cid) == 0
    assert count(db, ConceptMention, ConceptMention.owner_id == cid) == 0
    kept = db.get(Application, UUID(application))
    assert kept is not None
    assert (kept.candidate_id, kept.email, kept.status) == (cid, None, "applied")
    assert count(db, IdempotencyKey) == 0
    # Change events keep their shape and lose the person; integrators hear of the erasure.
    events = {e.type: e.data for e in db.scalars(select(Event).where(Event.resource_id == cid))}
    assert events["candidate.created"] == {"id": candidate, "erased": True}
    assert events["candidate.erased"]["id"] == candidate
    application_event = db.scalars(
        select(Event).where(Event.resource_id == UUID(application))
    ).one()
    assert application_event.data["email"] == "[erased]"
    assert "daan" not in str(application_event.data).lower()
    # The funnel still counts the application.
    funnel = client.get(f"/v1/vacancies/{vacancy}/funnel", headers=admin).json()
    assert funnel["applications_total"] == 1


def test_delete_without_erase_removes_candidate_and_applications(
    client: TestClient, admin: Headers, db: Session
) -> None:
    candidate, _vacancy, application = applied(client, admin)
    assert client.delete(f"/v1/candidates/{candidate}", headers=admin).status_code == 204
    db.expire_all()
    assert db.get(Candidate, UUID(candidate)) is None
    assert db.get(Application, UUID(application)) is None
    created = db.scalars(
        select(Event).where(Event.resource_id == UUID(candidate), Event.type == "candidate.created")
    ).one()
    assert created.data == {"id": candidate, "erased": True}
    deleted = client.get("/v1/audit", headers=admin, params={"kind": "privacy.erasure"}).json()
    assert deleted["data"][0]["payload"]["tombstone"] is False


def test_export_is_scoped_and_audited(
    client: TestClient, admin: Headers, make_key: KeyMaker
) -> None:
    candidate, _vacancy, _application = applied(client, admin)
    stranger = bearer(make_key(scopes="vacancies:read"))
    assert client.get(f"/v1/candidates/{candidate}/export", headers=stranger).status_code == 403
    exported = client.get(f"/v1/candidates/{candidate}/export", headers=admin)
    assert exported.status_code == 200
    assert exported.json()["candidate"]["phone"] == PERSON["phone"]
    [entry] = client.get("/v1/audit", headers=admin, params={"kind": "privacy.export"}).json()[
        "data"
    ]
    assert entry["candidate_ids"] == [candidate]


def test_retention_erases_only_candidates_whose_retention_passed(
    client: TestClient, admin: Headers, db: Session
) -> None:
    now = datetime.now(UTC)
    ids = {}
    for name, until in (("expired", now - timedelta(days=1)), ("kept", now + timedelta(days=1))):
        body = {
            "name": f"Persoon {name}",
            "email": f"{name}@example.org",
            "consent": {
                "given_at": (now - timedelta(days=400)).isoformat(),
                "purpose": "Talentpool",
                "retention_until": until.isoformat(),
            },
        }
        ids[name] = create(client, admin, "/v1/candidates", body)

    @contextmanager
    def unit() -> Iterator[Session]:
        with db.begin_nested():
            yield db

    def transaction() -> AbstractContextManager[Session]:
        return unit()

    report = retention.run(transaction, now)
    assert ids["expired"] in report.erased
    assert ids["kept"] not in report.erased
    assert report.failed == []
    assert retention.run(transaction, now).erased == []
    assert client.get(f"/v1/candidates/{ids['expired']}", headers=admin).status_code == 404
    assert client.get(f"/v1/candidates/{ids['kept']}", headers=admin).status_code == 200
    erasures = client.get("/v1/audit", headers=admin, params={"kind": "privacy.erasure"}).json()
    [entry] = [e for e in erasures["data"] if e["candidate_ids"] == [ids["expired"]]]
    assert (entry["actor"], entry["actor_key_id"]) == ("retention", None)
    assert entry["payload"]["reason"] == "retention ended"
    assert BEAT_SCHEDULE["enforce-retention"]["task"] == "trust.privacy.retention"


def test_a_key_records_its_last_use(client: TestClient, admin: Headers, db: Session) -> None:
    assert client.get("/v1/vacancies", headers=admin).status_code == 200
    key = db.scalars(select(ApiKey)).one()
    assert key.last_used_at is not None
    assert datetime.now(UTC) - key.last_used_at < timedelta(minutes=1)


def _access_record(path: str) -> logging.LogRecord:
    # The arguments uvicorn's access logger passes.
    args = ("203.0.113.9:5123", "GET", path, "1.1", 200)
    return logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', args, None
    )


def test_access_log_keeps_addresses_queries_and_share_tokens_out() -> None:
    record = _access_record("/v1/candidates?email=eva%40example.org")
    share = _access_record("/share/eyJzZWNyZXQiOiJ0b2tlbiJ9")
    redaction = AccessLogRedaction()
    assert redaction.filter(record)
    assert redaction.filter(share)
    assert record.getMessage() == '- - "GET /v1/candidates HTTP/1.1" 200'
    assert share.getMessage() == '- - "GET /share/*** HTTP/1.1" 200'
    assert logging.getLogger("uvicorn.access").filters  # installed by create_app
