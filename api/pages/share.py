"""The ambassador's share page ``/share/{token}``, linked from every campaign message."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from api.deps import SessionDep, SettingsDep
from api.pages.i18n import LANGUAGE_NAMES, Texts, pick_language
from api.pages.jobs import not_found, public_page
from distribution.campaigns import share_page
from distribution.links.service import vacancy_page_url

router = APIRouter(tags=["pages"])


@router.get("/share/{token}", include_in_schema=False)
def ambassador_page(
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    lang: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    ids = share_page.read_share_token(settings.secret_key.get_secret_value(), token)
    found = None
    if ids is not None:
        found = share_page.load(session, *ids, public_url=settings.resolved_public_url)
    if found is None:
        return not_found(pick_language(lang, None))
    t = Texts(pick_language(lang, found.vacancy.language))
    links = [
        {
            "channel": link.channel,
            "label": t.channel(link.channel),
            "url": link.url,
            "text": link.text,
            "intent": link.intent,
        }
        for link in found.links
    ]
    response = public_page(
        "share.html",
        t,
        status_code=200,
        organisation=found.organisation,
        switch_urls=[
            (code, name, f"/share/{token}?lang={code}") for code, name in LANGUAGE_NAMES.items()
        ],
        page_title=t("ambassador_title", title=found.vacancy.title),
        vacancy=found.vacancy,
        employee_name=found.employee_name,
        message=found.campaign.message,
        page_url=vacancy_page_url("", found.organisation_slug, found.vacancy.id),
        links=links,
    )
    # The page holds the employee's own links: no search engine either.
    response.headers["X-Robots-Tag"] = "noindex"
    return response
