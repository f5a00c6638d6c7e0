"""Tasks go to queues by kind of work, and a worker takes all queues unless told otherwise."""

from __future__ import annotations

from typer.testing import CliRunner

from runtime.celery_app import DEFAULT_QUEUE, QUEUES, TASK_MODULES, make_celery, queue_of
from runtime.cli import app as cli


def registered_tasks() -> set[str]:
    celery = make_celery("redis://127.0.0.1:1/0")
    celery.loader.import_default_modules()
    for module in TASK_MODULES:
        __import__(module)
    return {name for name in celery.tasks if not name.startswith("celery.")}


def test_every_task_is_routed_by_kind() -> None:
    celery = make_celery("redis://127.0.0.1:1/0")
    tasks = registered_tasks()
    assert "distribution.send_batch" in tasks
    for name in tasks:
        route = celery.amqp.router.route({}, name)
        assert route["queue"].name == queue_of(name) in QUEUES, name
    assert queue_of("matching.index_records") == "embedding"
    assert queue_of("matching.refresh_pool") == "embedding"
    assert queue_of("integration.imports.run") == "embedding"
    assert queue_of("distribution.send_batch") == "fanout"
    assert queue_of("integration.webhooks.deliver") == "webhooks"
    assert queue_of("distribution.posting.run") == "posting"
    assert queue_of("distribution.posting.sweep") == "posting"
    assert queue_of("talentmesh.outbox.relay") == DEFAULT_QUEUE


def test_worker_refuses_an_unknown_queue() -> None:
    result = CliRunner().invoke(cli, ["worker", "--queues", "embedding,mail"])
    assert result.exit_code != 0
    assert "unknown queues mail" in result.output


def test_worker_help_names_every_queue() -> None:
    result = CliRunner().invoke(cli, ["worker", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for queue in QUEUES:
        assert queue in result.output, queue
