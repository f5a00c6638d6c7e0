"""Celery tasks of campaigns: thin wrappers that take ids, open their own transactions and
call the fan-out. Each is safe to run more than once (see fanout.py)."""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import Any
from uuid import UUID

import httpx
from celery import Task, shared_task
from celery.exceptions import Reject
from sqlalchemy.orm import Session

from distribution.campaigns import fanout
from distribution.campaigns.notify import DeliveryError, Mailer
from integration.webhooks import targets
from models import Campaign
from models.base import utcnow
from runtime.outbox import enqueue
from runtime.settings import get_settings
from runtime.task_support import task_session_factory, task_transaction

# Every countdown stays below the broker's visibility timeout, or the waiting retry would be
# handed out a second time.
SMTP_TIMEOUT = 8.0
RETRY_SECONDS = (5, 30, 120, 300, 600)


def _best_fit(session: Session, campaign: Campaign, limit: int) -> list[UUID]:
    from distribution.employees.fit import best_fit_employees

    return best_fit_employees(
        session,
        campaign.organisation_id,
        campaign.vacancy_id,
        get_settings().embedding_model,
        limit,
        list(campaign.channels),
    )


@shared_task(name="distribution.start_campaign", bind=True)
def start_campaign(self: Task[Any, Any], campaign_id: str) -> None:
    """Resolve the audience and enqueue the batches (after this transaction commits)."""
    with task_transaction(self.app) as session:
        fanout.start(session, UUID(campaign_id), _best_fit)


@shared_task(name="distribution.send_reminders", bind=True)
def send_reminders(self: Task[Any, Any], campaign_id: str) -> None:
    with task_transaction(self.app) as session:
        fanout.remind(session, UUID(campaign_id))


def refuse_private_targets(request: httpx.Request) -> None:
    """Checked before every post, not only at registration: a DNS name can change what it
    points at."""
    refused = targets.refusal(str(request.url))
    if refused is not None:
        raise DeliveryError(f"the campaign webhook is not allowed: {refused}")


@cache
def _http_client() -> httpx.Client:
    """One client per worker process: building one (its TLS context) costs more than a
    small batch's sending, and its connections are then reused across batches."""
    hooks = {} if get_settings().webhook_allow_private else {"request": [refuse_private_targets]}
    return httpx.Client(timeout=SMTP_TIMEOUT, event_hooks=hooks)


@shared_task(name="distribution.send_batch", bind=True, max_retries=len(RETRY_SECONDS))
def send_batch(self: Task[Any, Any], batch_id: str) -> dict[str, int]:
    """Links and notifications for one batch of employees; failed deliveries are retried
    with backoff, and a retry sends only what is still open."""
    settings = get_settings()
    with task_transaction(self.app) as session:
        work = fanout.prepare_batch(session, UUID(batch_id))
    if work is None:
        return {"sent": 0, "failed": 0}
    mailer = Mailer(settings.smtp_url, settings.smtp_from, timeout=SMTP_TIMEOUT)
    try:
        outcome = fanout.deliver(
            task_session_factory(),
            work,
            public_url=settings.resolved_public_url,
            secret=settings.secret_key.get_secret_value(),
            mailer=mailer,
            http=_http_client(),
        )
    finally:
        mailer.close()
    if outcome.busy:
        return {"sent": 0, "failed": 0}
    retries = self.request.retries or 0
    if outcome.retry and retries < len(RETRY_SECONDS):
        countdown = RETRY_SECONDS[retries]
        try:
            raise self.retry(countdown=countdown)
        except Reject:
            # The broker did not take the retry, and Celery drops a message it cannot
            # retry: unless that reject fails too, the batch would wait for the stuck-batch
            # sweep. The retry waits in the outbox instead, and goes out with the broker.
            with task_transaction(self.app) as session:
                eta = utcnow() + timedelta(seconds=countdown)
                enqueue(session, "distribution.send_batch", eta=eta, batch_id=batch_id)
            return {"sent": outcome.sent, "failed": outcome.failed}
    with task_transaction(self.app) as session:
        fanout.finish_batch(session, work.batch_id)
    return {"sent": outcome.sent, "failed": outcome.failed}


@shared_task(name="distribution.requeue_stuck_batches", bind=True)
def requeue_stuck_batches(self: Task[Any, Any]) -> int:
    """Periodic: enqueue again batches whose job was lost (see fanout.requeue_stuck)."""
    older_than = timedelta(seconds=2 * get_settings().task_visibility_timeout)
    with task_transaction(self.app) as session:
        return fanout.requeue_stuck(session, older_than)
