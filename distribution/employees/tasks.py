"""Celery tasks of employees: thin wrappers that take ids and open their own transaction."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from celery import Task, shared_task

from distribution.employees import fit, repository
from runtime.settings import get_settings
from runtime.task_support import task_transaction


@shared_task(name="distribution.embed_employees", bind=True, acks_late=True)
def embed_employees(self: Task[Any, Any], employee_ids: list[str]) -> int:
    """Embed the fields of imported employees; safe to repeat (unchanged texts are skipped)."""
    with task_transaction(self.app) as session:
        employees = repository.by_ids(session, [UUID(i) for i in employee_ids])
        return fit.embed_employees(session, employees, get_settings().embedding_model)
