"""Attribution of a vacancy's applications and hires to employees and channels.

Each application with touchpoints is one conversion, split over its touches (in position
order) by the chosen model (see ``credit.py``); for ``time_decay`` the conversion time is
the application time, for hires too, so a hire is credited exactly like its application.
Hires are the applications whose status is ``hired`` now.

A touch's share goes to the channel of its link and to the employee of its link. A
visitor's reshare link has no employee of its own: its share goes up the chain to the
employee at the chain's root, who brought the vacancy into that network. A link without any
employee credits its channel only.

Every employee and channel that appears in a touch is listed, with 0 where the model gives
it nothing; credits are rounded to 4 decimals and sorted by application credit (highest
first), then by id or channel name.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Generic, TypeVar, cast
from uuid import UUID

from sqlalchemy.orm import Session

from distribution.applications import repository as applications_repository
from distribution.applications.repository import TouchRow
from distribution.applications.schemas import Ownership
from distribution.attribution.credit import AttributionModel, credit
from distribution.attribution.schemas import (
    AttributionOut,
    ChannelCredit,
    EmployeeCredit,
    OwnershipOut,
)
from matching.vacancies import repository as vacancies_repository
from runtime.errors import NotFoundError

DECIMALS = 4


K = TypeVar("K", UUID, str)


class _Tally(Generic[K]):
    """Credit per employee or channel, summed over conversions in a fixed order (so the
    float sums, and thus the rounded figures, are the same on every call)."""

    def __init__(self) -> None:
        self.applications: defaultdict[K, float] = defaultdict(float)
        self.hires: defaultdict[K, float] = defaultdict(float)

    def add(self, key: K, share: float, hired: bool) -> None:
        self.applications[key] += share
        self.hires[key] += share if hired else 0.0

    def ranked(self) -> list[tuple[K, float, float]]:
        rows = [
            (key, round(value, DECIMALS), round(self.hires[key], DECIMALS))
            for key, value in self.applications.items()
        ]
        return sorted(rows, key=lambda row: (-row[1], str(row[0])))


def attribution(
    session: Session,
    organisation_id: UUID,
    vacancy_id: UUID,
    model: AttributionModel,
    *,
    window_days: int,
) -> AttributionOut:
    if vacancies_repository.get(session, organisation_id, vacancy_id) is None:
        raise NotFoundError(f"no vacancy with id {vacancy_id}")
    applications = applications_repository.of_vacancy(session, organisation_id, vacancy_id)
    touches: defaultdict[UUID, list[TouchRow]] = defaultdict(list)
    for row in applications_repository.touches_of(session, vacancy_id=vacancy_id):
        touches[row.application_id].append(row)

    employees: _Tally[UUID] = _Tally()
    channels: _Tally[str] = _Tally()
    names: dict[UUID, str] = {}
    attributed = attributed_hires = 0
    for application in applications:
        rows = touches.get(application.id)
        if not rows:
            continue
        hired = application.status == "hired"
        attributed += 1
        attributed_hires += hired
        shares = credit(model, [row.occurred_at for row in rows], application.applied_at)
        for row, share in zip(rows, shares, strict=True):
            channels.add(row.channel, share, hired)
            if row.employee_id is not None:
                employees.add(row.employee_id, share, hired)
                names[row.employee_id] = row.employee_name or ""

    return AttributionOut(
        vacancy_id=vacancy_id,
        model=model,
        applications=len(applications),
        attributed_applications=attributed,
        hires=sum(application.status == "hired" for application in applications),
        attributed_hires=attributed_hires,
        employees=[
            EmployeeCredit(
                employee_id=key,
                name=names[key],
                applications=apps,
                hires=hires,
            )
            for key, apps, hires in employees.ranked()
        ],
        channels=[
            ChannelCredit(channel=key, applications=apps, hires=hires)
            for key, apps, hires in channels.ranked()
        ],
        ownership=[
            OwnershipOut(
                application_id=application.id,
                candidate_id=application.candidate_id,
                rule=cast(Ownership, application.ownership),
                referrer_employee_id=application.referrer_employee_id,
                reward_employee_id=application.reward_employee_id,
                owner_application_id=application.owner_application_id,
                window_days=window_days,
            )
            for application in applications
        ],
    )
