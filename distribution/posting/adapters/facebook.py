"""Facebook Graph API, Pages: a link post on the page's feed with a page access token
(sent as ``Authorization: Bearer``, never in the URL, so it stays out of access logs).

The Graph API answers most errors with HTTP 400 and says what went wrong in
``{"error": {"message", "type", "code"}}``: an invalid or expired token (code 190 and the
other OAuth codes) or a missing permission (10, 200-299) is a credentials error, the
throttling codes (4, 17, 32, 613) a rate limit.

Publish ``POST /{version}/{page-id}/feed`` (``{"id": "{page-id}_{post-id}"}``); update
``POST /{version}/{post-id}`` with the new message; withdraw ``DELETE /{version}/{post-id}``.
"""

from __future__ import annotations

import httpx

from distribution.posting.adapters.base import (
    Content,
    CredentialsRejectedError,
    PermanentError,
    Published,
    RateLimitedError,
    check,
    request,
    retry_at,
)

BASE_URL = "https://graph.facebook.com"
_OAUTH_CODES = {102, 190, 10}
_THROTTLE_CODES = {4, 17, 32, 613}
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
        response = self._send(
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
        self._send(
            "POST",
            f"{self.base}/{platform_id}",
            data={"message": content.text},
            headers=self.headers,
        )
        return Published(platform_id, f"https://www.facebook.com/{platform_id}")

    def withdraw(self, platform_id: str, content: Content) -> None:
        try:
            self._send("DELETE", f"{self.base}/{platform_id}", headers=self.headers)
        except PermanentError as exc:
            # Gone already (a retry after a lost answer, or deleted on the page by hand).
            if exc.status != 404:
                raise

    def _send(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        response = request(self.client, "Facebook", method, url, **kwargs)
        if response.status_code >= 400:
            error = _json(response).get("error")
            code = error.get("code") if isinstance(error, dict) else None
            if isinstance(code, int):
                said = f"Facebook answered HTTP {response.status_code}: {error}"[:500]
                if code in _OAUTH_CODES or 200 <= code < 300:
                    raise CredentialsRejectedError(said)
                if code in _THROTTLE_CODES:
                    raise RateLimitedError(said, retry_at(response))
        return check(response, "Facebook")


def _json(response: httpx.Response) -> dict[str, object]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
