"""``Idempotency-Key`` on POST: the same key with the same request within 24 hours answers
the stored response without doing anything a second time; the same key with another
request answers 422; a request whose twin is still running answers 409.

Keys belong to the credentials they came with (a digest of the ``Authorization`` header),
so two clients never collide. Only responses below 500 are stored: after a server error the
key can be used again. A key whose first request died with its process (``running`` for
longer than ``ABANDONED`` without a heartbeat) is taken over by the next request with the
same body. While the database is not available, a request answers 503 before it runs; a
key whose outcome could not be stored when its request ended is settled as soon as the
database answers again, so its retry is not told for minutes that it is still running.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from datetime import timedelta
from typing import Any

import anyio
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import send_problem, send_unavailable
from api.unavailable import database_unavailable, warn_unavailable
from models import IdempotencyKey
from models.base import utcnow
from models.db import transaction

logger = logging.getLogger(__name__)

HEADER = b"idempotency-key"
KEEP = timedelta(hours=24)
ABANDONED = timedelta(minutes=2)
# A running request marks its key alive this often, so a slow one (a large upload) is never
# taken for dead and run a second time.
HEARTBEAT_SECONDS = 30.0
MAX_KEY = 255
CLAIM_ATTEMPTS = 3


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Keys being settled after an outage (a task nobody holds may be collected).
        self._settling: set[asyncio.Task[None]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or HEADER not in headers
            or not scope["path"].startswith("/v1/")
            or b"authorization" not in headers
        ):
            await self.app(scope, receive, send)
            return
        key = headers[HEADER].decode("latin-1").strip()
        if not key or len(key) > MAX_KEY:
            await _problem(send, scope, 422, "Idempotency-Key must be 1 to 255 characters")
            return
        read = await _read_body(receive)
        if read is None:
            return  # the client left before its request arrived: nothing to run or answer
        body, replay_receive = read
        credentials = hashlib.sha256(headers[b"authorization"]).hexdigest()
        digest = _request_digest(scope, headers.get(b"content-type", b""), body)
        factory: sessionmaker[Session] = scope["app"].state.session_factory
        try:
            claim = await anyio.to_thread.run_sync(_claim, factory, credentials, key, digest)
        except SQLAlchemyError as exc:
            if not database_unavailable(exc):
                raise
            warn_unavailable(exc)
            await send_unavailable(send, scope)
            return
        if isinstance(claim, IdempotencyKey):
            await _replay(send, claim)
            return
        if claim == "other-request":
            await _problem(send, scope, 422, "this Idempotency-Key was used with another request")
            return
        if claim == "running":
            await _problem(send, scope, 409, "a request with this Idempotency-Key is still running")
            return
        captured: dict[str, Any] = {"body": b""}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = dict(message.get("headers") or [])
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            await send(message)

        heartbeat = asyncio.create_task(_keep_alive(factory, credentials, key))
        try:
            await self.app(scope, replay_receive, capture)
        finally:
            heartbeat.cancel()
            await self._finish(factory, credentials, key, captured)

    async def _finish(
        self, factory: sessionmaker[Session], scope: str, key: str, captured: dict[str, Any]
    ) -> None:
        try:
            await anyio.to_thread.run_sync(_finish, factory, scope, key, captured)
        except SQLAlchemyError as exc:
            if not database_unavailable(exc):
                raise
            task = asyncio.create_task(_settle_later(factory, scope, key, captured))
            self._settling.add(task)
            task.add_done_callback(self._settling.discard)


async def _settle_later(
    factory: sessionmaker[Session], scope: str, key: str, captured: dict[str, Any]
) -> None:
    """Store the outcome of a request whose key stayed ``running`` because the database was
    gone when the request ended: once it answers, a retry gets the stored answer (or, after a
    5xx, runs). Tried until just before the key counts as abandoned (its last heartbeat may
    be ``HEARTBEAT_SECONDS`` old): from then on another request may take it over."""
    deadline = time.monotonic() + (ABANDONED.total_seconds() - HEARTBEAT_SECONDS)
    delay = 0.25
    while time.monotonic() < deadline:
        await asyncio.sleep(delay)
        delay = min(2 * delay, 5.0)
        try:
            await anyio.to_thread.run_sync(_finish, factory, scope, key, captured)
        except SQLAlchemyError as exc:
            if not database_unavailable(exc):
                logger.exception("idempotency key not settled")
                return
        else:
            return
    logger.warning("an idempotency key stays running: the database did not come back in time")


def _request_digest(scope: Scope, content_type: bytes, body: bytes) -> str:
    """What makes two requests the same: path, query and body. A multipart boundary is
    picked at random per request, so it is replaced by a fixed token first: a retried
    upload of the same file is the same request."""
    match = re.search(rb'boundary="?([^";]+)"?', content_type)
    if content_type.lower().startswith(b"multipart/") and match:
        body = body.replace(match.group(1), b"boundary")
    return hashlib.sha256(
        b"\n".join([scope["path"].encode(), scope.get("query_string", b""), body])
    ).hexdigest()


async def _keep_alive(factory: sessionmaker[Session], scope: str, key: str) -> None:
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        try:
            await anyio.to_thread.run_sync(_touch, factory, scope, key)
        except SQLAlchemyError as exc:  # the request goes on; the next beat tries again
            logger.warning("idempotency key heartbeat failed: %s", exc)


def _touch(factory: sessionmaker[Session], scope: str, key: str) -> None:
    with transaction(factory) as session:
        session.execute(
            update(IdempotencyKey)
            .where(
                IdempotencyKey.scope == scope,
                IdempotencyKey.key == key,
                IdempotencyKey.state == "running",
            )
            .values(created_at=utcnow())
        )


async def _read_body(receive: Receive) -> tuple[bytes, Receive] | None:
    """The whole body and a ``receive`` that gives it again; None when the client
    disconnected part way (a truncated body must never run, nor claim the key)."""
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def _claim(
    factory: sessionmaker[Session], scope: str, key: str, digest: str
) -> IdempotencyKey | str:
    """Take the key for this request, or say why not (or return the stored response)."""
    now = utcnow()
    with transaction(factory) as session:
        session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.scope == scope,
                IdempotencyKey.key == key,
                IdempotencyKey.created_at < now - KEEP,
            )
        )
        # A twin that failed lets its key go (``_finish``): between the insert that met
        # its row and the select, the row may be gone. The key is free then: insert again.
        for _ in range(CLAIM_ATTEMPTS):
            inserted = session.execute(
                insert(IdempotencyKey)
                .values(scope=scope, key=key, request_hash=digest, state="running", created_at=now)
                .on_conflict_do_nothing()
                .returning(IdempotencyKey.key)
            ).first()
            if inserted is not None:
                return "claimed"
            row = session.scalars(
                select(IdempotencyKey)
                .where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
                .with_for_update()
            ).one_or_none()
            if row is not None:
                break
        else:
            return "running"  # taken and let go again and again: the client tries later
        if row.request_hash != digest:
            return "other-request"
        if row.state == "done":
            session.expunge(row)
            return row
        if row.created_at < now - ABANDONED:
            row.created_at = now
            return "claimed"
        return "running"


def _finish(factory: sessionmaker[Session], scope: str, key: str, captured: dict[str, Any]) -> None:
    status = captured.get("status")
    with transaction(factory) as session:
        row = session.get(IdempotencyKey, (scope, key))
        if row is None:
            return
        if status is None or status >= 500:
            session.delete(row)
            return
        headers: dict[bytes, bytes] = captured["headers"]
        row.state = "done"
        row.status = status
        row.content_type = headers.get(b"content-type", b"").decode("latin-1") or None
        location = headers.get(b"location")
        row.location = location.decode("latin-1") if location else None
        row.body = captured["body"]


async def _replay(send: Send, row: IdempotencyKey) -> None:
    headers = [(b"idempotent-replayed", b"true")]
    if row.content_type:
        headers.append((b"content-type", row.content_type.encode("latin-1")))
    if row.location:
        headers.append((b"location", row.location.encode("latin-1")))
    body = row.body or b""
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": row.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _problem(send: Send, scope: Scope, status: int, detail: str) -> None:
    slug, title = (
        ("conflict", "Conflict")
        if status == 409
        else ("idempotency-key", "Idempotency-Key misused")
    )
    await send_problem(send, scope, status=status, slug=slug, title=title, detail=detail)


def prune(factory: sessionmaker[Session]) -> int:
    """Delete keys older than ``KEEP`` (run daily with the outbox prune)."""
    with transaction(factory) as session:
        result = session.execute(
            delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - KEEP)
        )
    return int(getattr(result, "rowcount", 0) or 0)
