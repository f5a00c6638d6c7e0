"""The browser toolchain on its own: a tiny app served live, a form filled and sent in
Debian's Chromium, a screenshot and an axe-core check. No database."""

from __future__ import annotations

from html import escape
from typing import Annotated

import pytest
from fastapi import FastAPI, Form
from fastapi.responses import HTMLResponse
from playwright.sync_api import Page, expect

from tests.browser import check_accessibility, live_server, screenshot

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
</head>
<body>
<main>
<h1>Sign up</h1>
{body}
</main>
</body>
</html>
"""

FORM = """<form method="post" action="/">
<label for="name">Your name</label>
<input id="name" name="name" type="text" autocomplete="name" required>
<button type="submit">Send</button>
</form>"""


def make_app() -> FastAPI:
    app = FastAPI()

    @app.get("/", response_class=HTMLResponse)
    def form() -> str:
        return PAGE.format(title="Sign up", body=FORM)

    @app.post("/", response_class=HTMLResponse)
    def submit(name: Annotated[str, Form()]) -> str:
        return PAGE.format(title="Thanks", body=f'<p role="status">Thanks, {escape(name)}</p>')

    return app


def test_a_form_is_filled_and_sent_in_chromium(page: Page) -> None:
    with live_server(make_app()) as base_url:
        page.goto(f"{base_url}/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign up")
        check_accessibility(page, name="browser-smoke-form")

        page.get_by_label("Your name").fill("Ada <Lovelace>")
        page.get_by_role("button", name="Send").click()

        expect(page.get_by_role("status")).to_have_text("Thanks, Ada <Lovelace>")
        assert page.url == f"{base_url}/"
        path = screenshot(page, "browser-smoke-thanks")
        assert path.read_bytes().startswith(b"\x89PNG")
        check_accessibility(page, name="browser-smoke-thanks")


def test_the_accessibility_check_fails_on_serious_violations(page: Page) -> None:
    page.set_content(
        '<!doctype html><html lang="en"><head><title>Broken</title></head><body><main>'
        '<h1>Broken</h1><img src="data:,"><input type="text" id="unnamed">'
        "</main></body></html>"
    )
    with pytest.raises(pytest.fail.Exception) as failure:
        check_accessibility(page, name="browser-smoke-violations")
    message = str(failure.value)
    assert "image-alt (critical)" in message
    assert "label (critical)" in message
    assert "#unnamed" in message
