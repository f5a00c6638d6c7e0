"""The Celery application. Tasks live in each domain's ``tasks.py`` and take ids, open their
own session and call the domain service."""

from __future__ import annotations

from celery import Celery

TASK_MODULES = ["runtime.tasks", "matching.indexing.tasks"]


def make_celery(broker_url: str) -> Celery:
    app = Celery("talentmesh", broker=broker_url, backend=broker_url, include=TASK_MODULES)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=3600,
        broker_connection_retry_on_startup=True,
        timezone="UTC",
    )
    return app


def celery_for_settings() -> Celery:
    """The Celery app for this process's settings (the embedded broker when none is set)."""
    from runtime.resources import resolve_broker_url
    from runtime.settings import get_settings

    return make_celery(resolve_broker_url(get_settings()))
