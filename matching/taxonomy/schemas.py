"""Taxonomy request and response shapes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from matching.types import StrictModel

NormalizeText = Annotated[str, Field(min_length=1, max_length=500)]


class NormalizeRequest(StrictModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"kind": "occupation", "texts": ["bibliothecaris", "data engineer"], "top_k": 5}
            ]
        }
    )

    kind: Literal["occupation", "skill"]
    texts: Annotated[list[NormalizeText], Field(min_length=1, max_length=100)]
    top_k: Annotated[int, Field(ge=1, le=100)] = 10


class RankedConcept(BaseModel):
    uri: str
    label: str = Field(description="Preferred label, in the text's language where available.")
    score: float = Field(description="In [0, 1]; higher is closer.")


class NormalizedText(BaseModel):
    text: str
    concepts: list[RankedConcept]


class NormalizeResponse(BaseModel):
    taxonomy: str
    kind: Literal["occupation", "skill"]
    mode: Literal["hybrid", "lexical"] = Field(
        description="`hybrid`: lexical and embedding channels; `lexical`: the taxonomy's labels "
        "are not embedded with the configured model yet (`talentmesh taxonomy embed`)."
    )
    results: list[NormalizedText]


class TaxonomyOut(BaseModel):
    name: str
    revision: int
    concepts: dict[str, int] = Field(description="Number of concepts per kind.")
    attribution: str | None
