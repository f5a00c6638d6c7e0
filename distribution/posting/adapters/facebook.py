"""Facebook Graph API, Pages: a link post on the page's feed with a page access token
(sent as ``Authorization: Bearer``, never in the URL, so it stays out of access logs).

Publish ``POST /{version}/{page-id}/feed`` (``{"id": "{page-id}_{post-id}"}``); update
``POST /{version}/{post-id}`` with the new message; withdraw ``DELETE /{version}/{post-id}``.
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

BASE_URL = "https://graph.facebook.com"
VERSION = "v21.0"


class FacebookAdapter:
    def __init__(
        self,
        client: httpx.Client,
        *,
        token: str,
        page_id: str,
        base_url: str = BASE_URL,
        version: str = VERSION,
    ) -> None:
        self.client = client
        self.page_id = page_id
        self.base = f"{base_url.rstrip('/')}/{version}"
        self.headers = {"Authorization": f"Bearer {token}"}

    def publish(self, content: Content) -> Published:
        response = send(
            self.client,
            "Facebook",
            "POST",
            f"{self.base}/{self.page_id}/feed",
            data={"message": content.text, "link": content.url},
            headers=self.headers,
        )
        post_id = _json(response).get("id")
        if not isinstance(post_id, str) or not post_id:
            raise PermanentError("Facebook answered without the post's id")
        return Published(post_id, f"https://www.facebook.com/{post_id}")

    def update(self, platform_id: str, content: Content) -> Published:
        send(
            self.client,
            "Facebook",
            "POST",
            f"{self.base}/{platform_id}",
            data={"message": content.text},
            headers=self.headers,
        )
        return Published(platform_id, f"https://www.facebook.com/{platform_id}")

    def withdraw(self, platform_id: str, content: Content) -> None:
        delete(self.client, "Facebook", f"{self.base}/{platform_id}", self.headers)


def _json(response: httpx.Response) -> dict[str, object]:
    try:
        data = response.json()
    except ValueError as exc:
        raise PermanentError("Facebook answered with something other than JSON") from exc
    return data if isinstance(data, dict) else {}
