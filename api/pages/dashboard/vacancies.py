"""Dashboard pages of vacancies: the list with funnel counts, one vacancy with its top
matches and campaigns, and the forms to post, edit and start a campaign."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.deps import SessionDep, SettingsDep
from api.pages.dashboard import forms
from api.pages.dashboard.common import domain_errors, not_found, page, validation_errors
from api.pages.dashboard.login import CheckedFormDep
from api.pages.dashboard.session import DashboardUser, UserDep
from api.pages.templating import PRIVATE
from api.routers.vacancies import index_and_announce
from distribution.campaigns import repository as campaigns_repository
from distribution.campaigns import service as campaigns
from distribution.campaigns.schemas import CampaignCreate
from distribution.funnel import service as funnel
from distribution.links.service import vacancy_page_url
from matching.retrieval import service as retrieval
from matching.retrieval.schemas import MatchFilters
from matching.vacancies import service as vacancies
from matching.vacancies.schemas import VacancyCreate, VacancyUpdate
from models import Candidate, Vacancy
from models.base import utcnow
from runtime.errors import NotFoundError, TalentMeshError
from runtime.settings import Settings
from trust.audit import rankings
from trust.audit.service import Actor

router = APIRouter(include_in_schema=False)
LIST_LIMIT = 100
# Pydantic names the audience's type in the error location (``audience.departments.*``).
_CAMPAIGN_ALIASES = {
    "audience_departments_departments": "departments",
    "audience_best_fit_limit": "best_fit",
}
TOP_MATCHES = 10


@router.get("/dashboard")
def vacancy_list(user: UserDep, session: SessionDep) -> HTMLResponse:
    user.require("vacancies:read")
    rows = funnel.vacancy_overview(session, user.organisation_id, limit=LIST_LIMIT)
    return page("vacancies.html", session, user, page_title="Vacancies – TalentMesh", rows=rows)


def _form_page(
    session: Session,
    user: DashboardUser,
    *,
    vacancy_id: UUID | None,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    editing = vacancy_id is not None
    return page(
        "vacancy_form.html",
        session,
        user,
        status_code=status_code,
        page_title=("Edit vacancy" if editing else "Post a vacancy") + " – TalentMesh",
        heading="Edit the vacancy" if editing else "Post a vacancy",
        submit="Save" if editing else "Post the vacancy",
        action=f"/dashboard/vacancies/{vacancy_id}/edit" if editing else "/dashboard/vacancies/new",
        values=values,
        errors=errors,
        statuses=forms.STATUS_OPTIONS,
        employment_types=forms.TYPE_OPTIONS,
        periods=forms.PERIOD_OPTIONS,
    )


@router.get("/dashboard/vacancies/new")
def new_vacancy_form(user: UserDep, session: SessionDep) -> HTMLResponse:
    user.require("vacancies:write")
    values = {"status": "open", "salary_currency": "EUR", "salary_period": "month"}
    return _form_page(session, user, vacancy_id=None, values=values, errors={})


def _save(
    session: Session,
    user: DashboardUser,
    settings: Settings,
    form: Any,
    vacancy_id: UUID | None,
) -> Response:
    values = forms.text_values(form, forms.VACANCY_FIELDS)
    payload = forms.vacancy_payload(values)
    try:
        if vacancy_id is None:
            vacancy = vacancies.create(
                session, user.organisation_id, VacancyCreate.model_validate(payload)
            )
        else:
            vacancy = vacancies.update(
                session, user.organisation_id, vacancy_id, VacancyUpdate.model_validate(payload)
            )
    except ValidationError as exc:
        errors = validation_errors(exc, forms.VACANCY_ALIASES)
    except NotFoundError:
        return not_found()
    except TalentMeshError as exc:
        errors = domain_errors(exc)
    else:
        index_and_announce(session, vacancy, settings)
        return RedirectResponse(
            f"/dashboard/vacancies/{vacancy.id}", status_code=303, headers=PRIVATE
        )
    session.rollback()
    return _form_page(
        session, user, vacancy_id=vacancy_id, values=values, errors=errors, status_code=422
    )


@router.post("/dashboard/vacancies/new")
def create_vacancy(
    form: CheckedFormDep, user: UserDep, session: SessionDep, settings: SettingsDep
) -> Response:
    user.require("vacancies:write")
    return _save(session, user, settings, form, None)


def _vacancy(session: Session, user: DashboardUser, vacancy_id: str) -> Vacancy | None:
    try:
        return vacancies.get(session, user.organisation_id, UUID(vacancy_id))
    except (ValueError, NotFoundError):
        return None


@router.get("/dashboard/vacancies/{vacancy_id}/edit")
def edit_vacancy_form(vacancy_id: str, user: UserDep, session: SessionDep) -> HTMLResponse:
    user.require("vacancies:write")
    vacancy = _vacancy(session, user, vacancy_id)
    if vacancy is None:
        return not_found()
    values = forms.vacancy_values(vacancies.to_out(vacancy))
    return _form_page(session, user, vacancy_id=vacancy.id, values=values, errors={})


@router.post("/dashboard/vacancies/{vacancy_id}/edit")
def edit_vacancy(
    vacancy_id: str,
    form: CheckedFormDep,
    user: UserDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    user.require("vacancies:write")
    vacancy = _vacancy(session, user, vacancy_id)
    if vacancy is None:
        return not_found()
    return _save(session, user, settings, form, vacancy.id)


def _match_views(
    session: Session, vacancy: Vacancy, settings: Settings, actor: Actor
) -> list[dict[str, Any]]:
    ranked = retrieval.matches_for_vacancy(
        session, vacancy, settings.embedding_model, MatchFilters(), 0.0
    )
    # A ranking shown to a person is audited like one the API serves.
    rankings.record(
        session,
        vacancy.organisation_id,
        rankings.VACANCY_MATCHES,
        actor,
        shown=ranked[:TOP_MATCHES],
        first_rank=1,
        total=len(ranked),
        model=settings.embedding_model,
        request={"limit": TOP_MATCHES, "via": "dashboard"},
        vacancy_id=vacancy.id,
    )
    views = []
    for item in ranked[:TOP_MATCHES]:
        explanation = item.explanation
        skills = explanation.get("skills", {})
        candidate = item.owner
        assert isinstance(candidate, Candidate)
        views.append(
            {
                "name": candidate.name or "(no name)",
                "headline": candidate.headline,
                "score": item.score,
                "matched": [s["skill"] for s in skills.get("matched", [])],
                "missing": [s["skill"] for s in skills.get("missing", [])],
                "transferable": [
                    {"required": s["skill"], "candidate": s["candidate_skill"]}
                    for s in skills.get("transferable", [])
                ],
                "components": [
                    (name, f"{value:.2f}")
                    for name, value in explanation.get("components", {}).items()
                    if value is not None
                ],
                "evidence": [e.get("text", "") for e in explanation.get("evidence", [])][:3],
            }
        )
    return views


def vacancy_page(
    session: Session,
    user: DashboardUser,
    settings: Settings,
    vacancy: Vacancy,
    *,
    campaign_values: dict[str, Any] | None = None,
    campaign_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    slug = campaigns_repository.organisation(session, user.organisation_id).slug
    can_search = user.principal.allows("search")
    return page(
        "vacancy.html",
        session,
        user,
        status_code=status_code,
        page_title=f"{vacancy.title} – TalentMesh",
        vacancy=vacancy,
        public_url=vacancy_page_url("", slug, vacancy.id) if vacancy.is_public(utcnow()) else None,
        funnel=funnel.vacancy_funnel(session, user.organisation_id, vacancy.id),
        campaigns=campaigns_repository.list_for_vacancy(
            session, user.organisation_id, vacancy.id, limit=50, after_id=None
        )[:50],
        can_campaign=user.principal.allows("distribution:write"),
        campaign_values=campaign_values or {"channels": ["linkedin", "whatsapp", "email"]},
        campaign_errors=campaign_errors or {},
        channels=forms.CHANNELS,
        audiences=forms.AUDIENCES,
        matches=_match_views(session, vacancy, settings, Actor.key(user.principal.api_key_id))
        if can_search
        else None,
    )


@router.get("/dashboard/vacancies/{vacancy_id}")
def show_vacancy(
    vacancy_id: str, user: UserDep, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    user.require("vacancies:read")
    user.require("distribution:read")
    vacancy = _vacancy(session, user, vacancy_id)
    if vacancy is None:
        return not_found()
    return vacancy_page(session, user, settings, vacancy)


@router.post("/dashboard/vacancies/{vacancy_id}/campaigns")
def start_campaign(
    vacancy_id: str,
    form: CheckedFormDep,
    user: UserDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    user.require("distribution:write")
    vacancy = _vacancy(session, user, vacancy_id)
    if vacancy is None:
        return not_found()
    payload, values = forms.campaign_payload(form)
    try:
        campaign = campaigns.create(
            session, user.organisation_id, vacancy.id, CampaignCreate.model_validate(payload)
        )
    except ValidationError as exc:
        errors = validation_errors(exc, _CAMPAIGN_ALIASES)
    except TalentMeshError as exc:
        errors = domain_errors(exc)
    else:
        return RedirectResponse(
            f"/dashboard/campaigns/{campaign.id}", status_code=303, headers=PRIVATE
        )
    session.rollback()
    return vacancy_page(
        session,
        user,
        settings,
        vacancy,
        campaign_values=values,
        campaign_errors=errors,
        status_code=422,
    )
