"""How well employees fit a vacancy, for campaigns with a ``best_fit`` audience.

An employee's areas of expertise (and department) are embedded as one ``fields`` section
with the matching engine's encoder, next to the vacancies' section vectors. The fit of an
employee is the best cosine similarity between that vector and any section of the vacancy,
plus a small, capped bonus for past referral success.

The bonus is kept below the gap between a related and an unrelated field. With the default
model, a "developer digitale collecties" vacancy scores 0.90 against a developer's fields and
0.86 against a librarian's or a teacher's: a bonus of at most 0.03 reorders colleagues of
comparable fit, so a proven referrer goes first among them, but never lifts a prolific
referrer from an unrelated field over the people who know the work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol
from uuid import UUID

from sqlalchemy.orm import Session

from distribution.employees import repository
from distribution.employees.repository import EMPLOYEE_OWNER, FIELDS_SECTION, FitRow
from matching.embeddings.encoder import Vectors, load_encoder

# Referral term: each application the employee referred adds 0.005 and each hire among them
# another 0.015, up to 0.03 in all.
REFERRAL_PER_HIRE = 0.015
REFERRAL_PER_APPLICATION = 0.005
REFERRAL_CAP = 0.03
# Texts per encoder call: bounds memory and lets a long import report progress.
ENCODE_CHUNK = 256


class Embeddable(Protocol):
    @property
    def id(self) -> UUID: ...
    @property
    def organisation_id(self) -> UUID: ...
    @property
    def fields(self) -> list[str]: ...
    @property
    def department(self) -> str | None: ...


def is_concept_uri(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def concept_uris(fields: Iterable[str]) -> list[str]:
    return sorted({value for value in fields if is_concept_uri(value)})


def unknown_concepts(session: Session, fields: Iterable[str]) -> set[str]:
    """The concept URIs among ``fields`` that no imported taxonomy knows."""
    uris = concept_uris(fields)
    return set(uris) - set(repository.concept_labels(session, uris))


def fields_text(fields: Sequence[str], department: str | None, labels: dict[str, list[str]]) -> str:
    """What is embedded: the fields, concept URIs replaced by their preferred labels (Dutch
    and English, so either language of a vacancy meets them), then the department."""
    parts = [" / ".join(labels.get(value, [value])) for value in fields]
    text = "; ".join(parts)
    return f"{text} ({department})" if department else text


def embed_employees(
    session: Session,
    employees: Sequence[Embeddable],
    model: str,
    progress: Callable[[int], None] | None = None,
    known: dict[str, Vectors] | None = None,
) -> int:
    """Store the fields vector of each employee whose text changed (or who has none for this
    model yet); remove it for employees without fields. Returns how many texts were encoded.

    ``known`` maps texts to vectors already encoded with ``model``; new ones are added, so
    an import that calls this chunk by chunk encodes each distinct text once."""
    if not employees:
        return 0
    encoder = load_encoder(model)
    all_fields = [value for employee in employees for value in employee.fields]
    labels = repository.concept_labels(session, concept_uris(all_fields))
    wanted = {
        e.id: fields_text(e.fields, e.department, labels) if e.fields else None for e in employees
    }
    stored = repository.fields_texts(session, list(wanted), encoder.name)
    to_encode = {
        i: text for i, text in wanted.items() if text is not None and text != stored.get(i)
    }
    outdated = [i for i, text in wanted.items() if i in to_encode or (i in stored and text is None)]
    repository.delete_vectors(session, outdated, encoder.name)
    # Colleagues often share a department and fields: each distinct text is encoded once.
    vectors = known if known is not None else {}
    distinct = sorted(set(to_encode.values()) - vectors.keys())
    for start in range(0, len(distinct), ENCODE_CHUNK):
        chunk = distinct[start : start + ENCODE_CHUNK]
        vectors.update(zip(chunk, encoder.encode(chunk, role="passage"), strict=True))
        if progress is not None:
            progress(len(chunk))
    organisations = {e.id: e.organisation_id for e in employees}
    repository.insert_vectors(
        session,
        [
            {
                "organisation_id": organisations[employee_id],
                "owner_kind": EMPLOYEE_OWNER,
                "owner_id": employee_id,
                "section": FIELDS_SECTION,
                "position": 0,
                "text": text,
                "model": encoder.name,
                "embedding": vectors[text],
            }
            for employee_id, text in to_encode.items()
        ],
    )
    return len(distinct)


def rank_employees(
    session: Session,
    organisation_id: UUID,
    vacancy_id: UUID,
    model: str,
    limit: int,
    channels: Sequence[str],
) -> list[FitRow]:
    """The best-fitting eligible employees with their score terms, best first.

    Eligible: not opted out, and either without channels listed or using at least one of
    ``channels`` (an empty ``channels`` filters nobody). Employees without a fields vector
    score by referral success only and come after those with one on equal scores; the id
    breaks the remaining ties, so the order is stable.
    """
    return repository.best_fit(
        session,
        organisation_id,
        vacancy_id,
        model,
        limit=limit,
        channels=channels,
        per_hire=REFERRAL_PER_HIRE,
        per_application=REFERRAL_PER_APPLICATION,
        cap=REFERRAL_CAP,
    )


def best_fit_employees(
    session: Session,
    organisation_id: UUID,
    vacancy_id: UUID,
    model: str,
    limit: int,
    channels: list[str],
) -> list[UUID]:
    """Ids of the ``limit`` employees who fit the vacancy best (see :func:`rank_employees`)."""
    ranked = rank_employees(session, organisation_id, vacancy_id, model, limit, channels)
    return [row.employee_id for row in ranked]
