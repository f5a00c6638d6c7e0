"""SQL and script injection strings in every text field of a vacancy, a candidate, an
application, a campaign, an employee and a webhook: stored verbatim (read back equal through
the API), usable as filters (``%`` and ``_`` are no wildcards where the API promises an exact
match) and in searches, and rendered as text on the public vacancy page, the share page and
the dashboard: escaped in HTML, no element or handler of their own, JSON-LD not broken out
of, no ``javascript:`` link. tests/security/test_injection_browser.py opens the same pages
in Chromium."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.auth.service import authenticate
from distribution.campaigns import fanout
from distribution.campaigns.share_page import share_token
from models import CampaignBatch
from models.db import transaction
from runtime.settings import Settings
from tests.conftest import KeyMaker, bearer
from tests.pages.test_dashboard import log_in

PAYLOADS = {
    "sql-drop": "'; DROP TABLE candidates; --",
    "sql-or": "' OR '1'='1",
    "sql-comment": "admin'/* x */ UNION SELECT 1 --",
    "percent": "100%",
    "underscore": "a_b",
    "backslashes": "C:\\temp\\new \\' \\\\ \\x00",
    "script": "<script>alert('script')</script>",
    "img-onerror": "\"><img src=x onerror=alert('img')>",
    "attribute-break": "' autofocus onfocus=alert('focus') x='",
    "javascript-url": "javascript:alert('url')",
    "script-end": "</script><script>alert('jsonld')</script>",
    "svg": "<svg/onload=alert('svg')>",
    "template": "{{7*7}} ${7*7} {% if 1 %}x{% endif %} <%= 7*7 %>",
    "entities": "&lt;b&gt; &amp; &#x3C;i&#x3E; &quot;",
    "rtl-override": "cv\u202egnp.exe\u202c and \u2066isolated\u2069",
    "unicode": "Zoë Çelik 🚀 ﷺ",
}
# The payloads that would run or inject markup if a page did not escape them.
MARKUP = ["script", "img-onerror", "attribute-break", "script-end", "svg", "javascript-url"]
ALL_MARKUP = " ".join(PAYLOADS[name] for name in MARKUP)
# Stored together, a group per kind, so every field meets every payload in a few records.
GROUPS = {
    "sql-wildcards-escapes": [
        "sql-drop",
        "sql-or",
        "sql-comment",
        "percent",
        "underscore",
        "backslashes",
        "entities",
    ],
    "markup-templates-unicode": [*MARKUP, "template", "rtl-override", "unicode"],
}


# --- one organisation with every field hostile ------------------------------------------


@dataclass
class Hostile:
    """An organisation whose records carry ``text`` in every text field."""

    text: str
    headers: dict[str, str]
    key: str
    org_id: uuid.UUID
    vacancy: dict[str, Any] = field(default_factory=dict)
    candidate: dict[str, Any] = field(default_factory=dict)
    employee: dict[str, Any] = field(default_factory=dict)
    application: dict[str, Any] = field(default_factory=dict)
    campaign: dict[str, Any] = field(default_factory=dict)
    webhook: dict[str, Any] = field(default_factory=dict)


def _post(client: TestClient, headers: dict[str, str], path: str, body: Any) -> dict[str, Any]:
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _short(text: str, n: int) -> str:
    return text[:n].strip()


def vacancy_body(text: str) -> dict[str, Any]:
    return {
        "external_id": _short(f"v {text}", 200),
        "title": _short(text, 300),
        "description": f"{text}\n\n{text}",
        "language": "nl",
        "required_skills": [_short(text, 200), "Python"],
        "nice_to_have_skills": [_short(f"extra {text}", 200)],
        "location": {
            "street": _short(text, 300),
            "postal_code": _short(text, 20),
            "city": _short(text, 200),
            "region": _short(text, 200),
            "country": "NL",
        },
    }


def candidate_body(text: str, email: str) -> dict[str, Any]:
    return {
        "external_id": _short(f"{email} {text}", 200),
        "name": _short(text, 300),
        "email": email,
        "headline": _short(text, 500),
        "summary": f"{text} Python",
        "language": "nl",
        "skills": [_short(text, 200), "Python"],
        "location": {"city": _short(text, 200), "region": _short(text, 200), "country": "NL"},
        "profiles": [{"network": _short(text, 100), "username": _short(text, 200)}],
        "experience": [
            {
                "title": _short(text, 300),
                "organisation": _short(text, 300),
                "description": text,
                "highlights": [_short(text, 1000)],
            }
        ],
        "education": [
            {
                "degree": _short(text, 300),
                "field": _short(text, 300),
                "institution": _short(text, 300),
            }
        ],
        "consent": {"given_at": "2026-12-01T10:00:00Z", "purpose": _short(text, 1000)},
    }


def seed_hostile(
    client: TestClient,
    make_key: KeyMaker,
    session_factory: sessionmaker[Session],
    text: str,
    *,
    pages_only: bool = False,
) -> Hostile:
    """Every record, made through the API with ``text`` in each text field; the campaign's
    links made as the worker makes them. ``pages_only``: candidates with only the fields the
    pages show (indexing a full profile of hostile text is what takes time)."""
    org_name = _short(f"{uuid.uuid4().hex[:8]} {text}", 200)
    key = make_key(org=org_name)
    headers = bearer(key)
    with session_factory() as session:
        org_id = authenticate(session, key).organisation_id
    hostile = Hostile(text, headers, key, org_id)
    hostile.vacancy = _post(client, headers, "/v1/vacancies", vacancy_body(text))
    vacancy_id = hostile.vacancy["id"]

    def candidate(email: str) -> dict[str, Any]:
        if pages_only:
            return {
                "name": _short(text, 300),
                "email": email,
                "headline": _short(text, 500),
                "skills": [_short(text, 200), "Python"],
            }
        return candidate_body(text, email)

    hostile.candidate = _post(client, headers, "/v1/candidates", candidate("eva@example.org"))
    hostile.employee = _post(
        client,
        headers,
        "/v1/employees",
        {
            "name": _short(text, 300),
            "email": "anna@example.org",
            "external_id": _short(f"e {text}", 200),
            "department": _short(text, 200),
            "fields": [_short(text, 200)],
            "channels": ["linkedin", "email"],
        },
    )
    hostile.application = _post(
        client,
        headers,
        "/v1/applications",
        {
            "vacancy_id": vacancy_id,
            "candidate": candidate("jan@example.org"),
            "source": _short(text, 100),
            "motivation": text,
            "consent": True,
        },
    )
    hostile.campaign = _post(
        client,
        headers,
        f"/v1/vacancies/{vacancy_id}/campaigns",
        {
            "audience": {"type": "departments", "departments": [_short(text, 200)]},
            "channels": ["linkedin", "email"],
            "message": text,
        },
    )
    hostile.webhook = _post(
        client,
        headers,
        "/v1/webhooks",
        {"url": "https://hooks.example.org/tm", "events": ["*"], "description": _short(text, 500)},
    )
    campaign_id = uuid.UUID(hostile.campaign["id"])
    with transaction(session_factory) as session:
        fanout.start(session, campaign_id, lambda *_: [])
    with transaction(session_factory) as session:
        for batch in session.query(CampaignBatch).filter_by(campaign_id=campaign_id):
            fanout.prepare_batch(session, batch.id)
    return hostile


# --- stored verbatim --------------------------------------------------------------------


def _read(client: TestClient, headers: dict[str, str], path: str) -> dict[str, Any]:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def _subset(sent: Any, stored: Any) -> list[str]:
    """Where ``stored`` differs from what was ``sent`` (every key sent must read back
    equal)."""
    if isinstance(sent, dict):
        return [
            f"{key}.{where}" if where else key
            for key, value in sent.items()
            for where in _subset(value, stored.get(key) if isinstance(stored, dict) else None)
        ]
    if isinstance(sent, list):
        if not isinstance(stored, list) or len(stored) != len(sent):
            return [""]
        return [
            f"{i}.{w}".rstrip(".")
            for i, (a, b) in enumerate(zip(sent, stored, strict=True))
            for w in _subset(a, b)
        ]
    return [] if sent == stored else [""]


@pytest.mark.parametrize("group", GROUPS)
def test_every_text_field_is_stored_verbatim(
    client: TestClient,
    make_key: KeyMaker,
    session_factory: sessionmaker[Session],
    group: str,
) -> None:
    text = " ".join(PAYLOADS[name] for name in GROUPS[group])
    hostile = seed_hostile(client, make_key, session_factory, text)
    headers = hostile.headers
    vacancy = _read(client, headers, f"/v1/vacancies/{hostile.vacancy['id']}")
    assert _subset(vacancy_body(text), vacancy) == []
    candidate = _read(client, headers, f"/v1/candidates/{hostile.candidate['id']}")
    assert _subset(candidate_body(text, "eva@example.org"), candidate) == []
    employee = _read(client, headers, f"/v1/employees/{hostile.employee['id']}")
    assert (employee["name"], employee["department"], employee["fields"]) == (
        _short(text, 300),
        _short(text, 200),
        [_short(text, 200)],
    )
    application = _read(client, headers, f"/v1/applications/{hostile.application['id']}")
    assert (application["source"], application["motivation"]) == (_short(text, 100), text)
    applicant = _read(client, headers, f"/v1/candidates/{application['candidate_id']}")
    assert _subset(candidate_body(text, "jan@example.org"), applicant) == []
    campaign = _read(client, headers, f"/v1/campaigns/{hostile.campaign['id']}")
    assert campaign["message"] == text
    assert campaign["audience"]["departments"] == [_short(text, 200)]
    webhook = _read(client, headers, f"/v1/webhooks/{hostile.webhook['id']}")
    assert webhook["description"] == _short(text, 500)

    # Changes and status notes keep the text as well.
    patched = client.patch(
        f"/v1/vacancies/{hostile.vacancy['id']}", json={"title": f"{text}!"}, headers=headers
    )
    assert patched.status_code == 200, patched.text
    assert _read(client, headers, f"/v1/vacancies/{hostile.vacancy['id']}")["title"] == f"{text}!"
    moved = client.patch(
        f"/v1/applications/{hostile.application['id']}",
        json={"status": "screening", "note": text},
        headers=headers,
    )
    assert moved.status_code == 200, moved.text
    events = _read(client, headers, f"/v1/applications/{hostile.application['id']}")["events"]
    assert events[-1]["note"] == text

    # The exports carry it unchanged.
    posting = _read(client, headers, f"/v1/vacancies/{hostile.vacancy['id']}.jsonld")
    assert posting["title"] == f"{text}!"
    resume = _read(client, headers, f"/v1/candidates/{hostile.candidate['id']}.resume.json")
    assert resume["basics"]["name"] == _short(text, 300)


# --- filters and search -----------------------------------------------------------------


EXACT = ["a_b", "axb", "100%", "1000", "C:\\temp", "C:temp", "' OR '1'='1", "x"]
NOT_STORED = ["%", "_", "a%", "%b", "a\\_b", "' OR '1'='1' --", "*", ".*"]


def test_filters_match_exactly_whatever_the_text(client: TestClient, admin: dict[str, str]) -> None:
    for n, value in enumerate(EXACT):
        _post(
            client,
            admin,
            "/v1/employees",
            {
                "name": f"Medewerker {n}",
                "email": f"m{n}@example.org",
                "department": value,
                "external_id": value,
            },
        )
        _post(client, admin, "/v1/vacancies", {"title": f"Vacature {n}", "external_id": value})
        _post(client, admin, "/v1/candidates", {"name": f"Kandidaat {n}", "external_id": value})
    queries = [
        ("/v1/employees", "department", "department"),
        ("/v1/employees", "external_id", "external_id"),
        ("/v1/vacancies", "external_id", "external_id"),
        ("/v1/candidates", "external_id", "external_id"),
    ]
    for path, parameter, attribute in queries:
        for value in EXACT:
            found = _read(client, admin, path + "?" + _query(parameter, value))["data"]
            assert [row[attribute] for row in found] == [value], (path, value)
        for value in NOT_STORED:
            found = _read(client, admin, path + "?" + _query(parameter, value))["data"]
            assert found == [], (path, value)
    found = _read(client, admin, "/v1/candidates?" + _query("email", "m%@example.org"))["data"]
    assert found == []


def _query(name: str, value: str) -> str:
    return urlencode({name: value})


def test_searches_take_any_text(client: TestClient, admin: dict[str, str]) -> None:
    _post(client, admin, "/v1/candidates", {"name": "Eva", "summary": "Python archivaris"})
    texts = list(PAYLOADS.values())
    sql = ["sql-drop", "sql-or", "sql-comment"]
    for query in [" ".join(texts), *(PAYLOADS[name] for name in sql)]:
        plain = client.post("/v1/search/candidates", json={"query": query}, headers=admin)
        assert plain.status_code == 200, (query, plain.text)
    search = client.post(
        "/v1/search/candidates",
        json={"query": "Python", "filters": {"city": "%", "skills": texts}},
        headers=admin,
    )
    assert search.status_code == 200, search.text
    assert search.json()["data"] == []  # nobody lives in "%", has those skills
    taxonomy = client.post(
        "/v1/taxonomies/esco'; DROP TABLE taxonomies; --/normalize",
        json={"kind": "skill", "texts": ["Python"]},
        headers=admin,
    )
    assert taxonomy.status_code == 404


# --- rendered as text -------------------------------------------------------------------


class Markup(HTMLParser):
    """The elements, attributes, text and JSON-LD of a page, as a browser's parser sees
    them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.jsonld: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self.tags.append((tag, attributes))
        if tag == "script":
            self._in = attributes.get("type", "script")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "application/ld+json":
            self.jsonld.append(data)
        elif self._in is None:
            self.text.append(data)


URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "data", "poster")


def markup_problems(html: str) -> list[str]:
    """What a stored text has made of a page: elements or handlers it brought, scripts
    other than the page's own, ``javascript:`` URLs, a broken JSON-LD block."""
    page = Markup()
    page.feed(html)
    page.close()
    problems = []
    for tag, attributes in page.tags:
        if tag in ("img", "iframe", "object", "embed", "base"):
            problems.append(f"a <{tag}> element")
        # The campaign page draws its charts as SVG, each with a viewBox and role="img".
        if tag == "svg" and not ("viewbox" in attributes and attributes.get("role") == "img"):
            problems.append("an <svg> element that is not a chart")
        if tag == "script" and not (
            attributes.get("type") == "application/ld+json"
            or attributes.get("src", "").startswith("/assets/")
        ):
            problems.append(f"a script: {attributes}")
        for name, value in attributes.items():
            if name.startswith("on") or name == "autofocus":
                problems.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and value.strip().lower().startswith(
                ("javascript:", "data:")
            ):
                problems.append(f"<{tag} {name}={value!r}>")
    for block in page.jsonld:
        try:
            json.loads(block)
        except ValueError:
            problems.append(f"JSON-LD that does not parse: {block[:100]}")
    return problems


def page_text(html: str) -> str:
    page = Markup()
    page.feed(html)
    return "".join(page.text)


def jsonld(html: str) -> list[Any]:
    page = Markup()
    page.feed(html)
    return [json.loads(block) for block in page.jsonld]


def hostile_pages(client: TestClient, hostile: Hostile, settings: Settings) -> dict[str, str]:
    """Path of every page that shows the hostile records, by name; the client is logged in
    to the dashboard afterwards."""
    secret = settings.secret_key.get_secret_value()
    slug = client.get(f"/v1/vacancies/{hostile.vacancy['id']}.jsonld", headers=hostile.headers)
    assert slug.status_code == 200
    vacancy_url = slug.json()["url"]
    log_in(client, hostile.key)
    token = share_token(
        secret, uuid.UUID(hostile.campaign["id"]), uuid.UUID(hostile.employee["id"])
    )
    vacancy_path = "/" + vacancy_url.split("/", 3)[3]
    return {
        "vacancy-page": vacancy_path,
        "applied-page": f"{vacancy_path}/applied",
        "share-page": f"/share/{token}",
        "dashboard": "/dashboard",
        "dashboard-vacancy": f"/dashboard/vacancies/{hostile.vacancy['id']}",
        "dashboard-edit": f"/dashboard/vacancies/{hostile.vacancy['id']}/edit",
        "dashboard-campaign": f"/dashboard/campaigns/{hostile.campaign['id']}",
    }


# What each page must show of the hostile text, as text.
SHOWN = {
    "vacancy-page": ("title", "description", "skill"),
    "applied-page": ("title",),
    "share-page": ("title", "message", "employee"),
    "dashboard": ("title",),
    "dashboard-vacancy": ("title", "candidate"),
    "dashboard-edit": (),  # the values are in form fields, checked below
    "dashboard-campaign": ("title", "employee"),
}


@pytest.fixture
def hostile(
    client: TestClient, make_key: KeyMaker, session_factory: sessionmaker[Session]
) -> Hostile:
    return seed_hostile(client, make_key, session_factory, ALL_MARKUP, pages_only=True)


def test_pages_show_hostile_text_as_text(
    client: TestClient, hostile: Hostile, settings: Settings
) -> None:
    pages = hostile_pages(client, hostile, settings)
    text = ALL_MARKUP
    for name, path in pages.items():
        response = client.get(path)
        assert response.status_code == 200, (name, response.text[:500])
        assert response.headers["content-type"].startswith("text/html")
        html = response.text
        assert markup_problems(html) == [], name
        shown = page_text(html)
        for what in SHOWN[name]:
            expected = {"skill": _short(text, 200), "title": _short(text, 300)}.get(what, text)
            if what in ("employee", "candidate"):
                expected = _short(text, 300)
            assert expected in shown, (name, what)
    vacancy_page = client.get(pages["vacancy-page"]).text
    [posting] = jsonld(vacancy_page)
    # The JSON-LD block is whole and says exactly what was stored.
    assert posting["title"] == _short(text, 300)
    assert posting["description"] == f"{text}\n\n{text}"
    assert _short(text, 100) in posting["hiringOrganization"]["name"]
    assert (
        "</script"
        not in vacancy_page.split('type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    )
    edit = client.get(pages["dashboard-edit"]).text
    fields = {attrs.get("name"): attrs.get("value") for tag, attrs in _tags(edit) if tag == "input"}
    assert fields["title"] == _short(text, 300)
    assert fields["city"] == _short(text, 200)


def _tags(html: str) -> list[tuple[str, dict[str, str]]]:
    page = Markup()
    page.feed(html)
    return page.tags


def test_javascript_urls_are_never_stored_as_links(
    client: TestClient, admin: dict[str, str]
) -> None:
    urls = [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/x",
    ]
    for url in urls:
        vacancy = client.post(
            "/v1/vacancies", json={"title": "Archivaris", "apply_url": url}, headers=admin
        )
        assert vacancy.status_code == 422, (url, vacancy.text)
        assert vacancy.json()["errors"][0]["field"] == "apply_url"
        candidate = client.post(
            "/v1/candidates",
            json={"name": "Eva", "website": url, "profiles": [{"network": "x", "url": url}]},
            headers=admin,
        )
        assert candidate.status_code == 422, (url, candidate.text)
        hook = client.post("/v1/webhooks", json={"url": url, "events": ["*"]}, headers=admin)
        assert hook.status_code == 422, (url, hook.text)
    assert _read(client, admin, "/v1/vacancies")["data"] == []
    assert _read(client, admin, "/v1/candidates")["data"] == []
