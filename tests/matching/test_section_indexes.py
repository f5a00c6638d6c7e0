"""One HNSW index per section kind: every section an owner can have is searched through one
of them, built with the set graph settings, the planner uses each for its kind, and the former
indexes go away."""

from __future__ import annotations

import hashlib
import uuid

import numpy as np
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from matching.embeddings import shares
from matching.embeddings.sections import Section, candidate_sections, vacancy_sections
from matching.embeddings.store import (
    HNSW_EF_CONSTRUCTION,
    HNSW_M,
    INDEXED_SECTIONS,
    WAYPOINT_SCAN_TUPLES,
    OwnerSections,
    ef_search_for,
    ensure_vector_index,
    index_name,
    index_names,
    index_predicate,
    nearest_owners_many,
    replace_sections,
    scan_tuples_for,
)
from models import Candidate, Organisation, Vacancy
from tests.conftest import DEFAULT_MODEL
from tests.matching.owners import add_summaries

DIMENSION = 384


def test_every_section_an_owner_can_have_has_an_index() -> None:
    candidate = Candidate(
        name="Ada",
        headline="Archivist",
        summary="I keep records.",
        experience=[{"title": "Archivist", "organisation": "City archive", "description": "x"}],
        education=[{"degree": "MA", "field": "History", "institution": "Leiden"}],
        skills=["records management"],
    )
    vacancy = Vacancy(
        title="Archivist",
        description="Keep our records.",
        required_skills=["records management"],
        nice_to_have_skills=[],
    )
    assert {s.name for s in candidate_sections(candidate)} == set(INDEXED_SECTIONS["candidate"])
    assert {s.name for s in vacancy_sections(vacancy)} == set(INDEXED_SECTIONS["vacancy"])


def test_one_index_per_section_kind_built_as_set_and_the_former_ones_dropped(
    engine: Engine,
) -> None:
    model_digest = hashlib.sha1(DEFAULT_MODEL.encode(), usedforsecurity=False).hexdigest()[:10]
    # A whole-kind index, and a per-kind one with pgvector's default build settings.
    former = {
        f"ix_section_embeddings_ann_candidate_{model_digest}": "section <> 'skill'",
        f"ix_section_embeddings_ann_candidate_summary_{model_digest}": "section = 'summary'",
    }
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        for name, sections in former.items():
            connection.execute(
                text(
                    f"CREATE INDEX IF NOT EXISTS {name} ON section_embeddings "
                    "USING hnsw ((embedding::vector(384)) vector_cosine_ops) "
                    f"WHERE model = '{DEFAULT_MODEL}' AND owner_kind = 'candidate' AND {sections}"
                )
            )
    ensure_vector_index(engine, DEFAULT_MODEL, DIMENSION)
    with engine.connect() as connection:
        options: dict[str, list[str] | None] = dict(
            connection.execute(
                text(
                    "SELECT c.relname, c.reloptions FROM pg_class c JOIN pg_index i "
                    "ON i.indexrelid = c.oid WHERE i.indrelid = 'section_embeddings'::regclass"
                )
            ).all()
        )
    for kind in ("candidate", "vacancy"):
        names = index_names(DEFAULT_MODEL, kind)
        assert set(names) <= set(options)
        assert len(names) == len(INDEXED_SECTIONS[kind])
        for name in names:
            assert options[name] == [f"m={HNSW_M}", f"ef_construction={HNSW_EF_CONSTRUCTION}"]
    assert not set(former) & set(options)


def test_each_search_uses_its_kinds_index(db: Session) -> None:
    # The test database is small enough for a scan and a sort to look cheaper; the HNSW
    # index is the only way to the rows in distance order without one.
    db.execute(text("SET LOCAL enable_seqscan = off"))
    db.execute(text("SET LOCAL enable_sort = off"))
    for section in INDEXED_SECTIONS["candidate"]:
        plan = "\n".join(
            db.execute(
                text(
                    "EXPLAIN SELECT owner_id FROM section_embeddings "  # noqa: S608
                    f"WHERE {index_predicate(DEFAULT_MODEL, 'candidate', section)} "
                    "ORDER BY embedding::vector(384) <=> CAST(:q AS vector(384)) LIMIT 10"
                ),
                {"q": str([1.0] + [0.0] * (DIMENSION - 1))},
            ).scalars()
        )
        assert index_name(DEFAULT_MODEL, "candidate", section) in plan


def test_a_search_returns_each_owners_best_section_of_any_kind(db: Session) -> None:
    """The nearest owner's best section may be of any kind; a query near an education
    section and one near a skills list each find their owner."""
    rng = np.random.default_rng(5)
    organisation = Organisation(name="Section indexes")
    db.add(organisation)
    db.flush()
    organisation_id = organisation.id
    vectors = rng.standard_normal((40, DIMENSION)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    kinds = INDEXED_SECTIONS["candidate"]
    owners = [
        OwnerSections(
            organisation_id,
            "candidate",
            uuid.uuid4(),
            [Section(kind, 0, f"{kind} {i}", kind) for kind in kinds],
            vectors[i * len(kinds) : (i + 1) * len(kinds)],
        )
        for i in range(10)
    ]
    replace_sections(db, DEFAULT_MODEL, owners)
    db.flush()
    queries = [
        owners[3].vectors[kinds.index("education")],
        owners[7].vectors[kinds.index("skills")],
    ]
    found = nearest_owners_many(
        db, organisation_id, "candidate", DEFAULT_MODEL, queries, limit=5, concurrent=False
    )
    assert found[0][0][0] == owners[3].owner_id
    assert found[1][0][0] == owners[7].owner_id
    assert found[0][0][1] > 0.99


def test_larger_tables_search_further() -> None:
    assert [ef_search_for(rows) for rows in (0, 50_000, 100_000, 400_000, 10**6, 10**7)] == [
        100,
        100,
        100,
        400,
        400,
        400,
    ]


def test_a_search_walks_as_far_as_its_organisations_share_needs() -> None:
    # An organisation that holds every row: its rows twice over and the waypoints' allowance.
    assert scan_tuples_for(100, 1.0) == 200 + WAYPOINT_SCAN_TUPLES
    assert scan_tuples_for(100, 0.1) == 2_000 + WAYPOINT_SCAN_TUPLES
    # A small or unlisted organisation walks as far as pgvector lets any search.
    assert scan_tuples_for(100, 0.001) == 20_000
    assert scan_tuples_for(100, None) == 20_000


def test_an_organisations_share_comes_from_the_statistics(db: Session) -> None:
    organisation_id, _ = add_summaries(db, "Shares", np.eye(40, DIMENSION, dtype=np.float32))
    # ANALYZE counts the rows this transaction wrote; the test's transaction is rolled back.
    db.execute(text("ANALYZE section_embeddings"))
    shares._cache = None
    total = db.execute(text("SELECT count(*) FROM section_embeddings")).scalar_one()
    share = shares.organisation_share(db, organisation_id)
    assert share is not None
    assert abs(share - 40 / total) < 0.05
    assert shares.organisation_share(db, uuid.uuid4()) is None
    shares._cache = None
