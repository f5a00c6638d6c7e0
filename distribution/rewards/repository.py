"""All reward queries. Ledger rows are only ever inserted: the latest row of an
(employee, application) pair, by id, is that reward's current state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple
from uuid import UUID

from sqlalchemy import Select, select, update
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session

from models import Application, Employee, Organisation, RewardEntry, RewardPolicy


class EntryRow(NamedTuple):
    """A ledger row with what its reward needs from the application and the policy."""

    entry: RewardEntry
    vacancy_id: UUID
    candidate_id: UUID
    hired_at: datetime | None
    probation_days: int


def lock_organisation(session: Session, organisation_id: UUID) -> None:
    """Serialise policy changes of one organisation (one active policy at a time)."""
    session.execute(
        select(Organisation.id).where(Organisation.id == organisation_id).with_for_update()
    )


def active_policy(session: Session, organisation_id: UUID) -> RewardPolicy | None:
    return session.scalar(
        select(RewardPolicy).where(
            RewardPolicy.organisation_id == organisation_id, RewardPolicy.active.is_(True)
        )
    )


def deactivate_policies(session: Session, organisation_id: UUID) -> None:
    session.execute(
        update(RewardPolicy)
        .where(RewardPolicy.organisation_id == organisation_id, RewardPolicy.active.is_(True))
        .values(active=False)
        .execution_options(synchronize_session="fetch")
    )


def employee(session: Session, organisation_id: UUID, employee_id: UUID) -> Employee | None:
    return session.scalar(
        select(Employee).where(
            Employee.organisation_id == organisation_id, Employee.id == employee_id
        )
    )


def lock_applications(session: Session, application_ids: Sequence[UUID]) -> None:
    """Lock applications in id order (no deadlock between two lockers): a reward moves only
    while its application is locked, so concurrent movers never append the same state."""
    session.execute(
        select(Application.id)
        .where(Application.id.in_(application_ids))
        .order_by(Application.id)
        .with_for_update()
    )


def _rows(
    *,
    organisation_id: UUID | None = None,
    employee_id: UUID | None = None,
    application_ids: Sequence[UUID] | None = None,
    latest_only: bool,
) -> Select[RewardEntry, UUID, UUID, datetime | None, int]:
    query = (
        select(
            RewardEntry,
            Application.vacancy_id,
            Application.candidate_id,
            Application.hired_at,
            RewardPolicy.probation_days,
        )
        .join(Application, Application.id == RewardEntry.application_id)
        .join(RewardPolicy, RewardPolicy.id == RewardEntry.policy_id)
    )
    if organisation_id is not None:
        query = query.where(RewardEntry.organisation_id == organisation_id)
    if employee_id is not None:
        query = query.where(RewardEntry.employee_id == employee_id)
    if application_ids is not None:
        query = query.where(RewardEntry.application_id.in_(application_ids))
    if latest_only:
        return query.ext(distinct_on(RewardEntry.employee_id, RewardEntry.application_id)).order_by(
            RewardEntry.employee_id, RewardEntry.application_id, RewardEntry.id.desc()
        )
    return query.order_by(RewardEntry.id)


def current(
    session: Session,
    *,
    organisation_id: UUID | None = None,
    employee_id: UUID | None = None,
    application_ids: Sequence[UUID] | None = None,
) -> list[EntryRow]:
    """The latest ledger row of every matching reward."""
    query = _rows(
        organisation_id=organisation_id,
        employee_id=employee_id,
        application_ids=application_ids,
        latest_only=True,
    )
    return [EntryRow._make(row) for row in session.execute(query)]


def ledger(
    session: Session,
    organisation_id: UUID,
    *,
    employee_id: UUID,
    application_id: UUID | None = None,
) -> list[EntryRow]:
    """Every ledger row of an employee's rewards (or one of them), oldest first."""
    query = _rows(
        organisation_id=organisation_id,
        employee_id=employee_id,
        application_ids=None if application_id is None else [application_id],
        latest_only=False,
    )
    return [EntryRow._make(row) for row in session.execute(query)]
