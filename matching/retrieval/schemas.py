"""Match and search request/response shapes (field names are part of the public API)."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from matching.types import CountryCode, LanguageList, SkillList, StrictModel


class MatchFilters(StrictModel):
    languages: LanguageList = Field(
        default_factory=list,
        description="Candidate matches: the candidate speaks all of these. Vacancy matches: "
        "the vacancy is written in one of these.",
    )
    country: CountryCode | None = None
    city: Annotated[str | None, Field(max_length=200)] = None
    remote: bool | None = Field(
        default=None,
        description="Candidate matches: open to remote work. Vacancy matches: remote vacancy.",
    )
    skills: SkillList = Field(
        default_factory=list,
        description="Must-have skills: declared, or recognised as the same taxonomy concept.",
    )


class SearchRequest(StrictModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "query": "Python-ontwikkelaar met ervaring in erfgoedcollecties",
                    "filters": {"languages": ["nl"], "country": "NL"},
                    "limit": 20,
                }
            ]
        }
    )

    query: Annotated[str, Field(min_length=1, max_length=5_000)]
    filters: MatchFilters = Field(default_factory=MatchFilters)
    limit: Annotated[int, Field(ge=1, le=100)] = 20
    min_score: Annotated[float, Field(ge=0, le=1)] = 0.0
    blind: bool = False


class Explanation(BaseModel):
    components: dict[str, float | None] = Field(
        description="Each component in [0, 1] (null when it does not apply) and the "
        "multiplicative constraint factor."
    )
    weights: dict[str, float] = Field(description="Weights of the components that applied.")
    skills: dict[str, list[dict[str, Any]]] = Field(
        description="`matched`, `missing` and `transferable` (required skill, the candidate "
        "skill that stands in for it, and their similarity)."
    )
    occupations: dict[str, Any]
    constraints: dict[str, Any]
    evidence: list[dict[str, str]] = Field(description="Snippets (field, text) behind the score.")


class CandidateMatch(BaseModel):
    candidate_id: UUID
    score: float
    rank: int
    explanation: Explanation
    candidate: dict[str, Any] = Field(
        description="Profile summary; with `blind=true` without name, email, phone or photo."
    )


class VacancyMatch(BaseModel):
    vacancy_id: UUID
    score: float
    rank: int
    explanation: Explanation
    vacancy: dict[str, Any]


T = TypeVar("T")


class MatchPage(BaseModel, Generic[T]):
    data: list[T]
    next_cursor: str | None = None
    model: str = Field(description="The embedding model the scores were computed with.")
