"""All application queries; every one is scoped to an organisation (directly, or through an
application or link already checked to belong to it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple
from uuid import UUID

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session, aliased

from models import Application, ApplicationEvent, Employee, Touchpoint, TrackedLink

# Reshare chains are a few links deep; the bound only guards against a corrupt cycle.
MAX_CHAIN_DEPTH = 100


class TouchRow(NamedTuple):
    application_id: UUID
    position: int
    kind: str
    occurred_at: datetime
    code: str
    channel: str
    employee_id: UUID | None
    employee_name: str | None


def get(
    session: Session, organisation_id: UUID, application_id: UUID, *, for_update: bool = False
) -> Application | None:
    query = select(Application).where(
        Application.organisation_id == organisation_id, Application.id == application_id
    )
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def get_by_candidate(session: Session, vacancy_id: UUID, candidate_id: UUID) -> Application | None:
    return session.scalar(
        select(Application).where(
            Application.vacancy_id == vacancy_id, Application.candidate_id == candidate_id
        )
    )


def link_by_code(session: Session, code: str) -> TrackedLink | None:
    return session.scalar(select(TrackedLink).where(TrackedLink.code == code))


def chain(session: Session, link_id: UUID) -> list[TrackedLink]:
    """The link and every link it was reshared from, root first and ``link_id`` last."""
    start = (
        select(TrackedLink.id, TrackedLink.parent_id, literal(0).label("up"))
        .where(TrackedLink.id == link_id)
        .cte("chain", recursive=True)
    )
    parent = aliased(TrackedLink)
    walk = start.union_all(
        select(parent.id, parent.parent_id, start.c.up + 1)
        .join(start, parent.id == start.c.parent_id)
        .where(start.c.up < MAX_CHAIN_DEPTH)
    )
    query = select(TrackedLink).join(walk, TrackedLink.id == walk.c.id).order_by(walk.c.up.desc())
    return list(session.scalars(query))


def lock_email(session: Session, organisation_id: UUID, email: str) -> None:
    """Serialise applications of one candidate email, so two arriving at once cannot both
    claim the referral (released at commit or rollback)."""
    key = f"application-email:{organisation_id}:{email}"
    session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


def find_owner(
    session: Session, organisation_id: UUID, email: str, since: datetime, before: datetime
) -> Application | None:
    """The first application with ``email`` applied in ``[since, before)`` that owns its
    referral (ownership ``new`` and an employee to reward)."""
    return session.scalar(
        select(Application)
        .where(
            Application.organisation_id == organisation_id,
            Application.email == email,
            Application.applied_at >= since,
            Application.applied_at < before,
            Application.ownership == "new",
            Application.reward_employee_id.is_not(None),
        )
        .order_by(Application.applied_at, Application.id)
        .limit(1)
    )


def last_event(session: Session, application_id: UUID) -> ApplicationEvent | None:
    return session.scalar(
        select(ApplicationEvent)
        .where(ApplicationEvent.application_id == application_id)
        .order_by(ApplicationEvent.at.desc(), ApplicationEvent.id.desc())
        .limit(1)
    )


def events_of(session: Session, application_ids: Sequence[UUID]) -> list[ApplicationEvent]:
    return list(
        session.scalars(
            select(ApplicationEvent)
            .where(ApplicationEvent.application_id.in_(application_ids))
            .order_by(ApplicationEvent.application_id, ApplicationEvent.at, ApplicationEvent.id)
        )
    )


def touches_of(
    session: Session,
    *,
    application_ids: Sequence[UUID] | None = None,
    vacancy_id: UUID | None = None,
) -> list[TouchRow]:
    """Touchpoints of the given applications (or of every application of a vacancy), in
    position order, with their link and the employee each one credits: the link's own
    employee, or for a visitor's reshare link the employee at the root of its chain."""
    credited = func.coalesce(TrackedLink.employee_id, TrackedLink.root_employee_id)
    query = (
        select(
            Touchpoint.application_id,
            Touchpoint.position,
            Touchpoint.kind,
            Touchpoint.occurred_at,
            TrackedLink.code,
            TrackedLink.channel,
            credited,
            Employee.name,
        )
        .join(TrackedLink, TrackedLink.id == Touchpoint.link_id)
        .outerjoin(Employee, Employee.id == credited)
        .order_by(Touchpoint.application_id, Touchpoint.position)
    )
    if application_ids is not None:
        query = query.where(Touchpoint.application_id.in_(application_ids))
    if vacancy_id is not None:
        query = query.join(Application, Application.id == Touchpoint.application_id).where(
            Application.vacancy_id == vacancy_id
        )
    return [TouchRow._make(row) for row in session.execute(query)]


def of_vacancy(session: Session, organisation_id: UUID, vacancy_id: UUID) -> list[Application]:
    return list(
        session.scalars(
            select(Application)
            .where(
                Application.organisation_id == organisation_id,
                Application.vacancy_id == vacancy_id,
            )
            .order_by(Application.applied_at, Application.id)
        )
    )


def list_page(
    session: Session,
    organisation_id: UUID,
    *,
    limit: int,
    after_id: UUID | None = None,
    vacancy_id: UUID | None = None,
    status: str | None = None,
) -> list[Application]:
    """Keyset page ordered by id (time-ordered UUIDs): one row more than asked tells if
    there is a next page."""
    query = select(Application).where(Application.organisation_id == organisation_id)
    if after_id is not None:
        query = query.where(Application.id > after_id)
    if vacancy_id is not None:
        query = query.where(Application.vacancy_id == vacancy_id)
    if status is not None:
        query = query.where(Application.status == status)
    return list(session.scalars(query.order_by(Application.id).limit(limit + 1)))
