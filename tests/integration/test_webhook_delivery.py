"""Delivering to a real HTTP receiver in the test process: signatures, retries, ordering
per resource, giving up and disabling, and re-enabling."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks.webhooks import Webhook

from integration.webhooks import delivery
from tests.integration.receiver import Received, Receiver, always, verify


def _register(client: TestClient, admin: dict[str, str], url: str, events: list[str]) -> Any:
    response = client.post("/v1/webhooks", json={"url": url, "events": events}, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()


def _run(factory: sessionmaker[Session], endpoint_id: str, schedule: list[int]) -> int:
    made, _ = delivery.run(
        factory, UUID(endpoint_id), timeout=5, schedule=schedule, allow_private=True
    )
    return made


def test_signed_standard_webhooks_delivery(
    client: TestClient, admin: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    with Receiver() as receiver:
        hook = _register(client, admin, receiver.url, ["vacancy.created"])
        vacancy = client.post("/v1/vacancies", json={"title": "Archivaris"}, headers=admin).json()
        assert _run(session_factory, hook["id"], [5]) == 2
    ping, created = receiver.accepted()
    for message in (ping, created):
        assert verify(hook["secret"], message.headers, message.body)
        # The reference library of the convention accepts it as well.
        assert Webhook(hook["secret"]).verify(message.body, message.headers)["id"] == message.id
        assert not verify("whsec_" + "A" * 32, message.headers, message.body)
        assert message.headers["content-type"] == "application/json"
        assert message.headers["webhook-timestamp"].isdigit()
        assert message.payload["id"] == message.id
    assert ping.payload["type"] == "webhook.ping"
    assert created.payload["type"] == "vacancy.created"
    assert created.payload["resource"] == {"type": "vacancy", "id": vacancy["id"]}
    assert created.payload["data"] == vacancy
    log = client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=admin).json()["data"]
    assert {d["state"] for d in log} == {"succeeded"}
    assert all(d["attempts"][0]["status_code"] == 200 for d in log)


def test_500_then_200_is_retried_and_every_attempt_logged(
    client: TestClient, admin: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    # The first request of each message fails; its retry succeeds.
    def first_fails(history: list[Received]) -> int:
        return 500 if [r.id for r in history].count(history[-1].id) == 1 else 200

    with Receiver(first_fails) as receiver:
        hook = _register(client, admin, receiver.url, ["vacancy.created"])
        # No wait before the retry, so one run sees both attempts.
        assert _run(session_factory, hook["id"], [0]) == 2
    assert [r.status for r in receiver.requests] == [500, 200]
    assert receiver.requests[0].id == receiver.requests[1].id
    ping = client.get(
        f"/v1/webhooks/{hook['id']}/deliveries/{hook['ping_delivery_id']}", headers=admin
    ).json()
    assert ping["state"] == "succeeded"
    assert ping["attempt_count"] == 2
    assert [a["status_code"] for a in ping["attempts"]] == [500, 200]
    assert ping["attempts"][0]["error"] == "HTTP 500"
    assert ping["attempts"][0]["response_body"] == "try again"
    assert all(a["latency_ms"] > 0 for a in ping["attempts"])
    endpoint = client.get(f"/v1/webhooks/{hook['id']}", headers=admin).json()
    assert endpoint["failing_since"] is None
    assert endpoint["last_success_at"] is not None


def test_a_resource_s_events_never_overtake_each_other(
    client: TestClient, admin: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    failed: set[str] = set()

    # The first vacancy.created of the first vacancy fails once.
    def fail_first_created(history: list[Received]) -> int:
        message = history[-1]
        if message.payload["type"] == "vacancy.created" and not failed:
            failed.add(message.id)
            return 500
        return 200

    with Receiver(fail_first_created) as receiver:
        hook = _register(client, admin, receiver.url, ["vacancy.created", "vacancy.updated"])
        first = client.post("/v1/vacancies", json={"title": "A"}, headers=admin).json()
        second = client.post("/v1/vacancies", json={"title": "B"}, headers=admin).json()
        for title in ("A2", "A3"):
            client.patch(f"/v1/vacancies/{first['id']}", json={"title": title}, headers=admin)
        _run(session_factory, hook["id"], [0, 0])

    def titles(vacancy_id: str) -> list[tuple[str, str]]:
        return [
            (r.payload["type"], r.payload["data"]["title"])
            for r in receiver.accepted()
            if r.payload["resource"]["id"] == vacancy_id
        ]

    assert titles(first["id"]) == [
        ("vacancy.created", "A"),
        ("vacancy.updated", "A2"),
        ("vacancy.updated", "A3"),
    ]
    assert titles(second["id"]) == [("vacancy.created", "B")]
    # The other vacancy did not wait for the first one's retry.
    order = [r.payload["data"].get("title") for r in receiver.requests]
    assert order.index("B") < order.index("A2")


def test_every_retry_failing_disables_the_endpoint_and_nothing_is_lost(
    client: TestClient, admin: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    with Receiver(always(503)) as receiver:
        hook = _register(client, admin, receiver.url, ["vacancy.created"])
        _run(session_factory, hook["id"], [0, 0])
        assert [r.status for r in receiver.requests] == [503, 503, 503]
        endpoint = client.get(f"/v1/webhooks/{hook['id']}", headers=admin).json()
        assert endpoint["enabled"] is False
        assert "gave up after 3 attempts" in endpoint["disabled_reason"]
        assert "HTTP 503" in endpoint["disabled_reason"]
        ping = client.get(
            f"/v1/webhooks/{hook['id']}/deliveries/{hook['ping_delivery_id']}", headers=admin
        ).json()
        assert ping["state"] == "failed"
        assert ping["attempt_count"] == 3

        # Events while disabled wait; nothing is attempted.
        client.post("/v1/vacancies", json={"title": "Tijdens de storing"}, headers=admin)
        assert _run(session_factory, hook["id"], [0, 0]) == 0

        receiver.behaviour = always(200)
        client.patch(f"/v1/webhooks/{hook['id']}", json={"enabled": True}, headers=admin)
        # The ping that gave up goes out again first, then what waited.
        assert _run(session_factory, hook["id"], [0, 0]) == 2
        assert [r.payload["type"] for r in receiver.accepted()] == [
            "webhook.ping",
            "vacancy.created",
        ]
        assert receiver.of_type("vacancy.created")[0].payload["data"]["title"] == (
            "Tijdens de storing"
        )
        ping = client.get(
            f"/v1/webhooks/{hook['id']}/deliveries/{hook['ping_delivery_id']}", headers=admin
        ).json()
        assert ping["state"] == "succeeded"
        assert ping["attempt_count"] == 4
        # A finished delivery can be sent again by hand, with the same webhook-id.
        again = client.post(
            f"/v1/webhooks/{hook['id']}/deliveries/{hook['ping_delivery_id']}/redeliver",
            headers=admin,
        )
        assert again.status_code == 202
        assert _run(session_factory, hook["id"], [0, 0]) == 1
        assert receiver.accepted()[-1].id == receiver.requests[0].id


def test_rotated_secret_signs_with_both_until_the_old_one_expires(
    client: TestClient, admin: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    with Receiver() as receiver:
        hook = _register(client, admin, receiver.url, ["vacancy.created"])
        rotated = client.post(f"/v1/webhooks/{hook['id']}/rotate-secret", headers=admin).json()
        _run(session_factory, hook["id"], [0])
    [ping] = receiver.accepted()
    assert len(ping.headers["webhook-signature"].split()) == 2
    assert verify(hook["secret"], ping.headers, ping.body)
    assert verify(rotated["secret"], ping.headers, ping.body)


def test_an_unreachable_receiver_is_an_attempt_with_an_error(
    client: TestClient, admin: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    with Receiver() as closed:
        url = closed.url
    hook = _register(client, admin, url, ["vacancy.created"])
    _run(session_factory, hook["id"], [3600])
    ping = client.get(
        f"/v1/webhooks/{hook['id']}/deliveries/{hook['ping_delivery_id']}", headers=admin
    ).json()
    assert ping["state"] == "pending"
    assert ping["attempts"][0]["status_code"] is None
    assert "ConnectError" in ping["attempts"][0]["error"]
    assert ping["next_attempt_at"] is not None


def test_one_run_at_a_time_per_endpoint(
    client: TestClient, admin: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    with Receiver() as receiver:
        hook = _register(client, admin, receiver.url, ["vacancy.created"])
        client.post("/v1/vacancies", json={"title": "Archivaris"}, headers=admin)
        # While a run holds the endpoint, another steps aside without sending anything.
        with delivery._sole_runner(session_factory, UUID(hook["id"])) as sole:
            assert sole
            assert _run(session_factory, hook["id"], [5]) == 0
            assert receiver.accepted() == []
        assert _run(session_factory, hook["id"], [5]) == 2
    assert len(receiver.accepted()) == 2


def test_a_delivery_waiting_behind_a_retry_is_not_due(
    client: TestClient,
    admin: dict[str, str],
    session_factory: sessionmaker[Session],
    db: Session,
) -> None:
    def created_fails(history: list[Received]) -> int:
        return 500 if history[-1].payload["type"] == "vacancy.created" else 200

    with Receiver(created_fails) as receiver:
        hook = _register(client, admin, receiver.url, ["vacancy.created", "vacancy.updated"])
        vacancy = client.post("/v1/vacancies", json={"title": "Archivaris"}, headers=admin).json()
        client.patch(f"/v1/vacancies/{vacancy['id']}", json={"title": "Archivist"}, headers=admin)
        # The ping goes out; vacancy.created fails and waits an hour for its retry, and
        # vacancy.updated waits behind it.
        assert _run(session_factory, hook["id"], [3600]) == 2
        assert [r.payload["type"] for r in receiver.requests] == ["webhook.ping", "vacancy.created"]
    # So nothing of this endpoint is due: no run is started for it, and none would spin.
    assert UUID(hook["id"]) not in delivery.due_endpoints(db)
