"""Posting through a real Celery worker and beat on the embedded broker: a vacancy opened
through the API goes out on the rule's channel by the job its write enqueued (after
commit), a rate-limited first attempt is retried at the platform's Retry-After (a job due
then, handed over by the outbox relay, with the periodic sweep as the fallback), and
closing the vacancy deletes the post. Committed data, removed after."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from runtime.settings import Settings
from tests.distribution.platform import X_429, Platform, Reply
from tests.distribution.smtp import SmtpServer
from tests.live import Live, live_organisation
from tests.worker import Worker, wait_for, worker_env

PUBLIC = "https://jobs.kb.example"


def _post(live: Live, vacancy_id: str) -> dict[str, Any]:
    (post,) = live.get(f"/v1/vacancies/{vacancy_id}/posts")["data"]
    found: dict[str, Any] = post
    return found


def test_a_worker_posts_retries_and_withdraws(
    engine: Engine,
    settings: Settings,
    database_url: str,
    broker_url: str,
    tmp_path: Path,
    smtp: SmtpServer,
) -> None:
    with Platform() as platform, live_organisation(engine, settings, public_url=PUBLIC) as live:
        channel = live.post(
            "/v1/posting/channels",
            {
                "kind": "x",
                "name": "KB op X",
                "config": {"api_base_url": platform.url, "handle": "KB_nl"},
                "credentials": {"access_token": "x-token"},
            },
        )
        live.post(
            "/v1/posting/rules", {"name": "Nieuw", "channels": [{"channel_id": channel["id"]}]}
        )
        platform.queue("POST", "/2/tweets", Reply(429, X_429.body, {"Retry-After": "1"}))
        env = worker_env(database_url, broker_url, smtp.url, tmp_path, PUBLIC)
        worker = Worker(env, tmp_path / "worker.log", beat=True)
        try:
            worker.start()
            vacancy = live.post(
                "/v1/vacancies", {"title": "Archivaris", "description": "Archieven."}
            )
            wait_for(lambda: len(platform.calls("POST")) == 1, 60, "the first attempt")
            wait_for(
                lambda: _post(live, vacancy["id"])["status"] == "published",
                120,
                "the retry after Retry-After",
            )
            published = _post(live, vacancy["id"])
            assert published["url"].startswith(f"{PUBLIC}/r/")
            assert "429" not in (published["last_error"] or "")

            live.patch(f"/v1/vacancies/{vacancy['id']}", {"status": "closed"})
            wait_for(
                lambda: _post(live, vacancy["id"])["status"] == "withdrawn", 60, "the withdrawal"
            )
        finally:
            worker.stop()
    assert [(c.method, c.path) for c in platform.calls()] == [
        ("POST", "/2/tweets"),
        ("POST", "/2/tweets"),
        ("DELETE", f"/2/tweets/{published['platform_id']}"),
    ]
