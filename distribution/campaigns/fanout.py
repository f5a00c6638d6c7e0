"""Fan-out of a campaign: resolve the audience into batches, then per batch make each
employee's tracked links and send their notification.

Every step is safe to run again. Batches are unique per campaign, kind and number; links
per campaign, employee and channel; notifications per campaign, employee and kind. While a
batch is sent its row is locked (``FOR UPDATE``, held by the sending process's connection),
so a retried, duplicated or redelivered run of it skips it; if that process dies, the lock
goes with its connection and the next run sends what is still open. The outcome of each
message is committed on its own right after the mail server answers, in one short UPDATE.
The one gap no system closes is a crash after the mail server accepted a message and before
that mark commits: that one message goes out again on the retry, with the same Message-ID.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import httpx
from sqlalchemy.orm import Session, sessionmaker

from distribution.campaigns import repository
from distribution.campaigns.notify import Content, DeliveryError, Mailer, post_webhook, share_links
from distribution.campaigns.service import progress, to_out
from distribution.campaigns.share_page import share_page_url
from distribution.links.codes import new_code
from integration.events import service as event_log
from models import Campaign, Employee, TrackedLink
from models.base import utcnow
from models.db import autocommit, transaction
from runtime.outbox import enqueue

# A batch must finish well within the broker's visibility timeout (900 s by default), even
# when every message waits out the SMTP timeout.
BATCH_SIZE = 100
MAX_ATTEMPTS = 5

BestFit = Callable[[Session, Campaign, int], list[UUID]]


def resolve_audience(session: Session, campaign: Campaign, best_fit: BestFit) -> list[UUID]:
    audience = campaign.audience
    org, channels = campaign.organisation_id, campaign.channels
    match audience["type"]:
        case "departments":
            return repository.audience_ids(
                session, org, channels, departments=list(audience["departments"])
            )
        case "employee_ids":
            ids = [UUID(str(i)) for i in audience["employee_ids"]]
            return repository.audience_ids(session, org, channels, employee_ids=ids)
        case "best_fit":
            return best_fit(session, campaign, int(audience["limit"]))
        case _:
            return repository.audience_ids(session, org, channels)


def _enqueue_batches(
    session: Session, campaign: Campaign, kind: str, employee_ids: list[UUID]
) -> int:
    rows = [
        {
            "campaign_id": campaign.id,
            "kind": kind,
            "number": number,
            "employee_ids": employee_ids[start : start + BATCH_SIZE],
        }
        for number, start in enumerate(range(0, len(employee_ids), BATCH_SIZE))
    ]
    for batch_id in repository.add_batches(session, rows):
        enqueue(session, "distribution.send_batch", batch_id=str(batch_id))
    return len(rows)


def start(session: Session, campaign_id: UUID, best_fit: BestFit) -> None:
    """Resolve the audience of a scheduled campaign and enqueue its batches (and its
    reminder). A campaign that is no longer scheduled is left alone, so a second run of
    the same job does nothing."""
    campaign = repository.lock(session, campaign_id)
    if campaign is None or campaign.status != "scheduled":
        return
    employee_ids = resolve_audience(session, campaign, best_fit)
    now = utcnow()
    campaign.audience_size = len(employee_ids)
    campaign.started_at = now
    campaign.status = "running" if employee_ids else "completed"
    if not employee_ids:
        campaign.completed_at = now
        announce_completed(session, campaign)
    _enqueue_batches(session, campaign, "invite", employee_ids)
    if employee_ids and campaign.reminder_after_hours:
        eta = now + timedelta(hours=campaign.reminder_after_hours)
        enqueue(session, "distribution.send_reminders", eta=eta, campaign_id=str(campaign.id))
    session.flush()


def remind(session: Session, campaign_id: UUID) -> None:
    """Enqueue reminders for the employees who have not shared yet; once per campaign."""
    campaign = repository.lock(session, campaign_id)
    if campaign is None or campaign.reminded_at is not None or campaign.status == "cancelled":
        return
    campaign.reminded_at = utcnow()
    _enqueue_batches(
        session, campaign, "reminder", repository.silent_employees(session, campaign.id)
    )
    session.flush()


@dataclass(frozen=True)
class BatchWork:
    batch_id: UUID
    campaign_id: UUID
    kind: str
    employee_ids: list[UUID]
    webhook_url: str | None
    webhook_secret: str | None


def _transport(campaign: Campaign, employee: Employee) -> str:
    return "webhook" if campaign.webhook_url and "intranet" in employee.channels else "email"


def _channels(campaign: Campaign, employee: Employee) -> list[str]:
    if not employee.channels:
        return list(campaign.channels)
    return [c for c in campaign.channels if c in employee.channels]


def prepare_batch(session: Session, batch_id: UUID) -> BatchWork | None:
    """Make the batch's links and notification rows (first run) or find them (a retry).
    Employees who opted out since the start get neither: their notification is recorded as
    skipped. ``None`` when the batch is done, gone or held by another run."""
    # Skip a batch another run holds: that run sends it, and waiting here would hold this
    # worker for as long as the whole batch takes.
    batch = repository.lock_batch(session, batch_id, skip_locked=True)
    if batch is None or batch.status == "done":
        return None
    campaign = session.get(Campaign, batch.campaign_id)
    assert campaign is not None
    batch.attempts += 1
    employees = repository.employees(session, list(batch.employee_ids))
    if batch.kind == "invite":
        expires = _link_expiry(session, campaign)
        repository.add_links(
            session,
            [
                {
                    "organisation_id": campaign.organisation_id,
                    "code": new_code(),
                    "vacancy_id": campaign.vacancy_id,
                    "campaign_id": campaign.id,
                    "employee_id": e.id,
                    "root_employee_id": e.id,
                    "channel": channel,
                    "depth": 0,
                    "expires_at": expires,
                }
                for e in employees
                if e.opted_out_at is None
                for channel in _channels(campaign, e)
            ],
        )
    repository.add_notifications(
        session,
        [
            {
                "campaign_id": campaign.id,
                "employee_id": e.id,
                "kind": batch.kind,
                "transport": _transport(campaign, e),
                "status": "skipped" if e.opted_out_at is not None else "queued",
            }
            for e in employees
        ],
    )
    session.flush()
    return BatchWork(
        batch_id=batch.id,
        campaign_id=campaign.id,
        kind=batch.kind,
        employee_ids=[e.id for e in employees],
        webhook_url=campaign.webhook_url,
        webhook_secret=campaign.webhook_secret,
    )


def _link_expiry(session: Session, campaign: Campaign) -> datetime | None:
    vacancy = repository.vacancy(session, campaign.organisation_id, campaign.vacancy_id)
    return vacancy.valid_through if vacancy is not None else None


@dataclass
class Delivered:
    sent: int = 0
    failed: int = 0
    retry: bool = False
    # Another run of the same batch holds it: that run sends, retries and finishes it.
    busy: bool = False


def deliver(
    factory: sessionmaker[Session],
    work: BatchWork,
    *,
    public_url: str,
    secret: str,
    mailer: Mailer,
    http: httpx.Client,
) -> Delivered:
    """Send the batch's open notifications while holding the batch's row lock, and commit
    each outcome on its own as soon as it is known (see the module text)."""
    outcome = Delivered()
    with transaction(factory) as held:
        if not repository.try_lock_batch(held, work.batch_id):
            outcome.busy = True
            return outcome
        todo = repository.open_notifications(
            held, work.campaign_id, work.kind, work.employee_ids, MAX_ATTEMPTS
        )
        context = _context(held, work)
        employees = {e.id: e for e in repository.employees(held, work.employee_ids)}
        links = repository.links(held, work.campaign_id, work.employee_ids)
        # A second connection, each mark committed by its own statement: the batch lock
        # stays held while they commit.
        with autocommit(factory) as execute:
            for notification in todo:
                status, error = _send_one(
                    notification,
                    employees,
                    links,
                    context,
                    work,
                    public_url,
                    secret,
                    mailer,
                    http,
                )
                execute(*repository.mark(notification.id, status, error))
                outcome.sent += status == "sent"
                outcome.failed += status == "failed"
        left = repository.failed_with_tries_left(
            held, work.campaign_id, work.kind, work.employee_ids, MAX_ATTEMPTS
        )
    outcome.retry = left > 0
    return outcome


def _send_one(
    notification: repository.OpenNotification,
    employees: dict[UUID, Employee],
    links: dict[UUID, list[TrackedLink]],
    context: _Context,
    work: BatchWork,
    public_url: str,
    secret: str,
    mailer: Mailer,
    http: httpx.Client,
) -> tuple[str, str | None]:
    """Send one notification; its new status and, if it failed, why."""
    employee = employees.get(notification.employee_id)
    if employee is None or employee.opted_out_at is not None:
        # Opted out (or deleted) after the start: nothing to send, nothing to retry.
        return "skipped", None
    try:
        content = _content(notification, employee, links.get(employee.id, []), context, public_url)
        content.share_page = share_page_url(public_url, secret, work.campaign_id, employee.id)
        _send(notification.transport, content, employee, work, mailer, http)
    # One bad message (an unexpected error included) must not stop the batch.
    except Exception as exc:
        return "failed", f"{type(exc).__name__}: {exc}"[:1000]
    return "sent", None


@dataclass(frozen=True)
class _Context:
    organisation: str
    title: str
    vacancy_id: UUID
    message: str | None


def _context(session: Session, work: BatchWork) -> _Context:
    campaign = session.get(Campaign, work.campaign_id)
    assert campaign is not None
    vacancy = repository.vacancy(session, campaign.organisation_id, campaign.vacancy_id)
    assert vacancy is not None
    return _Context(
        organisation=repository.organisation_name(session, campaign.organisation_id),
        title=vacancy.title,
        vacancy_id=vacancy.id,
        message=campaign.message,
    )


def _content(
    notification: repository.OpenNotification,
    employee: Employee,
    links: list[TrackedLink],
    context: _Context,
    public_url: str,
) -> Content:
    return Content(
        notification_id=str(notification.id),
        kind=notification.kind,
        organisation=context.organisation,
        vacancy_id=str(context.vacancy_id),
        vacancy_title=context.title,
        employee={
            "id": str(employee.id),
            "external_id": employee.external_id,
            "name": employee.name,
            "email": employee.email,
        },
        message=context.message,
        links=share_links(
            links,
            public_url,
            title=context.title,
            organisation=context.organisation,
            message=context.message,
        ),
    )


def _send(
    transport: str,
    content: Content,
    employee: Employee,
    work: BatchWork,
    mailer: Mailer,
    http: httpx.Client,
) -> None:
    if transport == "webhook":
        if work.webhook_url is None or work.webhook_secret is None:
            raise DeliveryError("the campaign has no webhook")
        post_webhook(http, work.webhook_url, work.webhook_secret, content)
    else:
        mailer.send(employee.email, content)


def requeue_stuck(session: Session, older_than: timedelta) -> int:
    """Enqueue again the batches still queued whose last run began longer ago than
    ``older_than``: their job was lost (a broker restart without persistence, a task that
    failed for good). Running a batch twice is safe."""
    stuck = repository.stuck_batches(session, utcnow() - older_than)
    for batch in stuck:
        batch.updated_at = utcnow()
        enqueue(session, "distribution.send_batch", batch_id=str(batch.id))
    session.flush()
    return len(stuck)


def finish_batch(session: Session, batch_id: UUID) -> None:
    batch = repository.lock_batch(session, batch_id)
    if batch is None or batch.status == "done":
        return
    batch.status = "done"
    batch.done_at = utcnow()
    session.flush()
    if batch.kind == "invite":
        completed = repository.complete_if_done(session, batch.campaign_id)
        if completed is not None:
            announce_completed(session, completed)


def announce_completed(session: Session, campaign: Campaign) -> None:
    data = to_out(campaign, progress(session, campaign)).model_dump(mode="json")
    event_log.record(
        session, campaign.organisation_id, "campaign.completed", "campaign", campaign.id, data
    )
