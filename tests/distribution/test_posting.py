"""Posting against real PostgreSQL and a local server standing in for the platforms: the
end-to-end path (a rule, a vacancy that opens, its posts, the vacancy closed, its posts
withdrawn and gone from the feeds), the retry rules (401, 429 with Retry-After, 5xx),
reposts, expiry and deletion, and the HTTP API of channels, rules and posts."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from distribution.posting import service, worker
from models import Application, Candidate, Organisation, Post, PostingChannel, TrackedLink, Vacancy
from runtime.settings import Settings
from tests.conftest import KeyMaker, bearer
from tests.distribution.platform import (
    FACEBOOK_INVALID_TOKEN,
    LINKEDIN_401,
    SERVER_ERROR,
    X_429,
    Platform,
    Reply,
)
from tests.distribution.smtp import SmtpServer

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"}
SECRET = "whsec_" + "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5"


@pytest.fixture
def platform() -> Iterator[Platform]:
    with Platform() as server:
        yield server


@dataclass
class Org:
    id: uuid.UUID
    slug: str
    headers: dict[str, str]
    client: TestClient

    def post(self, path: str, body: Any, status: int = 201) -> Any:
        response = self.client.post(path, json=body, headers=self.headers)
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    def get(self, path: str, status: int = 200) -> Any:
        response = self.client.get(path, headers=self.headers)
        assert response.status_code == status, response.text
        return response.json()

    def patch(self, path: str, body: Any, status: int = 200) -> Any:
        response = self.client.patch(path, json=body, headers=self.headers)
        assert response.status_code == status, response.text
        return response.json()


@pytest.fixture
def org(client: TestClient, make_key: KeyMaker, db: Session) -> Org:
    name = f"Koninklijke Bibliotheek {uuid.uuid4().hex[:6]}"
    key = make_key(org=name)
    organisation = db.scalars(select(Organisation).where(Organisation.name == name)).one()
    return Org(organisation.id, organisation.slug, bearer(key), client)


@pytest.fixture
def work(session_factory: sessionmaker[Session], settings: Settings, smtp: SmtpServer) -> Any:
    """Run the posting worker (what the ``distribution.posting.run`` task does) on the
    test's transaction."""
    config = worker.Settings(
        public_url=settings.resolved_public_url,
        smtp_url=smtp.url,
        smtp_from="vacatures@kb.example",
        timeout=5,
        allow_private=True,
    )

    def run(now: datetime | None = None) -> int:
        made, more = worker.run(session_factory, config, now=now)
        assert not more
        return made

    return run


def channels(org: Org, platform: Platform) -> dict[str, str]:
    """One channel of every kind, each pointing at the local server; returns kind -> id."""
    specs: list[dict[str, Any]] = [
        {
            "kind": "linkedin",
            "config": {"author": "urn:li:organization:2414183", "api_base_url": platform.url},
            "credentials": {"access_token": "li-secret-token"},
        },
        {
            "kind": "facebook",
            "config": {"page_id": "1234567890", "api_base_url": platform.url},
            "credentials": {"access_token": "fb-secret-token"},
        },
        {
            "kind": "x",
            "config": {"handle": "KB_nl", "api_base_url": platform.url, "language": "en"},
            "credentials": {"access_token": "x-secret-token"},
        },
        {"kind": "slack", "credentials": {"webhook_url": f"{platform.url}/hooks/slack/T/B/sec"}},
        {"kind": "teams", "credentials": {"webhook_url": f"{platform.url}/hooks/teams/sec"}},
        {
            "kind": "webhook",
            "config": {"url": f"{platform.url}/hooks/intranet"},
            "credentials": {"secret": SECRET},
        },
        {"kind": "email", "config": {"recipients": ["staf@kb.example"]}},
    ]
    made = {}
    for spec in specs:
        body = org.post("/v1/posting/channels", {"name": f"KB {spec['kind']}", **spec})
        assert body["usable"] is True
        made[spec["kind"]] = body["id"]
    return made


def vacancy_body(title: str = "Developer digitale collecties") -> dict[str, Any]:
    return {
        "title": title,
        "description": "Je werkt met Python, IIIF en linked data aan de collecties.",
        "location": {"city": "Den Haag", "country": "NL"},
        "language": "nl",
    }


def posts(org: Org, vacancy_id: str) -> dict[str, dict[str, Any]]:
    return {p["channel_kind"]: p for p in org.get(f"/v1/vacancies/{vacancy_id}/posts")["data"]}


def test_open_post_close_withdraw_end_to_end(
    org: Org, platform: Platform, smtp: SmtpServer, work: Any, db: Session, settings: Settings
) -> None:
    kinds = channels(org, platform)
    rule = org.post(
        "/v1/posting/rules",
        {
            "name": "Nieuwe vacatures",
            "channels": [
                {"channel_id": channel_id, "hashtags": ["vacature", "digital heritage"]}
                for channel_id in kinds.values()
            ],
        },
    )
    assert rule["on_open"] is True

    vacancy = org.post("/v1/vacancies", vacancy_body())
    scheduled = posts(org, vacancy["id"])
    assert set(scheduled) == set(kinds)
    assert {p["status"] for p in scheduled.values()} == {"scheduled"}

    assert work() == 7
    published = posts(org, vacancy["id"])
    assert {p["status"] for p in published.values()} == {"published"}
    assert published["linkedin"]["platform_id"].startswith("urn:li:share:")
    assert published["facebook"]["platform_id"].startswith("1234567890_")
    assert published["x"]["platform_url"].startswith("https://x.com/KB_nl/status/")
    # Every post carries its channel's own tracked link.
    urls = {kind: p["url"] for kind, p in published.items()}
    public = settings.resolved_public_url
    assert all(url.startswith(f"{public}/r/") for url in urls.values())
    assert len(set(urls.values())) == 7
    assert all(urls[kind] in published[kind]["text"] for kind in kinds)
    links = db.scalars(
        select(TrackedLink.channel).where(TrackedLink.vacancy_id == uuid.UUID(vacancy["id"]))
    ).all()
    assert sorted(links) == sorted(
        ["linkedin_page", "facebook_page", "x_account", "slack", "teams", "webhook", "mailing_list"]
    )
    # The messages: Dutch by the vacancy, English where the channel says so, hashtags.
    assert published["linkedin"]["text"].startswith("Koninklijke Bibliotheek")
    assert "zoekt: Developer digitale collecties (Den Haag)" in published["linkedin"]["text"]
    assert "is hiring: Developer digitale collecties" in published["x"]["text"]
    assert "#digitalheritage" in published["facebook"]["text"]

    linkedin_post = platform.calls("POST", "/rest/posts")[0]
    assert linkedin_post.headers["authorization"] == "Bearer li-secret-token"
    assert linkedin_post.json()["content"]["article"]["source"] == urls["linkedin"]
    assert platform.calls("POST", "/v21.0/1234567890/feed")[0].form()["link"] == urls["facebook"]
    assert platform.calls("POST", "/2/tweets")[0].json()["text"] == published["x"]["text"]
    assert len(platform.calls("POST", "/hooks/")) == 3
    (mail,) = smtp.sink.received
    assert urls["email"] in mail.text

    feed = org.client.get(f"/feeds/{org.slug}/jobs.xml?board=indeed")
    assert "Developer digitale collecties" in feed.text

    # Someone follows the LinkedIn post and applies: the funnel and attribution show the
    # organisation's own LinkedIn page as the channel.
    code = urls["linkedin"].rsplit("/", 1)[1]
    followed = org.client.get(f"/r/{code}", headers=BROWSER, follow_redirects=False)
    assert followed.status_code == 302
    assert "utm_source=linkedin_page" in followed.headers["location"]
    org.post(
        "/v1/applications",
        {
            "vacancy_id": vacancy["id"],
            "candidate": {"name": "Eva de Vries", "email": f"eva.{code}@example.org"},
            "ref": code,
            "consent": True,
        },
    )
    funnel = org.get(f"/v1/vacancies/{vacancy['id']}/funnel")
    lines = {line["channel"]: line for line in funnel["channels"]}
    assert (lines["linkedin_page"]["clicks"], lines["linkedin_page"]["applications"]) == (1, 1)
    credit = org.get(f"/v1/vacancies/{vacancy['id']}/attribution")
    assert [(c["channel"], c["applications"]) for c in credit["channels"]] == [
        ("linkedin_page", 1.0)
    ]

    org.patch(f"/v1/vacancies/{vacancy['id']}", {"status": "closed"})
    assert {p["status"] for p in posts(org, vacancy["id"]).values()} == {"withdrawing"}
    assert work() == 7
    withdrawn = posts(org, vacancy["id"])
    assert {p["status"] for p in withdrawn.values()} == {"withdrawn"}
    deletes = {(c.method, c.path) for c in platform.calls("DELETE")}
    linkedin_urn = published["linkedin"]["platform_id"].replace(":", "%3A")
    assert deletes == {
        ("DELETE", f"/rest/posts/{linkedin_urn}"),
        ("DELETE", f"/v21.0/{published['facebook']['platform_id']}"),
        ("DELETE", f"/2/tweets/{published['x']['platform_id']}"),
    }
    hooks = platform.calls("POST", "/hooks/")[3:]
    assert len(hooks) == 3
    assert "closed" in hooks[0].json()["text"]  # Slack
    assert hooks[2].json()["type"] == "vacancy.post.withdrawn"  # intranet
    assert smtp.sink.received[-1].message["Subject"].startswith("Closed: ")

    feed = org.client.get(f"/feeds/{org.slug}/jobs.xml?board=indeed")
    assert feed.status_code == 200
    assert "Developer digitale collecties" not in feed.text
    # Nothing more is due.
    assert work() == 0
    # Opened again: a new round on every channel, on the same tracked links.
    org.patch(f"/v1/vacancies/{vacancy['id']}", {"status": "open"})
    rounds = org.get(f"/v1/vacancies/{vacancy['id']}/posts")["data"]
    assert (
        sorted((p["round"], p["status"]) for p in rounds)
        == [(1, "withdrawn")] * 7 + [(2, "scheduled")] * 7
    )
    assert work() == 7
    again = {
        p["channel_kind"]: p
        for p in org.get(f"/v1/vacancies/{vacancy['id']}/posts")["data"]
        if p["round"] == 2
    }
    assert {kind: p["url"] for kind, p in again.items()} == urls


def _channel(db: Session, org: Org, platform: Platform, kind: str, **config: Any) -> PostingChannel:
    credentials = {"access_token": f"{kind}-token"}
    channel = PostingChannel(
        organisation_id=org.id,
        kind=kind,
        name=f"{kind} {uuid.uuid4().hex[:4]}",
        config={"api_base_url": platform.url, **config},
        credentials=credentials,
    )
    db.add(channel)
    db.flush()
    return channel


def _vacancy(db: Session, org: Org, title: str = "Archivaris") -> Vacancy:
    vacancy = Vacancy(organisation_id=org.id, title=title, description="Archieven.", language="nl")
    db.add(vacancy)
    db.flush()
    return vacancy


def _post(session_factory: sessionmaker[Session], post_id: uuid.UUID) -> Post:
    with session_factory() as session:
        return session.get_one(Post, post_id)


def test_rejected_credentials_fail_visibly_without_retry(
    org: Org, platform: Platform, db: Session, session_factory: sessionmaker[Session], work: Any
) -> None:
    channel = _channel(db, org, platform, "linkedin", author="urn:li:organization:1")
    vacancy = _vacancy(db, org)
    (post,) = service.publish(db, org.id, vacancy.id, [channel.id])
    db.commit()
    platform.queue("POST", "/rest/posts", LINKEDIN_401)

    assert work() == 1
    failed = _post(session_factory, post.id)
    assert failed.status == "failed"
    assert failed.attempts == 1
    assert failed.next_attempt_at is None
    assert "401" in (failed.last_error or "")
    shown = org.get(f"/v1/posting/channels/{channel.id}")
    assert "INVALID_ACCESS_TOKEN" in shown["last_error"]
    listed = org.get(f"/v1/vacancies/{vacancy.id}/posts")["data"][0]
    assert listed["status"] == "failed"
    assert "INVALID_ACCESS_TOKEN" in listed["last_error"]
    # Not tried again, however long we wait.
    assert work(datetime.now(UTC) + timedelta(days=2)) == 0
    assert len(platform.calls()) == 1
    # New credentials clear the channel's error.
    org.patch(f"/v1/posting/channels/{channel.id}", {"credentials": {"access_token": "new"}})
    assert org.get(f"/v1/posting/channels/{channel.id}")["last_error"] is None


def test_facebook_expired_token_is_a_credentials_error(
    org: Org, platform: Platform, db: Session, session_factory: sessionmaker[Session], work: Any
) -> None:
    channel = _channel(db, org, platform, "facebook", page_id="42")
    (post,) = service.publish(db, org.id, _vacancy(db, org).id, [channel.id])
    db.commit()
    platform.queue("POST", "/v21.0/42/feed", FACEBOOK_INVALID_TOKEN)
    work()
    assert _post(session_factory, post.id).status == "failed"
    with session_factory() as session:
        assert "Session has expired" in (
            session.get_one(PostingChannel, channel.id).last_error or ""
        )


def test_rate_limit_is_retried_at_retry_after(
    org: Org, platform: Platform, db: Session, session_factory: sessionmaker[Session], work: Any
) -> None:
    channel = _channel(db, org, platform, "x")
    (post,) = service.publish(db, org.id, _vacancy(db, org).id, [channel.id])
    db.commit()
    platform.queue("POST", "/2/tweets", Reply(429, X_429.body, {"Retry-After": "120"}))
    before = datetime.now(UTC)
    work()
    waiting = _post(session_factory, post.id)
    assert waiting.status == "scheduled"
    assert waiting.attempts == 0  # a rate limit is no failed attempt
    assert waiting.next_attempt_at is not None
    assert before + timedelta(seconds=119) <= waiting.next_attempt_at
    assert waiting.next_attempt_at <= datetime.now(UTC) + timedelta(seconds=121)
    assert "429" in (waiting.last_error or "")
    assert work(before + timedelta(seconds=60)) == 0
    assert work(before + timedelta(seconds=130)) == 1
    done = _post(session_factory, post.id)
    assert done.status == "published"
    assert done.platform_id == "1001"
    assert done.last_error is None


def test_server_errors_back_off_then_fail_visibly(
    org: Org, platform: Platform, db: Session, session_factory: sessionmaker[Session], work: Any
) -> None:
    channel = _channel(db, org, platform, "facebook", page_id="77")
    (post,) = service.publish(db, org.id, _vacancy(db, org).id, [channel.id])
    db.commit()
    platform.queue("POST", "/v21.0/77/feed", *[SERVER_ERROR] * worker.MAX_ATTEMPTS)
    now = datetime.now(UTC)
    waits = []
    for attempt in range(1, worker.MAX_ATTEMPTS):
        assert work(now) == 1
        state = _post(session_factory, post.id)
        assert (state.status, state.attempts) == ("scheduled", attempt)
        assert state.next_attempt_at is not None
        waits.append(state.next_attempt_at - now)
        assert work(now) == 0  # not before its time
        now = state.next_attempt_at
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert work(now) == 1
    failed = _post(session_factory, post.id)
    assert (failed.status, failed.attempts) == ("failed", worker.MAX_ATTEMPTS)
    assert "503" in (failed.last_error or "")
    assert len(platform.calls()) == worker.MAX_ATTEMPTS


def test_repost_after_n_days_below_m_applications(
    org: Org, platform: Platform, db: Session, session_factory: sessionmaker[Session], work: Any
) -> None:
    channel = _channel(db, org, platform, "x")
    org.post(
        "/v1/posting/rules",
        {
            "name": "Herhalen",
            "channels": [{"channel_id": str(channel.id)}],
            "repost_after_days": 7,
            "repost_below_applications": 2,
            "max_rounds": 2,
        },
    )
    quiet = _vacancy(db, org, "Archivaris")
    popular = _vacancy(db, org, "Conservator")
    start = datetime.now(UTC)
    service.vacancy_written(db, quiet, None, now=start)
    service.vacancy_written(db, popular, None, now=start)
    for index in range(2):
        candidate = Candidate(organisation_id=org.id, name=f"Kandidaat {index}")
        db.add(candidate)
        db.flush()
        db.add(
            Application(organisation_id=org.id, vacancy_id=popular.id, candidate_id=candidate.id)
        )
    db.commit()
    assert work(start) == 2

    with session_factory() as session:
        assert service.sweep(session, start + timedelta(days=6)) == (0, 0)
        assert service.sweep(session, start + timedelta(days=8)) == (0, 1)
        session.commit()
    assert work(start + timedelta(days=8)) == 1
    rounds = {(p["round"], p["status"]) for p in org.get(f"/v1/vacancies/{quiet.id}/posts")["data"]}
    assert rounds == {(1, "published"), (2, "published")}
    assert len(org.get(f"/v1/vacancies/{popular.id}/posts")["data"]) == 1
    # The rule allows two rounds: no third.
    with session_factory() as session:
        assert service.sweep(session, start + timedelta(days=30)) == (0, 0)


def test_expired_and_deleted_vacancies_are_withdrawn(
    org: Org, platform: Platform, db: Session, session_factory: sessionmaker[Session], work: Any
) -> None:
    channel = _channel(db, org, platform, "x")
    expiring = _vacancy(db, org, "Archivaris")
    expiring.valid_through = datetime.now(UTC) + timedelta(days=1)
    deleted = _vacancy(db, org, "Conservator")
    (first,) = service.publish(db, org.id, expiring.id, [channel.id])
    (second,) = service.publish(db, org.id, deleted.id, [channel.id])
    db.commit()
    assert work() == 2
    org.client.delete(f"/v1/vacancies/{deleted.id}", headers=org.headers)
    later = datetime.now(UTC) + timedelta(days=2)
    with session_factory() as session:
        assert service.sweep(session, later) == (1, 0)
        session.commit()
    assert work(later) == 2
    for post_id in (first.id, second.id):
        assert _post(session_factory, post_id).status == "withdrawn"
    assert _post(session_factory, second.id).vacancy_id is None
    assert len(platform.calls("DELETE", "/2/tweets/")) == 2


def test_channel_api_keeps_secrets_write_only(org: Org, platform: Platform) -> None:
    created = org.post(
        "/v1/posting/channels",
        {
            "kind": "facebook",
            "name": "KB Facebook",
            "config": {"page_id": "1234567890", "api_base_url": platform.url},
            "credentials": {"access_token": "EAAB-very-secret"},
        },
    )
    assert created["credentials_set"] == ["access_token"]
    assert created["usable"] is True
    assert "EAAB-very-secret" not in str(created)
    listed = org.get("/v1/posting/channels")["data"]
    assert [c["id"] for c in listed] == [created["id"]]
    assert "EAAB-very-secret" not in str(listed)
    # Removing the token makes the channel unusable, and says what is missing.
    changed = org.patch(
        f"/v1/posting/channels/{created['id']}", {"credentials": {"access_token": ""}}
    )
    assert changed["usable"] is False
    assert changed["missing_credentials"] == ["access_token"]

    bad = org.client.post(
        "/v1/posting/channels",
        json={"kind": "linkedin", "name": "Fout", "config": {"author": "KB", "colour": "red"}},
        headers=org.headers,
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    fields = {error["field"] for error in bad.json()["errors"]}
    assert {"config.author", "config.colour"} <= fields
    duplicate = org.client.post(
        "/v1/posting/channels",
        json={"kind": "email", "name": "KB Facebook", "config": {"recipients": ["a@kb.example"]}},
        headers=org.headers,
    )
    assert duplicate.status_code == 409


def test_rules_and_manual_posting_api(
    org: Org, platform: Platform, client: TestClient, make_key: KeyMaker, work: Any
) -> None:
    channel = org.post(
        "/v1/posting/channels",
        {
            "kind": "x",
            "name": "KB op X",
            "config": {"api_base_url": platform.url},
            "credentials": {"access_token": "x-token"},
        },
    )
    other = bearer(make_key(org=f"Nationaal Archief {uuid.uuid4().hex[:6]}"))
    rule = org.post(
        "/v1/posting/rules",
        {
            "name": "Alles",
            "on_open": False,
            "channels": [
                {
                    "channel_id": channel["id"],
                    "template": "{title}: {url} {hashtags}",
                    "hashtags": ["baan"],
                    "language": "nl",
                }
            ],
        },
    )
    assert org.get(f"/v1/posting/rules/{rule['id']}") == rule
    assert client.get(f"/v1/posting/rules/{rule['id']}", headers=other).status_code == 404
    changed = client.patch(
        f"/v1/posting/rules/{rule['id']}",
        json={
            "on_open": True,
            "channels": [{"channel_id": channel["id"]}],
            "repost_after_days": 3,
            "repost_below_applications": 1,
        },
        headers=org.headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["channels"][0]["template"] is None
    assert changed.json()["name"] == "Alles"
    # Half a repost condition is refused, naming the problem.
    unpaired = client.patch(
        f"/v1/posting/rules/{rule['id']}", json={"repost_after_days": None}, headers=org.headers
    )
    assert unpaired.status_code == 422, unpaired.text
    half = client.post(
        "/v1/posting/rules",
        json={"name": "Half", "channels": [{"channel_id": channel["id"]}], "repost_after_days": 3},
        headers=org.headers,
    )
    assert half.status_code == 422
    foreign = client.post(
        "/v1/posting/rules",
        json={"name": "Vreemd", "channels": [{"channel_id": channel["id"]}]},
        headers=other,
    )
    assert foreign.status_code == 404

    vacancy = org.post("/v1/vacancies", vacancy_body("Docent informatica"))
    # The rule now posts on open; a second request by hand changes nothing.
    listed = org.post(f"/v1/vacancies/{vacancy['id']}/posts/{channel['id']}", None, 202)
    assert [p["status"] for p in listed["data"]] == ["scheduled"]
    foreign_post = client.post(
        f"/v1/vacancies/{vacancy['id']}/posts/{channel['id']}", headers=other
    )
    assert foreign_post.status_code == 404
    work()
    withdrawn = client.delete(f"/v1/vacancies/{vacancy['id']}/posts", headers=org.headers)
    assert withdrawn.status_code == 202, withdrawn.text
    assert [p["status"] for p in withdrawn.json()["data"]] == ["withdrawing"]
    # A channel with a post that may still be live cannot be deleted.
    deleting = client.delete(f"/v1/posting/channels/{channel['id']}", headers=org.headers)
    assert deleting.status_code == 409
    work()
    assert org.get(f"/v1/vacancies/{vacancy['id']}/posts")["data"][0]["status"] == "withdrawn"
    # Posted again by hand: a new round on the same tracked link.
    again = org.post(f"/v1/vacancies/{vacancy['id']}/posts/{channel['id']}", None, 202)["data"]
    assert [(p["round"], p["status"]) for p in again] == [(1, "withdrawn"), (2, "scheduled")]
    work()
    again = org.get(f"/v1/vacancies/{vacancy['id']}/posts")["data"]
    assert again[0]["url"] == again[1]["url"]
    one = client.delete(f"/v1/vacancies/{vacancy['id']}/posts/{channel['id']}", headers=org.headers)
    assert one.status_code == 202
    work()
    assert client.delete(f"/v1/posting/rules/{rule['id']}", headers=org.headers).status_code == 204
    gone = client.delete(f"/v1/posting/channels/{channel['id']}", headers=org.headers)
    assert gone.status_code == 204


def test_a_new_title_edits_the_published_posts(
    org: Org, platform: Platform, db: Session, work: Any
) -> None:
    linkedin = _channel(db, org, platform, "linkedin", author="urn:li:organization:9")
    x = _channel(db, org, platform, "x")
    db.commit()
    vacancy = org.post("/v1/vacancies", vacancy_body("Archivaris"))
    for channel in (linkedin, x):
        org.post(f"/v1/vacancies/{vacancy['id']}/posts/{channel.id}", None, 202)
    assert work() == 2
    before = posts(org, vacancy["id"])

    org.patch(f"/v1/vacancies/{vacancy['id']}", {"title": "Senior archivaris"})
    assert {p["status"] for p in posts(org, vacancy["id"]).values()} == {"updating"}
    assert work() == 2
    after = posts(org, vacancy["id"])
    assert {p["status"] for p in after.values()} == {"published"}
    urn = before["linkedin"]["platform_id"]
    (update,) = platform.calls("POST", "/rest/posts/")
    assert update.path == "/rest/posts/" + urn.replace(":", "%3A")
    assert update.headers["x-restli-method"] == "PARTIAL_UPDATE"
    assert "Senior archivaris" in update.json()["patch"]["$set"]["commentary"]
    assert after["linkedin"]["platform_id"] == urn
    # X cannot edit: the old post is deleted and the new one's id stored.
    assert [c.path for c in platform.calls("DELETE")] == [f"/2/tweets/{before['x']['platform_id']}"]
    assert after["x"]["platform_id"] != before["x"]["platform_id"]
    assert "Senior archivaris" in after["x"]["text"]
    # Unchanged vacancies leave their posts alone.
    org.patch(f"/v1/vacancies/{vacancy['id']}", {"description": "Nieuw."})
    assert {p["status"] for p in posts(org, vacancy["id"]).values()} == {"published"}


def test_posts_that_cannot_be_sent_fail_visibly(
    org: Org, platform: Platform, db: Session, session_factory: sessionmaker[Session], work: Any
) -> None:
    # A LinkedIn channel without its author (written around the API's checks) and an X
    # channel whose token was removed after its post was scheduled.
    broken = _channel(db, org, platform, "linkedin")
    emptied = _channel(db, org, platform, "x")
    vacancy = _vacancy(db, org)
    first, second = service.publish(db, org.id, vacancy.id, [broken.id, emptied.id])
    emptied.credentials = {}
    db.commit()
    assert work() == 2
    assert platform.calls() == []
    failed = _post(session_factory, first.id)
    assert (failed.status, failed.last_error) == ("failed", "publish: internal error: KeyError")
    failed = _post(session_factory, second.id)
    assert failed.status == "failed"
    assert failed.last_error == "publish: the channel has no access_token configured"
    shown = org.get(f"/v1/posting/channels/{emptied.id}")
    assert shown["usable"] is False
    assert shown["last_error"] == failed.last_error
