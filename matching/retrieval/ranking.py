"""Ranked owners, and a vacancy's pool scored ahead of the request that shows it.

Scoring a pool of 200 candidates needs each one's scoring side (sections, vectors, concept
mentions): 35-41 of a 61-ms match at 100,000 profiles when no side is kept in the process
(docs/benchmarks.md, 2026-12-07), as on a recruiter's first look at a vacancy. The job that
finds a vacancy's pool (``service.refresh_pool``) therefore also scores it, and stores each
candidate's score with the candidate's stamp (``owner_stamp``) and a digest of everything
else a score depends on (``scored_with``: the vacancy's stamp, the model, the weights, the
scoring code and the taxonomy's revision).

A request from the pool reads its owners' current stamps (``repository.stamps``), takes a
stored score where the stamp and the digest still hold, scores the others in full (owners
edited, re-indexed or written since), and returns a ``Ranking``: the order and the scores,
each owner's profile and explanation built when a page of them is first asked for, so a
page of 20 builds 20 sides instead of 200.
"""

from __future__ import annotations

import hashlib
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache, cached_property, partial
from pathlib import Path
from typing import Any, Protocol, overload

import numpy as np
from sqlalchemy.orm import Session

from matching.indexing.resources import MatchingResources
from matching.retrieval import repository
from matching.retrieval.schemas import MatchFilters
from matching.scoring import profiles, scorer
from matching.scoring import weights as w
from matching.scoring.profiles import Side, load_candidates
from matching.scoring.scorer import Semantic, score, score_value, semantic, semantic_pool
from models import Candidate, Vacancy


@dataclass(frozen=True)
class Scored:
    """A ranked owner. The explanation is built when first read: a page shows 20 of a
    pool of 200, and explaining the other 180 was a fifth of the request's scoring."""

    owner: Candidate | Vacancy
    score: float
    explain: Callable[[], dict[str, Any]] = field(repr=False, compare=False)

    @cached_property
    def explanation(self) -> dict[str, Any]:
        return self.explain()


def score_pairs(
    resources: MatchingResources,
    pairs: Sequence[tuple[Side, Side, Candidate | Vacancy]],
    min_score: float,
) -> list[Scored]:
    """Each (vacancy side, candidate side, owner) scored in full, best first, those below
    ``min_score`` left out."""
    cal = w.calibration(resources.encoder.name)
    isco = resources.isco_groups
    similarities: Sequence[np.ndarray | None]
    if len({id(vacancy_side) for vacancy_side, _, _ in pairs}) == 1:
        pool = [c for _, c, _ in pairs]
        semantics = semantic_pool(pairs[0][0], pool, cal)
        similarities = scorer.skill_similarity_pool(pairs[0][0], pool)
    else:
        semantics = [semantic(v, c, cal) for v, c, _ in pairs]
        similarities = [None] * len(pairs)
    scored = []
    for (vacancy_side, candidate_side, owner), sem, similarity in zip(
        pairs, semantics, similarities, strict=True
    ):
        value = score_value(vacancy_side, candidate_side, isco, cal, sem, similarity)
        if value >= min_score:
            explain = partial(_explain, vacancy_side, candidate_side, isco, cal, sem, similarity)
            scored.append(Scored(owner, value, explain))
    scored.sort(key=lambda item: (-item.score, str(item.owner.id)))
    return scored


def _explain(
    vacancy: Side,
    candidate: Side,
    isco: dict[str, str],
    cal: w.Calibration,
    sem: Semantic,
    similarity: np.ndarray | None,
) -> dict[str, Any]:
    return score(vacancy, candidate, isco, cal, sem, similarity)[1]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(moment: datetime | None) -> str:
    return "" if moment is None else str((moment - _EPOCH) // timedelta(microseconds=1))


class Stamped(Protocol):
    """A profile row, or its stamp columns alone (``repository.Stamps``)."""

    @property
    def updated_at(self) -> datetime: ...
    @property
    def indexed_at(self) -> datetime | None: ...
    @property
    def indexed_model(self) -> str | None: ...


def owner_stamp(row: Stamped) -> int:
    """A 64-bit digest of a profile's ``updated_at``, ``indexed_at`` and ``indexed_model``
    (the stamps of the scoring sides' cache, matching/scoring/side_cache.py): an edit, a
    re-index and an erasure each change it. Whole microseconds, so that the stamp does not
    depend on the time zone a connection reads timestamps in."""
    text = f"{_micros(row.updated_at)}|{_micros(row.indexed_at)}|{row.indexed_model or ''}"
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), signed=True)


@cache
def _scoring_code() -> bytes:
    """The source of the modules that compute a score. A process deployed with other
    scoring code does not take the scores the old code stored (nor the reverse)."""
    digest = hashlib.sha256()
    for module in (scorer, profiles, w, sys.modules[__name__]):
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.digest()


def scored_with(resources: MatchingResources, vacancy: Vacancy) -> bytes:
    """What the stored scores of ``vacancy``'s pool depend on besides each candidate."""
    stamp = owner_stamp(vacancy)
    digest = hashlib.sha256(_scoring_code())
    parts = (resources.encoder.name, w.version(), resources.taxonomy_revision, stamp)
    digest.update("\0".join(str(part) for part in parts).encode())
    return digest.digest()


@dataclass(frozen=True)
class StoredScores:
    """A pool's stored scores as a request uses them."""

    scored_with: bytes
    # Owner -> (score, the owner's stamp when scored).
    scores: dict[uuid.UUID, tuple[float, int]]


class Ranking(Sequence[Scored]):
    """Owners best first. Each owner's ``Scored`` (its profile, score and explanation) is
    built when first asked for, the owners of one slice in one go; an owner deleted after
    the ranking was read is left out of the slice that asks for it."""

    def __init__(
        self,
        order: list[tuple[uuid.UUID, float]],
        built: dict[uuid.UUID, Scored],
        build: Callable[[Sequence[uuid.UUID]], dict[uuid.UUID, Scored]],
    ) -> None:
        self._order = order
        self._built = dict(built)
        self._build = build
        # How many owners were scored in full, their stored score no longer holding.
        self.rescored = len(built)

    def __len__(self) -> int:
        return len(self._order)

    @overload
    def __getitem__(self, index: int) -> Scored: ...

    @overload
    def __getitem__(self, index: slice) -> list[Scored]: ...

    def __getitem__(self, index: int | slice) -> Scored | list[Scored]:
        if isinstance(index, int):
            found = self[index : index + 1 or None]
            if not found:
                raise IndexError(index)
            return found[0]
        wanted = self._order[index]
        missing = {owner_id: value for owner_id, value in wanted if owner_id not in self._built}
        if missing:
            for owner_id, item in self._build(list(missing)).items():
                # With the score it was ranked by: built again for a page, a score may
                # differ in the last bits (other matrix shapes), and the order must agree
                # with the scores shown.
                self._built[owner_id] = Scored(item.owner, missing[owner_id], item.explain)
        return [self._built[owner_id] for owner_id, _ in wanted if owner_id in self._built]

    def __iter__(self) -> Iterator[Scored]:
        return iter(self[:])


def score_candidates(
    session: Session,
    resources: MatchingResources,
    vacancy: Vacancy,
    side: Side,
    ids: Sequence[uuid.UUID],
    filters: MatchFilters,
    min_score: float,
) -> list[Scored]:
    """The candidates among ``ids`` that belong to the vacancy's organisation and pass the
    filters, scored in full against the vacancy's ``side``, best first. Each owner's row is
    read before its sections and mentions, so its stamp is never newer than its side."""
    owners = repository.load(session, Candidate, vacancy.organisation_id, ids, filters)
    sides = load_candidates(session, owners, resources.encoder.name)
    pairs = [(side, c_side, owner) for c_side, owner in zip(sides, owners, strict=True)]
    return score_pairs(resources, pairs, min_score)


def from_stored(
    session: Session,
    resources: MatchingResources,
    vacancy: Vacancy,
    side: Side,
    stored: StoredScores,
    pool: Sequence[uuid.UUID],
    min_score: float,
) -> Ranking | None:
    """The unfiltered ranking of ``pool`` from the stored scores, the owners whose stamp
    changed since scored in full; None where the stored scores do not hold for this vacancy
    as it is now (``scored_with``)."""
    if vacancy in session.dirty or stored.scored_with != scored_with(resources, vacancy):
        return None
    current = {
        row.id: owner_stamp(row)
        for row in repository.stamps(session, Candidate, vacancy.organisation_id, pool)
    }
    order: list[tuple[uuid.UUID, float]] = []
    again: list[uuid.UUID] = []
    for owner_id in pool:
        if owner_id not in current:
            continue  # deleted, or moved to another organisation
        kept = stored.scores.get(owner_id)
        if kept is not None and kept[1] == current[owner_id]:
            order.append((owner_id, kept[0]))
        else:
            again.append(owner_id)

    def build(ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Scored]:
        scored = score_candidates(
            session, resources, vacancy, side, ids, MatchFilters(), float("-inf")
        )
        return {item.owner.id: item for item in scored}

    built = build(again) if again else {}
    order += [(owner_id, item.score) for owner_id, item in built.items()]
    order = [(owner_id, value) for owner_id, value in order if value >= min_score]
    order.sort(key=lambda item: (-item[1], str(item[0])))
    return Ranking(order, built, build)
