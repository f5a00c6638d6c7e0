"""A bulk import in a real Celery worker, killed halfway and started again: it ends with
every good row imported exactly once and the bad rows reported. And the same import from
the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from models import Candidate, Event, Organisation
from models.db import make_session_factory
from runtime.settings import Settings
from tests.live import Live, live_organisation
from tests.worker import ROOT, Worker, wait_for, worker_env

ROWS = 640
BAD = {7, 300, 301, 639}


@pytest.fixture
def live(engine: Engine, settings: Settings) -> Iterator[Live]:
    with live_organisation(engine, settings) as organisation:
        yield organisation


def _rows() -> bytes:
    lines = []
    for i in range(ROWS):
        row: dict[str, Any] = {
            "name": f"Kandidaat {i}",
            "email": f"kandidaat{i}@example.org",
            "headline": "Archivaris" if i % 2 else "Developer",
            "skills": ["archiveren", "Python"],
        }
        if i in BAD:
            row["email"] = "no email"
        lines.append(json.dumps(row))
    return "\n".join(lines).encode()


def _counts(engine: Engine, organisation: str) -> tuple[int, int, int]:
    with make_session_factory(engine)() as session:
        org_id = session.scalars(
            select(Organisation.id).where(Organisation.name == organisation)
        ).one()
        candidates = session.scalar(
            select(func.count()).select_from(Candidate).where(Candidate.organisation_id == org_id)
        )
        emails = session.scalar(
            select(func.count(func.distinct(Candidate.email))).where(
                Candidate.organisation_id == org_id
            )
        )
        created = session.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.organisation_id == org_id, Event.type == "candidate.created")
        )
    return int(candidates or 0), int(emails or 0), int(created or 0)


def test_import_resumes_after_the_worker_is_killed(
    live: Live, engine: Engine, database_url: str, broker_url: str, tmp_path: Path
) -> None:
    env = worker_env(database_url, broker_url, "smtp://127.0.0.1:1", tmp_path, "https://x")
    worker = Worker(env, tmp_path / "worker.log")
    try:
        worker.start()
        response = live.client.post(
            "/v1/imports",
            params={"kind": "candidates"},
            content=_rows(),
            headers=live.headers | {"Content-Type": "application/x-ndjson"},
        )
        assert response.status_code == 202, response.text
        path = f"/v1/imports/{response.json()['id']}"
        wait_for(lambda: live.get(path)["succeeded_rows"] >= 64, 120, "the first batch")
        worker.kill()
        halfway = live.get(path)
        assert halfway["status"] == "running"
        assert halfway["pending_rows"] > 0
        worker.start()
        wait_for(lambda: live.get(path)["status"] == "completed", 300, "the import to finish")
    finally:
        worker.stop()
    done = live.get(path)
    assert (done["succeeded_rows"], done["failed_rows"]) == (ROWS - len(BAD), len(BAD))
    report = live.get(f"{path}/errors")["data"]
    assert [r["line"] - 1 for r in report] == sorted(BAD)
    assert all(r["errors"][0]["field"] == "email" for r in report)
    assert _counts(engine, live.name) == (ROWS - len(BAD),) * 3


def test_the_command_line_imports_with_a_report(
    live: Live, engine: Engine, database_url: str, broker_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "kandidaten.csv"
    source.write_text(
        "name,email,skills\nEva,eva@example.org,lesgeven;archiveren\nSam,geen mail,\n",
        encoding="utf-8",
    )
    env = worker_env(database_url, broker_url, "smtp://127.0.0.1:1", tmp_path, "https://x")
    report = tmp_path / "errors.ndjson"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "runtime.cli",
            "import",
            str(source),
            "--org",
            live.name,
            "--kind",
            "candidates",
            "--errors",
            str(report),
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    assert "completed: 1 imported, 1 failed" in result.stderr
    [failed] = [json.loads(line) for line in report.read_text().splitlines()]
    assert failed["line"] == 3
    assert failed["errors"][0]["field"] == "email"
    assert _counts(engine, live.name) == (1, 1, 1)
    unknown = subprocess.run(
        [sys.executable, "-m", "runtime.cli", "import", str(source), "--org", "Nobody"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert unknown.returncode == 2
    assert "no organisation named 'Nobody'" in unknown.stderr
