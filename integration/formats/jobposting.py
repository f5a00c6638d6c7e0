"""schema.org ``JobPosting`` (JSON-LD) to and from vacancies, with the properties Google for
Jobs requires: title, description, datePosted, validThrough, hiringOrganization,
jobLocation or applicantLocationRequirements (remote work), employmentType, baseSalary.

Also mapped: identifier (``external_id``), jobLocationType ``TELECOMMUTE`` (remote),
workHours (hours per week), skills (required skills), url (where to apply). What the
product does not store is reported as ignored.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from integration.formats.common import (
    Problems,
    as_list,
    as_object,
    country_code,
    instant,
    text,
    validated,
)
from matching.vacancies.schemas import VacancyCreate, VacancyOut

CONTEXT = "https://schema.org/"
EMPLOYMENT_TYPES = {
    "full_time": "FULL_TIME",
    "part_time": "PART_TIME",
    "contract": "CONTRACTOR",
    "temporary": "TEMPORARY",
    "internship": "INTERN",
    "volunteer": "VOLUNTEER",
    "per_diem": "PER_DIEM",
    "other": "OTHER",
}
_EMPLOYMENT_IN = {v: k for k, v in EMPLOYMENT_TYPES.items()}
SALARY_UNITS = {"hour": "HOUR", "day": "DAY", "week": "WEEK", "month": "MONTH", "year": "YEAR"}
_UNITS_IN = {v: k for k, v in SALARY_UNITS.items()}
_TOP = {
    "title",
    "description",
    "datePosted",
    "validThrough",
    "employmentType",
    "hiringOrganization",
    "jobLocation",
    "jobLocationType",
    "applicantLocationRequirements",
    "baseSalary",
    "identifier",
    "workHours",
    "skills",
    "url",
}
_ADDRESS = {"streetAddress", "addressLocality", "addressRegion", "postalCode", "addressCountry"}
_PATHS = {
    "title": "title",
    "description": "description",
    "posted_at": "datePosted",
    "valid_through": "validThrough",
    "employment_type": "employmentType",
    "location": "jobLocation",
    "remote_countries": "applicantLocationRequirements",
    "salary": "baseSalary",
    "external_id": "identifier",
    "hours_per_week": "workHours",
    "required_skills": "skills",
    "apply_url": "url",
}
_HOURS = re.compile(r"(\d+(?:[.,]\d+)?)")


def _date(document: dict[str, Any], key: str, problems: Problems) -> Any:
    raw = text(document.get(key))
    if raw is None:
        return None
    value = instant(raw)
    if value is None:
        problems.add(key, "must be an ISO 8601 date or date-time")
    return value


def _location(document: dict[str, Any], problems: Problems) -> dict[str, Any] | None:
    places = as_list(document.get("jobLocation"))
    if len(places) > 1:
        problems.ignored.append("jobLocation.1")
    if not places:
        return None
    place = as_object(places[0], "jobLocation", problems)
    problems.ignore(place, {"address", "geo"}, "jobLocation.")
    address = place.get("address")
    if isinstance(address, str):
        address = {"addressLocality": address}
    address = as_object(address, "jobLocation.address", problems)
    problems.ignore(address, _ADDRESS, "jobLocation.address.")
    country = address.get("addressCountry")
    if isinstance(country, dict):
        country = country.get("name")
    code = None
    if text(country):
        code = country_code(str(country))
        if code is None:
            problems.add("jobLocation.address.addressCountry", f"unknown country {country!r}")
    geo = as_object(place.get("geo"), "jobLocation.geo", problems)
    location = {
        "street": text(address.get("streetAddress")),
        "postal_code": text(address.get("postalCode")),
        "city": text(address.get("addressLocality")),
        "region": text(address.get("addressRegion")),
        "country": code,
        "lat": geo.get("latitude"),
        "lon": geo.get("longitude"),
    }
    return location if any(v is not None for v in location.values()) else None


def _remote_countries(document: dict[str, Any], problems: Problems) -> list[str]:
    codes = []
    for index, item in enumerate(as_list(document.get("applicantLocationRequirements"))):
        name = item.get("name") if isinstance(item, dict) else item
        code = country_code(str(name)) if text(name) else None
        if code is None:
            problems.add(f"applicantLocationRequirements.{index}", f"unknown country {name!r}")
        else:
            codes.append(code)
    return codes


def _amount(value: Any, path: str, problems: Problems) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        problems.add(path, "must be a number")
        return None


def _salary(document: dict[str, Any], problems: Problems) -> dict[str, Any] | None:
    salary = as_object(document.get("baseSalary"), "baseSalary", problems)
    if not salary:
        return None
    problems.ignore(salary, {"currency", "value"}, "baseSalary.")
    value = salary.get("value")
    amount = value if isinstance(value, dict) else {"value": value}
    problems.ignore(amount, {"minValue", "maxValue", "value", "unitText"}, "baseSalary.value.")
    single = _amount(amount.get("value"), "baseSalary.value.value", problems)
    unit = text(amount.get("unitText")) or "MONTH"
    if unit.upper() not in _UNITS_IN:
        problems.add("baseSalary.value.unitText", f"one of {', '.join(_UNITS_IN)}")
    return {
        "min": _amount(amount.get("minValue"), "baseSalary.value.minValue", problems) or single,
        "max": _amount(amount.get("maxValue"), "baseSalary.value.maxValue", problems) or single,
        "currency": text(salary.get("currency")) or "EUR",
        "period": _UNITS_IN.get(unit.upper(), "month"),
    }


def _employment_type(document: dict[str, Any], problems: Problems) -> str | None:
    values = [str(v).upper() for v in as_list(document.get("employmentType"))]
    known = [_EMPLOYMENT_IN[v] for v in values if v in _EMPLOYMENT_IN]
    unknown = [v for v in values if v not in _EMPLOYMENT_IN]
    if unknown:
        problems.add("employmentType", f"one of {', '.join(_EMPLOYMENT_IN)}")
    if len(known) > 1:
        problems.ignored.append("employmentType.1")
    return known[0] if known else None


def _skills(document: dict[str, Any]) -> list[str]:
    skills: list[str] = []
    for item in as_list(document.get("skills")):
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str):
            skills += [part.strip() for part in re.split(r"[,;\n]", name) if part.strip()]
    return skills


def _hours(document: dict[str, Any], problems: Problems) -> float | None:
    raw = text(document.get("workHours"))
    if raw is None:
        return None
    found = _HOURS.search(raw)
    if found is None:
        problems.add("workHours", "must name the hours per week, e.g. '36 hours per week'")
        return None
    return float(found.group(1).replace(",", "."))


def to_vacancy(document: Any) -> tuple[VacancyCreate, list[str]]:
    """A JobPosting document as a vacancy to create, and the properties left out."""
    problems = Problems()
    if not isinstance(document, dict):
        problems.add("body", "a JobPosting document is a JSON object")
        problems.raise_if_any("JobPosting document")
    kind = document.get("@type", "JobPosting")
    if kind != "JobPosting":
        problems.add("@type", f"must be 'JobPosting', not {kind!r}")
    problems.ignore(document, _TOP)
    identifier = document.get("identifier")
    if isinstance(identifier, dict):
        identifier = identifier.get("value")
    location = _location(document, problems)
    remote_countries = _remote_countries(document, problems)
    data: dict[str, Any] = {
        "external_id": text(identifier),
        "title": text(document.get("title")),
        "description": text(document.get("description")) or "",
        "posted_at": _date(document, "datePosted", problems),
        "valid_through": _date(document, "validThrough", problems),
        "employment_type": _employment_type(document, problems),
        "location": location,
        "remote": document.get("jobLocationType") == "TELECOMMUTE",
        "remote_countries": remote_countries,
        "salary": _salary(document, problems),
        "hours_per_week": _hours(document, problems),
        "required_skills": _skills(document),
        "apply_url": text(document.get("url")),
    }
    data = {k: v for k, v in data.items() if v is not None}
    vacancy = validated(VacancyCreate, data, problems, _PATHS, "JobPosting document")
    return vacancy, problems.ignored


def _drop_empty(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if v not in (None, "", [], {})}


def from_vacancy(vacancy: VacancyOut, organisation: str, page_url: str) -> dict[str, Any]:
    """A vacancy as a JobPosting document. ``url`` is where to apply: the vacancy's own
    ``apply_url``, else its public page."""
    location = vacancy.location
    place = None
    if location is not None:
        address = _drop_empty(
            {
                "@type": "PostalAddress",
                "streetAddress": location.street,
                "addressLocality": location.city,
                "addressRegion": location.region,
                "postalCode": location.postal_code,
                "addressCountry": location.country,
            }
        )
        geo = None
        if location.lat is not None and location.lon is not None:
            geo = {"@type": "GeoCoordinates", "latitude": location.lat, "longitude": location.lon}
        place = _drop_empty({"@type": "Place", "address": address, "geo": geo})
    salary = vacancy.salary
    base_salary = None
    if salary is not None:
        amount = _drop_empty(
            {
                "@type": "QuantitativeValue",
                "minValue": float(salary.min) if salary.min is not None else None,
                "maxValue": float(salary.max) if salary.max is not None else None,
                "unitText": SALARY_UNITS[salary.period],
            }
        )
        base_salary = {"@type": "MonetaryAmount", "currency": salary.currency, "value": amount}
    return _drop_empty(
        {
            "@context": CONTEXT,
            "@type": "JobPosting",
            "identifier": {
                "@type": "PropertyValue",
                "name": organisation,
                "value": vacancy.external_id or str(vacancy.id),
            },
            "title": vacancy.title,
            "description": vacancy.description,
            "datePosted": (vacancy.posted_at or vacancy.created_at).isoformat(),
            "validThrough": vacancy.valid_through.isoformat() if vacancy.valid_through else None,
            "employmentType": EMPLOYMENT_TYPES.get(vacancy.employment_type or ""),
            "hiringOrganization": {"@type": "Organization", "name": organisation},
            "jobLocation": place,
            "jobLocationType": "TELECOMMUTE" if vacancy.remote else None,
            "applicantLocationRequirements": [
                {"@type": "Country", "name": code} for code in vacancy.remote_countries
            ],
            "baseSalary": base_salary,
            "workHours": f"{vacancy.hours_per_week:g} hours per week"
            if vacancy.hours_per_week
            else None,
            "skills": vacancy.required_skills,
            "url": str(vacancy.apply_url) if vacancy.apply_url else page_url,
        }
    )


_TEXT = {"type": "string"}
_PLACE = {
    "type": "object",
    "properties": {
        "address": {
            "type": "object",
            "properties": dict.fromkeys(sorted(_ADDRESS), _TEXT),
        },
        "geo": {
            "type": "object",
            "properties": {"latitude": {"type": "number"}, "longitude": {"type": "number"}},
        },
    },
}
# The document as this API reads it (for the OpenAPI description; the reading is lenient
# the way JSON-LD producers expect, and every problem is named by its property).
DOCUMENT_SCHEMA: dict[str, Any] = {
    "title": "JobPosting",
    "description": "A schema.org JobPosting document (JSON-LD); send with `?format=jobposting`.",
    "type": "object",
    "required": ["title"],
    "properties": {
        "@context": {"const": CONTEXT},
        "@type": {"const": "JobPosting"},
        "title": _TEXT,
        "description": {"type": "string", "description": "Plain text or HTML."},
        "datePosted": {"type": "string", "format": "date-time"},
        "validThrough": {"type": "string", "format": "date-time"},
        "employmentType": {"type": "string", "enum": sorted(_EMPLOYMENT_IN)},
        "identifier": {"type": "object", "properties": {"name": _TEXT, "value": _TEXT}},
        "hiringOrganization": {"type": "object", "properties": {"name": _TEXT}},
        "jobLocation": _PLACE,
        "jobLocationType": {"const": "TELECOMMUTE"},
        "applicantLocationRequirements": {
            "type": "array",
            "items": {"type": "object", "properties": {"name": _TEXT}},
        },
        "baseSalary": {
            "type": "object",
            "properties": {
                "currency": _TEXT,
                "value": {
                    "type": "object",
                    "properties": {
                        "minValue": {"type": "number"},
                        "maxValue": {"type": "number"},
                        "value": {"type": "number"},
                        "unitText": {"type": "string", "enum": sorted(_UNITS_IN)},
                    },
                },
            },
        },
        "workHours": {"type": "string", "examples": ["36 hours per week"]},
        "skills": {"type": "array", "items": _TEXT},
        "url": {"type": "string", "format": "uri"},
    },
    "examples": [
        {
            "@context": CONTEXT,
            "@type": "JobPosting",
            "title": "Developer digitale collecties",
            "description": "<p>Bouw mee aan de digitale collecties van de KB.</p>",
            "datePosted": "2026-12-01",
            "validThrough": "2027-01-31T23:59:00+01:00",
            "employmentType": "FULL_TIME",
            "hiringOrganization": {"@type": "Organization", "name": "Koninklijke Bibliotheek"},
            "jobLocation": {
                "@type": "Place",
                "address": {
                    "@type": "PostalAddress",
                    "streetAddress": "Prins Willem-Alexanderhof 5",
                    "addressLocality": "Den Haag",
                    "postalCode": "2595 BE",
                    "addressCountry": "NL",
                },
            },
            "baseSalary": {
                "@type": "MonetaryAmount",
                "currency": "EUR",
                "value": {
                    "@type": "QuantitativeValue",
                    "minValue": 3500,
                    "maxValue": 5200,
                    "unitText": "MONTH",
                },
            },
        }
    ],
}
