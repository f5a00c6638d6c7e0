"""Celery tasks of webhooks: thin wrappers over integration/webhooks/delivery.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from celery import Task, shared_task

from integration.events import repository as events
from integration.webhooks import delivery
from models.base import utcnow
from models.db import transaction
from runtime.settings import get_settings
from runtime.task_support import task_session_factory

DELIVER = "integration.webhooks.deliver"


@shared_task(name=DELIVER, bind=True)
def deliver(self: Task[Any, Any], endpoint_id: str) -> int:
    """Deliver what is due for one endpoint. Safe to run twice at once: deliveries are
    leased one worker at a time."""
    settings = get_settings()
    made, more = delivery.run(
        task_session_factory(),
        UUID(endpoint_id),
        timeout=settings.webhook_timeout,
        schedule=settings.retry_schedule,
        allow_private=settings.webhook_allow_private,
    )
    if more:
        self.app.send_task(DELIVER, kwargs={"endpoint_id": endpoint_id})
    return made


@shared_task(name="integration.webhooks.dispatch", bind=True)
def dispatch(self: Task[Any, Any]) -> int:
    """Periodic: start a delivery run for every enabled endpoint with due deliveries (retries
    whose time came, leases that lapsed, jobs the broker lost)."""
    with transaction(task_session_factory()) as session:
        endpoint_ids = delivery.due_endpoints(session)
    for endpoint_id in endpoint_ids:
        self.app.send_task(DELIVER, kwargs={"endpoint_id": str(endpoint_id)})
    return len(endpoint_ids)


@shared_task(name="integration.events.prune")
def prune_events() -> int:
    """Daily: delete events (and their deliveries) older than the retention period."""
    days = get_settings().event_retention_days
    with transaction(task_session_factory()) as session:
        return events.prune(session, utcnow() - timedelta(days=days))
