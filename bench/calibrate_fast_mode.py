"""Derive the fast mode's score calibration from the default model's, on generated profiles.

A calibration (``matching/scoring/weights.py``) says where a model's cosines for unrelated
and for near-identical texts lie, and from which label cosine one skill may stand in for
another. The fast mode is distilled from the default model, so it should rank a vacancy's
candidates as the default model does and give the same share of them each score. This
script scores generated vacancies against generated candidates with both models and maps
the default model's thresholds to the fast mode's:

- floor: over (vacancy, candidate) pairs, the semantic component's raw value (for each
  vacancy section type, the best candidate section's cosine; weighted mean), the fast
  mode's value at the quantile where the default model has its floor;
- ceiling: so that a vacancy against a candidate written from the vacancy itself (its
  "mirror": near-identical texts, which generated candidates never come close to) gets the
  same calibrated score in both models, at the median of those pairs. A quantile would
  rest on the few top pairs: the default model's ceiling lies above 99.9 % of them;
- transfer: over (required skill, candidate) pairs, the cosine of the candidate's closest
  skill label that is not the same text, mapped by quantile.

It prints the thresholds, how many pairs fall on each side of them in both models, and the
rank correlation of the two models' semantic values.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.calibrate_fast_mode \
        [--vacancies 80] [--candidates 300]
"""

from __future__ import annotations

import argparse
import uuid
from types import SimpleNamespace
from typing import Any

import numpy as np

from bench.profiles import VacancyPayload, profiles, vacancies
from matching.embeddings.e5_small import E5_SMALL_NAME
from matching.embeddings.encoder import Encoder, load_encoder
from matching.embeddings.sections import Section, candidate_sections, vacancy_sections
from matching.embeddings.static_e5 import STATIC_E5_NAME
from matching.embeddings.store import StoredSection
from matching.scoring import weights as w
from matching.scoring.profiles import Side
from matching.scoring.scorer import semantic_pool


def _mirror(vacancy: VacancyPayload, index: int) -> dict[str, Any]:
    """A candidate written from the vacancy itself: near-identical texts, the pairs that
    place the ceiling (generated candidates almost never come that close)."""
    title, description = vacancy["title"], vacancy["description"]
    return {
        "name": f"Mirror {index}",
        "headline": title,
        "summary": description,
        "experience": [{"title": title, "organisation": "", "description": description}],
        "skills": [*vacancy["required_skills"], *vacancy["nice_to_have_skills"]],
        "education": [],
    }


def _side(sections: list[Section], vectors: np.ndarray) -> Side:
    stored = [
        StoredSection(uuid.UUID(int=0), s.name, s.position, s.text, v)
        for s, v in zip(sections, vectors, strict=True)
    ]
    return Side(id=uuid.UUID(int=0), kind="bench", sections=stored, skills=[], occupations=[])


def _semantic(encoder: Encoder, vacancy_rows: list[Any], candidate_rows: list[Any]) -> np.ndarray:
    """Raw semantic values, vacancies x candidates, through the scorer's own
    ``semantic_pool``: an identity calibration (cosine -1 -> 0, 1 -> 1), undone after."""
    theirs = []
    for candidate in candidate_rows:
        sections = candidate_sections(candidate)
        theirs.append(_side(sections, encoder.encode([s.text for s in sections])))
    identity = w.Calibration(floor=-1.0, ceiling=1.0, transfer=1.0)
    out = np.empty((len(vacancy_rows), len(candidate_rows)))
    for row, vacancy in enumerate(vacancy_rows):
        sections = vacancy_sections(vacancy)
        ours = _side(sections, encoder.encode([s.text for s in sections], role="query"))
        scaled = [value for value, _ in semantic_pool(ours, theirs, identity)]
        out[row] = 2 * np.asarray(scaled, dtype=np.float64) - 1
    return out


def _closest_skill(
    encoder: Encoder, vacancy_rows: list[Any], candidate_rows: list[Any]
) -> np.ndarray:
    """For every (required skill, candidate): the cosine of the candidate's closest other
    skill label."""
    labels = sorted(
        {s for v in vacancy_rows for s in v.required_skills}
        | {s for c in candidate_rows for s in c.skills}
    )
    place = {label: i for i, label in enumerate(labels)}
    vectors = encoder.encode(labels, role="passage")
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -np.inf)  # the same text is an exact match, not a transfer
    values = []
    for vacancy in vacancy_rows:
        for required in vacancy.required_skills:
            for candidate in candidate_rows:
                columns = [place[s] for s in candidate.skills]
                if columns:
                    values.append(similarity[place[required], columns].max())
    found: np.ndarray = np.asarray(values)
    kept: np.ndarray = found[np.isfinite(found)]
    return kept


def _mapped(reference: np.ndarray, fast: np.ndarray, threshold: float) -> tuple[float, float]:
    """The fast mode's value at the quantile where the reference has ``threshold``, and that
    quantile."""
    share = float((reference < threshold).mean())
    return float(np.quantile(fast, share)), share


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vacancies", type=int, default=80)
    parser.add_argument("--candidates", type=int, default=300)
    args = parser.parse_args()
    generated = list(vacancies(args.vacancies))
    vacancy_rows = [SimpleNamespace(**v) for v in generated]
    candidate_rows = [SimpleNamespace(**c) for c in profiles(args.candidates)]
    candidate_rows += [SimpleNamespace(**_mirror(v, i)) for i, v in enumerate(generated)]
    reference = w.calibration(E5_SMALL_NAME)
    default, fast = load_encoder(E5_SMALL_NAME), load_encoder(STATIC_E5_NAME)
    semantic = [_semantic(e, vacancy_rows, candidate_rows) for e in (default, fast)]
    skills = [_closest_skill(e, vacancy_rows, candidate_rows) for e in (default, fast)]
    floor, floor_share = _mapped(semantic[0].ravel(), semantic[1].ravel(), reference.floor)
    mirrors = [np.median(np.diag(s[:, args.candidates :])) for s in semantic]
    mirror_score = (mirrors[0] - reference.floor) / (reference.ceiling - reference.floor)
    ceiling = floor + (mirrors[1] - floor) / mirror_score
    transfer, transfer_share = _mapped(skills[0], skills[1], reference.transfer)
    ranks = [np.argsort(np.argsort(s, axis=1), axis=1) for s in semantic]
    spearman = np.mean(
        [np.corrcoef(ranks[0][i], ranks[1][i])[0, 1] for i in range(len(vacancy_rows))]
    )
    agree = np.mean((skills[0] >= reference.transfer) == (skills[1] >= transfer))
    print(
        f"{len(vacancy_rows)} vacancies x {len(candidate_rows)} candidates "
        f"({len(vacancy_rows)} written from the vacancies)"
    )
    print(
        f"a vacancy against its mirror, median: default {mirrors[0]:.3f} "
        f"(calibrated {mirror_score:.3f}), fast mode {mirrors[1]:.3f}"
    )
    print(f"floor: {reference.floor:.2f} -> {floor:.3f} ({floor_share:.1%} of pairs below)")
    print(f"ceiling: {reference.ceiling:.2f} -> {ceiling:.3f}")
    print(
        f"transfer: {reference.transfer:.2f} -> {transfer:.3f} ({transfer_share:.1%} below, "
        f"{len(skills[0])} skill pairs, same decision in {agree:.1%})"
    )
    print(f"semantic rank correlation per vacancy (Spearman, mean): {spearman:.3f}")


if __name__ == "__main__":
    main()
