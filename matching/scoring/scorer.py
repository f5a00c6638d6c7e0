"""Score one candidate against one vacancy (or free-text query) and explain the score.

Pure functions over plain data (matching/scoring/profiles.py); every constant comes from
matching/scoring/weights.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from matching.embeddings.store import StoredSection
from matching.scoring import weights as w
from matching.scoring.profiles import OccupationRef, Side, SkillRef

EVIDENCE_CHARS = 200


def _calibrate(cosine: float, cal: w.Calibration) -> float:
    scaled = (cosine - cal.floor) / (cal.ceiling - cal.floor)
    return float(min(1.0, max(0.0, scaled)))


def _text_sections(side: Side) -> list[StoredSection]:
    return [s for s in side.sections if s.section != "skill"]


def semantic(
    vacancy: Side, candidate: Side, cal: w.Calibration = w.DEFAULT_CALIBRATION
) -> tuple[float | None, StoredSection | None]:
    """Weighted mean over vacancy section types of the best candidate-section cosine; also
    the candidate section that matched best overall, as evidence."""
    theirs = _text_sections(candidate)
    ours = _text_sections(vacancy)
    if not theirs or not ours:
        return None, None
    matrix = np.stack([s.vector for s in ours]) @ np.stack([s.vector for s in theirs]).T
    total = weight_sum = 0.0
    for name, weight in w.SECTION_WEIGHTS.items():
        rows = [i for i, s in enumerate(ours) if s.section == name]
        if not rows:
            continue
        total += weight * float(np.mean(matrix[rows].max(axis=1)))
        weight_sum += weight
    if weight_sum == 0:
        # A free-text query has one section type of its own.
        total, weight_sum = float(matrix.max(axis=1).mean()), 1.0
    best = theirs[int(np.argmax(matrix.max(axis=0)))]
    return _calibrate(total / weight_sum, cal), best


def _exact(required: SkillRef, offered: list[SkillRef]) -> SkillRef | None:
    key = required.text.casefold()
    for skill in offered:
        if skill.text.casefold() == key or (required.uris and required.uris & skill.uris):
            return skill
    return None


def _closest(
    required: SkillRef, offered: list[SkillRef], cal: w.Calibration
) -> tuple[SkillRef, float] | None:
    if required.vector is None:
        return None
    best: tuple[SkillRef, float] | None = None
    for skill in offered:
        if skill.vector is None:
            continue
        similarity = float(required.vector @ skill.vector)
        if best is None or similarity > best[1]:
            best = (skill, similarity)
    if best is None or best[1] < cal.transfer:
        return None
    return best


def skills(
    vacancy: Side, candidate: Side, cal: w.Calibration = w.DEFAULT_CALIBRATION
) -> tuple[float | None, dict[str, Any]]:
    detail: dict[str, Any] = {"matched": [], "missing": [], "transferable": []}
    if not vacancy.skills:
        return None, detail
    earned = possible = 0.0
    for required in vacancy.skills:
        weight = 1.0 if required.required else w.NICE_TO_HAVE_WEIGHT
        possible += weight
        exact = _exact(required, candidate.skills)
        if exact is not None:
            earned += weight
            detail["matched"].append(
                {
                    "skill": required.text,
                    "candidate_skill": exact.text,
                    "required": required.required,
                    "concepts": sorted(required.uris & exact.uris),
                    "field": exact.field,
                }
            )
            continue
        closest = _closest(required, candidate.skills, cal)
        if closest is not None:
            stand_in, similarity = closest
            earned += weight * w.TRANSFER_CREDIT * similarity
            detail["transferable"].append(
                {
                    "skill": required.text,
                    "candidate_skill": stand_in.text,
                    "similarity": round(similarity, 3),
                    "required": required.required,
                    "field": stand_in.field,
                }
            )
            continue
        detail["missing"].append({"skill": required.text, "required": required.required})
    return earned / possible, detail


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
    best, relation = 0.0, "unrelated"
    for ours in vacancy.occupations:
        for theirs in candidate.occupations:
            if ours.uri == theirs.uri:
                score, kind = w.SAME_OCCUPATION, "same_occupation"
            else:
                score, kind = _isco_relation(isco.get(ours.uri), isco.get(theirs.uri))
            if score > best:
                best, relation = score, kind
    detail["relation"] = relation
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


def score(
    vacancy: Side,
    candidate: Side,
    isco: dict[str, str],
    cal: w.Calibration = w.DEFAULT_CALIBRATION,
) -> tuple[float, dict[str, Any]]:
    sem, best_section = semantic(vacancy, candidate, cal)
    skill_score, skill_detail = skills(vacancy, candidate, cal)
    occ_score, occ_detail = occupation(vacancy, candidate, isco)
    factor, constraint_detail = constraints(vacancy, candidate)
    parts = [
        ("semantic", sem, w.SEMANTIC_WEIGHT),
        ("skills", skill_score, w.SKILLS_WEIGHT),
        ("occupation", occ_score, w.OCCUPATION_WEIGHT),
    ]
    applied = [(name, value, weight) for name, value, weight in parts if value is not None]
    weight_sum = sum(weight for _, _, weight in applied)
    base = sum(value * weight for _, value, weight in applied) / weight_sum if weight_sum else 0.0
    total = round(base * factor, 4)
    evidence = []
    if best_section is not None:
        evidence.append({"field": best_section.section, "text": _snippet(best_section.text)})
    for item in skill_detail["matched"][:5]:
        evidence.append({"field": item["field"], "text": _snippet(_evidence_of(candidate, item))})
    for ref in candidate.occupations[:3]:
        evidence.append({"field": ref.field, "text": _snippet(ref.evidence)})
    explanation = {
        "components": {
            "semantic": _round(sem),
            "skills": _round(skill_score),
            "occupation": _round(occ_score),
            "constraints": round(factor, 4),
        },
        "weights": {name: weight / weight_sum for name, _, weight in applied} if applied else {},
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
