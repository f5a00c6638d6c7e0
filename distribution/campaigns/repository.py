"""All campaign queries; every entry point is scoped to an organisation or reached from a
campaign or batch id that was."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import (
    ARRAY,
    Table,
    Text,
    Update,
    Uuid,
    and_,
    any_,
    bindparam,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from models import (
    Campaign,
    CampaignBatch,
    Click,
    Employee,
    Notification,
    Organisation,
    TrackedLink,
    Vacancy,
)

# A notification still to send: new, or failed with tries left.
OPEN = ("queued", "failed")


def get(session: Session, organisation_id: UUID, campaign_id: UUID) -> Campaign | None:
    return session.scalar(
        select(Campaign).where(
            Campaign.organisation_id == organisation_id, Campaign.id == campaign_id
        )
    )


def list_for_vacancy(
    session: Session, organisation_id: UUID, vacancy_id: UUID, *, limit: int, after_id: UUID | None
) -> list[Campaign]:
    query = select(Campaign).where(
        Campaign.organisation_id == organisation_id, Campaign.vacancy_id == vacancy_id
    )
    if after_id is not None:
        query = query.where(Campaign.id > after_id)
    return list(session.scalars(query.order_by(Campaign.id).limit(limit + 1)))


def lock(session: Session, campaign_id: UUID) -> Campaign | None:
    return session.scalar(select(Campaign).where(Campaign.id == campaign_id).with_for_update())


def lock_in(session: Session, organisation_id: UUID, campaign_id: UUID) -> Campaign | None:
    return session.scalar(
        select(Campaign)
        .where(Campaign.organisation_id == organisation_id, Campaign.id == campaign_id)
        .with_for_update()
    )


def lock_batch(
    session: Session, batch_id: UUID, *, skip_locked: bool = False
) -> CampaignBatch | None:
    return session.scalar(
        select(CampaignBatch)
        .where(CampaignBatch.id == batch_id)
        .with_for_update(skip_locked=skip_locked)
    )


def vacancy(session: Session, organisation_id: UUID, vacancy_id: UUID) -> Vacancy | None:
    return session.scalar(
        select(Vacancy).where(Vacancy.organisation_id == organisation_id, Vacancy.id == vacancy_id)
    )


def organisation_name(session: Session, organisation_id: UUID) -> str:
    return session.scalars(
        select(Organisation.name).where(Organisation.id == organisation_id)
    ).one()


def organisation(session: Session, organisation_id: UUID) -> Organisation:
    return session.scalars(select(Organisation).where(Organisation.id == organisation_id)).one()


def known_employee_ids(session: Session, organisation_id: UUID, ids: list[UUID]) -> set[UUID]:
    rows = session.scalars(
        select(Employee.id).where(
            Employee.organisation_id == organisation_id, _among(Employee.id, ids)
        )
    )
    return set(rows)


def _reachable(organisation_id: UUID, channels: list[str]) -> Any:
    """Employees who may be asked: not opted out, and using one of the channels (or not
    having said which they use)."""
    return and_(
        Employee.organisation_id == organisation_id,
        Employee.opted_out_at.is_(None),
        or_(
            func.cardinality(Employee.channels) == 0,
            Employee.channels.op("&&")(literal(channels, ARRAY(Text))),
        ),
    )


def audience_ids(
    session: Session,
    organisation_id: UUID,
    channels: list[str],
    *,
    departments: list[str] | None = None,
    employee_ids: list[UUID] | None = None,
) -> list[UUID]:
    query = select(Employee.id).where(_reachable(organisation_id, channels))
    if departments is not None:
        query = query.where(Employee.department.in_(departments))
    if employee_ids is not None:
        query = query.where(_among(Employee.id, employee_ids))
    return list(session.scalars(query.order_by(Employee.id)))


def add_batches(session: Session, rows: list[dict[str, Any]]) -> list[UUID]:
    """Insert batches; a batch that already exists (a re-run start) is left alone. Returns
    the ids of the batches now present, in order."""
    if not rows:
        return []
    session.execute(insert(CampaignBatch).values(rows).on_conflict_do_nothing())
    campaign_id, kind = rows[0]["campaign_id"], rows[0]["kind"]
    return list(
        session.scalars(
            select(CampaignBatch.id)
            .where(CampaignBatch.campaign_id == campaign_id, CampaignBatch.kind == kind)
            .order_by(CampaignBatch.number)
        )
    )


def stuck_batches(session: Session, before: datetime) -> list[CampaignBatch]:
    return list(
        session.scalars(
            select(CampaignBatch)
            .where(CampaignBatch.status == "queued", CampaignBatch.updated_at < before)
            .order_by(CampaignBatch.updated_at)
            .limit(1000)
            .with_for_update(skip_locked=True)
        )
    )


def _among(column: Any, ids: list[UUID]) -> Any:
    """``column = ANY(:ids)`` with the ids as one array parameter: an IN list has one
    parameter per id, and the driver allows 65,535."""
    return column == any_(literal(ids, ARRAY(Uuid)))


def employees(session: Session, ids: list[UUID]) -> list[Employee]:
    return list(
        session.scalars(select(Employee).where(_among(Employee.id, ids)).order_by(Employee.id))
    )


def add_links(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert an employee's campaign links; existing ones (a retried batch) stay as they
    are, code included."""
    if rows:
        # Rows as parameters, not .values(rows): the statement is then compiled once and
        # cached, where a multi-row VALUES is compiled again for every batch.
        stmt = insert(TrackedLink).on_conflict_do_nothing(
            index_elements=["campaign_id", "employee_id", "channel"],
            index_where=TrackedLink.parent_id.is_(None),
        )
        session.execute(stmt, rows)


def links(
    session: Session, campaign_id: UUID, employee_ids: list[UUID]
) -> dict[UUID, list[TrackedLink]]:
    rows = session.scalars(
        select(TrackedLink)
        .where(
            TrackedLink.campaign_id == campaign_id,
            _among(TrackedLink.employee_id, employee_ids),
            TrackedLink.parent_id.is_(None),
        )
        .order_by(TrackedLink.channel)
    )
    found: dict[UUID, list[TrackedLink]] = defaultdict(list)
    for link in rows:
        assert link.employee_id is not None
        found[link.employee_id].append(link)
    return found


def add_notifications(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(Notification).on_conflict_do_nothing(), rows)


def try_lock_batch(session: Session, batch_id: UUID) -> bool:
    """Lock a batch still queued, or answer ``False`` at once when another run holds it
    (or it is done)."""
    # The holder's transaction is idle while it sends: a server-wide idle timeout must not
    # end it and hand the batch to a second run while this one still sends.
    session.execute(text("SET LOCAL idle_in_transaction_session_timeout = 0"))
    found = session.scalar(
        select(CampaignBatch.id)
        .where(CampaignBatch.id == batch_id, CampaignBatch.status == "queued")
        .with_for_update(skip_locked=True)
    )
    return found is not None


@dataclass(frozen=True)
class OpenNotification:
    id: UUID
    employee_id: UUID
    kind: str
    transport: str


def open_notifications(
    session: Session, campaign_id: UUID, kind: str, employee_ids: list[UUID], max_attempts: int
) -> list[OpenNotification]:
    """Notifications of these employees still to send (new, or failed with tries left)."""
    rows = session.execute(
        select(Notification.id, Notification.employee_id, Notification.kind, Notification.transport)
        .where(
            Notification.campaign_id == campaign_id,
            Notification.kind == kind,
            _among(Notification.employee_id, employee_ids),
            Notification.status.in_(OPEN),
            Notification.attempts < max_attempts,
        )
        .order_by(Notification.employee_id)
    )
    return [OpenNotification(*row) for row in rows]


def _mark_statement(status: str) -> Update:
    notifications = cast(Table, Notification.__table__)
    values: dict[str, Any] = {"status": status, "updated_at": func.now()}
    if status != "skipped":
        values |= {
            "attempts": notifications.c.attempts + 1,
            "last_error": bindparam("last_error", type_=Text),
        }
    if status == "sent":
        values["sent_at"] = func.now()
    return (
        update(notifications)
        .where(
            notifications.c.id == bindparam("notification_id", type_=Uuid),
            notifications.c.status.in_(OPEN),
        )
        .values(values)
    )


# Built once: a Core statement per outcome, compiled once and cached, where an ORM update
# built for every message cost more than its round trip.
_MARKS = {status: _mark_statement(status) for status in ("sent", "failed", "skipped")}


def mark(
    notification_id: UUID, status: str, error: str | None = None
) -> tuple[Update, dict[str, Any]]:
    """The statement and parameters that record the outcome of one send. A skipped
    notification was not tried, so it uses no attempt."""
    params: dict[str, Any] = {"notification_id": notification_id}
    if status != "skipped":
        params["last_error"] = error
    return _MARKS[status], params


def mark_notification(
    session: Session, notification_id: UUID, status: str, error: str | None = None
) -> None:
    session.execute(*mark(notification_id, status, error))


def failed_with_tries_left(
    session: Session, campaign_id: UUID, kind: str, employee_ids: list[UUID], max_attempts: int
) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(
                Notification.campaign_id == campaign_id,
                Notification.kind == kind,
                _among(Notification.employee_id, employee_ids),
                Notification.status == "failed",
                Notification.attempts < max_attempts,
            )
        )
        or 0
    )


def complete_if_done(session: Session, campaign_id: UUID) -> Campaign | None:
    """Mark the campaign completed once no invitation batch is left queued; returns it if
    this call completed it."""
    left = exists().where(
        CampaignBatch.campaign_id == campaign_id,
        CampaignBatch.kind == "invite",
        CampaignBatch.status == "queued",
    )
    return session.scalars(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.status == "running", ~left)
        .values(status="completed", completed_at=func.now())
        .returning(Campaign)
    ).one_or_none()


def silent_employees(session: Session, campaign_id: UUID) -> list[UUID]:
    """Employees invited (invitation sent) whose campaign links have no counted click and no
    reshare: the ones a reminder is for."""
    child = TrackedLink.__table__.alias("child")
    clicked = exists().where(Click.link_id == TrackedLink.id, Click.bot.is_(False))
    reshared = exists().where(child.c.parent_id == TrackedLink.id)
    active = (
        select(TrackedLink.employee_id)
        .where(TrackedLink.campaign_id == campaign_id, TrackedLink.parent_id.is_(None))
        .where(or_(clicked, reshared))
    )
    return list(
        session.scalars(
            select(Notification.employee_id)
            .where(
                Notification.campaign_id == campaign_id,
                Notification.kind == "invite",
                Notification.status == "sent",
                Notification.employee_id.not_in(active),
            )
            .order_by(Notification.employee_id)
        )
    )


def progress_rows(session: Session, campaign_id: UUID) -> dict[str, Any]:
    batches = session.execute(
        select(
            func.count(),
            func.count().filter(CampaignBatch.status == "done"),
        ).where(CampaignBatch.campaign_id == campaign_id)
    ).one()
    notifications = session.execute(
        select(Notification.kind, Notification.transport, Notification.status, func.count())
        .where(Notification.campaign_id == campaign_id)
        .group_by(Notification.kind, Notification.transport, Notification.status)
    ).all()
    invite = Notification.__table__.alias("invite")
    channels = session.execute(
        select(TrackedLink.channel, invite.c.status, func.count())
        .select_from(TrackedLink)
        .outerjoin(
            invite,
            and_(
                invite.c.campaign_id == TrackedLink.campaign_id,
                invite.c.employee_id == TrackedLink.employee_id,
                invite.c.kind == "invite",
            ),
        )
        .where(TrackedLink.campaign_id == campaign_id, TrackedLink.parent_id.is_(None))
        .group_by(TrackedLink.channel, invite.c.status)
    ).all()
    return {
        "batches": (int(batches[0]), int(batches[1])),
        "notifications": [tuple(r) for r in notifications],
        "channels": [tuple(r) for r in channels],
    }
