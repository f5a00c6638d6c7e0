"""Every weight and threshold of match scoring, in one place.

A match score is

    score = (sum of weight * component over the components that apply
             / sum of those weights) * constraint factor

with each component in [0, 1]. A component "applies" when both sides have something to
compare (a vacancy without recognised occupations has no occupation component), so a
missing field does not drag every candidate down alike. Hard constraints multiply, so a
candidate who lacks a required language drops below comparable candidates who have it but
stays visible to a recruiter who wants to see why.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

# Component weights.
SEMANTIC_WEIGHT = 0.40
SKILLS_WEIGHT = 0.40
OCCUPATION_WEIGHT = 0.20

# Semantic similarity: cosine of the best-matching candidate section for each vacancy
# section, averaged with these weights, then mapped linearly from the model's [floor,
# ceiling] to [0, 1].
SECTION_WEIGHTS = {"title": 0.35, "description": 0.40, "skills": 0.25}


@dataclass(frozen=True)
class Calibration:
    """Where a model's cosines for unrelated and for near-identical texts lie, and from
    which cosine one skill label may stand in for another. Models differ widely: e5 puts
    unrelated short texts near 0.8, MiniLM near 0.1."""

    floor: float
    ceiling: float
    transfer: float


CALIBRATION = {
    "all-MiniLM-L6-v2": Calibration(floor=0.20, ceiling=0.80, transfer=0.55),
    "multilingual-e5-small-q4": Calibration(floor=0.80, ceiling=0.95, transfer=0.91),
    # The fast mode, mapped from the default model's on generated profiles
    # (bench/calibrate_fast_mode.py; its common direction removed, unrelated texts sit near 0).
    "multilingual-e5-small-q4-static-v3": Calibration(floor=0.065, ceiling=0.57, transfer=0.49),
}
# Other sentence-transformers models: MiniLM-like cosine ranges.
DEFAULT_CALIBRATION = CALIBRATION["all-MiniLM-L6-v2"]


def calibration(model: str) -> Calibration:
    return CALIBRATION.get(model, DEFAULT_CALIBRATION)


# Skill coverage: a required skill counts 1 when matched exactly (same concept or same
# words), TRANSFER_CREDIT * similarity when a different skill stands in for it with label
# similarity at least the model's ``transfer`` cosine, else 0. Nice-to-have skills count with
# NICE_TO_HAVE_WEIGHT relative to required ones.
TRANSFER_CREDIT = 0.6
NICE_TO_HAVE_WEIGHT = 0.5

# Occupation proximity: the same concept, else the deepest shared ISCO-08 level.
SAME_OCCUPATION = 1.0
SAME_ISCO_UNIT = 0.75  # four digits
SAME_ISCO_MINOR = 0.5  # three digits
SAME_ISCO_SUBMAJOR = 0.25  # two digits

# Hard constraints (multiplied).
MISSING_LANGUAGE_FACTOR = 0.5  # per required language the candidate does not speak
OUTSIDE_LOCATION_FACTOR = 0.7  # on-site vacancy in another country, candidate not remote

# Candidate generation: how many owners each retriever contributes before fusion, the
# reciprocal-rank-fusion constant, and how many fused owners are scored in full.
ANN_PER_QUERY = 100
LEXICAL_LIMIT = 100
RRF_K = 60
RERANK_POOL = 200


def version() -> str:
    """A short digest of every weight and threshold above: the audit trail records it with
    each ranking, so a changed weight shows as a new version."""
    values = {name: value for name, value in globals().items() if name.isupper()}
    text = json.dumps(values, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:12]
