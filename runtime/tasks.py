"""Service-level tasks."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from runtime.outbox import prune, relay
from runtime.task_support import task_session_factory


@shared_task(name="talentmesh.ping")
def ping() -> str:
    """Answers ``pong``: lets operators and tests see that a worker consumes the queue."""
    return "pong"


@shared_task(name="talentmesh.outbox.relay", bind=True)
def relay_outbox(self: Task[Any, Any]) -> int:
    """Hand over outbox jobs that are due and were left behind (a crash between commit and
    hand-over, a broker outage, a later ``eta``). Runs periodically."""
    return relay(task_session_factory(), self.app)


@shared_task(name="talentmesh.outbox.prune")
def prune_outbox() -> int:
    """Delete outbox jobs handed over more than a week ago, and idempotency keys older than
    a day. Runs daily."""
    from api.idempotency import prune as prune_keys

    factory = task_session_factory()
    return prune(factory) + prune_keys(factory)
