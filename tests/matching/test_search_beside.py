"""A request's index searches and exact scans split over two connections give the same
owners as one connection, and stay on one whenever a second could see different rows. Runs
on committed data (cleaned up afterwards): a second connection never sees a test's open
transaction."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from matching.embeddings import beside, store
from matching.embeddings.sections import Section
from matching.embeddings.store import (
    OwnerSections,
    nearest_owners_many,
    nearest_owners_within,
    replace_sections,
)
from tests.conftest import DEFAULT_MODEL, committed_organisation

DIMENSION = 384


def _unit(rng: np.random.Generator, count: int) -> np.ndarray:
    vectors = rng.standard_normal((count, DIMENSION)).astype(np.float32)
    unit: np.ndarray = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return unit


def _owner(organisation_id: uuid.UUID, vectors: np.ndarray) -> OwnerSections:
    sections = [
        Section("summary", 0, "summary", "summary"),
        Section("experience", 0, "experience 0", "experience[0]"),
    ]
    return OwnerSections(organisation_id, "candidate", uuid.uuid4(), sections, vectors)


@pytest.fixture
def organisation_id(engine: Engine) -> Iterator[uuid.UUID]:
    rng = np.random.default_rng(7)
    with committed_organisation(engine, "beside") as organisation_id:
        with Session(engine) as session:
            owners = [_owner(organisation_id, _unit(rng, 2)) for _ in range(150)]
            replace_sections(session, DEFAULT_MODEL, owners)
            session.commit()
        yield organisation_id


@pytest.fixture
def went_beside(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry for each call whose searches were partly sent to a second connection."""
    sent: list[int] = []
    run_beside = beside.run_beside

    def counting(engine: Engine, work: Any) -> Any:
        future = run_beside(engine, work)
        if future is not None:
            sent.append(1)
        return future

    monkeypatch.setattr(beside, "run_beside", counting)
    return sent


@pytest.fixture(autouse=True)
def small_scans_split(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixture's 150 owners are too few for an exact scan to be split otherwise."""
    monkeypatch.setattr(store, "SPLIT_SCAN_OWNERS", 10)


def _search(
    session: Session, organisation_id: uuid.UUID, queries: list[np.ndarray], **kw: Any
) -> Any:
    """The index searches of the queries."""
    return nearest_owners_many(
        session, organisation_id, "candidate", DEFAULT_MODEL, queries, limit=10, **kw
    )


def _scan(
    session: Session, organisation_id: uuid.UUID, queries: list[np.ndarray], **kw: Any
) -> Any:
    """An exact scan of every owner of the organisation, as for a selective filter."""
    ids = session.execute(
        text("SELECT DISTINCT owner_id FROM section_embeddings WHERE organisation_id = :o"),
        {"o": organisation_id},
    ).scalars()
    within = "{" + ",".join(str(i) for i in ids) + "}"
    return nearest_owners_within(
        session, organisation_id, "candidate", DEFAULT_MODEL, queries, within, limit=10, **kw
    )


@pytest.mark.parametrize("find", [_search, _scan])
def test_two_connections_find_what_one_finds(
    engine: Engine, organisation_id: uuid.UUID, went_beside: list[int], find: Any
) -> None:
    queries = list(_unit(np.random.default_rng(11), 3))
    with Session(engine) as session:
        alone = find(session, organisation_id, queries, concurrent=False)
        session.rollback()
        assert went_beside == []
        split = find(session, organisation_id, queries)
    assert went_beside == [1]
    assert split == alone
    assert all(len(found) == 10 for found in split)


@pytest.mark.parametrize("find", [_search, _scan])
def test_after_a_write_the_search_stays_on_its_own_connection(
    engine: Engine, organisation_id: uuid.UUID, went_beside: list[int], find: Any
) -> None:
    """A profile written in the open transaction is found: a second connection would not
    see it."""
    rng = np.random.default_rng(13)
    queries = list(_unit(rng, 3))
    with Session(engine) as session:
        fresh = _owner(organisation_id, np.stack([queries[2], queries[2]]))
        replace_sections(session, DEFAULT_MODEL, [fresh])
        found = find(session, organisation_id, queries)
        session.rollback()
    assert went_beside == []
    assert found[2][0][0] == fresh.owner_id


def test_a_session_bound_to_one_connection_never_goes_beside(
    connection: Connection, organisation_id: uuid.UUID
) -> None:
    with Session(bind=connection) as session:
        assert beside.spare_engine(session) is None


def test_no_free_slot_means_no_second_connection(engine: Engine) -> None:
    release = threading.Event()
    held = [beside.run_beside(engine, lambda _: release.wait(5)) for _ in range(beside.SLOTS)]
    try:
        assert all(future is not None for future in held)
        assert beside.run_beside(engine, lambda _: None) is None
    finally:
        release.set()
        for future in held:
            assert future is not None
            future.result(timeout=5)
    again = beside.run_beside(engine, lambda _: 1)
    assert again is not None
    assert again.result(timeout=5) == 1


def test_a_busy_pool_keeps_the_search_on_one_connection(
    engine: Engine, organisation_id: uuid.UUID, went_beside: list[int]
) -> None:
    pool = engine.pool
    assert isinstance(pool, QueuePool)
    held = [engine.connect() for _ in range(pool.size())]
    try:
        with Session(engine) as session:
            assert beside.spare_engine(session) is None
            found = _search(session, organisation_id, list(_unit(np.random.default_rng(3), 3)))
        assert went_beside == []
        assert all(found)
    finally:
        for connection in held:
            connection.close()
