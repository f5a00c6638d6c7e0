"""Browser tests: Playwright's sync API driving Debian's Chromium (Playwright never downloads a
browser here; `make test` installs the package), a live server for an ASGI app, screenshots
and axe-core checks. The fixtures are in tests/pages/conftest.py.

Two event loops, one per thread. Playwright's sync API runs an asyncio loop of its own in
greenlets on the test's thread, and between its calls that thread reports the loop as
running: asyncio.run() fails there for as long as Playwright is started, which is why the
fixtures start it for the tests/pages package only. `live_server` runs uvicorn in a thread
of its own, with a loop of its own, so the two never meet."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Playwright, ViewportSize
from starlette.types import ASGIApp

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO_ROOT / "test-artifacts"
DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
# --no-sandbox: CI runs as root, where Chromium refuses to start sandboxed.
# --disable-dev-shm-usage: containers often have a small /dev/shm.
CHROMIUM_ARGS = ("--no-sandbox", "--disable-dev-shm-usage")
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
LOCALE = "en-GB"
# Playwright waits 30 s by default; a page of this app that takes 10 s is broken anyway.
DEFAULT_TIMEOUT_MS = 10_000
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
SHOWN_TARGETS = 3
_ARTIFACT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def chromium_path() -> str:
    """Debian's Chromium; without it the test fails in CI (the environment variable CI is
    set) and is skipped elsewhere."""
    if os.access(DEBIAN_CHROMIUM, os.X_OK):
        return str(DEBIAN_CHROMIUM)
    found = shutil.which("chromium")
    if found:
        return found
    message = (
        "Debian's Chromium is not installed (no /usr/bin/chromium, no chromium on PATH); "
        "`make test` installs it (apt-get install chromium)"
    )
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=list(CHROMIUM_ARGS)
    )


@contextmanager
def new_page(browser: Browser, *, javascript: bool = True) -> Iterator[Page]:
    """A page in a context of its own (no cookies or storage shared with other tests), closed
    with its context afterwards; ``javascript=False`` browses with scripts off."""
    # Headless Chromium announces itself as "HeadlessChrome", which the link tracker rightly
    # takes for a bot; the pages are tested as a visitor's browser meets them.
    user_agent = (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        f"Chrome/{browser.version} Safari/537.36"
    )
    context = browser.new_context(
        viewport=VIEWPORT, locale=LOCALE, user_agent=user_agent, java_script_enabled=javascript
    )
    try:
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        yield context.new_page()
    finally:
        context.close()


@contextmanager
def live_server(app: ASGIApp, *, startup_timeout: float = 15.0) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free port of 127.0.0.1 in a background thread; yields
    the base URL (no trailing slash) once the app has started and the socket listens."""
    # Binding here rather than in uvicorn gives the port before the server starts; uvicorn
    # listens on this socket and closes it when it shuts down.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(
        app,
        # None for both: uvicorn leaves the process's logging configuration alone, and its
        # records reach pytest through the root logger.
        log_config=None,
        log_level=None,
        lifespan="auto",
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    # uvicorn installs no signal handlers outside the main thread, and asyncio.run() in
    # Server.run gives the thread a loop of its own.
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"live-server-{port}", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + startup_timeout
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the live server stopped while starting; see its log")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the live server did not start in {startup_timeout} s")
            time.sleep(0.01)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout=5)
        sock.close()
        if thread.is_alive():
            raise RuntimeError(f"the live server on port {port} did not stop")


def artifact_path(kind: str, name: str, suffix: str) -> Path:
    """test-artifacts/{kind}/{name}{suffix} in the repository, its folder created."""
    if not _ARTIFACT_NAME.fullmatch(name):
        raise ValueError(f"artifact names are letters, digits, '.', '_' and '-': {name!r}")
    folder = ARTIFACTS / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}{suffix}"


def screenshot(page: Page, name: str) -> Path:
    """A full-page PNG of ``page`` at test-artifacts/screenshots/{name}.png."""
    path = artifact_path("screenshots", name, ".png")
    page.screenshot(path=path, full_page=True)
    return path


def check_accessibility(page: Page, *, name: str) -> None:
    """Run axe-core on the current page; fail listing every serious or critical violation.
    The whole result goes to test-artifacts/axe/{name}.json."""
    result: dict[str, Any] = Axe().run(page).response
    path = artifact_path("axe", name, ".json")
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    blocking = [v for v in result["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    if not blocking:
        return
    lines = [
        f"{len(blocking)} serious or critical accessibility violation(s) on {page.url} "
        f"(axe-core {result.get('testEngine', {}).get('version', '?')}; all results: {path}):"
    ]
    for violation in blocking:
        targets = [_selector(node["target"]) for node in violation["nodes"]]
        shown = ", ".join(targets[:SHOWN_TARGETS])
        more = len(targets) - SHOWN_TARGETS
        if more > 0:
            shown += f" and {more} more"
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{shown}] {violation.get('helpUrl', '')}".rstrip()
        )
    pytest.fail("\n".join(lines), pytrace=False)


def _selector(target: Any) -> str:
    # A selector, or a list of them: one per frame or shadow root on the way to the node.
    if isinstance(target, list):
        return " >> ".join(_selector(part) for part in target)
    return str(target)
