"""The two sides of a match as plain data, loaded in bulk for a pool of candidates or
vacancies (a handful of queries per pool, never one per row)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy.orm import Session

from matching.embeddings.encoder import Vectors
from matching.embeddings.store import StoredSection, sections_of
from models import Candidate, Vacancy
from models.db import owner_rows


@dataclass(frozen=True)
class SkillRef:
    text: str
    uris: frozenset[str]
    field: str
    evidence: str
    required: bool = True
    vector: Vectors | None = None


@dataclass(frozen=True)
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


def load_candidates(session: Session, candidates: Sequence[Candidate], model: str) -> list[Side]:
    ids = [c.id for c in candidates]
    sections = sections_of(session, ids, model)
    mentions = _mentions(session, ids)
    sides = []
    for candidate in candidates:
        own = mentions.get(candidate.id, [])
        stored = sections.get(candidate.id, [])
        vectors = _skill_vectors(stored)
        skills = _declared(candidate.skills, "skills", _skill_uris(own), required=True)
        declared = {s.text.casefold() for s in skills}
        for m in own:
            if (
                m.kind == "skill"
                and not m.field.startswith("skills[")
                and m.label.casefold() not in declared
            ):
                declared.add(m.label.casefold())
                skills.append(SkillRef(m.label, frozenset([m.uri]), m.field, m.evidence))
        languages = set(candidate.languages)
        if candidate.language:
            languages.add(candidate.language)
        sides.append(
            Side(
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
        )
    return sides


def load_vacancies(session: Session, vacancies: Sequence[Vacancy], model: str) -> list[Side]:
    ids = [v.id for v in vacancies]
    sections = sections_of(session, ids, model)
    mentions = _mentions(session, ids)
    sides = []
    for vacancy in vacancies:
        own = mentions.get(vacancy.id, [])
        stored = sections.get(vacancy.id, [])
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
        occupations = _occupations(own, ("title",))
        sides.append(
            Side(
                id=vacancy.id,
                kind="vacancy",
                sections=stored,
                skills=[_with_vector(s, vectors) for s in skills],
                occupations=occupations,
                languages=set(vacancy.required_languages),
                country=vacancy.location_country,
                city=vacancy.location_city,
                remote=vacancy.remote,
            )
        )
    return sides


def query_side(sections: list[StoredSection], skills: list[SkillRef]) -> Side:
    """A free-text search as the vacancy side of a match."""
    return Side(id=uuid.UUID(int=0), kind="query", sections=sections, skills=skills, occupations=[])
