"""Tenant isolation over the whole API, derived from its OpenAPI document.

Organisation A owns an object of every kind; organisation B has the same world of its own.
With a key of B carrying every scope:

- every operation with a path parameter, given A's ids, answers 404 (403 is allowed where
  it would create under A's parent) as `application/problem+json`, shows none of A's values
  and changes no row of either organisation; the same call with B's own ids then succeeds,
  so the 404 came from the lookup and not from a wrong path or body;
- every other operation (lists, search, reports, the event feed, creates) shows none of A's
  values and leaves A's rows as they were;
- ids and link codes of A sent in a query or body are refused or ignored likewise.

The operations come from the document, so a new route joins the suite by itself, and fails
it until cases.py knows which of A's objects its parameters name (PARAMS), which body it
takes when the schema's example is not enough (BODIES, CALLS) and how A's ids could be sent
in its query or body (REFERENCES). Routes without an API key are listed with the reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import fastapi.routing
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, sessionmaker

from distribution.campaigns import fanout
from distribution.employees.fit import best_fit_employees
from models import Campaign, CampaignBatch
from tests.security.cases import (
    BODIES,
    CALLS,
    CONFLICTS,
    HIDDEN,
    OVERRIDES,
    PARAMS,
    PUBLIC,
    REFERENCES,
    SHARED,
    VIEWS,
    WITHOUT_OWN_TEXT,
    Reference,
    Request,
)
from tests.security.fingerprint import GLOBAL, changed, fingerprint, unowned_tables
from tests.security.openapi import Operation, json_body, operations, references
from tests.security.world import World

Worlds = tuple[World, World]
PROBLEM = "application/problem+json"
CONVERTER = re.compile(r"\{(\w+):\w+\}")  # `{employee_id:uuid}` is `{employee_id}` in the document


# --- helpers -----------------------------------------------------------------------------


def leaks(response: Any, owner: World, sent: str) -> list[str]:
    """The owner's values in the answer (body and headers), other than those the request
    itself carried (an id in the URL may be named in the problem's detail)."""
    text = response.text + "\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    # Whole values only, longest first: the tag inside a sent email still counts elsewhere.
    for value in sorted(owner.secrets() - {owner.tag}, key=len, reverse=True):
        if value in sent:
            text = text.replace(value, "")
    return sorted(value for value in owner.secrets() if value in text)


def _sent(url: str, request: Request) -> str:
    return url + json.dumps({k: v for k, v in request.items() if k != "files"}, default=str)


def _values(world: World, op: Operation) -> dict[str, str]:
    fields = PARAMS | OVERRIDES.get(op.label, {})
    return {p: getattr(world, fields[p]) for p in fields} | SHARED


def _views(client: TestClient, a: World, op: Operation, params: list[str]) -> dict[str, Any]:
    values = _values(a, op)
    found = {}
    for param in params:
        path = VIEWS[param].format(**values)
        response = client.get(path, headers=a.headers)
        assert response.status_code == 200, f"A cannot read its own {path}: {response.text}"
        found[path] = response.json()
    return found


def _state(connection: Connection, *worlds: World, shared: bool = False) -> dict[str, Any]:
    """Digests of the worlds' rows; with ``shared``, of the tables nobody owns as well (a
    request refused with 404 leaves even the outbox as it was)."""
    state = {w.tag: fingerprint(connection, w.organisation_id) for w in worlds}
    return state | ({"global": fingerprint(connection, None)} if shared else {})


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [
        f"{owner}: {table}" for owner in before for table in changed(before[owner], after[owner])
    ]


# --- the list of operations is complete ---------------------------------------------------


def test_routes_without_a_key_are_the_listed_ones() -> None:
    public = {op.label for op in operations() if not op.authenticated}
    assert public == set(PUBLIC), (
        "operations without an API key, each needs a reason in PUBLIC: "
        f"new {sorted(public - set(PUBLIC))}, gone {sorted(set(PUBLIC) - public)}"
    )


def _app_routes(app: FastAPI) -> set[str]:
    # FastAPI 0.165 nests included routers; older versions list the routes themselves.
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    routes: Any = contexts(app.routes) if contexts else app.routes
    found = set()
    for route in routes:
        path = CONVERTER.sub(r"{\1}", route.path)
        found |= {f"{method} {path}" for method in route.methods or () if method != "HEAD"}
    return found


def test_routes_outside_the_document_are_listed(app: FastAPI) -> None:
    hidden = _app_routes(app) - {op.label for op in operations()}
    assert hidden == set(HIDDEN), (
        "routes not in the OpenAPI document, each needs a reason in HIDDEN: "
        f"new {sorted(hidden - set(HIDDEN))}, gone {sorted(set(HIDDEN) - hidden)}"
    )


def test_every_table_belongs_to_an_organisation_or_is_listed() -> None:
    assert unowned_tables() == set(GLOBAL)


def test_every_id_in_a_query_or_body_is_tried_with_another_organisations() -> None:
    covered = {(r.label, field) for r in REFERENCES for field in r.field.split(",")}
    missing = [
        f"{op.label} {field}"
        for op in operations()
        if op.authenticated
        for field in sorted(references(op))
        if (op.label, field) not in covered
    ]
    assert not missing, f"add cases to REFERENCES in tests/security/cases.py: {missing}"


# --- B with A's ids in the path -----------------------------------------------------------


def _foreign_cases() -> Iterator[Any]:
    for op in operations():
        owned = [p for p in op.path_params if p not in SHARED]
        if not op.authenticated or not owned:
            continue
        yield pytest.param(op, 0, id=f"{op.label} A")
        if len(owned) > 1:
            # A's record under B's own parent: the child must be looked up under the parent.
            yield pytest.param(op, 1, id=f"{op.label} B/A")


@pytest.mark.usefixtures("isolated")
@pytest.mark.parametrize(("op", "own"), list(_foreign_cases()))
def test_foreign_ids_answer_not_found(
    op: Operation,
    own: int,
    worlds: Worlds,
    module_client: TestClient,
    module_connection: Connection,
) -> None:
    a, b = worlds
    unknown = [p for p in op.path_params if p not in PARAMS and p not in SHARED]
    assert not unknown, (
        f"{op.label}: the suite has no object of organisation A for {unknown}; "
        "give World one and name it in PARAMS in tests/security/cases.py (SHARED if nobody owns it)"
    )
    try:
        body = BODIES[op.label] if op.label in BODIES else json_body(op)
    except LookupError as exc:
        pytest.fail(f"{exc}: add a body to BODIES in tests/security/cases.py")
    theirs, mine = _values(a, op), _values(b, op)
    values = {p: (mine if i < own else theirs)[p] for i, p in enumerate(op.path_params)}
    url = op.url(values)
    viewed = [p for i, p in enumerate(op.path_params) if i >= own and p in VIEWS]
    views = _views(module_client, a, op, viewed)
    before = _state(module_connection, a, b, shared=True)

    response = module_client.request(op.method, url, json=body, headers=b.headers)

    allowed = {403, 404} if op.creates else {404}
    assert response.status_code in allowed, f"{url}: {response.status_code} {response.text}"
    assert response.headers["content-type"].startswith(PROBLEM)
    assert not leaks(response, a, _sent(url, {"json": body})), response.text
    assert not _changes(before, _state(module_connection, a, b, shared=True)), "rows changed"
    assert _views(module_client, a, op, viewed) == views

    # The same request on B's own records is served: the 404 above was the lookup's.
    control = module_client.request(op.method, op.url(mine), json=body, headers=b.headers)
    served = control.status_code == 409 if op.label in CONFLICTS else control.is_success
    assert served, f"B's own {op.url(mine)}: {control.status_code} {control.text}"
    assert not leaks(control, a, ""), control.text


# --- B's collections ----------------------------------------------------------------------


def _collections() -> list[Operation]:
    return [
        op for op in operations() if op.authenticated and all(p in SHARED for p in op.path_params)
    ]


def _request(op: Operation, own: World) -> Request:
    if op.label in CALLS:
        return CALLS[op.label](own)
    try:
        body = json_body(op)
    except LookupError as exc:
        pytest.fail(f"{exc}: add a request to CALLS in tests/security/cases.py")
    return {} if body is None else {"json": body}


@pytest.mark.usefixtures("isolated")
@pytest.mark.parametrize("op", _collections(), ids=lambda op: op.label)
def test_collections_hold_only_own_records(
    op: Operation, worlds: Worlds, module_client: TestClient, module_connection: Connection
) -> None:
    a, b = worlds
    request = _request(op, b)
    headers = b.headers | request.pop("headers", {})
    url = op.url(SHARED)
    before = _state(module_connection, a)

    response = module_client.request(op.method, url, headers=headers, **request)

    assert response.status_code < 300, f"{url}: {response.status_code} {response.text}"
    assert not leaks(response, a, _sent(url, request)), response.text
    assert not _changes(before, _state(module_connection, a)), "A's rows changed"
    reads = op.method == "GET" or op.label == "POST /v1/search/candidates"
    if reads and op.label not in WITHOUT_OWN_TEXT:
        # Not empty by accident: B's own records are there (by their texts, or by id where
        # a list holds no texts, as the audit trail).
        own = (b.tag, b.candidate_id, b.vacancy_id)
        assert any(mark in response.text for mark in own), response.text


# --- A's ids and unique values in B's queries and bodies ----------------------------------


@pytest.mark.usefixtures("isolated")
@pytest.mark.parametrize("case", REFERENCES, ids=lambda r: f"{r.label} {r.field}")
def test_foreign_references_are_not_followed(
    case: Reference, worlds: Worlds, module_client: TestClient, module_connection: Connection
) -> None:
    a, b = worlds
    method, path = case.label.split(" ", 1)
    request = case.request(a, b)
    url = request.pop("url", path)
    headers = b.headers | request.pop("headers", {})
    before = _state(module_connection, a)

    response = module_client.request(method, url, headers=headers, **request)

    assert response.status_code in case.statuses, f"{response.status_code} {response.text}"
    assert not leaks(response, a, _sent(url, request)), response.text
    assert not _changes(before, _state(module_connection, a)), "A's rows changed"


# --- a campaign's audience, resolved by the fan-out job -----------------------------------


def _audience(kind: str, a: World, b: World) -> dict[str, Any]:
    departments = [a.employee_department, b.employee_department]
    audiences: dict[str, dict[str, Any]] = {
        "all": {"type": "all"},
        "departments": {"type": "departments", "departments": departments},
        "best_fit": {"type": "best_fit", "limit": 100},
    }
    return audiences[kind]


@pytest.mark.usefixtures("isolated")
@pytest.mark.parametrize("kind", ["all", "departments", "best_fit"])
def test_a_campaign_reaches_only_own_employees(
    kind: str,
    worlds: Worlds,
    app: FastAPI,
    module_client: TestClient,
    module_factory: sessionmaker[Session],
) -> None:
    a, b = worlds
    created = module_client.post(
        f"/v1/vacancies/{b.vacancy_id}/campaigns",
        json={"audience": _audience(kind, a, b), "channels": ["linkedin"]},
        headers=b.headers,
    )
    assert created.status_code == 201, created.text
    campaign_id = UUID(created.json()["id"])
    model = app.state.settings.embedding_model

    def best_fit(session: Session, campaign: Campaign, limit: int) -> list[UUID]:
        return best_fit_employees(
            session, campaign.organisation_id, campaign.vacancy_id, model, limit, ["linkedin"]
        )

    # What the distribution.start_campaign job does once the campaign is due.
    with module_factory() as session:
        fanout.start(session, campaign_id, best_fit)
        session.commit()
        batches = session.scalars(
            select(CampaignBatch.employee_ids).where(CampaignBatch.campaign_id == campaign_id)
        ).all()
    assert [str(i) for batch in batches for i in batch] == [b.employee_id]
