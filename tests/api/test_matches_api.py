"""The matching endpoints as an API client sees them: response shape, ranking order,
pagination, filters, scopes, validation and deletion. (Ranking quality on realistic profiles
is in tests/matching/test_matching_acceptance.py.)"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from matching.retrieval import announce, pools, service
from models import Event, OutboxJob
from runtime.settings import Settings
from tests.conftest import KeyMaker, bearer

Headers = dict[str, str]

PEOPLE: dict[str, dict[str, Any]] = {
    "dev": {
        "name": "Daan de Ontwikkelaar",
        "headline": "Python developer",
        "summary": "Backend developer building web APIs in Python and Django with SQL databases.",
        "skills": ["Python", "SQL", "Django"],
        "languages": ["en", "nl"],
        "location": {"city": "Amsterdam", "country": "NL"},
        "remote": True,
    },
    "data": {
        "name": "Dana Engineer",
        "headline": "Data engineer",
        "summary": "Data engineer building data pipelines in Python and Spark, writing SQL.",
        "skills": ["Python", "SQL", "Spark"],
        "languages": ["en", "de"],
        "location": {"city": "Berlin", "country": "DE"},
        "remote": True,
    },
    "librarian": {
        "name": "Lies Bibliothecaris",
        "headline": "Bibliothecaris",
        "summary": "Ervaren bibliothecaris in een openbare bibliotheek: collectiebeheer, "
        "catalogiseren en leesbevordering.",
        "skills": ["catalogiseren", "collectiebeheer"],
        "languages": ["nl"],
        "location": {"city": "Utrecht", "country": "NL"},
    },
    "teacher": {
        "name": "Tom Leraar",
        "headline": "Leraar geschiedenis",
        "summary": "Docent geschiedenis in het voortgezet onderwijs; ik ontwikkel lesmateriaal.",
        "skills": ["lesgeven", "didactiek"],
        "languages": ["nl", "en"],
        "location": {"city": "Utrecht", "country": "NL"},
    },
}
PYTHON_VACANCY = {
    "title": "Python developer",
    "description": "We zoeken een developer die API's bouwt in Python en met SQL werkt.",
    "required_skills": ["Python", "SQL"],
    "nice_to_have_skills": ["Django"],
}
LIBRARIAN_VACANCY = {
    "title": "Bibliothecaris",
    "description": "De bibliotheek zoekt een bibliothecaris voor collectiebeheer en catalogiseren.",
    "required_skills": ["catalogiseren"],
}


def create(client: TestClient, headers: Headers, path: str, body: dict[str, Any]) -> str:
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.fixture
def people(client: TestClient, admin: Headers) -> dict[str, str]:
    return {key: create(client, admin, "/v1/candidates", body) for key, body in PEOPLE.items()}


@pytest.fixture
def vacancy(client: TestClient, admin: Headers) -> str:
    return create(client, admin, "/v1/vacancies", PYTHON_VACANCY)


def queued(db: Session, task: str, vacancy: str) -> list[dict[str, Any]]:
    """The jobs of ``task`` queued for the vacancy (other tests' committed jobs aside)."""
    jobs = db.scalars(select(OutboxJob.kwargs).where(OutboxJob.task == task))
    return [kwargs for kwargs in jobs if kwargs["vacancy_id"] == vacancy]


def get_matches(client: TestClient, headers: Headers, path: str, **params: Any) -> Any:
    response = client.get(path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response


def ranked_ids(body: dict[str, Any], key: str = "candidate_id") -> list[str]:
    return [item[key] for item in body["data"]]


def assert_ranked(items: list[dict[str, Any]], first_rank: int = 1) -> None:
    assert [i["rank"] for i in items] == list(range(first_rank, first_rank + len(items)))
    scores = [i["score"] for i in items]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)


def assert_problem(response: Any, status: int, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if field is not None:
        assert field in [e["field"] for e in response.json()["errors"]], response.json()


def test_vacancy_matches_shape_order_and_min_score(
    client: TestClient, admin: Headers, people: dict[str, str], vacancy: str, settings: Settings
) -> None:
    body = get_matches(client, admin, f"/v1/vacancies/{vacancy}/matches").json()
    assert body["model"] == settings.embedding_model
    assert body["next_cursor"] is None
    assert set(ranked_ids(body)) == set(people.values())
    assert_ranked(body["data"])
    assert set(ranked_ids(body)[:2]) == {people["dev"], people["data"]}
    dev = next(i for i in body["data"] if i["candidate_id"] == people["dev"])
    explanation = dev["explanation"]
    assert set(explanation["components"]) == {"semantic", "skills", "occupation", "constraints"}
    assert set(explanation["skills"]) == {"matched", "missing", "transferable"}
    assert {"Python", "SQL"} <= {m["skill"] for m in explanation["skills"]["matched"]}
    assert explanation["evidence"]
    assert isinstance(explanation["occupations"], dict)
    assert dev["candidate"]["name"] == PEOPLE["dev"]["name"]

    threshold = (body["data"][1]["score"] + body["data"][2]["score"]) / 2
    above = get_matches(client, admin, f"/v1/vacancies/{vacancy}/matches", min_score=threshold)
    assert ranked_ids(above.json()) == ranked_ids(body)[:2]


def test_pagination_follows_link_without_overlap(
    client: TestClient, admin: Headers, people: dict[str, str], vacancy: str
) -> None:
    path = f"/v1/vacancies/{vacancy}/matches"
    full = get_matches(client, admin, path).json()
    first = get_matches(client, admin, path, limit=2)
    assert first.json()["next_cursor"]
    link = re.fullmatch(r'<(?P<url>[^>]+)>; rel="next"', first.headers["link"])
    assert link is not None
    assert f"cursor={first.json()['next_cursor']}" in link["url"]
    second = client.get(link["url"], headers=admin)
    assert second.status_code == 200
    assert_ranked(second.json()["data"], first_rank=3)
    pages = ranked_ids(first.json()) + ranked_ids(second.json())
    assert pages == ranked_ids(full)
    assert len(set(pages)) == 4
    assert second.json()["next_cursor"] is None
    assert "link" not in second.headers

    cursor = first.json()["next_cursor"]
    body, signature = cursor.split(".")
    for bad in (("B" if body[0] == "A" else "A") + body[1:] + "." + signature, "garbage"):
        assert_problem(client.get(path, headers=admin, params={"cursor": bad}), 400, "cursor")


FILTERS: list[tuple[dict[str, Any], set[str]]] = [
    ({"languages": ["de"]}, {"data"}),
    ({"languages": ["nl", "en"]}, {"dev", "teacher"}),
    ({"country": "DE"}, {"data"}),
    ({"city": "utrecht"}, {"librarian", "teacher"}),
    ({"remote": "true"}, {"dev", "data"}),
    ({"remote": "false"}, {"librarian", "teacher"}),
    ({"skills": ["Django"]}, {"dev"}),  # must-have: the data engineer lacks it
    ({"skills": ["python", "Spark"]}, {"data"}),
    ({"country": "NL", "remote": "true"}, {"dev"}),
]


def test_filters_exclude_non_matching_candidates(
    client: TestClient, admin: Headers, people: dict[str, str], vacancy: str
) -> None:
    names = {candidate_id: key for key, candidate_id in people.items()}
    for params, expected in FILTERS:
        body = get_matches(client, admin, f"/v1/vacancies/{vacancy}/matches", **params).json()
        assert {names[i] for i in ranked_ids(body)} == expected, params
        assert_ranked(body["data"])


def test_invalid_filter_values_are_422_naming_the_filter(
    client: TestClient, admin: Headers, vacancy: str
) -> None:
    for params, field in (({"languages": "xx"}, "languages.0"), ({"skills": ""}, "skills.0")):
        response = client.get(f"/v1/vacancies/{vacancy}/matches", headers=admin, params=params)
        assert_problem(response, 422, field)


def test_candidate_matches_list_open_vacancies_best_first(
    client: TestClient, admin: Headers
) -> None:
    developer = create(client, admin, "/v1/candidates", PEOPLE["dev"])
    python = create(client, admin, "/v1/vacancies", PYTHON_VACANCY)
    library = create(client, admin, "/v1/vacancies", LIBRARIAN_VACANCY)
    for status in ("draft", "closed"):
        create(client, admin, "/v1/vacancies", {**PYTHON_VACANCY, "status": status})
    body = get_matches(client, admin, f"/v1/candidates/{developer}/matches").json()
    assert ranked_ids(body, "vacancy_id") == [python, library]
    assert_ranked(body["data"])
    assert all(item["vacancy"]["status"] == "open" for item in body["data"])
    assert body["data"][0]["vacancy"]["title"] == "Python developer"
    assert set(body["data"][0]["explanation"]["components"]) >= {"semantic", "skills"}
    remote_only = get_matches(client, admin, f"/v1/candidates/{developer}/matches", remote=True)
    assert remote_only.json()["data"] == []  # neither open vacancy is remote


def test_free_text_search_in_dutch_and_english(
    client: TestClient, admin: Headers, people: dict[str, str]
) -> None:
    queries = {
        "ervaren bibliothecaris voor collectiebeheer en catalogiseren": "librarian",
        "Python developer with Django and SQL experience": "dev",
        "leraar geschiedenis voor het voortgezet onderwijs": "teacher",
    }
    for query, expected in queries.items():
        response = client.post("/v1/search/candidates", json={"query": query}, headers=admin)
        assert response.status_code == 200, response.text
        body = response.json()
        assert ranked_ids(body)[0] == people[expected], query
        assert_ranked(body["data"])
        assert body["next_cursor"] is None
    search = {"query": "developer", "limit": 1, "filters": {"skills": ["Spark"]}, "blind": True}
    body = client.post("/v1/search/candidates", json=search, headers=admin).json()
    assert ranked_ids(body) == [people["data"]]
    assert "name" not in body["data"][0]["candidate"]


def test_other_organisation_scope_and_validation(
    client: TestClient, admin: Headers, make_key: KeyMaker, vacancy: str
) -> None:
    candidate = create(client, admin, "/v1/candidates", PEOPLE["dev"])
    other = bearer(make_key("Regionaal Archief", "search"))
    assert_problem(client.get(f"/v1/vacancies/{vacancy}/matches", headers=other), 404)
    assert_problem(client.get(f"/v1/candidates/{candidate}/matches", headers=other), 404)
    found = client.post("/v1/search/candidates", json={"query": "Python"}, headers=other)
    assert found.status_code == 200
    assert found.json()["data"] == []

    reader = bearer(make_key(scopes="vacancies:read candidates:read"))
    assert_problem(client.get(f"/v1/vacancies/{vacancy}/matches", headers=reader), 403)
    assert_problem(client.get(f"/v1/candidates/{candidate}/matches", headers=reader), 403)
    search = client.post("/v1/search/candidates", json={"query": "Python"}, headers=reader)
    assert_problem(search, 403)
    assert_problem(client.get(f"/v1/vacancies/{vacancy}/matches"), 401)

    for path in (f"/v1/vacancies/{vacancy}/matches", f"/v1/candidates/{candidate}/matches"):
        for params, field in (({"limit": 0}, "limit"), ({"min_score": 2}, "min_score")):
            assert_problem(client.get(path, headers=admin, params=params), 422, field)
    for body, field in (({"query": "x", "limit": 0}, "limit"), ({"query": ""}, "query")):
        response = client.post("/v1/search/candidates", json=body, headers=admin)
        assert_problem(response, 422, field)


def test_deleted_candidate_leaves_matches_and_index(
    client: TestClient, admin: Headers, db: Session, vacancy: str
) -> None:
    dev = create(client, admin, "/v1/candidates", PEOPLE["dev"])
    other = create(client, admin, "/v1/candidates", PEOPLE["data"])
    path = f"/v1/vacancies/{vacancy}/matches"
    assert set(ranked_ids(get_matches(client, admin, path).json())) == {dev, other}

    def derived_rows() -> dict[str, int]:
        query = "SELECT count(*) FROM {} WHERE owner_id = CAST(:id AS uuid)"
        return {
            table: int(db.execute(text(query.format(table)), {"id": dev}).scalar_one())
            for table in ("section_embeddings", "concept_mentions")
        }

    assert all(count > 0 for count in derived_rows().values())
    assert client.delete(f"/v1/candidates/{dev}", headers=admin).status_code == 204
    assert ranked_ids(get_matches(client, admin, path).json()) == [other]
    search = client.post("/v1/search/candidates", json={"query": "Python Django"}, headers=admin)
    assert dev not in ranked_ids(search.json())
    assert derived_rows() == {"section_embeddings": 0, "concept_mentions": 0}


def test_match_runs_announce_the_ranking(
    client: TestClient,
    admin: Headers,
    people: dict[str, str],
    vacancy: str,
    db: Session,
    settings: Settings,
) -> None:

    # Nobody listens for match.completed yet: changes rank nothing in the background.
    assert queued(db, announce.TASK, vacancy) == []
    run = client.post(f"/v1/vacancies/{vacancy}/match-runs", headers=admin)
    assert run.status_code == 202, run.text
    assert run.json() == {"vacancy_id": vacancy, "status": "queued", "event": "match.completed"}
    assert queued(db, announce.TASK, vacancy) == [{"vacancy_id": vacancy}]

    # What the worker does with the job: the event carries the ranking the API serves.
    assert announce.announce(db, UUID(vacancy), settings.embedding_model) == len(people)
    db.flush()
    [event] = db.scalars(
        select(Event).where(Event.type == "match.completed", Event.resource_id == UUID(vacancy))
    ).all()
    served = get_matches(client, admin, f"/v1/vacancies/{vacancy}/matches").json()
    assert [r["candidate_id"] for r in event.data["results"]] == ranked_ids(served)
    assert event.data["results"][0]["candidate_id"] == people["dev"]
    assert event.data["matches_url"] == f"/v1/vacancies/{vacancy}/matches"

    # Once a webhook listens, every change of an open vacancy queues a ranking.
    hook = client.post(
        "/v1/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "events": ["match.completed"]},
        headers=admin,
    )
    assert hook.status_code == 201, hook.text
    client.patch(
        f"/v1/vacancies/{vacancy}", json={"title": "Python developer (m/v)"}, headers=admin
    )
    assert len(queued(db, announce.TASK, vacancy)) == 2

    closed = client.patch(f"/v1/vacancies/{vacancy}", json={"status": "closed"}, headers=admin)
    assert closed.status_code == 200
    assert_problem(client.post(f"/v1/vacancies/{vacancy}/match-runs", headers=admin), 409)
    assert len(queued(db, announce.TASK, vacancy)) == 2


def test_a_vacancy_write_queues_its_match_pool_which_ranks_as_the_searches(
    client: TestClient,
    admin: Headers,
    people: dict[str, str],
    vacancy: str,
    db: Session,
    settings: Settings,
) -> None:

    assert queued(db, pools.TASK, vacancy) == [{"vacancy_id": vacancy}]
    path = f"/v1/vacancies/{vacancy}/matches"
    searched = get_matches(client, admin, path).json()
    # No pool yet: the request searched the graphs, and asked for the pool once more.
    assert len(queued(db, pools.TASK, vacancy)) == 2
    # What the worker does with the job; the page served from the pool is the same.
    assert service.refresh_pool(db, UUID(vacancy), settings.embedding_model) == len(people)
    assert get_matches(client, admin, path).json()["data"] == searched["data"]
    assert len(queued(db, pools.TASK, vacancy)) == 2
    # Page by page from the pool's stored scores, as in one page.
    first = get_matches(client, admin, path, limit=3).json()
    second = get_matches(client, admin, path, limit=3, cursor=first["next_cursor"]).json()
    assert first["data"] + second["data"] == searched["data"]

    # A candidate deleted after the pool was found is not served from it.
    assert client.delete(f"/v1/candidates/{people['dev']}", headers=admin).status_code == 204
    assert people["dev"] not in ranked_ids(get_matches(client, admin, path).json())
    # A change of the vacancy queues the pool again.
    changed = client.patch(
        f"/v1/vacancies/{vacancy}", json={"title": "Data engineer"}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    assert len(queued(db, pools.TASK, vacancy)) == 3
