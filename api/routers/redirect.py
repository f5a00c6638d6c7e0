"""Tracked links as visitors meet them (no API key): ``GET /r/{code}`` counts the click and
redirects; ``POST /r/{code}/reshare`` gives the visitor a link of their own to pass on."""

from __future__ import annotations

import asyncio
import logging
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.pages.jobs import form_problem_page, reshare_token_valid, reshared_page
from api.problems import problem_responses
from api.routing import StrictJsonRoute
from api.visits import visit_of
from distribution.links import service
from distribution.links.cache import LinkCache
from distribution.links.clicks import ClickBuffer
from distribution.links.codes import is_code
from distribution.links.repository import LinkState
from distribution.links.schemas import LinkChannel, ReshareOut, ReshareRequest
from runtime import strict_json
from runtime.errors import (
    FieldError,
    TalentMeshError,
    UnsupportedMediaTypeError,
    ValidationFailedError,
)
from runtime.outbox import unit_of_work
from runtime.settings import Settings

logger = logging.getLogger(__name__)
router = APIRouter(tags=["links"], route_class=StrictJsonRoute)

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# A redirect that is cached would skip the click; the page a visitor came from (a chat,
# a webmail message, an intranet post) is none of the target site's business.
REDIRECT_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
# Link lookups (cache misses, and the writes of clicks when each is written in its request)
# handled at once by one process; the others wait their turn on the event loop. These
# mostly wait on database round trips, and four in flight kept two cores busy; more
# only queued in the scheduler and for the GIL (32 clients, docs/benchmarks.md: 10 in flight
# gave 800 requests/s at p99 400 ms, 4 gave 1,080 at 60 ms). Never more than the connection
# pool holds: beyond it the pool opens and closes overflow connections, each a new
# PostgreSQL process (264 of them in a 5 s run).
CLICKS_IN_FLIGHT = 4
# Cached links due to be read again are read together, one batch at most this often (and
# within a twentieth of the cache's TTL, so a batch lands before its entries expire): one
# thread hop and one query for every link due, not one each. With 300 links followed at
# about 4,000 requests/s and a 5 s TTL, one each came to about 85 a second, and their
# Python work, contending with the event loop for the interpreter, put the redirect's p99
# on 4 connections at 74 ms and its throughput at 0.74x of a constant 302; in batches, 6.4
# ms and 1.02x (docs/benchmarks.md, 2026-12-06, late evening).
REFRESH_BATCH_SECONDS = 0.25


def _settings(request: Request) -> Settings:
    # Read from the app state directly: a dependency would cost the redirect a thread hop.
    settings: Settings = request.app.state.settings
    return settings


def _limiter(app: FastAPI) -> CapacityLimiter:
    state = app.state
    limiter: CapacityLimiter | None = getattr(state, "redirect_limiter", None)
    if limiter is None:
        size = getattr(state.engine.pool, "size", None)
        pool = size() if callable(size) else CLICKS_IN_FLIGHT
        limiter = state.redirect_limiter = CapacityLimiter(min(CLICKS_IN_FLIGHT, pool))
    return limiter


def _unit_of_work(app: FastAPI) -> AbstractContextManager[Session]:
    # These routes open their transaction inside the one worker thread that does the
    # database work, and commit it before the response leaves: the session dependency
    # would cost two more thread hops and commit only after the response was sent.
    return unit_of_work(app.state.session_factory, app.state.celery)


def _link_state(app: FastAPI, code: str) -> LinkState | None:
    with _unit_of_work(app) as session:
        return service.link_state(session, code)


async def _look_up(app: FastAPI, code: str) -> LinkState | None:
    """Read ``code`` from the database and cache it. One lookup per code at a time: the
    requests that miss while it runs wait for it rather than each taking a thread and a
    connection for the same row."""
    lookups: dict[str, asyncio.Future[LinkState | None]] = app.state.link_lookups
    running = lookups.get(code)
    if running is not None:
        return await asyncio.shield(running)
    future: asyncio.Future[LinkState | None] = asyncio.get_running_loop().create_future()
    lookups[code] = future
    try:
        state = await to_thread.run_sync(_link_state, app, code, limiter=_limiter(app))
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # read: no "never retrieved" warning when nobody waited
        raise
    else:
        app.state.link_cache.put(code, state)
        future.set_result(state)
    finally:
        del lookups[code]
    return state


def _link_states(app: FastAPI, codes: list[str]) -> dict[str, LinkState | None]:
    with _unit_of_work(app) as session:
        return service.link_states(session, codes)


def _schedule_refresh(app: FastAPI, code: str) -> None:
    """Add ``code`` to the next batch of cached links read again, starting the batch if it
    is the first."""
    due: set[str] = app.state.link_refresh_due
    starts = not due
    due.add(code)
    if starts:
        # Kept referenced until done: the loop holds tasks only weakly.
        tasks: set[asyncio.Task[None]] = app.state.link_refreshes
        task = asyncio.create_task(_refresh_due(app))
        tasks.add(task)
        task.add_done_callback(tasks.discard)


async def _refresh_due(app: FastAPI) -> None:
    cache: LinkCache[LinkState] = app.state.link_cache
    await asyncio.sleep(min(REFRESH_BATCH_SECONDS, cache.ttl / 20))
    due: set[str] = app.state.link_refresh_due
    # Taken and emptied without an await between: a code due from now on starts the next
    # batch.
    codes = sorted(due)
    due.clear()
    try:
        states = await to_thread.run_sync(_link_states, app, codes, limiter=_limiter(app))
    except Exception:
        # The entries serve until they expire; the request after that looks its code up.
        for code in codes:
            cache.refresh_failed(code)
        logger.warning("refreshing %d cached links failed", len(codes), exc_info=True)
        return
    for code in codes:
        cache.put(code, states[code])


async def _cached_link_state(request: Request, code: str) -> LinkState | None:
    app = request.app
    cache: LinkCache[LinkState] = app.state.link_cache
    cached = cache.get(code)
    if not cached.found:
        return await _look_up(app, code)
    if cached.refresh:
        _schedule_refresh(app, code)
    return cached.value


def _flush_clicks(request: Request) -> None:
    request.app.state.click_buffer.flush(request.app.state.session_factory)


@router.get(
    "/r/{code}",
    status_code=302,
    response_class=Response,
    summary="Follow a tracked link",
    responses={
        302: {"description": "Redirect to the vacancy's apply page (`Location`)."},
        **problem_responses(404),
    },
)
async def follow_link(code: str, request: Request) -> Response:
    """Count the click and redirect (302) to the vacancy's `apply_url`, or its public page
    `/jobs/{vacancy_id}` when it has none, with `utm_source` (the link's channel),
    `utm_medium=referral`, `utm_campaign` (the campaign id, or `vacancy-{id}`) and
    `tm_ref={code}` added; the target's own query parameters are kept. Read `tm_ref` on your
    apply form and send it with the application to credit the referrer.

    A visitor (keyed hash of address and user agent; the address itself is never stored)
    makes one click per link and UTC day however often they follow it. Crawlers and
    link-preview fetchers are recorded but not counted. Clicks are written in batches, at
    least every second, so they appear in reports up to a second after the redirect. An
    unknown or expired code, or a vacancy that is no longer open, answers 404 with the same
    body; a vacancy just closed may still redirect for up to five seconds."""
    # A cached link costs no thread hop and no database round trip: the click waits in
    # the buffer for the next batched write (api/click_flusher.py).
    # A malformed code is never looked up, nor does it take a place in the cache.
    state = await _cached_link_state(request, code) if is_code(code) else None
    settings = _settings(request)
    buffer: ClickBuffer = request.app.state.click_buffer
    location = service.click(
        state,
        code,
        visit_of(request),
        buffer,
        secret=settings.secret_key.get_secret_value(),
        public_url=settings.resolved_public_url,
    )
    if buffer.flush_seconds <= 0:
        await to_thread.run_sync(_flush_clicks, request, limiter=_limiter(request.app))
    return Response(status_code=302, headers={"Location": location, **REDIRECT_HEADERS})


def _reshare(request: Request, code: str, channel: LinkChannel) -> tuple[ReshareOut, bool]:
    settings = _settings(request)
    with _unit_of_work(request.app) as session:
        return service.reshare(
            session,
            code,
            visit_of(request),
            channel=channel,
            secret=settings.secret_key.get_secret_value(),
            public_url=settings.resolved_public_url,
        )


@dataclass(frozen=True)
class _ReshareBody:
    payload: ReshareRequest
    # Sent by the share block's form: the page's language and the form's token.
    is_form: bool
    language: str | None = None
    form_token: object = None


async def _reshare_request(request: Request) -> _ReshareBody:
    """The request body (JSON, a form, or none), and what the share form adds to it."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw: Any
    is_form = media_type in _FORM_TYPES
    language = form_token = None
    if is_form:
        raw = dict((await request.form()).items())
        lang = raw.pop("lang", None)
        language = lang if isinstance(lang, str) else None
        form_token = raw.pop("form_token", None)
    elif media_type in ("", "application/json"):
        body = await request.body()
        if media_type == "" and body.strip():
            raise UnsupportedMediaTypeError("send the body as application/json or a form")
        try:
            # Strict, as every API body: json.loads would also let a deeply nested body
            # escape as a RecursionError, a server error on a route anyone may call.
            raw = strict_json.loads(body) if body.strip() else {}
        except strict_json.JsonError as exc:
            raise ValidationFailedError(
                "the body is not valid JSON", errors=[FieldError("body", str(exc))]
            ) from exc
    else:
        raise UnsupportedMediaTypeError(f"{media_type} is not accepted; send JSON or a form")
    try:
        return _ReshareBody(ReshareRequest.model_validate(raw), is_form, language, form_token)
    except ValidationError as exc:
        errors = [
            FieldError(".".join(str(p) for p in e["loc"]) or "body", e["msg"]) for e in exc.errors()
        ]
        fields = ", ".join(sorted({e.field for e in errors}))
        raise ValidationFailedError(f"invalid value for: {fields}", errors=errors) from exc


_RESHARE_BODY = ReshareRequest.model_json_schema()
# A form post that fails is answered with an HTML page saying why.
_FORM_PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {**answer, "content": {**answer["content"], "text/html": {}}}
    for code, answer in problem_responses(403, 404, 415, 422).items()
}


@router.post(
    "/r/{code}/reshare",
    status_code=201,
    summary="Get a link of one's own to pass on",
    responses={
        201: {
            "model": ReshareOut,
            "description": "A new child link (an HTML page when the request was a form).",
            "content": {"text/html": {}},
        },
        200: {"model": ReshareOut, "description": "This visitor's existing link for the channel."},
        **_FORM_PROBLEMS,
    },
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {
                "application/json": {"schema": _RESHARE_BODY},
                "application/x-www-form-urlencoded": {"schema": _RESHARE_BODY},
            },
        }
    },
)
async def reshare_link(code: str, request: Request) -> Response:
    """A visitor who arrived through a tracked link gets a child link of their own, so the
    vacancy can travel friend to friend while every click and application is credited up
    the chain to the employee who shared it first. Body optional: `{"channel": "whatsapp"}`
    (default `direct`). The same visitor asking again for the same channel on the same
    (UTC) day gets the same link (200). A form post is the vacancy page's share form: it
    must carry that form's `form_token` (403 without it, so no other site can post it from
    a visitor's browser) and is answered with an HTML page showing the link and share
    buttons; API clients send JSON.

    404 under the same rules as `GET /r/{code}`; 422 when the link is already 10 steps from
    the employee's own link."""
    body = await _reshare_request(request)
    is_form, language = body.is_form, body.language
    # A form post is a browser's: it must come from our page's share form (a JSON post
    # from another site cannot be sent without the browser asking first).
    if is_form and not reshare_token_valid(_settings(request), code, body.form_token):
        return form_problem_page(403, "this form did not come from our page", lang=language)
    try:
        out, created = await to_thread.run_sync(_reshare, request, code, body.payload.channel)
    except TalentMeshError as exc:
        # A visitor who used the page's form reads the reason on a page, not as JSON.
        if is_form:
            return form_problem_page(exc.status, exc.detail, lang=language)
        raise
    status_code = 201 if created else 200
    if is_form:
        return reshared_page(out, status_code=status_code, lang=language)
    return JSONResponse(out.model_dump(mode="json"), status_code=status_code)
