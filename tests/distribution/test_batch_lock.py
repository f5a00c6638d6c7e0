"""The batch lock that makes a batch's sending exclusive, on real connections (committed
data, no test transaction): a second run of a batch that another run holds sends nothing
and leaves the batch to it; once the holder dies, the next run sends only what is still
open, so every employee gets exactly one message."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine, delete, func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from distribution.campaigns import fanout, repository
from distribution.campaigns.notify import Mailer
from models import Campaign, CampaignBatch, Employee, Notification, Organisation, Vacancy
from models.db import make_session_factory, transaction
from tests.distribution.smtp import SmtpServer

EMPLOYEES = 5
PUBLIC = "https://jobs.example.org"


@pytest.fixture
def batch(engine: Engine) -> Iterator[tuple[sessionmaker[Session], uuid.UUID]]:
    """A running campaign with one queued invitation batch, committed; removed afterwards."""
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        organisation = Organisation(name=f"Batch lock test {uuid.uuid4()}")
        session.add(organisation)
        session.flush()
        vacancy = Vacancy(organisation_id=organisation.id, title="Restaurator")
        session.add(vacancy)
        session.flush()
        employee_ids = list(
            session.scalars(
                insert(Employee).returning(Employee.id),
                [
                    {
                        "organisation_id": organisation.id,
                        "name": f"Medewerker {i}",
                        "email": f"medewerker{i}@restauratie.example",
                        "channels": ["email"],
                        "fields": [],
                    }
                    for i in range(EMPLOYEES)
                ],
            )
        )
        campaign = Campaign(
            organisation_id=organisation.id,
            vacancy_id=vacancy.id,
            audience={"type": "all"},
            channels=["email"],
            status="running",
        )
        session.add(campaign)
        session.flush()
        [batch_id] = repository.add_batches(
            session,
            [
                {
                    "campaign_id": campaign.id,
                    "kind": "invite",
                    "number": 0,
                    "employee_ids": employee_ids,
                }
            ],
        )
        organisation_id = organisation.id
    yield factory, batch_id
    with transaction(factory) as session:
        session.execute(delete(Organisation).where(Organisation.id == organisation_id))


def _deliver(
    factory: sessionmaker[Session], work: fanout.BatchWork, smtp: SmtpServer
) -> fanout.Delivered:
    mailer = Mailer(smtp.url, "TalentMesh <no-reply@restauratie.example>")
    try:
        with httpx.Client() as http:
            return fanout.deliver(
                factory, work, public_url=PUBLIC, secret="test secret", mailer=mailer, http=http
            )
    finally:
        mailer.close()


def test_a_held_batch_is_left_to_its_holder_and_taken_over_when_the_holder_dies(
    batch: tuple[sessionmaker[Session], uuid.UUID], smtp: SmtpServer
) -> None:
    factory, batch_id = batch
    with transaction(factory) as session:
        work = fanout.prepare_batch(session, batch_id)
    assert work is not None

    # A first run holds the batch (its lock is on its own connection) and has sent the
    # first employee's message, whose mark committed at once.
    holder = factory()
    assert repository.try_lock_batch(holder, batch_id)
    holder_pid = holder.scalar(text("SELECT pg_backend_pid()"))
    with transaction(factory) as session:
        first = session.scalars(
            select(Notification.id)
            .where(Notification.campaign_id == work.campaign_id)
            .order_by(Notification.employee_id)
            .limit(1)
        ).one()
        repository.mark_notification(session, first, "sent")

    # A duplicate delivery of the job meanwhile: nothing prepared, nothing sent.
    with transaction(factory) as session:
        assert fanout.prepare_batch(session, batch_id) is None
    duplicate = _deliver(factory, work, smtp)
    assert (duplicate.busy, duplicate.sent, duplicate.failed) == (True, 0, 0)
    assert smtp.sink.received == []

    # The holder's process dies: its connection goes, and the lock with it.
    with factory() as session:
        session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holder_pid})
    holder.invalidate()

    taken_over = _deliver(factory, work, smtp)
    assert (taken_over.busy, taken_over.sent, taken_over.failed) == (False, EMPLOYEES - 1, 0)
    with transaction(factory) as session:
        fanout.finish_batch(session, batch_id)

    per_recipient = Counter(address for mail in smtp.sink.received for address in mail.to)
    assert len(per_recipient) == EMPLOYEES - 1
    assert set(per_recipient.values()) == {1}
    with factory() as session:
        statuses = Counter(
            session.scalars(
                select(Notification.status).where(Notification.campaign_id == work.campaign_id)
            )
        )
        assert statuses == {"sent": EMPLOYEES}
        attempts = session.scalar(
            select(func.sum(Notification.attempts)).where(
                Notification.campaign_id == work.campaign_id
            )
        )
        assert attempts == EMPLOYEES
        assert session.get(CampaignBatch, batch_id).status == "done"  # type: ignore[union-attr]
        campaign = session.get(Campaign, work.campaign_id)
        assert campaign is not None
        assert campaign.status == "completed"
