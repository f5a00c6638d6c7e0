"""/v1/reward-policy and /v1/employees/{id}/rewards: referral rewards and their ledger."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, status

from api.deps import DistributionRead, DistributionWrite, SessionDep
from api.problems import problem_responses
from api.routing import StrictJsonRoute
from distribution.rewards import service
from distribution.rewards.schemas import EmployeeRewards, PaymentIn, PolicyIn, PolicyOut, RewardOut

router = APIRouter(tags=["rewards"], route_class=StrictJsonRoute)


@router.put(
    "/v1/reward-policy",
    summary="Set the reward policy",
    responses=problem_responses(401, 403, 422),
)
def set_reward_policy(
    payload: PolicyIn, principal: DistributionWrite, session: SessionDep
) -> PolicyOut:
    """Set what a referral earns: `amount` in `currency`, eligible for payment once the
    referred candidate was hired `probation_days` ago (0: at the hire). Replaces the active
    policy; rewards already started keep the policy they were started under."""
    return PolicyOut.model_validate(service.set_policy(session, principal.organisation_id, payload))


@router.get(
    "/v1/reward-policy",
    summary="Get the reward policy",
    responses=problem_responses(401, 403, 404),
)
def get_reward_policy(principal: DistributionRead, session: SessionDep) -> PolicyOut:
    """The active reward policy; 404 when the organisation has none."""
    return PolicyOut.model_validate(service.get_policy(session, principal.organisation_id))


@router.delete(
    "/v1/reward-policy",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End the reward policy",
    responses=problem_responses(401, 403, 404),
)
def end_reward_policy(principal: DistributionWrite, session: SessionDep) -> None:
    """Stop rewarding referrals: hires from now on earn nothing. Rewards already started
    run their course."""
    service.end_policy(session, principal.organisation_id)


@router.get(
    "/v1/employees/{employee_id}/rewards",
    summary="An employee's referral rewards",
    responses=problem_responses(401, 403, 404, 422),
)
def employee_rewards(
    employee_id: UUID, principal: DistributionRead, session: SessionDep
) -> EmployeeRewards:
    """Every referral reward of the employee, oldest first: its current `state`, amount and
    its whole `ledger` (one row per state, never changed afterwards), plus `totals` per state.

    States: `pending` (hired, probation running), `eligible` (probation ended; the row's
    `at` is the moment it ended), `paid`, and `void` (the application left `hired` before
    the reward was paid). Rewards whose probation has ended are made eligible before the
    answer, so it is never stale."""
    return service.employee_rewards(session, principal.organisation_id, employee_id)


@router.post(
    "/v1/employees/{employee_id}/rewards/{application_id}/pay",
    summary="Record a reward payment",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def pay_reward(
    employee_id: UUID,
    application_id: UUID,
    principal: DistributionWrite,
    session: SessionDep,
    payload: PaymentIn | None = None,
) -> RewardOut:
    """Record that the eligible reward for this application was paid to the employee, with
    an optional payroll `reference`. A reward in any other state answers 409; an unknown
    employee or reward 404."""
    return service.pay(
        session,
        principal.organisation_id,
        employee_id,
        application_id,
        payload or PaymentIn(),
    )
