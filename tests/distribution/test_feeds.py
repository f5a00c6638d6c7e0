"""The organisation's job feeds against real PostgreSQL: the Indeed-style XML validated by
an XML schema written for it (feeds/indeed.xsd), the sitemap by the sitemaps.org schema,
RSS 2.0 and JSON Feed shapes, what is listed (open, not expired, this organisation's
only), conditional requests, and a board's link followed through ``/r/`` into the funnel."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from api.routers.feeds import last_modified_header
from distribution.feeds import service
from models import Organisation, TrackedLink, Vacancy
from models.db import make_session_factory, transaction
from runtime.settings import Settings
from tests.conftest import KeyMaker, bearer

SCHEMAS = Path(__file__).parent / "feeds"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"}
# A description with markup, an entity, the end of a CDATA section and a character XML 1.0
# cannot hold (a vertical tab, as pasted from a word processor).
TRICKY = "Je werkt met <b>Python</b> & Linked Data ]]> \x0bin Den Haag."


def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def assert_valid(xsd: etree.XMLSchema, body: bytes) -> etree._Element:
    document = etree.fromstring(body)
    assert xsd.validate(document), xsd.error_log
    return document


@dataclass
class World:
    organisation: Organisation
    open: Vacancy
    plain: Vacancy
    closed: Vacancy
    expired: Vacancy
    other: Vacancy
    key: str

    @property
    def base(self) -> str:
        return f"/feeds/{self.organisation.slug}"


def vacancy(organisation: Organisation, title: str, **values: Any) -> Vacancy:
    return Vacancy(organisation_id=organisation.id, title=title, **values)


@pytest.fixture
def world(db: Session, make_key: KeyMaker) -> World:
    name = f"Koninklijke Bibliotheek {uuid.uuid4().hex[:6]}"
    key = make_key(org=name)
    organisation = db.scalars(select(Organisation).where(Organisation.name == name)).one()
    other_org = Organisation(name=f"Nationaal Archief {uuid.uuid4().hex[:6]}")
    db.add(other_org)
    db.flush()
    now = datetime.now(UTC)
    open_ = vacancy(
        organisation,
        "Developer digitale collecties",
        external_id="KB-2026-17",
        description=TRICKY,
        location_city="Den Haag",
        location_region="Zuid-Holland",
        location_postal_code="2595 BE",
        location_country="NL",
        employment_type="part_time",
        salary_min=Decimal("3500"),
        salary_max=Decimal("4800.50"),
        salary_currency="EUR",
        salary_period="month",
        valid_through=now + timedelta(days=30),
        posted_at=now - timedelta(days=2),
    )
    plain = vacancy(organisation, "Data engineer", remote=True, posted_at=now - timedelta(days=1))
    closed = vacancy(organisation, "Archivaris", status="closed")
    draft = vacancy(organisation, "Docent informatica", status="draft")
    expired = vacancy(organisation, "Redacteur", valid_through=now - timedelta(hours=1))
    other = vacancy(other_org, "Conservator")
    db.add_all([open_, plain, closed, draft, expired, other])
    db.commit()
    return World(organisation, open_, plain, closed, expired, other, key)


def test_indeed_xml_validates_and_lists_open_vacancies_only(
    client: TestClient, world: World, db: Session, settings: Settings
) -> None:
    response = client.get(f"{world.base}/jobs.xml?board=indeed")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    document = assert_valid(schema("indeed.xsd"), response.content)
    assert document.findtext("publisher") == world.organisation.name
    jobs = document.findall("job")
    # Newest first; closed, draft, expired and the other organisation's vacancies are absent.
    assert [job.findtext("title") for job in jobs] == [
        "Data engineer",
        "Developer digitale collecties",
    ]
    remote, full = jobs
    assert full.findtext("referencenumber") == "KB-2026-17"
    assert remote.findtext("referencenumber") == str(world.plain.id)
    assert full.findtext("description") == TRICKY.replace("\x0b", "")
    assert full.findtext("salary") == "EUR 3500-4800.50 per month"
    assert full.findtext("jobtype") == "parttime"
    assert (full.findtext("city"), full.findtext("country")) == ("Den Haag", "NL")
    assert full.findtext("company") == world.organisation.name
    assert remote.findtext("remotetype") == "Fully remote"
    assert remote.find("salary") is None
    assert remote.find("jobtype") is None
    posted = world.open.posted_at
    assert posted is not None
    assert parsedate_to_datetime(full.findtext("date") or "") == posted.replace(microsecond=0)
    # Each URL is the board's tracked link, made once: a second read gives the same codes.
    urls = [job.findtext("url") or "" for job in jobs]
    assert all(url.startswith(f"{settings.resolved_public_url}/r/") for url in urls)
    again = etree.fromstring(client.get(f"{world.base}/jobs.xml?board=indeed").content)
    assert [job.findtext("url") for job in again.findall("job")] == urls
    links = db.scalars(
        select(TrackedLink).where(TrackedLink.organisation_id == world.organisation.id)
    ).all()
    assert sorted((link.vacancy_id, link.channel) for link in links) == sorted(
        [(world.open.id, "indeed"), (world.plain.id, "indeed")]
    )
    # Another board gets links of its own.
    werk = etree.fromstring(client.get(f"{world.base}/jobs.xml?board=werk.nl").content)
    assert not {job.findtext("url") for job in werk.findall("job")} & set(urls)


def test_board_links_are_made_once(db: Session, world: World) -> None:
    ids = [world.open.id, world.plain.id]
    first = service.board_links(db, world.organisation.id, ids, "jooble")
    assert service.board_links(db, world.organisation.id, ids, "jooble") == first
    count = db.scalar(select(func.count()).where(TrackedLink.channel == "jooble"))
    assert count == 2


def test_sitemap_validates_against_the_sitemaps_org_schema(
    client: TestClient, world: World, settings: Settings
) -> None:
    response = client.get(f"{world.base}/sitemap.xml")
    assert response.status_code == 200, response.text
    document = assert_valid(schema("sitemap.xsd"), response.content)
    entries = {
        url.findtext(f"{SITEMAP_NS}loc"): url.findtext(f"{SITEMAP_NS}lastmod")
        for url in document.findall(f"{SITEMAP_NS}url")
    }
    page = f"{settings.resolved_public_url}/jobs/{world.organisation.slug}"
    assert set(entries) == {f"{page}/{world.open.id}", f"{page}/{world.plain.id}"}
    lastmod = datetime.fromisoformat(entries[f"{page}/{world.open.id}"] or "")
    assert lastmod == world.open.updated_at.replace(microsecond=0)
    # The listed pages exist.
    assert client.get(f"/jobs/{world.organisation.slug}/{world.open.id}").status_code == 200


def test_rss_and_json_feed_shapes(client: TestClient, world: World) -> None:
    rss = client.get(f"{world.base}/rss.xml?board=nationalevacaturebank")
    assert rss.status_code == 200, rss.text
    assert rss.headers["content-type"] == "application/rss+xml; charset=utf-8"
    root = etree.fromstring(rss.content)
    assert (root.tag, root.get("version")) == ("rss", "2.0")
    channel = root.find("channel")
    assert channel is not None
    for required in ("title", "link", "description"):
        assert channel.findtext(required)
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == [
        "Data engineer",
        "Developer digitale collecties",
    ]
    for item in items:
        assert "/r/" in (item.findtext("link") or "")
        assert parsedate_to_datetime(item.findtext("pubDate") or "").tzinfo is not None
        guid = item.find("guid")
        assert guid is not None
        assert guid.get("isPermaLink") == "false"
    assert items[1].findtext("guid") == f"urn:uuid:{world.open.id}"

    feed = client.get(f"{world.base}/jobs.json?board=google")
    assert feed.status_code == 200, feed.text
    assert feed.headers["content-type"] == "application/feed+json; charset=utf-8"
    body = feed.json()
    assert body["version"] == "https://jsonfeed.org/version/1.1"
    assert body["feed_url"].endswith(f"{world.base}/jobs.json?board=google")
    assert [item["id"] for item in body["items"]] == [str(world.plain.id), str(world.open.id)]
    first = body["items"][1]
    assert first["content_text"] == TRICKY
    assert "/r/" in first["url"]
    assert first["_job"]["reference"] == "KB-2026-17"
    assert first["_job"]["company"] == world.organisation.name
    assert first["_job"]["country"] == "NL"
    assert Decimal(first["_job"]["salary_max"]) == Decimal("4800.50")


def test_conditional_requests_and_closing_by_hand(
    client: TestClient, world: World, session_factory: sessionmaker[Session]
) -> None:
    url = f"{world.base}/jobs.xml?board=indeed"
    # Last-Modified is sent once the second of the last change is over.
    time.sleep(1.05)
    first = client.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert first.headers["cache-control"] == "public, no-cache"
    cached = client.get(url, headers={"If-None-Match": etag})
    assert (cached.status_code, cached.content) == (304, b"")
    assert cached.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": f'"x", W/{etag}'}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    # Another board's feed is another document.
    assert (
        client.get(
            f"{world.base}/jobs.xml?board=google", headers={"If-None-Match": etag}
        ).status_code
        == 200
    )

    with session_factory() as session:
        session.get_one(Vacancy, world.open.id).status = "closed"
        session.commit()
    fresh = client.get(url, headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.headers["etag"] != etag
    titles = [job.findtext("title") for job in etree.fromstring(fresh.content).findall("job")]
    assert titles == ["Data engineer"]
    # The closing is a change after the copy's date too (one second later at the least).
    stale = parsedate_to_datetime(modified) - timedelta(seconds=1)
    since = stale.strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert client.get(url, headers={"If-Modified-Since": since}).status_code == 200
    assert client.get(url, headers={"If-Modified-Since": "not a date"}).status_code == 200


def test_unknown_board_and_organisation(client: TestClient, world: World) -> None:
    response = client.get(f"{world.base}/jobs.xml?board=monster")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "board" in json.dumps(response.json()["errors"])
    missing = client.get("/feeds/no-such-organisation/rss.xml")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_an_organisation_without_vacancies_has_empty_feeds(client: TestClient, db: Session) -> None:
    organisation = Organisation(name=f"Leeg {uuid.uuid4().hex[:6]}")
    db.add(organisation)
    db.commit()
    xml = client.get(f"/feeds/{organisation.slug}/jobs.xml")
    assert_valid(schema("indeed.xsd"), xml.content)
    assert etree.fromstring(xml.content).findall("job") == []
    assert client.get(f"/feeds/{organisation.slug}/jobs.json").json()["items"] == []


def test_feed_link_redirects_and_counts_for_the_board(client: TestClient, world: World) -> None:
    feed = etree.fromstring(client.get(f"{world.base}/jobs.xml?board=indeed").content)
    job = next(j for j in feed.findall("job") if j.findtext("title") == world.open.title)
    code = (job.findtext("url") or "").rsplit("/", 1)[1]
    redirect = client.get(f"/r/{code}", headers=BROWSER, follow_redirects=False)
    assert redirect.status_code == 302
    target = urlsplit(redirect.headers["location"])
    assert target.path == f"/jobs/{world.organisation.slug}/{world.open.id}"
    query = parse_qs(target.query)
    assert query["utm_source"] == ["indeed"]
    assert query["tm_ref"] == [code]

    headers = bearer(world.key)
    application = client.post(
        "/v1/applications",
        json={
            "vacancy_id": str(world.open.id),
            "candidate": {"name": "Eva de Vries", "email": "eva@example.org"},
            "ref": code,
            "source": "apply_form",
            "consent": True,
        },
        headers=headers,
    )
    assert application.status_code == 201, application.text
    assert application.json()["referrer_employee_id"] is None

    funnel = client.get(f"/v1/vacancies/{world.open.id}/funnel", headers=headers).json()
    channels = {line["channel"]: line for line in funnel["channels"]}
    assert set(channels) == {"indeed"}
    assert (channels["indeed"]["clicks"], channels["indeed"]["applications"]) == (1, 1)
    credit = client.get(f"/v1/vacancies/{world.open.id}/attribution", headers=headers).json()
    assert [(c["channel"], c["applications"]) for c in credit["channels"]] == [("indeed", 1.0)]

    # Closed, the vacancy leaves the feed and its board link stops redirecting.
    client.patch(f"/v1/vacancies/{world.open.id}", json={"status": "closed"}, headers=headers)
    assert client.get(f"/r/{code}", headers=BROWSER, follow_redirects=False).status_code == 404
    feed = etree.fromstring(client.get(f"{world.base}/jobs.xml?board=indeed").content)
    assert world.open.title not in [j.findtext("title") for j in feed.findall("job")]


def test_two_first_reads_at_once_share_the_boards_links(engine: Engine) -> None:
    """Two feed requests making a board's links at the same moment: the second waits on the
    unique index for the first to commit, then uses its links (committed data, removed
    after)."""
    factory = make_session_factory(engine)
    name = f"Race {uuid.uuid4().hex[:6]}"
    with transaction(factory) as session:
        organisation = Organisation(name=name)
        session.add(organisation)
        session.flush()
        ids = []
        for title in ("Developer", "Archivaris"):
            row = Vacancy(organisation_id=organisation.id, title=title)
            session.add(row)
            session.flush()
            ids.append(row.id)
        organisation_id = organisation.id
    try:
        first = factory()
        made = service.board_links(first, organisation_id, ids, "indeed")
        result: dict[str, dict[uuid.UUID, str]] = {}

        def second() -> None:
            with transaction(factory) as session:
                result["codes"] = service.board_links(session, organisation_id, ids, "indeed")

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=1)
        assert thread.is_alive(), "the second read must wait for the first to commit"
        first.commit()
        first.close()
        thread.join(timeout=30)
        assert result["codes"] == made
        with factory() as session:
            count = session.scalar(
                select(func.count()).where(TrackedLink.organisation_id == organisation_id)
            )
        assert count == 2
    finally:
        with transaction(factory) as session:
            session.execute(delete(Organisation).where(Organisation.name == name))


def test_a_deleted_vacancy_changes_last_modified(client: TestClient, world: World) -> None:
    url = f"{world.base}/rss.xml"
    time.sleep(1.05)
    modified = client.get(url).headers["last-modified"]
    headers = bearer(world.key)
    assert client.delete(f"/v1/vacancies/{world.open.id}", headers=headers).status_code == 204
    # Its event is the change: no listed or unlisted row shows it.
    after = client.get(url, headers={"If-Modified-Since": modified})
    assert after.status_code == 200
    titles = [item.findtext("title") for item in etree.fromstring(after.content).iter("item")]
    assert titles == ["Data engineer"]
    time.sleep(1.05)
    later = client.get(url).headers["last-modified"]
    assert parsedate_to_datetime(later) > parsedate_to_datetime(modified)
    assert client.get(url, headers={"If-Modified-Since": later}).status_code == 304


def test_last_modified_waits_for_the_second_of_the_change_to_end() -> None:
    changed = datetime(2026, 12, 4, 10, 0, 0, 250_000, tzinfo=UTC)
    assert last_modified_header(changed, changed) is None
    assert last_modified_header(changed, changed.replace(microsecond=999_999)) is None
    assert (
        last_modified_header(changed, changed + timedelta(seconds=1))
        == "Fri, 04 Dec 2026 10:00:00 GMT"
    )
