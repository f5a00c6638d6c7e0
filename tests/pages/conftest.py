"""Browser fixtures: one Playwright and one Chromium for this package, a fresh page per test.

Package scope on purpose: while Playwright's sync API is started, the test thread reports
its event loop as running (see tests/browser.py), so it stops when these tests are done."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.browser import chromium_path, launch_chromium, new_page


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    chromium_path()  # skip (or fail in CI) before starting Playwright's driver
    with sync_playwright() as started:
        yield started
    # Playwright's loop is the running loop of this thread between its calls; once it has
    # stopped, nothing may be left behind for the tests that follow.
    assert asyncio._get_running_loop() is None, "Playwright left its event loop running"


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = launch_chromium(playwright)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with new_page(browser) as page:
        yield page
