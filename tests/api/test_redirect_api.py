"""Tracked links over HTTP: the redirect and its click, 404s that tell nothing, reshare
(JSON and form) and the public landing page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.pages.jobs import reshare_form
from distribution.links.codes import visitor_key
from distribution.links.service import MAX_DEPTH, NOT_FOUND_DETAIL
from models import Click, TrackedLink
from runtime.settings import Settings
from tests.distribution.test_links import seed

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
SAFARI = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) Version/18.5 Safari/604.1"


def clicks(db: Session, link: TrackedLink) -> list[tuple[Any, ...]]:
    db.expire_all()
    rows = db.execute(
        select(Click.visitor, Click.hits, Click.bot, Click.day)
        .where(Click.link_id == link.id)
        .order_by(Click.hits, Click.bot)
    ).all()
    return [tuple(row) for row in rows]


def follow(client: TestClient, code: str, user_agent: str = FIREFOX) -> Any:
    return client.get(f"/r/{code}", headers={"User-Agent": user_agent}, follow_redirects=False)


# --- redirect ----------------------------------------------------------------------------


def test_redirect_to_apply_url_with_tracking(
    client: TestClient, db: Session, settings: Settings
) -> None:
    data = seed(db)
    response = follow(client, data.link.code)
    assert response.status_code == 302
    assert response.headers["location"] == (
        "https://werkenbij.example.org/vacatures/17?lang=nl&utm_source=linkedin"
        f"&utm_medium=referral&utm_campaign={data.campaign.id}&tm_ref={data.link.code}"
    )
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.content == b""
    today = datetime.now(UTC).date()
    visitor = visitor_key(settings.secret_key.get_secret_value(), "testclient", FIREFOX, today)
    assert clicks(db, data.link) == [(visitor, 1, False, today)]


def test_redirect_to_public_page_without_apply_url(
    client: TestClient, db: Session, settings: Settings
) -> None:
    data = seed(db, apply_url=None, channel="x")
    data.link.campaign_id = None
    db.commit()
    response = follow(client, data.link.code)
    assert response.status_code == 302
    vacancy_id = data.vacancy.id
    assert response.headers["location"] == (
        f"{settings.resolved_public_url}/jobs/{data.organisation.slug}/{vacancy_id}"
        "?utm_source=x&utm_medium=referral"
        f"&utm_campaign=vacancy-{vacancy_id}&tm_ref={data.link.code}"
    )


def test_one_click_per_visitor_and_day_every_hit_kept(client: TestClient, db: Session) -> None:
    data = seed(db)
    for _ in range(2):
        assert follow(client, data.link.code).status_code == 302
    rows = clicks(db, data.link)
    assert [(hits, bot) for _, hits, bot, _ in rows] == [(2, False)]
    assert follow(client, data.link.code, SAFARI).status_code == 302
    rows = clicks(db, data.link)
    assert [(hits, bot) for _, hits, bot, _ in rows] == [(1, False), (2, False)]
    assert rows[0][0] != rows[1][0]


@pytest.mark.parametrize(
    "user_agent", ["Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", ""]
)
def test_bots_are_recorded_as_bots(client: TestClient, db: Session, user_agent: str) -> None:
    data = seed(db)
    response = follow(client, data.link.code, user_agent)
    assert response.status_code == 302
    assert [(hits, bot) for _, hits, bot, _ in clicks(db, data.link)] == [(1, True)]


def test_dead_links_answer_the_same_404(client: TestClient, db: Session) -> None:
    live = seed(db)
    expired = seed(db)
    expired.link.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    closed = seed(db, status="closed")
    draft = seed(db, status="draft")
    db.commit()
    codes = ["unknown123", "short", "bad%21code!!", expired.link.code, closed.link.code]
    codes.append(draft.link.code)
    bodies = []
    for code in codes:
        response = follow(client, code)
        assert response.status_code == 404, code
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body.pop("instance").startswith("/r/")
        bodies.append(body)
    assert bodies == [
        {
            "type": "/problems/not-found",
            "title": "Not found",
            "status": 404,
            "detail": NOT_FOUND_DETAIL,
        }
    ] * len(codes)
    for data in (expired, closed, draft):
        assert clicks(db, data.link) == []
    # A link whose expiry lies ahead still works.
    live.link.expires_at = datetime.now(UTC) + timedelta(days=1)
    db.commit()
    assert follow(client, live.link.code).status_code == 302


# --- reshare -----------------------------------------------------------------------------


def reshare(
    client: TestClient,
    code: str,
    user_agent: str = FIREFOX,
    content_type: str | None = None,
    **kwargs: Any,
) -> Any:
    headers = {"User-Agent": user_agent}
    if content_type:
        headers["Content-Type"] = content_type
    return client.post(f"/r/{code}/reshare", headers=headers, **kwargs)


def test_reshare_creates_a_child_link_once_per_visitor_and_channel(
    client: TestClient, db: Session, settings: Settings
) -> None:
    data = seed(db)
    response = reshare(client, data.link.code, json={"channel": "whatsapp"})
    assert response.status_code == 201
    body = response.json()
    code = body["code"]
    url = f"{settings.resolved_public_url}/r/{code}"
    assert body | {"share": None} == {
        "code": code,
        "url": url,
        "parent_code": data.link.code,
        "depth": 1,
        "channel": "whatsapp",
        "share": None,
    }
    assert sorted(body["share"]) == [
        "direct",
        "email",
        "facebook",
        "intranet",
        "linkedin",
        "whatsapp",
        "x",
    ]
    assert body["share"]["direct"] == url
    assert body["share"]["whatsapp"].startswith("https://wa.me/?text=")
    db.expire_all()
    child = db.scalar(select(TrackedLink).where(TrackedLink.code == code))
    assert child is not None
    assert (child.parent_id, child.depth, child.channel) == (data.link.id, 1, "whatsapp")
    assert (child.root_employee_id, child.employee_id) == (data.employee.id, None)
    assert (child.campaign_id, child.vacancy_id) == (data.campaign.id, data.vacancy.id)

    again = reshare(client, data.link.code, json={"channel": "whatsapp"})
    assert (again.status_code, again.json()["code"]) == (200, code)
    other_channel = reshare(client, data.link.code)
    assert other_channel.status_code == 201
    assert other_channel.json()["channel"] == "direct"
    other_visitor = reshare(client, data.link.code, SAFARI, json={"channel": "whatsapp"})
    assert other_visitor.status_code == 201
    assert len({code, other_channel.json()["code"], other_visitor.json()["code"]}) == 3

    # The child link works, and its own reshare is one step deeper, still the employee's.
    assert follow(client, code).headers["location"].endswith(f"&tm_ref={code}")
    grandchild = reshare(client, code, SAFARI).json()
    assert (grandchild["depth"], grandchild["parent_code"]) == (2, code)
    db.expire_all()
    row = db.scalar(select(TrackedLink).where(TrackedLink.code == grandchild["code"]))
    assert row is not None
    assert row.root_employee_id == data.employee.id


def test_reshare_stops_at_the_depth_limit(client: TestClient, db: Session) -> None:
    data = seed(db)
    data.link.depth = MAX_DEPTH
    db.commit()
    response = reshare(client, data.link.code)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "10 times" in response.json()["detail"]
    data.link.depth = MAX_DEPTH - 1
    db.commit()
    assert reshare(client, data.link.code).json()["depth"] == MAX_DEPTH


def test_bots_and_scripts_cannot_reshare(client: TestClient, db: Session) -> None:
    data = seed(db)
    for agent in ("curl/8.5.0", "LinkedInBot/1.0", ""):
        response = reshare(client, data.link.code, user_agent=agent)
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
    assert db.scalars(select(TrackedLink).where(TrackedLink.parent_id == data.link.id)).all() == []


def test_reshare_rejects_bad_requests(client: TestClient, db: Session) -> None:
    data = seed(db)
    closed = seed(db, status="closed")
    for code in ("unknown123", closed.link.code):
        response = reshare(client, code)
        assert response.status_code == 404
        assert response.json()["detail"] == NOT_FOUND_DETAIL
    invalid = reshare(client, data.link.code, json={"channel": "myspace"})
    assert invalid.status_code == 422
    assert [e["field"] for e in invalid.json()["errors"]] == ["channel"]
    extra = reshare(client, data.link.code, json={"channel": "x", "note": "hi"})
    assert [e["field"] for e in extra.json()["errors"]] == ["note"]
    broken = reshare(client, data.link.code, content=b"{", content_type="application/json")
    assert broken.status_code == 422
    assert broken.json()["errors"][0]["field"] == "body"
    text = reshare(client, data.link.code, content=b"x", content_type="text/plain")
    assert text.status_code == 415


def test_reshare_form_post_answers_a_page(
    client: TestClient, db: Session, settings: Settings
) -> None:
    data = seed(db, title='<script>alert("x")</script> & co')
    form = reshare_form(settings, data.link.code)
    assert form is not None
    fields = {"channel": "linkedin", "form_token": form["token"], "lang": "en"}
    response = reshare(client, data.link.code, data=fields)
    assert response.status_code == 201
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    db.expire_all()
    child = db.scalar(select(TrackedLink).where(TrackedLink.parent_id == data.link.id))
    assert child is not None
    assert child.channel == "linkedin"
    page = response.text
    assert f'value="{settings.resolved_public_url}/r/{child.code}"' in page
    assert "https://www.linkedin.com/sharing/share-offsite/?url=" in page
    assert "<script>" not in page
    assert reshare(client, data.link.code, data=fields).status_code == 200


def test_reshare_form_post_needs_the_pages_token(
    client: TestClient, db: Session, settings: Settings
) -> None:
    data = seed(db)
    other = reshare_form(settings, seed(db, org="Stadsarchief").link.code)
    assert other is not None
    for token in (None, "forged", other["token"]):
        fields = {"channel": "linkedin", **({"form_token": token} if token else {})}
        response = reshare(client, data.link.code, data=fields)
        assert response.status_code == 403
        assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert db.scalar(select(TrackedLink).where(TrackedLink.parent_id == data.link.id)) is None
    # API clients post JSON, which no other site can make a browser send unasked.
    assert reshare(client, data.link.code, json={"channel": "linkedin"}).status_code == 201


# --- landing page ------------------------------------------------------------------------


def test_landing_page_escapes_and_offers_the_share_form(client: TestClient, db: Session) -> None:
    data = seed(db, title='<img src=x onerror="alert(1)"> Archivaris & co')
    data.vacancy.description = "Line one <b>bold</b>\n\nLine two"
    db.commit()
    page_path = f"/jobs/{data.organisation.slug}/{data.vacancy.id}"
    response = client.get(f"{page_path}?tm_ref={data.link.code}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    page = response.text
    assert "<img" not in page
    assert "<h1>&lt;img src=x onerror=&#34;alert(1)&#34;&gt; Archivaris &amp; co</h1>" in page
    assert "Line one &lt;b&gt;bold&lt;/b&gt;\n\nLine two" in page
    assert "Den Haag, NL" in page
    assert 'href="https://werkenbij.example.org/vacatures/17?lang=nl"' in page
    assert f'<form method="post" action="/r/{data.link.code}/reshare">' in page
    plain = client.get(f"{page_path}?tm_ref=<bad>").text
    assert "/reshare" not in plain


def test_a_vacancy_past_its_closing_date_is_gone_everywhere(
    client: TestClient, db: Session
) -> None:
    data = seed(db, apply_url=None)
    data.vacancy.valid_through = datetime.now(UTC) - timedelta(minutes=1)
    db.commit()
    assert follow(client, data.link.code).status_code == 404
    assert db.scalar(select(func.count()).select_from(Click)) == 0
    page = client.get(f"/jobs/{data.organisation.slug}/{data.vacancy.id}")
    assert page.status_code == 404


def test_old_landing_page_address_moves_permanently(client: TestClient, db: Session) -> None:
    data = seed(db)
    response = client.get(
        f"/jobs/{data.vacancy.id}?tm_ref={data.link.code}", follow_redirects=False
    )
    assert response.status_code == 301
    assert response.headers["location"] == (
        f"/jobs/{data.organisation.slug}/{data.vacancy.id}?tm_ref={data.link.code}"
    )


def test_landing_page_of_closed_unknown_or_foreign_vacancy_is_404(
    client: TestClient, db: Session
) -> None:
    closed = seed(db, status="closed")
    other = seed(db, org="Stadsarchief")
    paths = (
        f"/jobs/{closed.vacancy.id}",
        "/jobs/not-a-uuid",
        f"/jobs/{closed.campaign.id}",
        f"/jobs/{closed.organisation.slug}/{closed.vacancy.id}",
        f"/jobs/{other.organisation.slug}/not-a-uuid",
        # Another organisation's vacancy under this organisation's name.
        f"/jobs/{other.organisation.slug}/{closed.vacancy.id}",
        f"/jobs/{closed.organisation.slug}/{other.vacancy.id}",
    )
    for path in paths:
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert other.vacancy.title not in response.text


def test_redirect_answers_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"302", "404"} <= set(paths["/r/{code}"]["get"]["responses"])
    body = paths["/r/{code}/reshare"]["post"]["requestBody"]["content"]
    assert sorted(body) == ["application/json", "application/x-www-form-urlencoded"]
