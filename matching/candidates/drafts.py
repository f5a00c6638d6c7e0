"""Turning a draft profile from a CV into a valid candidate payload."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from annotated_types import MaxLen
from pydantic import BaseModel, ValidationError

from matching.candidates.schemas import CandidateCreate, Education, Experience
from matching.documents.profile import DraftProfile
from matching.types import SHORT_TEXT_MAX_CHARS


def _max_length(model: type[BaseModel], name: str) -> int | None:
    for constraint in model.model_fields[name].metadata:
        if isinstance(constraint, MaxLen):
            return int(constraint.max_length)
    return None


def _clip_to(model: type[BaseModel], data: dict[str, Any]) -> None:
    """Cut texts and lists to the schema's own limits, keeping their start: one character or
    entry too many would otherwise fail the field, and the loop below would drop all of it."""
    for name in model.model_fields:
        value, limit = data.get(name), _max_length(model, name)
        if limit is not None and isinstance(value, str | list):
            data[name] = value[:limit]


def _clip(data: dict[str, Any]) -> dict[str, Any]:
    _clip_to(CandidateCreate, data)
    for key, item_model in (("experience", Experience), ("education", Education)):
        for item in data[key]:
            _clip_to(item_model, item)
    data["skills"] = [skill[:SHORT_TEXT_MAX_CHARS] for skill in data["skills"]]
    return data


def draft_to_payload(draft: DraftProfile) -> CandidateCreate:
    """The draft as a candidate; parts that do not validate (an odd phone number, say) are
    left out of the profile. They remain in the extracted text that is returned and stored."""
    data = _clip(asdict(draft))
    for _ in range(50):
        try:
            return CandidateCreate.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                loc = error["loc"]
                if len(loc) >= 2 and isinstance(loc[1], int) and loc[0] in data:
                    items = data[str(loc[0])]
                    if loc[1] < len(items):
                        items[loc[1]] = None
                else:
                    data.pop(str(loc[0]), None)
            for key in ("experience", "education", "skills", "languages"):
                if isinstance(data.get(key), list):
                    data[key] = [item for item in data[key] if item is not None]
    return CandidateCreate()
