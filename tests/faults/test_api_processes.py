"""Several API processes behind one socket (``uvicorn --factory runtime.asgi:app --workers
2``), as docs/scaling.md runs them: each keeps its own link cache and click buffer, and
after they are stopped every redirect any of them answered is counted exactly once."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
from sqlalchemy import Engine, delete, func, select

from api.auth.service import create_api_key
from distribution.links.codes import new_code
from models import Click, Organisation, TrackedLink, Vacancy
from models.db import make_session_factory, transaction
from tests.faults.processes import ApiServer
from tests.faults.test_database_restart import _env

REDIRECTS = 300


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _link(engine: Engine) -> tuple[uuid.UUID, uuid.UUID, str]:
    """A committed organisation with one tracked link (the API processes must see it); the
    test removes the organisation again, so other tests never meet its rows."""
    with transaction(make_session_factory(engine)) as session:
        key, _ = create_api_key(
            session, organisation_name=f"Archief {uuid.uuid4()}", scopes="admin"
        )
        vacancy = Vacancy(organisation_id=key.organisation_id, title="Depotbeheerder meerdere")
        session.add(vacancy)
        session.flush()
        link = TrackedLink(
            organisation_id=key.organisation_id,
            code=new_code(),
            vacancy_id=vacancy.id,
            channel="direct",
        )
        session.add(link)
        session.flush()
        return key.organisation_id, link.id, link.code


def test_two_api_processes_count_every_click_once(
    engine: Engine, database_url: str, broker_url: str, tmp_path: Path
) -> None:
    organisation_id, link_id, code = _link(engine)
    server = ApiServer(_env(database_url, broker_url, tmp_path / "var"), tmp_path / "api.log", 2)
    try:
        server.start()
        assert server.process is not None
        assert len(_children(server.process.pid)) >= 2, "uvicorn did not start two workers"
        for i in range(REDIRECTS):
            # A new connection each time, so the kernel hands them to either process.
            answer = httpx.get(
                f"{server.url}/r/{code}", headers={"User-Agent": f"browser {i % 7}"}, timeout=10
            )
            assert answer.status_code == 302, answer.text
        server.stop()
        with engine.connect() as connection:
            hits = connection.scalar(select(func.sum(Click.hits)).where(Click.link_id == link_id))
        assert hits == REDIRECTS
    finally:
        server.stop()
        with transaction(make_session_factory(engine)) as session:
            session.execute(delete(Organisation).where(Organisation.id == organisation_id))
