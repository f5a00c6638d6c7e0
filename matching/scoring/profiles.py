"""The two sides of a match as plain data, loaded in bulk for a pool of candidates or
vacancies (a handful of queries per pool, never one per row)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple, TypeVar

import numpy as np
from sqlalchemy.orm import Session

from matching.embeddings.encoder import Vectors
from matching.embeddings.store import StoredSection, sections_of
from matching.scoring.side_cache import SideCache
from models import Candidate, Vacancy
from models.db import owner_rows


@dataclass(frozen=True, slots=True)
class SkillRef:
    text: str
    uris: frozenset[str]
    field: str
    evidence: str
    required: bool = True
    vector: Vectors | None = None


@dataclass(frozen=True, slots=True)
class OccupationRef:
    uri: str
    label: str
    field: str
    evidence: str


@dataclass
class Side:
    id: uuid.UUID
    kind: str
    sections: list[StoredSection]
    skills: list[SkillRef]
    occupations: list[OccupationRef]
    languages: set[str] = field(default_factory=set)
    country: str | None = None
    city: str | None = None
    remote: bool = False

    # Derived once per side: a cached side is scored against many vacancies, and these
    # were rebuilt for every pair.
    @cached_property
    def text_sections(self) -> list[StoredSection]:
        """The sections that describe (single skills aside)."""
        return [s for s in self.sections if s.section != "skill"]

    @cached_property
    def text_matrix(self) -> np.ndarray:
        """The text sections' vectors as the rows of one matrix."""
        if not self.text_sections:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([s.vector for s in self.text_sections])

    @cached_property
    def skill_vectors(self) -> tuple[list[int], np.ndarray]:
        """The places of the skills that have a label vector, and those vectors as rows."""
        places = [i for i, skill in enumerate(self.skills) if skill.vector is not None]
        if not places:
            return places, np.zeros((0, 0), dtype=np.float32)
        return places, np.stack([self.skills[i].vector for i in places])  # type: ignore[misc]

    @cached_property
    def skill_places(self) -> tuple[dict[str, int], dict[str, int]]:
        """Where each skill text (case-folded) and each skill concept first occurs."""
        by_text: dict[str, int] = {}
        by_uri: dict[str, int] = {}
        for index, skill in enumerate(self.skills):
            by_text.setdefault(skill.text.casefold(), index)
            for uri in skill.uris:
                by_uri.setdefault(uri, index)
        return by_text, by_uri


# Sides loaded for scoring, shared by the requests of this process (see side_cache). A
# cached side is shared: nothing may change it after it is built.
SIDES: SideCache[Side] = SideCache()


class Mention(NamedTuple):
    """The columns of a ConceptMention that scoring reads. Plain rows, not ORM objects: a
    pool of 200 profiles brings a few thousand mentions, and building ORM instances for
    them cost more than the query."""

    owner_id: uuid.UUID
    kind: str
    uri: str
    label: str
    field: str
    evidence: str


def _mentions(session: Session, owner_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Mention]]:
    # One row per owner with its mentions as arrays (see sections_of).
    rows = owner_rows(
        session,
        "SELECT pool.place, array_agg(m.kind ORDER BY m.id), array_agg(m.uri ORDER BY m.id),"
        " array_agg(m.label ORDER BY m.id), array_agg(m.field ORDER BY m.id),"
        " array_agg(m.evidence ORDER BY m.id)"
        " FROM unnest(%s::uuid[]) WITH ORDINALITY AS pool(id, place)"
        " JOIN concept_mentions m ON m.owner_id = pool.id"
        " GROUP BY pool.place ORDER BY pool.place",
        owner_ids,
    )
    return {
        owner_id: [Mention(owner_id, *columns) for columns in zip(*arrays, strict=True)]
        for owner_id, arrays in rows
    }


def _skill_vectors(sections: list[StoredSection]) -> dict[str, Vectors]:
    return {s.text.casefold(): s.vector for s in sections if s.section == "skill"}


def _with_vector(ref: SkillRef, vectors: dict[str, Vectors]) -> SkillRef:
    vector = vectors.get(ref.text.casefold())
    return SkillRef(ref.text, ref.uris, ref.field, ref.evidence, ref.required, vector)


def _skill_uris(mentions: list[Mention]) -> dict[str, set[str]]:
    """The skill concepts recognised in each field (``skills[0]``, ``summary``...)."""
    by_field: dict[str, set[str]] = {}
    for m in mentions:
        if m.kind == "skill":
            by_field.setdefault(m.field, set()).add(m.uri)
    return by_field


def _declared(
    names: Sequence[str], prefix: str, by_field: dict[str, set[str]], required: bool
) -> list[SkillRef]:
    refs = []
    for index, name in enumerate(names):
        where = f"{prefix}[{index}]"
        refs.append(SkillRef(name, frozenset(by_field.get(where, ())), where, name, required))
    return refs


def _occupations(mentions: list[Mention], fields: tuple[str, ...]) -> list[OccupationRef]:
    return [
        OccupationRef(m.uri, m.label, m.field, m.evidence)
        for m in mentions
        if m.kind == "occupation" and m.field.split(".")[0].split("[")[0] in fields
    ]


def _candidate_side(candidate: Candidate, stored: list[StoredSection], own: list[Mention]) -> Side:
    vectors = _skill_vectors(stored)
    skills = _declared(candidate.skills, "skills", _skill_uris(own), required=True)
    declared = {s.text.casefold() for s in skills}
    for m in own:
        label = m.label.casefold()
        if m.kind == "skill" and not m.field.startswith("skills[") and label not in declared:
            declared.add(label)
            skills.append(SkillRef(m.label, frozenset([m.uri]), m.field, m.evidence))
    languages = set(candidate.languages)
    if candidate.language:
        languages.add(candidate.language)
    return Side(
        id=candidate.id,
        kind="candidate",
        sections=stored,
        skills=[_with_vector(s, vectors) for s in skills],
        occupations=_occupations(own, ("headline", "summary", "experience")),
        languages=languages,
        country=candidate.location_country,
        city=candidate.location_city,
        remote=candidate.remote,
    )


def _vacancy_side(vacancy: Vacancy, stored: list[StoredSection], own: list[Mention]) -> Side:
    vectors = _skill_vectors(stored)
    by_field = _skill_uris(own)
    skills = _declared(vacancy.required_skills, "required_skills", by_field, required=True)
    skills += _declared(
        vacancy.nice_to_have_skills, "nice_to_have_skills", by_field, required=False
    )
    if not skills:
        # Without declared skills, the skills the description asks for stand in.
        seen: set[str] = set()
        for m in own:
            if m.kind == "skill" and m.uri not in seen:
                seen.add(m.uri)
                skills.append(SkillRef(m.label, frozenset([m.uri]), m.field, m.evidence))
    return Side(
        id=vacancy.id,
        kind="vacancy",
        sections=stored,
        skills=[_with_vector(s, vectors) for s in skills],
        occupations=_occupations(own, ("title",)),
        languages=set(vacancy.required_languages),
        country=vacancy.location_country,
        city=vacancy.location_city,
        remote=vacancy.remote,
    )


R = TypeVar("R", Candidate, Vacancy)


def _load(
    session: Session,
    records: Sequence[R],
    model: str,
    build: Callable[[R, list[StoredSection], list[Mention]], Side],
) -> list[Side]:
    keys = [(type(r).__tablename__, r.id, model) for r in records]
    # A row changed in this session but not yet written has the stamp of its old state.
    dirty = session.dirty
    usable = [r not in dirty for r in records]
    stamps = [(r.updated_at, r.indexed_at, r.indexed_model) for r in records]
    found = SIDES.get_many(
        (key, stamp) for key, stamp, ok in zip(keys, stamps, usable, strict=True) if ok
    )
    missing = [r for r, key in zip(records, keys, strict=True) if key not in found]
    if missing:
        ids = [r.id for r in missing]
        sections = sections_of(session, ids, model)
        mentions = _mentions(session, ids)
        built = {r.id: build(r, sections.get(r.id, []), mentions.get(r.id, [])) for r in missing}
        SIDES.put_many(
            (key, stamp, built[key[1]])
            for key, stamp, ok in zip(keys, stamps, usable, strict=True)
            if ok and key[1] in built
        )
        found.update((key, built[key[1]]) for key in keys if key[1] in built)
    return [found[key] for key in keys]


def load_candidates(session: Session, candidates: Sequence[Candidate], model: str) -> list[Side]:
    return _load(session, candidates, model, _candidate_side)


def load_vacancies(session: Session, vacancies: Sequence[Vacancy], model: str) -> list[Side]:
    return _load(session, vacancies, model, _vacancy_side)


def query_side(sections: list[StoredSection], skills: list[SkillRef]) -> Side:
    """A free-text search as the vacancy side of a match."""
    return Side(id=uuid.UUID(int=0), kind="query", sections=sections, skills=skills, occupations=[])
