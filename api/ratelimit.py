"""Rate limits per API key, shared by every API process through the broker's Redis.

The limit is a generic cell rate (GCRA): ``REQUESTS`` per ``SECONDS``, with bursts up to
``REQUESTS``, and one key in Redis per API key holding its theoretical arrival time. One
Lua script reads and writes it atomically on Redis' own clock, so API processes on several
machines agree. Every ``/v1`` answer carries ``RateLimit-Limit``, ``RateLimit-Remaining``
and ``RateLimit-Reset`` (seconds until the full allowance is back); a request over the
limit gets 429 with ``Retry-After``. If Redis does not answer, requests are let through:
the limit protects the service, it must not take it down.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
import weakref

import redis.asyncio as aioredis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import send_problem

logger = logging.getLogger(__name__)

# KEYS[1]: the counter; ARGV: emission interval (microseconds), burst (requests).
# Returns {allowed, remaining, reset_us, retry_after_us}.
GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - burst * interval
if allow_at > now then
  local remaining = math.floor((now - (tat - burst * interval)) / interval)
  return {0, remaining, tat - now, allow_at - now}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000) + 1)
return {1, math.floor((now - allow_at) / interval), new_tat - now, 0}
"""
PREFIX = "talentmesh:ratelimit:"
# Log a broker outage at most this often.
WARN_EVERY_SECONDS = 60.0


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, redis_url: str, requests: int, seconds: int) -> None:
        self.app = app
        self.requests = requests
        self.interval_us = seconds * 1_000_000 // requests
        self.redis_url = redis_url
        # An asyncio connection belongs to the event loop that opened it: one client per
        # loop (a server has one; test clients start one each).
        self._scripts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncScript] = (
            weakref.WeakKeyDictionary()
        )
        self._warned = 0.0

    def _script(self) -> AsyncScript:
        loop = asyncio.get_running_loop()
        script = self._scripts.get(loop)
        if script is None:
            client = aioredis.Redis.from_url(
                self.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5
            )
            script = self._scripts[loop] = client.register_script(GCRA)
        return script

    async def _take(self, credentials: bytes) -> tuple[bool, int, float, float] | None:
        key = PREFIX + hashlib.sha256(credentials).hexdigest()[:32]
        try:
            allowed, remaining, reset_us, retry_us = await self._script()(
                keys=[key], args=[self.interval_us, self.requests]
            )
        except (RedisError, OSError) as exc:
            if time.monotonic() - self._warned > WARN_EVERY_SECONDS:
                self._warned = time.monotonic()
                logger.warning("rate limits are off while the broker does not answer: %s", exc)
            return None
        return bool(allowed), max(0, int(remaining)), reset_us / 1e6, retry_us / 1e6

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or []) if scope["type"] == "http" else {}
        credentials = headers.get(b"authorization")
        if credentials is None or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        taken = await self._take(credentials)
        if taken is None:
            await self.app(scope, receive, send)
            return
        allowed, remaining, reset, retry_after = taken
        limit_headers = [
            (b"ratelimit-limit", str(self.requests).encode()),
            (b"ratelimit-remaining", str(remaining).encode()),
            (b"ratelimit-reset", str(math.ceil(reset)).encode()),
        ]
        if not allowed:
            await _too_many(send, scope, limit_headers, math.ceil(retry_after))
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *limit_headers]
            await send(message)

        await self.app(scope, receive, with_headers)


async def _too_many(
    send: Send, scope: Scope, headers: list[tuple[bytes, bytes]], retry_after: int
) -> None:
    await send_problem(
        send,
        scope,
        status=429,
        slug="rate-limited",
        title="Too many requests",
        detail=f"this API key made too many requests; try again in {retry_after} s",
        headers=[*headers, (b"retry-after", str(retry_after).encode())],
    )
