"""Delivering events to webhook endpoints, per the Standard Webhooks convention.

A delivery is a row; the worker leases a few due ones (``repository.claim``), POSTs each
outside any transaction, and records the attempt and the delivery's next state in a short
transaction of its own. A worker that dies mid-delivery leaves only a lease, which lapses:
the delivery is attempted again, with the same ``webhook-id``, so nothing is lost and a
receiver that saw it already can tell. Failed attempts are retried on the configured
schedule; when every retry of a delivery failed and the endpoint had no success since that
delivery was created, the endpoint is disabled and says why.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from integration.events.service import to_out
from integration.webhooks import repository, targets
from models import WebhookAttempt, WebhookEndpoint
from models.base import utcnow
from models.db import transaction
from runtime.webhook_signing import signed_headers

logger = logging.getLogger(__name__)

CLAIM_BATCH = 10
RESPONSE_EXCERPT = 1000
# Run a delivery loop this long, then let the next job (or the periodic sweep) go on.
RUN_BUDGET_SECONDS = 30.0


@dataclass(frozen=True)
class Message:
    delivery_id: int
    url: str
    secrets: list[str]
    message_id: str
    body: bytes


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    error: str | None
    latency_ms: float
    response_body: str | None


def _secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    secrets = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        secrets.append(endpoint.previous_secret)
    return secrets


def body_of(event_out: object) -> bytes:
    assert hasattr(event_out, "model_dump")
    return json.dumps(event_out.model_dump(mode="json"), separators=(",", ":")).encode()


def claim(session: Session, endpoint_id: UUID, lease: timedelta) -> list[Message]:
    endpoint = repository.get_endpoint_by_id(session, endpoint_id)
    if endpoint is None or not endpoint.enabled:
        return []
    now = utcnow()
    deliveries = repository.claim(session, endpoint_id, now, now + lease, CLAIM_BATCH)
    events = repository.events_by_id(session, [d.event_id for d in deliveries])
    secrets = _secrets(endpoint, now)
    return [
        Message(
            delivery_id=d.id,
            url=endpoint.url,
            secrets=secrets,
            message_id=str(events[d.event_id].uid),
            body=body_of(to_out(events[d.event_id])),
        )
        for d in deliveries
    ]


def send(http: httpx.Client, message: Message, *, allow_private: bool = False) -> Outcome:
    """One attempt. Only a 2xx answer counts; redirects are not followed (the convention
    treats them as failures, and following one could leak the payload elsewhere)."""
    if not allow_private and (refused := targets.refusal(message.url)) is not None:
        return Outcome(False, None, f"not sent: {refused}", 0.0, None)
    headers = signed_headers(message.secrets, message.message_id, message.body)
    headers["user-agent"] = "TalentMesh-Webhooks/1.0"
    started = time.perf_counter()
    try:
        with http.stream("POST", message.url, content=message.body, headers=headers) as response:
            # Only the start of the answer is kept; a receiver that answers a huge body
            # must not make the worker read it all.
            head = b""
            for chunk in response.iter_bytes():
                head += chunk
                if len(head) >= RESPONSE_EXCERPT:
                    break
    except httpx.HTTPError as exc:
        latency = (time.perf_counter() - started) * 1000
        return Outcome(False, None, f"{type(exc).__name__}: {exc}"[:500], latency, None)
    latency = (time.perf_counter() - started) * 1000
    ok = 200 <= response.status_code < 300
    error = None if ok else f"HTTP {response.status_code}"
    excerpt = head[:RESPONSE_EXCERPT].decode("utf-8", "replace") if head else None
    return Outcome(ok, response.status_code, error, latency, excerpt)


def _next_delay(schedule: list[int], attempts: int) -> timedelta | None:
    """The wait before the next attempt after ``attempts`` failed ones, with a little jitter
    so that many deliveries that failed together do not retry together."""
    if attempts > len(schedule):
        return None
    base = schedule[attempts - 1]
    return timedelta(seconds=base * random.uniform(1.0, 1.1))


def record(session: Session, message: Message, outcome: Outcome, schedule: list[int]) -> None:
    """Log the attempt and move the delivery and its endpoint to their next state."""
    delivery = repository.lock_delivery(session, message.delivery_id)
    if delivery is None or delivery.state != "pending":
        return
    now = utcnow()
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            attempted_at=now,
            latency_ms=round(outcome.latency_ms, 2),
            status_code=outcome.status_code,
            error=outcome.error,
            response_body=outcome.response_body,
        )
    )
    delivery.attempts += 1
    delivery.leased_until = None
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    endpoint = repository.lock_endpoint(session, delivery.endpoint_id)
    assert endpoint is not None
    if outcome.ok:
        delivery.state = "succeeded"
        delivery.finished_at = now
        endpoint.last_success_at = now
        endpoint.failing_since = None
        session.flush()
        return
    if endpoint.failing_since is None:
        endpoint.failing_since = now
    delay = _next_delay(schedule, delivery.attempts)
    if delay is not None:
        delivery.next_attempt_at = now + delay
        session.flush()
        return
    delivery.state = "failed"
    delivery.finished_at = now
    healthy_since = endpoint.last_success_at
    if endpoint.enabled and (healthy_since is None or healthy_since < delivery.created_at):
        endpoint.enabled = False
        endpoint.disabled_at = now
        endpoint.disabled_reason = (
            f"every attempt since {endpoint.failing_since.isoformat(timespec='seconds')} failed; "
            f"delivery {delivery.uid} gave up after {delivery.attempts} attempts "
            f"(last: {outcome.error}). Fix the receiver, then PATCH enabled=true: the "
            "deliveries that failed or waited go out in order."
        )
        logger.warning("webhook endpoint %s disabled after repeated failures", endpoint.id)
    session.flush()


def run(
    factory: sessionmaker[Session],
    endpoint_id: UUID,
    *,
    timeout: float,
    schedule: list[int],
    allow_private: bool = False,
    budget: float = RUN_BUDGET_SECONDS,
) -> tuple[int, bool]:
    """Deliver what is due for one endpoint until nothing is or the budget is spent.
    Returns the attempts made and whether due deliveries may be left."""
    lease = timedelta(seconds=CLAIM_BATCH * timeout + 10)
    deadline = time.monotonic() + budget
    made = 0
    with httpx.Client(timeout=timeout, follow_redirects=False) as http:
        for final_look in (False, True):
            with _sole_runner(factory, endpoint_id) as sole:
                if not sole:
                    return made, False  # another run delivers to this endpoint and goes on
                while True:
                    if time.monotonic() >= deadline:
                        return made, True
                    with transaction(factory) as session:
                        messages = claim(session, endpoint_id, lease)
                    if not messages:
                        break
                    for message in messages:
                        outcome = send(http, message, allow_private=allow_private)
                        with transaction(factory) as session:
                            record(session, message, outcome, schedule)
                        made += 1
            # A run that stepped aside just before the lock was released may have left a
            # new delivery behind: look once more (once; dispatch covers anything later).
            if final_look:
                break
            with transaction(factory) as session:
                if endpoint_id not in repository.endpoints_with_due_deliveries(
                    session, utcnow(), endpoint_id
                ):
                    break
    return made, False


@contextmanager
def _sole_runner(factory: sessionmaker[Session], endpoint_id: UUID) -> Iterator[bool]:
    """Whether this run is the only one for the endpoint. Every write kicks a delivery job,
    and a slow receiver must not end up holding every worker with runs that wait on it: the
    first run takes a session advisory lock (on a connection outside any transaction, so it
    holds back nothing) and later ones step aside. Postgres releases the lock when the
    worker holding it dies; the periodic dispatch starts a new run for what is left."""
    engine = factory.kw["bind"].engine  # the factory may be bound to a connection
    key = func.hashtextextended(f"webhook-runner:{endpoint_id}", 0)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        sole = bool(connection.scalar(select(func.pg_try_advisory_lock(key))))
        try:
            yield sole
        finally:
            if sole:
                connection.scalar(select(func.pg_advisory_unlock(key)))


def due_endpoints(session: Session) -> list[UUID]:
    return repository.endpoints_with_due_deliveries(session, utcnow())
