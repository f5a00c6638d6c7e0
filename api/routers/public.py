"""Public pages (no API key): the landing page of a vacancy, with a share form for visitors
who arrived through a tracked link."""

from __future__ import annotations

from html import escape
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from api.deps import SessionDep
from api.problems import problem_responses
from distribution.links import repository
from distribution.links.codes import is_code
from distribution.links.schemas import ReshareOut
from models import Vacancy
from runtime.errors import NotFoundError

router = APIRouter(tags=["public"])

# Nothing on these pages runs script or loads anything from elsewhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.5;color:#222}.org,.meta{color:#555}.description{white-space:pre-line}"
    "a.button,button{display:inline-block;margin:.25rem .5rem .25rem 0;padding:.5rem 1rem;"
    "border:1px solid #245;border-radius:.3rem;background:#245;color:#fff;"
    "text-decoration:none;font:inherit}form,.share{margin-top:2rem}input{width:100%}"
)
SHARE_LABELS = {
    "direct": "Copy the link",
    "whatsapp": "WhatsApp",
    "linkedin": "LinkedIn",
    "facebook": "Facebook",
    "x": "X",
    "email": "Email",
}


def html_page(title: str, body: str, *, status_code: int = 200, lang: str = "en") -> HTMLResponse:
    """A complete page; ``title`` is escaped here, ``body`` must already be safe HTML."""
    document = (
        f'<!doctype html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    return HTMLResponse(document, status_code=status_code, headers=SECURITY_HEADERS)


def _web_url(url: str | None) -> str | None:
    # Only http(s) targets become links: a stored javascript: URL must never be clickable.
    if url and url.lower().startswith(("https://", "http://")):
        return url
    return None


def _facts(vacancy: Vacancy) -> str:
    place = ", ".join(part for part in (vacancy.location_city, vacancy.location_country) if part)
    facts = [place] if place else []
    if vacancy.remote:
        facts.append("remote possible")
    if vacancy.hours_per_week:
        facts.append(f"{vacancy.hours_per_week:g} hours a week")
    return " · ".join(escape(fact) for fact in facts)


def _share_form(code: str) -> str:
    options = "".join(
        f'<option value="{channel}">{label}</option>' for channel, label in SHARE_LABELS.items()
    )
    # Relative, so the page also works under a path prefix (PUBLIC_URL with a path).
    return (
        f'<form method="post" action="../r/{escape(code)}/reshare">'
        "<h2>Share with a friend</h2>"
        "<p>Know someone who would fit? Get your own link to this vacancy and pass it on.</p>"
        f'<label>Where will you share it? <select name="channel">{options}</select></label> '
        '<button type="submit">Get my link</button></form>'
    )


@router.get(
    "/jobs/{vacancy_id}",
    response_class=HTMLResponse,
    summary="Public vacancy page",
    responses=problem_responses(404),
)
def vacancy_page(
    vacancy_id: str,
    session: SessionDep,
    tm_ref: Annotated[
        str | None, Query(description="Code of the tracked link the visitor came through.")
    ] = None,
) -> HTMLResponse:
    """The landing page of an open vacancy, in HTML: title, organisation, place, description
    and a link to `apply_url`. Tracked links of a vacancy without `apply_url` lead here with
    `tm_ref`; the page then offers a form to get a reshare link (`POST /r/{code}/reshare`).
    A vacancy that is not open, or does not exist, answers 404."""
    try:
        found = repository.open_vacancy(session, UUID(vacancy_id))
    except ValueError:
        found = None
    if found is None:
        raise NotFoundError("no open vacancy with this id")
    vacancy, organisation = found
    apply_url = _web_url(vacancy.apply_url)
    parts = [
        f'<p class="org">{escape(organisation)}</p>',
        f"<h1>{escape(vacancy.title)}</h1>",
        f'<p class="meta">{_facts(vacancy)}</p>',
        f'<div class="description">{escape(vacancy.description.strip())}</div>',
    ]
    if apply_url:
        parts.append(f'<p><a class="button" href="{escape(apply_url)}">Apply</a></p>')
    if tm_ref and is_code(tm_ref):
        parts.append(_share_form(tm_ref))
    return html_page(
        f"{vacancy.title} – {organisation}", "".join(parts), lang=vacancy.language or "en"
    )


def reshared_page(out: ReshareOut, *, status_code: int) -> HTMLResponse:
    """The answer to the landing page's share form: the new link and a button per channel."""
    buttons = "".join(
        f'<a class="button" href="{escape(out.share[channel])}" target="_blank" '
        f'rel="noopener noreferrer">{label}</a>'
        for channel, label in SHARE_LABELS.items()
        if channel != "direct"
    )
    body = (
        "<h1>Your link</h1><p>Share this link; whoever applies through it is credited to the "
        "chain of people who passed the vacancy on.</p>"
        f'<p><input type="text" readonly value="{escape(out.url)}" aria-label="Your link"></p>'
        f'<div class="share">{buttons}</div>'
    )
    return html_page("Your link", body, status_code=status_code)
