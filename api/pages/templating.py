"""Rendering the pages: one Jinja2 environment (autoescaping on), the security headers
every page carries, and the static assets (one stylesheet, one small script that only
adds copy buttons)."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

# Pages load only their own stylesheet and script and post only to themselves; a stored
# text can never run as script (no inline script is allowed, JSON-LD is data, not script).
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; script-src 'self'; "
    "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
# Pages behind a login, and answers to forms, must never be stored by a shared cache.
PRIVATE = {"Cache-Control": "no-store"}
ASSETS = {"site.css": "text/css; charset=utf-8", "copy.js": "text/javascript; charset=utf-8"}


@cache
def _asset(name: str) -> tuple[bytes, str]:
    content = resources.files("api.pages").joinpath("static", name).read_bytes()
    return content, hashlib.sha256(content).hexdigest()[:12]


def asset_url(name: str) -> str:
    """The asset's URL with its content hash, so it can be cached for a year."""
    return f"/assets/{name}?v={_asset(name)[1]}"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("api.pages", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["asset_url"] = asset_url
    return env


def render(
    template: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    html = environment().get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code, headers={**PAGE_HEADERS, **(headers or {})})


assets_router = APIRouter(include_in_schema=False)


@assets_router.get("/assets/{name}")
def asset(name: str) -> Response:
    if name not in ASSETS:
        return Response(status_code=404)
    content, _ = _asset(name)
    return Response(
        content,
        media_type=ASSETS[name],
        headers={
            "Cache-Control": "public, max-age=31536000, immutable",
            "X-Content-Type-Options": "nosniff",
        },
    )
