"""Generated profiles as the rows the indexing service would write, for the bulk load of
``bench/bench_matching.py``.

Deriving a profile's rows runs the service's own planner (``_plan_candidate``: spaCy concept
extraction, the sections, the lexical search document), so the bulk rows hold exactly the
sections, mentions and search text ``index_many`` would have written. A chunk comes out as
plain rows (``Rows``): tuples ready for the loader's ``executemany`` and ``COPY``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, cast

import psycopg
from psycopg.types.json import Jsonb

from bench.profiles import CandidatePayload, profile
from matching.candidates import service as candidate_service
from matching.candidates.schemas import CandidateCreate
from matching.embeddings.encoder import Vectors
from matching.embeddings.sections import Section, search_text
from matching.extraction.extractor import Extractor, Mention
from matching.extraction.pipeline import Lang
from matching.indexing import service as indexing
from matching.indexing.resources import MatchingResources
from matching.indexing.service import ts_config
from models import Candidate
from models.base import uuid7

CANDIDATE_COLUMNS = (
    "id organisation_id external_id name email phone headline summary language skills "
    "languages remote experience education profiles location_city location_country location_lat "
    "location_lon consent_given_at consent_purpose consent_retention_until indexed_at "
    "indexed_model"
).split()
INSERT_CANDIDATE = (
    f"INSERT INTO candidates ({', '.join(CANDIDATE_COLUMNS)}, search_document) VALUES "  # noqa: S608
    f"({', '.join(['%s'] * len(CANDIDATE_COLUMNS))}, "
    "to_tsvector(%s::regconfig, %s) || to_tsvector('simple'::regconfig, %s))"
)


@dataclass
class Derived:
    """What the indexing service derives from one profile, computed by its own planner."""

    candidate: Candidate
    mentions: list[tuple[str, Mention]]
    sections: list[Section]
    search: str


@dataclass
class Rows:
    """A chunk of profiles as rows for the loader."""

    candidates: list[tuple[Any, ...]] = field(default_factory=list)  # INSERT_CANDIDATE's
    # (owner, section, position, text): the section_embeddings COPY without the constant
    # columns and the vector, which the loader adds.
    sections: list[tuple[uuid.UUID, str, int, str]] = field(default_factory=list)
    # concept_mentions' COPY columns after organisation_id and owner_kind.
    mentions: list[tuple[Any, ...]] = field(default_factory=list)


def derive(resources: MatchingResources, candidate: Candidate) -> Derived:
    # The service's own planning step (private on purpose), so bulk rows hold exactly the
    # sections, mentions and search text index_many would have written.
    plan = indexing._plan_candidate(resources, candidate)
    return Derived(candidate, plan.mentions, plan.sections, search_text(plan.searchable))


def new_candidate(organisation_id: uuid.UUID, payload: CandidatePayload) -> Candidate:
    data = CandidateCreate.model_validate(payload)
    values = {key: getattr(data, key) for key in CandidateCreate.model_fields}
    columns = candidate_service._columns(values)
    return Candidate(id=uuid7(), organisation_id=organisation_id, **columns)


def candidate_row(derived: Derived, model: str, now: datetime) -> tuple[Any, ...]:
    c = derived.candidate
    values: dict[str, Any] = {name: getattr(c, name, None) for name in CANDIDATE_COLUMNS}
    values |= {
        "experience": Jsonb(c.experience),
        "education": Jsonb(c.education),
        "profiles": Jsonb(c.profiles or []),
        "remote": bool(c.remote),
        "indexed_at": now,
        "indexed_model": model,
    }
    config = ts_config(c.language)
    return (*(values[name] for name in CANDIDATE_COLUMNS), config, derived.search, derived.search)


class MemoExtractor:
    """The concept extractor with its answer kept per text (bulk loads only): generated
    profiles repeat their texts (titles, skills, stock sentences), so each distinct text is
    read once, as the encoder sees each distinct text once."""

    def __init__(self, extractor: Extractor) -> None:
        self._extractor = extractor
        self._seen: dict[tuple[str, Lang | None], list[Mention]] = {}

    def extract(self, text: str, lang: Lang | None = None) -> list[Mention]:
        found = self._seen.get((text, lang))
        if found is None:
            found = self._seen[(text, lang)] = list(self._extractor.extract(text, lang))
        return list(found)


def memoised(resources: MatchingResources) -> MatchingResources:
    # The planner only calls extract(), which MemoExtractor has.
    return replace(resources, extractor=cast(Extractor, MemoExtractor(resources.extractor)))


def derive_rows(
    resources: MatchingResources,
    organisation_id: uuid.UUID,
    model: str,
    seed: int,
    first: int,
    count: int,
) -> Rows:
    """Profiles ``first..first+count`` as the rows the indexing service would write."""
    rows = Rows()
    now = datetime.now(UTC)
    for index in range(first, first + count):
        derived = derive(resources, new_candidate(organisation_id, profile(index, seed)))
        owner = derived.candidate.id
        rows.candidates.append(candidate_row(derived, model, now))
        rows.sections += [(owner, s.name, s.position, s.text) for s in derived.sections]
        rows.mentions += [
            (owner, m.uri, m.kind, m.label, name, m.text, m.evidence, m.start, m.end, 1.0)
            for name, m in derived.mentions
        ]
    return rows


def copy_rows(
    conn: psycopg.Connection[Any],
    organisation_id: uuid.UUID,
    model: str,
    rows: Rows,
    vectors: Sequence[Vectors],
) -> float:
    """Write a chunk (``vectors`` in the order of ``rows.sections``) in one transaction;
    returns the seconds it took."""
    began = time.perf_counter()
    with conn.cursor() as cursor:
        cursor.executemany(INSERT_CANDIDATE, rows.candidates)
        with cursor.copy(
            "COPY section_embeddings (organisation_id, owner_kind, owner_id, section, "
            "position, text, model, embedding) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["uuid", "text", "uuid", "text", "int4", "text", "text", "vector"])
            for (owner, name, position, text_), vector in zip(rows.sections, vectors, strict=True):
                copy.write_row(
                    (organisation_id, "candidate", owner, name, position, text_, model, vector)
                )
        with cursor.copy(
            "COPY concept_mentions (organisation_id, owner_kind, owner_id, uri, kind, "
            'label, field, text, evidence, start, "end", confidence) FROM STDIN'
        ) as copy:
            for mention in rows.mentions:
                copy.write_row((organisation_id, "candidate", *mention))
    conn.commit()
    return time.perf_counter() - began
