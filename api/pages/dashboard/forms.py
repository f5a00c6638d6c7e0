"""Dashboard forms to API payloads and back: the vacancy form and the campaign form. The
payloads go through the same schemas as the API, so the rules are the same."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from typing import Any

from starlette.datastructures import FormData

from api.pages.fields import form_text
from matching.vacancies.schemas import VacancyOut
from models.vacancy import EMPLOYMENT_TYPES, SALARY_PERIODS, VACANCY_STATUSES

VACANCY_FIELDS = (
    "title",
    "description",
    "language",
    "status",
    "required_skills",
    "nice_to_have_skills",
    "city",
    "country",
    "remote",
    "employment_type",
    "hours_per_week",
    "salary_min",
    "salary_max",
    "salary_currency",
    "salary_period",
    "apply_url",
    "valid_through",
)
# Where a schema error on the payload shows on the form.
VACANCY_ALIASES = {"location_city": "city", "location_country": "country", "salary": "salary_min"}
CHANNELS = (
    ("linkedin", "LinkedIn"),
    ("facebook", "Facebook"),
    ("x", "X"),
    ("whatsapp", "WhatsApp"),
    ("email", "Email"),
    ("intranet", "Intranet"),
)
AUDIENCES = (
    ("all", "Every employee"),
    ("departments", "Employees of some departments"),
    ("best_fit", "The employees whose networks fit best"),
)
_LIST_SPLIT = re.compile(r"[\n,;]+")


def options(values: tuple[str, ...], empty: str | None = None) -> list[tuple[str, str]]:
    found = [(value, value.replace("_", " ")) for value in values]
    return [("", empty), *found] if empty is not None else found


STATUS_OPTIONS = options(VACANCY_STATUSES)
TYPE_OPTIONS = options(EMPLOYMENT_TYPES, "–")
PERIOD_OPTIONS = options(SALARY_PERIODS)


def text_values(form: FormData, fields: tuple[str, ...]) -> dict[str, str]:
    """The form's text fields (a file or a missing field reads as empty)."""
    return {name: form_text(form.get(name)) for name in fields}


def _list(text: str) -> list[str]:
    return [part.strip() for part in _LIST_SPLIT.split(text) if part.strip()]


def _or_none(text: str) -> str | None:
    return text or None


def vacancy_payload(values: dict[str, str]) -> dict[str, Any]:
    """A VacancyCreate / VacancyUpdate body from the form; empty fields become null."""
    location = {"city": _or_none(values["city"]), "country": _or_none(values["country"].upper())}
    salary_given = values["salary_min"] or values["salary_max"]
    valid_through = None
    if values["valid_through"]:
        try:
            day = datetime.strptime(values["valid_through"], "%Y-%m-%d").date()
            # Open until the end of the day it names.
            valid_through = datetime.combine(day, time(23, 59, 59), UTC).isoformat()
        except ValueError:
            valid_through = values["valid_through"]
    return {
        "title": values["title"],
        "description": values["description"],
        "language": _or_none(values["language"]),
        "status": values["status"] or "open",
        "required_skills": _list(values["required_skills"]),
        "nice_to_have_skills": _list(values["nice_to_have_skills"]),
        "location": location if any(location.values()) else None,
        "remote": values["remote"] == "yes",
        "employment_type": _or_none(values["employment_type"]),
        "hours_per_week": _or_none(values["hours_per_week"]),
        "salary": {
            "min": _or_none(values["salary_min"]),
            "max": _or_none(values["salary_max"]),
            "currency": values["salary_currency"].upper() or "EUR",
            "period": values["salary_period"] or "month",
        }
        if salary_given
        else None,
        "apply_url": _or_none(values["apply_url"]),
        "valid_through": valid_through,
    }


def vacancy_values(vacancy: VacancyOut) -> dict[str, str]:
    """The edit form filled with a stored vacancy."""
    salary = vacancy.salary
    location = vacancy.location
    return {
        "title": vacancy.title,
        "description": vacancy.description,
        "language": vacancy.language or "",
        "status": vacancy.status,
        "required_skills": "\n".join(vacancy.required_skills),
        "nice_to_have_skills": "\n".join(vacancy.nice_to_have_skills),
        "city": (location.city or "") if location else "",
        "country": (location.country or "") if location else "",
        "remote": "yes" if vacancy.remote else "",
        "employment_type": vacancy.employment_type or "",
        "hours_per_week": f"{vacancy.hours_per_week:g}" if vacancy.hours_per_week else "",
        "salary_min": str(salary.min) if salary and salary.min is not None else "",
        "salary_max": str(salary.max) if salary and salary.max is not None else "",
        "salary_currency": salary.currency if salary else "EUR",
        "salary_period": salary.period if salary else "month",
        "apply_url": str(vacancy.apply_url) if vacancy.apply_url else "",
        "valid_through": vacancy.valid_through.date().isoformat() if vacancy.valid_through else "",
    }


def campaign_payload(form: FormData) -> tuple[dict[str, Any], dict[str, Any]]:
    """A CampaignCreate body from the form, and the values to show it again."""
    values: dict[str, Any] = text_values(form, ("audience", "departments", "best_fit", "message"))
    values["channels"] = [c for c in form.getlist("channels") if isinstance(c, str)]
    audience: dict[str, Any] = {"type": values["audience"] or "all"}
    if audience["type"] == "departments":
        audience["departments"] = _list(values["departments"])
    elif audience["type"] == "best_fit":
        audience["limit"] = values["best_fit"] or None
    payload = {
        "audience": audience,
        "channels": values["channels"],
        "message": _or_none(values["message"]),
    }
    return payload, values
