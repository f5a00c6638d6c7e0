"""The vacancy page with scripts off, used by keyboard only: a visitor tabs through the apply
form, ticks consent with the space bar and sends it with Enter."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect
from sqlalchemy import Engine, select

from models import Application
from models.db import make_session_factory
from runtime.settings import Settings
from tests.browser import live_server, new_page, screenshot
from tests.live import live_organisation
from tests.matching.test_cv_parsing import english_cv_pdf


def test_apply_by_keyboard_without_javascript(
    browser: Browser, engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    with live_organisation(engine, settings) as live:
        vacancy = live.post(
            "/v1/vacancies",
            {
                "title": "Education officer",
                "description": "You design programmes for schools visiting the archive.",
                "language": "en",
                "location": {"city": "Utrecht", "country": "NL"},
            },
        )
        slug = live.get(f"/v1/vacancies/{vacancy['id']}.jsonld")["url"].split("/")[-2]
        cv = tmp_path / "cv.pdf"
        cv.write_bytes(english_cv_pdf())
        with live_server(live.client.app) as base, new_page(browser, javascript=False) as page:
            page.set_default_timeout(60_000)
            page.goto(f"{base}/jobs/{slug}/{vacancy['id']}")
            # The first Tab reaches the skip link, which jumps to the content.
            page.keyboard.press("Tab")
            expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
            page.get_by_label("Your name").focus()
            page.keyboard.type("Sam de Boer")
            page.keyboard.press("Tab")
            expect(page.get_by_label("Email address")).to_be_focused()
            page.keyboard.type("sam@example.org")
            page.keyboard.press("Tab")
            expect(page.get_by_label("Phone number")).to_be_focused()
            page.keyboard.press("Tab")
            expect(page.get_by_label("Your CV")).to_be_focused()
            page.get_by_label("Your CV").set_input_files(cv)
            page.keyboard.press("Tab")
            expect(page.get_by_label("Why this job?")).to_be_focused()
            page.keyboard.type("I teach and I love archives.")
            page.keyboard.press("Tab")
            consent = page.get_by_role("checkbox")
            expect(consent).to_be_focused()
            page.keyboard.press("Space")
            expect(consent).to_be_checked()
            page.keyboard.press("Tab")
            submit = page.get_by_role("button", name="Send my application")
            expect(submit).to_be_focused()
            page.keyboard.press("Enter")
            expect(page.get_by_role("heading", name="Thank you for applying")).to_be_visible()
            # axe-core needs scripts; the same pages are checked in test_browser_flow.py.
            screenshot(page, "11-applied-by-keyboard-without-javascript")
        with make_session_factory(engine)() as session:
            application = session.scalars(
                select(Application).where(Application.vacancy_id == vacancy["id"])
            ).one()
            assert application.motivation == "I teach and I love archives."
