"""The graphs' waypoints: every occupation name in the title sections' graphs, kept in step
with the taxonomy, and never returned by a search or a scan."""

from __future__ import annotations

import json
import uuid

import numpy as np
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from matching.embeddings.encoder import load_encoder
from matching.embeddings.sections import WAYPOINT_SECTIONS, Section
from matching.embeddings.store import (
    OwnerSections,
    ensure_vector_index,
    index_name,
    insert_sections,
    nearest_owners,
    nearest_owners_many,
    nearest_owners_within,
)
from matching.embeddings.waypoints import (
    OccupationName,
    ensure_waypoints,
    occupation_names,
    outgrown,
    title_sections_around,
)
from models.db import make_session_factory, transaction
from tests.conftest import DEFAULT_MODEL
from tests.matching.owners import add_summaries

DIMENSION = 384


@pytest.fixture(scope="module", autouse=True)
def placed(engine: Engine) -> None:
    """The waypoints, placed as they are once the graphs hold enough title sections; they
    stay for the tests that run after this module, as they would in the service."""
    ensure_waypoints(engine, load_encoder(DEFAULT_MODEL), place_from=0)


def _waypoints(session: Session) -> list[tuple[str, str]]:
    rows = session.execute(
        text(
            "SELECT text, section FROM section_embeddings "
            "WHERE organisation_id IS NULL AND model = :model"
        ),
        {"model": DEFAULT_MODEL},
    ).all()
    return [(row[0], row[1]) for row in rows]


def test_every_occupation_name_is_a_waypoint_once_per_title_section(engine: Engine) -> None:
    assert ensure_waypoints(engine, load_encoder(DEFAULT_MODEL)) == 0  # the module's did it
    with make_session_factory(engine)() as session:
        names = occupation_names(session)
        waypoints = _waypoints(session)
    assert names
    assert sorted(waypoints) == sorted((n, s) for n in names for s in WAYPOINT_SECTIONS)


def test_each_name_is_encoded_once_for_waypoints_and_normaliser(engine: Engine) -> None:
    """The names' vectors are stored with the taxonomy's labels, where the normaliser reads
    them, and a waypoint holds the same vector."""
    with make_session_factory(engine)() as session:
        names = occupation_names(session, DEFAULT_MODEL)
        assert all(name.vector is not None for name in names.values())
        text_, stored = next((t, n.vector) for t, n in names.items())
        waypoint = session.execute(
            text(
                "SELECT embedding::text FROM section_embeddings WHERE organisation_id IS NULL "
                "AND model = :model AND text = :text LIMIT 1"
            ),
            {"model": DEFAULT_MODEL, "text": text_},
        ).scalar_one()
    assert np.allclose(np.asarray(json.loads(waypoint)), np.asarray(stored), atol=1e-6)


def test_a_name_gone_from_the_taxonomy_loses_its_waypoints(engine: Engine) -> None:
    encoder = load_encoder(DEFAULT_MODEL)
    gone = "Stoker of steam locomotives"
    with transaction(make_session_factory(engine)) as session:
        vector = encoder.encode([gone])
        insert_sections(
            session,
            DEFAULT_MODEL,
            [
                OwnerSections(
                    None,
                    "candidate",
                    uuid.uuid4(),
                    [Section("summary", 0, gone, "waypoint")],
                    vector,
                )
            ],
        )
    assert ensure_waypoints(engine, encoder) == 0
    with make_session_factory(engine)() as session:
        assert gone not in {name for name, _ in _waypoints(session)}


def test_no_search_or_scan_returns_a_waypoint(db: Session) -> None:
    """A query that is exactly an occupation name lies on its waypoints; the searches still
    return only the organisation's own candidates."""
    name = next(iter(occupation_names(db)))
    query = load_encoder(DEFAULT_MODEL).encode([name])[0]
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((3, query.shape[0])).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    organisation_id, owners = add_summaries(db, "Waypoints", vectors)
    ours = {owner.owner_id for owner in owners}
    searched = (db, organisation_id, "candidate", DEFAULT_MODEL)
    [indexed] = nearest_owners_many(*searched, [query], limit=10, concurrent=False)
    exact = nearest_owners(*searched, query, limit=10, exact=True)
    within = "{" + ",".join(str(owner) for owner in ours) + "}"
    [scanned] = nearest_owners_within(*searched, [query], within, limit=10, concurrent=False)
    for found in (indexed, exact, scanned):
        assert {owner for owner, _ in found} == ours


def test_a_name_missing_from_a_title_section_is_made_whole(engine: Engine) -> None:
    with transaction(make_session_factory(engine)) as session:
        name = next(iter(occupation_names(session)))
        session.execute(
            text(
                "DELETE FROM section_embeddings WHERE organisation_id IS NULL "
                "AND model = :model AND text = :name AND section = :section"
            ),
            {"model": DEFAULT_MODEL, "name": name, "section": WAYPOINT_SECTIONS[-1]},
        )
    assert ensure_waypoints(engine, load_encoder(DEFAULT_MODEL)) == 1
    with make_session_factory(engine)() as session:
        rows = [section for text_, section in _waypoints(session) if text_ == name]
    assert sorted(rows) == sorted(WAYPOINT_SECTIONS)


def _first_waypoint_and_last_section(engine: Engine) -> tuple[int, int]:
    with engine.connect() as connection:
        first, last = connection.execute(
            text(
                "SELECT min(id) FILTER (WHERE organisation_id IS NULL), "
                "max(id) FILTER (WHERE organisation_id IS NOT NULL) "
                "FROM section_embeddings WHERE model = :model AND owner_kind = 'candidate'"
            ),
            {"model": DEFAULT_MODEL},
        ).one()
    return int(first), int(last)


def test_a_graph_built_over_stored_sections_gets_its_waypoints_after_them(
    engine: Engine,
) -> None:
    """Built among the sections, the names link mostly to each other; added after the build,
    to the sections that begin with them."""
    with transaction(make_session_factory(engine)) as session:
        add_summaries(session, "Graph rebuilt", np.eye(3, DIMENSION, dtype=np.float32))
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(
            text(f"DROP INDEX {index_name(DEFAULT_MODEL, 'candidate', WAYPOINT_SECTIONS[0])}")
        )
    ensure_vector_index(engine, DEFAULT_MODEL, DIMENSION)
    with make_session_factory(engine)() as session:
        assert _waypoints(session) == []
    encoder = load_encoder(DEFAULT_MODEL)
    assert ensure_waypoints(engine, encoder, place_from=0) == len(occupation_names_of(engine))
    first, last = _first_waypoint_and_last_section(engine)
    assert first > last


def _title_sections(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT count(*) FROM section_embeddings WHERE organisation_id IS NOT NULL "
                    "AND owner_kind = 'candidate' AND model = :model AND section = ANY(:sections)"
                ),
                {"model": DEFAULT_MODEL, "sections": list(WAYPOINT_SECTIONS)},
            ).scalar_one()
        )


def test_waypoints_wait_for_the_threshold_and_a_build_keeps_them_when_last(
    engine: Engine,
) -> None:
    """Graphs without waypoints get them once they hold the threshold's title sections; before
    that nothing is encoded or added, so a first start on an empty database skips them.
    Placed after every title section in the table (a bulk load, then the names), they stay
    when a graph is built: the build reads the table in order and adds them last."""
    with transaction(make_session_factory(engine)) as session:
        add_summaries(session, "Threshold", np.eye(2, DIMENSION, dtype=np.float32))
        session.execute(
            text("DELETE FROM section_embeddings WHERE organisation_id IS NULL AND model = :m"),
            {"m": DEFAULT_MODEL},
        )
    with engine.connect() as connection:
        # No free space left before the end of the table: new rows go after every section.
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("VACUUM FULL section_embeddings")
        )
    encoder = load_encoder(DEFAULT_MODEL)
    titles = _title_sections(engine)
    assert ensure_waypoints(engine, encoder, place_from=titles + 1) == 0
    with make_session_factory(engine)() as session:
        assert _waypoints(session) == []
    assert ensure_waypoints(engine, encoder, place_from=titles) == len(occupation_names_of(engine))
    first, last = _first_waypoint_and_last_section(engine)
    assert first > last

    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(
            text(f"DROP INDEX {index_name(DEFAULT_MODEL, 'candidate', WAYPOINT_SECTIONS[0])}")
        )
    ensure_vector_index(engine, DEFAULT_MODEL, DIMENSION)
    assert _first_waypoint_and_last_section(engine) == (first, last)
    assert ensure_waypoints(engine, encoder) == 0


def _title_sections_around_waypoints(engine: Engine) -> tuple[int, int]:
    with engine.connect() as connection:
        around = title_sections_around(connection, DEFAULT_MODEL)
    assert around is not None
    return around


def test_waypoints_the_graphs_outgrew_are_placed_again_after_the_sections(
    engine: Engine,
) -> None:
    """Once more title sections follow the waypoints than precede them (and at least the
    threshold), the waypoints are placed again, after them."""
    encoder = load_encoder(DEFAULT_MODEL)
    before, after = _title_sections_around_waypoints(engine)
    vectors = np.random.default_rng(5).standard_normal((max(1, before - after + 1), DIMENSION))
    with transaction(make_session_factory(engine)) as session:
        add_summaries(session, "Graph grown", vectors.astype(np.float32))
    before, after = _title_sections_around_waypoints(engine)
    assert after > before
    with engine.connect() as connection:
        assert outgrown(connection, DEFAULT_MODEL, refresh_rows=after)
        assert not outgrown(connection, DEFAULT_MODEL, refresh_rows=after + 1)
    assert ensure_waypoints(engine, encoder, refresh_rows=after + 1) == 0
    assert ensure_waypoints(engine, encoder, refresh_rows=after) == len(occupation_names_of(engine))
    first, last = _first_waypoint_and_last_section(engine)
    assert first > last
    assert _title_sections_around_waypoints(engine) == (before + after, 0)


def occupation_names_of(engine: Engine) -> dict[str, OccupationName]:
    with make_session_factory(engine)() as session:
        return occupation_names(session)
