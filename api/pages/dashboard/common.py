"""What every dashboard page shares: rendering with the signed-in user, form errors from
validation, and the answers to a missing login, a refused form and a missing scope."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.auth.repository import get_organisation
from api.pages.dashboard.session import (
    CsrfRejectedError,
    DashboardUser,
    LoginRequiredError,
    MissingScopeError,
)
from api.pages.templating import PRIVATE, render
from runtime.errors import TalentMeshError


def page(
    template: str,
    session: Session | None,
    user: DashboardUser | None,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    organisation = ""
    if session is not None and user is not None:
        organisation = get_organisation(session, user.organisation_id).name
    return render(
        f"dashboard/{template}",
        status_code=status_code,
        headers=PRIVATE,
        lang="en",
        user=user,
        organisation=organisation,
        **context,
    )


def validation_errors(exc: ValidationError, aliases: dict[str, str]) -> dict[str, str]:
    """Messages per form field from a pydantic error (``location.city`` -> ``city``)."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = [str(part) for part in error["loc"] if not isinstance(part, int)]
        name = "_".join(loc) or "form"
        field = aliases.get(name, name)
        errors.setdefault(field, f"{field.replace('_', ' ').capitalize()}: {error['msg']}")
    return errors


def domain_errors(exc: TalentMeshError) -> dict[str, str]:
    if exc.errors:
        return {e.field.split(".")[-1]: e.message for e in exc.errors}
    return {"form": exc.detail}


def _problem(heading: str, detail: str, status_code: int) -> HTMLResponse:
    return page(
        "problem.html",
        None,
        None,
        status_code=status_code,
        page_title=f"{heading} – TalentMesh",
        heading=heading,
        detail=detail,
    )


def not_found() -> HTMLResponse:
    return _problem("Not found", "There is nothing here for your organisation.", 404)


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequiredError)
    return RedirectResponse(
        f"/dashboard/login?next={quote(exc.next_path, safe='/')}", status_code=303, headers=PRIVATE
    )


async def _csrf_rejected(request: Request, exc: Exception) -> Response:
    return _problem(
        "This form was not accepted",
        "The form was sent without its security token or from another site. Open the page "
        "again and send the form from there.",
        403,
    )


async def _missing_scope(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, MissingScopeError)
    return _problem(
        "Not allowed with this key",
        f"The API key you logged in with lacks the scope {exc.scope!r}.",
        403,
    )


def install_dashboard_handlers(app: FastAPI) -> None:
    app.add_exception_handler(LoginRequiredError, _login_required)
    app.add_exception_handler(CsrfRejectedError, _csrf_rejected)
    app.add_exception_handler(MissingScopeError, _missing_scope)
