"""GET /v1/events: the change feed, in commit-safe order, filtered by what the key may read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select

from api.auth.service import create_api_key
from integration.events import service as events
from models import Organisation
from models.db import make_session_factory, transaction
from runtime.settings import Settings
from tests.conftest import bearer
from tests.live import Live, live_organisation


@pytest.fixture
def live(engine: Engine, settings: Settings) -> Iterator[Live]:
    with live_organisation(engine, settings) as organisation:
        yield organisation


def _feed(live: Live, **params: Any) -> dict[str, Any]:
    return live.get("/v1/events", **params)


def test_changes_appear_once_in_order_and_polling_goes_on(live: Live) -> None:
    assert _feed(live) == {"data": [], "next_since": None, "has_more": False}
    vacancy = live.post("/v1/vacancies", {"title": "Archivaris"})
    live.patch(f"/v1/vacancies/{vacancy['id']}", {"title": "Archivist"})
    candidate = live.post("/v1/candidates", {"name": "Eva de Vries", "email": "eva@example.org"})
    application = live.post(
        "/v1/applications",
        {"vacancy_id": vacancy["id"], "candidate_id": candidate["id"], "consent": True},
    )
    live.patch(f"/v1/applications/{application['id']}", {"status": "screening"})

    page = _feed(live, limit=3)
    assert [e["type"] for e in page["data"]] == [
        "vacancy.created",
        "vacancy.updated",
        "candidate.created",
    ]
    assert page["has_more"] is True
    assert page["data"][1]["data"]["title"] == "Archivist"
    assert page["data"][0]["resource"] == {"type": "vacancy", "id": vacancy["id"]}
    assert page["data"][0]["sequence"] < page["data"][1]["sequence"]
    rest = _feed(live, since=page["next_since"])
    assert [e["type"] for e in rest["data"]] == [
        "application.created",
        "application.status_changed",
    ]
    assert rest["data"][1]["data"]["from"] == "applied"
    assert rest["data"][1]["data"]["to"] == "screening"
    assert rest["has_more"] is False
    # Nothing new: the same position comes back, to poll again later.
    idle = _feed(live, since=rest["next_since"])
    assert idle == {"data": [], "next_since": rest["next_since"], "has_more": False}
    live.client.delete(f"/v1/vacancies/{vacancy['id']}", headers=live.headers)
    deleted = _feed(live, since=rest["next_since"])["data"]
    assert [(e["type"], e["data"]) for e in deleted] == [("vacancy.deleted", {"id": vacancy["id"]})]
    only = _feed(live, types=["vacancy.updated", "vacancy.deleted"])["data"]
    assert [e["type"] for e in only] == ["vacancy.updated", "vacancy.deleted"]


def test_an_event_committed_late_is_not_skipped(live: Live, engine: Engine) -> None:
    factory = make_session_factory(engine)
    with factory() as session:
        organisation_id = session.scalars(
            select(Organisation.id).where(Organisation.name == live.name)
        ).one()
    early = factory()
    try:
        # A transaction writes an event and is still running ...
        events.record(
            early,
            organisation_id,
            "vacancy.deleted",
            "vacancy",
            organisation_id,
            {"id": "written first, committed last"},
        )
        # ... while a later one commits.
        live.post("/v1/vacancies", {"title": "Committed first"})
        before = _feed(live)
        assert before["data"] == []
        early.commit()
    finally:
        early.close()
    after = _feed(live, since=before["next_since"]) if before["next_since"] else _feed(live)
    assert [e["type"] for e in after["data"]] == ["vacancy.deleted", "vacancy.created"]


def test_the_feed_shows_only_what_the_key_may_read(live: Live, engine: Engine) -> None:
    live.post("/v1/vacancies", {"title": "Archivaris"})
    live.post("/v1/candidates", {"name": "Eva de Vries"})
    with transaction(make_session_factory(engine)) as session:
        _, key = create_api_key(session, organisation_name=live.name, scopes="vacancies:read")
    reader = bearer(key)
    visible = live.client.get("/v1/events", headers=reader).json()["data"]
    assert [e["type"] for e in visible] == ["vacancy.created"]
    forbidden = live.client.get("/v1/events", params={"types": "candidate.created"}, headers=reader)
    assert forbidden.status_code == 403
    unknown = live.client.get("/v1/events", params={"types": "nope"}, headers=live.headers)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "types"
    forged = live.client.get("/v1/events", params={"since": "abc.def"}, headers=live.headers)
    assert forged.status_code == 400
    assert forged.json()["errors"][0]["field"] == "since"
