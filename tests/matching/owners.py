"""Candidates with given section vectors, written straight to the section store."""

from __future__ import annotations

import uuid

import numpy as np
from sqlalchemy.orm import Session

from matching.embeddings.sections import Section
from matching.embeddings.store import OwnerSections, replace_sections
from models import Organisation
from tests.conftest import DEFAULT_MODEL


def add_summaries(
    db: Session, organisation_name: str, vectors: np.ndarray
) -> tuple[uuid.UUID, list[OwnerSections]]:
    """A new organisation with one candidate per row of ``vectors``, that row its summary."""
    organisation = Organisation(name=organisation_name)
    db.add(organisation)
    db.flush()
    owners = [
        OwnerSections(
            organisation.id,
            "candidate",
            uuid.uuid4(),
            [Section("summary", 0, f"summary {i}", "summary")],
            vectors[i : i + 1],
        )
        for i in range(len(vectors))
    ]
    replace_sections(db, DEFAULT_MODEL, owners)
    db.flush()
    return organisation.id, owners
