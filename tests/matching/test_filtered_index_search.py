"""A filter passing more owners than are scanned exactly is checked by the index search
itself, so the nearest owners that pass come back however many owners nearer to the query
do not; smaller filtered sets are scanned exactly, more of them in larger tables."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
from sqlalchemy.orm import Session

from matching.embeddings.sections import Section
from matching.embeddings.store import OwnerSections, nearest_owners_many, replace_sections
from matching.retrieval import repository
from matching.retrieval.generation import EXACT_SCAN_CAP, EXACT_SCAN_MAX, exact_scan_cap
from matching.retrieval.schemas import MatchFilters
from models import Candidate, Organisation, Vacancy
from tests.conftest import DEFAULT_MODEL

DIMENSION = 384


def _near(query: np.ndarray, rng: np.random.Generator, distance: float) -> np.ndarray:
    """A unit vector at roughly ``distance`` (cosine) from ``query``."""
    noise = rng.standard_normal(DIMENSION).astype(np.float32)
    noise -= noise @ query * query
    noise /= np.linalg.norm(noise)
    angle = np.arccos(1.0 - distance)
    vector: np.ndarray = np.cos(angle) * query + np.sin(angle) * noise
    return vector.astype(np.float32)


def _candidate(db: Session, organisation: Organisation, city: str, **fields: object) -> Candidate:
    candidate = Candidate(
        organisation_id=organisation.id,
        headline="Archivaris",
        skills=fields.pop("skills", ["catalogiseren"]),
        experience=[],
        education=[],
        languages=["nl"],
        location_city=city,
        location_country="NL",
        **fields,
    )
    db.add(candidate)
    return candidate


def _sections(organisation: Organisation, owner_id: uuid.UUID, vector: np.ndarray) -> OwnerSections:
    sections = [Section("summary", 0, "Archivaris", "summary")]
    return OwnerSections(organisation.id, "candidate", owner_id, sections, vector[None, :])


@pytest.fixture
def organisation(db: Session) -> Organisation:
    organisation = Organisation(name="Filtered index search")
    db.add(organisation)
    db.flush()
    return organisation


def test_the_index_search_returns_the_nearest_owners_that_pass(
    db: Session, organisation: Organisation
) -> None:
    rng = np.random.default_rng(5)
    query = rng.standard_normal(DIMENSION).astype(np.float32)
    query /= np.linalg.norm(query)
    utrecht = [_candidate(db, organisation, "Utrecht") for _ in range(30)]
    leiden = [_candidate(db, organisation, "Leiden") for _ in range(3)]
    db.flush()
    replace_sections(
        db,
        DEFAULT_MODEL,
        [_sections(organisation, c.id, _near(query, rng, 0.05)) for c in utrecht]
        + [
            _sections(organisation, c.id, _near(query, rng, 0.3 + 0.1 * i))
            for i, c in enumerate(leiden)
        ],
    )

    def search(filters: MatchFilters | None) -> list[uuid.UUID]:
        passing = (
            None
            if filters is None
            else repository.index_filter(Candidate, organisation.id, filters)
        )
        [found] = nearest_owners_many(
            db, organisation.id, "candidate", DEFAULT_MODEL, [query], limit=5, passing=passing
        )
        return [owner for owner, _ in found]

    nearest = search(None)
    assert len(nearest) == 5
    assert set(nearest) <= {c.id for c in utrecht}
    # Filtering those five afterwards would leave nobody; the search finds the three.
    assert search(MatchFilters(city="leiden")) == [c.id for c in leiden]
    assert search(MatchFilters(city="Leiden", country="NL", languages=["nl"])) == [
        c.id for c in leiden
    ]
    assert search(MatchFilters(city="Haarlem")) == []


def test_every_filter_can_be_checked_by_the_index_search(
    db: Session, organisation: Organisation
) -> None:
    """Each filter of MatchFilters, for both kinds of owner, runs as the index search's
    condition (its parameters bound, the dialect's casts intact)."""
    rng = np.random.default_rng(9)
    query = rng.standard_normal(DIMENSION).astype(np.float32)
    query /= np.linalg.norm(query)
    remote = _candidate(db, organisation, "Utrecht", remote=True, skills=["Python"])
    office = _candidate(db, organisation, "Utrecht", remote=False)
    db.flush()
    replace_sections(
        db,
        DEFAULT_MODEL,
        [_sections(organisation, c.id, _near(query, rng, 0.1)) for c in (remote, office)],
    )
    cases = [
        (MatchFilters(remote=True), [remote.id]),
        (MatchFilters(skills=["python"]), [remote.id]),
        (MatchFilters(languages=["nl"], country="NL", city="Utrecht"), [remote.id, office.id]),
        (MatchFilters(languages=["en"]), []),
    ]
    for filters, expected in cases:
        passing = repository.index_filter(Candidate, organisation.id, filters)
        [found] = nearest_owners_many(
            db, organisation.id, "candidate", DEFAULT_MODEL, [query], limit=5, passing=passing
        )
        assert sorted(owner for owner, _ in found) == sorted(expected), filters

    vacancy = Vacancy(organisation_id=organisation.id, title="Archivaris", status="closed")
    db.add(vacancy)
    db.flush()
    sections = [Section("title", 0, "Archivaris", "title")]
    owner = OwnerSections(organisation.id, "vacancy", vacancy.id, sections, query[None, :])
    replace_sections(db, DEFAULT_MODEL, [owner])
    passing = repository.index_filter(Vacancy, organisation.id, MatchFilters())
    [found] = nearest_owners_many(
        db, organisation.id, "vacancy", DEFAULT_MODEL, [query], limit=5, passing=passing
    )
    assert found == []  # closed vacancies are never matched


def test_larger_tables_scan_more_owners_exactly() -> None:
    assert exact_scan_cap(0) == EXACT_SCAN_CAP
    assert exact_scan_cap(1_000) == EXACT_SCAN_CAP
    assert exact_scan_cap(100_000) == 12_016
    assert exact_scan_cap(1_000_000) == EXACT_SCAN_MAX
