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


def encode_token(secret: str, payload: bytes) -> str:
    """An opaque, signed cursor carrying ``payload``."""
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_sign(secret, payload)}"


def decode_token(
    secret: str, cursor: str, size: int, field: str = "cursor", prefix: bytes = b""
) -> bytes:
    """The payload of a cursor this API signed (``size`` bytes after ``prefix``), or a 400
    naming ``field``."""
    body, _, signature = cursor.partition(".")
    try:
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        valid = (
            len(payload) == len(prefix) + size
            and payload.startswith(prefix)
            and hmac.compare_digest(signature, _sign(secret, payload))
        )
    except ValueError:
        valid = False
    if not valid:
        raise BadRequestError(
            f"the {field} is not one this API issued; use the value from the previous page",
            errors=[FieldError(field, f"invalid {field}")],
        )
    return payload[len(prefix) :]


def encode_cursor(secret: str, last_id: UUID) -> str:
    return encode_token(secret, last_id.bytes)


def decode_cursor(secret: str, cursor: str | None) -> UUID | None:
    if cursor is None:
        return None
    return UUID(bytes=decode_token(secret, cursor, 16))


def encode_integers(secret: str, *values: int) -> str:
    """A cursor over positions given by integers (delivery ids, event positions)."""
    return encode_token(secret, b"".join(v.to_bytes(8, "big", signed=True) for v in values))


def decode_integers(
    secret: str, cursor: str | None, count: int, field: str = "cursor"
) -> tuple[int, ...] | None:
    if cursor is None:
        return None
    payload = decode_token(secret, cursor, 8 * count, field)
    return tuple(
        int.from_bytes(payload[i : i + 8], "big", signed=True) for i in range(0, 8 * count, 8)
    )


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
        link_next(request, response, cursor=next_cursor, limit=limit)
    return Page[T](data=[to_out(row) for row in rows], next_cursor=next_cursor)


def link_next(request: Request, response: Response, **params: str | int | None) -> None:
    """Point the ``Link: rel="next"`` header at this URL with ``params`` replaced; nothing
    when the page is the last (its cursor is None)."""
    if None in params.values():
        return
    next_url = request.url.include_query_params(**params)
    response.headers["Link"] = f'<{next_url}>; rel="next"'


def encode_offset(secret: str, offset: int) -> str:
    """A cursor into a ranked list that is recomputed per request (match results)."""
    return encode_token(secret, b"o" + offset.to_bytes(4, "big"))


def decode_offset(secret: str, cursor: str | None) -> int:
    if cursor is None:
        return 0
    return int.from_bytes(decode_token(secret, cursor, 4, prefix=b"o"), "big")
