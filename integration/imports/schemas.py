"""Bulk import shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

ImportKind = Literal["candidates", "vacancies", "employees"]
FileFormat = Literal["ndjson", "csv"]
RecordFormat = Literal["talentmesh", "jsonresume", "jobposting"]
ImportMode = Literal["create", "upsert"]
ImportStatus = Literal["queued", "running", "completed", "cancelled"]


class ImportOut(BaseModel):
    id: UUID
    kind: ImportKind
    format: FileFormat
    schema_: RecordFormat = Field(alias="schema", serialization_alias="schema")
    mode: ImportMode
    filename: str | None
    status: ImportStatus = Field(
        description="queued, running, completed (every row imported or reported), cancelled."
    )
    total_rows: int
    succeeded_rows: int
    failed_rows: int = Field(description="Rows reported at `errors_url`; nothing of them stored.")
    pending_rows: int
    progress: float = Field(description="Share of rows done, 0 to 1.")
    rows_per_second: float | None = Field(description="Rows done per second while running.")
    ignored_properties: dict[str, int] = Field(
        description="Properties of the documents the product does not store, and in how many "
        "rows they appeared."
    )
    errors_url: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    model_config = {"populate_by_name": True}


class FieldIssue(BaseModel):
    field: str = Field(description="Dotted path of the field in the row, e.g. `location.country`.")
    message: str


class RowError(BaseModel):
    line: int = Field(description="Line of the file (for CSV the header is line 1).")
    errors: list[FieldIssue]
    row: Any = Field(description="The row as sent (parsed when it was JSON).")


class RowErrorPage(BaseModel):
    data: list[RowError]
    next_cursor: str | None
