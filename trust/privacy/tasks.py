"""Celery tasks of data-subject rights; thin wrappers that open their own transactions."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from celery import Task, shared_task

from models.base import utcnow
from runtime.task_support import task_transaction
from trust.privacy import retention


@shared_task(name="trust.privacy.retention", bind=True)
def enforce_retention(self: Task[Any, Any]) -> dict[str, list[str]]:
    """Erase candidates whose consented retention has passed; returns the ids erased and
    failed. Runs daily from beat; running it again finds nothing more to do."""
    report = retention.run(lambda: task_transaction(self.app), utcnow())
    return asdict(report)
