"""A draft candidate profile from CV text, by section headings and date ranges (Dutch and English).

The draft is a starting point a recruiter reviews; anything not recognised stays in the text
that is returned (and stored) beside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from matching.documents.language import detect_language

_SECTIONS: dict[str, tuple[str, ...]] = {
    "summary": (
        "profile",
        "profiel",
        "persoonlijk profiel",
        "summary",
        "samenvatting",
        "about me",
        "over mij",
        "personal statement",
        "introductie",
    ),
    "experience": (
        "experience",
        "work experience",
        "professional experience",
        "employment",
        "employment history",
        "werkervaring",
        "ervaring",
        "loopbaan",
        "arbeidsverleden",
        "relevante werkervaring",
    ),
    "education": (
        "education",
        "opleiding",
        "opleidingen",
        "studies",
        "education and training",
        "opleiding en cursussen",
        "opleidingen en cursussen",
        "academic background",
    ),
    "skills": (
        "skills",
        "vaardigheden",
        "competenties",
        "kennis en vaardigheden",
        "technical skills",
        "expertise",
        "competencies",
        "key skills",
    ),
    "languages": ("languages", "talen", "taalvaardigheid", "language skills"),
}
_HEADING = {alias: name for name, aliases in _SECTIONS.items() for alias in aliases}

_MONTHS = {
    "jan": 1,
    "january": 1,
    "januari": 1,
    "feb": 2,
    "february": 2,
    "februari": 2,
    "mar": 3,
    "march": 3,
    "mrt": 3,
    "maart": 3,
    "apr": 4,
    "april": 4,
    "may": 5,
    "mei": 5,
    "jun": 6,
    "june": 6,
    "juni": 6,
    "jul": 7,
    "july": 7,
    "juli": 7,
    "aug": 8,
    "august": 8,
    "augustus": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "oct": 10,
    "october": 10,
    "okt": 10,
    "oktober": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE = rf"(?:(?:{_MONTH_NAMES})\.?\s+\d{{4}}|\d{{1,2}}[/-]\d{{4}}|\d{{4}}-\d{{2}}|\d{{4}})"
_CURRENT = r"(?:present|now|current|today|heden|nu|huidig|tot heden)"
_RANGE = re.compile(
    rf"(?P<start>{_DATE})\s*(?:-|–|—|to|tot|until|t/m)\s*(?P<end>{_DATE}|{_CURRENT})",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?:\+|\b0)[0-9][0-9 ()./-]{7,18}[0-9]")
_YEAR = re.compile(r"\b(19|20)\d{2}\b")
# The title many CVs open with; it is not the candidate's name.
_DOCUMENT_TITLES = frozenset(
    {"curriculum vitae", "curriculum vitæ", "cv", "c.v.", "resume", "résumé", "levensloop"}
)
_ORG_SPLIT = re.compile(r"\s+(?:at|bij|@)\s+|\s*[,|]\s*|\s+[-–—]\s+", re.IGNORECASE)
_INSTITUTION = re.compile(
    r"universit|hogeschool|college|school|academ|institu|conservatorium|roc\b", re.IGNORECASE
)
_LANGUAGE_NAMES = {
    "dutch": "nl",
    "nederlands": "nl",
    "english": "en",
    "engels": "en",
    "german": "de",
    "duits": "de",
    "french": "fr",
    "frans": "fr",
    "spanish": "es",
    "spaans": "es",
    "italian": "it",
    "italiaans": "it",
    "portuguese": "pt",
    "portugees": "pt",
    "arabic": "ar",
    "arabisch": "ar",
    "turkish": "tr",
    "turks": "tr",
    "polish": "pl",
    "pools": "pl",
    "frisian": "fy",
    "fries": "fy",
    "chinese": "zh",
    "chinees": "zh",
    "russian": "ru",
    "russisch": "ru",
    "ukrainian": "uk",
    "oekraïens": "uk",
    "papiamento": "pap",
}


@dataclass
class DraftProfile:
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    headline: str | None = None
    summary: str = ""
    language: str | None = None
    skills: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    experience: list[dict[str, Any]] = field(default_factory=list)
    education: list[dict[str, Any]] = field(default_factory=list)


def _heading(line: str) -> str | None:
    key = line.strip().strip(":").strip().casefold()
    return _HEADING.get(key) if len(key) <= 40 else None


def split_sections(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {"header": []}
    current = "header"
    for line in text.split("\n"):
        name = _heading(line)
        if name is not None:
            current = name
            sections.setdefault(current, [])
            continue
        sections.setdefault(current, []).append(line)
    return sections


def _year_month(value: str) -> str | None:
    value = value.strip().lower().rstrip(".")
    if re.fullmatch(_CURRENT, value):
        return None
    if m := re.fullmatch(r"(\d{4})-(\d{2})", value):
        return f"{m[1]}-{m[2]}" if 1 <= int(m[2]) <= 12 else f"{m[1]}-01"
    if m := re.fullmatch(r"(\d{1,2})[/-](\d{4})", value):
        month = int(m[1])
        return f"{m[2]}-{month:02d}" if 1 <= month <= 12 else f"{m[2]}-01"
    if m := re.fullmatch(rf"({_MONTH_NAMES})\.?\s+(\d{{4}})", value):
        return f"{m[2]}-{_MONTHS[m[1]]:02d}"
    if re.fullmatch(r"\d{4}", value):
        return f"{value}-01"
    return None


def _title_and_org(text: str) -> tuple[str, str | None]:
    text = text.strip(" ,|-–—:")
    parts = [p for p in _ORG_SPLIT.split(text, maxsplit=1) if p and p.strip()]
    if len(parts) == 2:
        return parts[0].strip(), parts[1].strip()
    return text, None


def parse_experience(lines: list[str]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    pending_title: str | None = None
    for line in lines:
        match = _RANGE.search(line)
        if match is None:
            if blocks and line.strip():
                if not blocks[-1]["title"]:
                    blocks[-1]["title"], blocks[-1]["organisation"] = _title_and_org(line)
                else:
                    blocks[-1]["description"] = (blocks[-1]["description"] + "\n" + line).strip()
            elif line.strip():
                pending_title = line
            continue
        rest = (line[: match.start()] + " " + line[match.end() :]).strip()
        title, organisation = _title_and_org(rest or pending_title or "")
        start, end = _year_month(match["start"]), _year_month(match["end"])
        if start and end and end < start:
            end = None
        blocks.append(
            {
                "title": title,
                "organisation": organisation,
                "start": start,
                "end": end,
                "description": "",
            }
        )
        pending_title = None
    return [b for b in blocks if b["title"]]


def parse_education(lines: list[str]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for line in lines:
        if not line.strip():
            continue
        years = [int(m.group(0)) for m in _YEAR.finditer(line)]
        text = _YEAR.sub("", _RANGE.sub("", line)).strip(" ,|-–—()")
        parts = [p.strip() for p in re.split(r"\s*[,|]\s*|\s+[-–—]\s+", text) if p.strip()]
        if not parts:
            continue
        institution = next((p for p in parts if _INSTITUTION.search(p)), None)
        rest = [p for p in parts if p != institution]
        degree = rest[0] if rest else None
        field_of_study = None
        if degree and (m := re.match(r"(.+?)\s+(?:in|of)\s+(.+)", degree)):
            degree, field_of_study = m[1], m[2]
        elif len(rest) > 1:
            field_of_study = rest[1]
        entries.append(
            {
                "degree": degree,
                "field": field_of_study,
                "institution": institution,
                "year": max(years) if years else None,
            }
        )
    return entries


def parse_list(lines: list[str]) -> list[str]:
    items: list[str] = []
    for line in lines:
        for item in re.split(r"[,;•·|]|\s-\s|^\s*[-*]\s*", line):
            item = item.strip(" -*\t")
            if item and len(item) <= 60 and item.casefold() not in {i.casefold() for i in items}:
                items.append(item)
    return items


def _languages(lines: list[str]) -> list[str]:
    codes: list[str] = []
    for word in re.findall(r"[a-zA-Zë]+", " ".join(lines)):
        code = _LANGUAGE_NAMES.get(word.casefold())
        if code and len(code) == 2 and code not in codes:
            codes.append(code)
    return codes


def _phone(text: str) -> str | None:
    # "01-2015 - 06-2019" has the shape of a phone number too; a date range is skipped.
    for match in _PHONE.finditer(text):
        if not _RANGE.fullmatch(match.group(0).strip()):
            return match.group(0).strip()
    return None


def _is_document_title(line: str) -> bool:
    return line.strip().strip(":").strip().casefold() in _DOCUMENT_TITLES


def draft_profile(text: str) -> DraftProfile:
    sections = split_sections(text)
    header = [ln for ln in sections["header"] if ln.strip() and not _is_document_title(ln)]
    draft = DraftProfile(language=detect_language(text))
    if email := _EMAIL.search(text):
        draft.email = email.group(0).lower()
    draft.phone = _phone(text)
    contact = [ln for ln in header if not (_EMAIL.search(ln) or _PHONE.search(ln))]
    if contact and re.fullmatch(r"[^\d@:]{2,80}", contact[0]) and len(contact[0].split()) <= 5:
        draft.name = contact[0].strip()
        contact = contact[1:]
    if contact:
        draft.headline = contact[0].strip()[:500]
    draft.summary = "\n".join(sections.get("summary", [])).strip()
    draft.experience = parse_experience(sections.get("experience", []))
    draft.education = parse_education(sections.get("education", []))
    draft.skills = parse_list(sections.get("skills", []))
    draft.languages = _languages(sections.get("languages", []))
    return draft
