"""Bounds on request body size, enforced while the body streams in."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.pages.jobs import form_problem_page
from api.problems import send_problem
from runtime.errors import PayloadTooLargeError

# Multipart framing adds a little on top of the file itself.
MULTIPART_MARGIN = 64 * 1024


class BodySizeLimitMiddleware:
    """Answers 413 before the app runs when Content-Length is too large, and stops reading a
    streamed body as soon as it passes the limit. Upload routes (``uploads``: path prefix to
    limit) get their own limit."""

    def __init__(self, app: ASGIApp, *, json_limit: int, uploads: dict[str, int]) -> None:
        self.app = app
        self.json_limit = json_limit
        self.uploads = uploads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = self.json_limit
        for prefix, upload_limit in self.uploads.items():
            if path.startswith(prefix):
                limit = upload_limit + MULTIPART_MARGIN
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._reject(scope, send, limit)
            return
        received = 0
        too_large = rejected = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise PayloadTooLargeError(f"the request body exceeds {limit} bytes")
            return message

        async def guarded_send(message: Message) -> None:
            # The framework may turn the aborted read into another error; the client must
            # see the 413 instead.
            nonlocal rejected
            if not too_large:
                await send(message)
            elif message["type"] == "http.response.start" and not rejected:
                rejected = True
                await self._reject(scope, send, limit)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not too_large:
                raise
        if too_large and not rejected:
            await self._reject(scope, send, limit)

    @staticmethod
    async def _reject(scope: Scope, send: Send, limit: int) -> None:
        if _from_a_page(scope):
            # A visitor's browser gets a page it can show, not a problem document.
            # The apply form's file may be as large as the upload limit (without the margin).
            shown = limit - MULTIPART_MARGIN if scope["path"].startswith("/jobs/") else limit
            detail = f"what you sent is larger than {shown / 1_048_576:.3g} MB"
            page = form_problem_page(413, detail, lang=None)
            headers = [*page.raw_headers, (b"connection", b"close")]
            await send({"type": "http.response.start", "status": 413, "headers": headers})
            await send({"type": "http.response.body", "body": page.body})
            return
        await send_problem(
            send,
            scope,
            status=413,
            slug="payload-too-large",
            title="Payload too large",
            detail=f"the request body exceeds {limit} bytes",
            headers=[(b"connection", b"close")],
        )


def _from_a_page(scope: Scope) -> bool:
    """A form post from one of the HTML pages (a browser that asks for HTML)."""
    accept = dict(scope["headers"]).get(b"accept", b"")
    return scope["path"].startswith(("/jobs/", "/dashboard")) and b"text/html" in accept
