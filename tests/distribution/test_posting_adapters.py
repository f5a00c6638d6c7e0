"""Each posting adapter against a local server standing in for the platform: the method,
path, headers (auth, version headers, content type) and body of every request as the
platform documents them, ids taken from the documented answers, and recorded error
answers turned into the right typed error."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from distribution.posting.adapters.base import (
    Content,
    CredentialsRejectedError,
    PermanentError,
    RateLimitedError,
    TemporaryError,
    retry_at,
)
from distribution.posting.adapters.facebook import FacebookAdapter
from distribution.posting.adapters.linkedin import LinkedInAdapter
from distribution.posting.adapters.mail import EmailAdapter
from distribution.posting.adapters.webhook import WebhookAdapter
from distribution.posting.adapters.x import XAdapter
from distribution.posting.text import render, x_length
from tests.distribution.platform import (
    FACEBOOK_INVALID_TOKEN,
    LINKEDIN_401,
    SERVER_ERROR,
    X_429,
    Platform,
    Reply,
)
from tests.distribution.smtp import SmtpServer

URL = "https://jobs.kb.example/r/AbCdEfGhIj"
CONTENT = Content(
    post_id="0193a9f0-0000-7000-8000-00000000abcd",
    title="Developer digitale collecties",
    text=f"De KB zoekt een developer digitale collecties.\n\n{URL}\n\n#vacature",
    url=URL,
    description="Python, IIIF en linked data.",
    organisation="Koninklijke Bibliotheek",
    language="nl",
)


@pytest.fixture
def platform() -> Iterator[Platform]:
    with Platform() as server:
        yield server


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


def test_linkedin_publish_update_delete_follow_the_posts_api(
    platform: Platform, http: httpx.Client
) -> None:
    adapter = LinkedInAdapter(
        http, token="li-token", author="urn:li:organization:2414183", base_url=platform.url
    )
    published = adapter.publish(CONTENT)
    assert published.platform_id == "urn:li:share:1001"
    assert published.url == "https://www.linkedin.com/feed/update/urn:li:share:1001/"
    (call,) = platform.calls()
    assert (call.method, call.path) == ("POST", "/rest/posts")
    assert call.headers["authorization"] == "Bearer li-token"
    assert len(call.headers["linkedin-version"]) == 6
    assert call.headers["linkedin-version"].isdigit()
    assert call.headers["x-restli-protocol-version"] == "2.0.0"
    assert call.headers["content-type"] == "application/json"
    assert call.json() == {
        "author": "urn:li:organization:2414183",
        "commentary": CONTENT.text,
        "visibility": "PUBLIC",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "content": {
            "article": {
                "source": URL,
                "title": "Developer digitale collecties",
                "description": "Python, IIIF en linked data.",
            }
        },
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }

    adapter.update("urn:li:share:1001", CONTENT)
    adapter.withdraw("urn:li:share:1001", CONTENT)
    update, delete = platform.calls()[1:]
    assert (update.method, update.path) == ("POST", "/rest/posts/urn%3Ali%3Ashare%3A1001")
    assert update.headers["x-restli-method"] == "PARTIAL_UPDATE"
    assert update.headers["authorization"] == "Bearer li-token"
    assert update.json() == {"patch": {"$set": {"commentary": CONTENT.text}}}
    assert (delete.method, delete.path) == ("DELETE", "/rest/posts/urn%3Ali%3Ashare%3A1001")
    assert delete.headers["x-restli-protocol-version"] == "2.0.0"


def test_linkedin_errors_are_typed(platform: Platform, http: httpx.Client) -> None:
    adapter = LinkedInAdapter(
        http, token="expired", author="urn:li:organization:1", base_url=platform.url
    )
    platform.queue("POST", "/rest/posts", LINKEDIN_401, SERVER_ERROR, Reply(422, {"message": "x"}))
    with pytest.raises(CredentialsRejectedError, match="INVALID_ACCESS_TOKEN"):
        adapter.publish(CONTENT)
    with pytest.raises(TemporaryError, match="503"):
        adapter.publish(CONTENT)
    with pytest.raises(PermanentError, match="422"):
        adapter.publish(CONTENT)
    # A post deleted already (by hand, or a retry after a lost answer) counts as deleted.
    platform.queue("DELETE", "/rest/posts/", Reply(404, {"message": "Not Found"}))
    adapter.withdraw("urn:li:share:9", CONTENT)


def test_facebook_page_feed_with_a_bearer_page_token(
    platform: Platform, http: httpx.Client
) -> None:
    adapter = FacebookAdapter(http, token="page-token", page_id="1234567890", base_url=platform.url)
    published = adapter.publish(CONTENT)
    assert published.platform_id == "1234567890_1001"
    assert published.url == "https://www.facebook.com/1234567890_1001"
    adapter.update(published.platform_id, CONTENT)
    adapter.withdraw(published.platform_id, CONTENT)
    post, update, delete = platform.calls()
    assert (post.method, post.path) == ("POST", "/v21.0/1234567890/feed")
    assert post.headers["authorization"] == "Bearer page-token"
    assert post.headers["content-type"] == "application/x-www-form-urlencoded"
    assert post.form() == {"message": CONTENT.text, "link": URL}
    # The token travels in the header only, never in the URL (access logs).
    assert "page-token" not in post.path
    assert (update.method, update.path) == ("POST", "/v21.0/1234567890_1001")
    assert update.form() == {"message": CONTENT.text}
    assert (delete.method, delete.path) == ("DELETE", "/v21.0/1234567890_1001")
    assert delete.headers["authorization"] == "Bearer page-token"


def test_facebook_errors_are_read_from_the_error_object(
    platform: Platform, http: httpx.Client
) -> None:
    adapter = FacebookAdapter(http, token="old", page_id="42", base_url=platform.url)
    throttled = Reply(
        400,
        {
            "error": {
                "message": "(#32) Page request limit reached",
                "type": "OAuthException",
                "code": 32,
            }
        },
    )
    platform.queue("POST", "/v21.0/42/feed", FACEBOOK_INVALID_TOKEN, throttled)
    with pytest.raises(CredentialsRejectedError, match="Session has expired"):
        adapter.publish(CONTENT)
    with pytest.raises(RateLimitedError):
        adapter.publish(CONTENT)


def test_x_posts_and_updates_by_deleting_and_posting_again(
    platform: Platform, http: httpx.Client
) -> None:
    adapter = XAdapter(http, token="x-user-token", handle="KB_nl", base_url=platform.url)
    published = adapter.publish(CONTENT)
    assert published.platform_id == "1001"
    assert published.url == "https://x.com/KB_nl/status/1001"
    updated = adapter.update("1001", CONTENT)
    assert updated.platform_id == "1003"
    adapter.withdraw("1003", CONTENT)
    calls = platform.calls()
    assert [(c.method, c.path) for c in calls] == [
        ("POST", "/2/tweets"),
        ("DELETE", "/2/tweets/1001"),
        ("POST", "/2/tweets"),
        ("DELETE", "/2/tweets/1003"),
    ]
    assert calls[0].headers["authorization"] == "Bearer x-user-token"
    assert calls[0].headers["content-type"] == "application/json"
    assert calls[0].json() == {"text": CONTENT.text}
    assert calls[1].headers["authorization"] == "Bearer x-user-token"


def test_x_rate_limit_waits_for_the_reset(platform: Platform, http: httpx.Client) -> None:
    reset = int((datetime.now(UTC) + timedelta(minutes=15)).timestamp())
    platform.queue(
        "POST", "/2/tweets", Reply(X_429.status, X_429.body, {"x-rate-limit-reset": str(reset)})
    )
    adapter = XAdapter(http, token="t", base_url=platform.url)
    with pytest.raises(RateLimitedError) as caught:
        adapter.publish(CONTENT)
    assert caught.value.retry_at == datetime.fromtimestamp(reset, UTC)


def test_retry_after_in_seconds_or_as_a_date_and_bounded() -> None:
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)

    def answer(**headers: str) -> httpx.Response:
        return httpx.Response(429, headers=headers)

    assert retry_at(answer(**{"retry-after": "120"}), now) == now + timedelta(seconds=120)
    later = now + timedelta(hours=2)
    assert retry_at(answer(**{"retry-after": format_datetime(later, usegmt=True)}), now) == later
    assert retry_at(answer(), now) == now + timedelta(minutes=1)
    assert retry_at(answer(**{"retry-after": "9999999"}), now) == now + timedelta(days=1)


def test_transport_failures_are_temporary(http: httpx.Client) -> None:
    adapter = XAdapter(http, token="t", base_url="http://127.0.0.1:9")
    with pytest.raises(TemporaryError, match="not reached"):
        adapter.publish(CONTENT)


def test_slack_and_teams_incoming_webhooks(platform: Platform, http: httpx.Client) -> None:
    slack = WebhookAdapter(http, style="slack", url=f"{platform.url}/hooks/slack/T0/B0/XyZ")
    teams = WebhookAdapter(http, style="teams", url=f"{platform.url}/hooks/teams/abc")
    assert slack.publish(CONTENT).platform_id == CONTENT.post_id
    teams.publish(CONTENT)
    slack.withdraw(CONTENT.post_id, CONTENT)
    teams.withdraw(CONTENT.post_id, CONTENT)
    slack_post, teams_post, slack_closed, teams_closed = platform.calls()
    assert (slack_post.method, slack_post.path) == ("POST", "/hooks/slack/T0/B0/XyZ")
    assert slack_post.headers["content-type"] == "application/json"
    body = slack_post.json()
    assert body["text"] == CONTENT.text
    assert body["blocks"][0] == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": CONTENT.text},
    }
    assert body["blocks"][1]["elements"][0]["url"] == URL
    card = teams_post.json()
    assert card["type"] == "message"
    (attachment,) = card["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["content"]["type"] == "AdaptiveCard"
    assert attachment["content"]["actions"][0] == {
        "type": "Action.OpenUrl",
        "title": "View the vacancy",
        "url": URL,
    }
    # A webhook cannot delete: the withdrawal says the vacancy closed, without the link.
    assert "closed" in slack_closed.json()["text"]
    assert URL not in slack_closed.body.decode()
    closed_card = teams_closed.json()["attachments"][0]["content"]
    assert closed_card["body"][0]["text"].startswith("Closed: ")
    assert "actions" not in closed_card


def test_generic_webhook_is_signed(platform: Platform, http: httpx.Client) -> None:
    secret = "whsec_" + base64.b64encode(b"k" * 24).decode()
    adapter = WebhookAdapter(
        http, style="webhook", url=f"{platform.url}/hooks/intranet", secret=secret
    )
    adapter.publish(CONTENT)
    (call,) = platform.calls()
    assert call.json() | {"language": "nl"} == {
        "type": "vacancy.post.published",
        "post_id": CONTENT.post_id,
        "organisation": "Koninklijke Bibliotheek",
        "title": CONTENT.title,
        "text": CONTENT.text,
        "url": URL,
        "language": "nl",
    }
    signed = f"{call.headers['webhook-id']}.{call.headers['webhook-timestamp']}.".encode()
    digest = hmac.new(b"k" * 24, signed + call.body, hashlib.sha256).digest()
    assert call.headers["webhook-signature"] == "v1," + base64.b64encode(digest).decode()
    assert call.headers["webhook-id"] == f"{CONTENT.post_id}.published"


def test_email_to_a_list_and_the_closed_note(smtp: SmtpServer) -> None:
    adapter = EmailAdapter(
        smtp_url=smtp.url,
        sender="vacatures@kb.example",
        recipients=["staf@kb.example", "alumni@kb.example"],
    )
    published = adapter.publish(CONTENT)
    adapter.withdraw(published.platform_id, CONTENT)
    first, closed = smtp.sink.received
    assert sorted(first.to) == ["alumni@kb.example", "staf@kb.example"]
    assert first.message["Subject"] == CONTENT.title
    assert first.message_id == published.platform_id
    assert URL in first.text
    assert closed.message["Subject"] == f"Closed: {CONTENT.title}"
    assert "closed" in closed.text
    assert URL not in closed.text


def test_email_without_a_mail_server_fails_visibly() -> None:
    adapter = EmailAdapter(smtp_url=None, sender="a@kb.example", recipients=["b@kb.example"])
    with pytest.raises(PermanentError, match="no mail server"):
        adapter.publish(CONTENT)


def test_x_messages_fit_280_characters_counting_links_as_23() -> None:
    long_url = "https://jobs.kb.example/r/" + "a" * 60
    text = render(
        None,
        language="en",
        title="Developer digital collections",
        organisation="Koninklijke Bibliotheek",
        city="Den Haag",
        description="You work on IIIF, linked data and Python. " * 20,
        url=long_url,
        hashtags=["vacancy", "digital heritage", "python"],
        limit=280,
        measure=x_length,
    )
    assert x_length(text) <= 280
    assert len(text) > 280  # the long link counts as 23
    assert long_url in text
    assert "#digitalheritage" in text
    assert text.startswith(
        "Koninklijke Bibliotheek is hiring: Developer digital collections (Den Haag)."
    )
    assert "…" in text


def test_the_link_survives_any_limit_and_templates_are_not_format_strings() -> None:
    common = {
        "language": "nl",
        "title": "Archivaris " * 30,
        "organisation": "Nationaal Archief",
        "city": None,
        "description": "",
        "url": URL,
        "hashtags": ["archief"],
    }
    tight = render("{title} {hashtags}", limit=60, **common)  # type: ignore[arg-type]
    assert tight.endswith(URL)
    assert len(tight) <= 60
    odd = render("{title.__class__} {unknown} {url}", limit=500, **common)  # type: ignore[arg-type]
    assert odd.startswith("{title.__class__} {unknown} ")
