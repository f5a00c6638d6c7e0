"""Which settings each kind of channel takes, which of them are secret, and the adapter
a channel gets. A channel is usable only once its credentials are all configured."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from distribution.posting.adapters import facebook, linkedin, x
from distribution.posting.adapters.base import Adapter
from distribution.posting.adapters.mail import EmailAdapter
from distribution.posting.adapters.webhook import WebhookAdapter
from models import PostingChannel


@dataclass(frozen=True)
class Kind:
    # Settings that may be shown (page id, author URN, list addresses), required first.
    config: tuple[str, ...]
    optional: tuple[str, ...]
    # Settings that are never shown: tokens, and URLs that are themselves a secret.
    credentials: tuple[str, ...]
    # Settings holding a URL the worker calls: checked like webhook URLs.
    urls: tuple[str, ...] = ()
    # The longest text the platform takes (X counts every URL as 23 characters).
    max_length: int = 3000


_API = ("api_base_url", "language")
KINDS: dict[str, Kind] = {
    "linkedin": Kind(("author",), (*_API, "version"), ("access_token",), ("api_base_url",), 3000),
    "facebook": Kind(("page_id",), (*_API, "version"), ("access_token",), ("api_base_url",), 5000),
    "x": Kind((), (*_API, "handle"), ("access_token",), ("api_base_url",), 280),
    "slack": Kind((), ("language",), ("webhook_url",), ("webhook_url",), 3000),
    "teams": Kind((), ("language",), ("webhook_url",), ("webhook_url",), 3000),
    "webhook": Kind(("url",), ("language",), ("secret",), ("url",), 10000),
    "email": Kind(("recipients",), ("language",), (), (), 10000),
}


def missing_credentials(channel: PostingChannel) -> list[str]:
    kind = KINDS[channel.kind]
    return [name for name in kind.credentials if not channel.credentials.get(name)]


def urls_of(config: dict[str, Any], credentials: dict[str, Any], kind: str) -> list[str]:
    values = config | credentials
    return [str(values[name]) for name in KINDS[kind].urls if values.get(name)]


def build(
    channel: PostingChannel,
    client: httpx.Client,
    *,
    smtp_url: str | None,
    smtp_from: str,
) -> Adapter:
    config, secret = channel.config, channel.credentials
    base: dict[str, Any] = (
        {"base_url": config["api_base_url"]} if config.get("api_base_url") else {}
    )
    if config.get("version"):
        base["version"] = config["version"]
    match channel.kind:
        case "linkedin":
            return linkedin.LinkedInAdapter(
                client, token=secret["access_token"], author=config["author"], **base
            )
        case "facebook":
            return facebook.FacebookAdapter(
                client, token=secret["access_token"], page_id=config["page_id"], **base
            )
        case "x":
            return x.XAdapter(
                client, token=secret["access_token"], handle=config.get("handle"), **base
            )
        case "slack" | "teams":
            return WebhookAdapter(client, style=channel.kind, url=secret["webhook_url"])
        case "webhook":
            return WebhookAdapter(
                client, style="webhook", url=config["url"], secret=secret["secret"]
            )
        case "email":
            return EmailAdapter(
                smtp_url=smtp_url, sender=smtp_from, recipients=list(config["recipients"])
            )
    raise ValueError(f"no adapter for channel kind {channel.kind!r}")
