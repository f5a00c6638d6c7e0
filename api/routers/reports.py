"""Referral funnels of a campaign and of a vacancy, and the employee leaderboard; each as
JSON or as a CSV file."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Header, Query, Response
from pydantic import AwareDatetime

from api.deps import DistributionRead, SessionDep
from api.problems import problem_responses
from api.routing import StrictJsonRoute
from distribution.funnel import export, service
from distribution.funnel.schemas import CampaignFunnel, Leaderboard, VacancyFunnel

router = APIRouter(tags=["reports"], route_class=StrictJsonRoute)

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"

FormatQuery = Annotated[
    Literal["json", "csv"] | None,
    Query(
        alias="format",
        description="`csv` for a CSV file. Left out: CSV if `Accept` prefers `text/csv`.",
    ),
]
AcceptHeader = Annotated[str | None, Header(include_in_schema=False)]


def _responses(model: type[Any]) -> dict[int | str, dict[str, Any]]:
    csv_content = {"text/csv": {"schema": {"type": "string"}}}
    return {
        200: {"model": model, "content": csv_content, "description": "The report."},
        **problem_responses(401, 403, 404, 422),
    }


def _wants_csv(format_: str | None, accept: str | None) -> bool:
    """An explicit `format` wins; otherwise the media type the Accept header ranks highest
    of `text/csv` and `application/json` (the first listed on a tie); JSON by default."""
    if format_ is not None:
        return format_ == "csv"
    best: tuple[float, str] | None = None
    for part in (accept or "").split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        media = media.lower()
        if media not in ("text/csv", "application/json"):
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0 and (best is None or quality > best[0]):
            best = (quality, media)
    return best is not None and best[1] == "text/csv"


def _csv(text: str, filename: str) -> Response:
    return Response(
        content=text,
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Vary": "Accept"},
    )


FIGURES = """

**Figures** (on the total line, per channel and per employee):
- `reached`: distinct employees with a `sent` invitation (`invite` notification) of a campaign
  in scope. Per channel: those of them holding their own (not reshared) link in scope on that
  channel. Per employee: 0 or 1.
- `links`: tracked links in scope, reshare links included; `links_shared`: those with at least
  one counted click (the link was demonstrably passed on).
- `clicks`: counted clicks, one per visitor, link and day; bot traffic never counts.
  `requests`: every request behind the counted clicks (sum of hits); `bot_requests`: every
  request recognised as a bot.
- `unique_visitors`: distinct visitor keys among the counted clicks (the key changes daily).
- `applications`: applications to the vacancy with a touch on a link in scope (a touchpoint
  of any kind, or the application's ref link).
- `interviews`: of those, the ones that ever reached `interview`, `offer` or `hired` in their
  status history (a later rejection still counts the interview).
- `hires`: of those, the ones whose current status is `hired` (a hire later withdrawn or
  rejected no longer counts).
- `conversion`: next / previous along reached -> links_shared -> clicks -> applications ->
  interviews -> hires, rounded to 4 decimals; null when the previous figure is 0.

**Breakdowns.** Links and clicks count on the link's `channel` and on the employee credited
for it (the link's root employee: reshares credit the employee at the root of the chain).
Each application counts once per breakdown, on its attributed link: its ref link if that is
in scope, otherwise its latest touch in scope (by time, then position). Channels are listed
alphabetically. Employees: everyone invited by a campaign in scope (in any notification
status) or credited with a link in scope, ordered by hires, applications and clicks
(descending), then name; opted-out employees are flagged, their history still counts.
`unique_visitors` of the lines need not add up to the total.

**CSV**: `?format=csv` or `Accept: text/csv` answers `text/csv` as a file download, one row
per line (column `level`: `total`, `channel` or `employee`) with the figures as columns and
the conversions flattened; empty cells for null. Text cells starting with `=`, `+`, `-` or
`@` get a leading apostrophe so that spreadsheets never run them as formulas."""

CAMPAIGN_FUNNEL = (
    "The referral funnel of one campaign. **Scope**: the campaign's tracked links and every "
    "reshare link descending from them (reshare links inherit the campaign), and the "
    "applications to the campaign's vacancy that touched one of those links. Another "
    "organisation's campaign answers 404." + FIGURES
)
VACANCY_FUNNEL = (
    "The referral funnel of one vacancy. **Scope**: every tracked link of the vacancy (of all "
    "its campaigns, and links outside any campaign) and all its applications: `applications` "
    "counts those with a tracked touch, `applications_total` (with `interviews_total` and "
    "`hires_total`, defined as below) every application, with or without one. Another "
    "organisation's vacancy answers 404." + FIGURES
)


@router.get(
    "/v1/campaigns/{campaign_id}/funnel",
    summary="Funnel of a campaign",
    description=CAMPAIGN_FUNNEL,
    response_model=CampaignFunnel,
    responses=_responses(CampaignFunnel),
)
def campaign_funnel(
    campaign_id: UUID,
    principal: DistributionRead,
    session: SessionDep,
    response: Response,
    format_: FormatQuery = None,
    accept: AcceptHeader = None,
) -> CampaignFunnel | Response:
    funnel = service.campaign_funnel(session, principal.organisation_id, campaign_id)
    if _wants_csv(format_, accept):
        return _csv(export.funnel_csv(funnel), f"campaign-{campaign_id}-funnel.csv")
    response.headers["Vary"] = "Accept"
    return funnel


@router.get(
    "/v1/vacancies/{vacancy_id}/funnel",
    summary="Funnel of a vacancy",
    description=VACANCY_FUNNEL,
    response_model=VacancyFunnel,
    responses=_responses(VacancyFunnel),
)
def vacancy_funnel(
    vacancy_id: UUID,
    principal: DistributionRead,
    session: SessionDep,
    response: Response,
    format_: FormatQuery = None,
    accept: AcceptHeader = None,
) -> VacancyFunnel | Response:
    funnel = service.vacancy_funnel(session, principal.organisation_id, vacancy_id)
    if _wants_csv(format_, accept):
        return _csv(export.funnel_csv(funnel), f"vacancy-{vacancy_id}-funnel.csv")
    response.headers["Vary"] = "Accept"
    return funnel


@router.get(
    "/v1/employees/leaderboard",
    summary="Employee leaderboard",
    response_model=Leaderboard,
    responses=_responses(Leaderboard),
)
def employee_leaderboard(
    principal: DistributionRead,
    session: SessionDep,
    response: Response,
    since: Annotated[AwareDatetime | None, Query(description="Period start, inclusive.")] = None,
    until: Annotated[AwareDatetime | None, Query(description="Period end, exclusive.")] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Entries, 1 to 100.")] = 20,
    format_: FormatQuery = None,
    accept: AcceptHeader = None,
) -> Leaderboard | Response:
    """Every employee of the organisation, ranked by `hires`, then `applications`, then
    `clicks` (descending), then listed by name; employees equal on all three share a `rank`
    (1, 2, 2, 4). The top `limit` are returned. Opted-out employees still appear (their
    history is real), flagged `opted_out`.

    Within the period [`since`, `until`) (open-ended when left out): `clicks` are counted
    clicks (one per visitor, link and day, no bots) first made in the period on links credited
    to the employee (their own links and every reshare descending from them); `links_shared`
    those links with a counted click in the period; `applications` the applications made in
    the period whose attributed link (the ref link, otherwise the latest touch) is credited to
    the employee; `hires` those applications currently `hired` whose latest `hired` event (or
    `hired_at`, where no event was recorded) lies in the period, whenever they applied. Only
    touches on links of the application's own vacancy count, so without a period an
    employee's figures are the sums of their lines in the funnels of the organisation's
    vacancies.

    `?format=csv` or `Accept: text/csv` answers the same entries as a CSV file download; text
    cells starting with `=`, `+`, `-` or `@` get a leading apostrophe."""
    board = service.leaderboard(
        session, principal.organisation_id, since=since, until=until, limit=limit
    )
    if _wants_csv(format_, accept):
        return _csv(export.leaderboard_csv(board), "employee-leaderboard.csv")
    response.headers["Vary"] = "Accept"
    return board
