"""X API v2: a post (tweet) with an OAuth 2.0 user-context bearer token.

Publish ``POST /2/tweets`` with ``{"text"}`` (201, ``{"data": {"id", "text"}}``). X cannot
edit a post through the API: an update deletes it and posts the new text (a new id).
Withdraw ``DELETE /2/tweets/{id}`` (``{"data": {"deleted": true}}``).
"""

from __future__ import annotations

import httpx

from distribution.posting.adapters.base import (
    Content,
    PermanentError,
    Published,
    delete,
    send,
)

BASE_URL = "https://api.x.com"


class XAdapter:
    def __init__(
        self,
        client: httpx.Client,
        *,
        token: str,
        handle: str | None = None,
        base_url: str = BASE_URL,
    ) -> None:
        self.client = client
        self.handle = handle
        self.base = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def _url(self, post_id: str) -> str:
        return f"https://x.com/{self.handle or 'i/web'}/status/{post_id}"

    def publish(self, content: Content) -> Published:
        response = send(
            self.client,
            "X",
            "POST",
            f"{self.base}/2/tweets",
            json={"text": content.text},
            headers=self.headers,
        )
        try:
            post_id = response.json()["data"]["id"]
        except (ValueError, KeyError, TypeError) as exc:
            raise PermanentError("X answered without the post's id") from exc
        return Published(str(post_id), self._url(str(post_id)))

    def update(self, platform_id: str, content: Content) -> Published:
        self.withdraw(platform_id, content)
        return self.publish(content)

    def withdraw(self, platform_id: str, content: Content) -> None:
        authorization = {"Authorization": self.headers["Authorization"]}
        delete(self.client, "X", f"{self.base}/2/tweets/{platform_id}", authorization)
