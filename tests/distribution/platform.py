"""A local HTTP server standing in for LinkedIn, Facebook, X and chat/intranet webhooks.

It records every request (method, path, headers, body) and answers it as the platform's
documentation says it answers: by default the success of each endpoint, with ids counted
up; a test queues other answers (recorded error responses: 401, 429 with Retry-After,
5xx) for a method and path prefix, and they are used first, in order."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


# Error answers as the platforms document them.
LINKEDIN_401 = Reply(
    401,
    {
        "status": 401,
        "serviceErrorCode": 65600,
        "code": "INVALID_ACCESS_TOKEN",
        "message": "Invalid access token",
    },
)
FACEBOOK_INVALID_TOKEN = Reply(
    400,
    {
        "error": {
            "message": "Error validating access token: Session has expired",
            "type": "OAuthException",
            "code": 190,
            "error_subcode": 463,
            "fbtrace_id": "AbCdEfGh",
        }
    },
)
X_429 = Reply(
    429,
    {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    },
)
SERVER_ERROR = Reply(503, {"message": "Service Unavailable"})


class Platform:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._script: list[tuple[str, str, Reply]] = []
        self._lock = threading.Lock()
        self._ids = 1000
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                recorded = Recorded(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                reply = platform._answer(recorded)
                data = b""
                if isinstance(reply.body, bytes):
                    data = reply.body
                elif reply.body is not None:
                    data = json.dumps(reply.body).encode()
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if data:
                    self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _handle  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Platform:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def queue(self, method: str, prefix: str, *replies: Reply) -> None:
        with self._lock:
            self._script += [(method, prefix, reply) for reply in replies]

    def calls(self, method: str | None = None, prefix: str = "") -> list[Recorded]:
        with self._lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method) and r.path.startswith(prefix)
            ]

    def _answer(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
            for index, (method, prefix, reply) in enumerate(self._script):
                if method == recorded.method and recorded.path.startswith(prefix):
                    del self._script[index]
                    return reply
            self._ids += 1
            return _documented(recorded, self._ids)


def _documented(request: Recorded, number: int) -> Reply:
    """Each endpoint's documented success."""
    path, method = request.path, request.method
    if path == "/rest/posts" and method == "POST":
        return Reply(201, headers={"x-restli-id": f"urn:li:share:{number}"})
    if path.startswith("/rest/posts/"):
        return Reply(204)
    if path.startswith("/v21.0/"):
        rest = path.removeprefix("/v21.0/")
        if method == "POST" and rest.endswith("/feed"):
            return Reply(200, {"id": f"{rest.removesuffix('/feed')}_{number}"})
        return Reply(200, {"success": True})
    if path == "/2/tweets" and method == "POST":
        return Reply(201, {"data": {"id": str(number), "text": request.json()["text"]}})
    if path.startswith("/2/tweets/") and method == "DELETE":
        return Reply(200, {"data": {"deleted": True}})
    if path.startswith("/hooks/"):
        return Reply(200, b"ok")
    return Reply(404, {"message": f"no such endpoint: {method} {unquote(path)}"})
