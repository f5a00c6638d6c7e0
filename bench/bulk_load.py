"""The bulk load of ``bench/bench_matching.py`` in several processes.

Each process derives its profiles with the service's own planner (``bench/bulk_rows.py``),
encodes their distinct texts and copies the rows in, one chunk of profiles at a time.
Deriving and writing are Python work on one core, so one process leaves the second core
mostly idle once the fast mode's table knows the words; two processes fill both.

Chunks are handed out in order from a shared counter, and a process checks the deadline
only before taking the next one, so the profiles loaded are always a prefix of the ones
asked for (a later run goes on from their count, as with one process).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from pgvector.psycopg import register_vector

from bench.bulk_rows import copy_rows, derive_rows, memoised
from matching.embeddings.encoder import Encoder, Vectors

# Texts this short (skill names, degrees) repeat across profiles; their vectors are cached
# across bulk chunks. Longer texts are only deduplicated within a chunk.
SHORT_TEXT_CHARS = 60
# Seconds between checks that every process is still alive while waiting for results.
POLL_SECONDS = 1.0
# What one process's ``Loaded`` adds to the total.
SUMMED = (
    "profiles",
    "sections",
    "texts_encoded",
    "extract_seconds",
    "encode_seconds",
    "write_seconds",
)


class VectorCache:
    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder
        self.short: dict[str, Vectors] = {}
        self.encoded = 0

    def vectors(self, texts: list[str]) -> list[Vectors]:
        """Vectors for ``texts``; each distinct text is encoded once (identical text gives an
        identical vector), in one large call so batches are length-sorted and full."""
        chunk: dict[str, Vectors] = {}
        todo = list(dict.fromkeys(t for t in texts if t not in self.short))
        if todo:
            rows = self.encoder.encode(todo, role="passage")
            self.encoded += len(todo)
            for text_, row in zip(todo, rows, strict=True):
                if len(text_) <= SHORT_TEXT_CHARS:
                    self.short[text_] = row
                else:
                    chunk[text_] = row
        return [self.short.get(t, chunk.get(t)) for t in texts]  # type: ignore[misc]


@dataclass(frozen=True)
class Part:
    """What every loading process is given (the chunk numbers come from the counter)."""

    url: str  # SQLAlchemy URL of the database
    model: str
    organisation_id: uuid.UUID
    seed: int
    first: int  # index of the first profile to load
    count: int
    chunk: int  # profiles per chunk
    stop_at: float  # time.monotonic() after which no new chunk is taken


@dataclass
class Loaded:
    """One process's share of the load (seconds are that process's own)."""

    profiles: int = 0
    sections: int = 0
    texts_encoded: int = 0  # distinct texts this process sent to the encoder
    extract_seconds: float = 0.0
    encode_seconds: float = 0.0
    write_seconds: float = 0.0
    stopped_early: bool = False
    error: str = ""

    def add(self, other: Loaded) -> None:
        for name in SUMMED:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.stopped_early |= other.stopped_early
        self.error = self.error or other.error


def log(message: str) -> None:
    # Local time, as the matching bench's own lines beside these (it imports this module,
    # so this module cannot import its log).
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


def load_chunks(part: Part, counter: Any, name: str) -> Loaded:
    """Take chunks from ``counter`` until none is left or the deadline passes."""
    from matching.indexing.resources import matching_resources
    from models.db import make_engine, make_session_factory

    engine = make_engine(part.url, pool_size=1)
    try:
        with make_session_factory(engine)() as session:
            resources = memoised(matching_resources(session, part.model))
    finally:
        engine.dispose()
    cache = VectorCache(resources.encoder)
    done = Loaded()
    chunks = -(-part.count // part.chunk)
    url = part.url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url) as conn:
        register_vector(conn)
        while True:
            if time.monotonic() > part.stop_at:
                done.stopped_early = True
                break
            with counter.get_lock():
                number = counter.value
                counter.value += 1
            if number >= chunks:
                break
            start = part.first + number * part.chunk
            size = min(part.chunk, part.first + part.count - start)
            t0 = time.perf_counter()
            rows = derive_rows(resources, part.organisation_id, part.model, part.seed, start, size)
            t1 = time.perf_counter()
            texts = [section[3] for section in rows.sections]
            vectors = cache.vectors(texts)
            t2 = time.perf_counter()
            done.write_seconds += copy_rows(conn, part.organisation_id, part.model, rows, vectors)
            done.extract_seconds += t1 - t0
            done.encode_seconds += t2 - t1
            done.sections += len(texts)
            done.profiles += len(rows.candidates)
            if (number + 1) % 10 == 0 or number + 1 == chunks:
                log(
                    f"  {name}: chunk {number + 1}/{chunks}; this process {done.profiles} "
                    f"profiles (derive {done.extract_seconds:.0f} s, encode "
                    f"{done.encode_seconds:.0f} s, write {done.write_seconds:.0f} s)"
                )
    done.texts_encoded = cache.encoded
    return done


def _process_main(part: Part, counter: Any, results: Any, name: str) -> None:
    try:
        results.put(load_chunks(part, counter, name))
    except BaseException:  # reported to the parent, which raises it
        results.put(Loaded(error=f"{name}:\n{traceback.format_exc()}"))


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def load_in_processes(part: Part, processes: int) -> Loaded:
    """Load ``part`` with ``processes`` processes; raises if one fails."""
    context = multiprocessing.get_context("spawn")  # a fork would copy the encoder's threads
    counter = context.Value("q", 0)
    results: Any = context.Queue()
    # One encoder thread per process: the processes already fill the cores, and spinning
    # OpenMP threads of two processes on two cores slow each other down.
    with _environment(OMP_NUM_THREADS="1"):
        workers = [
            context.Process(
                target=_process_main, args=(part, counter, results, f"bulk {i + 1}"), daemon=True
            )
            for i in range(processes)
        ]
        for worker in workers:
            worker.start()
    total = Loaded()
    received = 0
    try:
        while received < len(workers):
            try:
                total.add(results.get(timeout=POLL_SECONDS))
                received += 1
            except queue.Empty:
                if any(w.exitcode not in (None, 0) for w in workers):
                    raise RuntimeError("a bulk load process ended without a result") from None
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.terminate()
    if total.error:
        raise RuntimeError(f"bulk load failed in {total.error}")
    return total
