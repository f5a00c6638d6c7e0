"""A real Celery worker (``talentmesh worker``) in a process group of its own, for tests that
need one, and the committed-data environment it works on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from celery import Celery

from runtime.celery_app import make_celery

ROOT = Path(__file__).resolve().parents[1]


class Worker:
    def __init__(self, env: dict[str, str], log: Path, *, beat: bool = False) -> None:
        self.env = env
        self.log = log
        # With the periodic jobs (outbox relay, webhook dispatch, import resumption).
        self.beat = beat
        self.process: subprocess.Popen[bytes] | None = None
        self.celery: Celery = make_celery(env["TALENTMESH_BROKER_URL"])

    def start(self) -> None:
        command = [sys.executable, "-m", "runtime.cli", "worker", "--concurrency", "1"]
        self.process = subprocess.Popen(
            [*command, "--beat"] if self.beat else command,
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("ab"),
            start_new_session=True,
        )
        # Ready once it answers; jobs queued before it are taken first.
        self.celery.send_task("talentmesh.ping").get(timeout=300)

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool): nothing gets to clean up."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None


def worker_env(
    database_url: str,
    broker_url: str,
    smtp_url: str,
    data_dir: Path,
    public_url: str,
    **extra: str,
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALENTMESH_")}
    env |= {
        "TALENTMESH_DATABASE_URL": database_url,
        "TALENTMESH_BROKER_URL": broker_url,
        "TALENTMESH_SMTP_URL": smtp_url,
        "TALENTMESH_PUBLIC_URL": public_url,
        "TALENTMESH_DATA_DIR": str(data_dir),
        # A task held by a worker that died is handed out again after 5 s.
        "TALENTMESH_TASK_VISIBILITY_TIMEOUT": "5",
        "TALENTMESH_LOG_LEVEL": "INFO",
        # Test receivers (webhooks, SMTP) listen on this machine.
        "TALENTMESH_WEBHOOK_ALLOW_PRIVATE": "true",
        "HF_HUB_OFFLINE": "1",
    }
    return env | {f"TALENTMESH_{name.upper()}": value for name, value in extra.items()}


def wait_for(predicate: object, timeout: float, what: str) -> None:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
