"""Campaign use cases. Services flush; the caller (request, task) commits."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.orm import Session

from distribution.campaigns import repository
from distribution.campaigns.schemas import (
    CampaignCreate,
    CampaignOut,
    ChannelProgress,
    EmployeeIds,
    Progress,
    StatusCounts,
)
from integration.webhooks import targets
from models import Campaign
from models.base import utcnow
from runtime.errors import ConflictError, FieldError, NotFoundError, ValidationFailedError
from runtime.outbox import enqueue


def create(
    session: Session,
    organisation_id: UUID,
    vacancy_id: UUID,
    payload: CampaignCreate,
    *,
    allow_private: bool = False,
) -> Campaign:
    """Store the campaign and its start job (due at ``starts_at``) in one transaction."""
    vacancy = repository.vacancy(session, organisation_id, vacancy_id)
    if vacancy is None:
        raise NotFoundError(f"no vacancy with id {vacancy_id}")
    if vacancy.status != "open":
        raise ConflictError(f"the vacancy is {vacancy.status}; only an open vacancy is shared")
    if payload.webhook_url is not None and not allow_private:
        # The worker posts to this URL from inside our network (see webhooks/targets.py).
        refused = targets.refusal(str(payload.webhook_url))
        if refused is not None:
            raise ValidationFailedError(
                "the webhook URL is not allowed", errors=[FieldError("webhook_url", refused)]
            )
    if isinstance(payload.audience, EmployeeIds):
        ids = payload.audience.employee_ids
        known = repository.known_employee_ids(session, organisation_id, ids)
        unknown = [
            FieldError(f"audience.employee_ids.{i}", f"no employee with id {value}")
            for i, value in enumerate(ids)
            if value not in known
        ]
        if unknown:
            raise ValidationFailedError("unknown employees in the audience", errors=unknown)
    campaign = Campaign(
        organisation_id=organisation_id,
        vacancy_id=vacancy_id,
        audience=payload.audience.model_dump(mode="json"),
        channels=list(payload.channels),
        message=payload.message,
        starts_at=payload.starts_at or utcnow(),
        reminder_after_hours=payload.reminder_after_hours,
        webhook_url=str(payload.webhook_url) if payload.webhook_url else None,
        webhook_secret=payload.webhook_secret,
        status="scheduled",
    )
    session.add(campaign)
    session.flush()
    enqueue(
        session,
        "distribution.start_campaign",
        eta=campaign.starts_at if campaign.starts_at > utcnow() else None,
        campaign_id=str(campaign.id),
    )
    return campaign


def get(session: Session, organisation_id: UUID, campaign_id: UUID) -> Campaign:
    campaign = repository.get(session, organisation_id, campaign_id)
    if campaign is None:
        raise NotFoundError(f"no campaign with id {campaign_id}")
    return campaign


def cancel(session: Session, organisation_id: UUID, campaign_id: UUID) -> Campaign:
    """Stop a campaign that has not started; one that runs or ran cannot be called back."""
    # Locked: the start job may be taking the campaign at this very moment.
    campaign = repository.lock_in(session, organisation_id, campaign_id)
    if campaign is None:
        raise NotFoundError(f"no campaign with id {campaign_id}")
    if campaign.status != "scheduled":
        raise ConflictError(f"the campaign is {campaign.status}; only a scheduled one is cancelled")
    campaign.status = "cancelled"
    session.flush()
    return campaign


def progress(session: Session, campaign: Campaign) -> Progress:
    rows = repository.progress_rows(session, campaign.id)
    batches, done = rows["batches"]
    counts: dict[str, dict[str, StatusCounts]] = {"invite": {}, "reminder": {}}
    for kind, transport, status, count in rows["notifications"]:
        bucket = counts[kind].setdefault(transport, StatusCounts())
        _add(bucket, status, count)
    channels: dict[str, ChannelProgress] = {c: ChannelProgress() for c in campaign.channels}
    for channel, status, count in rows["channels"]:
        entry = channels.setdefault(channel, ChannelProgress())
        entry.links += count
        _add(entry, status or "queued", count)
    return Progress(
        batches=batches,
        batches_done=done,
        invitations=counts["invite"],
        reminders=counts["reminder"],
        channels=channels,
    )


def _add(bucket: StatusCounts, status: str, count: int) -> None:
    # No code writes "sending" (the batch is locked while it is sent); counted as queued.
    name = {"sending": "queued"}.get(status, status)
    setattr(bucket, name, getattr(bucket, name) + count)


def to_out(campaign: Campaign, progress: Progress | None = None) -> CampaignOut:
    return CampaignOut(
        id=campaign.id,
        vacancy_id=campaign.vacancy_id,
        audience=campaign.audience,
        channels=campaign.channels,
        message=campaign.message,
        starts_at=campaign.starts_at,
        reminder_after_hours=campaign.reminder_after_hours,
        webhook_url=campaign.webhook_url,
        status=campaign.status,
        audience_size=campaign.audience_size,
        started_at=campaign.started_at,
        completed_at=campaign.completed_at,
        reminded_at=campaign.reminded_at,
        created_at=campaign.created_at,
        progress=progress,
    )
