"""One organisation's world: an object of every kind the API reaches by id, made through
the API where the API makes it. Every text of the world carries the organisation's tag,
so a tag found in another organisation's answer is a leak, whatever route it came through."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.auth.scopes import SCOPES
from api.auth.service import create_api_key
from distribution.links.service import ensure_link
from integration.imports import runner
from tests.conftest import bearer

ALL_SCOPES = " ".join(SCOPES)
NDJSON = "application/x-ndjson"
CV = """{name}
{email} | Den Haag

Python-ontwikkelaar met ervaring in digitale collecties en linked data ({tag}).

Werkervaring
2019 - heden  Developer, Stadsarchief {tag}
"""


@dataclass(frozen=True)
class World:
    tag: str
    headers: dict[str, str]
    organisation_id: str
    vacancy_id: str
    # Has a stored CV file, applied to the vacancy through a reshared link and was hired.
    candidate_id: str
    # Created from JSON; its email and external id are what another organisation may reuse.
    plain_candidate_id: str
    application_id: str
    employee_id: str
    # Scheduled a month ahead, so that a cancel which wrongly succeeded would show.
    campaign_id: str
    link_code: str
    reshare_code: str
    endpoint_id: str
    delivery_id: str
    # An intranet webhook channel and an on-open rule posting to it: the vacancy has a post.
    channel_id: str
    rule_id: str
    # Run to the end, with a failed row in its error report.
    import_id: str
    # Still queued, so that a cancel which wrongly succeeded would show.
    open_import_id: str
    vacancy_external_id: str
    candidate_email: str
    candidate_external_id: str
    employee_email: str
    employee_external_id: str
    employee_department: str
    # Sent with the vacancy's POST: its stored answer is replayed to this organisation only.
    idempotency_key: str

    def secrets(self) -> set[str]:
        """What no other organisation may ever read: the tag (in every text of the world)
        and every id and link code."""
        values = {getattr(self, f.name) for f in fields(self) if f.name != "headers"}
        return {v for v in values if isinstance(v, str)}


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.request.url}: {response.text}"
    return response.json() if response.content else None


def build_world(
    client: TestClient, app: FastAPI, factory: sessionmaker[Session], name: str
) -> World:
    tag = f"{name}{secrets.token_hex(4)}"
    with factory() as session:
        key, plaintext = create_api_key(
            session, organisation_name=f"Organisatie {tag}", scopes=ALL_SCOPES
        )
        session.commit()
    org = str(key.organisation_id)
    h = bearer(plaintext)

    # First, so every event of the world is also a delivery in its log.
    hook = _ok(
        client.post(
            "/v1/webhooks",
            json={"url": f"http://127.0.0.1:9/{tag}", "events": ["*"], "description": tag},
            headers=h,
        ),
        201,
    )
    _ok(client.put("/v1/reward-policy", json={"amount": 750, "probation_days": 0}, headers=h))
    # Before the vacancy, so that it opens with a post on the channel.
    channel = _ok(
        client.post(
            "/v1/posting/channels",
            json={
                "kind": "webhook",
                "name": f"Intranet {tag}",
                "config": {"url": f"http://127.0.0.1:9/{tag}"},
                "credentials": {"secret": f"geheim-{tag}"},
            },
            headers=h,
        ),
        201,
    )
    rule = _ok(
        client.post(
            "/v1/posting/rules",
            json={"name": f"Nieuw {tag}", "channels": [{"channel_id": channel["id"]}]},
            headers=h,
        ),
        201,
    )
    idempotency_key = f"vacature-{tag}"
    vacancy = _ok(
        client.post(
            "/v1/vacancies",
            json={
                "title": f"Developer digitale collecties {tag}",
                "external_id": f"VAC-{tag}",
                "description": f"Python en linked data voor de collecties van {tag}.",
                "required_skills": ["Python", "linked data"],
                "location": {"city": "Den Haag", "country": "NL"},
            },
            headers=h | {"Idempotency-Key": idempotency_key},
        ),
        201,
    )
    cv_email = f"sanne.{tag}@example.org"
    cv = CV.format(name=f"Sanne {tag}", email=cv_email, tag=tag)
    parsed = _ok(
        client.post(
            "/v1/candidates/parse?create=true",
            files={"file": (f"cv-{tag}.txt", cv.encode(), "text/plain")},
            headers=h,
        ),
        201,
    )
    candidate = _ok(
        client.post(
            "/v1/candidates",
            json={
                "name": f"Ahmed {tag}",
                "email": f"ahmed.{tag}@example.org",
                "external_id": f"CAND-{tag}",
                "headline": f"Data engineer {tag}",
                "skills": ["Python", "linked data"],
            },
            headers=h,
        ),
        201,
    )
    employee = _ok(
        client.post(
            "/v1/employees",
            json={
                "name": f"Anna {tag}",
                "email": f"anna.{tag}@example.org",
                "external_id": f"EMP-{tag}",
                "department": f"Collecties {tag}",
                "fields": ["archief"],
            },
            headers=h,
        ),
        201,
    )
    campaign = _ok(
        client.post(
            f"/v1/vacancies/{vacancy['id']}/campaigns",
            json={
                "audience": {"type": "employee_ids", "employee_ids": [employee["id"]]},
                "channels": ["linkedin"],
                "message": f"Ken jij iemand? {tag}",
                "starts_at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
            },
            headers=h,
        ),
        201,
    )
    # The campaign's fan-out is a background job; its link is made as the fan-out makes it.
    with factory() as session:
        link = ensure_link(
            session,
            organisation_id=UUID(org),
            vacancy_id=UUID(vacancy["id"]),
            channel="linkedin",
            campaign_id=UUID(campaign["id"]),
            employee_id=UUID(employee["id"]),
        )
        code = link.code
        session.commit()
    assert client.get(f"/r/{code}", follow_redirects=False).status_code == 302
    reshare = _ok(client.post(f"/r/{code}/reshare", json={"channel": "whatsapp"}), 201)
    application = _ok(
        client.post(
            "/v1/applications",
            json={
                "vacancy_id": vacancy["id"],
                "candidate_id": parsed["candidate"]["id"],
                "ref": reshare["code"],
                "motivation": f"Motivatie {tag}",
                "source": "ats",
                "consent": True,
            },
            headers=h,
        ),
        201,
    )
    # Hired under a policy without probation: a reward ready to be paid.
    _ok(client.patch(f"/v1/applications/{application['id']}", json={"status": "hired"}, headers=h))
    rows = [
        {"name": f"Import {tag}", "email": f"import.{tag}@example.org"},
        {"name": f"Fout {tag}", "email": f"geen-adres-{tag}"},
    ]
    upload = {"file": (f"{tag}.ndjson", "\n".join(json.dumps(r) for r in rows).encode(), NDJSON)}
    done = _ok(client.post("/v1/imports?kind=candidates", files=upload, headers=h), 202)
    model = app.state.settings.embedding_model
    assert not runner.run(factory, app.state.celery, UUID(done["id"]), model, budget=600)
    waiting = _ok(client.post("/v1/imports?kind=candidates", files=upload, headers=h), 202)

    return World(
        tag=tag,
        headers=h,
        organisation_id=org,
        vacancy_id=vacancy["id"],
        candidate_id=parsed["candidate"]["id"],
        plain_candidate_id=candidate["id"],
        application_id=application["id"],
        employee_id=employee["id"],
        campaign_id=campaign["id"],
        link_code=code,
        reshare_code=reshare["code"],
        endpoint_id=hook["id"],
        delivery_id=hook["ping_delivery_id"],
        channel_id=channel["id"],
        rule_id=rule["id"],
        import_id=done["id"],
        open_import_id=waiting["id"],
        vacancy_external_id=vacancy["external_id"],
        candidate_email=candidate["email"],
        candidate_external_id=candidate["external_id"],
        employee_email=employee["email"],
        employee_external_id=employee["external_id"],
        employee_department=employee["department"],
        idempotency_key=idempotency_key,
    )
