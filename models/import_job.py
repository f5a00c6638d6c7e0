"""Bulk imports: the job and its rows, staged in the database when the file arrives so that
any worker can process them, and resume, row by row."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin, TimestampMixin
from models.employee import one_of

IMPORT_KINDS = ("candidates", "vacancies", "employees")
IMPORT_STATUSES = ("queued", "running", "completed", "cancelled")
ROW_STATUSES = ("pending", "done", "failed")


class ImportJob(IdMixin, TimestampMixin, Base):
    __tablename__ = "imports"
    __table_args__ = (
        Index(None, "organisation_id", "id"),
        CheckConstraint(one_of("kind", IMPORT_KINDS), name="kind"),
        CheckConstraint(one_of("status", IMPORT_STATUSES), name="status"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(20))
    file_format: Mapped[str] = mapped_column(String(10))
    record_format: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(10))
    filename: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(12), default="queued")
    total_rows: Mapped[int] = mapped_column(Integer)
    succeeded_rows: Mapped[int] = mapped_column(Integer, default=0)
    failed_rows: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Written with every batch; a running import whose heartbeat stops is picked up again.
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Properties of the rows' documents the product does not store, with how many rows had
    # each (JSON Resume and JobPosting rows).
    ignored_properties: Mapped[dict[str, int]] = mapped_column(JSONB, default=dict)


class ImportRow(Base):
    __tablename__ = "import_rows"
    __table_args__ = (
        Index(
            "ix_import_rows_pending",
            "import_id",
            "line",
            postgresql_where="status = 'pending'",
        ),
        Index(
            "ix_import_rows_failed",
            "import_id",
            "line",
            postgresql_where="status = 'failed'",
        ),
        CheckConstraint(one_of("status", ROW_STATUSES), name="status"),
    )

    import_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("imports.id", ondelete="CASCADE"), primary_key=True
    )
    # Line of the file (NDJSON) or record number counting the header as line 1 (CSV).
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The row as sent; cleared once the row is imported, kept for a failed row's report.
    raw: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default="pending")
    record_id: Mapped[uuid.UUID | None] = mapped_column()
    errors: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
