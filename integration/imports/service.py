"""Bulk import use cases: stage a file, read an import's progress and error report,
cancel. Services flush; the caller commits (and so hands the run job to the broker)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy.orm import Session

from integration.imports import repository
from integration.imports.handlers import HANDLERS
from integration.imports.schemas import FieldIssue, ImportOut, RowError
from integration.imports.staging import stage
from models import ImportJob
from runtime import strict_json
from runtime.errors import ConflictError, FieldError, NotFoundError, ValidationFailedError
from runtime.outbox import enqueue

RUN_TASK = "integration.imports.run"


def to_out(job: ImportJob) -> ImportOut:
    done = job.succeeded_rows + job.failed_rows
    rate = None
    if job.started_at is not None and job.heartbeat_at is not None:
        seconds = (job.heartbeat_at - job.started_at).total_seconds()
        rate = round(done / seconds, 2) if seconds > 0 else None
    return ImportOut(
        id=job.id,
        kind=job.kind,
        format=job.file_format,
        schema_=job.record_format,
        mode=job.mode,
        filename=job.filename,
        status=job.status,
        total_rows=job.total_rows,
        succeeded_rows=job.succeeded_rows,
        failed_rows=job.failed_rows,
        pending_rows=job.total_rows - done,
        progress=round(done / job.total_rows, 4) if job.total_rows else 1.0,
        rows_per_second=rate,
        ignored_properties=job.ignored_properties or {},
        errors_url=f"/v1/imports/{job.id}/errors",
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


def create(
    session: Session,
    organisation_id: UUID,
    data: bytes,
    *,
    kind: str,
    file_format: str,
    record_format: str,
    mode: str,
    filename: str | None,
    enqueue_run: bool = True,
) -> ImportJob:
    """Stage every row of the file and (after commit) start the run; a file that cannot be
    read as a whole answers 422 and stores nothing."""
    if record_format not in HANDLERS[kind].readers:
        readable = ", ".join(HANDLERS[kind].readers)
        raise ValidationFailedError(
            f"{kind} are imported as {readable}",
            errors=[FieldError("schema", f"for {kind}: one of {readable}")],
        )
    staged = stage(data, file_format, kind, record_format)
    job = ImportJob(
        organisation_id=organisation_id,
        kind=kind,
        file_format=file_format,
        record_format=record_format,
        mode=mode,
        filename=filename,
        total_rows=len(staged.rows),
    )
    session.add(job)
    session.flush()
    repository.copy_rows(session, job.id, staged.rows)
    if enqueue_run:
        enqueue(session, RUN_TASK, import_id=str(job.id))
    return job


def get(session: Session, organisation_id: UUID, import_id: UUID) -> ImportJob:
    job = repository.get(session, organisation_id, import_id)
    if job is None:
        raise NotFoundError(f"no import with id {import_id}")
    return job


def get_any(session: Session, import_id: UUID) -> ImportJob:
    """An import of any organisation (the command line acts for the operator)."""
    job = session.get(ImportJob, import_id)
    if job is None:
        raise NotFoundError(f"no import with id {import_id}")
    return job


def cancel(session: Session, organisation_id: UUID, import_id: UUID) -> ImportJob:
    """Stop an unfinished import: rows done stay, pending rows are left out."""
    job = get(session, organisation_id, import_id)
    if job.status not in ("queued", "running"):
        raise ConflictError(f"the import is {job.status}; only an unfinished one is cancelled")
    job.status = "cancelled"
    session.flush()
    return job


def _parsed(raw: str | None) -> Any:
    # Read as the runner read it: a row it refused (a lone surrogate in it could not even be
    # written back out as JSON) is shown as the text that was sent.
    try:
        return strict_json.loads(raw or "")
    except strict_json.JsonError:
        return raw


def errors(
    session: Session, organisation_id: UUID, import_id: UUID, *, after_line: int | None, limit: int
) -> tuple[list[RowError], int | None]:
    """A page of failed rows in file order, and the line to continue after (if any)."""
    get(session, organisation_id, import_id)
    rows = repository.failed_rows(session, import_id, after_line=after_line, limit=limit)
    more = len(rows) > limit
    rows = rows[:limit]
    page = [
        RowError(
            line=row.line,
            errors=[FieldIssue.model_validate(e) for e in row.errors or []],
            row=_parsed(row.raw),
        )
        for row in rows
    ]
    return page, (rows[-1].line if more else None)


def all_errors(session: Session, import_id: UUID) -> list[RowError]:
    """Every failed row of an import, in file order."""
    job = get_any(session, import_id)
    found: list[RowError] = []
    after: int | None = None
    while True:
        page, after = errors(session, job.organisation_id, import_id, after_line=after, limit=1000)
        found += page
        if after is None:
            return found
