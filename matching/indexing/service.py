"""Index a vacancy or candidate for matching: section embeddings, concept mentions and the
lexical search document, all derived from identity-free text (see matching/fairness.py).

Single writes call these at once, inside the request's transaction; bulk work runs the same
functions from Celery (matching/indexing/tasks.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, delete, func, insert, literal_column, update
from sqlalchemy.orm import Session

from matching.embeddings import store
from matching.embeddings.reuse import encode_distinct
from matching.embeddings.sections import (
    Section,
    candidate_sections,
    search_text,
    vacancy_sections,
)
from matching.extraction.extractor import Mention
from matching.fairness import neutralise
from matching.indexing.resources import MatchingResources, matching_resources
from models import Candidate, ConceptMention, Vacancy

_EXTRACT_LOCK = threading.Lock()
TS_CONFIGS = {"nl": "dutch", "en": "english"}


def ts_config(language: str | None) -> str:
    return TS_CONFIGS.get(language or "", "simple")


def search_vector(language: str | None, text: str) -> object:
    """Language-aware stems plus unstemmed words, so a Dutch query still meets English text
    on shared terms (tool names, acronyms)."""
    config: ColumnElement[object] = literal_column(f"'{ts_config(language)}'::regconfig")
    simple: ColumnElement[object] = literal_column("'simple'::regconfig")
    return func.to_tsvector(config, text).op("||")(func.to_tsvector(simple, text))


def _candidate_fields(candidate: Candidate) -> list[tuple[str, str]]:
    names = [candidate.name]
    fields = [("headline", candidate.headline or ""), ("summary", candidate.summary)]
    for index, item in enumerate(candidate.experience):
        fields.append((f"experience[{index}].title", item.get("title") or ""))
        fields.append((f"experience[{index}].description", item.get("description") or ""))
    fields += [(f"skills[{i}]", skill) for i, skill in enumerate(candidate.skills)]
    for index, item in enumerate(candidate.education):
        text = " ".join(str(item.get(k)) for k in ("degree", "field") if item.get(k))
        fields.append((f"education[{index}]", text))
    return [(name, neutralise(text, names)) for name, text in fields if text]


def _vacancy_fields(vacancy: Vacancy) -> list[tuple[str, str]]:
    fields = [("title", vacancy.title), ("description", vacancy.description)]
    fields += [(f"required_skills[{i}]", s) for i, s in enumerate(vacancy.required_skills)]
    fields += [(f"nice_to_have_skills[{i}]", s) for i, s in enumerate(vacancy.nice_to_have_skills)]
    return [(name, neutralise(text)) for name, text in fields if text]


def _extract(
    resources: MatchingResources, fields: Iterable[tuple[str, str]]
) -> list[tuple[str, Mention]]:
    """Mentions per field. Every use of the extractor goes through here."""
    found: list[tuple[str, Mention]] = []
    # spaCy pipelines are not guaranteed thread-safe, and requests run in a thread pool.
    with _EXTRACT_LOCK:
        for name, text in fields:
            found += [(name, mention) for mention in resources.extractor.extract(text)]
    return found


def extract_text(resources: MatchingResources, text: str) -> list[Mention]:
    return [mention for _, mention in _extract(resources, [("text", text)])]


def _store_mentions(session: Session, plans: Sequence[_Plan]) -> None:
    """Replace the mentions of every planned record: one delete and one insert for all."""
    session.execute(
        delete(ConceptMention).where(ConceptMention.owner_id.in_([p.record.id for p in plans]))
    )
    rows = [
        {
            "organisation_id": plan.record.organisation_id,
            "owner_kind": plan.kind,
            "owner_id": plan.record.id,
            "uri": m.uri,
            "kind": m.kind,
            "label": m.label,
            "field": field,
            "text": m.text,
            "evidence": m.evidence,
            "start": m.start,
            "end": m.end,
        }
        for plan in plans
        for field, m in plan.mentions
    ]
    if rows:
        session.execute(insert(ConceptMention), rows)


def _skill_sections(skills: Iterable[str]) -> list[Section]:
    """One tiny section per skill, so transferable skills can be compared one to one."""
    seen: dict[str, Section] = {}
    for skill in skills:
        key = skill.casefold().strip()
        if key and key not in seen:
            seen[key] = Section("skill", len(seen), skill.strip(), "skills")
    return list(seen.values())


@dataclass(frozen=True)
class _Plan:
    record: Candidate | Vacancy
    kind: str
    mentions: list[tuple[str, Mention]]
    sections: list[Section]  # embedded: the text sections plus one per skill
    searchable: list[Section]  # the lexical search document


def _plan_candidate(resources: MatchingResources, candidate: Candidate) -> _Plan:
    mentions = _extract(resources, _candidate_fields(candidate))
    sections = candidate_sections(candidate)
    skill_names = [neutralise(s, [candidate.name]) for s in candidate.skills]
    skill_names += [m.label for _, m in mentions if m.kind == "skill"]
    return _Plan(
        candidate, "candidate", mentions, sections + _skill_sections(skill_names), sections
    )


def _plan_vacancy(resources: MatchingResources, vacancy: Vacancy) -> _Plan:
    mentions = _extract(resources, _vacancy_fields(vacancy))
    sections = vacancy_sections(vacancy)
    skills = [*vacancy.required_skills, *vacancy.nice_to_have_skills]
    all_sections = sections + _skill_sections(neutralise(s) for s in skills)
    return _Plan(vacancy, "vacancy", mentions, all_sections, sections)


def index_many(session: Session, records: Sequence[Candidate | Vacancy], model: str) -> None:
    """Index several records with one encoder call: batching is what makes bulk ingest fast,
    since the encoder, not the database, bounds it."""
    # A job queued before an erasure must not index the tombstone it left.
    records = [r for r in records if not (isinstance(r, Candidate) and r.erased_at is not None)]
    if not records:
        return
    resources = matching_resources(session, model)
    plans = [
        _plan_candidate(resources, r) if isinstance(r, Candidate) else _plan_vacancy(resources, r)
        for r in records
    ]
    texts = [section.text for plan in plans for section in plan.sections]
    vectors = encode_distinct(resources.encoder, texts, role="passage")
    now = datetime.now(UTC)
    # One delete and one insert each for all the records' mentions and sections: per
    # record, the round trips were a third of the path's time outside the encoder.
    _store_mentions(session, plans)
    owned: list[store.OwnerSections] = []
    offset = 0
    for plan in plans:
        own = vectors[offset : offset + len(plan.sections)]
        offset += len(plan.sections)
        owned.append(
            store.OwnerSections(
                plan.record.organisation_id, plan.kind, plan.record.id, plan.sections, own
            )
        )
    store.replace_sections(session, resources.encoder.name, owned)
    for plan in plans:
        record = plan.record
        # Derived data is not a change of the record: updated_at (what `updated_since`
        # syncs and change events report) stays as it was.
        table = type(record)
        session.execute(
            update(table)
            .where(table.id == record.id)
            .values(
                search_document=search_vector(record.language, search_text(plan.searchable)),
                indexed_at=now,
                indexed_model=resources.encoder.name,
                updated_at=table.updated_at,
            )
        )
        session.expire(record, ["search_document", "indexed_at", "indexed_model"])
    session.flush()


def index_candidate(session: Session, candidate: Candidate, model: str) -> None:
    index_many(session, [candidate], model)


def index_vacancy(session: Session, vacancy: Vacancy, model: str) -> None:
    index_many(session, [vacancy], model)
