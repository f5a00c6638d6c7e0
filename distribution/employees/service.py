"""Employee (ambassador) use cases. Services flush; the caller (request, task, CLI) commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from uuid import UUID

from sqlalchemy.orm import Session

from distribution.employees import fit, repository
from distribution.employees.schemas import EmployeeCreate, EmployeeOut, EmployeeUpdate
from models import Employee
from models.db import unique_write
from runtime.errors import ConflictError, FieldError, NotFoundError, ValidationFailedError


def is_opted_out(employee: Employee) -> bool:
    """An employee who opted out receives nothing and gets no new links."""
    return employee.opted_out_at is not None


def to_out(employee: Employee) -> EmployeeOut:
    return EmployeeOut(
        id=employee.id,
        external_id=employee.external_id,
        name=employee.name,
        email=employee.email,
        department=employee.department,
        fields=employee.fields,
        channels=employee.channels,
        opted_in_at=employee.opted_in_at,
        opted_out_at=employee.opted_out_at,
        opted_out=is_opted_out(employee),
        created_at=employee.created_at,
        updated_at=employee.updated_at,
    )


def get(session: Session, organisation_id: UUID, employee_id: UUID) -> Employee:
    employee = repository.get(session, organisation_id, employee_id)
    if employee is None:
        raise NotFoundError(f"no employee with id {employee_id}")
    return employee


def _check_unique(
    session: Session,
    organisation_id: UUID,
    external_id: str | None,
    email: str | None,
    own_id: UUID | None,
) -> None:
    if external_id is not None:
        existing = repository.get_by_external_id(session, organisation_id, external_id)
        if existing is not None and existing.id != own_id:
            raise ConflictError(
                f"an employee with external_id {external_id!r} already exists",
                existing_id=existing.id,
            )
    if email is not None:
        existing = repository.get_by_email(session, organisation_id, email)
        if existing is not None and existing.id != own_id:
            raise ConflictError(
                f"an employee with email {email!r} already exists", existing_id=existing.id
            )


def _check_concepts(session: Session, fields: Sequence[str]) -> None:
    unknown = fit.unknown_concepts(session, fields)
    errors = [
        FieldError(f"fields.{index}", f"no imported taxonomy has the concept {value!r}")
        for index, value in enumerate(fields)
        if value in unknown
    ]
    if errors:
        raise ValidationFailedError("unknown taxonomy concepts in fields", errors=errors)


def create(
    session: Session,
    organisation_id: UUID,
    payload: EmployeeCreate,
    model: str,
    *,
    embed: bool = True,
) -> Employee:
    """Create an employee and embed their fields for best-fit audiences (a bulk import
    passes ``embed=False`` and embeds a whole batch at once)."""
    _check_concepts(session, payload.fields)
    conflict = partial(
        _check_unique, session, organisation_id, payload.external_id, payload.email, None
    )
    conflict()
    employee = Employee(organisation_id=organisation_id, **payload.model_dump())
    with unique_write(session, employee, conflict):
        session.add(employee)
    if embed:
        fit.embed_employees(session, [employee], model)
    return employee


def update(
    session: Session,
    organisation_id: UUID,
    employee_id: UUID,
    payload: EmployeeUpdate,
    model: str,
    *,
    embed: bool = True,
) -> Employee:
    employee = get(session, organisation_id, employee_id)
    changes = payload.model_dump(exclude_unset=True)
    if "fields" in changes:
        _check_concepts(session, changes["fields"])
    conflict = partial(
        _check_unique,
        session,
        organisation_id,
        changes.get("external_id"),
        changes.get("email"),
        employee.id,
    )
    conflict()
    with unique_write(session, employee, conflict):
        for column, value in changes.items():
            setattr(employee, column, value)
    if embed:
        fit.embed_employees(session, [employee], model)
    return employee


def opt_out(session: Session, organisation_id: UUID, employee_id: UUID) -> Employee:
    """Stop sending the employee anything. Opting out twice keeps the first time."""
    employee = get(session, organisation_id, employee_id)
    if employee.opted_out_at is None:
        employee.opted_out_at = datetime.now(UTC)
        session.flush()
    return employee


def opt_in(session: Session, organisation_id: UUID, employee_id: UUID) -> Employee:
    """Take part (again): record the time and clear an opt-out."""
    employee = get(session, organisation_id, employee_id)
    employee.opted_in_at = datetime.now(UTC)
    employee.opted_out_at = None
    session.flush()
    return employee


def delete(session: Session, organisation_id: UUID, employee_id: UUID) -> None:
    """Delete the employee and their vectors. Their links keep working (the links'
    reference is set to null), so shared URLs do not break. An employee with referral
    rewards is kept: the reward ledger is never rewritten (opt them out instead)."""
    employee = get(session, organisation_id, employee_id)
    if repository.has_rewards(session, employee.id):
        raise ConflictError(
            "the employee has referral rewards, which are kept; opt the employee out instead"
        )
    repository.delete_vectors(session, [employee.id])
    session.delete(employee)
    session.flush()
