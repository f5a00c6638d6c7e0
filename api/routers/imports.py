"""/v1/imports: bulk imports of vacancies, candidates or employees, run in the background."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status
from starlette.datastructures import UploadFile

from api.auth.scopes import Principal
from api.deps import ImportsRead, ImportsWrite, SessionDep, SettingsDep
from api.pagination import (
    CursorQuery,
    LimitQuery,
    Page,
    decode_cursor,
    decode_integers,
    encode_integers,
    link_next,
    paginate,
)
from api.problems import problem_responses
from api.routing import StrictJsonRoute
from integration.imports import repository, service
from integration.imports.handlers import WRITE_SCOPES
from integration.imports.schemas import (
    FileFormat,
    ImportKind,
    ImportMode,
    ImportOut,
    RecordFormat,
    RowErrorPage,
)
from runtime.errors import PermissionDeniedError, UnsupportedMediaTypeError

router = APIRouter(prefix="/v1/imports", tags=["imports"], route_class=StrictJsonRoute)

MEDIA_TYPES: dict[str, FileFormat] = {
    "application/x-ndjson": "ndjson",
    "application/ndjson": "ndjson",
    "application/jsonl": "ndjson",
    "application/json-lines": "ndjson",
    "text/csv": "csv",
    "application/csv": "csv",
}


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str | None
    file_format: FileFormat | None


async def upload(request: Request) -> Upload:
    """The file: the request body itself, or the `file` part of a multipart form."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "multipart/form-data":
        form = await request.form()
        part = form.get("file")
        if not isinstance(part, UploadFile):
            raise UnsupportedMediaTypeError("send the file as the form field `file`")
        name = part.filename or ""
        guessed = MEDIA_TYPES.get((part.content_type or "").lower()) or (
            "csv" if name.lower().endswith(".csv") else "ndjson" if name else None
        )
        return Upload(await part.read(), part.filename, guessed)
    if media_type not in MEDIA_TYPES and media_type != "text/plain":
        raise UnsupportedMediaTypeError(
            f"send NDJSON (application/x-ndjson) or CSV (text/csv), not {media_type or 'nothing'}"
        )
    return Upload(await request.body(), None, MEDIA_TYPES.get(media_type))


def _check_kind(principal: Principal, kind: str) -> None:
    scope = WRITE_SCOPES[kind]
    if not principal.allows(scope):
        raise PermissionDeniedError(f"importing {kind} needs the scope {scope!r} as well")


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Start a bulk import",
    responses=problem_responses(401, 403, 413, 415, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-ndjson": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
            },
        }
    },
)
def create_import(
    principal: ImportsWrite,
    file: Annotated[Upload, Depends(upload)],
    session: SessionDep,
    response: Response,
    kind: Annotated[ImportKind, Query(description="What the rows are.")],
    format_: Annotated[
        FileFormat | None,
        Query(alias="format", description="ndjson or csv; default: from the content type."),
    ] = None,
    schema: Annotated[
        RecordFormat,
        Query(
            description="Shape of each row: this API's (`talentmesh`), `jsonresume` (candidates) "
            "or `jobposting` (vacancies), both NDJSON only."
        ),
    ] = "talentmesh",
    mode: Annotated[
        ImportMode,
        Query(
            description="`create`: a row whose `external_id` or email exists fails; `upsert`: it "
            "updates that record with the fields the row sends."
        ),
    ] = "create",
) -> ImportOut:
    """Stage a file of up to 1,000,000 rows (NDJSON: one JSON object per line; CSV: a header
    row, dotted names for nested fields such as `location.city`, `;` between list items,
    JSON for `experience`, `education`, `profiles`) and import it in the background.
    Rows are checked, written and indexed in batches; a bad row is reported at
    `errors_url` and the others are imported. Poll `GET /v1/imports/{id}` or listen for
    the `import.completed` event. A file that cannot be read at all (not UTF-8, unknown CSV
    columns) answers 422 and stores nothing. Needs `imports:write` and the write scope of
    what is imported."""
    _check_kind(principal, kind)
    file_format = format_ or file.file_format or "ndjson"
    job = service.create(
        session,
        principal.organisation_id,
        file.data,
        kind=kind,
        file_format=file_format,
        record_format=schema,
        mode=mode,
        filename=file.filename,
    )
    response.headers["Location"] = f"/v1/imports/{job.id}"
    return service.to_out(job)


@router.get("", summary="List imports", responses=problem_responses(400, 401, 403, 422))
def list_imports(
    request: Request,
    response: Response,
    principal: ImportsRead,
    session: SessionDep,
    settings: SettingsDep,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Page[ImportOut]:
    """The organisation's imports, newest first; follow `next_cursor` for older ones."""
    secret = settings.secret_key.get_secret_value()
    rows = repository.list_page(
        session,
        principal.organisation_id,
        limit=limit,
        before_id=decode_cursor(secret, cursor),
    )
    return paginate(request, response, rows, limit=limit, secret=secret, to_out=service.to_out)


@router.get(
    "/{import_id}", summary="Get an import", responses=problem_responses(401, 403, 404, 422)
)
def get_import(import_id: UUID, principal: ImportsRead, session: SessionDep) -> ImportOut:
    """Progress: rows done, failed and pending, the rate, and the ignored properties."""
    return service.to_out(service.get(session, principal.organisation_id, import_id))


@router.get(
    "/{import_id}/errors",
    summary="Rows that failed",
    responses=problem_responses(400, 401, 403, 404, 422),
)
def import_errors(
    import_id: UUID,
    request: Request,
    response: Response,
    principal: ImportsRead,
    session: SessionDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="Rows per page.")] = 100,
    cursor: CursorQuery = None,
) -> RowErrorPage:
    """Each failed row in file order: its line, what is wrong with which field, and the
    row as sent, so it can be corrected and imported again."""
    secret = settings.secret_key.get_secret_value()
    position = decode_integers(secret, cursor, 1)
    page, last = service.errors(
        session,
        principal.organisation_id,
        import_id,
        after_line=position[0] if position else None,
        limit=limit,
    )
    next_cursor = encode_integers(secret, last) if last is not None else None
    link_next(request, response, cursor=next_cursor, limit=limit)
    return RowErrorPage(data=page, next_cursor=next_cursor)


@router.post(
    "/{import_id}/cancel",
    summary="Cancel an import",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def cancel_import(import_id: UUID, principal: ImportsWrite, session: SessionDep) -> ImportOut:
    """Stop an unfinished import. Rows already imported stay; the rest are left out."""
    job = service.get(session, principal.organisation_id, import_id)
    _check_kind(principal, job.kind)
    return service.to_out(service.cancel(session, principal.organisation_id, import_id))
