"""Celery tasks of posting: thin wrappers over distribution/posting (worker, service)."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from distribution.posting import service, worker
from runtime.settings import get_settings
from runtime.task_support import task_session_factory, task_transaction

RUN = service.RUN_TASK
SWEEP = "distribution.posting.sweep"


def worker_settings() -> worker.Settings:
    settings = get_settings()
    return worker.Settings(
        public_url=settings.resolved_public_url,
        smtp_url=settings.smtp_url,
        smtp_from=settings.smtp_from,
        timeout=settings.webhook_timeout,
        allow_private=settings.webhook_allow_private,
    )


@shared_task(name=RUN, bind=True)
def run(self: Task[Any, Any]) -> int:
    """Send the posts that are due (publish, update, withdraw). Safe to run twice at once:
    posts are leased one worker at a time."""
    made, more = worker.run(task_session_factory(), worker_settings())
    if more:
        self.app.send_task(RUN)
    return made


@shared_task(name=SWEEP, bind=True)
def sweep(self: Task[Any, Any]) -> int:
    """Periodic: withdraw the posts of vacancies past their closing date, schedule the
    reposts that are due, then send whatever is due (retries whose time came included)."""
    with task_transaction(self.app) as session:
        withdrawn, reposted = service.sweep(session)
    made, more = worker.run(task_session_factory(), worker_settings())
    if more:
        self.app.send_task(RUN)
    return withdrawn + reposted + made
