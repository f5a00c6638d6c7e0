"""The pool process running a task killed with SIGKILL while the worker's main process lives
on (what the kernel's out-of-memory killer does): Celery hands the message back at once
(``task_reject_on_worker_lost``) and the batch runs again, every employee notified once.

The visibility timeout is set far beyond the test's deadlines, so only that hand-back can
bring the batch back. Killing the whole worker, which leaves the message to the visibility
timeout, is tests/distribution/test_fanout_worker.py (and, for imports and webhook
deliveries, tests/integration/test_imports_worker.py and test_webhooks_worker.py)."""

from __future__ import annotations

import os
import signal
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from sqlalchemy import Engine, insert, select

from models import Campaign, Employee, Notification, Organisation, Vacancy
from models.db import make_session_factory
from runtime.settings import Settings
from tests.distribution.smtp import SmtpServer
from tests.live import Live, live_organisation
from tests.worker import Worker, wait_for, worker_env

EMPLOYEES = 20


@pytest.fixture
def live(engine: Engine, settings: Settings) -> Iterator[Live]:
    with live_organisation(engine, settings) as organisation:
        yield organisation


def test_pool_process_killed_mid_batch(
    live: Live, engine: Engine, database_url: str, broker_url: str, tmp_path: Path
) -> None:
    domain = f"{uuid.uuid4().hex[:12]}.example"
    addresses = [f"medewerker{i}@{domain}" for i in range(EMPLOYEES)]
    factory = make_session_factory(engine)
    with factory.begin() as session:
        organisation_id = session.scalars(
            select(Organisation.id).where(Organisation.name == live.name)
        ).one()
        vacancy = Vacancy(organisation_id=organisation_id, title="Conservator")
        session.add(vacancy)
        session.execute(
            insert(Employee),
            [
                {
                    "organisation_id": organisation_id,
                    "name": f"Medewerker {i}",
                    "email": address,
                    "channels": ["email"],
                    "fields": [],
                }
                for i, address in enumerate(addresses)
            ],
        )
        session.flush()
        vacancy_id = vacancy.id
    with SmtpServer() as smtp:
        smtp.sink.hold = addresses[5]
        env = worker_env(
            database_url,
            broker_url,
            smtp.url,
            tmp_path,
            "https://jobs.example",
            task_visibility_timeout="3600",
        )
        worker = Worker(env, tmp_path / "worker.log")
        try:
            worker.start()
            body = {"audience": {"type": "all"}, "channels": ["email"]}
            campaign_id = live.post(f"/v1/vacancies/{vacancy_id}/campaigns", body)["id"]
            wait_for(smtp.sink.holding.is_set, 120, "a message in flight")
            assert worker.process is not None
            [pool] = psutil.Process(worker.process.pid).children()
            os.kill(pool.pid, signal.SIGKILL)
            smtp.sink.release.set()

            def completed() -> bool:
                with factory() as session:
                    campaign = session.get(Campaign, uuid.UUID(campaign_id))
                    return campaign is not None and campaign.status == "completed"

            wait_for(completed, 120, "the campaign to complete after the kill")
            assert worker.process.poll() is None, "the main process lives on"
        finally:
            worker.stop()

    per_recipient = Counter(address for mail in smtp.sink.received for address in mail.to)
    assert per_recipient == dict.fromkeys(addresses, 1)
    with factory() as session:
        statuses = Counter(
            session.scalars(
                select(Notification.status).where(Notification.campaign_id == campaign_id)
            )
        )
    assert statuses == {"sent": EMPLOYEES}
