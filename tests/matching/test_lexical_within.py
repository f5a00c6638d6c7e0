"""Lexical search restricted to some owners, and loading a pool by id: both pass the ids
as one array parameter (``id = ANY(...)``)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from matching.indexing.bulk import index_records
from matching.retrieval import repository
from matching.retrieval.schemas import MatchFilters
from models import Candidate, Organisation
from runtime.settings import DEFAULT_EMBEDDING_MODEL


def _candidate(db: Session, organisation: Organisation, headline: str, city: str) -> Candidate:
    candidate = Candidate(
        organisation_id=organisation.id,
        headline=headline,
        summary=f"{headline} met ervaring in collectiebeheer.",
        skills=["catalogiseren"],
        experience=[],
        education=[],
        languages=["nl"],
        location_city=city,
    )
    db.add(candidate)
    db.flush()
    return candidate


def test_lexical_ranks_only_the_owners_it_is_given(db: Session) -> None:
    organisation = Organisation(name="Lexical within")
    db.add(organisation)
    db.flush()
    first = _candidate(db, organisation, "Bibliothecaris", "Utrecht")
    second = _candidate(db, organisation, "Bibliothecaris jeugd", "Leiden")
    third = _candidate(db, organisation, "Archivaris", "Utrecht")
    ids = [first.id, second.id, third.id]
    assert index_records(db, "candidate", ids, DEFAULT_EMBEDDING_MODEL) == 3

    def lexical(
        within: list[uuid.UUID] | None, filters: MatchFilters | None = None
    ) -> set[uuid.UUID]:
        filters = filters or MatchFilters()
        found = repository.lexical(
            db, Candidate, organisation.id, "bibliothecaris", "nl", filters, 10, within
        )
        return set(found)

    assert lexical(None) == {first.id, second.id}
    assert lexical([second.id, third.id]) == {second.id}
    assert lexical([third.id]) == set()
    assert lexical([]) == set()
    assert lexical([first.id, second.id], MatchFilters(city="utrecht")) == {first.id}

    loaded = repository.load(db, Candidate, organisation.id, [third.id, first.id], MatchFilters())
    assert {c.id for c in loaded} == {first.id, third.id}
    assert repository.load(db, Candidate, organisation.id, [], MatchFilters()) == []
    in_utrecht = repository.load(db, Candidate, organisation.id, ids, MatchFilters(city="Utrecht"))
    assert {c.id for c in in_utrecht} == {first.id, third.id}
