"""A database that cannot be reached (restarting, failing over, cut off, out of connections)
is a passing condition, not a fault in the request: such errors answer 503 with
``Retry-After``, and a read whose connection dropped under it runs once more.

The pool pings every connection at checkout (``models/db.py``), so connections that died
while idle are replaced before a request sees them. What remains is a connection dropped
while a request used it, and a database that does not answer at all: the first is retried
for ``GET``/``HEAD`` on ``/v1`` (nothing was written, nothing was sent yet); both end as a
prompt 503 the client may retry.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

# A restart or failover of PostgreSQL takes seconds.
RETRY_AFTER_SECONDS = 5
SLUG = "unavailable"
TITLE = "Service unavailable"
DETAIL = "the database is not available at the moment; try again shortly"
# Set on the scope by the error handler when a read may be run again.
_RETRY_READ = "talentmesh.retry_read"
# An outage fails every request: log it at most this often, not once per request.
WARN_EVERY_SECONDS = 10.0
_last_warning = 0.0


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot serve now, rather than that the request or
    the code is wrong. OperationalError covers a refused or dropped connection and a server
    shutting down, and also what a retry solves: a deadlock, a serialization failure, a
    statement or lock timeout."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeoutError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def warn_unavailable(exc: SQLAlchemyError) -> None:
    global _last_warning
    if time.monotonic() - _last_warning > WARN_EVERY_SECONDS:
        _last_warning = time.monotonic()
        cause = exc.orig if isinstance(exc, DBAPIError) else exc
        logger.warning("answering 503, the database is not available: %s", cause)


def mark_read_for_retry(request: Request, exc: SQLAlchemyError) -> None:
    """Let :class:`ReadRetryMiddleware` run this request once more, if it is a read whose
    connection was dropped while in use."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        request.scope[_RETRY_READ] = True


class ReadRetryMiddleware:
    """Runs a ``GET``/``HEAD`` on ``/v1`` a second time when the first lost its database
    connection part way: its 503 is held back and the second run answers instead.

    Only the API's reads qualify: ``GET /r/{code}`` records a click, so it is not one. The
    second run gets a fresh connection from the pool, which pings it first."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not scope["path"].startswith("/v1/")
        ):
            await self.app(scope, receive, send)
            return
        held = False

        async def first(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start" and scope.pop(_RETRY_READ, False):
                held = True
            if not held:
                await send(message)

        await self.app(scope, receive, first)
        if held:
            logger.info("%s lost its database connection; running it again", scope["path"])
            await self.app(scope, _no_body(receive), send)


def _no_body(receive: Receive) -> Receive:
    """A read has no body; the first run may have taken the one message that says so."""
    given = False

    async def again() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return await receive()

    return again
