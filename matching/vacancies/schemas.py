"""Vacancy request and response shapes (field names are part of the public API)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Self
from uuid import UUID

from pydantic import (
    AwareDatetime,
    ConfigDict,
    Field,
    HttpUrl,
    PlainSerializer,
    field_validator,
    model_validator,
)

from matching.types import (
    ContentLanguage,
    CountryList,
    LanguageList,
    Location,
    SkillList,
    StrictModel,
)
from models.vacancy import EmploymentType, SalaryPeriod, VacancyStatus

Title = Annotated[str, Field(min_length=1, max_length=300)]
Description = Annotated[str, Field(max_length=100_000)]
ExternalId = Annotated[str, Field(min_length=1, max_length=200)]


# Amounts are exact decimals inside, JSON numbers outside (what ATS clients expect).
Amount = Annotated[
    Decimal,
    Field(ge=0, max_digits=12, decimal_places=2),
    PlainSerializer(float, return_type=float, when_used="json"),
]


class Salary(StrictModel):
    min: Amount | None = None
    max: Amount | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217")] = "EUR"
    period: SalaryPeriod = "month"

    @model_validator(mode="after")
    def _range(self) -> Self:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("salary.min must not exceed salary.max")
        return self


class VacancyFields(StrictModel):
    external_id: ExternalId | None = Field(
        default=None, description="Your system's id; unique per organisation."
    )
    description: Description = ""
    language: ContentLanguage | None = Field(
        default=None, description="Text language; detected from title and description if omitted."
    )
    required_skills: SkillList = Field(default_factory=list)
    nice_to_have_skills: SkillList = Field(default_factory=list)
    required_languages: LanguageList = Field(
        default_factory=list, description="ISO 639-1 codes the candidate must speak."
    )
    location: Location | None = None
    remote: bool = False
    remote_countries: CountryList = Field(
        default_factory=list,
        description="For remote work: the countries applicants must be in (ISO 3166-1 alpha-2).",
    )
    employment_type: EmploymentType | None = None
    hours_per_week: Annotated[float | None, Field(gt=0, le=80)] = None
    salary: Salary | None = None
    apply_url: HttpUrl | None = None
    posted_at: AwareDatetime | None = Field(
        default=None, description="When the vacancy was first published; default: created_at."
    )
    valid_through: AwareDatetime | None = None
    status: VacancyStatus = "open"


class VacancyCreate(VacancyFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "external_id": "KB-2026-041",
                    "title": "Developer digitale collecties",
                    "description": "Je bouwt mee aan Delpher en de IIIF-diensten van de KB.",
                    "required_skills": ["Python", "IIIF", "linked data"],
                    "nice_to_have_skills": ["Solr"],
                    "required_languages": ["nl"],
                    "location": {"city": "Den Haag", "country": "NL"},
                    "employment_type": "full_time",
                    "hours_per_week": 36,
                    "salary": {"min": 3500, "max": 5200, "currency": "EUR", "period": "month"},
                    "apply_url": "https://werkenbij.kb.example/vacatures/41",
                    "valid_through": "2027-01-31T23:00:00Z",
                }
            ]
        }
    )

    title: Title


class VacancyUpdate(StrictModel):
    """Partial update: fields left out keep their value; ``null`` clears an optional field."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "closed"}]})

    external_id: ExternalId | None = None
    title: Title | None = None
    description: Description | None = None
    language: ContentLanguage | None = None
    required_skills: SkillList | None = None
    nice_to_have_skills: SkillList | None = None
    required_languages: LanguageList | None = None
    location: Location | None = None
    remote: bool | None = None
    remote_countries: CountryList | None = None
    employment_type: EmploymentType | None = None
    hours_per_week: Annotated[float | None, Field(gt=0, le=80)] = None
    salary: Salary | None = None
    apply_url: HttpUrl | None = None
    posted_at: AwareDatetime | None = None
    valid_through: AwareDatetime | None = None
    status: VacancyStatus | None = None

    @field_validator("title", "description", "remote", "remote_countries", "status")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null; leave the field out to keep its value")
        return value


class VacancyOut(VacancyFields):
    model_config = ConfigDict(extra="ignore")

    id: UUID
    title: str
    language: ContentLanguage | None = None
    created_at: datetime
    updated_at: datetime
