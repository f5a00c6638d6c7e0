"""Waypoints: the taxonomy's occupation names, placed in the candidate graphs whose sections
begin with a job title (summary, experience), so that a search for a job title finds its way.

A vacancy's title is a few words; a profile's summary or experience line starts with a
title and goes on for sentences. In a graph built from those long sections alone, the walk
for a title often ended far from the sections that start with it: with the graphs of
store.HNSW_M, recall@20 of the benchmark's title queries measured 0.693 at 100,000 profiles.
Short texts of the same kind as the query, placed among the sections, give the walk a way
in: with the preferred ESCO occupation names in Dutch and English as waypoints, 0.910, and
for real job titles that are not ESCO names 0.56-0.70 rose to 0.71-0.83
(docs/benchmarks.md, 2026-12-05, before midnight).

Waypoints are rows of ``section_embeddings`` without an organisation. Every search and scan
asks for one organisation's rows, so no search returns them; they are only walked through.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import numpy as np
from sqlalchemy import Engine, bindparam, select, text
from sqlalchemy.orm import Session

from matching.embeddings.encoder import Encoder
from matching.embeddings.sections import Section
from matching.embeddings.store import OwnerSections, insert_sections
from models import TaxonomyConcept, TaxonomyLabel
from models.db import make_session_factory, transaction

# The candidate sections that begin with a job title.
WAYPOINT_SECTIONS = ("summary", "experience")
# Two processes starting at once must not both add the missing waypoints.
_LOCK = 0x7A79_0001


def occupation_names(session: Session) -> dict[str, uuid.UUID]:
    """The preferred name of every occupation in every language, and its concept."""
    rows = session.execute(
        select(TaxonomyLabel.text, TaxonomyLabel.concept_id)
        .join(TaxonomyConcept, TaxonomyConcept.id == TaxonomyLabel.concept_id)
        .where(TaxonomyConcept.kind == "occupation", TaxonomyLabel.label_type == "preferred")
        .order_by(TaxonomyLabel.id)
    ).all()
    names: dict[str, uuid.UUID] = {}
    for name, concept_id in rows:
        names.setdefault(name, concept_id)
    return names


def ensure_waypoints(engine: Engine, encoder: Encoder) -> int:
    """Add the waypoints of ``encoder``'s model for names it lacks (or has in other sections
    than WAYPOINT_SECTIONS) and remove those of names no longer in the taxonomy; returns how
    many names were added."""
    with transaction(make_session_factory(engine)) as session:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
        names = occupation_names(session)
        # A name is complete with one row in each waypoint section, and only there.
        rows = session.execute(
            text(
                "SELECT text, array_agg(section ORDER BY section) FROM section_embeddings "
                "WHERE organisation_id IS NULL AND model = :model GROUP BY text"
            ),
            {"model": encoder.name},
        ).all()
        complete = {row[0] for row in rows if list(row[1]) == sorted(WAYPOINT_SECTIONS)}
        stale = sorted({row[0] for row in rows} - (complete & names.keys()))
        if stale:
            session.execute(
                text(
                    "DELETE FROM section_embeddings WHERE organisation_id IS NULL "
                    "AND model = :model AND text IN :stale"
                ).bindparams(bindparam("stale", expanding=True)),
                {"model": encoder.name, "stale": stale},
            )
        missing = [name for name in names if name not in complete]
        if missing:
            vectors = encoder.encode(missing, role="passage")
            insert_sections(session, encoder.name, _owners(missing, names, vectors))
    return len(missing)


def _owners(
    missing: Sequence[str], names: dict[str, uuid.UUID], vectors: np.ndarray
) -> list[OwnerSections]:
    return [
        OwnerSections(
            organisation_id=None,
            owner_kind="candidate",
            owner_id=names[name],
            sections=[Section(kind, 0, name, "waypoint") for kind in WAYPOINT_SECTIONS],
            vectors=np.stack([vector] * len(WAYPOINT_SECTIONS)),
        )
        for name, vector in zip(missing, vectors, strict=True)
    ]
