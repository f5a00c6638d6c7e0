"""What each kind of import does with one row (read, write) and with a batch of written
records (index or embed them with one encoder call)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy.orm import Session

from distribution.employees import fit
from distribution.employees import repository as employees_repository
from distribution.employees import service as employees
from distribution.employees.schemas import EmployeeCreate, EmployeeUpdate
from integration.formats import jobposting, jsonresume
from integration.webhooks.repository import subscribed
from matching.candidates import repository as candidates_repository
from matching.candidates import service as candidates
from matching.candidates.schemas import CandidateCreate, CandidateUpdate
from matching.indexing.service import index_many
from matching.retrieval import announce, pools
from matching.vacancies import repository as vacancies_repository
from matching.vacancies import service as vacancies
from matching.vacancies.schemas import VacancyCreate, VacancyUpdate
from models import Candidate, Employee, Vacancy

Record = Candidate | Vacancy | Employee
Reader = Callable[[Any], tuple[BaseModel, list[str]]]


def _native(model: type[BaseModel]) -> Reader:
    return lambda data: (model.model_validate(data), [])


@dataclass(frozen=True)
class Handler:
    readers: dict[str, Reader]
    write: Callable[[Session, UUID, Any, str, str], Record]
    finish: Callable[[Session, Sequence[Any], str], None]


def _changes(payload: BaseModel) -> dict[str, Any]:
    """A create payload as an update: the fields the row sent, nothing else."""
    return {name: getattr(payload, name) for name in payload.model_fields_set}


def _write_candidate(
    session: Session, organisation_id: UUID, payload: CandidateCreate, mode: str, model: str
) -> Candidate:
    if mode == "upsert":
        for column in ("external_id", "email"):
            value = getattr(payload, column)
            found = value and candidates_repository.get_by(
                session, organisation_id, **{column: value}
            )
            if found:
                update = CandidateUpdate.model_validate(_changes(payload))
                return candidates.update(session, organisation_id, found.id, update)
    return candidates.create(session, organisation_id, payload)


def _write_vacancy(
    session: Session, organisation_id: UUID, payload: VacancyCreate, mode: str, model: str
) -> Vacancy:
    if mode == "upsert" and payload.external_id:
        found = vacancies_repository.get_by_external_id(
            session, organisation_id, payload.external_id
        )
        if found is not None:
            update = VacancyUpdate.model_validate(_changes(payload))
            return vacancies.update(session, organisation_id, found.id, update)
    return vacancies.create(session, organisation_id, payload)


def _write_employee(
    session: Session, organisation_id: UUID, payload: EmployeeCreate, mode: str, model: str
) -> Employee:
    if mode == "upsert":
        found = (
            payload.external_id
            and employees_repository.get_by_external_id(
                session, organisation_id, payload.external_id
            )
        ) or employees_repository.get_by_email(session, organisation_id, payload.email)
        if found:
            update = EmployeeUpdate.model_validate(_changes(payload))
            return employees.update(session, organisation_id, found.id, update, model, embed=False)
    return employees.create(session, organisation_id, payload, model, embed=False)


def _index(session: Session, records: Sequence[Candidate | Vacancy], model: str) -> None:
    index_many(session, records, model)
    opened = [r for r in records if isinstance(r, Vacancy)]
    for vacancy in opened:
        pools.request(session, vacancy)
    # One look per batch for a match.completed subscriber, not one per vacancy.
    if opened and subscribed(session, opened[0].organisation_id, "match.completed"):
        for vacancy in opened:
            announce.request(session, vacancy, explicit=True)


def _embed(session: Session, records: Sequence[Employee], model: str) -> None:
    fit.embed_employees(session, records, model)


HANDLERS: dict[str, Handler] = {
    "candidates": Handler(
        readers={
            "talentmesh": _native(CandidateCreate),
            "jsonresume": jsonresume.to_candidate,
        },
        write=_write_candidate,
        finish=_index,
    ),
    "vacancies": Handler(
        readers={
            "talentmesh": _native(VacancyCreate),
            "jobposting": jobposting.to_vacancy,
        },
        write=_write_vacancy,
        finish=_index,
    ),
    "employees": Handler(
        readers={"talentmesh": _native(EmployeeCreate)},
        write=_write_employee,
        finish=_embed,
    ),
}
# The scope a key needs, besides imports:write, to import each kind.
WRITE_SCOPES = {
    "candidates": "candidates:write",
    "vacancies": "vacancies:write",
    "employees": "distribution:write",
}
