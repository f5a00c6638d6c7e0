"""Running an import: batches of staged rows, each batch one transaction.

A batch claims its rows (``SKIP LOCKED``), reads and writes each row in a savepoint of its
own (a bad row is reported and the others go on), indexes the batch's records with one
encoder call, and marks the rows and the counters in the same transaction. A worker that
dies mid-batch leaves nothing of that batch: its rows are pending again and the next
runner takes them. Several runners can share an import.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from celery import Celery
from pydantic import ValidationError
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from integration.events import service as events
from integration.imports import repository
from integration.imports.handlers import HANDLERS, Record
from integration.imports.staging import ROW_PROBLEM
from models import ImportJob, ImportRow
from runtime import strict_json
from runtime.errors import TalentMeshError
from runtime.outbox import unit_of_work

logger = logging.getLogger(__name__)

UNEXPECTED = [{"field": "row", "message": "this row could not be imported (the error is logged)"}]
BATCH = 64
# A runner keeps at it this long, then hands over (its job re-enqueues itself), so other
# jobs get their turn and no broker message is held near its visibility timeout.
RUN_BUDGET_SECONDS = 60.0


@dataclass(frozen=True)
class BatchResult:
    done: int
    failed: int
    finished: bool


class RowError(Exception):
    """A row that cannot be read as a record."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(errors[0]["message"])
        self.errors = errors


def _errors(exc: Exception) -> list[dict[str, str]]:
    if isinstance(exc, RowError):
        return exc.errors
    if isinstance(exc, ValidationError):
        return [
            {"field": ".".join(str(p) for p in e["loc"]) or "row", "message": str(e["msg"])}
            for e in exc.errors()
        ]
    if isinstance(exc, TalentMeshError):
        listed = [{"field": e.field, "message": e.message} for e in exc.errors]
        existing = exc.extra.get("existing_id")
        detail = f"{exc.detail} (existing_id {existing})" if existing else exc.detail
        return listed or [{"field": "row", "message": detail}]
    # Constraints the checks before writing did not catch (a race, an odd value).
    return [{"field": "row", "message": str(getattr(exc, "orig", exc)).splitlines()[0]}]


def _read(row: ImportRow) -> Any:
    try:
        # Read as the API reads a body: a NUL or a repeated key is the row's own problem,
        # not a database error in the middle of the batch.
        data = strict_json.loads(row.raw or "")
    except strict_json.JsonError as exc:
        raise RowError([{"field": "row", "message": f"not JSON: {exc}"}]) from exc
    if not isinstance(data, dict):
        raise RowError([{"field": "row", "message": "each row must be a JSON object"}])
    if ROW_PROBLEM in data:
        raise RowError([{"field": "row", "message": str(data[ROW_PROBLEM])}])
    return data


def run_batch(session: Session, import_id: UUID, model: str) -> BatchResult:
    job = session.get(ImportJob, import_id)
    if job is None or job.status in ("completed", "cancelled"):
        return BatchResult(0, 0, True)
    rows = repository.claim_rows(session, import_id, BATCH)
    if not rows:
        completed = repository.finish_if_done(session, import_id)
        if completed is not None:
            announce(session, completed)
        return BatchResult(0, 0, True)
    handler = HANDLERS[job.kind]
    reader = handler.readers[job.record_format]
    records: list[Record] = []
    outcomes: list[dict[str, Any]] = []
    ignored: Counter[str] = Counter()
    for row in rows:
        try:
            payload, left_out = reader(_read(row))
            with session.begin_nested():
                record = handler.write(session, job.organisation_id, payload, job.mode, model)
        except (RowError, ValidationError, TalentMeshError, IntegrityError, DataError) as exc:
            outcomes.append(
                {"line": row.line, "status": "failed", "record_id": None, "errors": _errors(exc)}
            )
            continue
        except (OperationalError, InterfaceError):
            raise  # the database went away: the whole batch runs again later
        except Exception:
            # A row nothing above foresaw must not stall the import in a loop of retries:
            # it is reported like any bad row, and the cause is logged for us.
            logger.exception("import %s line %s failed unexpectedly", import_id, row.line)
            outcomes.append(
                {"line": row.line, "status": "failed", "record_id": None, "errors": UNEXPECTED}
            )
            continue
        ignored.update(set(left_out))
        records.append(record)
        outcomes.append(
            {"line": row.line, "status": "done", "record_id": record.id, "errors": None}
        )
    handler.finish(session, records, model)
    repository.mark_rows(session, import_id, outcomes)
    failed = sum(1 for o in outcomes if o["status"] == "failed")
    repository.add_progress(session, import_id, len(outcomes) - failed, failed, dict(ignored))
    return BatchResult(len(outcomes) - failed, failed, False)


def announce(session: Session, job: ImportJob) -> None:
    from integration.imports.service import to_out

    data = to_out(job).model_dump(mode="json", by_alias=True)
    events.record(session, job.organisation_id, "import.completed", "import", job.id, data)


def run(
    factory: sessionmaker[Session],
    celery: Celery,
    import_id: UUID,
    model: str,
    *,
    budget: float = RUN_BUDGET_SECONDS,
    progress: Callable[[BatchResult], None] | None = None,
) -> bool:
    """Run batches until the import is finished (False) or the budget is spent (True)."""
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        with unit_of_work(factory, celery) as session:
            result = run_batch(session, import_id, model)
        if progress is not None:
            progress(result)
        if result.finished:
            return False
    return True
