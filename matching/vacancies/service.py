"""Vacancy use cases. Services flush; the caller (request, task, CLI) commits."""

from __future__ import annotations

from functools import partial
from typing import Any
from uuid import UUID

from sqlalchemy.orm import Session

from distribution.posting import service as posting
from integration.events import service as events
from matching.documents.language import detect_language
from matching.indexing.repository import delete_derived
from matching.records import location_columns, location_out, plain
from matching.vacancies import repository
from matching.vacancies.schemas import VacancyCreate, VacancyOut, VacancyUpdate
from models import Vacancy
from models.base import utcnow
from models.db import unique_write
from runtime.errors import ConflictError, NotFoundError

_SALARY_FIELDS = ("min", "max", "currency", "period")


def to_out(vacancy: Vacancy) -> VacancyOut:
    salary = None
    if vacancy.salary_currency is not None:
        salary = {name: getattr(vacancy, f"salary_{name}") for name in _SALARY_FIELDS}
    return VacancyOut(
        id=vacancy.id,
        external_id=vacancy.external_id,
        title=vacancy.title,
        description=vacancy.description,
        language=vacancy.language,
        required_skills=vacancy.required_skills,
        nice_to_have_skills=vacancy.nice_to_have_skills,
        required_languages=vacancy.required_languages,
        location=location_out(vacancy),
        remote=vacancy.remote,
        remote_countries=vacancy.remote_countries,
        employment_type=vacancy.employment_type,
        hours_per_week=vacancy.hours_per_week,
        salary=salary,
        apply_url=vacancy.apply_url,
        posted_at=vacancy.posted_at,
        valid_through=vacancy.valid_through,
        status=vacancy.status,
        created_at=vacancy.created_at,
        updated_at=vacancy.updated_at,
    )


def _columns(data: dict[str, Any]) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    for key, value in data.items():
        if key == "location":
            columns.update(location_columns(plain(value)))
        elif key == "salary":
            salary = plain(value) or {}
            columns.update({f"salary_{name}": salary.get(name) for name in _SALARY_FIELDS})
        else:
            columns[key] = plain(value)
    return columns


def _emit(session: Session, type_: str, vacancy: Vacancy) -> None:
    data = to_out(vacancy).model_dump(mode="json")
    events.record(session, vacancy.organisation_id, type_, "vacancy", vacancy.id, data)


def get(session: Session, organisation_id: UUID, vacancy_id: UUID) -> Vacancy:
    vacancy = repository.get(session, organisation_id, vacancy_id)
    if vacancy is None:
        raise NotFoundError(f"no vacancy with id {vacancy_id}")
    return vacancy


def _check_external_id(
    session: Session, organisation_id: UUID, external_id: str | None, own_id: UUID | None
) -> None:
    if external_id is None:
        return
    existing = repository.get_by_external_id(session, organisation_id, external_id)
    if existing is not None and existing.id != own_id:
        raise ConflictError(
            f"a vacancy with external_id {external_id!r} already exists", existing_id=existing.id
        )


def _detect(vacancy: Vacancy) -> None:
    vacancy.language = detect_language(f"{vacancy.title}\n{vacancy.description}")


def create(session: Session, organisation_id: UUID, payload: VacancyCreate) -> Vacancy:
    conflict = partial(_check_external_id, session, organisation_id, payload.external_id, None)
    conflict()
    vacancy = Vacancy(organisation_id=organisation_id, **_columns(dict(payload)))
    if vacancy.language is None:
        _detect(vacancy)
    with unique_write(session, vacancy, conflict):
        session.add(vacancy)
    _emit(session, "vacancy.created", vacancy)
    # An open vacancy goes out on the organisation's on-open posting rules.
    posting.vacancy_written(session, vacancy, None)
    return vacancy


def update(
    session: Session, organisation_id: UUID, vacancy_id: UUID, payload: VacancyUpdate
) -> Vacancy:
    vacancy = get(session, organisation_id, vacancy_id)
    was_public = vacancy.is_public(utcnow())
    changes = payload.model_dump(exclude_unset=True)
    # Keep the validated objects (URLs, nested models) rather than their dumps.
    data = {key: getattr(payload, key) for key in changes}
    conflict = partial(
        _check_external_id, session, organisation_id, data.get("external_id"), vacancy.id
    )
    conflict()
    with unique_write(session, vacancy, conflict):
        for column, value in _columns(data).items():
            setattr(vacancy, column, value)
        language_cleared = "language" in data and data["language"] is None
        text_changed = vacancy.language is None and bool({"title", "description"} & data.keys())
        if language_cleared or text_changed:
            _detect(vacancy)
    _emit(session, "vacancy.updated", vacancy)
    # Opened: posted by the on-open rules; closed or expired: its posts are withdrawn.
    posting.vacancy_written(session, vacancy, was_public)
    return vacancy


def delete(session: Session, organisation_id: UUID, vacancy_id: UUID) -> None:
    record = get(session, organisation_id, vacancy_id)
    events.record(
        session, organisation_id, "vacancy.deleted", "vacancy", record.id, {"id": str(record.id)}
    )
    # The posts outlive the vacancy (their vacancy_id becomes null) until withdrawn.
    posting.vacancy_closed(session, organisation_id, record.id)
    delete_derived(session, record.id)
    session.delete(record)
    session.flush()
