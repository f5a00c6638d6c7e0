"""The change feed of one organisation shows none of another's events.

A module of its own: the feed shows an event only once every transaction that began before
it has ended, so this test commits (two organisations of its own, removed afterwards) and
must not run while test_tenant_isolation.py holds its module-long transaction open."""

from __future__ import annotations

import json
import secrets

from sqlalchemy import Engine

from runtime.settings import Settings
from tests.live import live_organisation


def test_the_event_feed_shows_only_own_events(engine: Engine, settings: Settings) -> None:
    tag = {"a": f"alfa{secrets.token_hex(4)}", "b": f"beta{secrets.token_hex(4)}"}
    with (
        live_organisation(engine, settings) as a,
        live_organisation(engine, settings) as b,
    ):
        for name, live in (("a", a), ("b", b)):
            live.post("/v1/vacancies", {"title": f"Archivaris {tag[name]}"})
            live.post(
                "/v1/candidates", {"name": f"Eva {tag[name]}", "email": f"{tag[name]}@example.org"}
            )
        theirs = a.get("/v1/events", limit=500)
        # Settled, so the comparison below is not with an empty feed.
        assert tag["a"] in json.dumps(theirs)
        hidden = {tag["a"], a.name} | {e["id"] for e in theirs["data"]}
        hidden |= {e["resource"]["id"] for e in theirs["data"]}
        mine = json.dumps(b.get("/v1/events", limit=500))
        # A's position in the feed, sent by B, shows B nothing of A's either.
        later = json.dumps(b.get("/v1/events", since=theirs["next_since"]))
        assert tag["b"] in mine
        assert [value for value in hidden if value in mine + later] == []
