"""The broker stopped in the middle of a campaign and started again, with a real worker
(and its periodic jobs) on a broker of the test's own: a campaign posted during the outage
is stored and its job waits in the outbox; the batch in flight sends its messages, and the
retry it cannot publish waits in the outbox too. Once the broker is back both campaigns
complete with every employee notified exactly once and nothing left in the outbox."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session, sessionmaker

from models import (
    Campaign,
    CampaignBatch,
    Employee,
    Notification,
    Organisation,
    OutboxJob,
    Vacancy,
)
from models.db import make_session_factory, transaction
from runtime.settings import Settings
from tests.distribution.smtp import Received, SmtpServer
from tests.faults.processes import RestartableBroker
from tests.live import Live, live_organisation
from tests.worker import Worker, wait_for, worker_env

EMPLOYEES = 30
CHANNELS = ["linkedin", "email"]
TITLES = ("Webredacteur", "Docent informatica")


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[RestartableBroker]:
    # The test's own: stopping it must not touch the session's.
    broker = RestartableBroker(tmp_path / "var")
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def live(engine: Engine, settings: Settings, broker: RestartableBroker) -> Iterator[Live]:
    with live_organisation(engine, settings, broker_url=broker.url) as organisation:
        yield organisation


def _seed(factory: sessionmaker[Session], name: str) -> tuple[list[uuid.UUID], list[str]]:
    domain = f"{uuid.uuid4().hex[:12]}.example"
    with transaction(factory) as session:
        organisation_id = session.scalars(
            select(Organisation.id).where(Organisation.name == name)
        ).one()
        vacancies = [Vacancy(organisation_id=organisation_id, title=title) for title in TITLES]
        session.add_all(vacancies)
        session.execute(
            insert(Employee),
            [
                {
                    "organisation_id": organisation_id,
                    "name": f"Medewerker {i}",
                    "email": f"medewerker{i}@{domain}",
                    "channels": CHANNELS,
                    "fields": [],
                }
                for i in range(EMPLOYEES)
            ],
        )
        session.flush()
        return [v.id for v in vacancies], [f"medewerker{i}@{domain}" for i in range(EMPLOYEES)]


def _waiting_jobs(session: Session, campaign_ids: list[str]) -> list[OutboxJob]:
    """The outbox jobs of these campaigns not handed to the broker yet."""
    batch_ids = [
        str(b)
        for b in session.scalars(
            select(CampaignBatch.id).where(CampaignBatch.campaign_id.in_(campaign_ids))
        )
    ]
    jobs = session.scalars(select(OutboxJob).where(OutboxJob.sent_at.is_(None)))
    return [
        job
        for job in jobs
        if job.kwargs.get("campaign_id") in campaign_ids or job.kwargs.get("batch_id") in batch_ids
    ]


def test_broker_outage_mid_campaign(
    live: Live, broker: RestartableBroker, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    factory = make_session_factory(engine)
    vacancy_ids, addresses = _seed(factory, live.name)
    body = {"audience": {"type": "all"}, "channels": CHANNELS}
    with SmtpServer() as smtp:
        # The first campaign's message to this employee is in flight when the broker stops.
        smtp.sink.hold = addresses[10]
        env = worker_env(database_url, broker.url, smtp.url, tmp_path, "https://jobs.example")
        worker = Worker(env, tmp_path / "worker.log", beat=True)
        try:
            worker.start()
            first = live.post(f"/v1/vacancies/{vacancy_ids[0]}/campaigns", body)["id"]
            wait_for(smtp.sink.holding.is_set, 120, "a message of the first campaign in flight")

            broker.stop()
            # Writes go on without the broker: the campaign is stored, its job waits.
            second = live.post(f"/v1/vacancies/{vacancy_ids[1]}/campaigns", body)["id"]
            with factory() as session:
                waiting = _waiting_jobs(session, [second])
                assert [job.task for job in waiting] == ["distribution.start_campaign"]
            # The batch in flight goes on too: every message but the one cut off is sent.
            smtp.sink.release.set()
            wait_for(lambda: len(_mails(smtp, TITLES[0])) == EMPLOYEES - 1, 120, "the batch")

            # The retry of the message cut off cannot be published: it waits in the outbox.
            def retry_waits() -> bool:
                with factory() as session:
                    return any(
                        job.task == "distribution.send_batch"
                        for job in _waiting_jobs(session, [first])
                    )

            wait_for(retry_waits, 120, "the batch's retry in the outbox")

            broker.start()  # on the same port: the worker and the app reconnect by themselves

            def done() -> bool:
                with factory() as session:
                    statuses = session.scalars(
                        select(Campaign.status).where(Campaign.id.in_([first, second]))
                    )
                    return set(statuses) == {"completed"} and not _waiting_jobs(
                        session, [first, second]
                    )

            # The periodic relay hands the waiting job over once it is 30 s old.
            wait_for(done, 180, "both campaigns to complete and the outbox to drain")
        finally:
            worker.stop()

    for title in TITLES:
        per_recipient = Counter(address for mail in _mails(smtp, title) for address in mail.to)
        assert per_recipient == dict.fromkeys(addresses, 1), title
    with factory() as session:
        held = session.scalars(
            select(Notification.attempts)
            .join(Employee, Employee.id == Notification.employee_id)
            .where(Notification.campaign_id == first, Employee.email == addresses[10])
        ).one()
        assert held == 2  # cut off, then sent by the retry
        statuses = Counter(
            session.execute(
                select(Notification.campaign_id, Notification.status).where(
                    Notification.campaign_id.in_([first, second])
                )
            ).all()
        )
    assert statuses == {
        (uuid.UUID(first), "sent"): EMPLOYEES,
        (uuid.UUID(second), "sent"): EMPLOYEES,
    }


def _mails(smtp: SmtpServer, title: str) -> list[Received]:
    with smtp.sink.lock:
        return [m for m in smtp.sink.received if title in str(m.message["Subject"])]
