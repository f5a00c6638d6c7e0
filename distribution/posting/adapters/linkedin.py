"""LinkedIn Posts API (Community Management): an article post on an organisation page.

Publish ``POST /rest/posts`` (201, the post URN in ``x-restli-id``); update a partial
update of the commentary (``X-RestLi-Method: PARTIAL_UPDATE``); withdraw ``DELETE`` (204).
"""

from __future__ import annotations

from urllib.parse import quote

import httpx

from distribution.posting.adapters.base import (
    Content,
    PermanentError,
    Published,
    delete,
    send,
)

BASE_URL = "https://api.linkedin.com"
# The monthly API version (YYYYMM) the requests are written against.
VERSION = "202511"


class LinkedInAdapter:
    def __init__(
        self,
        client: httpx.Client,
        *,
        token: str,
        author: str,
        base_url: str = BASE_URL,
        version: str = VERSION,
    ) -> None:
        self.client = client
        self.author = author
        self.base = base_url.rstrip("/")
        self.headers = {
            "Authorization": f"Bearer {token}",
            "LinkedIn-Version": version,
            "X-Restli-Protocol-Version": "2.0.0",
            "Content-Type": "application/json",
        }

    def _post_url(self, urn: str) -> str:
        return f"{self.base}/rest/posts/{quote(urn, safe='')}"

    def publish(self, content: Content) -> Published:
        body = {
            "author": self.author,
            "commentary": content.text,
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "content": {
                "article": {
                    "source": content.url,
                    "title": content.title[:400],
                    "description": content.description[:4086],
                }
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        response = send(
            self.client,
            "LinkedIn",
            "POST",
            f"{self.base}/rest/posts",
            json=body,
            headers=self.headers,
        )
        urn = response.headers.get("x-restli-id")
        if not urn:
            raise PermanentError("LinkedIn answered without the post's id (x-restli-id)")
        return Published(urn, f"https://www.linkedin.com/feed/update/{urn}/")

    def update(self, platform_id: str, content: Content) -> Published:
        body = {"patch": {"$set": {"commentary": content.text}}}
        headers = self.headers | {"X-RestLi-Method": "PARTIAL_UPDATE"}
        send(
            self.client,
            "LinkedIn",
            "POST",
            self._post_url(platform_id),
            json=body,
            headers=headers,
        )
        return Published(platform_id, f"https://www.linkedin.com/feed/update/{platform_id}/")

    def withdraw(self, platform_id: str, content: Content) -> None:
        delete(self.client, "LinkedIn", self._post_url(platform_id), self.headers)
