"""Server time and weight of the public vacancy page, for a vacancy whose links have
10,000 clicks, beside a static asset of the same app measured in the same run.

Starts an embedded PostgreSQL and broker, seeds one open vacancy with a realistic text
(about 3,000 characters, skills, salary, place), a campaign with ``--employees`` x 3 tracked
links and ``--clicks`` click rows, and serves the app with uvicorn (one process, as
``talentmesh serve`` runs it) in this process. A small ASGI wrapper records each request's
server time: from the request reaching the app to the last byte of the response handed to
the server. The client sends ``--requests`` requests per target and run over loopback with
keep-alive; targets take turns within each run, and the figures are medians over
``--runs`` runs of each run's median and 95th percentile.

Targets: the vacancy page as a visitor from a tracked link sees it (``?tm_ref=``), the same
page without it, the dashboard's vacancy list and campaign page (funnel, reach, leaderboard
and attribution over those clicks), and the stylesheet (``/assets/site.css``: the app's
cheapest answer, no database). The weight is the page's HTML plus its stylesheet and script.

    .venv/bin/python -m bench.bench_pages [--clicks 10000] [--employees 50] [--runs 5]
        [--requests 200]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import uvicorn
from sqlalchemy import insert, text
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.auth.service import create_api_key
from bench.rows import Row, add_rows_argument, write_rows
from distribution.links import service as links
from distribution.links.schemas import LinkChannel
from models import Campaign, Click, Employee, Organisation, Vacancy
from models.db import make_engine, make_session_factory, transaction
from runtime.embedded import start_embedded_broker, start_embedded_postgres
from runtime.migrate import upgrade_to_head
from runtime.settings import Settings

CHANNELS: tuple[LinkChannel, ...] = ("linkedin", "whatsapp", "email")
DESCRIPTION = (
    "De Koninklijke Bibliotheek maakt de digitale collecties van Nederland toegankelijk. "
    "Als developer bouw je mee aan de systemen achter Delpher, het webarchief en onze "
    "linked-data-diensten. Je werkt in een team van acht met archivarissen, data-"
    "specialisten en andere ontwikkelaars.\n\n"
) * 8
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class ServerTimer:
    """Records, per path and query, how long the app took from the request to its last body byte."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.times: dict[str, list[float]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        query = scope.get("query_string", b"").decode()
        target = scope["path"] + (f"?{query}" if query else "")

        async def timed_send(message: MutableMapping[str, Any]) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.times.setdefault(target, []).append(time.perf_counter() - started)

        await self.app(scope, receive, timed_send)


@dataclass(frozen=True)
class Seeded:
    page: str
    code: str
    campaign: UUID
    key: str


def seed(factory: sessionmaker[Session], employees: int, clicks: int) -> Seeded:
    """The vacancy with its campaign, links and clicks, and an admin key."""
    with transaction(factory) as session:
        _, key = create_api_key(
            session, organisation_name="Koninklijke Bibliotheek", scopes="admin"
        )
    with transaction(factory) as session:
        org = session.query(Organisation).one()
        vacancy = Vacancy(
            organisation_id=org.id,
            title="Developer digitale collecties",
            description=DESCRIPTION,
            language="nl",
            required_skills=["Python", "Linked Data", "IIIF", "PostgreSQL", "Vue.js"],
            nice_to_have_skills=["SPARQL", "Elasticsearch"],
            location_city="Den Haag",
            location_country="NL",
            employment_type="full_time",
            hours_per_week=36,
            salary_min=Decimal("3500"),
            salary_max=Decimal("5200"),
            salary_currency="EUR",
            salary_period="month",
            valid_through=datetime.now(UTC) + timedelta(days=30),
        )
        session.add(vacancy)
        session.flush()
        campaign = Campaign(
            organisation_id=org.id,
            vacancy_id=vacancy.id,
            audience={"type": "all"},
            channels=list(CHANNELS),
            status="completed",
        )
        people = [
            Employee(organisation_id=org.id, name=f"Medewerker {i}", email=f"m{i}@kb.example")
            for i in range(employees)
        ]
        session.add_all([campaign, *people])
        session.flush()
        codes = [
            links.ensure_link(
                session,
                organisation_id=org.id,
                vacancy_id=vacancy.id,
                channel=channel,
                campaign_id=campaign.id,
                employee_id=person.id,
            )
            for person in people
            for channel in CHANNELS
        ]
        today = date.today()
        rows = [
            {
                "organisation_id": org.id,
                "vacancy_id": vacancy.id,
                "link_id": codes[i % len(codes)].id,
                "visitor": f"{i:032x}",
                "day": today - timedelta(days=i % 30),
                "bot": i % 20 == 0,
                "hits": 1 + i % 3,
            }
            for i in range(clicks)
        ]
        for start in range(0, len(rows), 5000):
            session.execute(insert(Click), rows[start : start + 5000])
        return Seeded(f"/jobs/{org.slug}/{vacancy.id}", codes[0].code, campaign.id, key)


def serve(app: Any) -> tuple[uvicorn.Server, threading.Thread, str]:
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, f"http://127.0.0.1:{port}"


def log_in(client: httpx.Client, key: str) -> None:
    form = client.get("/dashboard/login")
    token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert token is not None
    answer = client.post("/dashboard/login", data={"api_key": key, "login_token": token[1]})
    answer.raise_for_status()


def weight(client: httpx.Client, path: str) -> tuple[int, int]:
    page = client.get(path)
    page.raise_for_status()
    assets = re.findall(r'(?:href|src)="(/assets/[^"]+)"', page.text)
    return len(page.content), sum(len(client.get(asset).content) for asset in assets)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clicks", type=int, default=10_000)
    parser.add_argument("--employees", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    add_rows_argument(parser)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="talentmesh-bench-pages-"))
    postgres = start_embedded_postgres(tmp / "var")
    broker = start_embedded_broker(tmp / "var")
    engine = make_engine(postgres.url)
    try:
        upgrade_to_head(engine)
        seeded = seed(make_session_factory(engine), args.employees, args.clicks)
        # Statistics for the rows just written, as autovacuum would gather within a minute:
        # without them the campaign dashboard's plan took about 400 ms a request instead
        # of 30, and the warm-up and first run waited for autovacuum.
        with engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
        path = seeded.page
        settings = Settings(
            database_url=postgres.url,
            broker_url=broker.url,
            data_dir=tmp / "var",
            # http: the dashboard cookie is Secure under an https public URL.
            public_url="http://jobs.bench.example",
        )
        timer = ServerTimer(create_app(settings, engine=engine))
        server, thread, base = serve(timer)
        targets = {
            "page, from a tracked link": f"{path}?tm_ref={seeded.code}",
            "page": path,
            "dashboard: vacancy list": "/dashboard",
            "dashboard: campaign": f"/dashboard/campaigns/{seeded.campaign}",
            "stylesheet (reference)": "/assets/site.css",
        }
        figures: dict[str, list[tuple[float, float]]] = {name: [] for name in targets}
        with httpx.Client(base_url=base, follow_redirects=True) as client:
            log_in(client, seeded.key)
            html, assets = weight(client, path)
            for _ in range(20):
                for target in targets.values():
                    client.get(target).raise_for_status()
            for run in range(args.runs):
                timer.times.clear()
                order = list(targets.items()) * args.requests
                random.Random(run).shuffle(order)
                for _, target in order:
                    client.get(target).raise_for_status()
                for name, target in targets.items():
                    times = sorted(timer.times[target])
                    figures[name].append(
                        (statistics.median(times), times[int(0.95 * (len(times) - 1))])
                    )
                log(f"run {run + 1} of {args.runs} done")
        server.should_exit = True
        thread.join(timeout=10)
        report(args, figures, html, assets)
    finally:
        engine.dispose()
        broker.stop()
        postgres.release()


def report(
    args: argparse.Namespace,
    figures: dict[str, list[tuple[float, float]]],
    html: int,
    assets: int,
) -> None:
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {args.clicks} clicks on {args.employees * 3} links; "
        f"{args.runs} runs x {args.requests} requests per target"
    )
    reference = statistics.median(m for m, _ in figures["stylesheet (reference)"])
    print(f"{'target':32} {'median ms':>10} {'p95 ms':>8} {'x reference':>12}")
    for name, runs in figures.items():
        median = statistics.median(m for m, _ in runs)
        p95 = statistics.median(p for _, p in runs)
        print(f"{name:32} {median * 1000:10.2f} {p95 * 1000:8.2f} {median / reference:12.1f}")
    print(
        f"weight: page {html / 1000:.1f} kB + stylesheet and script {assets / 1000:.1f} kB "
        f"= {(html + assets) / 1000:.1f} kB (limit 100 kB)"
    )
    page = figures["page, from a tracked link"]
    write_rows(
        args.rows_json,
        [
            Row(
                "pages",
                "vacancy page p95 server time",
                statistics.median(p for _, p in page) * 1000,
                "ms",
                "stylesheet p95",
                statistics.median(p for _, p in figures["stylesheet (reference)"]) * 1000,
                bar=200,
                bar_on="value",
                better="lower",
            ),
            Row(
                "pages",
                "vacancy page weight with assets",
                (html + assets) / 1000,
                "kB",
                bar=100,
                bar_on="value",
                better="lower",
            ),
        ],
    )


if __name__ == "__main__":
    main()
