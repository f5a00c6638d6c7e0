"""Score one candidate against one vacancy (or free-text query) and explain the score.

Pure functions over plain data (matching/scoring/profiles.py); every constant comes from
matching/scoring/weights.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from matching.embeddings.store import StoredSection
from matching.scoring import weights as w
from matching.scoring.profiles import OccupationRef, Side, SkillRef

EVIDENCE_CHARS = 200


def _calibrate(cosine: float, cal: w.Calibration) -> float:
    scaled = (cosine - cal.floor) / (cal.ceiling - cal.floor)
    return float(min(1.0, max(0.0, scaled)))


Semantic = tuple[float | None, StoredSection | None]


def semantic(
    vacancy: Side, candidate: Side, cal: w.Calibration = w.DEFAULT_CALIBRATION
) -> Semantic:
    """Weighted mean over vacancy section types of the best candidate-section cosine; also
    the candidate section that matched best overall, as evidence."""
    return semantic_pool(vacancy, [candidate], cal)[0]


def semantic_pool(
    vacancy: Side, candidates: Sequence[Side], cal: w.Calibration = w.DEFAULT_CALIBRATION
) -> list[Semantic]:
    """``semantic`` for every candidate of a pool, from one matrix product: the vacancy's
    sections against all the pool's sections at once. Per pair, stacking and multiplying
    small matrices cost more than the arithmetic (28 ms of a 200-profile pool's scoring)."""
    out: list[Semantic] = [(None, None)] * len(candidates)
    ours = vacancy.text_sections
    present = [i for i, candidate in enumerate(candidates) if candidate.text_sections]
    if not ours or not present:
        return out
    sizes = np.array([len(candidates[i].text_sections) for i in present])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    flat = np.concatenate([candidates[i].text_matrix for i in present])
    matrix = vacancy.text_matrix @ flat.T
    # Per section type: each vacancy section's best match within each candidate.
    best_per_type = [
        (weight, np.maximum.reduceat(matrix[rows], starts, axis=1))
        for name, weight in w.SECTION_WEIGHTS.items()
        if (rows := [i for i, s in enumerate(ours) if s.section == name])
    ]
    if best_per_type:
        totals = sum(weight * best.mean(axis=0, dtype=np.float64) for weight, best in best_per_type)
        means = totals / sum(weight for weight, _ in best_per_type)
    else:
        # A free-text query has one section type of its own.
        means = np.maximum.reduceat(matrix, starts, axis=1).mean(axis=0, dtype=np.float64)
    scaled = np.clip((means - cal.floor) / (cal.ceiling - cal.floor), 0.0, 1.0)
    column_best = matrix.max(axis=0)
    for j, i in enumerate(present):
        best_section = int(np.argmax(column_best[starts[j] : starts[j] + sizes[j]]))
        out[i] = (float(scaled[j]), candidates[i].text_sections[best_section])
    return out


def skill_similarity_pool(vacancy: Side, candidates: Sequence[Side]) -> list[np.ndarray]:
    """Label cosines of the vacancy's skills (rows) against each candidate's skills
    (columns), ``-inf`` where either label has no vector, from one matrix product for the
    pool. Per pair, one small dot product per skill pair cost more than the arithmetic."""
    sizes = [len(candidate.skills) for candidate in candidates]
    matrix = np.full((len(vacancy.skills), sum(sizes)), -np.inf, dtype=np.float32)
    rows, ours = vacancy.skill_vectors
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int)
    columns: list[int] = []
    theirs = []
    for offset, candidate in zip(offsets, candidates, strict=True):
        places, vectors = candidate.skill_vectors
        if places:
            columns += [int(offset) + place for place in places]
            theirs.append(vectors)
    if rows and columns:
        matrix[np.ix_(rows, columns)] = ours @ np.concatenate(theirs).T
    return np.split(matrix, np.cumsum(sizes)[:-1], axis=1)


def _exact(required: SkillRef, candidate: Side) -> SkillRef | None:
    """The candidate's first skill of the same text (any case) or sharing a concept."""
    by_text, by_uri = candidate.skill_places
    first = by_text.get(required.text.casefold())
    for uri in required.uris:
        place = by_uri.get(uri)
        if place is not None and (first is None or place < first):
            first = place
    return None if first is None else candidate.skills[first]


def _closest(
    similarities: np.ndarray, offered: list[SkillRef], cal: w.Calibration
) -> tuple[SkillRef, float] | None:
    """The offered skill most similar to a required one (its row of similarities; the
    first of equals), if similar enough to stand in for it."""
    if not offered:
        return None
    best = int(np.argmax(similarities))
    similarity = float(similarities[best])
    if similarity == -np.inf or similarity < cal.transfer:
        return None
    return offered[best], similarity


Outcome = tuple[SkillRef, SkillRef | None, float | None]


def _skill_outcomes(
    vacancy: Side, candidate: Side, cal: w.Calibration, similarity: np.ndarray | None
) -> list[Outcome]:
    """Per required skill: the candidate's skill that covers it (``None``: missing) and,
    for a transferable one, its cosine (``None``: an exact match)."""
    if similarity is None:
        [similarity] = skill_similarity_pool(vacancy, [candidate])
    outcomes: list[Outcome] = []
    for index, required in enumerate(vacancy.skills):
        exact = _exact(required, candidate)
        if exact is not None:
            outcomes.append((required, exact, None))
            continue
        closest = _closest(similarity[index], candidate.skills, cal)
        if closest is not None:
            outcomes.append((required, closest[0], closest[1]))
        else:
            outcomes.append((required, None, None))
    return outcomes


def _skill_score(outcomes: list[Outcome]) -> float:
    earned = possible = 0.0
    for required, covered, cosine in outcomes:
        weight = 1.0 if required.required else w.NICE_TO_HAVE_WEIGHT
        possible += weight
        if covered is not None:
            earned += weight if cosine is None else weight * w.TRANSFER_CREDIT * cosine
    return earned / possible


def skills(
    vacancy: Side,
    candidate: Side,
    cal: w.Calibration = w.DEFAULT_CALIBRATION,
    similarity: np.ndarray | None = None,
) -> tuple[float | None, dict[str, Any]]:
    """Skill coverage; ``similarity`` is the pair's ``skill_similarity_pool`` matrix,
    computed here when not given."""
    detail: dict[str, Any] = {"matched": [], "missing": [], "transferable": []}
    if not vacancy.skills:
        return None, detail
    outcomes = _skill_outcomes(vacancy, candidate, cal, similarity)
    for required, covered, cosine in outcomes:
        if covered is None:
            detail["missing"].append({"skill": required.text, "required": required.required})
        elif cosine is None:
            detail["matched"].append(
                {
                    "skill": required.text,
                    "candidate_skill": covered.text,
                    "required": required.required,
                    "concepts": sorted(required.uris & covered.uris),
                    "field": covered.field,
                }
            )
        else:
            detail["transferable"].append(
                {
                    "skill": required.text,
                    "candidate_skill": covered.text,
                    "similarity": round(cosine, 3),
                    "required": required.required,
                    "field": covered.field,
                }
            )
    return _skill_score(outcomes), detail


def _isco_relation(a: str | None, b: str | None) -> tuple[float, str]:
    if not a or not b:
        return 0.0, "unrelated"
    if a[:4] == b[:4] and len(a) >= 4 and len(b) >= 4:
        return w.SAME_ISCO_UNIT, "same_isco_unit_group"
    if a[:3] == b[:3]:
        return w.SAME_ISCO_MINOR, "same_isco_minor_group"
    if a[:2] == b[:2]:
        return w.SAME_ISCO_SUBMAJOR, "same_isco_sub_major_group"
    return 0.0, "unrelated"


def _closest_occupation(vacancy: Side, candidate: Side, isco: dict[str, str]) -> tuple[float, str]:
    best, relation = 0.0, "unrelated"
    for ours in vacancy.occupations:
        for theirs in candidate.occupations:
            if ours.uri == theirs.uri:
                score, kind = w.SAME_OCCUPATION, "same_occupation"
            else:
                score, kind = _isco_relation(isco.get(ours.uri), isco.get(theirs.uri))
            if score > best:
                best, relation = score, kind
    return best, relation


def occupation(
    vacancy: Side, candidate: Side, isco: dict[str, str]
) -> tuple[float | None, dict[str, Any]]:
    detail: dict[str, Any] = {
        "vacancy": _occupation_list(vacancy.occupations),
        "candidate": _occupation_list(candidate.occupations),
        "relation": None,
    }
    if not vacancy.occupations:
        return None, detail
    best, detail["relation"] = _closest_occupation(vacancy, candidate, isco)
    return best, detail


def _occupation_list(refs: list[OccupationRef]) -> list[dict[str, str]]:
    seen: dict[str, dict[str, str]] = {}
    for ref in refs:
        seen.setdefault(ref.uri, {"uri": ref.uri, "label": ref.label, "field": ref.field})
    return list(seen.values())


def constraints(vacancy: Side, candidate: Side) -> tuple[float, dict[str, Any]]:
    factor = 1.0
    missing = sorted(vacancy.languages - candidate.languages)
    factor *= w.MISSING_LANGUAGE_FACTOR ** len(missing)
    location = "ok"
    if (
        not vacancy.remote
        and vacancy.country
        and candidate.country
        and vacancy.country != candidate.country
    ):
        location = "outside_country"
        factor *= w.OUTSIDE_LOCATION_FACTOR
    return factor, {"languages_missing": missing, "location": location}


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EVIDENCE_CHARS else text[: EVIDENCE_CHARS - 1] + "…"


def _combine(
    sem: float | None, skill_score: float | None, occ_score: float | None, factor: float
) -> tuple[float, dict[str, float]]:
    parts = [
        ("semantic", sem, w.SEMANTIC_WEIGHT),
        ("skills", skill_score, w.SKILLS_WEIGHT),
        ("occupation", occ_score, w.OCCUPATION_WEIGHT),
    ]
    applied = [(name, value, weight) for name, value, weight in parts if value is not None]
    weight_sum = sum(weight for _, _, weight in applied)
    base = sum(value * weight for _, value, weight in applied) / weight_sum if weight_sum else 0.0
    weights = {name: weight / weight_sum for name, _, weight in applied} if applied else {}
    return round(base * factor, 4), weights


def score_value(
    vacancy: Side,
    candidate: Side,
    isco: dict[str, str],
    cal: w.Calibration,
    sem: Semantic,
    similarity: np.ndarray | None = None,
) -> float:
    """The score alone, given the pair's ``semantic`` result (and its skill similarities,
    when the pool's were computed at once): what ranking a pool needs. ``score`` with the
    same inputs gives the same number and the explanation."""
    # The explanation's parts are left out: a pool of 200 is ranked to show 20.
    skill_score = (
        _skill_score(_skill_outcomes(vacancy, candidate, cal, similarity))
        if vacancy.skills
        else None
    )
    occ_score = _closest_occupation(vacancy, candidate, isco)[0] if vacancy.occupations else None
    factor, _ = constraints(vacancy, candidate)
    return _combine(sem[0], skill_score, occ_score, factor)[0]


def score(
    vacancy: Side,
    candidate: Side,
    isco: dict[str, str],
    cal: w.Calibration = w.DEFAULT_CALIBRATION,
    sem: Semantic | None = None,
    similarity: np.ndarray | None = None,
) -> tuple[float, dict[str, Any]]:
    semantic_score, best_section = semantic(vacancy, candidate, cal) if sem is None else sem
    skill_score, skill_detail = skills(vacancy, candidate, cal, similarity)
    occ_score, occ_detail = occupation(vacancy, candidate, isco)
    factor, constraint_detail = constraints(vacancy, candidate)
    total, weights = _combine(semantic_score, skill_score, occ_score, factor)
    evidence = []
    if best_section is not None:
        evidence.append({"field": best_section.section, "text": _snippet(best_section.text)})
    for item in skill_detail["matched"][:5]:
        evidence.append({"field": item["field"], "text": _snippet(_evidence_of(candidate, item))})
    for ref in candidate.occupations[:3]:
        evidence.append({"field": ref.field, "text": _snippet(ref.evidence)})
    explanation = {
        "components": {
            "semantic": _round(semantic_score),
            "skills": _round(skill_score),
            "occupation": _round(occ_score),
            "constraints": round(factor, 4),
        },
        "weights": weights,
        "skills": skill_detail,
        "occupations": occ_detail,
        "constraints": constraint_detail,
        "evidence": _dedupe(evidence),
    }
    return total, explanation


def _evidence_of(candidate: Side, item: dict[str, Any]) -> str:
    for skill in candidate.skills:
        if skill.field == item["field"] and skill.text == item["candidate_skill"]:
            return skill.evidence
    return str(item["candidate_skill"])


def _dedupe(evidence: list[dict[str, str]]) -> list[dict[str, str]]:
    seen: set[tuple[str, str]] = set()
    out = []
    for item in evidence:
        key = (item["field"], item["text"])
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
