"""What the public vacancy page shows, prepared from a vacancy: the facts line, the
salary in words, the JobPosting JSON-LD and the Open Graph preview."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from api.pages.i18n import LANGUAGE_NAMES, LANGUAGES, OG_LOCALES, Texts
from distribution.links.service import vacancy_page_url
from distribution.links.share import share_urls
from integration.formats import jobposting
from matching.vacancies.schemas import VacancyOut

OG_DESCRIPTION_CHARS = 200
SHARE_CHANNELS = ("linkedin", "facebook", "x", "whatsapp", "email")


def share_channels(t: Texts) -> list[tuple[str, str]]:
    """The channels a visitor can ask a link of their own for, with their names."""
    return [(channel, t.channel(channel)) for channel in ("direct", *SHARE_CHANNELS)]


def plain_share(t: Texts, title: str, organisation: str, url: str) -> list[tuple[str, str]]:
    """Share buttons for the page itself (a visitor without a tracked link of their own)."""
    intents = share_urls(title=title, organisation=organisation, url=url)
    return [(t.channel(channel), intents[channel]) for channel in SHARE_CHANNELS]


def _money(amount: Decimal, language: str) -> str:
    whole = amount == amount.to_integral_value()
    text = f"{amount:,.0f}" if whole else f"{amount:,.2f}"
    # Dutch writes 3.500,50 where English writes 3,500.50.
    return text.translate(str.maketrans(",.", ".,")) if language == "nl" else text


def salary_text(vacancy: VacancyOut, t: Texts) -> str | None:
    salary = vacancy.salary
    if salary is None or (salary.min is None and salary.max is None):
        return None
    values = {
        "currency": salary.currency,
        "period": t(f"period_{salary.period}"),
        "low": _money(salary.min, t.language) if salary.min is not None else "",
        "high": _money(salary.max, t.language) if salary.max is not None else "",
    }
    if salary.min is not None and salary.max is not None and salary.min != salary.max:
        return t("salary_range", **values)
    if salary.min is not None:
        return t("salary_from", **values)
    return t("salary_up_to", **values)


def facts(vacancy: VacancyOut, t: Texts) -> list[str]:
    """Place, remote work, hours, type, salary and closing date, as short phrases."""
    out: list[str] = []
    location = vacancy.location
    if location is not None:
        place = ", ".join(part for part in (location.city, location.country) if part)
        if place:
            out.append(place)
    if vacancy.remote:
        out.append(t("remote"))
    if vacancy.hours_per_week:
        out.append(t("hours", hours=t.number(vacancy.hours_per_week)))
    if vacancy.employment_type:
        out.append(t(f"type_{vacancy.employment_type}"))
    salary = salary_text(vacancy, t)
    if salary:
        out.append(f"{t('salary')}: {salary}")
    if vacancy.valid_through:
        out.append(t("apply_until", date=t.date(vacancy.valid_through.date())))
    return out


def json_ld(document: dict[str, Any]) -> str:
    """JSON for a ``<script type="application/ld+json">`` block: ``<``, ``>`` and ``&``
    escaped, so a stored ``</script>`` cannot end the block."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def preview_text(description: str) -> str:
    """The first words of the description, for link previews and search results."""
    words = " ".join(description.split())
    if len(words) <= OG_DESCRIPTION_CHARS:
        return words
    return words[: OG_DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0] + "…"


@dataclass(frozen=True)
class PageUrls:
    canonical: str
    # The visible language switch (keeps tm_ref) and the search engines' alternates (not).
    switch: list[tuple[str, str, str]]
    alternates: list[tuple[str, str]]


def page_urls(public_url: str, slug: str, vacancy: VacancyOut, extra: dict[str, str]) -> PageUrls:
    """The canonical URL and one URL per interface language, keeping ``tm_ref``."""
    canonical = vacancy_page_url(public_url, slug, vacancy.id)
    switch = [
        (code, LANGUAGE_NAMES[code], f"{canonical}?{urlencode({**extra, 'lang': code})}")
        for code in LANGUAGES
    ]
    alternates = [(code, f"{canonical}?lang={code}") for code in LANGUAGES]
    return PageUrls(canonical, switch, alternates)


def context(vacancy: VacancyOut, organisation: str, urls: PageUrls, t: Texts) -> dict[str, Any]:
    """Template values every vacancy page shows, whatever the form state."""
    document = jobposting.from_vacancy(vacancy, organisation, urls.canonical)
    title = f"{vacancy.title} – {organisation}"
    plain = plain_share(t, vacancy.title, organisation, urls.canonical)
    return {
        "vacancy": vacancy,
        "organisation": organisation,
        "page_title": title,
        "facts": facts(vacancy, t),
        "jsonld": json_ld(document),
        "canonical_url": urls.canonical,
        "switch_urls": urls.switch,
        "alternates": urls.alternates,
        "og": {
            "title": title,
            "description": preview_text(vacancy.description) or title,
            "locale": OG_LOCALES[t.language],
        },
        "external_apply_url": str(vacancy.apply_url) if vacancy.apply_url else None,
        "plain_share": plain,
        "share_channels": share_channels(t),
        "lang": t.language,
        "t": t,
    }
