"""What the tenant-isolation suite needs to know about each route: which of an
organisation's objects a path parameter names, the routes that need no API key, the bodies
and requests the schema's examples do not give, and the requests that name another
organisation's records in a query or body. test_tenant_isolation.py fails, naming the table
here, when a route of the OpenAPI document is missing from it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.security.world import World

Request = dict[str, Any]

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
    "channel_id": "channel_id",
    "rule_id": "rule_id",
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
    "channel_id": "/v1/posting/channels/{channel_id}",
    "rule_id": "/v1/posting/rules/{rule_id}",
}

PUBLIC = {
    "GET /health": "says whether the database and broker answer; no organisation's data",
    "GET /r/{code}": "a tracked link as visitors follow it: the unguessable code is the "
    "credential (tests/api/test_redirect_api.py)",
    "POST /r/{code}/reshare": "a visitor's own link to pass on, credential as above",
    "GET /jobs/{organisation}/{vacancy_id}": "the public page of an open vacancy, published "
    "on purpose (tests/pages/test_vacancy_page.py)",
    "GET /jobs/{vacancy_id}": "old address of that page, redirects to it",
    "GET /feeds/{organisation}/jobs.xml": "an organisation's job feed for boards: its open "
    "vacancies, public on purpose, each only in its own organisation's feeds "
    "(tests/distribution/test_feeds.py)",
    "GET /feeds/{organisation}/jobs.json": "the same feed as JSON Feed",
    "GET /feeds/{organisation}/rss.xml": "the same feed as RSS 2.0",
    "GET /feeds/{organisation}/sitemap.xml": "the open vacancies' public pages, for search engines",
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
    # A rule names the caller's own channels.
    "POST /v1/posting/rules": lambda own: {
        "json": {"name": f"Herhalen {own.tag}", "channels": [{"channel_id": own.channel_id}]}
    },
}
# Reads whose answer holds no text of the caller's own world to look for.
WITHOUT_OWN_TEXT = {
    "GET /v1/taxonomies": "the service's taxonomies",
    "GET /v1/reward-policy": "an amount and a currency",
    # Within the rolled-back transaction no event is settled yet; see the live test below.
    "GET /v1/events": "the feed shows committed events only",
    "GET /v1/audit/verify": "a count and the head hash of the caller's own chain",
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
        "POST /v1/posting/rules",
        "body:channels.channel_id",
        lambda a, b: {"json": {"name": "Vreemd", "channels": [{"channel_id": a.channel_id}]}},
        NOT_THERE,
    ),
    Reference(
        "PATCH /v1/posting/rules/{rule_id}",
        "body:channels.channel_id",
        lambda a, b: {
            "url": f"/v1/posting/rules/{b.rule_id}",
            "json": {"channels": [{"channel_id": a.channel_id}]},
        },
        NOT_THERE,
    ),
    Reference(
        "GET /v1/applications",
        "query:vacancy_id",
        lambda a, b: {"params": {"vacancy_id": a.vacancy_id}},
        frozenset({200}),
    ),
    # A's decisions and rankings are in A's audit trail only.
    Reference(
        "GET /v1/audit",
        "query:vacancy_id",
        lambda a, b: {"params": {"vacancy_id": a.vacancy_id}},
        frozenset({200}),
    ),
    Reference(
        "GET /v1/audit",
        "query:candidate_id",
        lambda a, b: {"params": {"candidate_id": a.candidate_id}},
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
