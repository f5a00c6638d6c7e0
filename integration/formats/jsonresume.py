"""JSON Resume (https://jsonresume.org/schema, v1.0.0) to and from candidate profiles.

Mapped: ``basics`` (name, label, email, phone, url, summary, location, profiles), ``work``
(name, position, startDate, endDate, summary, highlights), ``education`` (institution,
area, studyType, endDate as the year), ``skills`` (name and keywords become skills),
``languages`` (names or codes become ISO 639-1 codes) and ``meta.externalId``. What the
product does not store (awards, projects, fluency, ...) is reported as ignored.
"""

from __future__ import annotations

from typing import Any

from integration.formats.common import (
    Problems,
    as_list,
    as_object,
    language_code,
    language_name,
    text,
    validated,
    year_month,
)
from matching.candidates.schemas import CandidateCreate, CandidateOut

SCHEMA_URL = "https://raw.githubusercontent.com/jsonresume/resume-schema/v1.0.0/schema.json"
_TOP = {"basics", "work", "education", "skills", "languages", "meta", "$schema"}
_BASICS = {"name", "label", "email", "phone", "url", "summary", "location", "profiles"}
_LOCATION = {"address", "postalCode", "city", "countryCode", "region"}
_WORK = {"name", "company", "position", "startDate", "endDate", "summary", "highlights"}
_EDUCATION = {"institution", "area", "studyType", "endDate"}
# Where a problem in the product's shape came from in the document.
_PATHS = {
    "name": "basics.name",
    "headline": "basics.label",
    "email": "basics.email",
    "phone": "basics.phone",
    "website": "basics.url",
    "summary": "basics.summary",
    "location": "basics.location",
    "profiles": "basics.profiles",
    "experience": "work",
    "education": "education",
    "skills": "skills",
    "languages": "languages",
    "external_id": "meta.externalId",
}


def _basics(basics: dict[str, Any], problems: Problems) -> dict[str, Any]:
    problems.ignore(basics, _BASICS, "basics.")
    fields: dict[str, Any] = {
        "name": text(basics.get("name")),
        "headline": text(basics.get("label")),
        "email": text(basics.get("email")),
        "phone": text(basics.get("phone")),
        "website": text(basics.get("url")),
        "summary": text(basics.get("summary")) or "",
    }
    location = as_object(basics.get("location"), "basics.location", problems)
    problems.ignore(location, _LOCATION, "basics.location.")
    place = {
        "street": text(location.get("address")),
        "postal_code": text(location.get("postalCode")),
        "city": text(location.get("city")),
        "region": text(location.get("region")),
        "country": text(location.get("countryCode")),
    }
    if any(place.values()):
        fields["location"] = place
    profiles = []
    for index, item in enumerate(as_list(basics.get("profiles"))):
        profile = as_object(item, f"basics.profiles.{index}", problems)
        problems.ignore(profile, {"network", "username", "url"}, f"basics.profiles.{index}.")
        profiles.append({k: profile.get(k) for k in ("network", "username", "url")})
    fields["profiles"] = profiles
    return {k: v for k, v in fields.items() if v is not None}


def _work(items: list[Any], problems: Problems) -> list[dict[str, Any]]:
    work = []
    for index, item in enumerate(items):
        path = f"work.{index}"
        job = as_object(item, path, problems)
        problems.ignore(job, _WORK, path + ".")
        position = text(job.get("position"))
        if not position:
            problems.add(f"{path}.position", "is required")
            continue
        dates = {}
        for key, target in (("startDate", "start"), ("endDate", "end")):
            raw = text(job.get(key))
            if raw:
                dates[target] = year_month(raw)
                if dates[target] is None:
                    problems.add(f"{path}.{key}", "must be an ISO 8601 date (YYYY, YYYY-MM, ...)")
        work.append(
            {
                "title": position,
                "organisation": text(job.get("name")) or text(job.get("company")),
                "description": text(job.get("summary")) or "",
                "highlights": [h for h in as_list(job.get("highlights")) if text(h)],
                **dates,
            }
        )
    return work


def _education(items: list[Any], problems: Problems) -> list[dict[str, Any]]:
    education = []
    for index, item in enumerate(items):
        path = f"education.{index}"
        entry = as_object(item, path, problems)
        problems.ignore(entry, _EDUCATION, path + ".")
        end = text(entry.get("endDate"))
        year = year_month(end) if end else None
        education.append(
            {
                "institution": text(entry.get("institution")),
                "field": text(entry.get("area")),
                "degree": text(entry.get("studyType")),
                "year": int(year[:4]) if year else None,
            }
        )
    return education


def _skills(items: list[Any], problems: Problems) -> list[str]:
    skills: list[str] = []
    for index, item in enumerate(items):
        entry = as_object(item, f"skills.{index}", problems)
        problems.ignore(entry, {"name", "keywords"}, f"skills.{index}.")
        name = text(entry.get("name"))
        skills += [name] if name else []
        skills += [k for k in as_list(entry.get("keywords")) if isinstance(k, str) and k.strip()]
    return skills


def _languages(items: list[Any], problems: Problems) -> list[str]:
    codes = []
    for index, item in enumerate(items):
        entry = as_object(item, f"languages.{index}", problems)
        problems.ignore(entry, {"language"}, f"languages.{index}.")
        name = text(entry.get("language")) or ""
        code = language_code(name)
        if code is None:
            problems.add(f"languages.{index}.language", f"unknown language {name!r}")
        else:
            codes.append(code)
    return codes


def to_candidate(document: Any) -> tuple[CandidateCreate, list[str]]:
    """A JSON Resume document as a candidate to create, and the properties left out."""
    problems = Problems()
    if not isinstance(document, dict):
        problems.add("body", "a JSON Resume document is a JSON object")
        problems.raise_if_any("JSON Resume document")
    problems.ignore(document, _TOP)
    meta = as_object(document.get("meta"), "meta", problems)
    problems.ignore(meta, {"externalId", "canonical", "version", "lastModified"}, "meta.")
    data = _basics(as_object(document.get("basics"), "basics", problems), problems)
    data["experience"] = _work(as_list(document.get("work")), problems)
    data["education"] = _education(as_list(document.get("education")), problems)
    data["skills"] = _skills(as_list(document.get("skills")), problems)
    data["languages"] = _languages(as_list(document.get("languages")), problems)
    if meta.get("externalId") is not None:
        data["external_id"] = text(meta["externalId"])
    candidate = validated(CandidateCreate, data, problems, _PATHS, "JSON Resume document")
    return candidate, problems.ignored


def _drop_empty(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if v not in (None, "", [], {})}


def from_candidate(candidate: CandidateOut, canonical: str) -> dict[str, Any]:
    """A candidate profile as a JSON Resume document."""
    location = candidate.location
    basics = {
        "name": candidate.name,
        "label": candidate.headline,
        "email": candidate.email,
        "phone": candidate.phone,
        "url": str(candidate.website) if candidate.website else None,
        "summary": candidate.summary,
        "location": _drop_empty(
            {
                "address": location.street,
                "postalCode": location.postal_code,
                "city": location.city,
                "region": location.region,
                "countryCode": location.country,
            }
        )
        if location
        else None,
        "profiles": [_drop_empty(p.model_dump(mode="json")) for p in candidate.profiles],
    }
    work = [
        _drop_empty(
            {
                "name": job.organisation,
                "position": job.title,
                "startDate": job.start,
                "endDate": job.end,
                "summary": job.description,
                "highlights": job.highlights,
            }
        )
        for job in candidate.experience
    ]
    education = [
        _drop_empty(
            {
                "institution": item.institution,
                "area": item.field,
                "studyType": item.degree,
                "endDate": str(item.year) if item.year else None,
            }
        )
        for item in candidate.education
    ]
    meta = {
        "canonical": canonical,
        "version": "v1.0.0",
        "lastModified": candidate.updated_at.isoformat(),
        "externalId": candidate.external_id,
    }
    return _drop_empty(
        {
            "$schema": SCHEMA_URL,
            "basics": _drop_empty(basics),
            "work": work,
            "education": education,
            "skills": [{"name": skill} for skill in candidate.skills],
            "languages": [{"language": language_name(code)} for code in candidate.languages],
            "meta": _drop_empty(meta),
        }
    )


_TEXT = {"type": "string"}
# The document as this API reads it (for the OpenAPI description).
DOCUMENT_SCHEMA: dict[str, Any] = {
    "title": "JsonResume",
    "description": "A JSON Resume document (v1.0.0); send with `?format=jsonresume`.",
    "type": "object",
    "properties": {
        "basics": {
            "type": "object",
            "properties": {
                "name": _TEXT,
                "label": _TEXT,
                "email": {"type": "string", "format": "email"},
                "phone": _TEXT,
                "url": {"type": "string", "format": "uri"},
                "summary": _TEXT,
                "location": {
                    "type": "object",
                    "properties": dict.fromkeys(sorted(_LOCATION), _TEXT),
                },
                "profiles": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"network": _TEXT, "username": _TEXT, "url": _TEXT},
                    },
                },
            },
        },
        "work": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["position"],
                "properties": {
                    "name": _TEXT,
                    "position": _TEXT,
                    "startDate": _TEXT,
                    "endDate": _TEXT,
                    "summary": _TEXT,
                    "highlights": {"type": "array", "items": _TEXT},
                },
            },
        },
        "education": {
            "type": "array",
            "items": {"type": "object", "properties": dict.fromkeys(sorted(_EDUCATION), _TEXT)},
        },
        "skills": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": _TEXT, "keywords": {"type": "array", "items": _TEXT}},
            },
        },
        "languages": {
            "type": "array",
            "items": {"type": "object", "properties": {"language": _TEXT}},
        },
        "meta": {"type": "object", "properties": {"externalId": _TEXT}},
    },
    "examples": [
        {
            "basics": {
                "name": "Eva de Vries",
                "label": "Docent geschiedenis",
                "email": "eva@example.org",
                "location": {"city": "Utrecht", "countryCode": "NL"},
            },
            "work": [{"name": "Stedelijk Gymnasium", "position": "Docent", "startDate": "2018-08"}],
            "skills": [{"name": "lesgeven", "keywords": ["curriculumontwikkeling"]}],
            "languages": [{"language": "Dutch"}, {"language": "English"}],
        }
    ],
}
