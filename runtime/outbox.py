"""Background jobs that are enqueued only after their data commits.

Domain code calls :func:`enqueue` inside its transaction: the job becomes a row of
``outbox_jobs`` in that same transaction, so a rollback takes the job with it and a commit
keeps both. After the commit the boundary (request, task, command) hands the new rows to the
broker (:func:`relay`); the periodic ``talentmesh.outbox.relay`` task hands over whatever a
crash or a broker outage left behind, and jobs whose ``eta`` lies in the future. A job may
thus reach the broker twice (handed over, then the process dies before marking it): every
task is written to be safe to run again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from celery import Celery
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from models import OutboxJob
from models.base import utcnow
from models.db import transaction

logger = logging.getLogger(__name__)

_PENDING = "outbox_pending"
# A job the boundary did not hand over within this time is taken by the periodic relay.
STALE_AFTER = timedelta(seconds=30)
RELAY_BATCH = 500


def enqueue(session: Session, task: str, *, eta: datetime | None = None, **kwargs: Any) -> None:
    """Write a job for ``task`` with JSON ``kwargs``; it reaches the broker after commit
    (at ``eta`` at the earliest)."""
    job = OutboxJob(task=task, kwargs=kwargs, eta=eta)
    session.add(job)
    session.flush()
    if eta is None or eta <= utcnow():
        session.info.setdefault(_PENDING, []).append(job.id)


def pending(session: Session) -> list[int]:
    """Ids of jobs this session enqueued and nobody handed over yet."""
    ids: list[int] = session.info.pop(_PENDING, [])
    return ids


def relay(factory: sessionmaker[Session], celery: Celery, ids: list[int] | None = None) -> int:
    """Hand jobs to the broker and mark them sent: the given ids, or (``None``) every job
    that is due and was not handed over within ``STALE_AFTER``. Rows are claimed with
    ``SKIP LOCKED``, so concurrent relays never send one job twice."""
    now = utcnow()
    with transaction(factory) as session:
        query = select(OutboxJob).where(OutboxJob.sent_at.is_(None))
        if ids is not None:
            if not ids:
                return 0
            query = query.where(OutboxJob.id.in_(ids))
        else:
            query = query.where(
                (OutboxJob.eta.is_(None) & (OutboxJob.created_at < now - STALE_AFTER))
                | (OutboxJob.eta <= now)
            )
        jobs = list(
            session.scalars(
                query.order_by(OutboxJob.id).limit(RELAY_BATCH).with_for_update(skip_locked=True)
            )
        )
        sent: list[int] = []
        for job in jobs:
            try:
                celery.send_task(job.task, kwargs=job.kwargs)
            except Exception:
                logger.exception("outbox job %s (%s) not handed to the broker", job.id, job.task)
                break
            sent.append(job.id)
        if sent:
            session.execute(
                update(OutboxJob)
                .where(OutboxJob.id.in_(sent))
                .values(sent_at=now, attempts=OutboxJob.attempts + 1)
            )
    return len(sent)


@contextmanager
def unit_of_work(factory: sessionmaker[Session], celery: Celery) -> Iterator[Session]:
    """``transaction`` plus the hand-over of the jobs it enqueued, once it has committed."""
    with transaction(factory) as session:
        yield session
        ids = pending(session)
    if ids:
        try:
            for start in range(0, len(ids), RELAY_BATCH):
                relay(factory, celery, ids[start : start + RELAY_BATCH])
        except Exception:
            logger.exception("outbox hand-over failed; the periodic relay will send it")


KEEP_SENT = timedelta(days=7)


def prune(factory: sessionmaker[Session]) -> int:
    """Delete jobs handed over more than ``KEEP_SENT`` ago (kept a while for inspection)."""
    with transaction(factory) as session:
        result = session.execute(delete(OutboxJob).where(OutboxJob.sent_at < utcnow() - KEEP_SENT))
    return int(getattr(result, "rowcount", 0) or 0)
