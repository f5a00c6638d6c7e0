"""What the matching engine derives from vacancies and candidates: section embeddings and the
taxonomy concepts found in their text."""

from __future__ import annotations

import uuid
from datetime import datetime

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import ARRAY, DOUBLE_PRECISION, REAL, TSVECTOR
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class IndexedMixin:
    """Search state kept on the vacancy or candidate row itself."""

    # Lexical search document: every field that may influence a match, never name, email
    # or phone (those must not move a score).
    search_document: Mapped[str | None] = mapped_column(TSVECTOR)
    indexed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    indexed_model: Mapped[str | None] = mapped_column(String(200))


class SectionEmbedding(Base):
    """One embedded section (summary, one experience, the skills, ...) of a vacancy or
    candidate. Embedding sections separately keeps long profiles from being truncated into
    one blurred vector."""

    __tablename__ = "section_embeddings"
    __table_args__ = (
        Index(None, "owner_id", "model"),
        # A filter's exact scan reads only its owners' text sections (single skills are not
        # searched); through the index above it read and dropped 1.5 skill rows for each.
        Index(
            "ix_section_embeddings_owner_id_model_text",
            "owner_id",
            "model",
            postgresql_where=sql_text("section <> 'skill'"),
        ),
        Index(None, "organisation_id", "owner_kind", "model"),
        CheckConstraint("owner_kind IN ('candidate', 'vacancy', 'employee')", name="owner_kind"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # None only for the graphs' waypoints, which no search returns (embeddings/waypoints.py).
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    owner_kind: Mapped[str] = mapped_column(String(10))
    owner_id: Mapped[uuid.UUID] = mapped_column()
    section: Mapped[str] = mapped_column(String(30))
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    model: Mapped[str] = mapped_column(String(200))
    # Untyped so that a model with another dimension needs no migration; each model gets its
    # own partial HNSW index over a cast to its dimension (see matching/embeddings/store.py).
    embedding: Mapped[list[float]] = mapped_column(Vector())


class ConceptMention(Base):
    """A taxonomy concept recognised in a vacancy or candidate, with the evidence for it."""

    __tablename__ = "concept_mentions"
    __table_args__ = (
        Index(None, "owner_id"),
        Index(None, "organisation_id", "uri"),
        CheckConstraint("owner_kind IN ('candidate', 'vacancy')", name="owner_kind"),
        CheckConstraint("kind IN ('occupation', 'skill')", name="kind"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    owner_kind: Mapped[str] = mapped_column(String(10))
    owner_id: Mapped[uuid.UUID] = mapped_column()
    uri: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(Text)
    # Where it was found ("summary", "experience[0]", "skills", "title", ...) and how.
    field: Mapped[str] = mapped_column(String(50))
    text: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float, default=1.0)


class MatchPool(Base):
    """A vacancy's candidates nearest by section vectors, as found when it was last ranked
    in the background (matching/retrieval/pools.py): a match request starts from them and
    searches only the sections written since, instead of a dozen graph searches."""

    __tablename__ = "match_pools"

    vacancy_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("vacancies.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(200), primary_key=True)
    # Every section with an id up to this one had been committed when the pool was found;
    # later ones are searched at request time.
    through_section: Mapped[int] = mapped_column(BigInteger)
    # A digest of the vacancy's query vectors: a pool of other queries is not used.
    queries: Mapped[bytes] = mapped_column(LargeBinary)
    owner_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(PG_UUID(as_uuid=True)))
    similarities: Mapped[list[float]] = mapped_column(ARRAY(REAL))
    # The lexical channel's ranking of those candidates (``ts_rank``, best first), where the
    # table was large enough for it to rank the dense channel's owners only.
    lexical_ids: Mapped[list[uuid.UUID] | None] = mapped_column(ARRAY(PG_UUID(as_uuid=True)))
    lexical_scores: Mapped[list[float] | None] = mapped_column(ARRAY(REAL))
    # The candidates' match scores, computed with the pool (matching/retrieval/ranking.py):
    # each with the stamp of the profile it was computed from, all with a digest of the
    # vacancy's stamp, the model, the weights, the scoring code and the taxonomy's revision.
    # Double precision: a request merges them with scores it computes itself.
    scored_ids: Mapped[list[uuid.UUID] | None] = mapped_column(ARRAY(PG_UUID(as_uuid=True)))
    scores: Mapped[list[float] | None] = mapped_column(ARRAY(DOUBLE_PRECISION))
    scored_stamps: Mapped[list[int] | None] = mapped_column(ARRAY(BigInteger))
    scored_with: Mapped[bytes | None] = mapped_column(LargeBinary)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
