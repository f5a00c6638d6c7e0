"""The scorer's components on hand-made sides (no database): how each component reacts."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from matching.embeddings.store import StoredSection
from matching.scoring import weights
from matching.scoring.profiles import OccupationRef, Side, SkillRef
from matching.scoring.scorer import (
    Semantic,
    constraints,
    occupation,
    score,
    score_value,
    semantic,
    semantic_pool,
    skill_similarity_pool,
    skills,
)


def _unit(*values: float) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def _side(kind: str, **fields: object) -> Side:
    base: dict[str, object] = {
        "id": uuid.uuid4(),
        "kind": kind,
        "sections": [],
        "skills": [],
        "occupations": [],
    }
    base.update(fields)
    return Side(**base)  # type: ignore[arg-type]


def test_exact_and_transferable_and_missing_skills() -> None:
    vacancy = _side(
        "vacancy",
        skills=[
            SkillRef("Python", frozenset({"u:python"}), "required_skills[0]", "Python"),
            SkillRef("lesgeven", frozenset(), "required_skills[1]", "", vector=_unit(1, 0.1)),
            SkillRef("boekhouden", frozenset(), "required_skills[2]", "", vector=_unit(0, 1)),
        ],
    )
    candidate = _side(
        "candidate",
        skills=[
            SkillRef("Python 3", frozenset({"u:python"}), "skills[0]", "Python 3"),
            SkillRef("teaching", frozenset(), "skills[1]", "", vector=_unit(1, 0)),
        ],
    )
    value, detail = skills(vacancy, candidate)
    assert [m["skill"] for m in detail["matched"]] == ["Python"]
    assert detail["transferable"][0]["candidate_skill"] == "teaching"
    assert [m["skill"] for m in detail["missing"]] == ["boekhouden"]
    similarity = detail["transferable"][0]["similarity"]
    expected = (1 + weights.TRANSFER_CREDIT * similarity) / 3
    assert value is not None
    assert abs(value - expected) < 1e-3


def test_occupation_proximity_uses_isco_levels() -> None:
    vacancy = _side(
        "vacancy", occupations=[OccupationRef("u:archivist", "archivaris", "title", "")]
    )
    same = _side(
        "candidate", occupations=[OccupationRef("u:archivist", "archivist", "headline", "")]
    )
    related = _side("candidate", occupations=[OccupationRef("u:librarian", "librarian", "x", "")])
    far = _side("candidate", occupations=[OccupationRef("u:nurse", "nurse", "x", "")])
    isco = {"u:archivist": "2621", "u:librarian": "2622", "u:nurse": "2221"}
    assert occupation(vacancy, same, isco)[0] == weights.SAME_OCCUPATION
    assert occupation(vacancy, related, isco)[0] == weights.SAME_ISCO_MINOR
    assert occupation(vacancy, far, isco)[0] == 0.0
    assert occupation(_side("vacancy"), same, isco)[0] is None


def test_constraints_multiply() -> None:
    vacancy = _side("vacancy", languages={"nl", "de"}, country="NL")
    candidate = _side("candidate", languages={"en"}, country="BE")
    factor, detail = constraints(vacancy, candidate)
    assert detail == {"languages_missing": ["de", "nl"], "location": "outside_country"}
    assert factor == weights.MISSING_LANGUAGE_FACTOR**2 * weights.OUTSIDE_LOCATION_FACTOR
    remote = _side("vacancy", languages={"nl"}, country="NL", remote=True)
    assert constraints(remote, _side("candidate", languages={"nl"}, country="BE"))[0] == 1.0


def test_score_is_in_unit_range_and_explained() -> None:
    section = StoredSection(uuid.uuid4(), "title", 0, "developer", _unit(1, 0))
    vacancy = _side("vacancy", sections=[section])
    close = _side(
        "candidate", sections=[StoredSection(uuid.uuid4(), "summary", 0, "dev", _unit(1, 0.05))]
    )
    far = _side(
        "candidate", sections=[StoredSection(uuid.uuid4(), "summary", 0, "nurse", _unit(0, 1))]
    )
    high, explanation = score(vacancy, close, {})
    low, _ = score(vacancy, far, {})
    assert 0.0 <= low < high <= 1.0
    assert explanation["weights"] == {"semantic": 1.0}
    assert explanation["evidence"][0]["text"] == "dev"


def _sections(owner: uuid.UUID, rng: np.random.Generator, names: list[str]) -> list[StoredSection]:
    out = []
    for position, name in enumerate(names):
        vector = rng.normal(size=16).astype(np.float32)
        out.append(
            StoredSection(
                owner, name, position, f"{name} {position}", vector / np.linalg.norm(vector)
            )
        )
    return out


def test_a_pool_is_scored_as_each_pair_would_be() -> None:
    rng = np.random.default_rng(7)
    vacancy = _side("vacancy")
    vacancy.sections = _sections(vacancy.id, rng, ["title", "description", "description", "skill"])
    pool = []
    for names in (["headline", "summary", "experience", "skill"], [], ["skill"], ["summary"]):
        candidate = _side("candidate")
        candidate.sections = _sections(candidate.id, rng, names)
        pool.append(candidate)
    together = semantic_pool(vacancy, pool)
    _same_semantic(together, [semantic(vacancy, candidate) for candidate in pool])
    assert together[1] == (None, None)
    assert together[2] == (None, None)  # single skills are not text to compare
    for candidate, sem in zip(pool, together, strict=True):
        value = score_value(vacancy, candidate, {}, weights.DEFAULT_CALIBRATION, sem)
        assert value == score(vacancy, candidate, {}, sem=sem)[0]
    # A free-text query: one section type of its own, weighted alone.
    query = _side("query", sections=_sections(uuid.UUID(int=0), rng, ["query"]))
    _same_semantic(semantic_pool(query, pool), [semantic(query, c) for c in pool])


def _same_semantic(pool: list[Semantic], pairs: list[Semantic]) -> None:
    # One product for the pool or one per pair: the same sums, added in another order by
    # the matrix library, so equal up to float32 rounding.
    assert [value for value, _ in pool] == pytest.approx([value for value, _ in pairs], abs=1e-6)
    assert [section for _, section in pool] == [section for _, section in pairs]


def test_skill_similarities_of_a_pool_are_each_pairs_own() -> None:
    """One product for the pool's skill labels: each candidate's block holds its own
    cosines, ``-inf`` where a label has no vector, and scores match the pair alone."""
    rng = np.random.default_rng(11)

    def skill(name: str, vector: bool = True) -> SkillRef:
        return SkillRef(
            name, frozenset(), "skills[0]", name, vector=_vector(rng) if vector else None
        )

    vacancy = _side("vacancy", skills=[skill("a"), skill("b", vector=False), skill("c")])
    pool = [
        _side("candidate", skills=[skill("x"), skill("y", vector=False)]),
        _side("candidate", skills=[]),
        _side("candidate", skills=[skill("z"), skill("w"), skill("v")]),
    ]
    blocks = skill_similarity_pool(vacancy, pool)
    assert [block.shape for block in blocks] == [(3, 2), (3, 0), (3, 3)]
    for candidate, block in zip(pool, blocks, strict=True):
        for i, wanted in enumerate(vacancy.skills):
            for j, offered in enumerate(candidate.skills):
                if wanted.vector is None or offered.vector is None:
                    assert block[i, j] == -np.inf
                else:
                    assert block[i, j] == pytest.approx(float(wanted.vector @ offered.vector))
        cal = weights.Calibration(floor=0.0, ceiling=1.0, transfer=-1.0)  # any label stands in
        assert skills(vacancy, candidate, cal, block) == skills(vacancy, candidate, cal)
    transferable = skills(vacancy, pool[2], weights.Calibration(0.0, 1.0, -1.0))[1]
    assert len(transferable["transferable"]) == 2  # "b" has no vector: nothing stands in
    assert [m["skill"] for m in transferable["missing"]] == ["b"]


def _vector(rng: np.random.Generator) -> np.ndarray:
    vector = rng.normal(size=8).astype(np.float32)
    return vector / np.linalg.norm(vector)


def test_the_score_alone_equals_the_explained_score() -> None:
    """``score_value`` (ranking, no explanation) and ``score`` give the same number for
    exact matches by text and by concept, transferable and missing skills, nice-to-haves,
    and occupations related through ISCO."""
    rng = np.random.default_rng(3)

    def skill(name: str, uris: tuple[str, ...] = (), required: bool = True) -> SkillRef:
        return SkillRef(name, frozenset(uris), "skills[0]", name, required, _vector(rng))

    def job(uri: str) -> OccupationRef:
        return OccupationRef(uri, uri, "title", uri)

    isco = {"occ/a": "2622", "occ/b": "2621", "occ/c": "2330", "occ/d": "5321"}
    vacancy = _side(
        "vacancy",
        skills=[
            skill("Python"),
            skill("cataloguing", ("skill/cat",)),
            skill("SQL"),
            skill("Dutch", required=False),
        ],
        occupations=[job("occ/a")],
        languages={"nl"},
        country="NL",
    )
    pool = [
        _side(
            "candidate",
            skills=[skill("python"), skill("catalogiseren", ("skill/cat",)), skill("Excel")],
            occupations=[job("occ/b")],
            languages={"nl", "en"},
            country="NL",
        ),
        _side("candidate", skills=[skill("Excel")], occupations=[job("occ/c")], country="BE"),
        _side("candidate", skills=[], occupations=[job("occ/a"), job("occ/d")]),
        _side("candidate"),
    ]
    cal = weights.Calibration(floor=0.0, ceiling=1.0, transfer=-1.0)  # every label transfers
    blocks = skill_similarity_pool(vacancy, pool)
    for candidate, block in zip(pool, blocks, strict=True):
        sem = semantic(vacancy, candidate, cal)
        explained = score(vacancy, candidate, isco, cal, sem, block)[0]
        assert score_value(vacancy, candidate, isco, cal, sem, block) == explained
    first = score(vacancy, pool[0], isco, cal)[1]
    assert [m["candidate_skill"] for m in first["skills"]["matched"]] == [
        "python",
        "catalogiseren",
    ]
    assert first["occupations"]["relation"] == "same_isco_minor_group"
    assert score(_side("vacancy"), pool[0], isco, cal)[1]["occupations"]["relation"] is None
