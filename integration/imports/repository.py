"""Queries of imports and their staged rows."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Table, bindparam, case, exists, func, select, text, update
from sqlalchemy.orm import Session

from models import ImportJob, ImportRow
from models.base import utcnow


def copy_rows(session: Session, import_id: UUID, rows: list[tuple[int, str]]) -> None:
    """Stage the rows with COPY: a file of 100,000 rows is written in seconds."""
    connection = session.connection().connection.driver_connection
    assert connection is not None
    statement = "COPY import_rows (import_id, line, raw, status) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for line, raw in rows:
            copy.write_row((import_id, line, raw, "pending"))


def get(session: Session, organisation_id: UUID, import_id: UUID) -> ImportJob | None:
    return session.scalars(
        select(ImportJob).where(
            ImportJob.organisation_id == organisation_id, ImportJob.id == import_id
        )
    ).one_or_none()


def list_page(
    session: Session, organisation_id: UUID, *, limit: int, before_id: UUID | None
) -> list[ImportJob]:
    """Newest first."""
    query = select(ImportJob).where(ImportJob.organisation_id == organisation_id)
    if before_id is not None:
        query = query.where(ImportJob.id < before_id)
    return list(session.scalars(query.order_by(ImportJob.id.desc()).limit(limit + 1)))


def claim_rows(session: Session, import_id: UUID, limit: int) -> list[ImportRow]:
    """The next pending rows, locked; rows another runner holds are skipped, so several
    workers can share one import."""
    return list(
        session.scalars(
            select(ImportRow)
            .where(ImportRow.import_id == import_id, ImportRow.status == "pending")
            .order_by(ImportRow.line)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def mark_rows(session: Session, import_id: UUID, outcomes: list[dict[str, Any]]) -> None:
    """``outcomes``: line, status, record_id, errors. A done row drops its raw text."""
    if not outcomes:
        return
    table = cast(Table, ImportRow.__table__)
    rows = table.c
    session.execute(
        update(table)
        .where(rows.import_id == import_id, rows.line == bindparam("b_line"))
        .values(
            status=bindparam("b_status"),
            record_id=bindparam("b_record_id"),
            errors=bindparam("b_errors", type_=rows.errors.type),
            raw=case((bindparam("b_status") == "done", None), else_=rows.raw),
        ),
        [
            {
                "b_line": o["line"],
                "b_status": o["status"],
                "b_record_id": o["record_id"],
                "b_errors": o["errors"],
            }
            for o in outcomes
        ],
    )


def add_progress(
    session: Session, import_id: UUID, done: int, failed: int, ignored: dict[str, int]
) -> None:
    now = utcnow()
    session.execute(
        update(ImportJob)
        .where(ImportJob.id == import_id)
        .values(
            succeeded_rows=ImportJob.succeeded_rows + done,
            failed_rows=ImportJob.failed_rows + failed,
            status=func.coalesce(func.nullif(ImportJob.status, "queued"), text("'running'")),
            started_at=func.coalesce(ImportJob.started_at, now),
            heartbeat_at=now,
            ignored_properties=_merge_counts(ignored),
        ),
        execution_options={"synchronize_session": False},
    )


def _merge_counts(ignored: dict[str, int]) -> Any:
    if not ignored:
        return ImportJob.ignored_properties
    # jsonb has no "add the numbers" operator: merge in SQL from each side's entries.
    return text(
        "(SELECT coalesce(jsonb_object_agg(key, total), '{}'::jsonb) FROM ("
        " SELECT key, sum(value::int) AS total FROM ("
        "  SELECT * FROM jsonb_each_text(imports.ignored_properties)"
        "  UNION ALL SELECT * FROM jsonb_each_text(CAST(:ignored AS jsonb))"
        " ) AS entries GROUP BY key) AS totals)"
    ).bindparams(ignored=json.dumps(ignored))


def finish_if_done(session: Session, import_id: UUID) -> ImportJob | None:
    """Mark the import completed once no row is pending; returns it if this call did."""
    pending = exists().where(ImportRow.import_id == import_id, ImportRow.status == "pending")
    return session.scalars(
        update(ImportJob)
        .where(ImportJob.id == import_id, ImportJob.status.in_(("queued", "running")), ~pending)
        .values(status="completed", finished_at=utcnow(), heartbeat_at=utcnow())
        .returning(ImportJob),
        execution_options={"synchronize_session": False},
    ).one_or_none()


def failed_rows(
    session: Session, import_id: UUID, *, after_line: int | None, limit: int
) -> list[ImportRow]:
    query = select(ImportRow).where(ImportRow.import_id == import_id, ImportRow.status == "failed")
    if after_line is not None:
        query = query.where(ImportRow.line > after_line)
    return list(session.scalars(query.order_by(ImportRow.line).limit(limit + 1)))


def stale(session: Session, before: datetime) -> list[UUID]:
    """Unfinished imports nobody worked on since ``before`` (their runner died or its job
    was lost)."""
    last_seen = func.coalesce(ImportJob.heartbeat_at, ImportJob.created_at)
    return list(
        session.scalars(
            select(ImportJob.id).where(
                ImportJob.status.in_(("queued", "running")), last_seen < before
            )
        )
    )
