"""Signatures of outgoing webhooks per the Standard Webhooks convention: ``webhook-id``,
``webhook-timestamp`` and ``webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time

SECRET_PREFIX = "whsec_"  # noqa: S105 - a format marker, not a secret


def valid_secret(secret: str) -> bool:
    """Whether a ``whsec_`` secret decodes (receivers' libraries decode it the same way)."""
    try:
        base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except ValueError:
        return False
    return True


def secret_bytes(secret: str) -> bytes:
    """``whsec_<base64>`` secrets are decoded as the convention says (checked when stored);
    any other string is used as its UTF-8 bytes."""
    if secret.startswith(SECRET_PREFIX):
        return base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    return secret.encode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(
    secret: str | list[str], message_id: str, body: bytes, timestamp: int | None = None
) -> dict[str, str]:
    """Headers of one signed message. Several secrets (during a rotation) give several
    space-separated signatures; a receiver accepts the message if any of them verifies."""
    ts = int(time.time()) if timestamp is None else timestamp
    secrets = [secret] if isinstance(secret, str) else secret
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": " ".join(signature(s, message_id, ts, body) for s in secrets),
        "content-type": "application/json",
    }


def new_secret() -> str:
    """A fresh ``whsec_`` secret: 24 random bytes, base64."""
    return SECRET_PREFIX + base64.b64encode(os.urandom(24)).decode()
