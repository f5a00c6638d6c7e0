"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import redis
from fastapi import FastAPI
from sqlalchemy import Engine

from api.idempotency import IdempotencyMiddleware
from api.lifespan import lifespan
from api.limits import BodySizeLimitMiddleware
from api.nul_guard import NulGuardMiddleware
from api.openapi import finish_spec, install_openapi
from api.pages import jobs, share
from api.pages.dashboard import campaigns as dashboard_campaigns
from api.pages.dashboard import login as dashboard_login
from api.pages.dashboard import vacancies as dashboard_vacancies
from api.pages.dashboard.common import install_dashboard_handlers
from api.pages.templating import assets_router
from api.problems import Problem, install_problem_handlers
from api.ratelimit import RateLimitMiddleware
from api.routers import (
    applications,
    attribution,
    audit,
    campaigns,
    candidates,
    employees,
    events,
    feeds,
    health,
    imports,
    matches,
    posting,
    posts,
    redirect,
    reports,
    rewards,
    taxonomies,
    vacancies,
    webhooks,
)
from api.security_headers import SecurityHeadersMiddleware
from api.unavailable import ReadRetryMiddleware
from distribution.links.cache import LinkCache
from distribution.links.clicks import ClickBuffer
from distribution.links.repository import LinkState
from matching.candidates.schemas import CandidateCreate
from matching.retrieval import scanned
from matching.scoring.profiles import SIDES
from matching.vacancies.schemas import VacancyCreate
from models.db import make_engine, make_session_factory
from runtime.celery_app import make_celery
from runtime.logging import redact_access_log
from runtime.settings import Settings

DESCRIPTION = """
TalentMesh matches candidates from any field to vacancies, in Dutch and English, and
distributes vacancies through employees' networks.

Every `/v1` route needs `Authorization: Bearer <API key>`; a key belongs to one organisation
and carries scopes. Errors are `application/problem+json` (RFC 9457). Lists use cursor
pagination (`limit`, `cursor`, `next_cursor`, RFC 8288 `Link`).

This service uses the ESCO classification of the European Commission.
"""


def _broker_client_factory(url: str) -> Callable[[], redis.Redis]:
    @cache
    def client() -> redis.Redis:
        return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    return client


def create_app(settings: Settings, *, engine: Engine | None = None) -> FastAPI:
    """Build the app. ``settings`` must name the database and broker (``talentmesh serve``
    resolves the embedded ones first); tests pass their own engine."""
    if engine is None:
        if not settings.database_url:
            raise ValueError("create_app needs settings.database_url")
        engine = make_engine(
            settings.database_url, statement_timeout_ms=settings.statement_timeout_ms
        )
    if not settings.broker_url:
        raise ValueError("create_app needs settings.broker_url")
    # Also when the app is served by another runner than `talentmesh serve`.
    redact_access_log()

    app = FastAPI(
        title="TalentMesh API",
        version="0.1.0",
        description=DESCRIPTION,
        license_info={"name": "Apache-2.0", "identifier": "Apache-2.0"},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.broker_client = _broker_client_factory(settings.broker_url)
    # The redirect's lookups and clicks (api/routers/redirect.py).
    app.state.link_cache = LinkCache[LinkState](settings.link_cache_seconds)
    app.state.link_lookups = {}
    app.state.link_refreshes = set()
    app.state.link_refresh_due = set()
    app.state.click_buffer = ClickBuffer(flush_seconds=settings.click_flush_seconds)
    # The sides of matched profiles (matching/scoring/side_cache.py), one cache per process.
    SIDES.resize(settings.match_cache_profiles)
    # The section vectors of filtered matches' exact scans (matching/retrieval/scanned.py).
    scanned.resize(settings.match_cache_scan_profiles)
    # Only sends jobs (after their transaction commits, see runtime/outbox.py).
    app.state.celery = make_celery(
        settings.broker_url, visibility_timeout=settings.task_visibility_timeout
    )

    install_problem_handlers(app)
    install_dashboard_handlers(app)
    # Innermost: a read that lost its database connection runs again before anything sees it.
    app.add_middleware(ReadRetryMiddleware)
    # Added early, so it runs inside the body-size limit.
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(
        BodySizeLimitMiddleware,
        json_limit=settings.max_json_bytes,
        uploads={
            "/v1/candidates/parse": settings.max_upload_bytes,
            "/v1/imports": settings.max_import_bytes,
            "/jobs/": settings.max_upload_bytes,
        },
    )
    # Before any route and its lookups: PostgreSQL text cannot hold a NUL.
    app.add_middleware(NulGuardMiddleware)
    # Added last, so it runs first: a request over the limit costs nothing more.
    requests, seconds = settings.rate_limit_pair
    app.add_middleware(
        RateLimitMiddleware, redis_url=settings.broker_url, requests=requests, seconds=seconds
    )
    # Outermost: every answer carries the headers, a 413 or 429 included.
    app.add_middleware(SecurityHeadersMiddleware)
    # First: FastAPI tries the routers in order, and matching a path against the dozens of
    # routes included before it cost the redirect about as much as all its own work.
    app.include_router(redirect.router)
    app.include_router(health.router)
    app.include_router(vacancies.router)
    app.include_router(candidates.router)
    app.include_router(matches.router)
    app.include_router(taxonomies.router)
    app.include_router(employees.router)
    app.include_router(campaigns.router)
    app.include_router(applications.router)
    app.include_router(reports.router)
    app.include_router(attribution.router)
    app.include_router(rewards.router)
    app.include_router(webhooks.router)
    app.include_router(events.router)
    app.include_router(imports.router)
    app.include_router(audit.router)
    app.include_router(feeds.router)
    app.include_router(posting.router)
    app.include_router(posts.router)
    app.include_router(jobs.router)
    app.include_router(share.router)
    app.include_router(dashboard_login.router)
    app.include_router(dashboard_vacancies.router)
    app.include_router(dashboard_campaigns.router)
    app.include_router(assets_router)
    install_openapi(app, extra_models=[Problem, VacancyCreate, CandidateCreate], finish=finish_spec)
    return app
