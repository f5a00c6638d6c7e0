"""A vacancy written through the API gets its match pool from a real worker, and its matches
are then served from it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import Engine, select

from models import MatchPool
from models.db import make_session_factory
from runtime.settings import Settings
from tests.live import Live, live_organisation
from tests.worker import Worker, wait_for, worker_env


@pytest.fixture
def live(engine: Engine, settings: Settings) -> Iterator[Live]:
    with live_organisation(engine, settings) as organisation:
        yield organisation


def _pool(engine: Engine, vacancy_id: str) -> MatchPool | None:
    with make_session_factory(engine)() as session:
        return session.scalars(
            select(MatchPool).where(MatchPool.vacancy_id == UUID(vacancy_id))
        ).first()


def test_the_worker_finds_the_pool_of_a_written_vacancy(
    live: Live, engine: Engine, database_url: str, broker_url: str, tmp_path: Path
) -> None:
    developer = live.post(
        "/v1/candidates",
        {"name": "Ada Ontwikkelaar", "headline": "Python developer", "skills": ["Python"]},
    )
    env = worker_env(database_url, broker_url, "smtp://127.0.0.1:1", tmp_path, "https://x.test")
    worker = Worker(env, tmp_path / "worker.log")
    try:
        worker.start()
        vacancy = live.post(
            "/v1/vacancies", {"title": "Python developer", "required_skills": ["Python"]}
        )
        wait_for(lambda: _pool(engine, vacancy["id"]) is not None, 120, "the vacancy's pool")
    finally:
        worker.stop()
    pool = _pool(engine, vacancy["id"])
    assert pool is not None
    assert UUID(developer["id"]) in pool.owner_ids
    served = live.get(f"/v1/vacancies/{vacancy['id']}/matches")
    assert [item["candidate_id"] for item in served["data"]] == [developer["id"]]
