"""Turning a draft profile from a CV into a valid candidate payload."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pydantic import ValidationError

from matching.candidates.schemas import CandidateCreate
from matching.documents.profile import DraftProfile

_TEXT_LIMITS = {"name": 300, "headline": 500, "summary": 50_000}
_ITEM_TEXT_LIMITS = {
    "title": 300,
    "organisation": 300,
    "degree": 300,
    "field": 300,
    "institution": 300,
    "description": 20_000,
}

_LIST_LIMITS = {"experience": 100, "education": 50, "languages": 50}


def _clip(data: dict[str, Any]) -> dict[str, Any]:
    for key, limit in _TEXT_LIMITS.items():
        if isinstance(data.get(key), str):
            data[key] = data[key][:limit]
    for key in ("experience", "education"):
        for item in data[key]:
            for field, limit in _ITEM_TEXT_LIMITS.items():
                if isinstance(item.get(field), str):
                    item[field] = item[field][:limit]
    data["skills"] = [s[:200] for s in data["skills"]][:200]
    # Keep the first entries up to the schema's list limits: one entry too many would
    # otherwise fail the whole list, and the loop below would drop all of it.
    for key, most in _LIST_LIMITS.items():
        data[key] = data[key][:most]
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
