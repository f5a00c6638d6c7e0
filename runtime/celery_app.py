"""The Celery application. Tasks live in each domain's ``tasks.py`` and take ids, open their
own session and call the domain service."""

from __future__ import annotations

from celery import Celery

TASK_MODULES = [
    "runtime.tasks",
    "matching.indexing.tasks",
    "distribution.campaigns.tasks",
    "distribution.employees.tasks",
    "distribution.rewards.tasks",
    "distribution.posting.tasks",
    "integration.webhooks.tasks",
    "integration.imports.tasks",
    "matching.retrieval.tasks",
    "trust.privacy.tasks",
]

# Periodic jobs, run by `talentmesh beat` (or the worker `talentmesh serve` starts).
BEAT_SCHEDULE = {
    "relay-outbox": {"task": "talentmesh.outbox.relay", "schedule": 10.0},
    "promote-rewards": {"task": "distribution.rewards.promote", "schedule": 3600.0},
    "requeue-stuck-batches": {"task": "distribution.requeue_stuck_batches", "schedule": 300.0},
    "prune-outbox": {"task": "talentmesh.outbox.prune", "schedule": 86400.0},
    "dispatch-webhooks": {"task": "integration.webhooks.dispatch", "schedule": 5.0},
    "prune-events": {"task": "integration.events.prune", "schedule": 86400.0},
    "resume-imports": {"task": "integration.imports.resume", "schedule": 60.0},
    # Hourly, so a retention ends within the hour it was promised for.
    "enforce-retention": {"task": "trust.privacy.retention", "schedule": 3600.0},
    # Expired vacancies' posts, reposts, and retries whose time came (429, 5xx).
    "sweep-posts": {"task": "distribution.posting.sweep", "schedule": 30.0},
}


# Queues by kind of work, so each kind can have workers of its own (docs/scaling.md):
# encoding is CPU-bound and slow, fan-out waits on mail servers, webhooks on receivers,
# posting on social platforms' APIs (and their rate limits), and a long import must not
# hold up a campaign. `talentmesh worker` takes all of them unless
# told otherwise (--queues). Anything not listed goes to the default queue.
DEFAULT_QUEUE = "celery"
TASK_QUEUES: dict[str, tuple[str, ...]] = {
    "embedding": (
        "matching.index_records",
        "matching.match_vacancy",
        "matching.refresh_pool",
        "integration.imports.run",
        "distribution.embed_employees",
    ),
    "fanout": (
        "distribution.start_campaign",
        "distribution.send_batch",
        "distribution.send_reminders",
    ),
    "webhooks": ("integration.webhooks.deliver", "integration.webhooks.dispatch"),
    "posting": ("distribution.posting.run", "distribution.posting.sweep"),
}
QUEUES = (DEFAULT_QUEUE, *TASK_QUEUES)


def queue_of(task_name: str) -> str:
    for queue, names in TASK_QUEUES.items():
        if task_name in names:
            return queue
    return DEFAULT_QUEUE


def make_celery(broker_url: str, *, visibility_timeout: int = 900) -> Celery:
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
        # A task taken by a worker that died is handed out again after this many seconds;
        # the unacked sweep runs every few seconds so that happens close to the timeout.
        broker_transport_options={
            "visibility_timeout": visibility_timeout,
            "unacked_restore_interval": max(1, min(10, visibility_timeout // 4)),
            "unacked_restore_throttle": 1,
        },
        beat_schedule=BEAT_SCHEDULE,
        task_default_queue=DEFAULT_QUEUE,
        task_routes={
            name: {"queue": queue} for queue, names in TASK_QUEUES.items() for name in names
        },
        timezone="UTC",
    )
    return app


def celery_for_settings() -> Celery:
    """The Celery app for this process's settings (the embedded broker when none is set)."""
    from runtime.resources import resolve_broker_url
    from runtime.settings import get_settings

    settings = get_settings()
    return make_celery(
        resolve_broker_url(settings), visibility_timeout=settings.task_visibility_timeout
    )
