"""Logging in to the dashboard with an API key, and out again."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from api.auth import service as auth_service
from api.deps import SessionDep, SettingsDep
from api.pages.dashboard import session as dashboard_session
from api.pages.dashboard.common import page
from api.pages.dashboard.forms import text_values
from api.pages.templating import PRIVATE
from runtime.errors import AuthenticationError

router = APIRouter(include_in_schema=False)


async def form_data(request: Request) -> FormData:
    # Dashboard forms are short text forms; a file or a flood of fields is not one of them.
    return await request.form(max_files=0, max_fields=60)


FormDep = Annotated[FormData, Depends(form_data)]


def checked_form(
    request: Request, form: FormDep, user: dashboard_session.UserDep, settings: SettingsDep
) -> FormData:
    """The form of a signed-in user, once its CSRF token and origin are checked."""
    token = text_values(form, ("csrf_token",))["csrf_token"]
    dashboard_session.check_csrf(request, settings, user, token)
    return form


# Every dashboard form that changes something takes its fields through this.
CheckedFormDep = Annotated[FormData, Depends(checked_form)]


def _login_page(
    request: Request,
    settings: SettingsDep,
    next_path: str,
    error: str | None,
    status_code: int,
) -> HTMLResponse:
    nonce = dashboard_session.login_nonce(request)
    response = page(
        "login.html",
        None,
        None,
        status_code=status_code,
        page_title="Log in – TalentMesh",
        next_path=dashboard_session.safe_next(next_path),
        error=error,
        login_token=dashboard_session.login_form_token(settings, nonce),
    )
    dashboard_session.set_login_cookie(response, settings, nonce)
    return response


@router.get("/dashboard/login")
def login_page(request: Request, settings: SettingsDep, next: str | None = None) -> HTMLResponse:
    return _login_page(request, settings, next or "", None, 200)


@router.post("/dashboard/login")
def login(request: Request, form: FormDep, session: SessionDep, settings: SettingsDep) -> Response:
    values = text_values(form, ("api_key", "login_token", "next"))
    dashboard_session.check_login_form(request, settings, values["login_token"])
    try:
        principal = auth_service.authenticate(session, values["api_key"])
    except AuthenticationError as exc:
        message = exc.detail[:1].upper() + exc.detail[1:] + "."
        return _login_page(request, settings, values["next"], message, 401)
    response = RedirectResponse(
        dashboard_session.safe_next(values["next"]), status_code=303, headers=PRIVATE
    )
    dashboard_session.start_session(response, settings, principal.api_key_id)
    return response


@router.post("/dashboard/logout")
def logout(form: CheckedFormDep, user: dashboard_session.UserDep, session: SessionDep) -> Response:
    response = RedirectResponse("/dashboard/login", status_code=303, headers=PRIVATE)
    dashboard_session.end_session(response, session, user)
    return response
