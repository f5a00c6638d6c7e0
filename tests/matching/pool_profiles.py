"""Indexed candidates, a small organisation of them and a Python vacancy, for the matching
tests."""

from __future__ import annotations

from sqlalchemy.orm import Session

from matching.indexing.bulk import index_records
from models import Candidate, Organisation, Vacancy
from runtime.settings import DEFAULT_EMBEDDING_MODEL

PROFILES = [
    ("Python developer", "Bouwt webapplicaties in Python en Django voor musea.", ["Python"]),
    ("Bibliothecaris", "Catalogiseert collecties en helpt bezoekers.", ["catalogiseren"]),
    ("Archivaris", "Beheert archieven en digitaliseert documenten.", ["archiefbeheer"]),
    ("Docent geschiedenis", "Geeft les op een middelbare school.", ["lesgeven"]),
    ("Data engineer", "Bouwt datapijplijnen in Python en SQL.", ["Python", "SQL"]),
    ("Redacteur", "Schrijft en redigeert teksten voor tijdschriften.", ["redigeren"]),
]


def add_candidate(
    db: Session, organisation: Organisation, headline: str, summary: str, skills: list[str]
) -> Candidate:
    candidate = Candidate(
        organisation_id=organisation.id,
        headline=headline,
        summary=summary,
        skills=skills,
        experience=[],
        education=[],
        languages=["nl"],
    )
    db.add(candidate)
    db.flush()
    assert index_records(db, "candidate", [candidate.id], DEFAULT_EMBEDDING_MODEL) == 1
    return candidate


def add_organisation(db: Session, name: str) -> Organisation:
    """An organisation with one candidate per row of ``PROFILES``."""
    organisation = Organisation(name=name)
    db.add(organisation)
    db.flush()
    for headline, summary, skills in PROFILES:
        add_candidate(db, organisation, headline, summary, skills)
    return organisation


def add_vacancy(db: Session, organisation: Organisation) -> Vacancy:
    vacancy = Vacancy(
        organisation_id=organisation.id,
        title="Python-ontwikkelaar",
        description="Je bouwt onze collectiewebsite in Python en Django.",
        required_skills=["Python"],
        nice_to_have_skills=["SQL"],
        language="nl",
    )
    db.add(vacancy)
    db.flush()
    assert index_records(db, "vacancy", [vacancy.id], DEFAULT_EMBEDDING_MODEL) == 1
    return vacancy
