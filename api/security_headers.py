"""Security headers on every answer. Pages set their own stricter policy
(``api/pages/templating.py``); what a route set itself is kept."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# An API answer is data: nothing in it may run, load, or be framed.
_API_POLICY = b"default-src 'none'; frame-ancestors 'none'"
# The interactive reference loads its viewer from a CDN; the policy above would blank it.
_OWN_POLICY_PATHS = ("/docs", "/redoc")
_HSTS = b"max-age=31536000; includeSubDomains"


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        extra = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
        ]
        if not path.startswith(_OWN_POLICY_PATHS):
            extra.append((b"content-security-policy", _API_POLICY))
        # Only over TLS (behind a proxy: uvicorn --proxy-headers sets the scheme): a browser
        # ignores HSTS on plain http, and a development server must stay reachable.
        if scope.get("scheme") == "https":
            extra.append((b"strict-transport-security", _HSTS))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in extra if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
