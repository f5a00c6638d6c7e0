"""Bulk import at scale: generated candidates posted to ``POST /v1/imports`` of a running
service and imported by one Celery worker, which is killed (SIGKILL) part way and started
again. The import must end with exactly the valid rows as candidates and the rows made
invalid on purpose in its error report.

Before the measured import, a one-row import into another organisation has the worker load
its encoder, spaCy and the taxonomy, as a running worker has. Printed: the upload (staging)
time, rows/s while the worker ran (the time between the kill
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
from bench.rows import Row, add_rows_argument, write_rows
from matching.embeddings.encoder import load_encoder
from matching.embeddings.sections import candidate_sections
from matching.indexing.service import _skill_sections
from models import Candidate, ImportJob, ImportRow, Organisation
from models.db import make_engine, make_session_factory, transaction
from runtime.embedded import start_embedded_broker, start_embedded_postgres
from runtime.settings import DEFAULT_EMBEDDING_MODEL

ROOT = Path(__file__).resolve().parent.parent
ORGANISATION = "Bench import"
WARM_UP = "Bench import warm-up"


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
    ``sample`` profiles: the profiles are cut into ``repeats`` parts, each part encoded in
    one call and timed, and the median part's rate is the reference. Every text is encoded
    once, as in the import, so the reference costs one pass over the sample rather than
    ``repeats`` (with the default model, 34 s rather than 100 s for 150 profiles)."""
    encoder = load_encoder(model)
    texts: list[list[str]] = []
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
        texts.append(
            [s.text for s in candidate_sections(candidate)]
            + [s.text for s in _skill_sections(candidate.skills)]
        )
    encoder.encode(texts[-1][:64])  # warm up
    rates = []
    for part in range(repeats):
        profiles = texts[part * sample // repeats : (part + 1) * sample // repeats]
        began = time.perf_counter()
        encoder.encode([text for texts_ in profiles for text in texts_])
        rates.append(len(profiles) / (time.perf_counter() - began))
    return statistics.median(rates)


@dataclass
class Result:
    rows: int
    invalid: int
    model: str
    file_mb: float
    upload_s: float
    attached_at_rows: int
    rows_this_run: int
    wall_s: float
    active_s: float
    downtime_s: float
    killed_at_rows: int
    rows_per_s_active: float
    rows_per_s_wall: float
    reference_profiles_per_s: float
    ratio: float
    failed_rows: int
    report_lines_match: bool
    corrected_rows: int
    candidates: int
    distinct_emails: int
    machine: dict[str, str] = field(default_factory=dict)


@dataclass
class Progress:
    """What one watch of an import job saw."""

    started_at_rows: int
    first_progress: float
    finished: float
    killed_at: int = 0
    kill_time: float | None = None
    resumed_time: float | None = None

    @property
    def downtime(self) -> float:
        if self.kill_time is None:
            return 0.0
        return (self.resumed_time or self.finished) - self.kill_time


class Stack:
    """Embedded Postgres and broker, the service without a worker, and one worker, all on
    ``work``; the worker can be killed and started again."""

    def __init__(self, work: Path, model: str) -> None:
        self.work = work
        self.postgres = start_embedded_postgres(work / "var")
        self.broker = start_embedded_broker(work / "var")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TALENTMESH_")} | {
            "TALENTMESH_DATABASE_URL": self.postgres.url,
            "TALENTMESH_BROKER_URL": self.broker.url,
            "TALENTMESH_DATA_DIR": str(work / "var"),
            "TALENTMESH_EMBEDDING_MODEL": model,
            "TALENTMESH_MAX_IMPORT_BYTES": str(2 * 1024**3),
            # Above a run's budget (60 s), so a running import job is not handed out twice.
            "TALENTMESH_TASK_VISIBILITY_TIMEOUT": "180",
            "TALENTMESH_LOG_LEVEL": "WARNING",
            "HF_HUB_OFFLINE": "1",
        }
        self.engine = make_engine(self.postgres.url, pool_size=1)
        self.service: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.base = ""

    def start(self) -> httpx.Client:
        port = free_port()
        self.service = subprocess.Popen(
            [sys.executable, "-m", "runtime.cli", "serve", "--no-worker", "--port", str(port)],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=(self.work / "service.log").open("ab"),
            start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{port}"
        wait_ready(f"{self.base}/health", self.service)
        with transaction(make_session_factory(self.engine)) as session:
            _, key = create_api_key(session, organisation_name=ORGANISATION, scopes="admin")
        self.start_worker()
        return httpx.Client(
            base_url=self.base, headers={"Authorization": f"Bearer {key}"}, timeout=600
        )

    def start_worker(self) -> None:
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "runtime.cli", "worker", "--concurrency", "1", "--beat"],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=(self.work / "worker.log").open("ab"),
            start_new_session=True,
        )

    def kill_worker(self) -> None:
        assert self.worker is not None
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait(timeout=60)

    def stop(self) -> None:
        for process in (self.worker, self.service):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=60)
        self.engine.dispose()
        self.broker.stop()
        self.postgres.release()

    def counts(self, import_id: str) -> tuple[int, int, int]:
        """Candidates and distinct emails of the organisation, failed rows of the job."""
        with make_session_factory(self.engine)() as session:
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
                select(func.count())
                .select_from(ImportRow)
                .where(ImportRow.import_id == uuid.UUID(import_id), ImportRow.status == "failed")
            )
        return int(count or 0), int(emails or 0), int(failed or 0)

    def unfinished_job(self) -> str:
        """The import job a stopped run left behind."""
        with make_session_factory(self.engine)() as session:
            job = session.scalars(
                select(ImportJob.id)
                .join(Organisation, Organisation.id == ImportJob.organisation_id)
                .where(Organisation.name == ORGANISATION, ImportJob.status != "completed")
                .order_by(ImportJob.created_at.desc())
            ).first()
        if job is None:
            raise SystemExit("no unfinished import job in this data directory")
        return str(job)


def upload(client: httpx.Client, body: bytes) -> str:
    response = client.post(
        "/v1/imports",
        params={"kind": "candidates"},
        content=body,
        headers={"Content-Type": "application/x-ndjson"},
    )
    if response.status_code != 202:
        raise SystemExit(f"upload: {response.status_code} {response.text[:500]}")
    return str(response.json()["id"])


def warm_up(stack: Stack) -> None:
    """One row imported into another organisation first, so the worker has loaded its
    encoder, spaCy and the taxonomy (several seconds, once per worker process) before the
    measured import starts: the reference, raw encoding, is timed warm too, and in a
    150-row import the load was a sixth of the time."""
    with transaction(make_session_factory(stack.engine)) as session:
        _, key = create_api_key(session, organisation_name=WARM_UP, scopes="admin")
    with httpx.Client(
        base_url=stack.base, headers={"Authorization": f"Bearer {key}"}, timeout=600
    ) as client:
        import_id = upload(client, (json.dumps(profile(10**9)) + "\n").encode())
        began = time.perf_counter()
        watch(stack, client, import_id, None)
    log(f"worker warmed up by a one-row import in {time.perf_counter() - began:.1f} s")


def watch(stack: Stack, client: httpx.Client, import_id: str, kill_at: int | None) -> Progress:
    """Poll the job until it completes; SIGKILL the worker once ``kill_at`` rows are done
    and start it again."""
    path = f"/v1/imports/{import_id}"
    progress: Progress | None = None
    last_report = 0.0
    while True:
        state = client.get(path).json()
        done = state["succeeded_rows"] + state["failed_rows"]
        now = time.perf_counter()
        if progress is None:
            progress = Progress(started_at_rows=done, first_progress=now, finished=now)
        waiting = progress.kill_time is not None and progress.resumed_time is None
        if waiting and done > progress.killed_at:
            progress.resumed_time = now
            log(f"progress again {now - (progress.kill_time or now):.0f} s after the kill")
        if kill_at is not None and not progress.killed_at and done >= kill_at:
            stack.kill_worker()
            progress.killed_at, progress.kill_time = done, now
            log(f"worker killed at {done} rows; starting it again")
            stack.start_worker()
        if state["status"] == "completed":
            progress.finished = now
            return progress
        if now - last_report > 60:
            log(f"{done}/{state['total_rows']} rows ({state['rows_per_second']} rows/s); {load()}")
            last_report = now
        # Often enough that the finish is seen within half a second of it (the figure's
        # error on a 30 s import), rarely enough that the polls cost the worker nothing.
        time.sleep(0.5)


def report_lines(client: httpx.Client, import_id: str) -> list[int]:
    lines: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 1000} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"/v1/imports/{import_id}/errors", params=params).json()
        lines += [row["line"] for row in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return lines


def correct(stack: Stack, client: httpx.Client, lines: list[int]) -> int:
    """What an integrator does with the report: send the reported lines again, fixed, as a
    second import. Returns the rows it added."""
    body = "".join(json.dumps(profile(line - 1)) + "\n" for line in lines).encode()
    import_id = upload(client, body)
    watch(stack, client, import_id, None)
    return int(client.get(f"/v1/imports/{import_id}").json()["succeeded_rows"])


def run(args: argparse.Namespace) -> Result:
    work = Path(args.data_dir or tempfile.mkdtemp(prefix="bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    log(f"data in {work}; {load()}")
    data_file, invalid_file = work / "candidates.ndjson", work / "invalid.json"
    if args.attach:
        invalid = json.loads(invalid_file.read_text())
    else:
        invalid = write_file(data_file, args.rows, args.invalid_every)
        invalid_file.write_text(json.dumps(invalid))
    file_mb = data_file.stat().st_size / 1e6
    log(f"{args.rows} rows, {len(invalid)} invalid, {file_mb:.1f} MB")
    reference = reference_rate(args.model, args.reference, 3)
    log(f"raw encode: {reference:.2f} profiles/s ({args.model}); {load()}")

    stack = Stack(work, args.model)
    try:
        client = stack.start()
        upload_s = 0.0
        if args.attach:
            import_id = stack.unfinished_job()
            log(f"attached to import {import_id}")
        else:
            warm_up(stack)
            began = time.perf_counter()
            import_id = upload(client, data_file.read_bytes())
            upload_s = time.perf_counter() - began
            log(f"staged in {upload_s:.1f} s; importing")
        kill_at = None if args.attach or args.kill_at <= 0 else int(args.kill_at * args.rows)
        progress = watch(stack, client, import_id, kill_at)
        rows_run = args.rows - progress.started_at_rows
        reported = report_lines(client, import_id)
        _, _, failed = stack.counts(import_id)
        corrected = correct(stack, client, reported) if reported == invalid else 0
        log(f"{corrected} corrected rows imported again")
        count, emails, _ = stack.counts(import_id)
        wall = progress.finished - progress.first_progress
        active = wall - progress.downtime
        return Result(
            rows=args.rows,
            invalid=len(invalid),
            model=args.model,
            file_mb=round(file_mb, 1),
            upload_s=round(upload_s, 1),
            attached_at_rows=progress.started_at_rows,
            rows_this_run=rows_run,
            wall_s=round(wall, 1),
            active_s=round(active, 1),
            downtime_s=round(progress.downtime, 1),
            killed_at_rows=progress.killed_at,
            rows_per_s_active=round(rows_run / active, 2),
            rows_per_s_wall=round(rows_run / wall, 2),
            reference_profiles_per_s=round(reference, 2),
            ratio=round(rows_run / active / reference, 2),
            failed_rows=failed,
            report_lines_match=reported == invalid,
            corrected_rows=corrected,
            candidates=count,
            distinct_emails=emails,
            machine={
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "cpus": str(os.cpu_count()),
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
        )
    finally:
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--invalid-every", type=int, default=500, help="every Nth row invalid")
    parser.add_argument(
        "--kill-at", type=float, default=0.5, help="share of rows, then SIGKILL (0: never)"
    )
    parser.add_argument("--model", default=DEFAULT_EMBEDDING_MODEL)
    parser.add_argument("--reference", type=int, default=300, help="profiles in raw encode")
    parser.add_argument("--data-dir", help="keep the database and file here")
    parser.add_argument(
        "--attach",
        action="store_true",
        help="continue the unfinished import a stopped run left in --data-dir",
    )
    parser.add_argument("--json", help="also write the result here")
    add_rows_argument(parser)
    args = parser.parse_args()
    if args.attach and not args.data_dir:
        parser.error("--attach needs --data-dir")
    result = run(args)
    print()
    print(
        f"rows {result.rows} ({result.invalid} invalid), model {result.model}, {result.file_mb} MB"
    )
    if result.attached_at_rows:
        print(f"attached at             {result.attached_at_rows:>10} rows done")
    print(f"upload and staging      {result.upload_s:>10.1f} s")
    print(f"import, worker running  {result.rows_per_s_active:>10.2f} rows/s ({result.active_s} s)")
    print(f"import, wall            {result.rows_per_s_wall:>10.2f} rows/s ({result.wall_s} s)")
    print(
        f"lost to the kill        {result.downtime_s:>10.1f} s (killed at {result.killed_at_rows})"
    )
    print(f"raw encode, same texts  {result.reference_profiles_per_s:>10.2f} profiles/s")
    print(f"ratio                   {result.ratio:>10.2f}")
    ok = (
        result.failed_rows == result.invalid
        and result.report_lines_match
        and result.corrected_rows == result.invalid
        and result.candidates == result.rows
        and result.distinct_emails == result.rows
    )
    print(
        f"failed rows {result.failed_rows} (expected {result.invalid}), report lines match: "
        f"{result.report_lines_match}, corrected rows imported {result.corrected_rows}; "
        f"candidates {result.candidates} (expected {result.rows}), distinct emails "
        f"{result.distinct_emails} -> {'OK' if ok else 'MISMATCH'}"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(asdict(result), indent=2))
    write_rows(
        args.rows_json,
        [
            Row(
                "import",
                f"bulk import, {result.rows:,} rows, worker running",
                result.rows_per_s_active,
                "rows/s",
                f"raw encode of the same profiles ({result.model})",
                result.reference_profiles_per_s,
                bar=0.8,
                note="" if ok else "row counts MISMATCH",
            )
        ],
    )
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
