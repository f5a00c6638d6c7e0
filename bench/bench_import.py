"""Bulk import at scale: generated candidates posted to ``POST /v1/imports`` of a running
service and imported by one Celery worker, which is killed (SIGKILL) part way and started
again. The import must end with exactly the valid rows as candidates and the rows made
invalid on purpose in its error report.

Printed: the upload (staging) time, rows/s while the worker ran (the time between the kill
and the first progress after the restart left out) and over the whole wall time, beside the
embedding-bound rate measured in the same run: raw ``encoder.encode`` of the section texts of
a sample of the same profiles (the texts the import embeds, each profile's skills included).

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.bench_import --rows 2000
    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.bench_import --rows 100000 \\
        --model all-MiniLM-L6-v2 --json import-100k.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from api.auth.service import create_api_key
from bench.bench_matching import free_port, load, log, wait_ready
from bench.profiles import CandidatePayload, profile
from matching.embeddings.encoder import load_encoder
from matching.embeddings.sections import candidate_sections
from matching.indexing.service import _skill_sections
from models import Candidate, ImportRow, Organisation
from models.db import make_engine, make_session_factory, transaction
from runtime.embedded import start_embedded_broker, start_embedded_postgres
from runtime.settings import DEFAULT_EMBEDDING_MODEL

ROOT = Path(__file__).resolve().parent.parent
ORGANISATION = "Bench import"


def bad_row(index: int, row: CandidatePayload) -> dict[str, Any]:
    """Three kinds of invalid row, in turn: an address that is no email, a job that ends
    before it starts, a field the API does not know."""
    broken: dict[str, Any] = dict(row)
    kind = index % 3
    if kind == 0:
        broken["email"] = f"not-an-email-{index}"
    elif kind == 1:
        job = dict(row["experience"][0]) if row["experience"] else {"title": "Archivaris"}
        broken["experience"] = [job | {"start": "2024-05", "end": "2020-01"}]
    else:
        broken["favourite_colour"] = "blue"
    return broken


def write_file(path: Path, rows: int, invalid_every: int) -> list[int]:
    """The NDJSON file; returns the lines made invalid."""
    invalid = []
    with path.open("w", encoding="utf-8") as stream:
        for index in range(rows):
            row: Any = profile(index)
            if invalid_every and index % invalid_every == invalid_every - 1:
                row = bad_row(index, row)
                invalid.append(index + 1)
            stream.write(json.dumps(row) + "\n")
    return invalid


def reference_rate(model: str, sample: int, repeats: int) -> float:
    """Profiles per second of raw ``encoder.encode`` over the texts the import embeds for
    ``sample`` profiles (median of ``repeats``)."""
    encoder = load_encoder(model)
    texts: list[str] = []
    for index in range(sample):
        row = profile(index)
        candidate = Candidate(
            organisation_id=uuid.uuid4(),
            name=row["name"],
            headline=row["headline"],
            summary=row["summary"],
            skills=row["skills"],
            experience=list(row["experience"]),
            education=list(row["education"]),
        )
        texts += [s.text for s in candidate_sections(candidate)]
        texts += [s.text for s in _skill_sections(candidate.skills)]
    encoder.encode(texts[:64])  # warm up
    rates = []
    for _ in range(repeats):
        began = time.perf_counter()
        encoder.encode(texts)
        rates.append(sample / (time.perf_counter() - began))
    return statistics.median(rates)


@dataclass
class Result:
    rows: int
    invalid: int
    model: str
    file_mb: float
    upload_s: float
    wall_s: float
    active_s: float
    downtime_s: float
    killed_at_rows: int
    rows_per_s_active: float
    rows_per_s_wall: float
    reference_profiles_per_s: float
    ratio: float
    candidates: int
    distinct_emails: int
    failed_rows: int
    report_lines_match: bool
    machine: dict[str, str] = field(default_factory=dict)


def _start_worker(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "runtime.cli", "worker", "--concurrency", "1", "--beat"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log_path.open("ab"),
        start_new_session=True,
    )


def _kill(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            _kill(process)


def run(args: argparse.Namespace) -> Result:
    work = Path(args.data_dir or tempfile.mkdtemp(prefix="bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    log(f"data in {work}; {load()}")
    data_file = work / "candidates.ndjson"
    invalid = write_file(data_file, args.rows, args.invalid_every)
    file_mb = data_file.stat().st_size / 1e6
    log(f"{args.rows} rows, {len(invalid)} invalid, {file_mb:.1f} MB")
    reference = reference_rate(args.model, args.reference, 3)
    log(f"raw encode: {reference:.2f} profiles/s ({args.model}); {load()}")

    postgres = start_embedded_postgres(work / "var")
    broker = start_embedded_broker(work / "var")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALENTMESH_")} | {
        "TALENTMESH_DATABASE_URL": postgres.url,
        "TALENTMESH_BROKER_URL": broker.url,
        "TALENTMESH_DATA_DIR": str(work / "var"),
        "TALENTMESH_EMBEDDING_MODEL": args.model,
        "TALENTMESH_MAX_IMPORT_BYTES": str(2 * 1024**3),
        # Above a run's budget (60 s), so a running import job is not handed out twice.
        "TALENTMESH_TASK_VISIBILITY_TIMEOUT": "180",
        "TALENTMESH_LOG_LEVEL": "WARNING",
        "HF_HUB_OFFLINE": "1",
    }
    service = worker = None
    engine = make_engine(postgres.url, pool_size=1)
    try:
        service = subprocess.Popen(
            [sys.executable, "-m", "runtime.cli", "serve", "--no-worker", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=(work / "service.log").open("ab"),
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        wait_ready(f"{base}/health", service)
        with transaction(make_session_factory(engine)) as session:
            _, key = create_api_key(session, organisation_name=ORGANISATION, scopes="admin")
        headers = {"Authorization": f"Bearer {key}"}
        worker = _start_worker(env, work / "worker.log")
        client = httpx.Client(base_url=base, headers=headers, timeout=600)
        began = time.perf_counter()
        response = client.post(
            "/v1/imports",
            params={"kind": "candidates"},
            content=data_file.read_bytes(),
            headers={"Content-Type": "application/x-ndjson"},
        )
        upload_s = time.perf_counter() - began
        if response.status_code != 202:
            raise SystemExit(f"upload: {response.status_code} {response.text[:500]}")
        path = f"/v1/imports/{response.json()['id']}"
        log(f"staged in {upload_s:.1f} s; importing")
        killed_at = 0
        kill_time = resumed_time = None
        first_progress = None
        last_report = 0.0
        while True:
            state = client.get(path).json()
            done = state["succeeded_rows"] + state["failed_rows"]
            now = time.perf_counter()
            if done and first_progress is None:
                first_progress = now
            if kill_time is not None and resumed_time is None and done > killed_at:
                resumed_time = now
                log(f"progress again {now - kill_time:.0f} s after the kill")
            if not killed_at and done >= args.kill_at * args.rows:
                _kill(worker)
                killed_at, kill_time = done, now
                log(f"worker killed at {done} rows; starting it again")
                worker = _start_worker(env, work / "worker.log")
            if state["status"] == "completed":
                finished = now
                break
            if now - last_report > 60:
                rate = state["rows_per_second"]
                log(f"{done}/{args.rows} rows ({rate} rows/s overall); {load()}")
                last_report = now
            time.sleep(2)
        errors: list[int] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 1000} | ({"cursor": cursor} if cursor else {})
            page = client.get(f"{path}/errors", params=params).json()
            errors += [row["line"] for row in page["data"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        with make_session_factory(engine)() as session:
            org = session.scalars(
                select(Organisation.id).where(Organisation.name == ORGANISATION)
            ).one()
            count = session.scalar(
                select(func.count()).select_from(Candidate).where(Candidate.organisation_id == org)
            )
            emails = session.scalar(
                select(func.count(func.distinct(Candidate.email))).where(
                    Candidate.organisation_id == org
                )
            )
            failed = session.scalar(
                select(func.count()).select_from(ImportRow).where(ImportRow.status == "failed")
            )
        assert first_progress is not None
        downtime = (resumed_time or finished) - (kill_time or finished)
        wall = finished - first_progress
        active = wall - downtime
        return Result(
            rows=args.rows,
            invalid=len(invalid),
            model=args.model,
            file_mb=round(file_mb, 1),
            upload_s=round(upload_s, 1),
            wall_s=round(wall, 1),
            active_s=round(active, 1),
            downtime_s=round(downtime, 1),
            killed_at_rows=killed_at,
            rows_per_s_active=round(args.rows / active, 2),
            rows_per_s_wall=round(args.rows / wall, 2),
            reference_profiles_per_s=round(reference, 2),
            ratio=round(args.rows / active / reference, 2),
            candidates=int(count or 0),
            distinct_emails=int(emails or 0),
            failed_rows=int(failed or 0),
            report_lines_match=errors == invalid,
            machine={
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "cpus": str(os.cpu_count()),
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
        )
    finally:
        _stop(worker)
        _stop(service)
        engine.dispose()
        broker.stop()
        postgres.release()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--invalid-every", type=int, default=500, help="every Nth row invalid")
    parser.add_argument("--kill-at", type=float, default=0.5, help="share of rows, then SIGKILL")
    parser.add_argument("--model", default=DEFAULT_EMBEDDING_MODEL)
    parser.add_argument("--reference", type=int, default=300, help="profiles in raw encode")
    parser.add_argument("--data-dir", help="keep the database and file here")
    parser.add_argument("--json", help="also write the result here")
    args = parser.parse_args()
    result = run(args)
    valid = result.rows - result.invalid
    print()
    print(
        f"rows {result.rows} ({result.invalid} invalid), model {result.model}, {result.file_mb} MB"
    )
    print(f"upload and staging      {result.upload_s:>10.1f} s")
    print(f"import, worker running  {result.rows_per_s_active:>10.2f} rows/s ({result.active_s} s)")
    print(f"import, wall            {result.rows_per_s_wall:>10.2f} rows/s ({result.wall_s} s)")
    print(
        f"lost to the kill        {result.downtime_s:>10.1f} s (killed at {result.killed_at_rows})"
    )
    print(f"raw encode, same texts  {result.reference_profiles_per_s:>10.2f} profiles/s")
    print(f"ratio                   {result.ratio:>10.2f}")
    ok = (
        result.candidates == valid
        and result.distinct_emails == valid
        and result.failed_rows == result.invalid
        and result.report_lines_match
    )
    print(
        f"candidates {result.candidates} (expected {valid}), distinct emails "
        f"{result.distinct_emails}, failed rows {result.failed_rows}, report lines match: "
        f"{result.report_lines_match} -> {'OK' if ok else 'MISMATCH'}"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(asdict(result), indent=2))
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
