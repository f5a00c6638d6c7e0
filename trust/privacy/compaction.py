"""Physical removal of erased data from PostgreSQL's files.

An erasure removes the person from every table at once, but PostgreSQL keeps the old row
versions in its data files until they are rewritten, and in WAL segments until those are
removed after a checkpoint. Compaction rewrites the tables that hold personal data
(``VACUUM FULL``: each table is locked while it is rewritten, so run it off-peak), then
switches to a new WAL segment and checkpoints, so that with ``wal_recycle = off`` (the
embedded server's setting) the segments written before are deleted. Backups and WAL
archives age out under the operator's own retention."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

# Every table a person's data may have been written to.
PERSONAL_TABLES = (
    "candidates",
    "candidate_documents",
    "section_embeddings",
    "concept_mentions",
    "applications",
    "application_events",
    "events",
    "webhook_deliveries",
    "webhook_attempts",
    "idempotency_keys",
    "import_rows",
    "audit_entries",
    "clicks",
    "tracked_links",
    "outbox_jobs",
)


@dataclass
class CompactionReport:
    tables: list[str] = field(default_factory=list)
    wal_flushed: bool = False
    problem: str | None = None


def compact(engine: Engine) -> CompactionReport:
    report = CompactionReport()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        quote = connection.dialect.identifier_preparer.quote
        for table in PERSONAL_TABLES:
            # Identifiers cannot be bound parameters; these are the constants above.
            connection.execute(text(f"VACUUM (FULL, ANALYZE) {quote(table)}"))
            report.tables.append(table)
        try:
            connection.execute(text("SELECT pg_switch_wal()"))
            connection.execute(text("CHECKPOINT"))
        except DBAPIError as exc:
            # Needs a superuser or the pg_checkpoint role; the tables are compacted anyway.
            report.problem = f"WAL not flushed: {exc.orig or exc}"
        else:
            report.wal_flushed = True
    return report
