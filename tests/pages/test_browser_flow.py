"""The pages in a real browser (Debian's Chromium through Playwright) against the running
app, a real Celery worker and a real SMTP server: HR logs in, posts a vacancy and starts a
campaign; the employee opens the share page from the campaign email; a friend follows the
tracked link, applies with a PDF CV and asks for a link of their own; HR sees the funnel
move. Every page is screenshotted (test-artifacts/screenshots) and checked with axe-core."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine

from runtime.settings import Settings
from tests.browser import check_accessibility, live_server, screenshot
from tests.distribution.smtp import SmtpServer
from tests.live import Live, live_organisation
from tests.matching.test_cv_parsing import english_cv_pdf
from tests.worker import Worker, wait_for, worker_env


@pytest.fixture
def live(engine: Engine, settings: Settings) -> Iterator[Live]:
    with live_organisation(engine, settings) as organisation:
        yield organisation


def visit(page: Page, name: str) -> None:
    """The page as a visitor sees it: a screenshot, and no serious accessibility problem."""
    screenshot(page, name)
    check_accessibility(page, name=name)


def funnel_row(page: Page) -> list[str]:
    row = page.get_by_role("row", name=re.compile("All channels"))
    return [cell.strip() for cell in row.locator("td").all_inner_texts()]


def test_campaign_to_application_in_the_browser(
    live: Live,
    page: Page,
    engine: Engine,
    settings: Settings,
    database_url: str,
    broker_url: str,
    tmp_path: Path,
) -> None:
    key = live.headers["Authorization"].removeprefix("Bearer ")
    live.post(
        "/v1/employees",
        {"name": "Anna de Vries", "email": "anna@kb.example", "channels": ["linkedin", "email"]},
    )
    app = live.client.app
    # The first vacancy and CV load the embedding model into this process.
    page.set_default_timeout(60_000)
    with live_server(app) as base, SmtpServer() as smtp:
        # Links in emails and redirects point at this server.
        app.state.settings = app.state.settings.model_copy(update={"public_url": base})  # type: ignore[attr-defined]
        # The worker signs the share-page links with the app's secret.
        env = worker_env(
            database_url,
            broker_url,
            smtp.url,
            tmp_path,
            base,
            secret_key=settings.secret_key.get_secret_value(),
        )
        worker = Worker(env, tmp_path / "worker.log")
        worker.start()
        try:
            # HR logs in and posts a vacancy.
            page.goto(f"{base}/dashboard")
            expect(page).to_have_url(re.compile(r"/dashboard/login\?next=/dashboard$"))
            visit(page, "01-dashboard-login")
            page.get_by_label("API key").fill(key)
            page.get_by_role("button", name="Log in").click()
            expect(page.get_by_role("heading", name="Vacancies")).to_be_visible()
            page.get_by_role("link", name="Post a vacancy").click()
            page.get_by_label("Title").fill("Developer digitale collecties")
            page.get_by_label("Description").fill(
                "Je bouwt mee aan de digitale collecties: Python, IIIF en linked data."
            )
            page.get_by_label("Language of the text").select_option("nl")
            page.get_by_label("Required skills").fill("Python\nLinked Data")
            page.get_by_label("City").fill("Den Haag")
            page.get_by_label("Country").fill("NL")
            page.get_by_label("Hours per week").fill("36")
            visit(page, "02-dashboard-new-vacancy")
            page.get_by_role("button", name="Post the vacancy").click()
            expect(
                page.get_by_role("heading", name="Developer digitale collecties")
            ).to_be_visible()
            visit(page, "03-dashboard-vacancy")

            # HR starts a campaign on LinkedIn and email.
            page.get_by_label("LinkedIn").check()
            page.get_by_label("WhatsApp").uncheck()
            page.get_by_label("Message to the employees (optional)").fill("Ken jij iemand?")
            page.get_by_role("button", name="Start the campaign").click()
            expect(page.get_by_role("heading", name=re.compile("^Campaign of"))).to_be_visible()
            campaign_url = page.url
            campaign_id = campaign_url.rsplit("/", 1)[1]
            wait_for(
                lambda: live.get(f"/v1/campaigns/{campaign_id}")["status"] == "completed",
                300,
                "the campaign to complete",
            )
            page.reload()
            assert funnel_row(page) == ["1", "0", "0", "0", "0", "0"]
            visit(page, "04-dashboard-campaign-sent")

            # The employee opens the share page from the email.
            [mail] = smtp.sink.to("anna@kb.example")
            share_url = re.search(re.escape(base) + r"/share/[\w-]+", mail.text)
            assert share_url is not None
            page.goto(share_url.group(0))
            expect(page.get_by_role("heading", name="LinkedIn")).to_be_visible()
            visit(page, "05-share-page")
            tracked = page.get_by_label("Je link").first.input_value()
            assert tracked.startswith(f"{base}/r/")

            # A friend follows the tracked link and lands on the vacancy page.
            page.goto(tracked)
            landed = urlsplit(page.url)
            assert re.fullmatch(r"/jobs/[a-z0-9-]+/[0-9a-f-]{36}", landed.path)
            assert parse_qs(landed.query)["tm_ref"] == [tracked.rsplit("/", 1)[1]]
            expect(
                page.get_by_role("heading", name="Developer digitale collecties")
            ).to_be_visible()
            visit(page, "06-vacancy-page")

            # ... applies with a PDF CV ...
            cv = tmp_path / "eva-cv.pdf"
            cv.write_bytes(english_cv_pdf())
            page.get_by_label("Je naam").fill("Eva Jansen")
            page.get_by_label("E-mailadres").fill("eva.jansen@example.org")
            page.get_by_label("Je cv").set_input_files(cv)
            page.get_by_label("Waarom deze baan?").fill("Ik werk graag met erfgoeddata.")
            page.get_by_role("checkbox", name=re.compile("Ik ga ermee akkoord")).check()
            page.get_by_role("button", name="Verstuur mijn sollicitatie").click()
            expect(page.get_by_role("heading", name="Bedankt voor je sollicitatie")).to_be_visible()
            visit(page, "07-application-sent")

            # ... and asks for a link of their own to pass on.
            page.get_by_label("Waar deel je hem?").select_option("whatsapp")
            page.get_by_role("button", name="Geef mijn link").click()
            expect(page.get_by_role("heading", name="Je link")).to_be_visible()
            visit(page, "08-own-link")

            # HR sees the application in the campaign's funnel.
            page.goto(campaign_url)
            assert funnel_row(page) == ["1", "1", "1", "1", "0", "0"]
            visit(page, "09-dashboard-campaign-applied")
            page.goto(f"{base}/dashboard")
            visit(page, "10-dashboard-vacancies")
        finally:
            worker.stop()
