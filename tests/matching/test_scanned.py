"""A filtered match's exact scan from kept section vectors ranks the owners as the scan in
the database does, reads each owner's vectors once, and reads them again once the owner
row says its sections changed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy.orm import Session

from matching.embeddings import scan
from matching.embeddings.sections import Section
from matching.embeddings.store import OwnerSections, nearest_owners_within, replace_sections
from matching.retrieval import repository, scanned
from matching.retrieval.schemas import MatchFilters
from models import Candidate, Organisation
from tests.conftest import DEFAULT_MODEL

DIMENSION = 384
DELFT = MatchFilters(city="Delft")


def _unit(rng: np.random.Generator, count: int) -> np.ndarray:
    vectors = rng.standard_normal((count, DIMENSION)).astype(np.float32)
    unit: np.ndarray = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return unit


def _sections(candidate: Candidate, vectors: np.ndarray) -> OwnerSections:
    sections = [
        Section("summary", 0, "Archivaris", "summary"),
        Section("experience", 0, "Archivaris, Nationaal Archief", "experience[0]"),
        Section("skill", 0, "catalogiseren", "skills[0]"),  # never scanned
    ]
    return OwnerSections(candidate.organisation_id, "candidate", candidate.id, sections, vectors)


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    size = scanned.VECTORS.size
    scanned.VECTORS.clear()
    scanned.BLOCKS.clear()
    yield
    scanned.resize(size)
    scanned.VECTORS.clear()
    scanned.BLOCKS.clear()


@pytest.fixture
def stacks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of owners each block was stacked from."""
    stacked: list[int] = []
    stack = scan.stack

    def counted(owners: list[tuple[uuid.UUID, np.ndarray]]) -> scan.Stacked:
        stacked.append(len(owners))
        return stack(owners)

    monkeypatch.setattr(scan, "stack", counted)
    return stacked


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of owners each read of vectors from the database asked for."""
    asked: list[int] = []
    read = scan.read_vectors

    def counted(*args: object, **kwargs: object) -> dict[str, scan.OwnerVectors]:
        asked.append(len(args[4]))  # type: ignore[arg-type]
        return read(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(scan, "read_vectors", counted)
    return asked


@pytest.fixture
def delft(db: Session) -> tuple[Organisation, list[Candidate]]:
    rng = np.random.default_rng(11)
    organisation = Organisation(name="Kept vectors")
    db.add(organisation)
    db.flush()
    candidates = [
        Candidate(
            organisation_id=organisation.id,
            headline="Archivaris",
            skills=["catalogiseren"],
            experience=[],
            education=[],
            languages=["nl"],
            location_city=city,
            location_country="NL",
            indexed_at=datetime.now(UTC),
            indexed_model=DEFAULT_MODEL,
        )
        for city in ["Delft"] * 40 + ["Leiden"] * 10
    ]
    db.add_all(candidates)
    db.flush()
    replace_sections(db, DEFAULT_MODEL, [_sections(c, _unit(rng, 3)) for c in candidates])
    db.flush()
    return organisation, candidates


def _in_database(
    db: Session,
    organisation: Organisation,
    queries: list[np.ndarray],
    limit: int,
    filters: MatchFilters = DELFT,
) -> list[list[tuple[uuid.UUID, float]]]:
    """The scan of the owners passing ``filters`` in the database, on one connection."""
    filtered = repository.filtered_ids(db, Candidate, organisation.id, filters, 1000)
    return nearest_owners_within(
        db,
        organisation.id,
        "candidate",
        DEFAULT_MODEL,
        queries,
        filtered.ids,
        limit=limit,
        concurrent=False,
    )


def _kept(
    db: Session,
    organisation: Organisation,
    queries: list[np.ndarray],
    limit: int,
    filters: MatchFilters = DELFT,
) -> list[list[tuple[uuid.UUID, float]]]:
    filtered = repository.filtered_ids(
        db, Candidate, organisation.id, filters, 1000, stamped_up_to=1000
    )
    return scanned.nearest_within(
        db, organisation.id, "candidate", DEFAULT_MODEL, queries, filtered, limit=limit
    )


def _same(
    ours: list[list[tuple[uuid.UUID, float]]], theirs: list[list[tuple[uuid.UUID, float]]]
) -> None:
    assert [[owner for owner, _ in hits] for hits in ours] == [
        [owner for owner, _ in hits] for hits in theirs
    ]
    for mine, other in zip(ours, theirs, strict=True):
        assert np.allclose([s for _, s in mine], [s for _, s in other], atol=1e-5)


def test_kept_vectors_rank_as_the_database_scan_and_are_read_once(
    db: Session, delft: tuple[Organisation, list[Candidate]], reads: list[int]
) -> None:
    organisation, candidates = delft
    queries = list(_unit(np.random.default_rng(3), 2))
    expected = _in_database(db, organisation, queries, 15)
    assert all(len(hits) == 15 for hits in expected)

    _same(_kept(db, organisation, queries, 15), expected)
    _same(_kept(db, organisation, queries, 15), expected)
    assert reads == [40]  # the Leiden owners never; the second scan read nothing
    delft_ids = {c.id for c in candidates if c.location_city == "Delft"}
    assert {owner for hits in expected for owner, _ in hits} <= delft_ids


def test_an_owner_reindexed_since_is_read_again(
    db: Session, delft: tuple[Organisation, list[Candidate]], reads: list[int]
) -> None:
    organisation, candidates = delft
    [query] = list(_unit(np.random.default_rng(4), 1))
    _kept(db, organisation, [query], 5)
    moved = candidates[7]
    # What the indexing service does: new sections, and the row's indexed_at.
    replace_sections(db, DEFAULT_MODEL, [_sections(moved, np.stack([query] * 3))])
    moved.indexed_at = datetime.now(UTC)
    db.flush()

    [hits] = _kept(db, organisation, [query], 5)
    assert hits[0][0] == moved.id
    assert hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert reads == [40, 1]


def test_a_filters_block_is_kept_while_it_passes_the_same_owners_unchanged(
    db: Session,
    delft: tuple[Organisation, list[Candidate]],
    reads: list[int],
    stacks: list[int],
) -> None:
    organisation, candidates = delft
    queries = list(_unit(np.random.default_rng(8), 3))
    for _ in range(3):
        _same(_kept(db, organisation, queries, 12), _in_database(db, organisation, queries, 12))
    assert stacks == [40]  # stacked once, scanned three times
    assert scanned.BLOCKS.weight == 40

    # A profile moving to Delft changes the list: a new block, only the newcomer read.
    newcomer = next(c for c in candidates if c.location_city == "Leiden")
    newcomer.location_city = "Delft"
    db.flush()
    _same(_kept(db, organisation, queries, 12), _in_database(db, organisation, queries, 12))
    # An edit to one of them changes its stamp: the list is the same, the block is not used.
    candidates[3].headline = "Archivaris en conservator"
    db.flush()
    _same(_kept(db, organisation, queries, 12), _in_database(db, organisation, queries, 12))
    assert stacks == [40, 41, 41]
    assert reads == [40, 1, 1]


def test_a_long_list_that_would_push_other_owners_out_is_scanned_in_the_database(
    db: Session,
    delft: tuple[Organisation, list[Candidate]],
    reads: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    organisation, _ = delft
    monkeypatch.setattr(scanned, "READ_WITHOUT_ROOM", 5)
    scanned.resize(45)
    queries = list(_unit(np.random.default_rng(9), 2))
    _same(_kept(db, organisation, queries, 8), _in_database(db, organisation, queries, 8))
    assert reads == [40]

    # Leiden's 10 owners to read, room for 5: read, they would push Delft's out.
    leiden = MatchFilters(city="Leiden")
    expected = _in_database(db, organisation, queries, 8, leiden)
    _same(_kept(db, organisation, queries, 8, leiden), expected)
    assert reads == [40]
    assert len(scanned.VECTORS) == 40
    # Delft's owners stayed: its block still serves.
    _same(_kept(db, organisation, queries, 8), _in_database(db, organisation, queries, 8))
    assert reads == [40]


def test_without_room_for_every_owner_the_database_scans(
    db: Session, delft: tuple[Organisation, list[Candidate]], reads: list[int]
) -> None:
    organisation, _ = delft
    queries = list(_unit(np.random.default_rng(5), 2))
    expected = _in_database(db, organisation, queries, 10)
    scanned.resize(39)
    _same(_kept(db, organisation, queries, 10), expected)
    scanned.resize(0)
    _same(_kept(db, organisation, queries, 10), expected)
    assert reads == []


def test_an_owner_without_indexed_sections_is_left_out(
    db: Session, delft: tuple[Organisation, list[Candidate]]
) -> None:
    organisation, candidates = delft
    bare = candidates[0]
    nothing = np.zeros((0, DIMENSION), dtype=np.float32)
    replace_sections(
        db,
        DEFAULT_MODEL,
        [OwnerSections(organisation.id, "candidate", bare.id, [], nothing)],
    )
    db.flush()
    [query] = list(_unit(np.random.default_rng(6), 1))
    [hits] = _kept(db, organisation, [query], 100)
    assert len(hits) == 39
    assert bare.id not in {owner for owner, _ in hits}


def test_stamps_are_read_only_for_lists_short_enough_to_keep(
    db: Session, delft: tuple[Organisation, list[Candidate]]
) -> None:
    organisation, _ = delft
    few = repository.filtered_ids(db, Candidate, organisation.id, DELFT, 1000, stamped_up_to=40)
    many = repository.filtered_ids(db, Candidate, organisation.id, DELFT, 1000, stamped_up_to=39)
    assert few.total == many.total == 40
    assert few.stamps is not None
    assert len(few.stamps.split(",")) == 40
    assert many.stamps is None
