"""Who is visiting: the request's address and user agent as a ``Visit`` of a link."""

from __future__ import annotations

from fastapi import Request

from distribution.links.service import Visit
from models.base import utcnow


def visit_of(request: Request) -> Visit:
    # The connection's own address: X-Forwarded-For is whatever the client wants it to be.
    # Behind a proxy, run uvicorn with --forwarded-allow-ips so request.client is the visitor.
    return Visit(
        ip=request.client.host if request.client else "",
        user_agent=request.headers.get("user-agent", ""),
        at=utcnow(),
    )
