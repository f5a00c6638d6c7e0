"""Tracked links in the domain: codes, bot detection, share texts and intent URLs, root
links, reshare chains and the redirect target."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from distribution.links import service
from distribution.links.bots import is_bot
from distribution.links.clicks import ClickBuffer
from distribution.links.codes import CODE_LENGTH, is_code, new_code, visitor_key
from distribution.links.repository import Target
from distribution.links.share import (
    DEFAULT_CALL_TO_ACTION,
    LIMITS,
    X_URL_WEIGHT,
    intent_url,
    share_subject,
    share_text,
    share_urls,
    truncate,
)
from models import Campaign, Click, Employee, Organisation, TrackedLink, Vacancy

URL = "https://jobs.example.org/r/Ab3dE-g_9K"
SECRET = "test-secret-key-that-is-long-enough-0123456789"
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


# --- data --------------------------------------------------------------------------------


@dataclass
class Seed:
    organisation: Organisation
    employee: Employee
    vacancy: Vacancy
    campaign: Campaign
    link: TrackedLink


def seed(
    db: Session,
    *,
    title: str = "Developer digitale collecties",
    apply_url: str | None = "https://werkenbij.example.org/vacatures/17?lang=nl",
    status: str = "open",
    org: str = "Koninklijke Bibliotheek",
    channel: str = "linkedin",
) -> Seed:
    """An organisation, an employee, a vacancy, a campaign and the employee's campaign link."""
    organisation = Organisation(name=f"{org} {uuid.uuid4().hex[:6]}")
    db.add(organisation)
    db.flush()
    employee = Employee(
        organisation_id=organisation.id, name="Anna de Vries", email="anna@kb.example.org"
    )
    vacancy = Vacancy(
        organisation_id=organisation.id,
        title=title,
        description="Je maakt de digitale collecties toegankelijk.\n\nPython en Linked Data.",
        apply_url=apply_url,
        status=status,
        location_city="Den Haag",
        location_country="NL",
    )
    db.add_all([employee, vacancy])
    db.flush()
    campaign = Campaign(
        organisation_id=organisation.id,
        vacancy_id=vacancy.id,
        audience={"type": "all"},
        channels=[channel],
    )
    db.add(campaign)
    db.flush()
    link = service.ensure_link(
        db,
        organisation_id=organisation.id,
        vacancy_id=vacancy.id,
        channel=channel,  # type: ignore[arg-type]
        campaign_id=campaign.id,
        employee_id=employee.id,
    )
    db.commit()
    return Seed(organisation, employee, vacancy, campaign, link)


def visit(user_agent: str = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0") -> service.Visit:
    return service.Visit(ip="192.0.2.10", user_agent=user_agent, at=NOW)


# --- codes -------------------------------------------------------------------------------


def test_codes_are_url_safe_unguessable_and_distinct() -> None:
    codes = {new_code() for _ in range(1000)}
    assert len(codes) == 1000
    assert all(len(code) == CODE_LENGTH and is_code(code) for code in codes)


@pytest.mark.parametrize(
    "value", ["short7x", "has space1", "slash/in/it", "a" * 33, "ünïcodeéé", "abcdefgh\n", ""]
)
def test_malformed_codes_are_rejected(value: str) -> None:
    assert not is_code(value)


def test_visitor_key_hides_the_address_and_changes_daily() -> None:
    first = visitor_key(SECRET, "192.0.2.10", "Firefox", date(2026, 11, 23))
    assert len(first) == 32
    assert "192" not in first
    assert first == visitor_key(SECRET, "192.0.2.10", "Firefox", date(2026, 11, 23))
    assert first != visitor_key(SECRET, "192.0.2.10", "Firefox", date(2026, 11, 24))
    assert first != visitor_key(SECRET, "192.0.2.10", "Chrome", date(2026, 11, 23))
    assert first != visitor_key("another-secret", "192.0.2.10", "Firefox", date(2026, 11, 23))


# --- bots --------------------------------------------------------------------------------

BOTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Twitterbot/1.0",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "WhatsApp/2.23.20.0 A",
    "TelegramBot (like TwitterBot)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (KHTML, like Gecko) Applebot/0.1",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) SkypeUriPreview Preview/0.5",
    "python-requests/2.32.3",
    "curl/8.5.0",
    "Wget/1.21.4",
    "Go-http-client/1.1",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/126.0 Safari/537.36",
    "Mozilla/5.0 (compatible; SomeNewCrawler/0.9)",
    "Mozilla/5.0 (compatible; ExampleBot/1.0; +https://example.org/bot)",
    "",
    "   ",
]
PEOPLE = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/138.0.0.0 Mobile Safari/537.36",
    # A phone named CUBOT and the in-app browsers of LinkedIn and Facebook are people.
    "Mozilla/5.0 (Linux; Android 9; CUBOT P30) AppleWebKit/537.36 Chrome/120.0 Mobile",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 [LinkedInApp]",
    "Mozilla/5.0 (iPhone) Mobile/15E148 [FBAN/FBIOS;FBAV/440.0;FBBV/1]",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Edg/138.0.0.0",
]


@pytest.mark.parametrize("user_agent", BOTS)
def test_known_bots(user_agent: str) -> None:
    assert is_bot(user_agent)


@pytest.mark.parametrize("user_agent", PEOPLE)
def test_browsers_are_people(user_agent: str) -> None:
    assert not is_bot(user_agent)


# --- share texts -------------------------------------------------------------------------

HEADLINE = "KB is hiring: Developer digitale collecties."


def test_default_share_texts_per_channel() -> None:
    expected_paragraphs = f"{HEADLINE}\n\n{DEFAULT_CALL_TO_ACTION}\n\n{URL}"
    for channel in ("linkedin", "facebook", "whatsapp", "email", "intranet", "direct"):
        text = share_text(
            channel, title="Developer digitale collecties", organisation="KB", url=URL
        )
        assert text == expected_paragraphs, channel
    x = share_text("x", title="Developer  digitale\ncollecties", organisation="KB", url=URL)
    assert x == f"{HEADLINE} {DEFAULT_CALL_TO_ACTION} {URL}"


def test_own_message_replaces_the_call_to_action() -> None:
    text = share_text(
        "whatsapp",
        title="Archivaris",
        organisation="Stadsarchief",
        url=URL,
        message=" Ken jij iemand? ",
    )
    assert text == f"Stadsarchief is hiring: Archivaris.\n\nKen jij iemand?\n\n{URL}"
    shout = share_text("direct", title="Archivaris!", organisation="KB", url=URL, message="Hoi")
    assert shout == f"KB is hiring: Archivaris!\n\nHoi\n\n{URL}"


def x_length(text: str) -> int:
    """X's count: the link as 23, characters outside Latin and punctuation as 2."""
    rest = text.replace(URL, "")
    weights = sum(1 if ord(c) <= 4351 or 8208 <= ord(c) <= 8223 else 2 for c in rest)
    return weights + X_URL_WEIGHT * text.count(URL)


def test_x_text_is_cut_on_a_word_boundary_and_keeps_the_link() -> None:
    message = " ".join(f"word{i}" for i in range(100))
    text = share_text("x", title="Archivaris", organisation="KB", url=URL, message=message)
    assert text.endswith(f"… {URL}")
    assert text.startswith("KB is hiring: Archivaris. word0 word1 ")
    assert x_length(text) <= 280
    # The cut is at a word boundary: the word before the ellipsis is whole.
    last_word = text.removesuffix(f"… {URL}").split(" ")[-1]
    assert last_word in message.split(" ")
    # One more word would not have fitted.
    next_word = message.split(" ")[message.split(" ").index(last_word) + 1]
    longer = text.replace(f"{last_word}…", f"{last_word} {next_word}…")
    assert x_length(longer) > 280


def test_x_counts_wide_characters_twice() -> None:
    message = "求人" * 200
    text = share_text("x", title="A", organisation="B", url=URL, message=message)
    assert x_length(text) <= 280
    assert text.endswith(f"… {URL}")


def test_long_message_on_linkedin_stops_at_3000_characters() -> None:
    message = "Wij zoeken een collega. " * 200
    text = share_text("linkedin", title="Archivaris", organisation="KB", url=URL, message=message)
    # 3,000 less headline and link leave 2,934 characters: 122 whole sentences and one word.
    cut = "Wij zoeken een collega. " * 122 + "Wij…"
    assert text == f"KB is hiring: Archivaris.\n\n{cut}\n\n{URL}"
    assert len(text) == 2998


def test_headline_is_cut_when_the_title_alone_is_too_long() -> None:
    title = "Medewerker " * 60
    text = share_text("intranet", title=title, organisation="KB", url=URL)
    assert len(text) <= 500
    assert text.endswith(f"Medewerker…\n\n{URL}")
    assert DEFAULT_CALL_TO_ACTION not in text


def test_truncate_cuts_inside_a_word_only_when_it_must() -> None:
    assert truncate("short enough", 12) == "short enough"
    assert truncate("hello wide world", 12) == "hello wide…"
    assert truncate("hello, world", 8) == "hello…"
    assert truncate("Rijksmuseumdirecteur", 6) == "Rijks…"
    assert truncate("anything", 0) == ""


def test_unknown_channel_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown share channel 'myspace'"):
        share_text("myspace", title="A", organisation="B", url=URL)
    with pytest.raises(ValueError, match="unknown share channel"):
        intent_url("myspace", url=URL, text="", subject="")


# --- intent URLs -------------------------------------------------------------------------

ENCODED_URL = "https%3A%2F%2Fjobs.example.org%2Fr%2FAb3dE-g_9K"


def test_intent_urls_per_channel() -> None:
    text = share_text("x", title="R&D #1", organisation="KB", url=URL)
    assert intent_url("linkedin", url=URL, text=text, subject="s") == (
        f"https://www.linkedin.com/sharing/share-offsite/?url={ENCODED_URL}"
    )
    assert intent_url("facebook", url=URL, text=text, subject="s") == (
        f"https://www.facebook.com/sharer/sharer.php?u={ENCODED_URL}"
    )
    assert intent_url("x", url=URL, text=text, subject="s") == (
        "https://twitter.com/intent/tweet?text=KB%20is%20hiring%3A%20R%26D%20%231."
        "%20Know%20someone%20who%20would%20fit%3F%20Have%20a%20look%20and%20pass%20it%20on."
        f"&url={ENCODED_URL}"
    )
    whatsapp = share_text("whatsapp", title="R&D", organisation="KB", url=URL, message="Hé 👋")
    assert intent_url("whatsapp", url=URL, text=whatsapp, subject="s") == (
        "https://wa.me/?text=KB%20is%20hiring%3A%20R%26D.%0A%0AH%C3%A9%20%F0%9F%91%8B"
        f"%0A%0A{ENCODED_URL}"
    )
    assert intent_url("intranet", url=URL, text=text, subject="s") == URL
    assert intent_url("direct", url=URL, text=text, subject="s") == URL


def test_mailto_encodes_per_rfc_6068() -> None:
    body = share_text(
        "email", title="A+B", organisation="KB", url=URL, message="Line one\nLine two"
    )
    mailto = intent_url("email", url=URL, text=body, subject="Vacancy: A+B & more?")
    assert mailto == (
        "mailto:?subject=Vacancy%3A%20A%2BB%20%26%20more%3F"
        "&body=KB%20is%20hiring%3A%20A%2BB.%0D%0A%0D%0ALine%20one%0D%0ALine%20two"
        f"%0D%0A%0D%0A{ENCODED_URL}"
    )
    assert "+" not in mailto


def test_email_subject_is_at_most_78_characters() -> None:
    subject = share_subject(title="Projectleider " * 10, organisation="KB")
    assert len(subject) <= 78
    assert subject.startswith("Vacancy: Projectleider Projectleider")
    assert subject.endswith("Projectleider…")
    assert share_subject(title="Archivaris", organisation="KB") == "Vacancy: Archivaris (KB)"
    mailto = intent_url("email", url=URL, text="x", subject="Onderwerp " * 20)
    sent_subject = unquote(parse_qs(urlsplit(mailto).query)["subject"][0])
    assert len(sent_subject) <= 78
    assert sent_subject.endswith("Onderwerp…")


def test_intent_url_adds_a_missing_link_and_cuts_a_long_text() -> None:
    wa = intent_url("whatsapp", url=URL, text="Kijk eens", subject="")
    assert unquote(wa.removeprefix("https://wa.me/?text=")) == f"Kijk eens\n\n{URL}"
    long_text = "woord " * 1000
    sent = unquote(intent_url("whatsapp", url=URL, text=long_text, subject="").split("=", 1)[1])
    assert len(sent) <= LIMITS["whatsapp"].max_chars
    assert sent.endswith(f"woord…\n\n{URL}")
    tweet = intent_url("x", url=URL, text="x " * 400, subject="")
    query = parse_qs(urlsplit(tweet).query)
    assert query["url"] == [URL]
    assert len(query["text"][0]) + 1 + X_URL_WEIGHT <= 280


def test_share_urls_cover_every_channel() -> None:
    urls = share_urls(title="Archivaris", organisation="KB", url=URL)
    assert sorted(urls) == sorted(LIMITS)
    assert urls["direct"] == URL
    assert urls["email"].startswith("mailto:?subject=Vacancy%3A%20Archivaris%20%28KB%29&body=")


# --- redirect target ---------------------------------------------------------------------


def test_redirect_keeps_the_targets_own_parameters_and_fragment() -> None:
    vacancy_id = uuid.UUID("018f0000-0000-7000-8000-000000000001")
    campaign_id = uuid.UUID("018f0000-0000-7000-8000-000000000002")
    target = Target(
        vacancy_id=vacancy_id,
        channel="x",
        campaign_id=campaign_id,
        apply_url="https://ats.example.org/apply?job=17&utm_source=site&q=a%20b#form",
        organisation_slug="kb",
    )
    assert service.redirect_url(target, "Ab3dE-g_9K", "https://tm.example.org") == (
        "https://ats.example.org/apply?job=17&q=a%20b&utm_source=x&utm_medium=referral"
        f"&utm_campaign={campaign_id}&tm_ref=Ab3dE-g_9K#form"
    )
    public = Target(
        vacancy_id=vacancy_id,
        channel="direct",
        campaign_id=None,
        apply_url=None,
        organisation_slug="kb",
    )
    assert service.redirect_url(public, "Ab3dE-g_9K", "https://tm.example.org/") == (
        f"https://tm.example.org/jobs/kb/{vacancy_id}?utm_source=direct&utm_medium=referral"
        f"&utm_campaign=vacancy-{vacancy_id}&tm_ref=Ab3dE-g_9K"
    )


# --- links in the database ---------------------------------------------------------------


def test_ensure_link_is_one_per_campaign_employee_and_channel(db: Session) -> None:
    data = seed(db)
    link = data.link
    assert (link.depth, link.parent_id, link.channel) == (0, None, "linkedin")
    assert link.root_employee_id == data.employee.id == link.employee_id
    assert is_code(link.code)
    again = service.ensure_link(
        db,
        organisation_id=data.organisation.id,
        vacancy_id=data.vacancy.id,
        channel="linkedin",
        campaign_id=data.campaign.id,
        employee_id=data.employee.id,
    )
    assert again.id == link.id
    other = service.ensure_link(
        db,
        organisation_id=data.organisation.id,
        vacancy_id=data.vacancy.id,
        channel="email",
        campaign_id=data.campaign.id,
        employee_id=data.employee.id,
    )
    assert other.id != link.id
    assert service.resolve(db, link.code) is link
    assert service.resolve(db, "nosuchcode1") is None
    assert service.resolve(db, "bad code") is None


def test_reshare_builds_a_chain_back_to_the_employee(db: Session) -> None:
    data = seed(db)
    kwargs = {"secret": SECRET, "public_url": "https://tm.example.org"}
    first, created = service.reshare(db, data.link.code, visit(), channel="whatsapp", **kwargs)
    assert created
    assert (first.depth, first.parent_code, first.channel) == (1, data.link.code, "whatsapp")
    assert first.url == f"https://tm.example.org/r/{first.code}"
    child = service.resolve(db, first.code)
    assert child is not None
    assert child.parent_id == data.link.id
    assert child.root_employee_id == data.employee.id
    assert child.employee_id is None
    assert child.campaign_id == data.campaign.id
    assert child.visitor == visitor_key(SECRET, "192.0.2.10", visit().user_agent, NOW.date())

    again, created_again = service.reshare(
        db, data.link.code, visit(), channel="whatsapp", **kwargs
    )
    assert (again.code, created_again) == (first.code, False)

    friend = visit("Mozilla/5.0 (iPhone) Safari/604.1")
    second, _ = service.reshare(db, first.code, friend, channel="direct", **kwargs)
    assert second.depth == 2
    grandchild = service.resolve(db, second.code)
    assert grandchild is not None
    assert grandchild.root_employee_id == data.employee.id
    assert [link.code for link in service.chain(db, grandchild.id)] == [
        data.link.code,
        first.code,
        second.code,
    ]
    assert [link.code for link in service.chain(db, data.link.id)] == [data.link.code]
    assert service.chain(db, uuid.uuid4()) == []


def test_follow_counts_one_click_per_visitor_and_day(
    db: Session, session_factory: sessionmaker[Session]
) -> None:
    data = seed(db)
    db.commit()
    kwargs = {"secret": SECRET, "public_url": "https://tm.example.org"}
    state = service.link_state(db, data.link.code)
    buffer = ClickBuffer()
    for _ in range(3):
        location = service.click(state, data.link.code, visit(), buffer, **kwargs)
    buffer.flush(session_factory)
    assert location == (
        "https://werkenbij.example.org/vacatures/17?lang=nl&utm_source=linkedin"
        f"&utm_medium=referral&utm_campaign={data.campaign.id}&tm_ref={data.link.code}"
    )
    rows = db.execute(
        select(Click.hits, Click.bot, Click.day).where(Click.link_id == data.link.id)
    ).all()
    assert [tuple(row) for row in rows] == [(3, False, NOW.date())]
