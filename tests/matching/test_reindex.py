"""A model change: records indexed with another model are stale until re-indexed, and
re-indexing replaces their vectors (with the new model's name) and keeps their mentions."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matching.indexing.bulk import index_records, stale_counts
from models import Candidate, ConceptMention, Organisation, SectionEmbedding
from runtime.settings import DEFAULT_EMBEDDING_MODEL
from tests.matching.pool_profiles import add_candidate

OTHER_MODEL = "all-MiniLM-L6-v2"


def _models(db: Session, owner: Candidate) -> set[str]:
    rows = db.scalars(select(SectionEmbedding.model).where(SectionEmbedding.owner_id == owner.id))
    return set(rows)


def indexed_librarian(db: Session, organisation_name: str) -> Candidate:
    """A librarian in an organisation of their own, indexed with the default model."""
    organisation = Organisation(name=organisation_name)
    db.add(organisation)
    db.flush()
    summary = "Collectiebeheer en catalogiseren in een openbare bibliotheek."
    return add_candidate(db, organisation, "Bibliothecaris", summary, ["catalogiseren"])


def test_reindex_after_model_change(db: Session) -> None:
    candidate = indexed_librarian(db, "Reindex test")
    assert candidate.indexed_model == DEFAULT_EMBEDDING_MODEL
    assert _models(db, candidate) == {DEFAULT_EMBEDDING_MODEL}
    mentions = db.scalar(
        select(func.count())
        .select_from(ConceptMention)
        .where(ConceptMention.owner_id == candidate.id)
    )
    assert mentions

    stale_before = stale_counts(db, OTHER_MODEL)["candidate"]
    assert stale_before >= 1
    assert index_records(db, "candidate", [candidate.id], OTHER_MODEL) == 1
    assert candidate.indexed_model == OTHER_MODEL
    assert _models(db, candidate) == {OTHER_MODEL}
    assert stale_counts(db, OTHER_MODEL)["candidate"] == stale_before - 1
    vectors = db.scalars(
        select(SectionEmbedding.embedding).where(SectionEmbedding.owner_id == candidate.id)
    ).all()
    assert all(len(vector) == 384 for vector in vectors)
    assert (
        db.scalar(
            select(func.count())
            .select_from(ConceptMention)
            .where(ConceptMention.owner_id == candidate.id)
        )
        == mentions
    )
