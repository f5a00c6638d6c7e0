"""The pages that show hostile text, opened in Chromium: no script of the text runs (no
dialog opens), no element or handler of its own appears in the DOM, the JSON-LD block stays
whole, and the text reads back as text.

The browser ignores the pages' Content-Security-Policy here (``bypass_csp``), so escaping is
tested on its own: the policy (tests/api/test_security_headers.py) is a second wall, not the
one that holds. Requests go to the app in this process through Playwright's routing, so the
test's data stays inside its rolled-back transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, Route, sync_playwright
from playwright.sync_api import Request as BrowserRequest

from runtime.settings import Settings
from tests.browser import DEFAULT_TIMEOUT_MS, chromium_path, launch_chromium
from tests.security.test_injection import ALL_MARKUP, Hostile, hostile, hostile_pages

__all__ = ["hostile"]  # the fixture, shared with test_injection.py

ORIGIN = "http://talentmesh.test"
# What a page shows only when a stored text has become markup or script.
INSPECT = """() => {
  const url = (e) =>
    e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action') || '';
  return {
    injected: [...document.querySelectorAll(
      'img, iframe, object, embed, base, [onerror], [onload], [onfocus], [autofocus],'
      + ' svg:not([role="img"])'
    )].map((e) => e.outerHTML.slice(0, 120)),
    scripts: [...document.scripts]
      .filter((s) => s.type !== 'application/ld+json' && !s.src.includes('/assets/'))
      .map((s) => s.outerHTML.slice(0, 120)),
    javascriptUrls: [...document.querySelectorAll('[href], [src], [action]')]
      .map(url).filter((v) => /^\\s*javascript:/i.test(v)),
    jsonld: [...document.querySelectorAll('script[type="application/ld+json"]')]
      .map((s) => s.textContent),
    text: document.body.innerText,
  };
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module scope: Playwright's loop stops with this module (see tests/pages/conftest.py).
    chromium_path()
    with sync_playwright() as playwright:
        started = launch_chromium(playwright)
        yield started
        started.close()


class Visits:
    """A page whose requests the app in this process answers, and what happened on it."""

    def __init__(self, browser: Browser, client: TestClient) -> None:
        self.client = client
        self.dialogs: list[str] = []
        self.elsewhere: list[str] = []
        self.context = browser.new_context(bypass_csp=True)
        self.context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        self.page: Page = self.context.new_page()
        self.page.on("dialog", self._dialog)
        self.page.route("**/*", self._serve)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _serve(self, route: Route, request: BrowserRequest) -> None:
        url = urlsplit(request.url)
        if f"{url.scheme}://{url.netloc}" != ORIGIN:
            self.elsewhere.append(request.url)
            route.abort()
            return
        if url.path == "/control":  # a page that does run a script, to prove the watch works
            route.fulfill(content_type="text/html", body="<script>alert('control')</script>")
            return
        headers = {k: v for k, v in request.headers.items() if k in ("accept", "content-type")}
        answer = self.client.request(
            request.method,
            url.path + (f"?{url.query}" if url.query else ""),
            content=request.post_data_buffer,
            headers=headers,
            follow_redirects=False,
        )
        route.fulfill(status=answer.status_code, headers=dict(answer.headers), body=answer.content)

    def open(self, path: str) -> dict[str, Any]:
        response = self.page.goto(ORIGIN + path, wait_until="load")
        assert response is not None
        assert response.status == 200, path
        found: dict[str, Any] = self.page.evaluate(INSPECT)
        return found


@pytest.fixture
def visits(browser: Browser, client: TestClient) -> Iterator[Visits]:
    opened = Visits(browser, client)
    yield opened
    opened.context.close()


def test_the_watch_sees_a_script_that_runs(visits: Visits) -> None:
    visits.page.goto(f"{ORIGIN}/control", wait_until="load")
    assert visits.dialogs == ["alert: control"]


def test_hostile_text_runs_nothing_in_the_browser(
    visits: Visits, client: TestClient, hostile: Hostile, settings: Settings
) -> None:
    pages = hostile_pages(client, hostile, settings)
    title = ALL_MARKUP[:300].strip()
    for name, path in pages.items():
        found = visits.open(path)
        assert visits.dialogs == [], name
        assert found["injected"] == [], name
        assert found["scripts"] == [], name
        assert found["javascriptUrls"] == [], name
        if name != "dashboard-edit":
            assert title in found["text"], name
    # The edit form holds the text as the value of its fields.
    visits.open(pages["dashboard-edit"])
    assert visits.page.get_by_label("Title").input_value() == title
    assert visits.page.get_by_label("City").input_value() == ALL_MARKUP[:200].strip()
    found = visits.open(pages["vacancy-page"])
    [block] = found["jsonld"]
    document = visits.page.evaluate("(text) => JSON.parse(text)", block)
    assert document["title"] == title
    assert document["description"] == f"{ALL_MARKUP}\n\n{ALL_MARKUP}"
    assert visits.elsewhere == []
