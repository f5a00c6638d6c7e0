"""Matching at scale: ingest rate of the indexing path beside the raw encoder, latency of
vacancy matches over HTTP beside cheap routes, and HNSW recall@20 against exact search.

For each size N (``--sizes``, ascending) the one benchmark database grows to N generated
profiles (bench/profiles.py; profile i is the same whatever N is, so a larger size extends the
smaller one), then:

1. Ingest. New profiles go through the real write path in transactions of
   ``matching.indexing.bulk.BATCH``: ``matching.candidates.service.create`` then
   ``matching.indexing.bulk.index_records`` (spaCy extraction, the real encoder, pgvector rows
   with the HNSW index in place, search document), committed per batch. With
   ``--data-dir`` of an earlier run it goes on from the profiles already loaded. Time inside
   ``encoder.encode`` and ``extractor.extract`` is recorded on the way. Beside it, in the same
   run, raw ``encoder.encode`` on the very section texts the path encoded (one call, the
   encoder's own batching). When the whole step would take longer than ``--full-path-budget``
   through that path, only a timed sample goes through it (``--sample`` profiles or
   ``--sample-seconds``) and the rest is loaded in bulk: the service's own planner
   (``_plan_candidate``: the same sections, mentions and search document) but with identical
   texts encoded once per chunk of ``--bulk-chunk`` profiles and rows written with
   executemany / binary COPY, in ``--bulk-processes`` processes (bench/bulk_load.py), the
   candidate HNSW index dropped first and rebuilt after with ``ensure_vector_index``
   (timed). The output says which rows went which way.
2. Latency. ``talentmesh serve --no-worker`` runs against the benchmark database; vacancies are
   posted through it (indexed in the request), then ``GET /v1/vacancies/{id}/matches?limit=20``
   is timed sequentially over every vacancy, several times, beside ``GET /health`` and
   ``GET /v1/vacancies/{id}`` measured the same way in the same run.
3. Recall. For vacancy section vectors and held-out profile texts,
   ``nearest_owners(..., limit=20)`` through the index against ``exact=True``.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.bench_matching --sizes 1000
    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.bench_matching --sizes 10000,100000 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from api.auth.service import create_api_key
from bench.bulk_load import SUMMED, Part, load_in_processes
from bench.bulk_rows import new_candidate
from bench.profiles import profile, vacancy
from bench.rows import Row, add_rows_argument, write_rows
from matching.candidates import service as candidate_service
from matching.candidates.schemas import CandidateCreate
from matching.embeddings.encoder import Encoder, Vectors, load_encoder
from matching.embeddings.sections import candidate_sections
from matching.embeddings.store import ensure_vector_index, index_names, nearest_owners
from matching.embeddings.waypoints import ensure_waypoints
from matching.indexing.bulk import BATCH, index_records
from matching.indexing.resources import MatchingResources, matching_resources
from matching.taxonomy.loading import ensure_default_taxonomy
from models import SectionEmbedding
from models.db import make_engine, make_session_factory, transaction
from runtime.embedded import start_embedded_broker, start_embedded_postgres
from runtime.migrate import upgrade_to_head
from runtime.settings import DEFAULT_EMBEDDING_MODEL

ROOT = Path(__file__).resolve().parent.parent
# Held-out profiles for recall queries: far beyond any size, so never in the database.
HELD_OUT_START = 50_000_000
ORGANISATION = "Bench"


def log(message: str) -> None:
    stamp = datetime.now().strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", flush=True)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


# --- instrumentation ------------------------------------------------------------------


@dataclass
class Probe:
    """Wall time spent inside one method while it is instrumented."""

    seconds: float = 0.0
    calls: int = 0
    texts: list[list[str]] = field(default_factory=list)


@contextmanager
def instrument(owner: object, method: str, probe: Probe, record: bool = False) -> Iterator[None]:
    """Time every call of ``owner.method`` (an instance attribute shadows the class method,
    so the indexing code that holds the same instance is timed without being changed)."""
    original: Callable[..., Any] = getattr(owner, method)

    def timed(*args: Any, **kwargs: Any) -> Any:
        if record:
            probe.texts.append(list(args[0]))
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            probe.seconds += time.perf_counter() - start
            probe.calls += 1

    setattr(owner, method, timed)
    try:
        yield
    finally:
        delattr(owner, method)


# --- results --------------------------------------------------------------------------


@dataclass
class FullPath:
    profiles: int = 0
    seconds: float = 0.0
    create_seconds: float = 0.0  # candidate_service.create for the batch
    index_seconds: float = 0.0  # index_records plus the commit
    encode_seconds: float = 0.0  # inside encoder.encode, called by index_candidate
    extract_seconds: float = 0.0  # inside extractor.extract
    sections: int = 0
    encode_calls: int = 0
    sampled: bool = False

    @property
    def rate(self) -> float:
        return self.profiles / self.seconds if self.seconds else 0.0


@dataclass
class RawEncode:
    profiles: int = 0
    texts: int = 0
    seconds: list[float] = field(default_factory=list)

    @property
    def texts_per_s(self) -> float:
        return self.texts / statistics.median(self.seconds) if self.seconds else 0.0

    @property
    def profiles_per_s(self) -> float:
        return self.profiles / statistics.median(self.seconds) if self.seconds else 0.0


@dataclass
class Bulk:
    profiles: int = 0
    seconds: float = 0.0
    encode_seconds: float = 0.0
    extract_seconds: float = 0.0
    write_seconds: float = 0.0
    sections: int = 0
    texts_encoded: int = 0  # texts sent to the encoder (distinct within each process)
    processes: int = 1
    index_build_seconds: float = 0.0
    index_vectors: int = 0
    stopped_early: bool = False


@dataclass
class Latency:
    name: str
    p50: list[float] = field(default_factory=list)  # one per run, ms
    p95: list[float] = field(default_factory=list)
    requests: int = 0
    mean_items: float = 0.0


@dataclass
class Recall:
    queries: int = 0
    recall: float = 0.0  # owner ids in common with the exact top 20
    recall_ties: float = 0.0  # also counting owners tied with the exact 20th similarity
    ann_p50_ms: float = 0.0
    exact_p50_ms: float = 0.0
    index_scans: int = 0  # idx_scan growth of the candidate HNSW index during the ANN queries


@dataclass
class SizeResult:
    size: int
    reached: int = 0
    full_path: FullPath = field(default_factory=FullPath)
    raw: RawEncode = field(default_factory=RawEncode)
    bulk: Bulk = field(default_factory=Bulk)
    candidate_vectors: int = 0
    index_mb: float = 0.0
    latency: list[Latency] = field(default_factory=list)
    recall: Recall = field(default_factory=Recall)
    notes: list[str] = field(default_factory=list)


# --- database -------------------------------------------------------------------------


def tune_postgres(engine: Engine, maintenance_work_mem: str) -> None:
    """HNSW builds are far faster when the graph fits in maintenance_work_mem; the default
    (64MB) spills at a few hundred thousand vectors. The build's leader inserts too, so one
    worker fewer than the cores keeps every core busy without a third process contending for
    two: 150,000 section vectors built in 66 s with one worker, 72 s with two, 119 s with
    none (2 cores, docs/benchmarks.md, 2026-12-06)."""
    workers = max(1, (os.cpu_count() or 2) - 1)
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.execute(
            text(f"ALTER SYSTEM SET maintenance_work_mem = '{maintenance_work_mem}'")
        )
        connection.execute(text(f"ALTER SYSTEM SET max_parallel_maintenance_workers = {workers}"))
        connection.execute(text("SELECT pg_reload_conf()"))


def section_autovacuum(engine: Engine, enabled: bool) -> None:
    """Autovacuum of the section table off while profiles load, on again when the load ends
    (the graphs built). A vacuum tells the free space map where earlier pages have room, and the
    waypoints written before the build then land among the profiles' sections instead of
    after them: the build removes them and they go into the built graphs one insert at a
    time, 82 s instead of none in a first run at 100,000 where autovacuum had just run."""
    setting = "SET (autovacuum_enabled = false)" if not enabled else "RESET (autovacuum_enabled)"
    with engine.begin() as connection:
        connection.execute(text(f"ALTER TABLE section_embeddings {setting}"))


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as connection:
        return connection.execute(text(sql), params).scalar_one()


def candidate_vectors(engine: Engine, model: str) -> int:
    return int(
        scalar(
            engine,
            "SELECT count(*) FROM section_embeddings WHERE owner_kind = 'candidate' "
            "AND model = :model",
            model=model,
        )
    )


def graph_vectors(engine: Engine, model: str) -> int:
    """Vectors in the candidate graphs (the indexed section kinds, waypoints included), as
    their builds counted them: no scan of the section table."""
    names = index_names(model, "candidate")
    return int(
        scalar(
            engine,
            "SELECT coalesce(sum(reltuples), 0) FROM pg_class WHERE relname = ANY(:names)",
            names=list(names),
        )
    )


def relation_mb(engine: Engine, name: str) -> float:
    value = scalar(engine, "SELECT coalesce(pg_relation_size(to_regclass(:n)), 0)", n=name)
    return int(value) / 2**20


def index_scans(engine: Engine, names: Sequence[str]) -> int:
    value = scalar(
        engine,
        "SELECT coalesce(sum(idx_scan), 0) FROM pg_stat_user_indexes WHERE indexrelname = ANY(:n)",
        n=list(names),
    )
    return int(value)


# --- ingest through the real path -----------------------------------------------------


def ingest_full_path(
    factory: sessionmaker[Session],
    resources: MatchingResources,
    organisation_id: uuid.UUID,
    model: str,
    start: int,
    count: int,
    args: argparse.Namespace,
    encoded: Probe,
) -> FullPath:
    """Create and index profiles ``start..start+count`` in committed batches, the way
    reindex_stale and the Celery task do; switch to a timed sample when the whole step would
    exceed the budget."""
    result = FullPath()
    extracted = Probe()
    target = count
    decided = False
    last_log = time.monotonic()
    with (
        instrument(resources.encoder, "encode", encoded, record=True),
        instrument(resources.extractor, "extract", extracted),
    ):
        while result.profiles < target:
            end = min(start + result.profiles + BATCH, start + target)
            payloads = [
                CandidateCreate.model_validate(profile(i, args.seed))
                for i in range(start + result.profiles, end)
            ]
            began = time.perf_counter()
            with transaction(factory) as session:
                ids = [candidate_service.create(session, organisation_id, p).id for p in payloads]
                created = time.perf_counter()
                index_records(session, "candidate", ids, model)
            finished = time.perf_counter()
            result.create_seconds += created - began
            result.index_seconds += finished - created
            result.seconds += finished - began
            result.profiles += len(payloads)
            if not decided and (result.profiles >= 4 * BATCH or result.seconds > 60):
                decided = True
                estimate = count / result.rate
                if estimate > args.full_path_budget:
                    target = min(count, args.sample)
                    result.sampled = True
                    log(
                        f"  full path: {result.rate:.1f} profiles/s, {count} would take "
                        f"~{estimate / 60:.0f} min > budget {args.full_path_budget / 60:.0f} "
                        f"min: timed sample of up to {target} profiles / "
                        f"{args.sample_seconds:.0f} s, the rest in bulk"
                    )
            if result.sampled and result.seconds >= args.sample_seconds:
                break
            if time.monotonic() - last_log > 60:
                last_log = time.monotonic()
                log(f"  full path: {result.profiles} profiles, {result.rate:.2f}/s, {load()}")
    result.encode_seconds = encoded.seconds
    result.encode_calls = encoded.calls
    result.sections = sum(len(t) for t in encoded.texts)
    result.extract_seconds = extracted.seconds
    return result


def raw_encode(
    encoder: Encoder, calls: list[list[str]], path: FullPath, args: argparse.Namespace
) -> RawEncode:
    """The section texts the path encoded, for the first ``--raw-profiles`` profiles' worth,
    in one call: the encoder's own batching (64, length-sorted by sentence-transformers) is
    the ceiling any ingest path can reach with this model. The path may call the encoder
    once per profile or once per batch of profiles, so the sample is cut by text count."""
    texts = [t for call in calls for t in call]
    per_profile = len(texts) / max(1, path.profiles)
    texts = texts[: max(1, round(args.raw_profiles * per_profile))]
    result = RawEncode(profiles=round(len(texts) / per_profile), texts=len(texts))
    for _ in range(args.runs):
        began = time.perf_counter()
        encoder.encode(texts, role="passage")
        result.seconds.append(time.perf_counter() - began)
    return result


# --- bulk load --------------------------------------------------------------------------


def bulk_load(
    url: str,
    engine: Engine,
    resources: MatchingResources,
    organisation_id: uuid.UUID,
    model: str,
    start: int,
    count: int,
    args: argparse.Namespace,
    stop_at: float,
) -> Bulk:
    result = Bulk()
    # The index is rebuilt once after loading: one build is far cheaper than a graph insert
    # per row, and it is what an operator would do for an initial import.
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        for name in index_names(model, "candidate"):
            connection.execute(text(f"DROP INDEX IF EXISTS {name}"))
    # Derived, encoded and written one chunk after the other in each of --bulk-processes
    # processes (bench/bulk_load.py). Writing in a thread beside the next chunk measured no
    # faster: a write beside the derivation waits for the interpreter (docs/benchmarks.md,
    # 2026-12-06).
    part = Part(url, model, organisation_id, args.seed, start, count, args.bulk_chunk, stop_at)
    log(f"  bulk: {count} profiles in {args.bulk_processes} processes, {load()}")
    began = time.perf_counter()
    loaded = load_in_processes(part, args.bulk_processes)
    result.seconds = time.perf_counter() - began
    for name in SUMMED:  # the counts and seconds, summed over the processes
        setattr(result, name, getattr(loaded, name))
    result.stopped_early = loaded.stopped_early
    result.processes = args.bulk_processes
    log(
        f"  bulk: {loaded.profiles}/{count} profiles, {loaded.profiles / result.seconds:.1f}/s "
        f"(summed over the processes: derive {loaded.extract_seconds:.0f} s, encode "
        f"{loaded.encode_seconds:.0f} s, write {loaded.write_seconds:.0f} s), {load()}"
    )
    if loaded.stopped_early:
        log(f"  bulk: deadline reached after {loaded.profiles} profiles; stopped the load here")
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("ANALYZE candidates, section_embeddings, concept_mentions")
        )
    # The waypoints go in before the build, after every section in the table, so the build
    # adds them last: as the service would after the build, at build speed instead of one
    # graph insert each (ensure_vector_index removes them first where they are not last).
    began = time.perf_counter()
    added = ensure_waypoints(engine, resources.encoder)
    log(f"  {added} occupation names added as waypoints in {time.perf_counter() - began:.0f} s")
    log(f"  building the candidate HNSW index, {load()}")
    began = time.perf_counter()
    ensure_vector_index(engine, model, resources.encoder.dimension)
    result.index_build_seconds = time.perf_counter() - began
    result.index_vectors = graph_vectors(engine, model)
    began = time.perf_counter()
    added = ensure_waypoints(engine, resources.encoder)
    log(f"  {added} occupation names added after the build in {time.perf_counter() - began:.0f} s")
    # Now, not beside the measurements: with autovacuum back on, the million rows inserted
    # since the table's last vacuum had it vacuumed a minute into the matching stage, and
    # the requests it overlapped took up to 100 ms (docs/benchmarks.md, 2026-12-07). Not
    # before the waypoints either: a vacuum records the pages' free space, and the
    # waypoints would land among the sections (section_autovacuum).
    # The profiles too: a filtered match reads its owners from the city index alone only
    # where the table's pages are marked all-visible, which a vacuum does.
    began = time.perf_counter()
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("VACUUM section_embeddings, candidates")
        )
    log(f"  section and profile tables vacuumed in {time.perf_counter() - began:.0f} s")
    return result


# --- HTTP -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the service exited with {process.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not come up")


def serve(
    url: str,
    broker_url: str,
    data_dir: Path,
    model: str,
    log_path: Path,
    cache_profiles: int | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """``talentmesh serve --no-worker`` on the benchmark database, in a session of its own
    (``stop`` ends it and its children); returns it and its URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALENTMESH_")} | {
        "TALENTMESH_DATABASE_URL": url,
        "TALENTMESH_BROKER_URL": broker_url,
        "TALENTMESH_DATA_DIR": str(data_dir),
        "TALENTMESH_EMBEDDING_MODEL": model,
        "TALENTMESH_LOG_LEVEL": "WARNING",
        "HF_HUB_OFFLINE": "1",
    }
    if cache_profiles is not None:
        env["TALENTMESH_MATCH_CACHE_PROFILES"] = str(cache_profiles)
        env["TALENTMESH_MATCH_CACHE_SCAN_PROFILES"] = str(cache_profiles)
    process = subprocess.Popen(
        [sys.executable, "-m", "runtime.cli", "serve", "--no-worker", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log_path.open("ab"),
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    wait_ready(f"{base}/health", process)
    return process, base


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=60)


def timed_get(client: httpx.Client, url: str) -> tuple[float, httpx.Response]:
    began = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - began) * 1000
    if response.status_code != 200:
        raise SystemExit(f"GET {url}: {response.status_code} {response.text[:500]}")
    return elapsed, response


def measure_latency(
    base: str, key: str, vacancy_ids: list[str], args: argparse.Namespace
) -> list[Latency]:
    """Sequential requests (one at a time, so each figure is the latency of one request on
    an otherwise idle service); the reference routes are interleaved with the matches so all
    three see the same background load."""
    routes = {
        "matches": Latency("GET /v1/vacancies/{id}/matches?limit=20"),
        "vacancy": Latency("GET /v1/vacancies/{id} (reference)"),
        "health": Latency("GET /health (reference)"),
    }
    with httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=300
    ) as client:
        for vacancy_id in vacancy_ids:  # warm-up: page cache, plans, first-call costs
            timed_get(client, f"/v1/vacancies/{vacancy_id}/matches?limit=20")
        items: list[int] = []
        for _ in range(args.runs):
            times: dict[str, list[float]] = {name: [] for name in routes}
            for _ in range(args.repeats):
                for vacancy_id in vacancy_ids:
                    ms, response = timed_get(client, f"/v1/vacancies/{vacancy_id}/matches?limit=20")
                    times["matches"].append(ms)
                    items.append(len(response.json()["data"]))
                    times["vacancy"].append(timed_get(client, f"/v1/vacancies/{vacancy_id}")[0])
                    times["health"].append(timed_get(client, "/health")[0])
            for name, route in routes.items():
                route.p50.append(percentile(times[name], 50))
                route.p95.append(percentile(times[name], 95))
                route.requests += len(times[name])
        routes["matches"].mean_items = float(np.mean(items))
    return list(routes.values())


# --- recall ---------------------------------------------------------------------------


def recall_queries(engine: Engine, encoder: Encoder, model: str, count: int) -> list[Vectors]:
    """Vacancy text sections (what matches_for_vacancy queries with), topped up with sections
    of held-out profiles that are not in the database."""
    with Session(engine) as session:
        rows = session.scalars(
            select(SectionEmbedding.embedding)
            .where(
                SectionEmbedding.owner_kind == "vacancy",
                SectionEmbedding.model == model,
                SectionEmbedding.section != "skill",
            )
            .order_by(SectionEmbedding.id)
            .limit(count)
        )
        queries = [np.asarray(v, dtype=np.float32) for v in rows]
    texts: list[str] = []
    index = HELD_OUT_START
    while len(queries) + len(texts) < count:
        candidate = new_candidate(uuid.UUID(int=0), profile(index))
        texts += [s.text for s in candidate_sections(candidate) if s.name != "education"]
        index += 1
    texts = texts[: count - len(queries)]
    queries += list(encoder.encode(texts, role="passage")) if texts else []
    return queries


def measure_recall(
    engine: Engine,
    factory: sessionmaker[Session],
    organisation_id: uuid.UUID,
    encoder: Encoder,
    model: str,
    args: argparse.Namespace,
) -> Recall:
    queries = recall_queries(engine, encoder, model, args.recall_queries)
    hnsw = index_names(model, "candidate")
    scans_before = index_scans(engine, hnsw)
    per_query: list[float] = []
    per_query_ties: list[float] = []
    ann_ms: list[float] = []
    exact_ms: list[float] = []
    began = time.monotonic()
    for query in queries:
        with factory() as session:
            t0 = time.perf_counter()
            approx = nearest_owners(
                session, organisation_id, "candidate", model, query, limit=args.k
            )
            t1 = time.perf_counter()
            session.rollback()
            exact = nearest_owners(
                session, organisation_id, "candidate", model, query, limit=args.k, exact=True
            )
            t2 = time.perf_counter()
            session.rollback()
            # Index usage counters are flushed lazily; force it so idx_scan is exact below.
            session.execute(text("SELECT pg_stat_force_next_flush()"))
            session.commit()
        ann_ms.append((t1 - t0) * 1000)
        exact_ms.append((t2 - t1) * 1000)
        truth = {owner for owner, _ in exact}
        per_query.append(len(truth & {owner for owner, _ in approx}) / max(1, len(truth)))
        # Identical texts (a skill named by thousands of profiles) give identical vectors, so
        # the exact top 20 is one arbitrary pick among tied owners; an owner returned with a
        # similarity at least the exact 20th is as good an answer.
        kth = exact[-1][1] if exact else 1.0
        good = sum(1 for owner, sim in approx if owner in truth or sim >= kth - 1e-6)
        per_query_ties.append(min(good, len(truth)) / max(1, len(truth)))
        if time.monotonic() - began > args.recall_seconds:
            log(f"  recall: time cap reached after {len(per_query)} queries")
            break
    return Recall(
        queries=len(per_query),
        recall=float(np.mean(per_query)),
        recall_ties=float(np.mean(per_query_ties)),
        ann_p50_ms=percentile(ann_ms, 50),
        exact_p50_ms=percentile(exact_ms, 50),
        index_scans=index_scans(engine, hnsw) - scans_before,
    )


# --- output -----------------------------------------------------------------------------


def report(results: list[SizeResult], header: list[str]) -> None:
    print()
    for line in header:
        print(line)
    for r in results:
        fp, raw, bulk = r.full_path, r.raw, r.bulk
        print()
        reached = f"{r.reached}" if r.reached == r.size else f"{r.reached} of {r.size} (PARTIAL)"
        print(
            f"== size {r.size}: {reached} profiles, {r.candidate_vectors} candidate vectors, "
            f"candidate HNSW index {r.index_mb:.0f} MiB =="
        )
        how = "timed sample" if fp.sampled else "all new profiles"
        print(f"ingest, full path ({how}: {fp.profiles} profiles, {fp.sections} sections)")
        if fp.profiles:
            ms = {
                "create": fp.create_seconds,
                "encode": fp.encode_seconds,
                "extract": fp.extract_seconds,
                "other (SQL, HNSW inserts, flush, commit)": fp.seconds
                - fp.create_seconds
                - fp.encode_seconds
                - fp.extract_seconds,
            }
            parts = ", ".join(f"{k} {v / fp.profiles * 1000:.0f}" for k, v in ms.items())
            print(f"  {'full path (create + index_records + commit)':46} {fp.rate:8.2f} profiles/s")
            print(f"    ms per profile {1000 / fp.rate:.0f}: {parts}")
        if raw.texts:
            texts_per_profile = raw.texts / raw.profiles
            print(
                f"  {'raw encoder.encode, same texts, one call':46} {raw.profiles_per_s:8.2f} "
                f"profiles/s = {raw.texts_per_s:.0f} texts/s ({texts_per_profile:.1f} "
                f"texts/profile, {raw.profiles} profiles, median of {len(raw.seconds)})"
            )
            if fp.encode_calls:
                in_path = fp.sections / fp.encode_seconds
                label = f"encode inside the path ({fp.sections / fp.encode_calls:.0f} texts/call)"
                print(f"  {label:46} {in_path:8.0f} texts/s")
            print(f"  ratio full path / raw encode: {fp.rate / raw.profiles_per_s:.2f}")
        if bulk.profiles or bulk.stopped_early:
            rate = bulk.profiles / max(bulk.seconds, 1e-9)
            print(
                f"bulk load (rest of the step, not the service path): {bulk.profiles} profiles "
                f"in {bulk.seconds:.0f} s = {rate:.2f} profiles/s in {bulk.processes} processes "
                "(summed: derive "
                f"{bulk.extract_seconds:.0f} s, encode {bulk.encode_seconds:.0f} s for "
                f"{bulk.texts_encoded} of {bulk.sections} texts, write "
                f"{bulk.write_seconds:.0f} s)"
            )
            print(
                f"  HNSW build (ensure_vector_index, CONCURRENTLY) over {bulk.index_vectors} "
                f"vectors: {bulk.index_build_seconds:.0f} s"
            )
        if not r.latency:
            print("latency and recall: not measured, the size was not reached")
            for note in r.notes:
                print(f"  note: {note}")
            continue
        print(f"latency, sequential, median over {len(r.latency[0].p50)} runs")
        for lat in r.latency:
            print(
                f"  {lat.name:46} p50 {statistics.median(lat.p50):8.1f} ms  "
                f"p95 {statistics.median(lat.p95):8.1f} ms  ({lat.requests} requests)"
            )
        if r.latency:
            print(f"  mean items per match page: {r.latency[0].mean_items:.1f}")
        rc = r.recall
        print(
            f"recall@20 (nearest_owners, HNSW vs exact=True), {rc.queries} queries: "
            f"{rc.recall:.3f} (tie-aware {rc.recall_ties:.3f}); ANN p50 {rc.ann_p50_ms:.1f} ms, "
            f"exact p50 {rc.exact_p50_ms:.1f} ms; HNSW index scans {rc.index_scans}"
        )
        for note in r.notes:
            print(f"  note: {note}")


# --- main ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1000", help="comma-separated profile counts")
    parser.add_argument("--runs", type=int, default=3, help="runs per latency / raw encode")
    parser.add_argument("--vacancies", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3, help="passes over the vacancies")
    parser.add_argument("--recall-queries", type=int, default=300)
    parser.add_argument("--recall-seconds", type=float, default=600)
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--full-path-budget", type=float, default=1500, help="seconds")
    parser.add_argument("--sample", type=int, default=5000)
    parser.add_argument("--sample-seconds", type=float, default=300)
    parser.add_argument("--raw-profiles", type=int, default=100, help="profiles re-encoded raw")
    parser.add_argument("--bulk-chunk", type=int, default=1000)
    parser.add_argument("--bulk-processes", type=int, default=2, help="processes of the bulk load")
    parser.add_argument("--deadline-minutes", type=float, default=0, help="0: none")
    parser.add_argument("--reserve-minutes", type=float, default=12, help="kept for index + tests")
    parser.add_argument("--maintenance-work-mem", default="4GB")
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=0,
        help="intra-op threads for every encode in this process; 0: torch's default",
    )
    parser.add_argument("--model", default=DEFAULT_EMBEDDING_MODEL)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--load-only",
        action="store_true",
        help="load the profiles and build the index, measure no latency or recall "
        "(bench/bench_match_latency.py measures them on the data dir)",
    )
    add_rows_argument(parser)
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",")})
    # A plain `kill` of a long run must still stop the service, broker and database below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    started = time.monotonic()
    import torch

    # On a CPU shared with other work, torch's two intra-op threads on two cores were slower
    # than one (19 against 27 texts/s at load ~9 while this benchmark was written), and how
    # much depends on the load at the moment. Pinning the count makes runs comparable; the
    # header prints what was used.
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    stop_at = started + args.deadline_minutes * 60 - args.reserve_minutes * 60
    if not args.deadline_minutes:
        stop_at = float("inf")
    header = [
        f"machine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        f"date: {datetime.now(UTC).isoformat(timespec='seconds')}; model {args.model}; "
        f"batch {BATCH}; torch threads {torch.get_num_threads()}; {args.vacancies} vacancies "
        f"x {args.repeats} passes x {args.runs} runs",
    ]
    log(header[0])
    log(f"start, {load()}")

    tmp = args.data_dir or Path(tempfile.mkdtemp(prefix="talentmesh-bench-matching-"))
    postgres = start_embedded_postgres(tmp / "var")
    broker = start_embedded_broker(tmp / "var")
    engine = make_engine(postgres.url)
    service: subprocess.Popen[bytes] | None = None
    results: list[SizeResult] = []
    try:
        upgrade_to_head(engine)
        tune_postgres(engine, args.maintenance_work_mem)
        section_autovacuum(engine, enabled=False)
        factory = make_session_factory(engine)
        began = time.perf_counter()
        with transaction(factory) as session:
            ensure_default_taxonomy(session)
            _, key = create_api_key(session, organisation_name=ORGANISATION, scopes="admin")
            organisation_id = scalar_org(session)
        encoder = load_encoder(args.model)
        # As `talentmesh serve` does on start: the index exists before any row is written.
        ensure_vector_index(engine, encoder.name, encoder.dimension)
        with transaction(factory) as session:
            resources = matching_resources(session, args.model)
        ensure_waypoints(engine, encoder)
        log(f"database, taxonomy, encoder, extractor ready in {time.perf_counter() - began:.0f} s")

        base = ""
        if not args.load_only:  # a load needs no service: it writes through its own path
            service, base = serve(
                postgres.url, broker.url, tmp / "service", args.model, tmp / "service.log"
            )
            log(f"talentmesh serve --no-worker ready on {base}")

        # With --data-dir of an earlier run, go on from the profiles it loaded (profile i is
        # the same in every run, and runs load indices in order) and reuse its vacancies.
        loaded = count_rows(engine, "candidates", organisation_id)
        vacancy_ids = existing_vacancies(engine, organisation_id)[: args.vacancies]
        if loaded:
            log(f"resuming: {loaded} profiles and {len(vacancy_ids)} vacancies already loaded")
        for size in sizes:
            if size < loaded:
                log(f"size {size}: smaller than the {loaded} profiles already loaded, skipped")
                continue
            result = SizeResult(size=size)
            results.append(result)
            step = size - loaded
            log(f"size {size}: adding {step} profiles, {load()}")
            encoded = Probe()
            if step > 0:
                result.full_path = ingest_full_path(
                    factory, resources, organisation_id, args.model, loaded, step, args, encoded
                )
                loaded += result.full_path.profiles
                log(
                    f"  full path done: {result.full_path.profiles} profiles at "
                    f"{result.full_path.rate:.2f}/s, {load()}"
                )
                result.raw = raw_encode(encoder, encoded.texts, result.full_path, args)
                log(f"  raw encode: {result.raw.texts_per_s:.0f} texts/s, {load()}")
            if loaded < size and not bulk_fits(results, loaded, size - loaded, stop_at):
                # A partial load would only re-measure nearly the previous size; say what the
                # missing rows would need instead.
                result.reached = loaded
                result.notes.append(projection(results, sizes))
                report(results, header)
                break
            if loaded < size:
                result.bulk = bulk_load(
                    postgres.url,
                    engine,
                    resources,
                    organisation_id,
                    args.model,
                    loaded,
                    size - loaded,
                    args,
                    stop_at,
                )
                loaded += result.bulk.profiles
                log(f"  HNSW index built in {result.bulk.index_build_seconds:.0f} s")
            result.reached = loaded
            result.candidate_vectors = candidate_vectors(engine, args.model)
            result.index_mb = sum(
                relation_mb(engine, name) for name in index_names(args.model, "candidate")
            )
            if args.load_only:
                report(results, header)
                continue
            if not vacancy_ids:
                vacancy_ids = post_vacancies(base, key, args)
            log(f"  latency ({len(vacancy_ids)} vacancies), {load()}")
            result.latency = measure_latency(base, key, vacancy_ids, args)
            log(f"  recall ({args.recall_queries} queries), {load()}")
            result.recall = measure_recall(
                engine, factory, organisation_id, encoder, args.model, args
            )
            _, five, _ = os.getloadavg()
            if five > (os.cpu_count() or 1):
                result.notes.append(
                    f"5-minute load average {five:.1f} on {os.cpu_count()} cores at the end of "
                    "this size: the CPU was shared with other work, figures are noisy"
                )
            if result.reached < size:
                result.notes.append(projection(results, sizes))
            report(results, header)
            if result.reached < size:
                break
    finally:
        if service is not None:
            stop(service)
        try:  # also when no load ran, or one stopped part way
            section_autovacuum(engine, enabled=True)
        except SQLAlchemyError as error:
            log(f"autovacuum of section_embeddings not switched back on: {error}")
        engine.dispose()
        broker.stop()
        postgres.release()
    log(f"finished in {(time.monotonic() - started) / 60:.1f} min, {load()}")
    write_rows(args.rows_json, [row for result in results for row in ingest_rows(result)])
    if args.json is not None:
        payload: dict[str, Any] = {
            "header": header,
            "args": vars(args) | {"data_dir": str(tmp)},
            "results": [asdict(r) for r in results],
        }
        args.json.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")


def ingest_rows(result: SizeResult) -> list[Row]:
    """The suite's rows for one size: the indexing path against raw encoding of the same
    texts, and the bulk load with its index build."""
    rows = [Row("matching", "profiles loaded", result.reached, "")]
    path, raw = result.full_path, result.raw
    if path.profiles and raw.seconds:
        # Embedding-bound only with a slow model: bench/bench_embedding.py holds the bar.
        rows.append(
            Row(
                "matching",
                f"indexing path (parse, extract, embed, store), {path.profiles:,} profiles",
                path.rate,
                "profiles/s",
                "raw encode of the same texts",
                raw.profiles_per_s,
            )
        )
    bulk = result.bulk
    if bulk.profiles and bulk.seconds:
        rows.append(
            Row(
                "matching",
                f"bulk load of {bulk.profiles:,} profiles in {bulk.processes} processes "
                f"({bulk.texts_encoded:,} texts encoded, each process's distinct ones)",
                bulk.profiles / bulk.seconds,
                "profiles/s",
            )
        )
        rows.append(
            Row(
                "matching",
                f"HNSW build of the candidate graphs, {bulk.index_vectors:,} vectors",
                bulk.index_build_seconds,
                "s",
                better="lower",
            )
        )
    return rows


def bulk_rate(results: list[SizeResult]) -> float:
    """Profiles/s of the latest bulk load, 0 when none ran yet."""
    done = [r.bulk for r in results if r.bulk.profiles and r.bulk.seconds]
    return done[-1].profiles / done[-1].seconds if done else 0.0


def bulk_fits(results: list[SizeResult], loaded: int, missing: int, stop_at: float) -> bool:
    """Whether to bulk load toward this size: yes when it fits before the deadline, and also
    when it does not but at least doubles the rows loaded (a partial size is still a new
    scale); no when it would only re-measure nearly the previous size."""
    rate = bulk_rate(results)
    if not rate or stop_at == float("inf"):
        return True
    left = stop_at - time.monotonic()
    if missing / rate <= left or left * rate >= loaded:
        return True
    results[-1].notes.append(
        f"bulk load skipped: {missing} profiles at the {rate:.2f}/s of the previous bulk load "
        f"need ~{missing / rate / 60:.0f} min, {max(0.0, left) / 60:.0f} min left before the "
        f"deadline would add only ~{max(0.0, left) * rate:.0f}"
    )
    return False


def projection(results: list[SizeResult], sizes: list[int]) -> str:
    """How long the sizes that were not reached would need at the rates measured here."""
    last = results[-1]
    rates = [("full path", last.full_path.rate), ("bulk (batched encode)", bulk_rate(results))]
    rates.append(("raw encode alone", last.raw.profiles_per_s))
    lines = [f"NOT REACHED: stopped at {last.reached} profiles (--deadline-minutes)."]
    for size in (s for s in sizes if s >= last.size):
        todo = size - last.reached
        est = ", ".join(f"{name} ~{todo / rate / 3600:.1f} h" for name, rate in rates if rate)
        lines.append(f"  to load the {todo} profiles missing for size {size}: {est}")
    return "\n".join(lines)


def count_rows(engine: Engine, table: str, organisation_id: uuid.UUID) -> int:
    sql = f"SELECT count(*) FROM {table} WHERE organisation_id = :org"  # noqa: S608
    return int(scalar(engine, sql, org=organisation_id))


def existing_vacancies(engine: Engine, organisation_id: uuid.UUID) -> list[str]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id FROM vacancies WHERE organisation_id = :org ORDER BY id"),
            {"org": organisation_id},
        ).scalars()
        return [str(row) for row in rows]


def scalar_org(session: Session) -> uuid.UUID:
    value = session.execute(
        text("SELECT id FROM organisations WHERE name = :n"), {"n": ORGANISATION}
    ).scalar_one()
    return uuid.UUID(str(value))


def post_vacancies(base: str, key: str, args: argparse.Namespace) -> list[str]:
    """Vacancies go through the service's own POST, which indexes them in the request."""
    ids: list[str] = []
    with httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=300
    ) as client:
        for index in range(args.vacancies):
            response = client.post("/v1/vacancies", json=vacancy(index, args.seed))
            if response.status_code != 201:
                raise SystemExit(f"POST /v1/vacancies: {response.status_code} {response.text}")
            ids.append(response.json()["id"])
    return ids


if __name__ == "__main__":
    main()
