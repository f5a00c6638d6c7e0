"""Campaigns: creation through the API, and the fan-out run in-process against a real SMTP
server (the end-to-end test runs it in a Celery worker)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.auth.service import authenticate
from distribution.campaigns import fanout
from distribution.campaigns.notify import Mailer
from models import Campaign, CampaignBatch, Click, Employee, Notification, OutboxJob, TrackedLink
from models.base import utcnow
from models.db import transaction
from tests.conftest import KeyMaker, bearer
from tests.distribution.smtp import SmtpServer

PUBLIC = "https://jobs.example.org"
SECRET = "whsec_" + base64.b64encode(b"a-webhook-secret-of-32-bytes-ok!").decode()


class Org:
    def __init__(self, session_factory: sessionmaker[Session], make_key: KeyMaker) -> None:
        key = make_key()
        self.headers = bearer(key)
        with session_factory() as session:
            self.id = authenticate(session, key).organisation_id
        self.factory = session_factory

    def vacancy(self, client: TestClient, status: str = "open") -> uuid.UUID:
        body = {"title": "Developer digitale collecties", "status": status}
        response = client.post("/v1/vacancies", json=body, headers=self.headers)
        assert response.status_code == 201, response.text
        return uuid.UUID(response.json()["id"])

    def employee(self, name: str, channels: list[str], **extra: object) -> uuid.UUID:
        with transaction(self.factory) as session:
            employee = Employee(
                organisation_id=self.id,
                name=name,
                email=f"{name.lower()}@kb.example",
                channels=channels,
                **extra,
            )
            session.add(employee)
            session.flush()
            return employee.id


@pytest.fixture
def org(session_factory: sessionmaker[Session], make_key: KeyMaker) -> Org:
    return Org(session_factory, make_key)


def _campaign(
    client: TestClient, org: Org, vacancy_id: uuid.UUID, **body: object
) -> dict[str, object]:
    payload = {"audience": {"type": "all"}, "channels": ["linkedin", "x", "email"]} | body
    response = client.post(
        f"/v1/vacancies/{vacancy_id}/campaigns", json=payload, headers=org.headers
    )
    assert response.status_code == 201, response.text
    data: dict[str, object] = response.json()
    return data


def _run(
    factory: sessionmaker[Session], campaign_id: uuid.UUID, smtp_url: str, http: httpx.Client
) -> list[fanout.Delivered]:
    """What the worker does: start, then every queued batch (a batch may need a retry)."""
    with transaction(factory) as session:
        fanout.start(session, campaign_id, lambda *_: [])
    outcomes = []
    with transaction(factory) as session:
        batch_ids = session.scalars(
            select(CampaignBatch.id).where(
                CampaignBatch.campaign_id == campaign_id, CampaignBatch.status == "queued"
            )
        ).all()
    for batch_id in batch_ids:
        outcomes.append(_run_batch(factory, batch_id, smtp_url, http))
    return outcomes


def _run_batch(
    factory: sessionmaker[Session], batch_id: uuid.UUID, smtp_url: str, http: httpx.Client
) -> fanout.Delivered:
    with transaction(factory) as session:
        work = fanout.prepare_batch(session, batch_id)
    if work is None:
        return fanout.Delivered()
    mailer = Mailer(smtp_url, "TalentMesh <no-reply@kb.example>")
    try:
        outcome = fanout.deliver(
            factory, work, public_url=PUBLIC, secret="test secret", mailer=mailer, http=http
        )
    finally:
        mailer.close()
    if not outcome.retry:
        with transaction(factory) as session:
            fanout.finish_batch(session, batch_id)
    return outcome


class Hooks:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(204)


def test_create_validates_and_hands_the_start_job_over_after_commit(
    client: TestClient, org: Org, db: Session, make_key: KeyMaker
) -> None:
    vacancy_id = org.vacancy(client)
    url = f"/v1/vacancies/{vacancy_id}/campaigns"
    bad = client.post(
        url,
        json={
            "audience": {"type": "employee_ids", "employee_ids": [str(uuid.uuid4())]},
            "channels": ["x"],
        },
        headers=org.headers,
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in bad.json()["errors"]] == ["audience.employee_ids.0"]
    bad = client.post(
        url, json={"audience": {"type": "all"}, "channels": ["myspace"]}, headers=org.headers
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"].startswith("channels")
    bad = client.post(
        url,
        json={
            "audience": {"type": "all"},
            "channels": ["x"],
            "webhook_url": "https://intra.example/hook",
        },
        headers=org.headers,
    )
    assert bad.status_code == 422
    closed = org.vacancy(client, status="closed")
    bad = client.post(
        f"/v1/vacancies/{closed}/campaigns",
        json={"audience": {"type": "all"}, "channels": ["x"]},
        headers=org.headers,
    )
    assert bad.status_code == 409
    other = bearer(make_key(org="Stadsarchief Amsterdam"))
    bad = client.post(url, json={"audience": {"type": "all"}, "channels": ["x"]}, headers=other)
    assert bad.status_code == 404
    assert db.scalar(select(func.count()).select_from(Campaign)) == 0

    created = _campaign(client, org, vacancy_id, message="Ken jij iemand?")
    assert created["status"] == "scheduled"
    # Other tests' committed campaigns leave their jobs in the outbox: find this one's.
    job = db.scalars(
        select(OutboxJob).where(OutboxJob.kwargs["campaign_id"].astext == created["id"])
    ).one()
    assert job.task == "distribution.start_campaign"
    assert job.kwargs == {"campaign_id": created["id"]}
    assert job.sent_at is not None

    later = _campaign(client, org, vacancy_id, starts_at=(utcnow() + timedelta(days=2)).isoformat())
    job = db.scalars(
        select(OutboxJob).where(OutboxJob.kwargs["campaign_id"].astext == later["id"])
    ).one()
    assert job.sent_at is None
    assert job.eta is not None
    cancelled = client.post(f"/v1/campaigns/{later['id']}/cancel", headers=org.headers)
    assert cancelled.json()["status"] == "cancelled"
    assert (
        client.post(f"/v1/campaigns/{later['id']}/cancel", headers=org.headers).status_code == 409
    )


def test_fan_out_sends_each_employee_links_per_channel_once(
    client: TestClient, org: Org, session_factory: sessionmaker[Session], smtp: SmtpServer
) -> None:
    vacancy_id = org.vacancy(client)
    anna = org.employee("Anna", ["linkedin", "x", "whatsapp"])
    bram = org.employee("Bram", [])
    chris = org.employee("Chris", ["intranet", "email"])
    org.employee("Dirk", ["linkedin"], opted_out_at=utcnow())
    org.employee("Eva", ["facebook"])  # uses none of the campaign's channels
    campaign = _campaign(
        client,
        org,
        vacancy_id,
        channels=["linkedin", "x", "email", "intranet"],
        message="Ken jij iemand?",
        webhook_url="https://intranet.kb.example/hooks/jobs",
        webhook_secret=SECRET,
    )
    campaign_id = uuid.UUID(str(campaign["id"]))
    hooks = Hooks()
    with httpx.Client(transport=httpx.MockTransport(hooks)) as http:
        outcomes = _run(session_factory, campaign_id, smtp.url, http)
    assert [(o.sent, o.failed, o.retry) for o in outcomes] == [(3, 0, False)]

    with session_factory() as session:
        links = session.scalars(
            select(TrackedLink).where(TrackedLink.campaign_id == campaign_id)
        ).all()
        by_employee = {(link.employee_id, link.channel) for link in links}
        assert by_employee == {
            (anna, "linkedin"),
            (anna, "x"),
            (bram, "linkedin"),
            (bram, "x"),
            (bram, "email"),
            (bram, "intranet"),
            (chris, "email"),
            (chris, "intranet"),
        }
        assert all(
            len(link.code) >= 8 and link.root_employee_id == link.employee_id for link in links
        )
        codes = {(link.employee_id, link.channel): link.code for link in links}

    assert len(smtp.sink.received) == 2
    (mail,) = smtp.sink.to("anna@kb.example")
    assert f"{PUBLIC}/r/{codes[(anna, 'linkedin')]}" in mail.text
    assert f"{PUBLIC}/r/{codes[(anna, 'x')]}" in mail.text
    assert "Ken jij iemand?" in mail.text
    assert "linkedin.com/sharing/share-offsite" in mail.text
    assert mail.message_id.endswith("@talentmesh>")
    assert len(smtp.sink.to("bram@kb.example")) == 1

    (hook,) = hooks.requests
    body = hook.content
    signed = f"{hook.headers['webhook-id']}.{hook.headers['webhook-timestamp']}.".encode() + body
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert hook.headers["webhook-signature"] == f"v1,{expected}"
    payload = json.loads(body)
    assert payload["data"]["employee"]["id"] == str(chris)
    assert {link["channel"] for link in payload["data"]["links"]} == {"email", "intranet"}

    progress = client.get(f"/v1/campaigns/{campaign_id}", headers=org.headers).json()
    assert progress["status"] == "completed"
    assert progress["audience_size"] == 3
    assert progress["progress"]["batches"] == progress["progress"]["batches_done"] == 1
    assert progress["progress"]["invitations"] == {
        "email": {"queued": 0, "sent": 2, "failed": 0, "skipped": 0},
        "webhook": {"queued": 0, "sent": 1, "failed": 0, "skipped": 0},
    }
    channels = progress["progress"]["channels"]
    assert channels["linkedin"] == {"links": 2, "queued": 0, "sent": 2, "failed": 0, "skipped": 0}
    assert channels["intranet"]["links"] == 2


def test_a_retried_batch_creates_no_duplicate_links_or_messages(
    client: TestClient, org: Org, session_factory: sessionmaker[Session], smtp: SmtpServer
) -> None:
    vacancy_id = org.vacancy(client)
    for name in ("Anna", "Bram", "Chris", "Dana"):
        org.employee(name, ["linkedin", "x"])
    campaign_id = uuid.UUID(str(_campaign(client, org, vacancy_id)["id"]))
    smtp.sink.refuse_once = {"bram@kb.example", "dana@kb.example"}
    with httpx.Client(transport=httpx.MockTransport(Hooks())) as http:
        (first,) = _run(session_factory, campaign_id, smtp.url, http)
        assert (first.sent, first.failed, first.retry) == (2, 2, True)
        with session_factory() as session:
            failed = session.scalars(
                select(Notification).where(
                    Notification.status == "failed", Notification.campaign_id == campaign_id
                )
            ).all()
            assert len(failed) == 2
            assert all("451" in (n.last_error or "") for n in failed)
            batch_id = session.scalars(
                select(CampaignBatch.id).where(CampaignBatch.campaign_id == campaign_id)
            ).one()
            links_before = {
                (link.employee_id, link.channel): link.code
                for link in session.scalars(
                    select(TrackedLink).where(TrackedLink.campaign_id == campaign_id)
                )
            }
        # The retry, and then a duplicate delivery of the same job.
        second = _run_batch(session_factory, batch_id, smtp.url, http)
        assert (second.sent, second.failed, second.retry) == (2, 0, False)
        third = _run_batch(session_factory, batch_id, smtp.url, http)
        assert (third.sent, third.failed) == (0, 0)

    for name in ("anna", "bram", "chris", "dana"):
        assert len(smtp.sink.to(f"{name}@kb.example")) == 1
    assert len(smtp.sink.received) == 4
    with session_factory() as session:
        links_after = {
            (link.employee_id, link.channel): link.code
            for link in session.scalars(
                select(TrackedLink).where(TrackedLink.campaign_id == campaign_id)
            )
        }
        assert links_after == links_before
        assert len(links_after) == 8
        assert session.get(Campaign, campaign_id).status == "completed"  # type: ignore[union-attr]


def test_reminders_go_only_to_employees_who_have_not_shared(
    client: TestClient, org: Org, session_factory: sessionmaker[Session], smtp: SmtpServer
) -> None:
    vacancy_id = org.vacancy(client)
    anna = org.employee("Anna", ["linkedin"])
    org.employee("Bram", ["linkedin"])
    campaign_id = uuid.UUID(
        str(
            _campaign(client, org, vacancy_id, channels=["linkedin"], reminder_after_hours=48)["id"]
        )
    )
    with httpx.Client(transport=httpx.MockTransport(Hooks())) as http:
        _run(session_factory, campaign_id, smtp.url, http)
        with transaction(session_factory) as session:
            reminder = session.scalars(
                select(OutboxJob).where(
                    OutboxJob.task == "distribution.send_reminders",
                    OutboxJob.kwargs["campaign_id"].astext == str(campaign_id),
                )
            ).one()
            assert reminder.eta is not None
            assert reminder.eta > utcnow() + timedelta(hours=47)
            link = session.scalars(select(TrackedLink).where(TrackedLink.employee_id == anna)).one()
            session.add(
                Click(
                    organisation_id=org.id,
                    vacancy_id=vacancy_id,
                    link_id=link.id,
                    visitor="v1",
                    day=utcnow().date(),
                )
            )
        with transaction(session_factory) as session:
            fanout.remind(session, campaign_id)
        with transaction(session_factory) as session:
            fanout.remind(session, campaign_id)  # once per campaign
            batch_ids = session.scalars(
                select(CampaignBatch.id).where(
                    CampaignBatch.campaign_id == campaign_id, CampaignBatch.kind == "reminder"
                )
            ).all()
        assert len(batch_ids) == 1
        _run_batch(session_factory, batch_ids[0], smtp.url, http)
    assert len(smtp.sink.to("anna@kb.example")) == 1
    bram_mail = smtp.sink.to("bram@kb.example")
    assert len(bram_mail) == 2
    assert str(bram_mail[1].message["Subject"]).startswith("Reminder:")
