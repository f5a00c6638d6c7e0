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
it until the suite knows which of A's objects its parameters name (PARAMS), which body it
takes when the schema's example is not enough (BODIES, CALLS) and how A's ids could be sent
in its query or body (REFERENCES). Routes without an API key are listed with the reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
from tests.security.fingerprint import GLOBAL, changed, fingerprint, unowned_tables
from tests.security.openapi import Operation, json_body, operations, references
from tests.security.world import World

Worlds = tuple[World, World]
Request = dict[str, Any]
PROBLEM = "application/problem+json"
CONVERTER = re.compile(r"\{(\w+):\w+\}")  # `{employee_id:uuid}` is `{employee_id}` in the document

# Path parameter -> the World field holding the organisation's object of that kind.
PARAMS = {
    "vacancy_id": "vacancy_id",
    "candidate_id": "candidate_id",
    "application_id": "application_id",
    "employee_id": "employee_id",
    "campaign_id": "campaign_id",
    "endpoint_id": "endpoint_id",
    "delivery_id": "delivery_id",
    "import_id": "import_id",
}
# A finished import cannot be cancelled by anyone: use the queued one, so that a cancel
# which wrongly went through would show.
OVERRIDES = {"POST /v1/imports/{import_id}/cancel": {"import_id": "open_import_id"}}
# Path parameters that name data of the whole service, the same for every organisation.
SHARED = {"name": "esco"}  # a taxonomy: loaded by `talentmesh taxonomy import`, nobody's own
# A's objects as A reads them: equal before and after B's request.
VIEWS = {
    "vacancy_id": "/v1/vacancies/{vacancy_id}",
    "candidate_id": "/v1/candidates/{candidate_id}",
    "application_id": "/v1/applications/{application_id}",
    "employee_id": "/v1/employees/{employee_id}",
    "campaign_id": "/v1/campaigns/{campaign_id}",
    "endpoint_id": "/v1/webhooks/{endpoint_id}",
    "delivery_id": "/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}",
    "import_id": "/v1/imports/{import_id}",
}

PUBLIC = {
    "GET /health": "says whether the database and broker answer; no organisation's data",
    "GET /r/{code}": "a tracked link as visitors follow it: the unguessable code is the "
    "credential (tests/api/test_redirect_api.py)",
    "POST /r/{code}/reshare": "a visitor's own link to pass on, credential as above",
    "GET /jobs/{organisation}/{vacancy_id}": "the public page of an open vacancy, published "
    "on purpose (tests/pages/test_vacancy_page.py)",
    "GET /jobs/{vacancy_id}": "old address of that page, redirects to it",
}
# Routes the document leaves out (pages for people, not for integrators).
HIDDEN = {
    "GET /openapi.json": "the document itself",
    "GET /docs": "the document, rendered",
    "GET /docs/oauth2-redirect": "part of the rendered document",
    "GET /redoc": "the document, rendered",
    "GET /assets/{name}": "style sheet and script of the pages",
    "POST /jobs/{organisation}/{vacancy_id}/apply": "the public apply form of an open vacancy",
    "GET /jobs/{organisation}/{vacancy_id}/applied": "its thank-you page",
    "GET /share/{token}": "an ambassador's share page; the signed token is the credential",
    "GET /dashboard/login": "dashboard pages: a session cookie made from an API key, "
    "scoped to the key's organisation by the same service calls as the API",
    "POST /dashboard/login": "dashboard, as above",
    "POST /dashboard/logout": "dashboard, as above",
    "GET /dashboard": "dashboard, as above",
    "GET /dashboard/vacancies/new": "dashboard, as above",
    "POST /dashboard/vacancies/new": "dashboard, as above",
    "GET /dashboard/vacancies/{vacancy_id}": "dashboard, as above",
    "GET /dashboard/vacancies/{vacancy_id}/edit": "dashboard, as above",
    "POST /dashboard/vacancies/{vacancy_id}/edit": "dashboard, as above",
    "POST /dashboard/vacancies/{vacancy_id}/campaigns": "dashboard, as above",
    "GET /dashboard/campaigns/{campaign_id}": "dashboard, as above",
    "GET /dashboard/campaigns/{campaign_id}/funnel.csv": "dashboard, as above",
}

# Bodies where the schema's example would change nothing or is not allowed for the object
# (the applications are hired: the only move left is to `withdrawn`).
BODIES: dict[str, Any] = {
    "PATCH /v1/applications/{application_id}": {"status": "withdrawn"},
    "PATCH /v1/webhooks/{endpoint_id}": {"description": "overgenomen"},
}
# Where B's own object answers 409 to the control call: it was found, and refused by state.
CONFLICTS = {
    "DELETE /v1/employees/{employee_id}": "the employee has a referral reward",
    # No worker sends deliveries here: the ping is still on its retry schedule.
    "POST /v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver": "still pending",
}

CSV = {"Content-Type": "text/csv"}
NDJSON = {"Content-Type": "application/x-ndjson"}


def _cv(own: World) -> Request:
    text = f"Iemand {own.tag}\niemand.{own.tag}@example.org\n\nArchivaris met Python."
    return {"files": {"file": ("cv.txt", text.encode(), "text/plain")}}


def _application(own: World) -> Request:
    profile = {"name": "Nieuw", "email": f"nieuw.{own.tag}@example.org"}
    return {"json": {"vacancy_id": own.vacancy_id, "candidate": profile, "consent": True}}


# Requests of the operations without a path parameter where the schema's example will not
# do: another media type, or ids and filters that must be the caller's own.
CALLS: dict[str, Callable[[World], Request]] = {
    "POST /v1/candidates/parse": _cv,
    "POST /v1/employees/import": lambda own: {
        "content": f"name,email\nNieuw,nieuw.{own.tag}@example.org\n",
        "headers": CSV,
    },
    "POST /v1/imports": lambda own: {
        "params": {"kind": "candidates"},
        "content": json.dumps({"name": "Nieuw", "email": f"n.{own.tag}@example.org"}),
        "headers": NDJSON,
    },
    "POST /v1/applications": _application,
    "POST /v1/search/candidates": lambda own: {"json": {"query": "Python linked data"}},
    "GET /v1/events": lambda own: {"params": {"limit": 500}},
}
# Reads whose answer holds no text of the caller's own world to look for.
WITHOUT_OWN_TEXT = {
    "GET /v1/taxonomies": "the service's taxonomies",
    "GET /v1/reward-policy": "an amount and a currency",
    # Within the rolled-back transaction no event is settled yet; see the live test below.
    "GET /v1/events": "the feed shows committed events only",
}


@dataclass(frozen=True)
class Reference:
    """A request of B that names A's record in its query or body, and what it may answer."""

    label: str
    field: str
    request: Callable[[World, World], Request]
    statuses: frozenset[int]


def _apply_with(**fields: Any) -> Callable[[World, World], Request]:
    def request(a: World, b: World) -> Request:
        body = _application(b)["json"] | {
            k: v(a, b) if callable(v) else v for k, v in fields.items()
        }
        if "candidate_id" in body:
            del body["candidate"]
        return {"json": body}

    return request


def _hour_ago() -> str:
    return (datetime.now(UTC) - timedelta(hours=1)).isoformat()


NOT_THERE = frozenset({404, 422})
REFERENCES = [
    Reference(
        "POST /v1/applications",
        "body:vacancy_id",
        _apply_with(vacancy_id=lambda a, b: a.vacancy_id),
        NOT_THERE,
    ),
    Reference(
        "POST /v1/applications",
        "body:candidate_id",
        _apply_with(candidate_id=lambda a, b: a.candidate_id),
        NOT_THERE,
    ),
    Reference(
        "POST /v1/applications", "body:ref", _apply_with(ref=lambda a, b: a.link_code), NOT_THERE
    ),
    Reference(
        "POST /v1/applications",
        "body:touches.ref",
        _apply_with(touches=lambda a, b: [{"ref": a.reshare_code, "at": _hour_ago()}]),
        NOT_THERE,
    ),
    Reference(
        "POST /v1/vacancies/{vacancy_id}/campaigns",
        "body:audience.employee_ids",
        lambda a, b: {
            "url": f"/v1/vacancies/{b.vacancy_id}/campaigns",
            "json": {
                "audience": {"type": "employee_ids", "employee_ids": [a.employee_id]},
                "channels": ["linkedin"],
            },
        },
        NOT_THERE,
    ),
    Reference(
        "GET /v1/applications",
        "query:vacancy_id",
        lambda a, b: {"params": {"vacancy_id": a.vacancy_id}},
        frozenset({200}),
    ),
    # Unique values are unique per organisation: reusing A's may not answer 409 with A's id.
    Reference(
        "POST /v1/vacancies",
        "body:external_id",
        lambda a, b: {"json": {"title": "Archivaris", "external_id": a.vacancy_external_id}},
        frozenset({201}),
    ),
    Reference(
        "POST /v1/candidates",
        "body:email,external_id",
        lambda a, b: {"json": {"email": a.candidate_email, "external_id": a.candidate_external_id}},
        frozenset({201}),
    ),
    Reference(
        "POST /v1/employees",
        "body:email,external_id",
        lambda a, b: {
            "json": {
                "name": "Iemand",
                "email": a.employee_email,
                "external_id": a.employee_external_id,
            }
        },
        frozenset({201}),
    ),
    Reference(
        "POST /v1/employees/import",
        "body:email,external_id",
        lambda a, b: {
            "content": f"name,email,external_id\nIemand,{a.employee_email},"
            f"{a.employee_external_id}\n",
            "headers": CSV,
        },
        frozenset({200}),
    ),
    # Stored answers are kept per API key: A's is never replayed to B.
    Reference(
        "POST /v1/vacancies",
        "header:Idempotency-Key",
        lambda a, b: {
            "json": {"title": "Archivaris"},
            "headers": {"Idempotency-Key": a.idempotency_key},
        },
        frozenset({201}),
    ),
    Reference(
        "GET /v1/vacancies",
        "query:external_id",
        lambda a, b: {"params": {"external_id": a.vacancy_external_id}},
        frozenset({200}),
    ),
    Reference(
        "GET /v1/candidates",
        "query:email",
        lambda a, b: {"params": {"email": a.candidate_email}},
        frozenset({200}),
    ),
    Reference(
        "GET /v1/employees",
        "query:external_id",
        lambda a, b: {"params": {"external_id": a.employee_external_id}},
        frozenset({200}),
    ),
]


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
    assert not missing, f"add a case to REFERENCES that sends A's record: {missing}"


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
        "give World one and name it in PARAMS (or in SHARED, if nobody owns it)"
    )
    try:
        body = BODIES[op.label] if op.label in BODIES else json_body(op)
    except LookupError as exc:
        pytest.fail(f"{exc}: add a body to BODIES")
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
        pytest.fail(f"{exc}: add a request to CALLS")
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
        # Not empty by accident: B's own records are there.
        assert b.tag in response.text, response.text


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
