"""Request dependencies: the database session (committed here, at the boundary), the
settings and the authenticated caller."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.auth import service as auth_service
from api.auth.scopes import Principal
from runtime.errors import AuthenticationError, PermissionDeniedError
from runtime.outbox import unit_of_work
from runtime.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer tm_...`")


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    # Commits at the end of the request, then hands the jobs it enqueued to the broker.
    with unit_of_work(request.app.state.session_factory, request.app.state.celery) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
# "function" scope: the transaction commits when the route returns and before the response
# is sent, so a client never sees a success whose commit then failed.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_principal(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationError("send an API key as `Authorization: Bearer <key>`")
    return auth_service.authenticate(session, credentials.credentials)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(scope: str) -> Callable[[Principal], Principal]:
    """A dependency that passes the caller on only if its key carries ``scope``."""

    def check(principal: PrincipalDep) -> Principal:
        if not principal.allows(scope):
            raise PermissionDeniedError(f"this API key lacks the scope {scope!r}")
        return principal

    return check


VacanciesRead = Annotated[Principal, Depends(require("vacancies:read"))]
VacanciesWrite = Annotated[Principal, Depends(require("vacancies:write"))]
CandidatesRead = Annotated[Principal, Depends(require("candidates:read"))]
CandidatesWrite = Annotated[Principal, Depends(require("candidates:write"))]
SearchScope = Annotated[Principal, Depends(require("search"))]
DistributionRead = Annotated[Principal, Depends(require("distribution:read"))]
DistributionWrite = Annotated[Principal, Depends(require("distribution:write"))]
ApplicationsRead = Annotated[Principal, Depends(require("applications:read"))]
ApplicationsWrite = Annotated[Principal, Depends(require("applications:write"))]
WebhooksRead = Annotated[Principal, Depends(require("webhooks:read"))]
WebhooksWrite = Annotated[Principal, Depends(require("webhooks:write"))]
ImportsRead = Annotated[Principal, Depends(require("imports:read"))]
ImportsWrite = Annotated[Principal, Depends(require("imports:write"))]
AuditRead = Annotated[Principal, Depends(require("audit:read"))]
