"""The real service, started the way the README's run command starts it: embedded
PostgreSQL and broker, migrations, a Celery worker and the API, on a data dir of its own."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

TALENTMESH = [sys.executable, "-m", "runtime.cli"]
KEY_PATTERN = re.compile(r"tm_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALENTMESH_")}
    env.update(
        TALENTMESH_DATA_DIR=str(data_dir),
        TALENTMESH_PORT=str(port),
        TALENTMESH_LOG_LEVEL="WARNING",
        HF_HUB_OFFLINE="1",
    )
    return env


class Service:
    def __init__(self, data_dir: Path, log: Path) -> None:
        self.data_dir = data_dir
        self.port = _free_port()
        self.env = _env(data_dir, self.port)
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*TALENTMESH, "serve"], env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        # A first start loads the taxonomy and builds the concept extractor, about 17 s on 2
        # idle cores, and far longer while other work shares them: the limit only catches a
        # start that hangs.
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"service did not become healthy:\n{self.log.read_text()}")

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=90)
        self.process = None
        return code

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*TALENTMESH, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    svc = Service(tmp_path / "var", tmp_path / "service.log")
    yield svc
    if svc.process is not None:
        svc.process.kill()
        svc.process.wait()


def test_run_command_lifecycle(service: Service) -> None:
    service.start()
    assert httpx.get(f"{service.url}/health").json() == {"status": "ok"}

    # CLI commands use the running service's embedded database.
    created = service.cli(
        "apikey", "create", "--org", "Koninklijke Bibliotheek", "--scopes", "vacancies:write"
    )
    assert created.returncode == 0, created.stderr
    assert KEY_PATTERN.fullmatch(created.stdout.strip()), created.stdout
    assert created.stdout.count("\n") == 1
    key = created.stdout.strip()
    auth = {"Authorization": f"Bearer {key}"}
    vacancy = httpx.post(
        f"{service.url}/v1/vacancies",
        headers=auth,
        json={"title": "Conservator", "external_id": "KB-1"},
        timeout=30,
    )
    assert vacancy.status_code == 201
    assert service.cli("migrate").returncode == 0

    # A second service on the same data dir is refused with a clear message.
    second = subprocess.run(
        [*TALENTMESH, "serve"],
        env=_env(service.data_dir, _free_port()),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert second.returncode == 2
    assert "in use by another TalentMesh service" in second.stderr

    # The worker consumes the embedded broker's queue.
    from runtime.celery_app import make_celery

    broker = json.loads((service.data_dir / "broker" / "broker.json").read_text())["url"]
    celery = make_celery(broker)
    assert celery.send_task("talentmesh.ping").get(timeout=60) == "pong"
    celery.close()

    assert service.stop() == 0
    assert not (service.data_dir / "postgres" / "postmaster.pid").exists()

    # A second start reuses the data: the vacancy and the key are still there.
    service.start()
    listed = httpx.get(f"{service.url}/v1/vacancies", headers=auth)
    assert listed.status_code == 200
    assert [v["external_id"] for v in listed.json()["data"]] == ["KB-1"]
    assert service.stop() == 0


def test_cli_reports_bad_scopes(tmp_path: Path) -> None:
    result = subprocess.run(
        [*TALENTMESH, "apikey", "create", "--org", "X", "--scopes", "everything"],
        env=_env(tmp_path / "var", _free_port()),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "unknown scope(s): everything" in result.stderr
    # The command started the embedded database for itself and stopped it again.
    assert not (tmp_path / "var" / "postgres" / "postmaster.pid").exists()


def test_production_refuses_the_default_secret(tmp_path: Path) -> None:
    env = _env(tmp_path / "var", _free_port()) | {"TALENTMESH_ENV": "production"}
    result = subprocess.run(
        [*TALENTMESH, "serve"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert "TALENTMESH_SECRET_KEY" in result.stderr
    assert not (tmp_path / "var" / "postgres").exists()
