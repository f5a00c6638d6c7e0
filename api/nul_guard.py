"""No NUL character in an address. PostgreSQL text cannot hold one, so a ``%00`` in a path
or query parameter that reaches a lookup (an ``external_id`` filter, an organisation's slug)
would fail at the database as a server error. No resource and no filter value contains one:
a path with it is not found (404) and a query parameter with it is invalid (422, naming the
parameter), before any route runs."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from api.pages.jobs import form_problem_page
from api.problems import PROBLEM_MEDIA_TYPE, problem_type


class NulGuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        answer = _answer(scope)
        if answer is None:
            await self.app(scope, receive, send)
            return
        status, body = answer
        accept = dict(scope["headers"]).get(b"accept", b"")
        if not scope["path"].startswith("/v1/") and b"text/html" in accept:
            page = form_problem_page(status, str(body["detail"]), lang=None)
            start = {"type": "http.response.start", "status": status, "headers": page.raw_headers}
            await send(start)
            await send({"type": "http.response.body", "body": page.body})
            return
        content = json.dumps(body).encode()
        headers = [
            (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
            (b"content-length", str(len(content)).encode()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})


def _answer(scope: Scope) -> tuple[int, dict[str, object]] | None:
    """The problem (status, body) of an address with a NUL, or ``None``."""
    # The server has decoded the path; the query string is still percent-encoded.
    path: str = scope["path"]
    instance = path.replace("\x00", "%00")
    if "\x00" in path:
        return 404, {
            "type": problem_type("not-found"),
            "title": "Not found",
            "status": 404,
            "detail": "no resource has a NUL character (%00) in its address",
            "instance": instance,
        }
    query: bytes = scope.get("query_string", b"")
    if b"%00" not in query and b"\x00" not in query:
        return None
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    names = [name for name, value in pairs if "\x00" in name or "\x00" in value]
    # The name as JSON writes it, so a NUL in a parameter's name shows as \u0000.
    fields = [json.dumps(name)[1:-1] for name in names] or ["query"]
    message = "may not contain the NUL character (%00)"
    return 422, {
        "type": problem_type("validation-error"),
        "title": "Validation failed",
        "status": 422,
        "detail": f"invalid value for: {', '.join(fields)}",
        "instance": instance,
        "errors": [{"field": field, "message": message} for field in fields],
    }
