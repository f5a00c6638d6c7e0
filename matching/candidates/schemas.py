"""Candidate request and response shapes (field names are part of the public API)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    field_validator,
    model_validator,
)

from matching.types import ContentLanguage, LanguageList, Location, SkillList, StrictModel

YearMonth = Annotated[
    str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM", examples=["2021-09"])
]


def normalise_email(value: str) -> str:
    """Trim and lower-case the whole address: mail systems treat it case-insensitively,
    and duplicates must be found by plain equality."""
    return value.strip().lower()


NormalisedEmail = Annotated[EmailStr, AfterValidator(normalise_email)]
Phone = Annotated[str, Field(pattern=r"^\+?[0-9 ()./-]{5,40}$", max_length=50)]


class Experience(StrictModel):
    title: Annotated[str, Field(min_length=1, max_length=300)]
    organisation: Annotated[str | None, Field(max_length=300)] = None
    start: YearMonth | None = None
    end: YearMonth | None = Field(default=None, description="YYYY-MM, or null while current.")
    description: Annotated[str, Field(max_length=20_000)] = ""
    highlights: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=1000)]], Field(max_length=50)
    ] = Field(default_factory=list, description="Achievements in this role, one per item.")

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.start and self.end and self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class Education(StrictModel):
    degree: Annotated[str | None, Field(max_length=300)] = None
    field: Annotated[str | None, Field(max_length=300)] = None
    institution: Annotated[str | None, Field(max_length=300)] = None
    year: Annotated[int | None, Field(ge=1900, le=2100)] = None


class Profile(StrictModel):
    """An account on another site (LinkedIn, GitHub, ...)."""

    network: Annotated[str, Field(min_length=1, max_length=100)]
    username: Annotated[str | None, Field(max_length=200)] = None
    url: HttpUrl | None = None


class Consent(StrictModel):
    given_at: AwareDatetime
    purpose: Annotated[str, Field(min_length=1, max_length=1000)]
    retention_until: AwareDatetime | None = None


class CandidateFields(StrictModel):
    external_id: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    name: Annotated[str | None, Field(max_length=300)] = None
    email: NormalisedEmail | None = Field(
        default=None, description="Normalised; unique per organisation."
    )
    phone: Phone | None = None
    headline: Annotated[str | None, Field(max_length=500)] = None
    website: HttpUrl | None = Field(default=None, description="Personal website or portfolio.")
    profiles: Annotated[list[Profile], Field(max_length=20)] = Field(default_factory=list)
    summary: Annotated[str, Field(max_length=50_000)] = ""
    language: ContentLanguage | None = Field(
        default=None, description="Profile language; detected from the text if omitted."
    )
    skills: SkillList = Field(default_factory=list)
    languages: LanguageList = Field(
        default_factory=list, description="ISO 639-1 codes of languages the candidate speaks."
    )
    location: Location | None = None
    remote: bool = Field(default=False, description="Open to remote work.")
    experience: Annotated[list[Experience], Field(max_length=100)] = Field(default_factory=list)
    education: Annotated[list[Education], Field(max_length=50)] = Field(default_factory=list)
    consent: Consent | None = None


class CandidateCreate(CandidateFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "external_id": "ATS-88",
                    "name": "Eva de Vries",
                    "email": "eva@example.org",
                    "headline": "Docent geschiedenis",
                    "summary": "Docent die archieven naar de klas brengt.",
                    "skills": ["lesgeven", "archiefonderzoek"],
                    "languages": ["nl", "en"],
                    "location": {"city": "Utrecht", "country": "NL"},
                    "experience": [
                        {
                            "title": "Docent geschiedenis",
                            "organisation": "Stedelijk Gymnasium Utrecht",
                            "start": "2018-08",
                            "description": "Lessen met bronnen uit het archief.",
                        }
                    ],
                    "education": [{"degree": "Master", "field": "Geschiedenis", "year": 2014}],
                    "consent": {"given_at": "2026-12-01T10:00:00Z", "purpose": "recruitment"},
                }
            ]
        }
    )

    pass


class CandidateUpdate(CandidateFields):
    """Partial update: fields left out keep their value; ``null`` clears an optional field."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"headline": "Educatief medewerker", "skills": ["lesgeven", "IIIF"]}]
        }
    )

    summary: Annotated[str | None, Field(max_length=50_000)] = None  # type: ignore[assignment]
    profiles: Annotated[list[Profile] | None, Field(max_length=20)] = None  # type: ignore[assignment]
    skills: SkillList | None = None  # type: ignore[assignment]
    languages: LanguageList | None = None  # type: ignore[assignment]
    remote: bool | None = None  # type: ignore[assignment]
    experience: Annotated[list[Experience] | None, Field(max_length=100)] = None  # type: ignore[assignment]
    education: Annotated[list[Education] | None, Field(max_length=50)] = None  # type: ignore[assignment]

    @field_validator(
        "summary", "profiles", "skills", "languages", "remote", "experience", "education"
    )
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null; send an empty value to clear it")
        return value


class CandidateOut(CandidateFields):
    model_config = ConfigDict(extra="ignore")

    id: UUID
    email: str | None = None
    created_at: datetime
    updated_at: datetime
