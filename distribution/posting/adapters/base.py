"""The adapter interface: what is posted (:class:`Content`), what the platform answered
(:class:`Published`), the three operations, and the errors that decide what happens next.

An adapter makes one request per operation and never retries itself: the worker
(``distribution/posting/worker.py``) turns each error into a retry or a visible failure.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import httpx

# Waits the worker accepts from a platform's Retry-After: beyond a day, we try again then.
MAX_RETRY_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Content:
    """One message about one vacancy: ``text`` is the templated message, already within
    the channel's length limit and holding ``url`` (the channel's tracked link)."""

    post_id: str
    title: str
    text: str
    url: str
    description: str
    organisation: str
    language: str | None = None


@dataclass(frozen=True)
class Published:
    """The platform's id of the post, and its address where the platform gives one."""

    platform_id: str
    url: str | None = None


class PostingError(Exception):
    """The operation failed; the message (kept on the post) says what the platform said."""

    status: int | None = None


class CredentialsRejectedError(PostingError):
    """401/403: the token or secret is wrong, expired or lacks a permission. Retrying does
    not help; the channel needs new credentials."""


class RateLimitedError(PostingError):
    """429: try again at ``retry_at``."""

    def __init__(self, message: str, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class TemporaryError(PostingError):
    """5xx, a timeout or a broken connection: worth trying again later."""


class PermanentError(PostingError):
    """Another 4xx: the platform refuses this request, and would refuse it again."""


class Adapter(Protocol):
    def publish(self, content: Content) -> Published: ...

    def update(self, platform_id: str, content: Content) -> Published:
        """Change the post; the answer holds its id, new where the platform cannot edit."""
        ...

    def withdraw(self, platform_id: str, content: Content) -> None:
        """Delete the post, or (where a platform cannot delete) say the vacancy closed."""
        ...


def retry_at(response: httpx.Response, now: datetime | None = None) -> datetime:
    """When a 429 may be retried: ``Retry-After`` (seconds or an HTTP date), else X's
    ``x-rate-limit-reset`` (epoch seconds), else a minute from now; at most a day away."""
    now = now or datetime.now(UTC)
    at: datetime | None = None
    value = response.headers.get("retry-after")
    if value is not None:
        value = value.strip()
        if value.isdigit():
            at = now + timedelta(seconds=int(value))
        else:
            try:
                at = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                at = None
            if at is not None and at.tzinfo is None:
                at = at.replace(tzinfo=UTC)
    reset = response.headers.get("x-rate-limit-reset")
    if at is None and reset is not None and reset.strip().isdigit():
        at = datetime.fromtimestamp(int(reset), UTC)
    if at is None:
        at = now + timedelta(minutes=1)
    return min(max(at, now), now + MAX_RETRY_AFTER)


def _excerpt(response: httpx.Response) -> str:
    return response.text[:300].strip()


def check(response: httpx.Response, platform: str) -> httpx.Response:
    """The response if it is a success; otherwise the typed error it stands for."""
    status = response.status_code
    if 200 <= status < 300:
        return response
    said = f"{platform} answered HTTP {status}: {_excerpt(response)}".strip().rstrip(":")
    error: PostingError
    if status in (401, 403):
        error = CredentialsRejectedError(said)
    elif status == 429:
        error = RateLimitedError(said, retry_at(response))
    elif status >= 500 or status == 408:
        error = TemporaryError(said)
    else:
        error = PermanentError(said)
    error.status = status
    raise error


def request(
    client: httpx.Client, platform: str, method: str, url: str, **kwargs: object
) -> httpx.Response:
    """One request, whatever its status; transport failures (refused, reset, timed out)
    are temporary."""
    try:
        return client.request(method, url, **kwargs)  # type: ignore[arg-type]
    except httpx.HTTPError as exc:
        raise TemporaryError(f"{platform} not reached: {type(exc).__name__}: {exc}"[:500]) from exc


def send(
    client: httpx.Client, platform: str, method: str, url: str, **kwargs: object
) -> httpx.Response:
    """One request, and its success or typed error."""
    return check(request(client, platform, method, url, **kwargs), platform)


def delete(client: httpx.Client, platform: str, url: str, headers: dict[str, str]) -> None:
    """Delete a post; one that is gone already (a retry after a lost answer, or removed by
    hand on the platform) counts as deleted."""
    try:
        send(client, platform, "DELETE", url, headers=headers)
    except PermanentError as exc:
        if exc.status not in (404, 410):
            raise
