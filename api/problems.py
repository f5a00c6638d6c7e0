"""RFC 9457 problem details: every error leaves the API as ``application/problem+json``."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope, Send

from api.unavailable import (
    DETAIL,
    RETRY_AFTER_SECONDS,
    SLUG,
    TITLE,
    database_unavailable,
    mark_read_for_retry,
    warn_unavailable,
)
from runtime.errors import TalentMeshError

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"


class FieldProblem(BaseModel):
    field: str = Field(description="Dotted path of the offending field, e.g. `location.country`.")
    message: str


class Problem(BaseModel):
    """The body of every error response."""

    type: str = Field(description="A URI reference naming the kind of problem.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldProblem] | None = None
    existing_id: str | None = Field(
        default=None, description="On 409: the id of the record that already exists."
    )
    from_: str | None = Field(
        default=None,
        alias="from",
        description="On a 409 for a status change: the current status.",
    )
    to: str | None = Field(default=None, description="On a 409 for a status change: the one asked.")
    allowed: list[str] | None = Field(
        default=None, description="On a 409 for a status change: the statuses it may move to."
    )


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def problem_type(slug: str) -> str:
    return f"/problems/{slug}"


async def send_problem(
    send: Send,
    scope: Scope,
    *,
    status: int,
    slug: str,
    title: str,
    detail: str,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """A problem response sent straight from ASGI middleware, which answers before any
    route (and its exception handlers) runs."""
    body = json.dumps(
        {
            "type": problem_type(slug),
            "title": title,
            "status": status,
            "detail": detail,
            "instance": scope["path"],
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                *(headers or []),
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_unavailable(send: Send, scope: Scope) -> None:
    """The 503 of :func:`unavailable`, from ASGI middleware."""
    retry_after = (b"retry-after", str(RETRY_AFTER_SECONDS).encode())
    await send_problem(
        send, scope, status=503, slug=SLUG, title=TITLE, detail=DETAIL, headers=[retry_after]
    )


def problem(
    request: Request,
    *,
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    errors: list[dict[str, str]] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> ProblemResponse:
    body: dict[str, Any] = {
        "type": problem_type(slug),
        "title": title,
        "status": status,
        "instance": request.url.path,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update(extra or {})
    return ProblemResponse(body, status_code=status, headers=headers)


def _field_path(loc: tuple[int | str, ...]) -> str:
    # Drop the request part ("body", "query", ...) and pydantic's internal type tags.
    parts = [str(p) for p in loc[1:] if not (isinstance(p, str) and "[" in p)]
    return ".".join(parts) or str(loc[0])


def _json_problem(error: dict[str, Any]) -> str:
    """What is wrong with a body that is not JSON. FastAPI's own report keeps the reason in
    ``ctx`` and the character position in ``loc``."""
    message = str(error["msg"])
    reason = (error.get("ctx") or {}).get("error")
    if reason and reason not in message:
        message = f"{message}: {reason}"
    position = error["loc"][-1]
    if isinstance(position, int) and position > 0:
        message = f"{message} (at character {position})"
    return message


async def _validation_handler(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    raw = list(exc.errors())
    if raw and all(e.get("type") == "json_invalid" for e in raw):
        messages = [_json_problem(e) for e in raw]
        return problem(
            request,
            status=422,
            slug="validation-error",
            title="Validation failed",
            detail=f"the request body is not valid JSON: {messages[0]}",
            errors=[{"field": "body", "message": m} for m in messages],
        )
    errors = [{"field": _field_path(tuple(e["loc"])), "message": str(e["msg"])} for e in raw]
    fields = ", ".join(sorted({e["field"] for e in errors}))
    return problem(
        request,
        status=422,
        slug="validation-error",
        title="Validation failed",
        detail=f"invalid value for: {fields}",
        errors=errors,
    )


async def _domain_handler(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, TalentMeshError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return problem(
        request,
        status=exc.status,
        slug=exc.slug,
        title=exc.title,
        detail=exc.detail,
        errors=[{"field": e.field, "message": e.message} for e in exc.errors] or None,
        extra=exc.extra,
        headers=headers,
    )


async def _http_handler(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    slugs = {
        400: "bad-request",
        401: "unauthenticated",
        404: "not-found",
        405: "method-not-allowed",
    }
    title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, str(exc.detail))
    return problem(
        request,
        status=exc.status_code,
        slug=slugs.get(exc.status_code, "http-error"),
        title=title,
        detail=str(exc.detail),
        headers=dict(exc.headers or {}),
    )


# Pages people read: an outage there answers a page in their language, not JSON.
_PAGES = ("/jobs/", "/share/", "/dashboard")


def unavailable(request: Request) -> Response:
    """503: the database cannot serve now; the client may retry after ``Retry-After``."""
    if request.url.path.startswith(_PAGES):
        # Imported here: the pages use this module's problem responses themselves.
        from api.pages.jobs import unavailable_page

        return unavailable_page(request.query_params.get("lang"))
    return problem(
        request,
        status=503,
        slug=SLUG,
        title=TITLE,
        detail=DETAIL,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


async def _database_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SQLAlchemyError)
    if not database_unavailable(exc):
        return await _unhandled_handler(request, exc)
    warn_unavailable(exc)
    mark_read_for_retry(request, exc)
    return unavailable(request)


async def _unhandled_handler(request: Request, exc: Exception) -> Response:
    # Raised outside the routes (in a middleware): the database may still be the cause.
    if isinstance(exc, SQLAlchemyError) and database_unavailable(exc):
        warn_unavailable(exc)
        return unavailable(request)
    # The client gets no trace; the log gets the whole story.
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(
        request,
        status=500,
        slug="internal-error",
        title="Internal server error",
        detail="The server failed to handle the request; it has been logged.",
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(TalentMeshError, _domain_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(SQLAlchemyError, _database_handler)
    app.add_exception_handler(Exception, _unhandled_handler)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI declarations of the problem responses a route can give."""
    descriptions = {
        400: "Malformed request (for example an invalid cursor).",
        401: "Missing or invalid API key.",
        403: "The API key lacks the required scope.",
        404: "No such record in the caller's organisation.",
        409: "Conflicts with the stored state: a record with the same unique value exists "
        "(`existing_id` names it), or a change the record's state does not allow.",
        413: "The request or file is too large.",
        415: "Unsupported file type.",
        422: "Validation failed; `errors` names each field.",
    }
    return {status: problem_response(descriptions[status]) for status in statuses}


def problem_response(description: str) -> dict[str, Any]:
    """An OpenAPI response whose body is a ``Problem`` (the app registers the schema)."""
    schema = {"$ref": "#/components/schemas/Problem"}
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": schema}}}
