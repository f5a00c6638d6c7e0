"""GET /health: 200 only when both the database and the broker answer."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.problems import PROBLEM_MEDIA_TYPE
from api.routing import StrictJsonRoute

router = APIRouter(tags=["health"], route_class=StrictJsonRoute)
logger = logging.getLogger(__name__)


def _check_database(request: Request) -> bool:
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        logger.warning("health: database unreachable", exc_info=True)
        return False
    return True


def _check_broker(request: Request) -> bool:
    try:
        return bool(request.app.state.broker_client().ping())
    except Exception:
        logger.warning("health: broker unreachable", exc_info=True)
        return False


@router.get(
    "/health",
    summary="Service health",
    responses={503: {"description": "The database or the broker does not answer."}},
)
def health(request: Request) -> Any:
    """`{"status": "ok"}` when the database and the broker answer; 503 otherwise, naming
    the part that failed. Needs no API key."""
    checks = {"database": _check_database(request), "broker": _check_broker(request)}
    if all(checks.values()):
        return {"status": "ok"}
    failed = ", ".join(name for name, ok in checks.items() if not ok)
    return JSONResponse(
        {
            "type": "/problems/unavailable",
            "title": "Service unavailable",
            "status": 503,
            "detail": f"not answering: {failed}",
            "checks": {name: "ok" if ok else "failed" for name, ok in checks.items()},
        },
        status_code=503,
        media_type=PROBLEM_MEDIA_TYPE,
    )
