"""Referral rewards: the organisation's policy and the append-only reward ledger.

A reward belongs to one application and the employee the ownership rule credits for it
(``Application.reward_employee_id``). Its life:

- the application moves to ``hired`` while a policy is active: a ``pending`` row with the
  policy's amount and currency (``eligible`` at once when the policy has no probation);
- ``hired_at + probation_days`` has passed: ``eligible``. The row's ``at`` is that moment,
  whenever the promotion is written (by the periodic ``distribution.rewards.promote`` task,
  or when rewards are read or paid), so the ledger never depends on when a job ran;
- paid by HR: ``paid``;
- the application leaves ``hired`` (the candidate withdrew during or after probation)
  before the reward was paid: ``void``. A paid reward stays paid.

Rows are never changed or deleted; each state is a new row. A policy change applies to
hires after it: existing rewards keep the amount and probation of the policy they were
created under. Hires while no policy is active earn nothing, also later.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import cast
from uuid import UUID

from sqlalchemy.orm import Session

from distribution.rewards import repository
from distribution.rewards.repository import EntryRow
from distribution.rewards.schemas import (
    REWARD_STATES,
    EmployeeRewards,
    LedgerRow,
    PaymentIn,
    PolicyIn,
    RewardOut,
    RewardState,
    StateTotal,
)
from integration.events import service as event_log
from models import Application, RewardEntry, RewardPolicy
from models.base import utcnow
from runtime.errors import ConflictError, NotFoundError

UNPAID = ("pending", "eligible")


def get_policy(session: Session, organisation_id: UUID) -> RewardPolicy:
    policy = repository.active_policy(session, organisation_id)
    if policy is None:
        raise NotFoundError("the organisation has no active reward policy")
    return policy


def set_policy(session: Session, organisation_id: UUID, payload: PolicyIn) -> RewardPolicy:
    """Replace the active policy: the old one is kept, inactive, for the rewards made
    under it."""
    repository.lock_organisation(session, organisation_id)
    repository.deactivate_policies(session, organisation_id)
    session.flush()
    policy = RewardPolicy(
        organisation_id=organisation_id,
        amount=payload.amount,
        currency=payload.currency,
        probation_days=payload.probation_days,
        active=True,
    )
    session.add(policy)
    session.flush()
    return policy


def end_policy(session: Session, organisation_id: UUID) -> None:
    """Deactivate the policy: later hires earn nothing; existing rewards run their course."""
    repository.lock_organisation(session, organisation_id)
    get_policy(session, organisation_id)
    repository.deactivate_policies(session, organisation_id)
    session.flush()


def _append(
    session: Session, previous: RewardEntry, state: str, at: datetime, reason: str
) -> RewardEntry:
    entry = RewardEntry(
        organisation_id=previous.organisation_id,
        employee_id=previous.employee_id,
        application_id=previous.application_id,
        policy_id=previous.policy_id,
        state=state,
        amount=previous.amount,
        currency=previous.currency,
        at=at,
        reason=reason,
    )
    _add(session, entry)
    return entry


def _add(session: Session, entry: RewardEntry) -> None:
    """Add a ledger row and announce the reward's new state."""
    session.add(entry)
    data = {
        "application_id": str(entry.application_id),
        "employee_id": str(entry.employee_id),
        "state": entry.state,
        "amount": float(entry.amount),
        "currency": entry.currency,
        "at": entry.at.isoformat(),
        "reason": entry.reason,
    }
    event_log.record(
        session,
        entry.organisation_id,
        "referral.reward_changed",
        "application",
        entry.application_id,
        data,
    )


def _eligible_at(hired_at: datetime | None, probation_days: int) -> datetime | None:
    return None if hired_at is None else hired_at + timedelta(days=probation_days)


def on_hired(session: Session, application: Application, now: datetime) -> None:
    """Start the reward of an application that was just moved to ``hired`` (the caller
    holds the application's row lock)."""
    if application.reward_employee_id is None or application.hired_at is None:
        return
    policy = repository.active_policy(session, application.organisation_id)
    if policy is None:
        return
    hired = f"{application.hired_at:%Y-%m-%d}"
    if policy.probation_days == 0:
        state, reason = "eligible", f"hired on {hired}; the policy has no probation period"
    else:
        state = "pending"
        reason = f"hired on {hired}; eligible after a probation of {policy.probation_days} days"
    _add(
        session,
        RewardEntry(
            organisation_id=application.organisation_id,
            employee_id=application.reward_employee_id,
            application_id=application.id,
            policy_id=policy.id,
            state=state,
            amount=policy.amount,
            currency=policy.currency,
            at=application.hired_at,
            reason=reason,
        ),
    )
    session.flush()
    # A hire recorded after the fact may already be past its probation.
    promote_due(session, now, application_ids=[application.id])


def on_left_hired(session: Session, application: Application, status: str, at: datetime) -> None:
    """Void the unpaid reward of a hired application that moved to ``status`` at ``at``."""
    for row in repository.current(session, application_ids=[application.id]):
        if row.entry.state in UNPAID:
            _append(session, row.entry, "void", at, f"application {status} on {at:%Y-%m-%d}")
    session.flush()


def promote_due(
    session: Session,
    now: datetime,
    *,
    organisation_id: UUID | None = None,
    employee_id: UUID | None = None,
    application_ids: list[UUID] | None = None,
) -> int:
    """Move every pending reward whose probation has ended by ``now`` to ``eligible``
    (all organisations unless narrowed); returns how many moved. Safe to run at any time
    and concurrently: the decision is re-made under the applications' row locks."""

    def due(ids: list[UUID] | None) -> list[EntryRow]:
        rows = repository.current(
            session, organisation_id=organisation_id, employee_id=employee_id, application_ids=ids
        )
        return [
            row
            for row in rows
            if row.entry.state == "pending"
            and (eligible_at := _eligible_at(row.hired_at, row.probation_days)) is not None
            and eligible_at <= now
        ]

    candidates = due(application_ids)
    if not candidates:
        return 0
    locked = [row.entry.application_id for row in candidates]
    repository.lock_applications(session, locked)
    moved = due(locked)
    for row in moved:
        eligible_at = _eligible_at(row.hired_at, row.probation_days)
        assert eligible_at is not None
        _append(
            session,
            row.entry,
            "eligible",
            eligible_at,
            f"probation of {row.probation_days} days ended",
        )
    session.flush()
    return len(moved)


def _reward_out(rows: list[EntryRow]) -> RewardOut:
    last = rows[-1]
    return RewardOut(
        employee_id=last.entry.employee_id,
        application_id=last.entry.application_id,
        vacancy_id=last.vacancy_id,
        candidate_id=last.candidate_id,
        state=cast(RewardState, last.entry.state),
        amount=last.entry.amount,
        currency=last.entry.currency,
        hired_at=last.hired_at,
        eligible_at=_eligible_at(last.hired_at, last.probation_days),
        ledger=[
            LedgerRow(
                state=cast(RewardState, row.entry.state),
                amount=row.entry.amount,
                currency=row.entry.currency,
                at=row.entry.at,
                reason=row.entry.reason,
                policy_id=row.entry.policy_id,
            )
            for row in rows
        ],
    )


def _employee(session: Session, organisation_id: UUID, employee_id: UUID) -> None:
    if repository.employee(session, organisation_id, employee_id) is None:
        raise NotFoundError(f"no employee with id {employee_id}")


def employee_rewards(
    session: Session, organisation_id: UUID, employee_id: UUID, now: datetime | None = None
) -> EmployeeRewards:
    """Every reward of an employee with its whole ledger, oldest reward first, and totals
    per current state. Rewards whose probation has ended are promoted first, so the
    answer is never stale."""
    _employee(session, organisation_id, employee_id)
    promote_due(session, now or utcnow(), organisation_id=organisation_id, employee_id=employee_id)
    grouped: dict[UUID, list[EntryRow]] = defaultdict(list)
    for row in repository.ledger(session, organisation_id, employee_id=employee_id):
        grouped[row.entry.application_id].append(row)
    rewards = [_reward_out(rows) for rows in grouped.values()]
    totals = {state: StateTotal(count=0, amounts={}) for state in REWARD_STATES}
    for reward in rewards:
        total = totals[reward.state]
        total.count += 1
        total.amounts[reward.currency] = (
            total.amounts.get(reward.currency, Decimal(0)) + reward.amount
        )
    return EmployeeRewards(employee_id=employee_id, rewards=rewards, totals=totals)


def pay(
    session: Session,
    organisation_id: UUID,
    employee_id: UUID,
    application_id: UUID,
    payload: PaymentIn,
    now: datetime | None = None,
) -> RewardOut:
    """Record the payment of an eligible reward; any other state answers 409."""
    now = now or utcnow()
    _employee(session, organisation_id, employee_id)
    repository.lock_applications(session, [application_id])
    promote_due(session, now, organisation_id=organisation_id, application_ids=[application_id])
    rows = repository.ledger(
        session, organisation_id, employee_id=employee_id, application_id=application_id
    )
    if not rows:
        raise NotFoundError(
            f"employee {employee_id} has no reward for application {application_id}"
        )
    state = rows[-1].entry.state
    if state != "eligible":
        raise ConflictError(f"the reward is {state!r}; only an eligible reward can be paid")
    reason = "paid" if payload.reference is None else f"paid; reference {payload.reference}"
    _append(session, rows[-1].entry, "paid", now, reason)
    session.flush()
    return _reward_out(
        repository.ledger(
            session, organisation_id, employee_id=employee_id, application_id=application_id
        )
    )
