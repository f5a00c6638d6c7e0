"""Throughput and latency of the tracked-link redirect ``GET /r/{code}``, beside a bare
FastAPI app answering a constant 302 in the same run, and a check that every click is counted.

Starts an embedded PostgreSQL and broker, seeds one open vacancy with ``--links`` tracked
links, then runs ``talentmesh serve --no-worker`` and the reference app
(``bench/redirect_reference.py``) under the same uvicorn settings (one worker, the defaults
``serve`` uses). Both are driven over loopback by wrk with the same Lua script: every request
takes a random link and one of ``--agents`` user agents (about 5% of them known bots), so the
service writes a realistic mix of new click rows and repeat hits, and some bot rows. The
targets take turns run by run (each target's two passes back to back), so both see the
same background load; the figures are the medians of ``--runs`` runs. Each run has two
passes: ``--connections`` connections, which saturate the one process and give the
throughput (a closed loop's latency there is mostly queueing: 32 connections at 2,000 req/s
wait 16 ms on average), and ``--latency-connections``, enough to keep the process busy at
about the same rate, which gives the latency a request sees at that rate.

Counting check: the script starts no request after its cut-off (``--seconds``; wrk runs a
second longer), so no request is in flight when wrk stops and every request it sent is one
it completed. The service buffers clicks and writes them every second, so after each run the
script reads the count until it matches, for up to 3 s: the growth of ``sum(clicks.hits)`` must
equal wrk's completed requests, and no response may be an error. At the end it sends 500
more redirects and stops the service at once (SIGTERM): the clicks its shutdown writes must
make the total equal every request sent.

wrk is a benchmark-only tool (Debian/Ubuntu: ``apt-get update && apt-get install -y wrk``).

    .venv/bin/python -m bench.bench_redirect [--seconds 10] [--runs 3] [--threads 2]
        [--connections 32] [--latency-connections 4] [--links 300] [--agents 400]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import Engine, text

from api.auth.service import create_api_key
from bench.rows import Row, add_rows_argument, write_rows
from distribution.links import service as links
from distribution.links.schemas import LinkChannel
from models import Campaign, Employee, Vacancy
from models.db import make_engine, make_session_factory, transaction
from runtime.embedded import start_embedded_broker, start_embedded_postgres
from runtime.migrate import upgrade_to_head

ROOT = Path(__file__).resolve().parent.parent
APPLY_URL = "https://werkenbij.example.org/vacatures/17?lang=nl"
# How long a run's clicks may take to reach the table: the service writes them every
# click_flush_seconds (1 s by default); the count is read again until it matches or this
# passes.
FLUSH_WAIT = 3.0
# wrk runs this long past the script's cut-off, so the last requests complete (a p99 at
# saturation of about 100 ms); one still in flight would fail the count check, not pass it.
TAIL_SECONDS = 1
# Redirects sent just before the service is stopped, to check its flush on shutdown.
SHUTDOWN_BURST = 500
CHANNELS: tuple[LinkChannel, ...] = ("linkedin", "facebook", "x", "whatsapp", "email", "intranet")

# Every request: a random link and user agent. delay() holds a connection back once the
# cut-off has passed, so nothing is in flight when wrk stops (CLOCK_MONOTONIC through
# LuaJIT's FFI; os.time() only has whole seconds).
WRK_SCRIPT = """
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local clock = ffi.new("bench_timespec")
local function now()
  ffi.C.clock_gettime(1, clock)
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) / 1e9
end

local threads, count = {}, 0
function setup(thread)
  count = count + 1
  thread:set("id", count)
  table.insert(threads, thread)
end

local codes, agents, cutoff = {}, {}, 0
issued = 0
function init(args)
  for line in io.lines(args[1]) do codes[#codes + 1] = line end
  for line in io.lines(args[2]) do agents[#agents + 1] = line end
  cutoff = now() + tonumber(args[3])
  math.randomseed(id * 7919 + tonumber(args[4]) * 104729)
end

function delay()
  if now() >= cutoff then return 3600000 end
  return 0
end

function request()
  issued = issued + 1
  local headers = {["User-Agent"] = agents[math.random(#agents)]}
  return wrk.format("GET", "/r/" .. codes[math.random(#codes)], headers)
end

function done(summary, latency, requests)
  -- wrk calls request() once before the run, to check the script: not a request sent.
  local total = -1
  for _, thread in ipairs(threads) do total = total + thread:get("issued") end
  io.write(string.format("issued %d\\n", total))
end
"""

BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/{v}.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/{v}.0 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel {v}) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/138.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_{v} like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.{v} Mobile/15E148 Safari/604.1",
)
BOTS = (
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "WhatsApp/2.23.20.0 A",
    "Twitterbot/1.0",
)


def user_agents(count: int) -> list[str]:
    """``count`` distinct user agents, one in twenty a known bot."""
    agents: list[str] = []
    for i in range(count):
        if i % 20 == 19:
            agents.append(f"{BOTS[i % len(BOTS)]} #{i}")
        else:
            agents.append(BROWSERS[i % len(BROWSERS)].format(v=100 + i))
    return agents


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(
    url: str, process: subprocess.Popen[bytes], expect: int, timeout: float = 600
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url}: the process exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == expect:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not come up")


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


def seed(engine: Engine, count: int) -> list[str]:
    """One open vacancy with ``count`` links of 20 employees (the first 120 in a campaign,
    one per employee and channel); their codes."""
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        key, _ = create_api_key(session, organisation_name="Bench", scopes="admin")
        organisation_id = key.organisation_id
        employees = [
            Employee(organisation_id=organisation_id, name=f"Employee {i}", email=f"e{i}@kb.test")
            for i in range(20)
        ]
        vacancy = Vacancy(
            organisation_id=organisation_id,
            title="Developer digitale collecties",
            apply_url=APPLY_URL,
        )
        session.add_all([*employees, vacancy])
        session.flush()
        campaign = Campaign(
            organisation_id=organisation_id,
            vacancy_id=vacancy.id,
            audience={"type": "all"},
            channels=list(CHANNELS),
        )
        session.add(campaign)
        session.flush()
        codes = []
        for i in range(count):
            link = links.ensure_link(
                session,
                organisation_id=organisation_id,
                vacancy_id=vacancy.id,
                channel=CHANNELS[i % len(CHANNELS)],
                campaign_id=campaign.id if i < len(employees) * len(CHANNELS) else None,
                employee_id=employees[i % len(employees)].id,
            )
            codes.append(link.code)
        return codes


def click_totals(engine: Engine) -> tuple[int, int, int]:
    """sum(hits), click rows, bot rows."""
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT coalesce(sum(hits), 0), count(*), count(*) FILTER (WHERE bot) FROM clicks")
        ).one()
    return int(row[0]), int(row[1]), int(row[2])


def _ms(value: str) -> float:
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", value)
    assert match, value
    return float(match[1]) * units[match[2]]


@dataclass
class Run:
    completed: int
    issued: int
    rps: float
    p50: float
    p99: float


def run_wrk(
    url: str,
    args: argparse.Namespace,
    files: dict[str, Path],
    seed: int,
    seconds: int,
    connections: int | None = None,
) -> Run:
    connections = connections or args.connections
    command = [
        "wrk",
        f"-t{min(args.threads, connections)}",
        f"-c{connections}",
        f"-d{seconds + TAIL_SECONDS}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(files["script"]),
        url,
        "--",
        str(files["codes"]),
        str(files["agents"]),
        str(seconds),
        str(seed),
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    for problem in ("Non-2xx or 3xx responses", "Socket errors"):
        if problem in out:
            raise SystemExit(f"{url}: {problem}\n{out}")
    completed = int(re.search(r"(\d+) requests in", out)[1])  # type: ignore[index]
    issued = int(re.search(r"^issued (\d+)$", out, re.MULTILINE)[1])  # type: ignore[index]
    return Run(
        completed=completed,
        issued=issued,
        rps=completed / seconds,
        p50=_ms(re.search(r"\s50%\s+(\S+)", out)[1]),  # type: ignore[index]
        p99=_ms(re.search(r"\s99%\s+(\S+)", out)[1]),  # type: ignore[index]
    )


def checked_run(
    engine: Engine,
    url: str,
    args: argparse.Namespace,
    files: dict[str, Path],
    seed: int,
    seconds: int,
    connections: int | None = None,
) -> tuple[Run, str]:
    """A run against the service, with the click count checked against wrk's."""
    before = click_totals(engine)[0]
    run = run_wrk(url, args, files, seed, seconds, connections)
    # The service writes its clicks in batches every second (click_flush_seconds): wait for
    # the batch after the last response.
    deadline = time.monotonic() + FLUSH_WAIT
    recorded = click_totals(engine)[0] - before
    while recorded < run.completed and time.monotonic() < deadline:
        time.sleep(0.1)
        recorded = click_totals(engine)[0] - before
    ok = recorded == run.completed == run.issued
    line = (
        f"wrk sent {run.issued}, completed {run.completed}; sum(clicks.hits) grew by {recorded}: "
        f"{'OK' if ok else 'MISMATCH'}"
    )
    if not ok:
        raise SystemExit(line)
    return run, line


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--flush-seconds", type=float, default=1.0, help="the service's click flush interval"
    )
    parser.add_argument(
        "--latency-connections",
        type=int,
        default=4,
        help="connections of the latency runs: enough to keep the one process busy",
    )
    parser.add_argument("--links", type=int, default=300)
    parser.add_argument("--agents", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=3, help="seconds of unreported warm-up")
    add_rows_argument(parser)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("bench_redirect needs wrk: apt-get update && apt-get install -y wrk")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(
        f"machine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        flush=True,
    )
    print(
        f"date: {datetime.now(UTC).isoformat(timespec='seconds')}; wrk -t{args.threads} "
        f"-c{args.connections}, {args.seconds} s x {args.runs} runs per target (after "
        f"{args.warmup} s warm-up), {args.links} links, {args.agents} user agents; {load()}",
        flush=True,
    )

    tmp = Path(tempfile.mkdtemp(prefix="talentmesh-bench-redirect-"))
    postgres = start_embedded_postgres(tmp / "var")
    broker = start_embedded_broker(tmp / "var")
    engine = make_engine(postgres.url)
    processes: list[subprocess.Popen[bytes]] = []
    log = (tmp / "service.log").open("wb")
    finished = False
    try:
        upgrade_to_head(engine)
        codes = seed(engine, args.links)
        files = {
            "script": tmp / "redirect.lua",
            "codes": tmp / "codes.txt",
            "agents": tmp / "ua.txt",
        }
        files["script"].write_text(WRK_SCRIPT)
        files["codes"].write_text("\n".join(codes) + "\n")
        agents = user_agents(args.agents)
        files["agents"].write_text("\n".join(agents) + "\n")

        port, ref_port = free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TALENTMESH_")}
        env |= {
            "TALENTMESH_DATABASE_URL": postgres.url,
            "TALENTMESH_BROKER_URL": broker.url,
            "TALENTMESH_DATA_DIR": str(tmp / "service"),
            "TALENTMESH_PORT": str(port),
            "TALENTMESH_LOG_LEVEL": "WARNING",
            "TALENTMESH_CLICK_FLUSH_SECONDS": str(args.flush_seconds),
            "HF_HUB_OFFLINE": "1",
        }
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "runtime.cli", "serve", "--no-worker"],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=log,
            )
        )
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "bench.redirect_reference:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(ref_port),
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                stdout=log,
                stderr=log,
            )
        )
        base, ref = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{ref_port}"
        wait_ready(f"{base}/health", processes[0], 200)
        wait_ready(f"{ref}/r/{codes[0]}", processes[1], 302)
        first = httpx.get(f"{base}/r/{codes[0]}", headers={"User-Agent": agents[0]})
        print(f"GET /r/{codes[0]} -> {first.status_code} {first.headers['location']}", flush=True)
        if first.status_code != 302 or not first.headers["location"].startswith(APPLY_URL):
            raise SystemExit("the redirect does not answer as expected")

        targets = {"service": base, "reference": ref}
        checks: list[str] = []
        run_wrk(ref, args, files, 0, args.warmup)
        warmup, line = checked_run(engine, base, args, files, 0, args.warmup)
        checks.append(f"warm-up: {line}")
        sent = 1 + warmup.completed
        results: dict[str, list[Run]] = {name: [] for name in targets}
        latency: dict[str, list[Run]] = {name: [] for name in targets}
        passes = ((results, args.connections), (latency, args.latency_connections))
        # Per run, each target's two passes back to back: the latency pass then meets the
        # service's links cached, as steady traffic does. The throughput pass starts after
        # the reference's two passes, longer than the link cache's 5 s, so it begins with
        # every link to be looked up again (300 lookups on the requests' path).
        for number in range(1, args.runs + 1):
            for name, url in targets.items():
                for figures, connections in passes:
                    print(f"run {number} {name}, -c{connections}, {load()}", flush=True)
                    if name == "service":
                        run, line = checked_run(
                            engine, url, args, files, number, args.seconds, connections
                        )
                        checks.append(f"run {number}, -c{connections}: {line}")
                        sent += run.completed
                    else:
                        run = run_wrk(url, args, files, number, args.seconds, connections)
                    figures[name].append(run)
                    print(
                        f"  {run.rps:.0f} req/s, p50 {run.p50:.1f} ms, p99 {run.p99:.1f} ms",
                        flush=True,
                    )
        # Clicks still buffered when the service is stopped (SIGTERM, as a service manager
        # stops it) must be written by its shutdown, not lost.
        with httpx.Client(base_url=base) as http:
            for i in range(SHUTDOWN_BURST):
                answer = http.get(
                    f"/r/{codes[i % len(codes)]}", headers={"User-Agent": agents[i % len(agents)]}
                )
                if answer.status_code != 302:
                    raise SystemExit(f"shutdown burst: {answer.status_code}")
        sent += SHUTDOWN_BURST
        processes[0].terminate()
        processes[0].wait(timeout=60)
        hits, rows, bots = click_totals(engine)
        checks.append(
            f"{SHUTDOWN_BURST} redirects, then SIGTERM at once: sum(hits) after the exit "
            f"{'equals' if hits == sent else 'DIFFERS FROM'} all requests sent"
        )
        finished = True
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        engine.dispose()
        broker.stop()
        postgres.release()
        log.close()
        # The database of a run is throwaway (about 170 MB); a failed run keeps its log.
        if finished:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept {tmp} (service log: {tmp / 'service.log'})", file=sys.stderr)

    print(f"\nafter the runs: {load()}")
    reference_rps = statistics.median(r.rps for r in results["reference"])
    labels = {
        "reference": "reference: bare FastAPI, constant 302",
        "service": "GET /r/{code} (cached link, buffered click)",
    }
    for figures, connections in passes:
        print(f"\nwrk -c{connections}")
        print(f"{'target':44} {'req/s':>8} {'vs ref':>7} {'p50 ms':>8} {'p99 ms':>8}")
        base_rps = statistics.median(r.rps for r in figures["reference"])
        for name in ("reference", "service"):
            runs = figures[name]
            rps = statistics.median(r.rps for r in runs)
            print(
                f"{labels[name]:44} {rps:8.0f} {rps / base_rps:7.2f} "
                f"{statistics.median(r.p50 for r in runs):8.1f} "
                f"{statistics.median(r.p99 for r in runs):8.1f}"
            )
    print("\nclick counting (every request wrk made, counted once):")
    for line in checks:
        print(f"  {line}")
    verdict = "OK" if hits == sent else "MISMATCH"
    print(
        f"  in all: {sent} requests (warm-up and one check request included), "
        f"sum(hits) {hits}: {verdict}; {rows} click rows, {bots} of them bots"
    )
    service = results["service"]
    write_rows(
        args.rows_json,
        [
            Row(
                "redirect",
                "GET /r/{code} throughput",
                statistics.median(r.rps for r in service),
                "req/s",
                "constant 302",
                reference_rps,
                bar=0.7,
            ),
            Row(
                "redirect",
                f"GET /r/{{code}} p99 at "
                f"{statistics.median(r.rps for r in latency['service']):,.0f} req/s "
                f"(wrk -c{args.latency_connections})",
                statistics.median(r.p99 for r in latency["service"]),
                "ms",
                "p99 of the constant 302",
                statistics.median(r.p99 for r in latency["reference"]),
                bar=20,
                bar_on="value",
                better="lower",
            ),
            Row(
                "redirect",
                f"GET /r/{{code}} p99 (wrk -c{args.connections}, saturated)",
                statistics.median(r.p99 for r in service),
                "ms",
                "p99 of the constant 302",
                statistics.median(r.p99 for r in results["reference"]),
            ),
            Row(
                "redirect",
                "clicks stored after SIGTERM",
                hits,
                "",
                "requests sent",
                sent,
                bar=1.0,
                note="every click counted once" if hits == sent else "mismatch",
            ),
        ],
    )
    if hits != sent:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
