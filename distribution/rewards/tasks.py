"""Celery tasks of the rewards domain; thin wrappers that open their own transaction."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from distribution.rewards.service import promote_due
from models.base import utcnow
from runtime.task_support import task_transaction


@shared_task(name="distribution.rewards.promote", bind=True)
def promote(self: Task[Any, Any]) -> int:
    """Move pending referral rewards whose probation has ended to ``eligible``, in every
    organisation; returns how many moved. Runs periodically; safe to run again."""
    with task_transaction(self.app) as session:
        return promote_due(session, utcnow())
