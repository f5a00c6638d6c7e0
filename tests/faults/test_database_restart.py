"""PostgreSQL stopped and started again under load, with the API in a uvicorn process of its
own: during the outage every answer is a prompt 503 problem, afterwards the same process
answers as before, and no click or application is stored twice."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import insert, select

from api.auth.service import create_api_key
from distribution.links.codes import new_code, visitor_key
from models import Application, Candidate, Click, TrackedLink, Vacancy
from models.db import make_engine, make_session_factory, transaction
from runtime.embedded import start_embedded_broker
from runtime.migrate import upgrade_to_head
from tests.conftest import TEST_SECRET
from tests.faults.load import Answer, Load, stored_id
from tests.faults.processes import ApiServer, RestartablePostgres
from tests.worker import wait_for

CANDIDATES = 2000  # more than the applicant thread gets through in the test


@dataclass(frozen=True)
class Seeded:
    api_key: str
    vacancy_id: uuid.UUID
    link_id: uuid.UUID
    code: str
    candidates: list[uuid.UUID]


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[RestartablePostgres]:
    server = RestartablePostgres(tmp_path / "own")
    try:
        yield server
    finally:
        server.close()


def _seed(url: str) -> Seeded:
    engine = make_engine(url, pool_size=1)
    try:
        upgrade_to_head(engine)
        with transaction(make_session_factory(engine)) as session:
            key, api_key = create_api_key(session, organisation_name="Stadsarchief", scopes="admin")
            vacancy = Vacancy(organisation_id=key.organisation_id, title="Data-engineer")
            session.add(vacancy)
            session.flush()
            link = TrackedLink(
                organisation_id=key.organisation_id,
                code=new_code(),
                vacancy_id=vacancy.id,
                channel="direct",
            )
            session.add(link)
            candidates = session.scalars(
                insert(Candidate).returning(Candidate.id),
                [
                    {"organisation_id": key.organisation_id, "name": f"Kandidaat {i}"}
                    for i in range(CANDIDATES)
                ],
            ).all()
            session.flush()
            return Seeded(api_key, vacancy.id, link.id, link.code, list(candidates))
    finally:
        engine.dispose()


def _env(database_url: str, broker_url: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALENTMESH_")}
    return env | {
        "TALENTMESH_ENV": "test",
        "TALENTMESH_DATABASE_URL": database_url,
        "TALENTMESH_BROKER_URL": broker_url,
        "TALENTMESH_SECRET_KEY": TEST_SECRET,
        "TALENTMESH_DATA_DIR": str(data_dir),
        "TALENTMESH_RATE_LIMIT": "100000/60",
        "HF_HUB_OFFLINE": "1",
    }


def _expected(answer: Answer) -> bool:
    """What each kind may answer, outage or not."""
    if answer.status == 503:
        return answer.problem
    return {
        "read": answer.status == 200,
        "click": answer.status == 302,
        # 409: the twin of a retry that still holds the key, or a second application.
        "apply": answer.status in (201, 409),
    }[answer.kind]


def test_database_restart_under_load(postgres: RestartablePostgres, tmp_path: Path) -> None:
    seeded = _seed(postgres.url)
    broker = start_embedded_broker(tmp_path / "var")
    server = ApiServer(_env(postgres.url, broker.url, tmp_path / "var"), tmp_path / "api.log")
    load = Load(server.url, seeded.api_key, seeded.vacancy_id, seeded.code, seeded.candidates)
    try:
        server.start()
        process = server.process
        load.start()

        def served(since: float, kind: str, enough: int = 10) -> bool:
            ok = load.of(kind, lambda a: a.started >= since and a.status in (200, 201, 302))
            return len(ok) >= enough

        wait_for(lambda: all(served(0, k) for k in ("read", "click", "apply")), 60, "load")
        postgres.stop()
        down = time.monotonic()
        wait_for(
            lambda: all(
                len(load.of(k, lambda a: a.started >= down and a.status == 503)) >= 5
                for k in ("read", "click", "apply")
            ),
            60,
            "503 answers of every kind during the outage",
        )
        health = httpx.get(f"{server.url}/health", timeout=30)
        assert health.status_code == 503
        assert health.json()["checks"]["database"] == "failed"
        up_begins = time.monotonic()
        postgres.start()
        up = time.monotonic()
        wait_for(lambda: all(served(up, k) for k in ("read", "click", "apply")), 60, "recovery")
        load.stop()
        # One more try of each application that needed several gives the stored answer.
        retried = load.retried()
        assert retried
        with load.client() as client:
            again = {c: load.apply(client, c) for c in retried}
        assert server.process is process, "the API was restarted"
        assert server.alive()
    finally:
        load.stop()
        server.stop()
        broker.stop()

    assert [a.error for a in load.answers if a.error] == []
    unexpected = [(a.kind, a.status, a.body) for a in load.answers if not _expected(a)]
    assert unexpected == []
    during = [a for a in load.answers if a.started >= down and a.finished <= up_begins]
    # A tracked link the API has cached still redirects while the database is away; its
    # click waits in the buffer and is written once when the database is back (checked
    # below). Everything else answers 503.
    outage = [a for a in during if not (a.kind == "click" and a.status == 302)]
    assert outage
    assert {a.status for a in outage} == {503}
    assert all(a.headers.get("retry-after", "").isdigit() for a in outage)
    assert {a.body["status"] for a in outage} == {503}
    for candidate, answer in again.items():
        assert answer.headers.get("idempotent-replayed") == "true"
        assert stored_id(answer) == load.applied[candidate]
    _assert_stored_once(postgres.url, seeded, load)


def _assert_stored_once(url: str, seeded: Seeded, load: Load) -> None:
    engine = make_engine(url, pool_size=1)
    try:
        with make_session_factory(engine)() as session:
            rows = session.execute(
                select(Click.visitor, Click.hits).where(Click.link_id == seeded.link_id)
            ).all()
            applications = session.execute(
                select(Application.candidate_id, Application.id).where(
                    Application.vacancy_id == seeded.vacancy_id
                )
            ).all()
    finally:
        engine.dispose()

    hits = {row.visitor: row.hits for row in rows}

    def keys(answer: Answer) -> set[str]:
        assert answer.visitor is not None
        return {visitor_key(TEST_SECRET, "127.0.0.1", answer.visitor, d) for d in answer.days}

    # Every redirected click is stored once; a click that got a 503 at most once.
    for answer in load.of("click"):
        stored = [hits[k] for k in keys(answer) if k in hits]
        assert stored == [1] if answer.status == 302 else stored in ([], [1])
    sent = set().union(*(keys(a) for a in load.of("click")))
    assert set(hits) <= sent

    by_candidate: dict[uuid.UUID, list[str]] = {}
    for candidate_id, application_id in applications:
        by_candidate.setdefault(candidate_id, []).append(str(application_id))
    assert all(len(ids) == 1 for ids in by_candidate.values())
    # Each application an answer called stored is the one row of its candidate.
    assert {c: ids[0] for c, ids in by_candidate.items() if c in load.applied} == load.applied
    assert len(load.applied) >= 20
