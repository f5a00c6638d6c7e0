"""/v1/employees: the organisation's ambassadors, who share vacancies in their networks."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status

from api.deps import DistributionRead, DistributionWrite, SessionDep, SettingsDep
from api.pagination import CursorQuery, LimitQuery, Page, decode_cursor, paginate
from api.problems import problem_responses
from api.routing import StrictJsonRoute
from distribution.employees import csv_import, repository, service
from distribution.employees.schemas import EmployeeCreate, EmployeeOut, EmployeeUpdate, ImportResult
from runtime.errors import UnsupportedMediaTypeError

router = APIRouter(prefix="/v1/employees", tags=["employees"], route_class=StrictJsonRoute)

# Only UUID-shaped ids reach the per-employee routes, so fixed paths other routers add under
# /v1/employees (such as /leaderboard) are never taken for an id.
ONE = "/{employee_id:uuid}"
CSV_TYPES = ("text/csv", "application/csv", "text/plain")


async def _csv_body(request: Request) -> bytes:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in CSV_TYPES:
        raise UnsupportedMediaTypeError(f"send the file as text/csv, not {media_type or 'nothing'}")
    return await request.body()


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an employee",
    responses=problem_responses(401, 403, 409, 422),
)
def create_employee(
    payload: EmployeeCreate,
    principal: DistributionWrite,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> EmployeeOut:
    """Register an employee as an ambassador. `email` (stored lower-cased) and `external_id`
    are unique per organisation: a duplicate answers 409 with `existing_id`. `fields` are
    embedded so `best_fit` campaign audiences can find the employee."""
    employee = service.create(session, principal.organisation_id, payload, settings.embedding_model)
    response.headers["Location"] = f"/v1/employees/{employee.id}"
    return service.to_out(employee)


@router.post(
    "/import",
    summary="Import employees from CSV",
    responses=problem_responses(401, 403, 409, 413, 415, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
def import_employees(
    principal: DistributionWrite,
    body: Annotated[bytes, Depends(_csv_body)],
    session: SessionDep,
    settings: SettingsDep,
) -> ImportResult:
    """Create and update employees from a CSV file (UTF-8, a byte order mark is allowed),
    sent as the `text/csv` body. The header names the columns: `name` and `email` are
    required; `external_id`, `department`, `fields`, `channels` (both `;`-separated) and
    `opted_out` (`true`, `false` or empty) are optional. A row updates the employee with its
    `external_id`, else the one with its email, else creates one. A column left out keeps
    the stored value; an empty cell clears it (an empty `opted_out` leaves it as is). Every
    row is checked first: if any is invalid nothing is imported and the 422 lists each
    problem as `line N: column`. The body may be as large as the JSON limit. The fields of
    the imported employees are embedded for `best_fit` audiences by background jobs
    right after the import."""
    text = csv_import.decode(body)
    return csv_import.import_csv(
        session, principal.organisation_id, text, settings.embedding_model, embed_later=True
    )


@router.get("", summary="List employees", responses=problem_responses(400, 401, 403, 422))
def list_employees(
    request: Request,
    response: Response,
    principal: DistributionRead,
    session: SessionDep,
    settings: SettingsDep,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
    department: Annotated[str | None, Query(max_length=200)] = None,
    external_id: Annotated[str | None, Query(max_length=200)] = None,
    opted_out: bool | None = None,
) -> Page[EmployeeOut]:
    """List the organisation's employees, oldest first, a page at a time; filter by exact
    `department`, `external_id` or `opted_out`. Follow `next_cursor` (or the
    `Link: rel="next"` header) for the next page."""
    secret = settings.secret_key.get_secret_value()
    rows = repository.list_page(
        session,
        principal.organisation_id,
        limit=limit,
        after_id=decode_cursor(secret, cursor),
        department=department,
        external_id=external_id,
        opted_out=opted_out,
    )
    return paginate(request, response, rows, limit=limit, secret=secret, to_out=service.to_out)


@router.get(ONE, summary="Get an employee", responses=problem_responses(401, 403, 404))
def get_employee(
    employee_id: UUID, principal: DistributionRead, session: SessionDep
) -> EmployeeOut:
    """One employee of the caller's organisation; another organisation's id answers 404."""
    return service.to_out(service.get(session, principal.organisation_id, employee_id))


@router.patch(
    ONE, summary="Change an employee", responses=problem_responses(401, 403, 404, 409, 422)
)
def update_employee(
    employee_id: UUID,
    payload: EmployeeUpdate,
    principal: DistributionWrite,
    session: SessionDep,
    settings: SettingsDep,
) -> EmployeeOut:
    """Change the fields sent; fields left out keep their value and `null` clears an
    optional one (`opted_in_at` and `opted_out_at` included)."""
    employee = service.update(
        session, principal.organisation_id, employee_id, payload, settings.embedding_model
    )
    return service.to_out(employee)


@router.post(
    f"{ONE}/opt-out", summary="Opt an employee out", responses=problem_responses(401, 403, 404)
)
def opt_out(employee_id: UUID, principal: DistributionWrite, session: SessionDep) -> EmployeeOut:
    """Record that the employee no longer takes part: they receive no campaign messages and
    get no new links. Links they shared before keep working. Opting out again keeps the
    first `opted_out_at`."""
    return service.to_out(service.opt_out(session, principal.organisation_id, employee_id))


@router.post(
    f"{ONE}/opt-in", summary="Opt an employee in", responses=problem_responses(401, 403, 404)
)
def opt_in(employee_id: UUID, principal: DistributionWrite, session: SessionDep) -> EmployeeOut:
    """Record that the employee takes part (again): `opted_in_at` becomes now and
    `opted_out_at` is cleared."""
    return service.to_out(service.opt_in(session, principal.organisation_id, employee_id))


@router.delete(
    ONE,
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an employee",
    responses=problem_responses(401, 403, 404, 409),
)
def delete_employee(employee_id: UUID, principal: DistributionWrite, session: SessionDep) -> None:
    """Delete an employee and their data. Links they shared keep working, and what came in
    through them still counts for the vacancy, no longer attributed to anyone; their
    notifications are deleted with them. An employee with referral rewards answers 409:
    the reward ledger is kept whole (opt the employee out instead)."""
    service.delete(session, principal.organisation_id, employee_id)
