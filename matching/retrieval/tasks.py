"""Celery tasks of retrieval: thin wrappers that take ids and open their own transaction."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from celery import Task, shared_task

from matching.retrieval import announce, pools, scanned, service
from matching.scoring.profiles import SIDES
from runtime.settings import get_settings
from runtime.task_support import task_transaction


@shared_task(name=announce.TASK, bind=True)
def match_vacancy(self: Task[Any, Any], vacancy_id: str) -> int:
    """Rank candidates for a vacancy and announce ``match.completed``; running it twice
    announces twice, each with the ranking of its moment."""
    settings = get_settings()
    SIDES.resize(settings.match_cache_profiles)
    scanned.resize(settings.match_cache_scan_profiles)
    with task_transaction(self.app) as session:
        return announce.announce(session, UUID(vacancy_id), settings.embedding_model)


@shared_task(name=pools.TASK, bind=True)
def refresh_pool(self: Task[Any, Any], vacancy_id: str) -> int | None:
    """Find and store a vacancy's match pool; running it twice stores the later finding."""
    settings = get_settings()
    with task_transaction(self.app) as session:
        return service.refresh_pool(session, UUID(vacancy_id), settings.embedding_model)
