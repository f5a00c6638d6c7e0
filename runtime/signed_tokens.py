"""Signed tokens for the pages: the dashboard's session cookie and CSRF tokens, the apply
form's token and the employee share links. Each token is bound to a purpose, so a token
made for one use never passes as another."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

# 128 bits of HMAC-SHA256: far beyond guessing, and keeps links and cookies short.
_MAC_BYTES = 16


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        return None


def _mac(secret: str, purpose: str, payload: bytes) -> bytes:
    key = hashlib.sha256(f"talentmesh-pages:{purpose}:{secret}".encode()).digest()
    return hmac.new(key, payload, hashlib.sha256).digest()[:_MAC_BYTES]


def sign(secret: str, purpose: str, payload: bytes) -> str:
    """``payload`` and its MAC, URL-safe (no padding, no dots inside)."""
    return _b64(payload + _mac(secret, purpose, payload))


def unsign(secret: str, purpose: str, token: str) -> bytes | None:
    """The payload of a token made by :func:`sign` for ``purpose``; ``None`` when it is
    malformed or its MAC does not match."""
    raw = _unb64(token) if len(token) <= 1024 else None
    if raw is None or len(raw) < _MAC_BYTES:
        return None
    payload, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
    if not hmac.compare_digest(mac, _mac(secret, purpose, payload)):
        return None
    return payload


def sign_timed(secret: str, purpose: str, payload: bytes, *, now: float | None = None) -> str:
    """Like :func:`sign`, with the time of signing inside."""
    issued = int(now if now is not None else time.time())
    return sign(secret, purpose, issued.to_bytes(8, "big") + payload)


def unsign_timed(
    secret: str, purpose: str, token: str, *, max_age: float, now: float | None = None
) -> bytes | None:
    """The payload of a :func:`sign_timed` token no older than ``max_age`` seconds."""
    raw = unsign(secret, purpose, token)
    if raw is None or len(raw) < 8:
        return None
    issued = int.from_bytes(raw[:8], "big")
    current = now if now is not None else time.time()
    if not issued - 60 <= current <= issued + max_age:
        return None
    return raw[8:]
