"""Queries over what indexing derives from a vacancy or candidate."""

from __future__ import annotations

import uuid

from sqlalchemy import delete
from sqlalchemy.orm import Session

from models import ConceptMention, SectionEmbedding


def delete_derived(session: Session, owner_id: uuid.UUID) -> None:
    """Remove the embeddings and mentions of a deleted vacancy or candidate. They refer to
    either kind of owner, so no foreign key can cascade for them."""
    session.execute(delete(SectionEmbedding).where(SectionEmbedding.owner_id == owner_id))
    session.execute(delete(ConceptMention).where(ConceptMention.owner_id == owner_id))
