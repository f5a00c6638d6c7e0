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

# Component weights.
SEMANTIC_WEIGHT = 0.40
SKILLS_WEIGHT = 0.40
OCCUPATION_WEIGHT = 0.20

# Semantic similarity: cosine of the best-matching candidate section for each vacancy
# section, averaged with these weights, then mapped linearly from [FLOOR, CEILING] to [0, 1].
# Unrelated texts sit around 0.1-0.2 for sentence-transformers models; close paraphrases
# above 0.8.
SECTION_WEIGHTS = {"title": 0.35, "description": 0.40, "skills": 0.25}
COSINE_FLOOR = 0.20
COSINE_CEILING = 0.80

# Skill coverage: a required skill counts 1 when matched exactly (same concept or same
# words), TRANSFER_CREDIT * similarity when a different skill stands in for it with label
# similarity at least TRANSFER_MIN_SIMILARITY, else 0. Nice-to-have skills count with
# NICE_TO_HAVE_WEIGHT relative to required ones.
TRANSFER_MIN_SIMILARITY = 0.55
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
