"""Funnel and leaderboard queries. Every figure is aggregated in the database (a few
hash-aggregated GROUP BY / GROUPING SETS queries per report), never row by row in Python;
every query is scoped to an organisation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Generic, TypeVar
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Row,
    Subquery,
    and_,
    cast,
    distinct,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from models import (
    Application,
    ApplicationEvent,
    Campaign,
    Click,
    Employee,
    Notification,
    Touchpoint,
    TrackedLink,
    Vacancy,
)

INTERVIEW_OR_LATER = ("interview", "offer", "hired")

T = TypeVar("T")


@dataclass(frozen=True)
class Scope:
    """The links a report covers: one campaign's (reshare links inherit the campaign), every
    link of a vacancy (``campaign_id`` None), or of the organisation (both None)."""

    organisation_id: UUID
    vacancy_id: UUID | None
    campaign_id: UUID | None = None


@dataclass(frozen=True)
class LinkFigures:
    links: int = 0
    links_shared: int = 0
    clicks: int = 0
    requests: int = 0
    bot_requests: int = 0
    unique_visitors: int = 0


@dataclass(frozen=True)
class ApplicationFigures:
    applications: int = 0
    interviews: int = 0
    hires: int = 0


@dataclass
class Breakdown(Generic[T]):
    total: T
    by_channel: dict[str, T]
    by_employee: dict[UUID, T]


@dataclass(frozen=True)
class EmployeeRow:
    id: UUID
    external_id: str | None
    name: str
    department: str | None
    opted_out: bool
    reached: bool


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    id: UUID
    external_id: str | None
    name: str
    department: str | None
    opted_out: bool
    hires: int
    applications: int
    clicks: int
    links_shared: int


def get_campaign(session: Session, organisation_id: UUID, campaign_id: UUID) -> Campaign | None:
    return session.scalar(
        select(Campaign).where(
            Campaign.organisation_id == organisation_id, Campaign.id == campaign_id
        )
    )


def vacancy_exists(session: Session, organisation_id: UUID, vacancy_id: UUID) -> bool:
    found = session.scalar(
        select(Vacancy.id).where(
            Vacancy.organisation_id == organisation_id, Vacancy.id == vacancy_id
        )
    )
    return found is not None


def campaign_ids(session: Session, organisation_id: UUID, vacancy_id: UUID) -> list[UUID]:
    return list(
        session.scalars(
            select(Campaign.id)
            .where(Campaign.organisation_id == organisation_id, Campaign.vacancy_id == vacancy_id)
            .order_by(Campaign.created_at, Campaign.id)
        )
    )


def _links(scope: Scope) -> Subquery:
    query = select(
        TrackedLink.id,
        TrackedLink.vacancy_id,
        TrackedLink.channel,
        TrackedLink.employee_id,
        TrackedLink.parent_id,
        TrackedLink.root_employee_id,
    ).where(TrackedLink.organisation_id == scope.organisation_id)
    if scope.vacancy_id is not None:
        query = query.where(TrackedLink.vacancy_id == scope.vacancy_id)
    if scope.campaign_id is not None:
        query = query.where(TrackedLink.campaign_id == scope.campaign_id)
    return query.subquery("scope_links")


def _in_campaigns(scope: Scope) -> ColumnElement[bool]:
    if scope.campaign_id is not None:
        return Notification.campaign_id == scope.campaign_id
    return Notification.campaign_id.in_(
        select(Campaign.id).where(
            Campaign.organisation_id == scope.organisation_id,
            Campaign.vacancy_id == scope.vacancy_id,
        )
    )


def _key(row: Row[Any]) -> tuple[str, object]:
    """Which line a row of ``GROUPING SETS`` over (channel, root employee) belongs to: the
    grouping bitmask has a bit set for each column left out (channel 2, employee 1)."""
    if row.level == 0b11:
        return ("total", None)
    if row.level == 0b01:
        return ("channel", row.channel)
    return ("employee", row.employee_id)


def _breakdown(rows: dict[tuple[str, object], T], empty: T) -> Breakdown[T]:
    result = Breakdown(total=rows.get(("total", None), empty), by_channel={}, by_employee={})
    for (kind, key), value in rows.items():
        if kind == "channel" and isinstance(key, str):
            result.by_channel[key] = value
        # Links credited to nobody count in the total and their channel only.
        elif kind == "employee" and isinstance(key, UUID):
            result.by_employee[key] = value
    return result


def _grouping(links: Subquery, *extra: Any) -> tuple[ColumnElement[int], Any]:
    level = func.grouping(links.c.channel, links.c.root_employee_id).label("level")
    sets = func.grouping_sets(
        tuple_(*extra), tuple_(links.c.channel, *extra), tuple_(links.c.root_employee_id, *extra)
    )
    return level, sets


def _clicks(scope: Scope) -> Subquery:
    # Narrowed by the (organisation, vacancy) index before the links are joined.
    query = select(Click.link_id, Click.visitor, Click.bot, Click.hits).where(
        Click.organisation_id == scope.organisation_id
    )
    if scope.vacancy_id is not None:
        query = query.where(Click.vacancy_id == scope.vacancy_id)
    return query.subquery("scope_clicks")


def link_figures(session: Session, scope: Scope) -> Breakdown[LinkFigures]:
    """Two passes, both hash-aggregated: clicks per link summed up per line, then the
    distinct (line, visitor) pairs counted per line."""
    links = _links(scope)
    clicks = _clicks(scope)
    counted = clicks.c.bot.is_(False)
    per_link = (
        select(
            clicks.c.link_id,
            func.count().filter(counted).label("clicks"),
            func.sum(clicks.c.hits).filter(counted).label("requests"),
            func.sum(clicks.c.hits).filter(clicks.c.bot.is_(True)).label("bot_requests"),
        )
        .group_by(clicks.c.link_id)
        .subquery("per_link")
    )
    level, sets = _grouping(links)
    figures = (
        select(
            level,
            links.c.channel,
            links.c.root_employee_id.label("employee_id"),
            func.count(links.c.id).label("links"),
            func.count(links.c.id).filter(per_link.c.clicks > 0).label("links_shared"),
            func.sum(per_link.c.clicks).label("clicks"),
            func.sum(per_link.c.requests).label("requests"),
            func.sum(per_link.c.bot_requests).label("bot_requests"),
        )
        .select_from(links)
        .outerjoin(per_link, per_link.c.link_id == links.c.id)
        .group_by(sets)
    )
    level, sets = _grouping(links, clicks.c.visitor)
    pairs = (
        select(level, links.c.channel, links.c.root_employee_id.label("employee_id"))
        .join(clicks, clicks.c.link_id == links.c.id)
        .where(counted)
        .group_by(sets)
        .subquery("visitor_pairs")
    )
    visitors = select(
        pairs.c.level, pairs.c.channel, pairs.c.employee_id, func.count().label("visitors")
    ).group_by(pairs.c.level, pairs.c.channel, pairs.c.employee_id)
    unique = {_key(row): int(row.visitors) for row in session.execute(visitors)}
    rows: dict[tuple[str, object], LinkFigures] = {}
    for row in session.execute(figures):
        key = _key(row)
        rows[key] = LinkFigures(
            links=int(row.links),
            links_shared=int(row.links_shared),
            clicks=int(row.clicks or 0),
            requests=int(row.requests or 0),
            bot_requests=int(row.bot_requests or 0),
            unique_visitors=unique.get(key, 0),
        )
    return _breakdown(rows, LinkFigures())


def _attributed(organisation_id: UUID, vacancy_id: UUID | None, links: Subquery) -> Subquery:
    """One row per application: its attributed link among ``links``. An application's
    touches are its touchpoints plus its ref link, on links of its own vacancy; the ref wins,
    otherwise the latest touch (by time, then position)."""
    applications = select(
        Application.id, Application.vacancy_id, Application.ref_link_id, Application.applied_at
    ).where(Application.organisation_id == organisation_id)
    if vacancy_id is not None:
        applications = applications.where(Application.vacancy_id == vacancy_id)
    own = applications.cte("own_applications")
    touches = union_all(
        select(
            Touchpoint.application_id,
            own.c.vacancy_id,
            Touchpoint.link_id,
            (Touchpoint.kind == "ref").label("is_ref"),
            Touchpoint.occurred_at.label("at"),
            Touchpoint.position,
        ).join(own, own.c.id == Touchpoint.application_id),
        select(
            own.c.id, own.c.vacancy_id, own.c.ref_link_id, true(), own.c.applied_at, literal(0)
        ).where(own.c.ref_link_id.is_not(None)),
    ).subquery("touches")
    preference = func.row_number().over(
        partition_by=touches.c.application_id,
        order_by=(
            touches.c.is_ref.desc(),
            touches.c.at.desc(),
            touches.c.position.desc(),
            touches.c.link_id,
        ),
    )
    ranked = (
        select(touches.c.application_id, touches.c.link_id, preference.label("preference"))
        .join(
            links,
            and_(links.c.id == touches.c.link_id, links.c.vacancy_id == touches.c.vacancy_id),
        )
        .subquery("ranked_touches")
    )
    query = select(ranked.c.application_id, ranked.c.link_id).where(ranked.c.preference == 1)
    return query.subquery("attributed")


def _interviewed() -> ColumnElement[bool]:
    return or_(
        Application.status.in_(INTERVIEW_OR_LATER),
        exists().where(
            ApplicationEvent.application_id == Application.id,
            ApplicationEvent.status.in_(INTERVIEW_OR_LATER),
        ),
    )


def _application_counts() -> tuple[Any, ...]:
    return (
        func.count(Application.id).label("applications"),
        func.count(Application.id).filter(_interviewed()).label("interviews"),
        func.count(Application.id).filter(Application.status == "hired").label("hires"),
    )


def application_figures(session: Session, scope: Scope) -> Breakdown[ApplicationFigures]:
    links = _links(scope)
    attributed = _attributed(scope.organisation_id, scope.vacancy_id, links)
    level, sets = _grouping(links)
    query = (
        select(
            level,
            links.c.channel,
            links.c.root_employee_id.label("employee_id"),
            *_application_counts(),
        )
        .select_from(attributed)
        .join(Application, Application.id == attributed.c.application_id)
        .join(links, links.c.id == attributed.c.link_id)
        .group_by(sets)
    )
    rows: dict[tuple[str, object], ApplicationFigures] = {}
    for row in session.execute(query):
        rows[_key(row)] = ApplicationFigures(row.applications, row.interviews, row.hires)
    return _breakdown(rows, ApplicationFigures())


def application_totals(
    session: Session, organisation_id: UUID, vacancy_id: UUID
) -> ApplicationFigures:
    row = session.execute(
        select(*_application_counts()).where(
            Application.organisation_id == organisation_id,
            Application.vacancy_id == vacancy_id,
        )
    ).one()
    return ApplicationFigures(row.applications, row.interviews, row.hires)


def _sent_invites(scope: Scope) -> Subquery:
    return (
        select(Notification.employee_id)
        .where(_in_campaigns(scope), Notification.kind == "invite", Notification.status == "sent")
        .distinct()
        .subquery("reached")
    )


def reached_by_channel(session: Session, scope: Scope) -> dict[str, int]:
    links = _links(scope)
    reached = _sent_invites(scope)
    query = (
        select(links.c.channel, func.count(distinct(links.c.employee_id)).label("reached"))
        .join(reached, reached.c.employee_id == links.c.employee_id)
        .where(links.c.parent_id.is_(None))
        .group_by(links.c.channel)
    )
    return {row.channel: row.reached for row in session.execute(query)}


def _opted_out() -> ColumnElement[bool]:
    # The same rule as the employees API: opted out while `opted_out_at` is set.
    return Employee.opted_out_at.is_not(None)


def employees_in_scope(session: Session, scope: Scope) -> list[EmployeeRow]:
    """Employees invited by a campaign in scope (in any notification status) or credited
    with a link in scope, with whether their invitation was sent."""
    invited = (
        select(
            Notification.employee_id,
            func.bool_or(Notification.status == "sent").label("reached"),
        )
        .where(_in_campaigns(scope), Notification.kind == "invite")
        .group_by(Notification.employee_id)
        .subquery("invited")
    )
    links = _links(scope)
    credited = select(links.c.root_employee_id).where(links.c.root_employee_id.is_not(None))
    query = (
        select(
            Employee.id,
            Employee.external_id,
            Employee.name,
            Employee.department,
            _opted_out().label("opted_out"),
            func.coalesce(invited.c.reached, false()).label("reached"),
        )
        .outerjoin(invited, invited.c.employee_id == Employee.id)
        .where(
            Employee.organisation_id == scope.organisation_id,
            or_(invited.c.employee_id.is_not(None), Employee.id.in_(credited)),
        )
    )
    return [EmployeeRow(*row) for row in session.execute(query).all()]


def _within(
    column: ColumnElement[datetime] | InstrumentedAttribute[datetime],
    since: datetime | None,
    until: datetime | None,
) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = []
    if since is not None:
        conditions.append(column >= since)
    if until is not None:
        conditions.append(column < until)
    return and_(true(), *conditions)


def _click_days(since: datetime | None, until: datetime | None) -> ColumnElement[bool]:
    # `day` is indexed and lies within a day of `first_at` whatever time zone it was cut in,
    # so a one-day margin narrows the scan without changing the result.
    conditions: list[ColumnElement[bool]] = []
    if since is not None:
        conditions.append(Click.day >= cast((since - timedelta(days=1)).date(), Date))
    if until is not None:
        conditions.append(Click.day <= cast((until + timedelta(days=1)).date(), Date))
    return and_(true(), *conditions)


def leaderboard(
    session: Session,
    organisation_id: UUID,
    *,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> list[LeaderboardRow]:
    """Per-employee facts from three sources stacked (every employee with zeros, clicks per
    credited link, attributed applications) and summed per employee: one hash aggregate
    and no join whose size the planner has to guess."""
    links = _links(Scope(organisation_id, None))
    zero = literal(0)
    everyone = select(
        Employee.id.label("employee_id"),
        zero.label("clicks"),
        zero.label("links_shared"),
        zero.label("applications"),
        zero.label("hires"),
    ).where(Employee.organisation_id == organisation_id)
    per_link = (
        select(Click.link_id, func.count().label("clicks"))
        .where(
            Click.organisation_id == organisation_id,
            Click.bot.is_(False),
            _click_days(since, until),
            _within(Click.first_at, since, until),
        )
        .group_by(Click.link_id)
        .subquery("per_link")
    )
    shared = (
        select(links.c.root_employee_id, per_link.c.clicks, literal(1), zero, zero)
        .join(links, links.c.id == per_link.c.link_id)
        .where(links.c.root_employee_id.is_not(None))
    )
    attributed = _attributed(organisation_id, None, links)
    hired_at = func.coalesce(
        select(func.max(ApplicationEvent.at))
        .where(
            ApplicationEvent.application_id == Application.id, ApplicationEvent.status == "hired"
        )
        .scalar_subquery(),
        Application.hired_at,
    )
    applied = (
        select(
            links.c.root_employee_id,
            zero,
            zero,
            cast(_within(Application.applied_at, since, until), Integer),
            cast(and_(Application.status == "hired", _within(hired_at, since, until)), Integer),
        )
        .select_from(attributed)
        .join(Application, Application.id == attributed.c.application_id)
        .join(links, links.c.id == attributed.c.link_id)
        .where(links.c.root_employee_id.is_not(None))
    )
    facts = union_all(everyone, shared, applied).subquery("facts")
    totals = (
        select(
            facts.c.employee_id,
            cast(func.sum(facts.c.clicks), Integer).label("clicks"),
            cast(func.sum(facts.c.links_shared), Integer).label("links_shared"),
            cast(func.sum(facts.c.applications), Integer).label("applications"),
            cast(func.sum(facts.c.hires), Integer).label("hires"),
        )
        .group_by(facts.c.employee_id)
        .subquery("totals")
    )
    rank = func.rank().over(
        order_by=(totals.c.hires.desc(), totals.c.applications.desc(), totals.c.clicks.desc())
    )
    query = (
        select(
            rank,
            Employee.id,
            Employee.external_id,
            Employee.name,
            Employee.department,
            _opted_out(),
            totals.c.hires,
            totals.c.applications,
            totals.c.clicks,
            totals.c.links_shared,
        )
        .join(totals, totals.c.employee_id == Employee.id)
        .where(Employee.organisation_id == organisation_id)
        .order_by(
            totals.c.hires.desc(),
            totals.c.applications.desc(),
            totals.c.clicks.desc(),
            func.lower(Employee.name).collate("C"),
            Employee.name.collate("C"),
            Employee.id,
        )
        .limit(limit)
    )
    return [LeaderboardRow(*row) for row in session.execute(query).all()]


def daily_clicks(session: Session, scope: Scope) -> list[tuple[date, str, int]]:
    """Counted clicks per day and channel (the reach of a campaign over time)."""
    links = _links(scope)
    query = (
        select(Click.day, links.c.channel, func.count())
        .join(links, links.c.id == Click.link_id)
        .where(Click.organisation_id == scope.organisation_id, Click.bot.is_(False))
    )
    if scope.vacancy_id is not None:
        query = query.where(Click.vacancy_id == scope.vacancy_id)
    rows = session.execute(
        query.group_by(Click.day, links.c.channel).order_by(Click.day, links.c.channel)
    )
    return [(row[0], row[1], int(row[2])) for row in rows]


@dataclass(frozen=True)
class VacancyOverview:
    vacancy: Vacancy
    clicks: int
    applications: int
    interviews: int
    hires: int
    campaigns: int


def vacancy_overview(session: Session, organisation_id: UUID, limit: int) -> list[VacancyOverview]:
    """The organisation's latest vacancies with their funnel counts, newest first (the
    dashboard's list). Each count is a lookup on an index per vacancy."""
    clicks = (
        select(func.count())
        .where(Click.vacancy_id == Vacancy.id, Click.bot.is_(False))
        .scalar_subquery()
    )
    applications = select(func.count()).where(Application.vacancy_id == Vacancy.id)
    interviewed = applications.where(_interviewed())
    hired = applications.where(Application.status == "hired")
    campaigns = select(func.count()).where(Campaign.vacancy_id == Vacancy.id)
    rows = session.execute(
        select(
            Vacancy,
            clicks,
            applications.scalar_subquery(),
            interviewed.scalar_subquery(),
            hired.scalar_subquery(),
            campaigns.scalar_subquery(),
        )
        .where(Vacancy.organisation_id == organisation_id)
        .order_by(Vacancy.created_at.desc(), Vacancy.id.desc())
        .limit(limit)
    )
    return [VacancyOverview(row[0], *(int(n) for n in row[1:])) for row in rows]
