"""Funnel and leaderboard reports: the figures come aggregated from the repository and are
put together here (read-only; nothing is written)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy.orm import Session

from distribution.funnel import repository
from distribution.funnel.repository import (
    ApplicationFigures,
    EmployeeRow,
    LinkFigures,
    Scope,
)
from distribution.funnel.schemas import (
    CampaignFunnel,
    ChannelLine,
    Conversion,
    EmployeeLine,
    Figures,
    Leaderboard,
    LeaderboardEntry,
    VacancyFunnel,
)
from runtime.errors import FieldError, NotFoundError, ValidationFailedError

LEADERBOARD_MAX = 100


def _ratio(numerator: int, denominator: int) -> float | None:
    if denominator == 0:
        return None
    return round(numerator / denominator, 4)


def _values(reached: int, links: LinkFigures, applications: ApplicationFigures) -> dict[str, Any]:
    """The figures of one funnel line, with its conversion per step."""
    return {
        "reached": reached,
        "links": links.links,
        "links_shared": links.links_shared,
        "clicks": links.clicks,
        "requests": links.requests,
        "bot_requests": links.bot_requests,
        "unique_visitors": links.unique_visitors,
        "applications": applications.applications,
        "interviews": applications.interviews,
        "hires": applications.hires,
        "conversion": Conversion(
            reached_to_links_shared=_ratio(links.links_shared, reached),
            links_shared_to_clicks=_ratio(links.clicks, links.links_shared),
            clicks_to_applications=_ratio(applications.applications, links.clicks),
            applications_to_interviews=_ratio(applications.interviews, applications.applications),
            interviews_to_hires=_ratio(applications.hires, applications.interviews),
        ),
    }


def _employee_line(
    employee: EmployeeRow, links: LinkFigures, applications: ApplicationFigures
) -> EmployeeLine:
    return EmployeeLine(
        employee_id=employee.id,
        external_id=employee.external_id,
        name=employee.name,
        department=employee.department,
        opted_out=employee.opted_out,
        **_values(int(employee.reached), links, applications),
    )


def _sort_key(line: EmployeeLine) -> tuple[int, int, int, str, str, UUID]:
    # The same order as the leaderboard: code-point order of the lower-cased name.
    return (
        -line.hires,
        -line.applications,
        -line.clicks,
        line.name.lower(),
        line.name,
        line.employee_id,
    )


def _breakdowns(
    session: Session, scope: Scope
) -> tuple[Figures, list[ChannelLine], list[EmployeeLine]]:
    links = repository.link_figures(session, scope)
    applications = repository.application_figures(session, scope)
    reached_by_channel = repository.reached_by_channel(session, scope)
    employees = repository.employees_in_scope(session, scope)
    reached = sum(employee.reached for employee in employees)
    channels = [
        ChannelLine(
            channel=channel,
            **_values(
                reached_by_channel.get(channel, 0),
                links.by_channel.get(channel, LinkFigures()),
                applications.by_channel.get(channel, ApplicationFigures()),
            ),
        )
        for channel in sorted(links.by_channel.keys() | applications.by_channel.keys())
    ]
    employee_lines = [
        _employee_line(
            employee,
            links.by_employee.get(employee.id, LinkFigures()),
            applications.by_employee.get(employee.id, ApplicationFigures()),
        )
        for employee in employees
    ]
    employee_lines.sort(key=_sort_key)
    return Figures(**_values(reached, links.total, applications.total)), channels, employee_lines


def campaign_funnel(session: Session, organisation_id: UUID, campaign_id: UUID) -> CampaignFunnel:
    campaign = repository.get_campaign(session, organisation_id, campaign_id)
    if campaign is None:
        raise NotFoundError(f"no campaign with id {campaign_id}")
    total, channels, employees = _breakdowns(
        session, Scope(organisation_id, campaign.vacancy_id, campaign.id)
    )
    return CampaignFunnel(
        campaign_id=campaign.id,
        vacancy_id=campaign.vacancy_id,
        total=total,
        channels=channels,
        employees=employees,
    )


def vacancy_funnel(session: Session, organisation_id: UUID, vacancy_id: UUID) -> VacancyFunnel:
    if not repository.vacancy_exists(session, organisation_id, vacancy_id):
        raise NotFoundError(f"no vacancy with id {vacancy_id}")
    total, channels, employees = _breakdowns(session, Scope(organisation_id, vacancy_id))
    totals = repository.application_totals(session, organisation_id, vacancy_id)
    return VacancyFunnel(
        vacancy_id=vacancy_id,
        campaign_ids=repository.campaign_ids(session, organisation_id, vacancy_id),
        applications_total=totals.applications,
        interviews_total=totals.interviews,
        hires_total=totals.hires,
        total=total,
        channels=channels,
        employees=employees,
    )


def leaderboard(
    session: Session,
    organisation_id: UUID,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 20,
) -> Leaderboard:
    if since is not None and until is not None and since >= until:
        raise ValidationFailedError(
            "the period is empty", errors=[FieldError("until", "must be later than since")]
        )
    if not 1 <= limit <= LEADERBOARD_MAX:
        raise ValidationFailedError(
            "limit out of range", errors=[FieldError("limit", f"must be 1 to {LEADERBOARD_MAX}")]
        )
    rows = repository.leaderboard(session, organisation_id, since=since, until=until, limit=limit)
    return Leaderboard(
        since=since,
        until=until,
        data=[
            LeaderboardEntry(
                rank=row.rank,
                employee_id=row.id,
                external_id=row.external_id,
                name=row.name,
                department=row.department,
                opted_out=row.opted_out,
                hires=row.hires,
                applications=row.applications,
                clicks=row.clicks,
                links_shared=row.links_shared,
            )
            for row in rows
        ],
    )


def campaign_reach(
    session: Session, organisation_id: UUID, campaign_id: UUID
) -> list[tuple[date, str, int]]:
    """Counted clicks on the campaign's links per day and channel, oldest day first."""
    campaign = repository.get_campaign(session, organisation_id, campaign_id)
    if campaign is None:
        raise NotFoundError(f"no campaign with id {campaign_id}")
    return repository.daily_clicks(
        session, Scope(organisation_id, campaign.vacancy_id, campaign.id)
    )


def vacancy_overview(
    session: Session, organisation_id: UUID, *, limit: int
) -> list[repository.VacancyOverview]:
    return repository.vacancy_overview(session, organisation_id, limit)
