"""Short codes of tracked links and the visitor key of clicks."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import date

# 10 URL-safe characters from 60 bits of randomness: unguessable, short enough to share.
CODE_BYTES = 8
CODE_LENGTH = 10
CODE_PATTERN = r"^[A-Za-z0-9_-]{8,32}$"
_CODE = re.compile(CODE_PATTERN)


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)[:CODE_LENGTH]


def is_code(value: str) -> bool:
    """Whether ``value`` has the shape of a code; anything else is not looked up."""
    return _CODE.fullmatch(value) is not None


def visitor_key(secret: str, ip: str, user_agent: str, day: date) -> str:
    """A keyed hash of IP address, user agent and day. The raw IP is never stored, and a
    key that changes daily keeps one visitor's days from being linked together."""
    message = f"{day.isoformat()}\n{ip}\n{user_agent}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def link_url(public_url: str, code: str) -> str:
    return f"{public_url.rstrip('/')}/r/{code}"
