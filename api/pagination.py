"""Cursor pagination: opaque, signed cursors, ``next_cursor`` in the body and an RFC 8288
``Link: <...>; rel="next"`` header."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from typing import Annotated, Generic, Protocol, TypeVar
from uuid import UUID

from fastapi import Query, Request, Response
from pydantic import BaseModel, Field

from runtime.errors import BadRequestError, FieldError

T = TypeVar("T")

LimitQuery = Annotated[int, Query(ge=1, le=100, description="Page size, 1 to 100.")]
CursorQuery = Annotated[
    str | None, Query(max_length=200, description="`next_cursor` of the previous page.")
]


class Page(BaseModel, Generic[T]):
    data: list[T]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end.")


def _sign(secret: str, payload: bytes) -> str:
    digest = hmac.new(secret.encode(), payload, hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def encode_cursor(secret: str, last_id: UUID) -> str:
    payload = last_id.bytes
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_sign(secret, payload)}"


def decode_cursor(secret: str, cursor: str | None) -> UUID | None:
    if cursor is None:
        return None
    body, _, signature = cursor.partition(".")
    try:
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        valid = len(payload) == 16 and hmac.compare_digest(signature, _sign(secret, payload))
    except ValueError:
        valid = False
    if not valid:
        raise BadRequestError(
            "the cursor is not one this API issued; use next_cursor from the previous page",
            errors=[FieldError("cursor", "invalid cursor")],
        )
    return UUID(bytes=payload)


class HasId(Protocol):
    @property
    def id(self) -> UUID: ...


R = TypeVar("R", bound=HasId)


def paginate(
    request: Request,
    response: Response,
    rows: list[R],
    *,
    limit: int,
    secret: str,
    to_out: Callable[[R], T],
) -> Page[T]:
    """``rows`` holds up to ``limit + 1`` rows; the extra row only signals a next page."""
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(secret, rows[-1].id)
        next_url = request.url.include_query_params(cursor=next_cursor, limit=limit)
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return Page[T](data=[to_out(row) for row in rows], next_cursor=next_cursor)


def encode_offset(secret: str, offset: int) -> str:
    """A cursor into a ranked list that is recomputed per request (match results)."""
    payload = b"o" + offset.to_bytes(4, "big")
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_sign(secret, payload)}"


def decode_offset(secret: str, cursor: str | None) -> int:
    if cursor is None:
        return 0
    body, _, signature = cursor.partition(".")
    try:
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        valid = (
            len(payload) == 5
            and payload[:1] == b"o"
            and hmac.compare_digest(signature, _sign(secret, payload))
        )
    except ValueError:
        valid = False
    if not valid:
        raise BadRequestError(
            "the cursor is not one this API issued; use next_cursor from the previous page",
            errors=[FieldError("cursor", "invalid cursor")],
        )
    return int.from_bytes(payload[1:], "big")
