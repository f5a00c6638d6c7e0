"""Cost of the audit trail: appending a ranking's entry to the organisation's hash chain,
beside a plain insert of the same row in the same run, and verifying a chain.

Starts an embedded PostgreSQL, migrates, and creates one organisation. Each append is its
own transaction, as in a request: the chain's advisory lock, the head lookup, the insert
and the commit. The reference inserts the same row (same payload: 20 results with their
component scores) into a copy of ``audit_entries`` with the same indexes but without the
chain and its trigger, also one transaction each, so the ratio is the chain's own cost.
Figures are medians over ``--runs`` runs of ``--appends`` appends; ``--threads`` clients
appending at once show what the per-organisation lock costs under load. Verification reads
and recomputes the whole chain.

    .venv/bin/python -m bench.bench_audit [--runs 5] [--appends 200] [--threads 4]
"""

from __future__ import annotations

import argparse
import itertools
import platform
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from bench.rows import Row, add_rows_argument, write_rows
from models import Organisation
from models.db import make_engine, make_session_factory, transaction
from runtime.embedded import start_embedded_postgres
from runtime.migrate import upgrade_to_head
from trust.audit import chain
from trust.audit.service import Actor, append, verify

ACTOR = Actor(uuid.uuid4(), "api_key")
# The reference table keeps the unique (organisation, seq) too: one sequence for all runs.
_REFERENCE_SEQ = itertools.count(1)


def ranking_payload() -> dict[str, Any]:
    components = {"semantic": 0.61, "skills": 0.75, "occupation": 0.5, "constraints": 1.0}
    return {
        "request": {"filters": {"country": "NL"}, "min_score": 0.0, "offset": 0, "limit": 20},
        "model": "all-MiniLM-L6-v2",
        "weights_version": "6fb2870b12fd",
        "total": 1834,
        "results": [
            {"id": str(uuid.uuid4()), "rank": r, "score": 0.9 - r / 100, "components": components}
            for r in range(1, 21)
        ],
    }


def audited(factory: sessionmaker[Session], organisation_id: uuid.UUID, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        payload = ranking_payload()
        ids = [uuid.UUID(r["id"]) for r in payload["results"]]
        with transaction(factory) as session:
            append(
                session,
                organisation_id,
                "ranking.vacancy_matches",
                ACTOR,
                payload,
                candidate_ids=ids,
            )
    return (time.perf_counter() - start) / n * 1000


def reference(factory: sessionmaker[Session], organisation_id: uuid.UUID, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        payload = ranking_payload()
        ids = [r["id"] for r in payload["results"]]
        digest = chain.payload_digest(payload)
        with transaction(factory) as session:
            session.execute(
                text(
                    "INSERT INTO audit_reference (organisation_id, seq, at, kind, actor_key_id,"
                    " actor, candidate_ids, payload, payload_digest, prev_hash, hash, version)"
                    " VALUES (:org, :seq, now(), 'ranking.vacancy_matches', :key, 'api_key',"
                    " CAST(:ids AS uuid[]), CAST(:payload AS jsonb), :digest, :digest, :digest, 1)"
                ),
                {
                    "org": organisation_id,
                    "seq": next(_REFERENCE_SEQ),
                    "key": ACTOR.key_id,
                    "ids": "{" + ",".join(ids) + "}",
                    "payload": chain.canonical(payload).decode(),
                    "digest": digest,
                },
            )
    return (time.perf_counter() - start) / n * 1000


def concurrent(
    factory: sessionmaker[Session], organisation_id: uuid.UUID, threads: int, n: int
) -> float:
    def work() -> None:
        audited(factory, organisation_id, n)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    start = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return threads * n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--appends", type=int, default=200)
    parser.add_argument("--threads", type=int, default=4)
    add_rows_argument(parser)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        postgres = start_embedded_postgres(Path(tmp))
        engine = make_engine(postgres.url, pool_size=args.threads + 1)
        try:
            upgrade_to_head(engine)
            factory = make_session_factory(engine)
            with transaction(factory) as session:
                organisation = Organisation(name=f"Bench {uuid.uuid4()}")
                session.add(organisation)
                session.flush()
                organisation_id = organisation.id
                session.execute(
                    text("CREATE TABLE audit_reference (LIKE audit_entries INCLUDING ALL)")
                )
            chained, plain, rates = [], [], []
            for _ in range(args.runs):
                chained.append(audited(factory, organisation_id, args.appends))
                plain.append(reference(factory, organisation_id, args.appends))
                rates.append(concurrent(factory, organisation_id, args.threads, args.appends // 4))
            with transaction(factory) as session:
                start = time.perf_counter()
                result = verify(session, organisation_id)
                seconds = time.perf_counter() - start
            assert result.valid, result
        finally:
            engine.dispose()
            postgres.release()

    print(
        f"machine: {platform.machine()}, {platform.processor() or platform.system()}, "
        f"python {platform.python_version()}"
    )
    print(f"runs: {args.runs} x {args.appends} appends")
    audit_ms, reference_ms = statistics.median(chained), statistics.median(plain)
    print(f"append to the chain (one transaction):  {audit_ms:.2f} ms median")
    print(f"plain insert of the same row (reference): {reference_ms:.2f} ms median")
    print(
        f"ratio: {audit_ms / reference_ms:.2f}x, extra {audit_ms - reference_ms:.2f} ms per ranking"
    )
    print(f"{args.threads} clients appending at once: {statistics.median(rates):,.0f} entries/s")
    print(
        f"verify: {result.entries:,} entries in {seconds:.2f} s "
        f"({result.entries / seconds:,.0f} entries/s)"
    )
    write_rows(
        args.rows_json,
        [
            Row(
                "audit",
                "ranking appended to the hash chain",
                audit_ms,
                "ms",
                "plain insert of the same row",
                reference_ms,
                better="lower",
            ),
            Row("audit", "chain verification", result.entries / seconds, "entries/s"),
        ],
    )


if __name__ == "__main__":
    main()
