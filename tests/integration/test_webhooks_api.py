"""/v1/webhooks: registering endpoints, scopes, isolation, and the deliveries events make."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from integration.webhooks import delivery, targets
from runtime.settings import Settings
from tests.conftest import KeyMaker, bearer
from tests.live import live_organisation

HOOK = {"url": "https://ats.example/hooks/talentmesh", "events": ["vacancy.created"]}


def test_register_read_change_delete(client: TestClient, admin: dict[str, str]) -> None:
    created = client.post("/v1/webhooks", json=HOOK, headers=admin)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["enabled"] is True
    assert body["events"] == ["vacancy.created"]
    assert created.headers["location"] == f"/v1/webhooks/{body['id']}"
    path = f"/v1/webhooks/{body['id']}"

    fetched = client.get(path, headers=admin).json()
    assert "secret" not in fetched
    assert client.get("/v1/webhooks", headers=admin).json()["data"] == [fetched]

    # The test ping is queued at once and shows in the log.
    deliveries = client.get(f"{path}/deliveries", headers=admin).json()["data"]
    assert [(d["id"], d["event_type"], d["state"]) for d in deliveries] == [
        (body["ping_delivery_id"], "webhook.ping", "pending")
    ]

    changed = client.patch(
        path, json={"events": ["*"], "enabled": False, "description": "ATS"}, headers=admin
    ).json()
    assert changed["events"] == ["*"]
    assert changed["enabled"] is False
    assert changed["disabled_reason"] == "disabled through the API"
    again = client.patch(path, json={"enabled": True}, headers=admin).json()
    assert again["enabled"] is True
    assert again["disabled_reason"] is None

    rotated = client.post(f"{path}/rotate-secret", headers=admin).json()
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != body["secret"]

    assert client.delete(path, headers=admin).status_code == 204
    assert client.get(path, headers=admin).status_code == 404


def test_events_make_deliveries_only_for_subscribers(
    client: TestClient, admin: dict[str, str]
) -> None:
    vacancies = client.post("/v1/webhooks", json=HOOK, headers=admin).json()
    everything = client.post(
        "/v1/webhooks", json={"url": "https://ats.example/all", "events": ["*"]}, headers=admin
    ).json()
    candidates = client.post(
        "/v1/webhooks",
        json={"url": "https://ats.example/c", "events": ["candidate.created"]},
        headers=admin,
    ).json()
    vacancy = client.post("/v1/vacancies", json={"title": "Archivaris"}, headers=admin).json()
    client.patch(f"/v1/vacancies/{vacancy['id']}", json={"title": "Archivist"}, headers=admin)

    def types(endpoint: dict[str, str]) -> list[str]:
        rows = client.get(f"/v1/webhooks/{endpoint['id']}/deliveries", headers=admin).json()
        return [d["event_type"] for d in rows["data"]]

    # Newest first.
    assert types(vacancies) == ["vacancy.created", "webhook.ping"]
    assert types(everything) == ["vacancy.updated", "vacancy.created", "webhook.ping"]
    assert types(candidates) == ["webhook.ping"]
    pending = client.get(
        f"/v1/webhooks/{vacancies['id']}/deliveries",
        params={"state": "pending", "limit": 1},
        headers=admin,
    )
    assert len(pending.json()["data"]) == 1
    assert pending.json()["next_cursor"] is not None
    assert 'rel="next"' in pending.headers["link"]
    delivery = pending.json()["data"][0]
    assert delivery["resource_id"] == vacancy["id"]
    redeliver = client.post(
        f"/v1/webhooks/{vacancies['id']}/deliveries/{delivery['id']}/redeliver", headers=admin
    )
    assert redeliver.status_code == 409


def test_bad_registrations_are_refused(client: TestClient, make_key: KeyMaker) -> None:
    admin = bearer(make_key())
    unknown = client.post(
        "/v1/webhooks", json={**HOOK, "events": ["vacancy.created", "nope"]}, headers=admin
    )
    assert unknown.status_code == 422
    assert unknown.headers["content-type"] == "application/problem+json"
    assert unknown.json()["errors"][0]["field"] == "events"
    assert "nope" in unknown.json()["errors"][0]["message"]
    not_a_url = client.post("/v1/webhooks", json={**HOOK, "url": "ftp://x"}, headers=admin)
    assert not_a_url.status_code == 422

    # A key may subscribe only to what it may read itself.
    hooks_only = bearer(make_key(scopes="webhooks:write,vacancies:read"))
    denied = client.post(
        "/v1/webhooks", json={**HOOK, "events": ["candidate.created"]}, headers=hooks_only
    )
    assert denied.status_code == 403
    assert "candidates:read" in denied.json()["detail"]
    everything = client.post("/v1/webhooks", json={**HOOK, "events": ["*"]}, headers=hooks_only)
    assert everything.status_code == 403
    assert client.post("/v1/webhooks", json=HOOK, headers=hooks_only).status_code == 201
    reader = bearer(make_key(scopes="vacancies:read"))
    assert client.post("/v1/webhooks", json=HOOK, headers=reader).status_code == 403


def test_another_organisations_endpoints_are_invisible(
    client: TestClient, make_key: KeyMaker
) -> None:
    kb = bearer(make_key(org="Koninklijke Bibliotheek"))
    archive = bearer(make_key(org="Stadsarchief"))
    hook = client.post("/v1/webhooks", json=HOOK, headers=kb).json()
    path = f"/v1/webhooks/{hook['id']}"
    for response in (
        client.get(path, headers=archive),
        client.patch(path, json={"enabled": False}, headers=archive),
        client.delete(path, headers=archive),
        client.post(f"{path}/ping", headers=archive),
        client.post(f"{path}/rotate-secret", headers=archive),
        client.get(f"{path}/deliveries", headers=archive),
        client.get(f"{path}/deliveries/{hook['ping_delivery_id']}", headers=archive),
        client.post(f"{path}/deliveries/{hook['ping_delivery_id']}/redeliver", headers=archive),
    ):
        assert response.status_code == 404, response.request.url
        assert hook["url"] not in response.text
    assert client.get("/v1/webhooks", headers=archive).json()["data"] == []
    # The archive's own vacancy never reaches the library's endpoint.
    client.post("/v1/vacancies", json={"title": "Archivaris"}, headers=archive)
    deliveries = client.get(f"{path}/deliveries", headers=kb).json()["data"]
    assert [d["event_type"] for d in deliveries] == ["webhook.ping"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.0.0.5/hook",
        "http://192.168.1.20/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_urls_inside_the_network_are_refused(
    url: str, settings: Settings, engine: Engine, db: Session
) -> None:
    with live_organisation(engine, settings, webhook_allow_private=False) as live:
        refused = live.client.post("/v1/webhooks", json={**HOOK, "url": url}, headers=live.headers)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        [error] = refused.json()["errors"]
        assert error["field"] == "url"
        assert "private, local or reserved" in error["message"]
        assert live.get("/v1/webhooks")["data"] == []
    # An address registered while allowed is not called once it is no longer.
    outcome = delivery.send(
        httpx.Client(), delivery.Message(1, url, ["whsec_x"], "msg_1", b"{}"), allow_private=False
    )
    assert not outcome.ok
    assert outcome.error is not None
    assert outcome.error.startswith("not sent: ")


def test_public_addresses_are_accepted() -> None:
    assert targets.refusal("https://93.184.215.14/hook") is None
    assert targets.refusal("https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/hook") is None
