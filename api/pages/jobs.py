"""The public vacancy page ``/jobs/{organisation}/{vacancy}``: the vacancy with its
JobPosting JSON-LD and link preview, the apply form, and the share block."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import SessionDep, SettingsDep
from api.pages import apply, vacancy_view
from api.pages.i18n import Texts, pick_language
from api.pages.templating import PRIVATE, render
from api.unavailable import RETRY_AFTER_SECONDS
from api.visits import visit_of
from distribution.applications.apply_form import submit
from distribution.applications.schemas import MAX_MOTIVATION
from distribution.links import repository
from distribution.links.codes import is_code
from distribution.links.schemas import ReshareOut
from distribution.links.service import vacancy_page_url
from matching.indexing.service import index_candidate
from matching.vacancies.service import to_out
from models import Organisation, Vacancy
from runtime.errors import ConflictError
from runtime.outbox import unit_of_work
from runtime.settings import Settings
from runtime.signed_tokens import sign_timed, unsign_timed

router = APIRouter(tags=["pages"])
_RESHARE = "reshare-form"
LangQuery = Annotated[str | None, Query(description="Interface language: `en` or `nl`.")]
RefQuery = Annotated[
    str | None, Query(description="Code of the tracked link the visitor came through.")
]


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


def public_page(template: str, t: Texts, *, status_code: int, **context: Any) -> HTMLResponse:
    """A public page outside a vacancy's own (no organisation header, no language switch)
    unless the context says otherwise; never stored by a shared cache."""
    values: dict[str, Any] = {"organisation": "", "switch_urls": [], **context}
    return render(
        template, status_code=status_code, headers=PRIVATE, lang=t.language, t=t, **values
    )


def _note(t: Texts, status_code: int, heading: str, paragraph: str) -> HTMLResponse:
    return public_page(
        "message.html",
        t,
        status_code=status_code,
        page_title=heading,
        heading=heading,
        paragraphs=[paragraph],
        back_url=None,
    )


def not_found(lang: str = "en") -> HTMLResponse:
    t = Texts(lang)
    return _note(t, 404, t("not_found_title"), t("not_found"))


def _ref(tm_ref: str | None) -> str | None:
    return tm_ref if tm_ref and is_code(tm_ref) else None


def reshare_form(settings: Settings, ref: str | None) -> dict[str, str] | None:
    """The share block's form for a visitor who came through ``ref``, with its token."""
    if ref is None:
        return None
    token = sign_timed(settings.secret_key.get_secret_value(), _RESHARE, ref.encode())
    return {"action": f"/r/{ref}/reshare", "token": token}


def reshare_token_valid(settings: Settings, code: str, token: object) -> bool:
    """Whether a share form for ``code`` came from our page (within a day)."""
    if not isinstance(token, str):
        return False
    secret = settings.secret_key.get_secret_value()
    payload = unsign_timed(secret, _RESHARE, token, max_age=apply.FORM_TOKEN_MAX_AGE)
    return payload == code.encode()


def _page(
    settings: Settings,
    vacancy: Vacancy,
    organisation: Organisation,
    t: Texts,
    ref: str | None,
    *,
    submission: apply.Submission | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    out = to_out(vacancy)
    keep = {"tm_ref": ref} if ref else {}
    urls = vacancy_view.page_urls(settings.resolved_public_url, organisation.slug, out, keep)
    context: dict[str, Any] = vacancy_view.context(out, organisation.name, urls, t)
    secret = settings.secret_key.get_secret_value()
    context["form"] = {
        "action": f"/jobs/{organisation.slug}/{vacancy.id}/apply",
        "token": apply.form_token(secret, vacancy.id),
        "tm_ref": ref,
        "data": submission.values if submission else apply.EMPTY,
        "errors": submission.errors if submission else {},
        "max_mb": apply.max_megabytes(settings),
        "max_motivation": MAX_MOTIVATION,
    }
    context["reshare"] = reshare_form(settings, ref)
    return render(
        "vacancy.html",
        status_code=status_code,
        headers=PRIVATE if submission else None,
        **context,
    )


@router.get(
    "/jobs/{organisation}/{vacancy_id}",
    response_class=HTMLResponse,
    summary="Public vacancy page",
    responses={
        200: {"content": {"text/html": {}}},
        404: {"description": "No open vacancy here (an HTML page).", "content": {"text/html": {}}},
    },
)
def vacancy_page(
    organisation: str,
    vacancy_id: str,
    session: SessionDep,
    settings: SettingsDep,
    tm_ref: RefQuery = None,
    lang: LangQuery = None,
) -> HTMLResponse:
    """The page of an open vacancy, in HTML: title, facts, description, skills, the apply
    form (or a link to `apply_url`), and a share block. The head carries schema.org
    JobPosting JSON-LD and Open Graph tags. Tracked links of a vacancy without `apply_url`
    lead here with `tm_ref`, which the apply form passes on to credit the referrer. The
    interface speaks the vacancy's language unless `lang` says otherwise. A vacancy that
    is not open, or not of this organisation, answers 404 (an HTML page)."""
    found = _find(session, organisation, vacancy_id)
    if found is None:
        return not_found(pick_language(lang, None))
    vacancy, org = found
    t = Texts(pick_language(lang, vacancy.language))
    return _page(settings, vacancy, org, t, _ref(tm_ref))


def _find(session: Any, organisation: str, vacancy_id: str) -> tuple[Vacancy, Organisation] | None:
    found_id = _uuid(vacancy_id)
    return None if found_id is None else repository.open_vacancy(session, found_id, organisation)


def _apply(request: Request, organisation: str, vacancy_id: str, form: Any) -> Response:
    settings: Settings = request.app.state.settings
    language = form.get("lang") if isinstance(form.get("lang"), str) else None
    found_id = _uuid(vacancy_id)
    if found_id is None:
        return not_found(pick_language(language, None))
    t = Texts(pick_language(language, None))
    raw_ref = form.get("tm_ref")
    ref = _ref(raw_ref if isinstance(raw_ref, str) else None)
    # The form token is checked and the CV read before a database connection is taken:
    # reading a large file must not hold a pooled connection in an open transaction.
    token = form.get("form_token")
    secret = settings.secret_key.get_secret_value()
    token_ok = isinstance(token, str) and apply.token_valid(secret, found_id, token)
    submission = apply.check(form, settings, t)
    if submission.form is not None:
        visitor = visit_of(request).visitor(secret)
        submission.form = dataclasses.replace(submission.form, visitor=visitor)
    with unit_of_work(request.app.state.session_factory, request.app.state.celery) as session:
        found = repository.open_vacancy(session, found_id, organisation)
        if found is None:
            return not_found(t.language)
        vacancy, org = found
        query = urlencode({"lang": t.language, **({"tm_ref": ref} if ref else {})})
        thanks = f"/jobs/{org.slug}/{vacancy.id}/applied?{query}"
        if not token_ok:
            submission.errors = {"form": t("error_token"), **submission.errors}
            return _page(settings, vacancy, org, t, ref, submission=submission, status_code=403)
        if submission.form is None or submission.document is None:
            return _page(settings, vacancy, org, t, ref, submission=submission, status_code=422)
        try:
            recorded = submit(
                session,
                vacancy,
                org.name,
                submission.form,
                submission.document,
                window_days=settings.referral_window_days,
                retention_days=settings.applicant_retention_days,
            )
        except ConflictError:
            # Already applied: the same answer as a first application, so the form cannot
            # tell a stranger whether someone applied; nothing more is stored.
            session.rollback()
        else:
            if recorded.candidate_created:
                index_candidate(session, recorded.candidate, settings.embedding_model)
    return RedirectResponse(thanks, status_code=303, headers=PRIVATE)


@router.post("/jobs/{organisation}/{vacancy_id}/apply", include_in_schema=False)
async def apply_to_vacancy(organisation: str, vacancy_id: str, request: Request) -> Response:
    # One file and a few short fields; anything more is not this form.
    async with request.form(max_files=1, max_fields=12) as form:
        return await run_in_threadpool(_apply, request, organisation, vacancy_id, form)


def _message(
    settings: Settings,
    vacancy: Vacancy,
    org: Organisation,
    t: Texts,
    ref: str | None,
    heading: str,
    paragraphs: list[str],
    status_code: int,
) -> HTMLResponse:
    return public_page(
        "message.html",
        t,
        status_code=status_code,
        organisation=org.name,
        page_title=t(heading),
        heading=t(heading),
        paragraphs=[t(p, title=vacancy.title, organisation=org.name) for p in paragraphs],
        back_url=f"/jobs/{org.slug}/{vacancy.id}?lang={t.language}",
        reshare=reshare_form(settings, ref),
        plain_share=vacancy_view.plain_share(
            t,
            vacancy.title,
            org.name,
            vacancy_page_url(settings.resolved_public_url, org.slug, vacancy.id),
        ),
        share_channels=vacancy_view.share_channels(t),
    )


@router.get("/jobs/{organisation}/{vacancy_id}/applied", include_in_schema=False)
def applied(
    organisation: str,
    vacancy_id: str,
    session: SessionDep,
    settings: SettingsDep,
    tm_ref: RefQuery = None,
    lang: LangQuery = None,
) -> HTMLResponse:
    found = _find(session, organisation, vacancy_id)
    if found is None:
        return not_found(pick_language(lang, None))
    vacancy, org = found
    t = Texts(pick_language(lang, vacancy.language))
    return _message(settings, vacancy, org, t, _ref(tm_ref), "thanks_title", ["thanks"], 200)


@router.get(
    "/jobs/{vacancy_id}",
    status_code=301,
    response_class=Response,
    summary="Old address of a vacancy page",
    responses={
        301: {"description": "Moved to `/jobs/{organisation}/{vacancy_id}`."},
        404: {"description": "No open vacancy here (an HTML page).", "content": {"text/html": {}}},
    },
)
def old_vacancy_page(vacancy_id: str, request: Request, session: SessionDep) -> Response:
    """Vacancy pages moved under the organisation's name; links shared before keep
    working (301, query string kept)."""
    found_id = _uuid(vacancy_id)
    found = repository.open_vacancy(session, found_id) if found_id else None
    if found is None:
        return not_found()
    vacancy, org = found
    target = vacancy_page_url("", org.slug, vacancy.id)
    query = request.url.query
    return RedirectResponse(f"{target}?{query}" if query else target, status_code=301)


def form_problem_page(status_code: int, detail: str, *, lang: str | None) -> HTMLResponse:
    """A form on a public page that could not be carried out, and why."""
    t = Texts(pick_language(lang, None))
    return _note(t, status_code, t("problem_title"), detail[:1].upper() + detail[1:] + ".")


def unavailable_page(lang: str | None) -> HTMLResponse:
    """503 for a visitor while the database is away: a page, not JSON."""
    t = Texts(pick_language(lang, None))
    page = _note(t, 503, t("problem_title"), t("unavailable"))
    page.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return page


def reshared_page(out: ReshareOut, *, status_code: int, lang: str | None) -> HTMLResponse:
    """The answer to the share block's form: the visitor's new link, a copy field and a
    button per channel."""
    t = Texts(pick_language(lang, None))
    buttons = [
        (label, out.share[channel])
        for channel, label in vacancy_view.share_channels(t)
        if channel != "direct"
    ]
    return public_page(
        "reshared.html",
        t,
        status_code=status_code,
        page_title=t("your_link_title"),
        url=out.url,
        buttons=buttons,
    )
