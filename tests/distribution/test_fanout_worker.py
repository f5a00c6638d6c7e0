"""Fan-out in a real Celery worker on the embedded broker: a delivery that fails is retried
by Celery, and a worker killed mid-campaign and started again finishes the campaign with
every employee notified exactly once."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from distribution.campaigns import service
from distribution.campaigns.schemas import CampaignCreate
from models import Campaign, Employee, Notification, Organisation, TrackedLink, Vacancy
from models.db import make_session_factory, transaction
from runtime.outbox import unit_of_work
from tests.distribution.smtp import SmtpServer
from tests.worker import Worker, wait_for, worker_env

EMPLOYEES = 450  # three batches: 200, 200, 50
CHANNELS = ["linkedin", "x", "email"]


@pytest.fixture
def committed(engine: Engine) -> Iterator[tuple[sessionmaker[Session], uuid.UUID, uuid.UUID]]:
    """An organisation with a vacancy and employees, committed (a worker must see them),
    removed again afterwards."""
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        organisation = Organisation(name=f"Fan-out test {uuid.uuid4()}")
        session.add(organisation)
        session.flush()
        vacancy = Vacancy(organisation_id=organisation.id, title="Archivaris digitale collecties")
        session.add(vacancy)
        session.flush()
        session.execute(
            insert(Employee),
            [
                {
                    "organisation_id": organisation.id,
                    "name": f"Medewerker {i}",
                    "email": f"medewerker{i}@archief.example",
                    "channels": CHANNELS,
                    "fields": [],
                }
                for i in range(EMPLOYEES)
            ],
        )
        ids = (organisation.id, vacancy.id)
    yield factory, *ids
    with transaction(factory) as session:
        session.execute(delete(Organisation).where(Organisation.id == ids[0]))


def test_killed_worker_restarted_finishes_with_everyone_notified_once(
    committed: tuple[sessionmaker[Session], uuid.UUID, uuid.UUID],
    database_url: str,
    broker_url: str,
    tmp_path: Path,
) -> None:
    factory, organisation_id, vacancy_id = committed
    with SmtpServer() as smtp:
        # The first batch meets a busy server once (a Celery retry); the second is cut off
        # by the kill while a message is in flight.
        smtp.sink.refuse_once = {"medewerker10@archief.example"}
        smtp.sink.hold = "medewerker300@archief.example"
        env = worker_env(database_url, broker_url, smtp.url, tmp_path, "https://jobs.example")
        worker = Worker(env, tmp_path / "worker.log")
        try:
            worker.start()
            payload = CampaignCreate.model_validate(
                {"audience": {"type": "all"}, "channels": CHANNELS}
            )
            with unit_of_work(factory, worker.celery) as session:
                campaign_id = service.create(session, organisation_id, vacancy_id, payload).id
            wait_for(smtp.sink.holding.is_set, 300, "a message in flight in the second batch")
            worker.kill()
            smtp.sink.release.set()
            before_restart = len(smtp.sink.received)
            assert 200 <= before_restart < EMPLOYEES

            worker.start()

            def completed() -> bool:
                with factory() as session:
                    campaign = session.get(Campaign, campaign_id)
                    return campaign is not None and campaign.status == "completed"

            wait_for(completed, 300, "the campaign to complete after the restart")
        finally:
            worker.stop()

        per_recipient = Counter(address for mail in smtp.sink.received for address in mail.to)
    assert len(per_recipient) == EMPLOYEES
    assert set(per_recipient.values()) == {1}
    with factory() as session:
        statuses = Counter(
            session.scalars(
                select(Notification.status).where(Notification.campaign_id == campaign_id)
            )
        )
        assert statuses == {"sent": EMPLOYEES}
        retried = session.scalars(
            select(Notification.attempts)
            .join(Employee, Employee.id == Notification.employee_id)
            .where(
                Notification.campaign_id == campaign_id,
                Employee.email == "medewerker10@archief.example",
            )
        ).one()
        assert retried == 2
        links = session.scalar(
            select(func.count())
            .select_from(TrackedLink)
            .where(TrackedLink.campaign_id == campaign_id)
        )
        assert links == EMPLOYEES * len(CHANNELS)
