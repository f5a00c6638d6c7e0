"""Sending posts: lease the due ones, call the platform outside any transaction, and
record the answer in a short transaction of its own.

What an error leads to:

- credentials rejected (401/403): the post fails at once, and the error is shown on the
  post and on its channel (until the channel's credentials change or a call succeeds);
- rate limited (429): tried again at the platform's ``Retry-After`` (seconds or a date,
  or X's ``x-rate-limit-reset``), not counted as a failed attempt;
- temporary (5xx, timeout, connection): tried again after 1, 2, 4, 8 minutes; the fifth
  failed attempt fails the post with the error shown;
- permanent (another 4xx): the post fails with the platform's answer shown.

A worker that dies mid-call leaves only a lease, which lapses: the post is tried again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

import httpx
from sqlalchemy.orm import Session, sessionmaker

from distribution.links.codes import link_url
from distribution.posting import repository
from distribution.posting.adapters.base import (
    Content,
    CredentialsRejectedError,
    PermanentError,
    PostingError,
    Published,
    RateLimitedError,
    TemporaryError,
)
from distribution.posting.adapters.registry import KINDS, build, missing_credentials, urls_of
from distribution.posting.service import RUN_TASK
from distribution.posting.text import cut, render, x_length
from integration.webhooks import targets
from models import Post, PostingChannel, PostingRuleChannel, TrackedLink, Vacancy
from models.base import utcnow
from models.db import transaction
from runtime.outbox import enqueue

logger = logging.getLogger(__name__)

Action = Literal["publish", "update", "withdraw"]
BATCH = 10
MAX_ATTEMPTS = 5
BACKOFF = timedelta(minutes=1)
RUN_BUDGET_SECONDS = 30.0


@dataclass(frozen=True)
class Job:
    post_id: UUID
    action: Action
    channel: PostingChannel  # a detached copy: kind, config and credentials
    platform_id: str | None
    content: Content
    blocked: str | None = None


@dataclass(frozen=True)
class Settings:
    """What the worker needs of the service's settings."""

    public_url: str
    smtp_url: str | None
    smtp_from: str
    timeout: float = 15.0
    allow_private: bool = False


def _action(post: Post) -> Action:
    if post.status == "withdrawing":
        return "withdraw"
    return "update" if post.status == "updating" else "publish"


def _render(
    session: Session, post: Post, channel: PostingChannel, vacancy: Vacancy, public: str
) -> str | None:
    entry = (
        session.get(PostingRuleChannel, (post.rule_id, post.channel_id))
        if post.rule_id is not None
        else None
    )
    language = (
        (entry.language if entry is not None else None)
        or channel.config.get("language")
        or vacancy.language
        or "en"
    )
    link = session.get(TrackedLink, post.link_id) if post.link_id is not None else None
    post.link_url = link_url(public, link.code) if link is not None else None
    organisation = repository.organisation(session, post.organisation_id)
    post.title = vacancy.title
    post.text = render(
        entry.template if entry is not None else None,
        language=language,
        title=vacancy.title,
        organisation=organisation.name,
        city=vacancy.location_city,
        description=vacancy.description,
        url=post.link_url or public,
        hashtags=entry.hashtags if entry is not None else [],
        limit=KINDS[channel.kind].max_length,
        measure=x_length if channel.kind == "x" else len,
    )
    return language


def _blocked(channel: PostingChannel, action: Action, settings: Settings) -> str | None:
    missing = missing_credentials(channel)
    if missing:
        return f"the channel has no {', '.join(missing)} configured"
    if action != "withdraw" and not channel.enabled:
        return "the channel is disabled"
    if not settings.allow_private:
        for url in urls_of(channel.config, channel.credentials, channel.kind):
            refused = targets.refusal(url)
            if refused is not None:
                return f"not sent: {refused}"
    return None


def claim(session: Session, now: datetime, settings: Settings) -> tuple[list[Job], int]:
    """Lease up to ``BATCH`` due posts; returns the calls to make and how many were leased
    (a post that never reached the platform is withdrawn here, without a call)."""
    lease = timedelta(seconds=BATCH * settings.timeout * 2 + 30)
    posts = repository.claim_due(session, now, lease, BATCH)
    channels = repository.channels_by_id(session, [post.channel_id for post in posts])
    jobs = []
    for post in posts:
        channel = channels[post.channel_id]
        action = _action(post)
        vacancy = session.get(Vacancy, post.vacancy_id) if post.vacancy_id is not None else None
        if action == "withdraw" and post.platform_id is None:
            _finish_withdrawal(post, now)
            continue
        if action != "withdraw" and vacancy is None:
            if post.platform_id is None:
                # Deleted before it was posted: nothing to take down.
                _finish_withdrawal(post, now)
                continue
            # Deleted by something other than the vacancy service: take the post down.
            action = "withdraw"
            post.status = "withdrawing"
        language = None
        if action != "withdraw":
            assert vacancy is not None
            language = _render(session, post, channel, vacancy, settings.public_url)
            if action == "publish":
                post.status = "publishing"
        copy = PostingChannel(
            id=channel.id,
            kind=channel.kind,
            config=dict(channel.config),
            credentials=dict(channel.credentials),
            enabled=channel.enabled,
        )
        content = Content(
            post_id=str(post.id),
            title=post.title,
            text=post.text or post.title,
            url=post.link_url or settings.public_url,
            description=cut(" ".join(vacancy.description.split()), 300) if vacancy else "",
            organisation=repository.organisation(session, post.organisation_id).name,
            language=language,
        )
        jobs.append(
            Job(post.id, action, copy, post.platform_id, content, _blocked(copy, action, settings))
        )
    session.flush()
    return jobs, len(posts)


def perform(job: Job, client: httpx.Client, settings: Settings) -> Published | PostingError | None:
    """One call to the platform; the answer, or the error it raised."""
    if job.blocked is not None:
        return PostingError(job.blocked)
    try:
        adapter = build(
            job.channel, client, smtp_url=settings.smtp_url, smtp_from=settings.smtp_from
        )
        if job.action == "publish":
            return adapter.publish(job.content)
        assert job.platform_id is not None
        if job.action == "update":
            return adapter.update(job.platform_id, job.content)
        adapter.withdraw(job.platform_id, job.content)
        return None
    except PostingError as error:
        return error
    except Exception as exc:
        # A fault of ours (a setting of an unexpected shape, a bug): the post fails with
        # the error shown rather than being leased and retried for ever.
        logger.exception("post %s: %s failed", job.post_id, job.action)
        return PermanentError(f"internal error: {type(exc).__name__}")


def _finish_withdrawal(post: Post, now: datetime) -> None:
    post.status = "withdrawn"
    post.withdrawn_at = now
    post.next_attempt_at = None
    post.leased_until = None
    post.last_error = None


def record(
    session: Session, job: Job, outcome: Published | PostingError | None, now: datetime
) -> None:
    """Move the post (and its channel) to the next state after one call."""
    post = repository.lock_post(session, job.post_id)
    if post is None:
        return
    post.leased_until = None
    channel = session.get_one(PostingChannel, post.channel_id)
    if not isinstance(outcome, PostingError):
        post.attempts = 0
        post.last_error = None
        channel.last_error = None
        channel.last_error_at = None
        if job.action == "withdraw":
            _finish_withdrawal(post, now)
        else:
            assert outcome is not None
            post.platform_id = outcome.platform_id
            post.platform_url = outcome.url
            if job.action == "publish":
                post.published_at = now
            # Withdrawn while the call was in flight: take it down next.
            post.status = "withdrawing" if post.status == "withdrawing" else "published"
            post.next_attempt_at = now if post.status == "withdrawing" else None
        session.flush()
        return
    message = f"{job.action}: {outcome}"[:1000]
    post.last_error = message
    if post.status == "withdrawing" and job.action != "withdraw" and post.platform_id is None:
        # Withdrawn while its first publish failed: it never reached the platform.
        _finish_withdrawal(post, now)
    elif isinstance(outcome, RateLimitedError):
        post.next_attempt_at = outcome.retry_at
        _back_in_line(session, post)
    elif isinstance(outcome, TemporaryError) and post.attempts + 1 < MAX_ATTEMPTS:
        post.attempts += 1
        post.next_attempt_at = now + BACKOFF * 2 ** (post.attempts - 1)
        _back_in_line(session, post)
    else:
        post.attempts += 1
        post.status = "failed"
        post.next_attempt_at = None
        if isinstance(outcome, CredentialsRejectedError) or job.blocked is not None:
            channel.last_error = message
            channel.last_error_at = now
        logger.warning("post %s failed: %s", post.id, message)
    session.flush()


def _back_in_line(session: Session, post: Post) -> None:
    if post.status == "publishing":
        post.status = "scheduled"
    # A run at the retry's time (the outbox hands it over when due); the periodic sweep
    # would find the post as well, within 30 s.
    enqueue(session, RUN_TASK, eta=post.next_attempt_at)


def run(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    now: datetime | None = None,
    budget: float = RUN_BUDGET_SECONDS,
) -> tuple[int, bool]:
    """Send what is due until nothing is or the budget is spent. Returns the calls made
    and whether due posts may be left."""
    deadline = time.monotonic() + budget
    made = 0
    with httpx.Client(timeout=settings.timeout, follow_redirects=False) as client:
        while True:
            if time.monotonic() >= deadline:
                return made, True
            moment = now or utcnow()
            with transaction(factory) as session:
                jobs, leased = claim(session, moment, settings)
            if not leased:
                return made, False
            for job in jobs:
                outcome = perform(job, client, settings)
                with transaction(factory) as session:
                    record(session, job, outcome, now or utcnow())
                made += 1
