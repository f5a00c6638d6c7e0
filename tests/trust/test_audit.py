"""The audit trail: every ranking served and every decision is logged with who, when, what
and how; entries are append-only and chained, so tampering shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from matching.scoring import weights
from tests.api.test_matches_api import LIBRARIAN_VACANCY, PEOPLE, PYTHON_VACANCY, create
from tests.conftest import DEFAULT_MODEL, KeyMaker, bearer

Headers = dict[str, str]


def audit(client: TestClient, headers: Headers, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/v1/audit", headers=headers, params=params)
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


@pytest.fixture
def world(client: TestClient, admin: Headers) -> dict[str, str]:
    ids = {key: create(client, admin, "/v1/candidates", PEOPLE[key]) for key in ("dev", "data")}
    ids["vacancy"] = create(client, admin, "/v1/vacancies", PYTHON_VACANCY)
    return ids


def test_a_ranking_served_is_logged_with_who_what_and_how(
    client: TestClient, admin: Headers, world: dict[str, str]
) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    path = f"/v1/vacancies/{world['vacancy']}/matches"
    served = client.get(path, headers=admin, params={"limit": 1, "country": "NL"}).json()

    [entry] = audit(client, admin, vacancy_id=world["vacancy"])
    assert entry["kind"] == "ranking.vacancy_matches"
    assert entry["actor"] == "api_key"
    assert entry["actor_key_id"]
    assert datetime.fromisoformat(entry["at"]) >= before
    payload = entry["payload"]
    assert payload["model"] == DEFAULT_MODEL
    assert payload["weights_version"] == weights.version()
    assert payload["request"]["filters"] == {"country": "NL"}
    assert payload["request"]["limit"] == 1
    # Exactly what the caller was shown, with the component scores behind each score.
    shown = served["data"]
    assert [(r["id"], r["rank"]) for r in payload["results"]] == [
        (item["candidate_id"], item["rank"]) for item in shown
    ]
    assert payload["results"][0]["score"] == pytest.approx(shown[0]["score"], abs=1e-6)
    assert payload["results"][0]["components"] == shown[0]["explanation"]["components"]
    assert entry["candidate_ids"] == [item["candidate_id"] for item in shown]
    # The candidate filter finds it; another vacancy's filter does not.
    assert audit(client, admin, candidate_id=shown[0]["candidate_id"]) == [entry]
    other = create(client, admin, "/v1/vacancies", LIBRARIAN_VACANCY)
    assert audit(client, admin, vacancy_id=other) == []


def test_search_and_candidate_matches_are_logged(
    client: TestClient, admin: Headers, world: dict[str, str]
) -> None:
    query = "Python developer met archiefervaring"
    response = client.post("/v1/search/candidates", json={"query": query}, headers=admin)
    assert response.status_code == 200, response.text
    client.get(f"/v1/candidates/{world['dev']}/matches", headers=admin)

    entries = audit(client, admin, kind="ranking.search")
    assert [e["payload"]["request"]["query"] for e in entries] == [query]
    assert entries[0]["payload"]["total"] == len(response.json()["data"])
    [about_dev] = audit(client, admin, kind="ranking.candidate_matches")
    assert about_dev["candidate_ids"] == [world["dev"]]
    assert about_dev["payload"]["results"][0]["id"] == world["vacancy"]


def test_decisions_record_who_decided(
    client: TestClient, admin: Headers, make_key: KeyMaker, world: dict[str, str]
) -> None:
    recruiter = bearer(make_key(scopes="applications:write"))
    application = client.post(
        "/v1/applications",
        json={"vacancy_id": world["vacancy"], "candidate_id": world["dev"], "consent": True},
        headers=admin,
    ).json()
    for status in ("screening", "rejected"):
        moved = client.patch(
            f"/v1/applications/{application['id']}",
            json={"status": status, "note": f"besluit {status}"},
            headers=recruiter,
        )
        assert moved.status_code == 200, moved.text

    decisions = audit(client, admin, kind="decision.application_status")
    assert [(d["payload"]["from"], d["payload"]["to"]) for d in decisions] == [
        ("applied", "screening"),
        ("screening", "rejected"),
    ]
    assert {d["actor_key_id"] for d in decisions} != {None}
    admin_key_entries = audit(client, admin, kind="ranking.vacancy_matches")
    assert decisions[0]["actor_key_id"] not in {e["actor_key_id"] for e in admin_key_entries}
    assert all(d["candidate_ids"] == [world["dev"]] for d in decisions)
    assert decisions[1]["payload"]["note"] == "besluit rejected"


def test_the_chain_verifies_and_pages_in_order(
    client: TestClient, admin: Headers, world: dict[str, str]
) -> None:
    for _ in range(3):
        client.get(f"/v1/vacancies/{world['vacancy']}/matches", headers=admin)
    first = client.get("/v1/audit", headers=admin, params={"limit": 2})
    second = client.get("/v1/audit", headers=admin, params={"cursor": first.json()["next_cursor"]})
    entries = first.json()["data"] + second.json()["data"]
    assert [e["seq"] for e in entries] == [1, 2, 3]
    assert [e["prev_hash"] for e in entries[1:]] == [e["hash"] for e in entries[:-1]]
    assert entries[0]["prev_hash"] == "0" * 64
    verified = client.get("/v1/audit/verify", headers=admin).json()
    assert verified == {
        "valid": True,
        "entries": 3,
        "head": entries[-1]["hash"],
        "broken_at": None,
        "problem": None,
    }


def test_entries_cannot_be_changed_or_deleted(
    client: TestClient, admin: Headers, world: dict[str, str], db: Session
) -> None:
    client.get(f"/v1/vacancies/{world['vacancy']}/matches", headers=admin)
    for statement in (
        "UPDATE audit_entries SET actor = 'someone else'",
        "UPDATE audit_entries SET payload = '{}'::jsonb",
        "DELETE FROM audit_entries",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
            db.execute(text(statement))


@pytest.mark.parametrize(
    ("tampering", "broken_at", "problem"),
    [
        (
            "UPDATE audit_entries SET payload = jsonb_set(payload, '{total}', '99') WHERE seq = 2",
            2,
            "the payload does not match its digest",
        ),
        (
            "UPDATE audit_entries SET at = at - interval '1 day', actor = 'x' WHERE seq = 2",
            2,
            "the entry's hash does not match its fields",
        ),
        # Found at the entry after the gap.
        ("DELETE FROM audit_entries WHERE seq = 2", 3, "entry 2 is missing"),
    ],
)
def test_tampering_by_someone_who_bypasses_the_trigger_shows(
    client: TestClient,
    admin: Headers,
    world: dict[str, str],
    db: Session,
    tampering: str,
    broken_at: int,
    problem: str,
) -> None:
    for _ in range(3):
        client.get(f"/v1/vacancies/{world['vacancy']}/matches", headers=admin)
    # A database owner can switch the trigger off; the chain still gives them away.
    db.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only"))
    db.execute(text(tampering))
    db.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only"))
    db.flush()
    verified = client.get("/v1/audit/verify", headers=admin).json()
    assert (verified["valid"], verified["broken_at"], verified["problem"]) == (
        False,
        broken_at,
        problem,
    )
    assert verified["entries"] == 1


def test_each_organisation_has_its_own_chain_and_sees_only_it(
    client: TestClient, admin: Headers, make_key: KeyMaker, world: dict[str, str]
) -> None:
    client.get(f"/v1/vacancies/{world['vacancy']}/matches", headers=admin)
    other = bearer(make_key(org="Stadsarchief"))
    assert audit(client, other) == []
    assert audit(client, other, vacancy_id=world["vacancy"]) == []
    assert client.get("/v1/audit/verify", headers=other).json()["entries"] == 0
    reader = bearer(make_key(scopes="search"))
    assert client.get("/v1/audit", headers=reader).status_code == 403


def test_a_background_match_run_is_logged_as_the_system(
    client: TestClient, admin: Headers, world: dict[str, str], db: Session, settings: Any
) -> None:
    from uuid import UUID

    from matching.retrieval import announce

    announce.announce(db, UUID(world["vacancy"]), settings.embedding_model)
    db.flush()
    [run] = audit(client, admin, kind="ranking.match_run")
    assert (run["actor"], run["actor_key_id"]) == ("match_run", None)
    assert {r["id"] for r in run["payload"]["results"]} == {world["dev"], world["data"]}
