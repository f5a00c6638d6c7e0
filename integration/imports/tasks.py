"""Celery tasks of bulk imports: thin wrappers over integration/imports/runner.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from celery import Task, shared_task

from integration.imports import repository, runner
from integration.imports.service import RUN_TASK
from models.base import utcnow
from models.db import transaction
from runtime.settings import get_settings
from runtime.task_support import task_session_factory

# A running import writes its heartbeat with every batch (seconds apart); one silent this
# long lost its runner.
STALE_AFTER = timedelta(minutes=2)


@shared_task(name=RUN_TASK, bind=True)
def run(self: Task[Any, Any], import_id: str) -> None:
    """Import rows for a while, then hand over to a new job of the same kind."""
    more = runner.run(
        task_session_factory(), self.app, UUID(import_id), get_settings().embedding_model
    )
    if more:
        self.app.send_task(RUN_TASK, kwargs={"import_id": import_id})


@shared_task(name="integration.imports.resume", bind=True)
def resume(self: Task[Any, Any]) -> int:
    """Periodic: start a run for every unfinished import whose runner went silent (a worker
    killed mid-batch, a job lost with the broker)."""
    with transaction(task_session_factory()) as session:
        stale = repository.stale(session, utcnow() - STALE_AFTER)
    for import_id in stale:
        self.app.send_task(RUN_TASK, kwargs={"import_id": str(import_id)})
    return len(stale)
