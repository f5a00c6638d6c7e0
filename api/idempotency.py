"""``Idempotency-Key`` on POST: the same key with the same request within 24 hours answers
the stored response without doing anything a second time; the same key with another
request answers 422; a request whose twin is still running answers 409.

Keys belong to the credentials they came with (a digest of the ``Authorization`` header),
so two clients never collide. Only responses below 500 are stored: after a server error the
key can be used again. A key whose first request died with its process (``running`` for
longer than ``ABANDONED``) is taken over by the next request with the same body.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

import anyio
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models import IdempotencyKey
from models.base import utcnow
from models.db import transaction

HEADER = b"idempotency-key"
KEEP = timedelta(hours=24)
ABANDONED = timedelta(minutes=2)
MAX_KEY = 255


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

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
        body, replay_receive = await _read_body(receive)
        credentials = hashlib.sha256(headers[b"authorization"]).hexdigest()
        digest = hashlib.sha256(
            b"\n".join([scope["path"].encode(), scope.get("query_string", b""), body])
        ).hexdigest()
        factory: sessionmaker[Session] = scope["app"].state.session_factory
        claim = await anyio.to_thread.run_sync(_claim, factory, credentials, key, digest)
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

        try:
            await self.app(scope, replay_receive, capture)
        finally:
            await anyio.to_thread.run_sync(_finish, factory, credentials, key, captured)


async def _read_body(receive: Receive) -> tuple[bytes, Receive]:
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
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
        ).one()
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

    slug = {409: "conflict", 422: "idempotency-key"}[status]
    title = {409: "Conflict", 422: "Idempotency-Key misused"}[status]
    body = json.dumps(
        {
            "type": f"/problems/{slug}",
            "title": title,
            "status": status,
            "detail": detail,
            "instance": scope["path"],
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def prune(factory: sessionmaker[Session]) -> int:
    """Delete keys older than ``KEEP`` (run daily with the outbox prune)."""
    with transaction(factory) as session:
        result = session.execute(
            delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - KEEP)
        )
    return int(getattr(result, "rowcount", 0) or 0)
