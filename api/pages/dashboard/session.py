"""Dashboard sessions and CSRF protection.

Logging in exchanges an API key for a session cookie: the key's id and a random session
id, signed and timed (8 hours), ``HttpOnly`` and ``SameSite=Lax`` (``Secure`` when the
public URL is https). The key is checked again on every request, so revoking it ends its
sessions. Every form carries a token derived from the session id (the synchronizer token
pattern); a post without it, or from another origin, is refused with 403. The login form
itself is bound to a short-lived cookie of its own, so nobody can log a visitor in as
someone else.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlsplit
from uuid import UUID

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from api.auth.scopes import Principal
from api.deps import SessionDep, SettingsDep
from models import ApiKey
from models.base import utcnow
from runtime.settings import Settings
from runtime.signed_tokens import sign, sign_timed, unsign_timed

COOKIE = "tm_dashboard"
LOGIN_COOKIE = "tm_login"
COOKIE_PATH = "/dashboard"
SESSION_SECONDS = 8 * 3600
LOGIN_FORM_SECONDS = 3600


class LoginRequiredError(Exception):
    """No valid session: the browser is sent to the login page."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class CsrfRejectedError(Exception):
    """A form post without a valid token, or from another origin."""


class MissingScopeError(Exception):
    def __init__(self, scope: str) -> None:
        self.scope = scope


@dataclass(frozen=True)
class DashboardUser:
    principal: Principal
    key_name: str
    csrf_token: str

    @property
    def organisation_id(self) -> UUID:
        return self.principal.organisation_id

    def require(self, scope: str) -> None:
        if not self.principal.allows(scope):
            raise MissingScopeError(scope)


def _secret(settings: Settings) -> str:
    return settings.secret_key.get_secret_value()


def _csrf(settings: Settings, session_id: bytes) -> str:
    return sign(_secret(settings), "csrf", session_id)


def _secure(settings: Settings) -> bool:
    return settings.resolved_public_url.startswith("https://")


def start_session(response: Response, settings: Settings, api_key_id: UUID) -> None:
    # Key id, a random session id, and the start in microseconds (to compare with the
    # key's sessions_ended_at).
    started = int(utcnow().timestamp() * 1_000_000)
    payload = api_key_id.bytes + secrets.token_bytes(16) + started.to_bytes(8, "big")
    response.set_cookie(
        COOKIE,
        sign_timed(_secret(settings), "dashboard-session", payload),
        max_age=SESSION_SECONDS,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=_secure(settings),
    )
    response.delete_cookie(LOGIN_COOKIE, path=COOKIE_PATH)


def end_session(response: Response, session: Session, user: DashboardUser) -> None:
    """Log out: every dashboard session of the key that began until now is over, on every
    device (the cookie alone could have been copied)."""
    api_key = session.get(ApiKey, user.principal.api_key_id)
    if api_key is not None:
        api_key.sessions_ended_at = utcnow()
    response.delete_cookie(COOKIE, path=COOKIE_PATH)


def _session(request: Request, settings: Settings) -> tuple[UUID, bytes, datetime] | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    payload = unsign_timed(_secret(settings), "dashboard-session", token, max_age=SESSION_SECONDS)
    if payload is None or len(payload) != 40:
        return None
    started = datetime.fromtimestamp(int.from_bytes(payload[32:], "big") / 1_000_000, UTC)
    return UUID(bytes=payload[:16]), payload[16:32], started


def current_user(request: Request, session: SessionDep, settings: SettingsDep) -> DashboardUser:
    found = _session(request, settings)
    api_key = session.get(ApiKey, found[0]) if found else None
    if found is None or api_key is None or not _live(api_key, found[2]):
        path = request.url.path
        raise LoginRequiredError(path + (f"?{request.url.query}" if request.url.query else ""))
    return DashboardUser(
        principal=Principal(
            organisation_id=api_key.organisation_id,
            api_key_id=api_key.id,
            scopes=frozenset(api_key.scopes),
        ),
        key_name=api_key.name or api_key.prefix,
        csrf_token=_csrf(settings, found[1]),
    )


def _live(api_key: ApiKey, started: datetime) -> bool:
    if api_key.revoked_at is not None:
        return False
    return api_key.sessions_ended_at is None or started > api_key.sessions_ended_at


UserDep = Annotated[DashboardUser, Depends(current_user)]


def _same_origin(request: Request, settings: Settings) -> bool:
    # Browsers send Origin with every form post; a post from another site is refused even
    # if it somehow carried a token.
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    allowed = {urlsplit(settings.resolved_public_url).netloc, request.headers.get("host", "")}
    return urlsplit(origin).netloc in allowed


def check_csrf(request: Request, settings: Settings, user: DashboardUser, token: str) -> None:
    if not token or not hmac.compare_digest(token.encode(), user.csrf_token.encode()):
        raise CsrfRejectedError
    if not _same_origin(request, settings):
        raise CsrfRejectedError


def login_form_token(settings: Settings, nonce: str) -> str:
    return sign_timed(_secret(settings), "dashboard-login", nonce.encode())


def login_nonce(request: Request) -> str:
    """The login form's nonce: the one this browser already holds (another tab's login
    form stays valid), else a new one."""
    held = request.cookies.get(LOGIN_COOKIE, "")
    if 16 <= len(held) <= 64 and held.isascii():
        return held
    return secrets.token_urlsafe(16)


def set_login_cookie(response: Response, settings: Settings, nonce: str) -> None:
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=LOGIN_FORM_SECONDS,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(settings),
    )


def check_login_form(request: Request, settings: Settings, token: str) -> None:
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    payload = unsign_timed(_secret(settings), "dashboard-login", token, max_age=LOGIN_FORM_SECONDS)
    if not nonce or not nonce.isascii() or payload is None:
        raise CsrfRejectedError
    if not hmac.compare_digest(payload, nonce.encode()):
        raise CsrfRejectedError
    if not _same_origin(request, settings):
        raise CsrfRejectedError


def safe_next(path: str | None) -> str:
    """Only a path inside the dashboard may follow a login (no open redirect)."""
    if path and path.startswith(COOKIE_PATH) and not path.startswith("//") and "\\" not in path:
        return path
    return COOKIE_PATH
