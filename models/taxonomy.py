"""Named taxonomies of occupations and skills with labels in several languages.

Taxonomies are reference data shared by every organisation (ESCO is the default), so these
tables carry no organisation id.
"""

from __future__ import annotations

import uuid
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin, TimestampMixin


class Taxonomy(IdMixin, TimestampMixin, Base):
    __tablename__ = "taxonomies"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    attribution: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    # Bumped by every import that changes labels, so in-process indexes know to rebuild.
    revision: Mapped[int] = mapped_column(Integer, default=1)


class TaxonomyConcept(IdMixin, Base):
    __tablename__ = "taxonomy_concepts"
    __table_args__ = (
        UniqueConstraint("taxonomy_id", "uri"),
        Index(None, "taxonomy_id", "kind"),
        CheckConstraint("kind IN ('occupation', 'skill')", name="kind"),
    )

    taxonomy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("taxonomies.id", ondelete="CASCADE"))
    uri: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20))
    # ISCO-08 unit group code ("2622"); occupations in one group are close relatives.
    isco_group: Mapped[str | None] = mapped_column(String(10))
    broader: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    description: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class TaxonomyLabel(Base):
    __tablename__ = "taxonomy_labels"
    __table_args__ = (
        UniqueConstraint("concept_id", "lang", "text"),
        CheckConstraint("label_type IN ('preferred', 'alt', 'hidden')", name="label_type"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    concept_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("taxonomy_concepts.id", ondelete="CASCADE"), index=True
    )
    lang: Mapped[str] = mapped_column(String(2))
    label_type: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    # Cached label embedding for normalisation; the model name says which model made it.
    embedding: Mapped[list[float] | None] = mapped_column(Vector())
    embedding_model: Mapped[str | None] = mapped_column(String(200))
