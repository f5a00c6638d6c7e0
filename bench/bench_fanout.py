"""How long a campaign to 10,000 employees x 3 channels takes with one Celery worker, and
messages per second, beside raw SMTP sends of the same number of messages in the same run.

Starts an embedded PostgreSQL and broker on a fresh data dir, an SMTP server (aiosmtpd, in
this process) that accepts and counts, and one worker (`talentmesh worker --concurrency 1`).
Each run creates a campaign through the service (the start job goes through the outbox,
as from the API) and times it from the commit to `completed`, and counts the CPU time of
the worker's processes over the same span (less disturbed by other load on shared cores
than wall time). Afterwards it checks that every employee got exactly one message per run
and that each has one link per channel.

    .venv/bin/python -m bench.bench_fanout [--employees 10000] [--runs 3]

For a bench runner: ``run(employees, runs=1)`` answers the headline rows (``bench.rows``),
the references being the goal of 60 s and raw SMTP measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import platform
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from uuid import UUID

import psutil
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from api.auth.service import create_api_key
from bench.rows import Row, add_rows_argument, table, write_rows
from distribution.campaigns import service
from distribution.campaigns.schemas import CampaignCreate
from models import Campaign, Employee, Notification, TrackedLink, Vacancy
from models.db import make_engine, make_session_factory, transaction
from runtime.celery_app import make_celery
from runtime.embedded import start_embedded_broker, start_embedded_postgres
from runtime.migrate import upgrade_to_head
from runtime.outbox import unit_of_work
from tests.distribution.smtp import SmtpServer

ROOT = Path(__file__).resolve().parent.parent
CHANNELS = ["linkedin", "x", "email"]


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


def seed(factory: sessionmaker[Session], employees: int) -> tuple[UUID, UUID]:
    with transaction(factory) as session:
        key, _ = create_api_key(session, organisation_name="Bench Bibliotheek", scopes="admin")
        org = key.organisation_id
        vacancy = Vacancy(organisation_id=org, title="Developer digitale collecties")
        session.add(vacancy)
        session.flush()
        rows = [
            {
                "organisation_id": org,
                "name": f"Medewerker {i}",
                "email": f"medewerker{i}@bench.example",
                "department": f"afdeling {i % 20}",
                "channels": CHANNELS,
                "fields": [],
            }
            for i in range(employees)
        ]
        session.execute(insert(Employee), rows)
        return org, vacancy.id


def raw_smtp(url_port: int, count: int) -> float:
    """Seconds for ``count`` messages of the same size over one connection."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", url_port) as smtp:
        for i in range(count):
            message = EmailMessage()
            message["From"] = "bench@bench.example"
            message["To"] = f"raw{i}@bench.example"
            message["Subject"] = "Help us find a colleague: Developer digitale collecties"
            message.set_content("x" * 1500)
            smtp.send_message(message)
    return time.perf_counter() - started


def worker_cpu(worker: subprocess.Popen[bytes]) -> float:
    """CPU seconds (user + system) of the worker and its pool process so far: a figure the
    other load on shared cores disturbs far less than wall time."""
    processes = [psutil.Process(worker.pid), *psutil.Process(worker.pid).children()]
    return sum(p.cpu_times().user + p.cpu_times().system for p in processes)


def wait_completed(factory: sessionmaker[Session], campaign_id: UUID, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with factory() as session:
            campaign = session.get(Campaign, campaign_id)
            assert campaign is not None
            if campaign.status == "completed":
                return time.perf_counter()
        time.sleep(0.2)
    raise SystemExit(f"campaign {campaign_id} did not complete within {timeout:.0f} s")


GOAL_SECONDS = 60.0  # for a campaign to GOAL_EMPLOYEES employees x 3 channels
GOAL_EMPLOYEES = 10_000


@dataclass
class Measured:
    employees: int
    campaign: list[float] = field(default_factory=list)  # seconds, commit to completed
    raw: list[float] = field(default_factory=list)  # seconds, raw SMTP, same count
    cpu: list[float] = field(default_factory=list)  # worker CPU seconds per campaign


def run(employees: int, runs: int = 1, timeout: float = 1800) -> list[Row]:
    """Measure and answer the headline rows: the campaign's time against the goal of 60 s,
    and its messages per second and the worker's time per message against raw SMTP sends
    to the same server in the same run."""
    return rows(measure(employees, runs, timeout))


def rows(measured: Measured) -> list[Row]:
    campaign = statistics.median(measured.campaign)
    raw = statistics.median(measured.raw)
    cpu = statistics.median(measured.cpu)
    n = measured.employees
    label = f"campaign to {n:,} employees x {len(CHANNELS)} channels"
    return [
        Row(
            "fanout",
            f"{label}, commit to completed",
            campaign,
            "s",
            "goal (60 s per 10,000 employees)",
            GOAL_SECONDS * n / GOAL_EMPLOYEES,
            bar=1.0,
            better="lower",
        ),
        Row(
            "fanout", f"{label}, messages", n / campaign, "msg/s", "raw SMTP, same server", n / raw
        ),
        Row(
            "fanout",
            "worker CPU per message",
            1000 * cpu / n,
            "ms",
            "raw SMTP time per message",
            1000 * raw / n,
            better="lower",
        ),
    ]


def measure(employees: int, runs: int, timeout: float) -> Measured:
    tmp = Path(tempfile.mkdtemp(prefix="talentmesh-bench-fanout-"))
    log(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    postgres = start_embedded_postgres(tmp / "var")
    broker = start_embedded_broker(tmp / "var")
    engine = make_engine(postgres.url)
    worker: subprocess.Popen[bytes] | None = None
    measured = Measured(employees)
    try:
        upgrade_to_head(engine)
        factory = make_session_factory(engine)
        org, vacancy_id = seed(factory, employees)
        log(f"seeded {employees} employees, {load()}")
        with SmtpServer() as smtp:
            env = {k: v for k, v in os.environ.items() if not k.startswith("TALENTMESH_")}
            env |= {
                "TALENTMESH_DATABASE_URL": postgres.url,
                "TALENTMESH_BROKER_URL": broker.url,
                "TALENTMESH_DATA_DIR": str(tmp / "var"),
                "TALENTMESH_SMTP_URL": smtp.url,
                "TALENTMESH_PUBLIC_URL": "https://jobs.bench.example",
                "TALENTMESH_LOG_LEVEL": "WARNING",
                "HF_HUB_OFFLINE": "1",
            }
            worker = subprocess.Popen(
                [sys.executable, "-m", "runtime.cli", "worker", "--concurrency", "1"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=(tmp / "worker.log").open("wb"),
            )
            celery = make_celery(broker.url)
            # Time campaigns, not the worker's start-up.
            celery.send_task("talentmesh.ping").get(timeout=300)
            log(f"worker ready, {load()}")
            for number in range(runs):
                before = len(smtp.sink.received)
                payload = CampaignCreate.model_validate(
                    {"audience": {"type": "all"}, "channels": CHANNELS}
                )
                cpu_before = worker_cpu(worker)
                with unit_of_work(factory, celery) as session:
                    campaign = service.create(session, org, vacancy_id, payload)
                started = time.perf_counter()
                done = wait_completed(factory, campaign.id, timeout)
                measured.campaign.append(done - started)
                measured.cpu.append(worker_cpu(worker) - cpu_before)
                sent = len(smtp.sink.received) - before
                log(
                    f"run {number + 1}: campaign {done - started:.1f} s, worker CPU "
                    f"{measured.cpu[-1]:.1f} s, {sent} messages, {load()}"
                )
                check(factory, campaign.id, employees, smtp.sink.received[before:])
                measured.raw.append(raw_smtp(smtp.port, employees))
                log(f"run {number + 1}: raw SMTP {measured.raw[-1]:.1f} s")
        return measured
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)
        engine.dispose()
        broker.stop()
        postgres.release()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=1800)
    add_rows_argument(parser)
    args = parser.parse_args()
    measured = measure(args.employees, args.runs, args.timeout)
    report(args, measured.campaign, measured.raw, measured.cpu)
    headline = rows(measured)
    print(table(headline))
    write_rows(args.rows_json, headline)


def check(
    factory: sessionmaker[Session], campaign_id: UUID, employees: int, mails: list[Any]
) -> None:
    per_recipient = Counter(address for mail in mails for address in mail.to)
    assert len(per_recipient) == employees, (len(per_recipient), employees)
    assert set(per_recipient.values()) == {1}, "an employee got more than one message"
    with factory() as session:
        links = session.scalar(
            select(func.count())
            .select_from(TrackedLink)
            .where(TrackedLink.campaign_id == campaign_id)
        )
        sent = session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.campaign_id == campaign_id, Notification.status == "sent")
        )
    assert links == employees * len(CHANNELS), links
    assert sent == employees, sent


def report(
    args: argparse.Namespace, campaign: list[float], raw: list[float], cpu: list[float]
) -> None:
    median = statistics.median(campaign)
    raw_median = statistics.median(raw)
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(
        f"date: {datetime.now(UTC).isoformat(timespec='seconds')}; {args.employees} employees x "
        f"{len(CHANNELS)} channels, one worker (concurrency 1), {args.runs} runs, SMTP server "
        "(aiosmtpd) and database on the same cores"
    )
    print(
        f"campaign, commit to completed      median {median:7.1f} s  "
        f"(runs: {', '.join(f'{s:.1f}' for s in campaign)})"
    )
    print(f"  messages/s                        {args.employees / median:9.1f}")
    print(f"  links/s                           {args.employees * len(CHANNELS) / median:9.1f}")
    cpu_median = statistics.median(cpu)
    print(
        f"  worker CPU (user + system)        {cpu_median:9.1f} s = "
        f"{1000 * cpu_median / args.employees:.2f} ms per message"
    )
    print(
        f"raw SMTP, same count, one connection  median {raw_median:5.1f} s = "
        f"{args.employees / raw_median:.1f} messages/s"
    )
    print(f"ratio campaign / raw SMTP messages/s: {raw_median / median:.2f}")
    print(f"every employee got exactly one message per run; {len(CHANNELS)} links each; {load()}")


if __name__ == "__main__":
    main()
