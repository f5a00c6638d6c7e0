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
from typing import NamedTuple

import numpy as np
from sqlalchemy import Connection, Engine, bindparam, select, text
from sqlalchemy.orm import Session

from matching.embeddings.encoder import Encoder
from matching.embeddings.sections import WAYPOINT_SECTIONS, Section
from matching.embeddings.store import OwnerSections, insert_sections
from matching.taxonomy.repository import store_label_vectors
from models import TaxonomyConcept, TaxonomyLabel
from models.db import make_session_factory, transaction

# Two processes starting at once must not both add the missing waypoints.
_LOCK = 0x7A79_0001
# Waypoints are placed once the graphs hold this many title sections, and placed again once
# this many more follow them than precede them (outgrown). In a small graph any walk
# reaches its answers; names placed into an empty one would precede every section stored
# later, the arrangement that measured worst.
WAYPOINT_REFRESH_ROWS = 10_000
# A profile's section that begins with a job title (params :model and :sections).
_TITLE_SECTION = (
    "organisation_id IS NOT NULL AND owner_kind = 'candidate' "
    "AND model = :model AND section = ANY(:sections)"
)


class OccupationName(NamedTuple):
    concept_id: uuid.UUID
    label_id: int
    vector: Sequence[float] | None  # as stored for the normaliser, of the model asked for


def occupation_names(session: Session, model: str | None = None) -> dict[str, OccupationName]:
    """The preferred name of every occupation in every language, its concept, and its vector
    of ``model`` where the normaliser (taxonomy/normalize.py) has stored one."""
    rows = session.execute(
        select(
            TaxonomyLabel.text,
            TaxonomyLabel.concept_id,
            TaxonomyLabel.id,
            TaxonomyLabel.embedding,
            TaxonomyLabel.embedding_model,
        )
        .join(TaxonomyConcept, TaxonomyConcept.id == TaxonomyLabel.concept_id)
        .where(TaxonomyConcept.kind == "occupation", TaxonomyLabel.label_type == "preferred")
        .order_by(TaxonomyLabel.id)
    ).all()
    names: dict[str, OccupationName] = {}
    for name, concept_id, label_id, vector, vector_model in rows:
        stored = vector if model is not None and vector_model == model else None
        names.setdefault(name, OccupationName(concept_id, label_id, stored))
    return names


def ensure_waypoints(
    engine: Engine,
    encoder: Encoder,
    refresh_rows: int = WAYPOINT_REFRESH_ROWS,
    place_from: int = WAYPOINT_REFRESH_ROWS,
) -> int:
    """Add the waypoints of ``encoder``'s model for names it lacks (or has in other sections
    than WAYPOINT_SECTIONS) and remove those of names no longer in the taxonomy; returns how
    many names were added. Waypoints the graphs have outgrown (``outgrown``) are removed
    and added again first. A model without waypoints gets them once its graphs hold
    ``place_from`` title sections; until then nothing is added and nothing encoded (on an
    empty database the names took 78 s of a first start with the default model)."""
    with engine.connect() as lock:
        lock = lock.execution_options(isolation_level="AUTOCOMMIT")
        lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _LOCK})
        try:
            if _first_waypoint(lock, encoder.name) is None:
                if not _has_title_sections(lock, encoder.name, place_from):
                    return 0
            elif outgrown(lock, encoder.name, refresh_rows):
                _remove(lock, encoder.name)
            return _complete(engine, encoder)
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _LOCK})


def outgrown(connection: Connection, model: str, refresh_rows: int) -> bool:
    """Whether more title sections were added after the waypoints than before them, and at
    least ``refresh_rows``. Waypoints placed before the sections they should lead to link
    mostly to each other: title queries found 0.64 of their exact top 20 in a graph built
    that way, 0.92 with the same names added after (docs/benchmarks.md, 2026-12-05, night).
    Renewing them at each doubling keeps them among the newer half of the graph, and the
    renewals' cost within twice that of the last."""
    first = _first_waypoint(connection, model)
    if first is None:
        return False
    # The sections after the waypoints first, a range of the primary key and few rows on most
    # starts; the whole table only when they might outnumber it.
    after = _title_sections(connection, model, first, after=True)
    if after < refresh_rows:
        return False
    return after > _title_sections(connection, model, first, after=False)


def title_sections_around(connection: Connection, model: str) -> tuple[int, int] | None:
    """How many title sections were stored before the model's first waypoint, and how many
    after it; None without waypoints."""
    first = _first_waypoint(connection, model)
    if first is None:
        return None
    return (
        _title_sections(connection, model, first, after=False),
        _title_sections(connection, model, first, after=True),
    )


def _first_waypoint(connection: Connection, model: str) -> int | None:
    # ``id + 0``: with ``min(id)`` the planner walks the primary key from its start for the
    # first row without an organisation, past every section when the waypoints are last
    # (1.2 M rows, 0.4-2 s at 100,000 profiles); this reads the waypoints alone.
    first = connection.execute(
        text(
            "SELECT min(id + 0) FROM section_embeddings WHERE organisation_id IS NULL "
            "AND model = :model"
        ),
        {"model": model},
    ).scalar()
    return None if first is None else int(first)


def _title_sections(connection: Connection, model: str, first: int, *, after: bool) -> int:
    side = ">" if after else "<"
    return int(
        connection.execute(
            text(
                f"SELECT count(*) FROM section_embeddings WHERE id {side} :first "  # noqa: S608
                f"AND {_TITLE_SECTION}"
            ),
            {"first": first, "model": model, "sections": list(WAYPOINT_SECTIONS)},
        ).scalar_one()
    )


def _has_title_sections(connection: Connection, model: str, at_least: int) -> bool:
    # Counts no further than needed: on a large table without waypoints (a graph just
    # built) a full count would read every title section for a yes it had at the first 10,000.
    found = connection.execute(
        text(
            f"SELECT count(*) FROM (SELECT 1 FROM section_embeddings "  # noqa: S608
            f"WHERE {_TITLE_SECTION} LIMIT :at_least) AS title"
        ),
        {"model": model, "sections": list(WAYPOINT_SECTIONS), "at_least": at_least},
    ).scalar_one()
    return int(found) >= at_least


def _remove(connection: Connection, model: str) -> None:
    """Delete the model's waypoints and vacuum them out of the graphs: left in as dead
    elements, the new waypoints would link to their old twins (0.73 instead of 0.92)."""
    connection.execute(
        text("DELETE FROM section_embeddings WHERE organisation_id IS NULL AND model = :model"),
        {"model": model},
    )
    connection.execute(text("VACUUM (INDEX_CLEANUP ON) section_embeddings"))


def _complete(engine: Engine, encoder: Encoder) -> int:
    with transaction(make_session_factory(engine)) as session:
        names = occupation_names(session, encoder.name)
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
            vectors = _vectors(session, encoder, [(name, names[name]) for name in missing])
            insert_sections(session, encoder.name, _owners(missing, names, vectors))
    return len(missing)


def _vectors(
    session: Session, encoder: Encoder, wanted: Sequence[tuple[str, OccupationName]]
) -> np.ndarray:
    """The names' vectors: those the normaliser stored, the rest encoded as it encodes them
    (passage role) and stored for it, so that each name is encoded once."""
    vectors = np.zeros((len(wanted), encoder.dimension), dtype=np.float32)
    todo = []
    for i, (_, name) in enumerate(wanted):
        if name.vector is None:
            todo.append(i)
        else:
            vectors[i] = np.asarray(name.vector, dtype=np.float32)
    if todo:
        encoded = encoder.encode([wanted[i][0] for i in todo], role="passage")
        vectors[todo] = encoded
        store_label_vectors(
            session,
            encoder.name,
            [(wanted[i][1].label_id, encoded[j].tolist()) for j, i in enumerate(todo)],
        )
    return vectors


def _owners(
    missing: Sequence[str], names: dict[str, OccupationName], vectors: np.ndarray
) -> list[OwnerSections]:
    return [
        OwnerSections(
            organisation_id=None,
            owner_kind="candidate",
            owner_id=names[name].concept_id,
            sections=[Section(kind, 0, name, "waypoint") for kind in WAYPOINT_SECTIONS],
            vectors=np.stack([vector] * len(WAYPOINT_SECTIONS)),
        )
        for name, vector in zip(missing, vectors, strict=True)
    ]
