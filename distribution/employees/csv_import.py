"""Bulk import of employees from CSV, shared by ``talentmesh employees import`` and
``POST /v1/employees/import``.

The file has a header row; ``name`` and ``email`` are required, the other known columns
optional, unknown columns an error. ``fields`` and ``channels`` are ``;``-separated lists,
``opted_out`` is true, false or empty. Each row updates the employee with its
``external_id``, or else with its email, or creates one. A column left out of the header
keeps the stored value; an empty cell clears it, except ``external_id`` (empty: match by
email, keep the stored id) and ``opted_out`` (empty: leave as is).

Every row is checked, against the file and against the stored employees, before anything
is written: one bad row rejects the whole file with every problem listed by line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pydantic import Field, ValidationError
from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from distribution.employees import fit, repository
from distribution.employees.repository import IMPORT_COLUMNS
from distribution.employees.schemas import (
    ChannelList,
    Department,
    ExternalId,
    FieldList,
    ImportResult,
    Name,
)
from matching.candidates.schemas import NormalisedEmail
from matching.embeddings.encoder import Vectors
from matching.types import StrictModel
from models.base import uuid7
from runtime.errors import ConflictError, FieldError, ValidationFailedError
from runtime.outbox import enqueue

COLUMNS = ("external_id", "name", "email", "department", "fields", "channels", "opted_out")
REQUIRED = ("name", "email")
LIST_COLUMNS = ("fields", "channels")
# Rows written (and embedded) per step; a step is one upsert and at most a few encoder calls.
WRITE_CHUNK = 500
_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}

Progress = Callable[[int], None]


class _Row(StrictModel):
    external_id: ExternalId | None = None
    name: Name
    email: NormalisedEmail
    department: Department | None = None
    fields: FieldList = Field(default_factory=list)
    channels: ChannelList = Field(default_factory=list)
    opted_out: bool | None = None


@dataclass(frozen=True)
class ImportRow:
    line: int
    values: _Row


@dataclass(frozen=True)
class ParsedFile:
    columns: frozenset[str]
    rows: list[ImportRow]


@dataclass(frozen=True)
class _Final:
    """The state an import row leaves its employee in (what ``fit`` embeds)."""

    id: UUID
    organisation_id: UUID
    fields: list[str]
    department: str | None


def _invalid(errors: list[FieldError]) -> ValidationFailedError:
    lines = {e.field.split(":")[0] for e in errors}
    return ValidationFailedError(
        f"the file was not imported: {len(errors)} problem(s) in {len(lines)} place(s)",
        errors=errors,
    )


def decode(data: bytes) -> str:
    """UTF-8, with or without a byte order mark (as spreadsheet programs write it)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _invalid(
            [FieldError("csv", f"not UTF-8 text (invalid byte at offset {exc.start})")]
        ) from exc
    # PostgreSQL text cannot hold a NUL, and no text file has one.
    nul = text.find("\x00")
    if nul != -1:
        line = text.count("\n", 0, nul) + 1
        raise _invalid([FieldError("csv", f"a NUL character on line {line}; not text")])
    return text


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) of every non-blank record; quoted cells may span lines."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _invalid([FieldError(f"line {line}", f"malformed CSV: {exc}")]) from exc
        if any(cell.strip() for cell in cells):
            yield line, cells


def _header(cells: list[str]) -> tuple[list[str], list[FieldError]]:
    names = [cell.strip().lower() for cell in cells]
    errors: list[FieldError] = []
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        errors.append(
            FieldError(
                "header",
                f"unknown column(s) {', '.join(map(repr, unknown))}; "
                f"the columns are {', '.join(COLUMNS)}",
            )
        )
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        errors.append(FieldError("header", f"missing required column(s) {', '.join(missing)}"))
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        errors.append(FieldError("header", f"column(s) named twice: {', '.join(repeated)}"))
    return names, errors


def _cell_values(
    names: list[str], cells: list[str], line: int
) -> tuple[dict[str, Any], list[FieldError]]:
    errors: list[FieldError] = []
    if len(cells) > len(names):
        errors.append(
            FieldError(f"line {line}", f"has {len(cells)} cells but the header names {len(names)}")
        )
    values: dict[str, Any] = {}
    for name, cell in zip(names, cells, strict=False):
        cell = cell.strip()
        if name in LIST_COLUMNS:
            values[name] = [part for part in (p.strip() for p in cell.split(";")) if part]
        elif name == "opted_out":
            if cell and cell.lower() not in _BOOLEANS:
                errors.append(FieldError(f"line {line}: opted_out", "must be true, false or empty"))
            values[name] = _BOOLEANS.get(cell.lower())
        elif cell or name not in REQUIRED:
            # A required column left empty is reported as missing, not as a wrong type.
            values[name] = cell or None
    return values, errors


def _location(line: int, loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if not (isinstance(p, str) and "[" in p)]
    return f"line {line}: {'.'.join(parts)}" if parts else f"line {line}"


def parse(text: str) -> ParsedFile:
    """Read and check the whole file; raises a validation error listing every bad row."""
    records = _records(text)
    first = next(records, None)
    if first is None:
        raise _invalid([FieldError("header", "the file is empty; a header row is required")])
    names, errors = _header(first[1])
    if errors:
        raise _invalid(errors)
    rows: list[ImportRow] = []
    seen_email: dict[str, int] = {}
    seen_external: dict[str, int] = {}
    for line, cells in records:
        values, row_errors = _cell_values(names, cells, line)
        errors += row_errors
        try:
            row = _Row.model_validate(values)
        except ValidationError as exc:
            errors += [
                FieldError(_location(line, tuple(e["loc"])), str(e["msg"])) for e in exc.errors()
            ]
            continue
        if row.email in seen_email:
            errors.append(
                FieldError(f"line {line}: email", f"same email as line {seen_email[row.email]}")
            )
        seen_email.setdefault(row.email, line)
        if row.external_id is not None:
            if row.external_id in seen_external:
                where = seen_external[row.external_id]
                errors.append(
                    FieldError(f"line {line}: external_id", f"same external_id as line {where}")
                )
            seen_external.setdefault(row.external_id, line)
        if not row_errors:
            rows.append(ImportRow(line, row))
    if errors:
        raise _invalid(errors)
    return ParsedFile(frozenset(names), rows)


def _match(
    rows: list[ImportRow], stored: list[Row[Any]]
) -> tuple[list[Row[Any] | None], list[FieldError]]:
    """The stored employee each row updates (None: a new one), and the rows that cannot be
    applied because their email or external_id belongs to someone else."""
    by_external = {r.external_id: r for r in stored if r.external_id is not None}
    by_email = {r.email: r for r in stored}
    targets: list[Row[Any] | None] = []
    errors: list[FieldError] = []
    claimed: dict[UUID, int] = {}
    for item in rows:
        row, line = item.values, item.line
        target = by_external.get(row.external_id) if row.external_id else None
        holder = by_email.get(row.email)
        if target is None and holder is not None:
            if row.external_id and holder.external_id not in (None, row.external_id):
                errors.append(
                    FieldError(
                        f"line {line}: email",
                        f"belongs to the employee with external_id {holder.external_id!r}",
                    )
                )
                continue
            target = holder
        elif target is not None and holder is not None and holder.id != target.id:
            errors.append(
                FieldError(f"line {line}: email", f"belongs to another employee ({holder.id})")
            )
            continue
        if target is not None:
            if target.id in claimed:
                errors.append(
                    FieldError(
                        f"line {line}", f"updates the same employee as line {claimed[target.id]}"
                    )
                )
                continue
            claimed[target.id] = line
        targets.append(target)
    return targets, errors


def _final(
    row: _Row, columns: frozenset[str], target: Row[Any] | None, now: datetime
) -> dict[str, Any]:
    old: dict[str, Any] = dict(target._mapping) if target is not None else {}
    state: dict[str, Any] = {
        "id": old.get("id") or uuid7(),
        "external_id": row.external_id or old.get("external_id"),
        "name": row.name,
        "email": row.email,
    }
    for name, empty in (("department", None), ("fields", []), ("channels", [])):
        state[name] = getattr(row, name) if name in columns else old.get(name, empty)
    opted_in, opted_out = old.get("opted_in_at"), old.get("opted_out_at")
    if row.opted_out is True and opted_out is None:
        opted_out = now
    elif row.opted_out is False and (opted_out is not None or opted_in is None):
        opted_in, opted_out = now, None
    state["opted_in_at"], state["opted_out_at"] = opted_in, opted_out
    return state


def import_rows(
    session: Session,
    organisation_id: UUID,
    parsed: ParsedFile,
    model: str,
    progress: Progress | None = None,
    *,
    embed_later: bool = False,
) -> ImportResult:
    """Apply checked rows: match them, check them against the stored employees, then upsert
    and embed them a chunk at a time. Nothing is written unless every row can be applied.

    With ``embed_later`` the fields are embedded by background jobs written in the same
    transaction (a large file would otherwise keep an HTTP request busy for minutes)."""
    rows = parsed.rows
    stored = list(
        repository.rows_matching(
            session,
            organisation_id,
            [r.values.external_id for r in rows if r.values.external_id],
            [r.values.email for r in rows],
        )
    )
    targets, errors = _match(rows, stored)
    unknown = fit.unknown_concepts(session, (f for r in rows for f in r.values.fields))
    for item in rows:
        errors += [
            FieldError(f"line {item.line}: fields", f"no imported taxonomy has the concept {f!r}")
            for f in item.values.fields
            if f in unknown
        ]
    if errors:
        raise _invalid(sorted(errors, key=lambda e: int(e.field.split(":")[0].split()[1])))

    now = datetime.now(UTC)
    created = updated = 0
    finals: list[dict[str, Any]] = []
    write_ids: set[UUID] = set()
    for item, target in zip(rows, targets, strict=True):
        state = _final(item.values, parsed.columns, target, now)
        finals.append(state)
        if target is None:
            created += 1
        elif any(state[name] != getattr(target, name) for name in IMPORT_COLUMNS):
            updated += 1
        else:
            continue
        write_ids.add(state["id"])
    known: dict[str, Vectors] = {}
    try:
        with session.begin_nested():
            for start in range(0, len(finals), WRITE_CHUNK):
                chunk = finals[start : start + WRITE_CHUNK]
                repository.upsert(
                    session,
                    [
                        {
                            **s,
                            "organisation_id": organisation_id,
                            "created_at": now,
                            "updated_at": now,
                        }
                        for s in chunk
                        if s["id"] in write_ids
                    ],
                )
                finals_chunk = [
                    _Final(s["id"], organisation_id, s["fields"], s["department"]) for s in chunk
                ]
                if embed_later:
                    ids = [str(s["id"]) for s in chunk]
                    enqueue(session, "distribution.embed_employees", employee_ids=ids)
                else:
                    fit.embed_employees(session, finals_chunk, model, known=known)
                if progress is not None:
                    progress(len(chunk))
    except IntegrityError as exc:
        raise ConflictError(
            "employees with these emails or external ids were changed at the same time; "
            "send the file again"
        ) from exc
    return ImportResult(created=created, updated=updated, unchanged=len(rows) - created - updated)


def import_csv(
    session: Session,
    organisation_id: UUID,
    text: str,
    model: str,
    progress: Progress | None = None,
    *,
    embed_later: bool = False,
) -> ImportResult:
    """Parse, check and apply a whole CSV file (see the module docstring)."""
    return import_rows(
        session, organisation_id, parse(text), model, progress, embed_later=embed_later
    )
