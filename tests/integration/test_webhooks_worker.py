"""Webhooks through a real Celery worker (with its periodic jobs) on the embedded broker:
retries on schedule after a 500, and a worker killed mid-delivery and started again loses
nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from runtime.settings import Settings
from tests.integration.receiver import Received, Receiver, verify
from tests.live import Live, live_organisation
from tests.worker import Worker, wait_for, worker_env

SCHEDULE = "1,1,1,1,1"


@pytest.fixture
def live(engine: Engine, settings: Settings) -> Iterator[Live]:
    with live_organisation(engine, settings) as organisation:
        yield organisation


def _worker(database_url: str, broker_url: str, tmp_path: Path) -> Worker:
    env = worker_env(
        database_url,
        broker_url,
        "smtp://127.0.0.1:1",
        tmp_path,
        "https://jobs.example",
        webhook_timeout="1",
        webhook_retry_schedule=SCHEDULE,
    )
    return Worker(env, tmp_path / "worker.log", beat=True)


def _delivered(live: Live, hook_id: str) -> list[dict[str, Any]]:
    return list(live.get(f"/v1/webhooks/{hook_id}/deliveries", limit=100)["data"])


def test_500_then_200_through_the_worker(
    live: Live, database_url: str, broker_url: str, tmp_path: Path
) -> None:
    def two_failures(history: list[Received]) -> int:
        return 500 if len(history) <= 2 else 200

    worker = _worker(database_url, broker_url, tmp_path)
    with Receiver(two_failures) as receiver:
        try:
            worker.start()
            hook = live.post("/v1/webhooks", {"url": receiver.url, "events": ["*"]})
            wait_for(lambda: len(receiver.accepted()) == 1, 60, "the ping after two 500s")
            # The worker logs the answer after the receiver has sent it.
            wait_for(
                lambda: _delivered(live, hook["id"])[0]["state"] == "succeeded",
                30,
                "the success logged",
            )
        finally:
            worker.stop()
    assert [r.status for r in receiver.requests] == [500, 500, 200]
    assert len({r.id for r in receiver.requests}) == 1
    assert all(verify(hook["secret"], r.headers, r.body) for r in receiver.requests)
    [ping] = _delivered(live, hook["id"])
    assert ping["state"] == "succeeded"
    assert [a["status_code"] for a in ping["attempts"]] == [500, 500, 200]


def test_worker_killed_mid_delivery_and_restarted_loses_nothing(
    live: Live, database_url: str, broker_url: str, tmp_path: Path
) -> None:
    in_flight = threading.Event()
    release = threading.Event()

    # The first vacancy event hangs until the test lets it go: the worker is killed while
    # it waits for the answer.
    def hang_once(history: list[Received]) -> int:
        message = history[-1]
        if message.payload["type"] == "vacancy.created" and not in_flight.is_set():
            in_flight.set()
            release.wait(60)
        return 200

    worker = _worker(database_url, broker_url, tmp_path)
    with Receiver(hang_once) as receiver:
        try:
            worker.start()
            hook = live.post(
                "/v1/webhooks",
                {"url": receiver.url, "events": ["vacancy.created", "vacancy.updated"]},
            )
            vacancies = [live.post("/v1/vacancies", {"title": f"Vacature {i}"}) for i in range(3)]
            for vacancy in vacancies:
                live.patch(f"/v1/vacancies/{vacancy['id']}", {"title": vacancy["title"] + " *"})
            wait_for(in_flight.is_set, 60, "a delivery in flight")
            worker.kill()
            release.set()
            worker.start()
            wait_for(
                lambda: all(d["state"] == "succeeded" for d in _delivered(live, hook["id"])),
                120,
                "every delivery to succeed after the restart",
            )
        finally:
            release.set()
            worker.stop()

    deliveries = _delivered(live, hook["id"])
    assert len(deliveries) == 1 + 3 * 2  # the ping, then created and updated per vacancy
    accepted = receiver.accepted()
    assert {d["event_id"] for d in deliveries} <= {r.id for r in accepted}
    # The message cut off by the kill came again with the same webhook-id.
    ids = [r.id for r in receiver.requests]
    assert any(ids.count(i) >= 2 for i in ids)
    for vacancy in vacancies:
        seen = [r.payload["type"] for r in accepted if r.payload["resource"]["id"] == vacancy["id"]]
        first_seen = list(dict.fromkeys(seen))
        assert first_seen == ["vacancy.created", "vacancy.updated"]
    assert all(verify(hook["secret"], r.headers, r.body) for r in receiver.requests)
