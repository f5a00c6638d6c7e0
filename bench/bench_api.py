"""Throughput and latency of the basic API routes, beside a bare FastAPI endpoint measured in
the same run on the same machine.

Starts `talentmesh serve --no-worker` on a fresh data dir (embedded PostgreSQL and broker),
and a reference uvicorn app that answers a constant JSON body. Each route is driven by
wrk (Debian package `wrk`) with a fixed number of open connections; every figure is the median of
several runs.

    .venv/bin/python bench/bench_api.py [--seconds 5] [--concurrency 16] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.rows import Row, add_rows_argument, write_rows

REFERENCE_APP = """
from fastapi import FastAPI
app = FastAPI()
@app.get("/constant")
def constant() -> dict[str, str]:
    return {"status": "ok"}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not come up")


WRK_POST = """
wrk.method = "POST"
wrk.body = [[%s]]
wrk.headers["Content-Type"] = "application/json"
"""


def _ms(value: str) -> float:
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", value)
    assert match, value
    return float(match[1]) * units[match[2]]


def run_wrk(
    url: str, args: argparse.Namespace, headers: dict[str, str], script: Path | None
) -> tuple[float, float, float]:
    # Writes index the vacancy in the request (a few hundred ms of both cores with the
    # default model): a request must not count as lost at wrk's default timeout of 2 s, and
    # wrk counts only requests finished within the run, so writes run on two connections
    # (16 sharing the cores finished none in 5 s), at least 6 s: some 30 requests a run.
    concurrency, seconds = args.concurrency, args.seconds
    if script is not None:
        concurrency, seconds = 2, max(6, seconds)
    command = ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "60s"]
    command += ["--latency", url]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out)[1])  # type: ignore[index]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out)[1])  # type: ignore[index]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{url}: {non2xx[1]} failed responses\n{out}")
    return rps, p50, p99


def measure(
    name: str,
    url: str,
    args: argparse.Namespace,
    headers: dict[str, str] | None = None,
    script: Path | None = None,
) -> dict[str, Any]:
    runs = [run_wrk(url, args, headers or {}, script) for _ in range(args.runs)]
    return {
        "name": name,
        "rps": statistics.median(r[0] for r in runs),
        "p50": statistics.median(r[1] for r in runs),
        "p99": statistics.median(r[2] for r in runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    add_rows_argument(parser)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("bench_api.py needs wrk: apt-get install wrk")

    root = Path(__file__).resolve().parent.parent
    tmp = Path(tempfile.mkdtemp(prefix="talentmesh-bench-"))
    port, ref_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALENTMESH_")}
    env |= {
        "TALENTMESH_DATA_DIR": str(tmp / "var"),
        "TALENTMESH_PORT": str(port),
        "TALENTMESH_LOG_LEVEL": "WARNING",
        # One key sends tens of thousands of requests here: the per-key limit is not measured.
        "TALENTMESH_RATE_LIMIT": "100000000/60",
        "HF_HUB_OFFLINE": "1",
    }
    (tmp / "reference_app.py").write_text(REFERENCE_APP)
    cli = [sys.executable, "-m", "runtime.cli"]
    service = subprocess.Popen(
        [*cli, "serve", "--no-worker"],
        env=env,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    reference = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "reference_app:app",
            "--port",
            str(ref_port),
            "--log-level",
            "warning",
        ],
        cwd=tmp,
    )
    try:
        base, ref = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{ref_port}"
        wait_ready(f"{base}/health")
        wait_ready(f"{ref}/constant")
        key = subprocess.run(
            [*cli, "apikey", "create", "--org", "Bench", "--scopes", "admin"],
            env=env,
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        auth = {"Authorization": f"Bearer {key}"}
        vacancy = {
            "title": "Developer digitale collecties",
            "description": "Wij zoeken een ontwikkelaar voor onze collecties. " * 20,
            "required_skills": ["Python", "SQL"],
            "location": {"city": "Den Haag"},
        }
        vacancy_id = httpx.post(f"{base}/v1/vacancies", json=vacancy, headers=auth).json()["id"]

        post_script = tmp / "post.lua"
        post_script.write_text(WRK_POST % json.dumps(vacancy))
        results = [
            measure("reference: constant JSON (bare FastAPI)", f"{ref}/constant", args),
            measure("GET /health (database + broker ping)", f"{base}/health", args),
            measure(
                "GET /v1/vacancies/{id} (key check + row)",
                f"{base}/v1/vacancies/{vacancy_id}",
                args,
                auth,
            ),
            measure("GET /v1/vacancies?limit=20", f"{base}/v1/vacancies?limit=20", args, auth),
            measure(
                "POST /v1/vacancies (insert, index, commit; 2 connections, 6 s)",
                f"{base}/v1/vacancies",
                args,
                auth,
                post_script,
            ),
        ]
    finally:
        service.terminate()
        reference.terminate()
        service.wait(timeout=60)
        reference.wait(timeout=10)

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; wrk, {args.seconds} s x {args.runs} runs, "
        f"{args.concurrency} connections (load generator on the same cores)"
    )
    reference_rps = results[0]["rps"]
    print(f"{'route':48} {'req/s':>8} {'vs ref':>7} {'p50 ms':>8} {'p99 ms':>8}")
    for r in results:
        print(
            f"{r['name']:48} {r['rps']:8.0f} {r['rps'] / reference_rps:7.2f} "
            f"{r['p50']:8.1f} {r['p99']:8.1f}"
        )
    write_rows(
        args.rows_json,
        [
            Row("api", r["name"], r["rps"], "req/s", "constant JSON", reference_rps)
            for r in results[1:]
        ],
    )


if __name__ == "__main__":
    main()
