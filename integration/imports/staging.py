"""Reading an uploaded file into rows: each row is kept as the JSON text of one record, so
the worker handles NDJSON and CSV alike.

NDJSON: one JSON object per line; blank lines are skipped. CSV: a header row naming the
fields; nested fields as dotted names (``location.city``, ``salary.min``), list fields
separated by ``;``, and fields holding lists of objects (``experience``, ``education``,
``profiles``) as JSON. An empty cell leaves the field out. A file that cannot be read as a
whole (not UTF-8, unknown CSV columns, no rows) is refused before anything is stored; a bad
row is reported on its own and the others are imported.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from runtime.errors import FieldError, ValidationFailedError

MAX_ROWS = 1_000_000
LOCATION = ("street", "postal_code", "city", "region", "country", "lat", "lon")
# Per kind: plain columns, ;-separated list columns and JSON columns.
COLUMNS: dict[str, tuple[set[str], set[str], set[str]]] = {
    "candidates": (
        {
            "external_id",
            "name",
            "email",
            "phone",
            "headline",
            "website",
            "summary",
            "language",
            "remote",
            *(f"location.{f}" for f in LOCATION),
            "consent.given_at",
            "consent.purpose",
            "consent.retention_until",
        },
        {"skills", "languages"},
        {"experience", "education", "profiles"},
    ),
    "vacancies": (
        {
            "external_id",
            "title",
            "description",
            "language",
            "remote",
            "employment_type",
            "hours_per_week",
            "apply_url",
            "posted_at",
            "valid_through",
            "status",
            *(f"location.{f}" for f in LOCATION),
            "salary.min",
            "salary.max",
            "salary.currency",
            "salary.period",
        },
        {"required_skills", "nice_to_have_skills", "required_languages", "remote_countries"},
        set(),
    ),
    "employees": (
        {"external_id", "name", "email", "department", "opted_in_at", "opted_out_at"},
        {"fields", "channels"},
        set(),
    ),
}
# A CSV row that cannot become a record carries its problem under this key.
ROW_PROBLEM = "__problem__"


@dataclass(frozen=True)
class Staged:
    rows: list[tuple[int, str]]


def _refuse(field: str, message: str) -> ValidationFailedError:
    return ValidationFailedError(message, errors=[FieldError(field, message)])


def decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _refuse("file", f"the file is not UTF-8 text (byte {exc.start})") from exc
    # Rows are staged as text, which PostgreSQL cannot hold with a NUL in it; no text file
    # has one.
    nul = text.find("\x00")
    if nul != -1:
        line = text.count("\n", 0, nul) + 1
        raise _refuse("file", f"the file contains a NUL character (line {line}); it is not text")
    return text


def _ndjson(text: str) -> list[tuple[int, str]]:
    # Lines end at \n (or \r\n) only: str.splitlines() would also split at U+2028, U+0085
    # and the like, which JSON allows inside strings, and cut one record in two.
    lines = (line.removesuffix("\r") for line in text.split("\n"))
    return [(number, line) for number, line in enumerate(lines, 1) if line.strip()]


def _cell(column: str, value: str, lists: set[str], jsons: set[str]) -> Any:
    if column in lists:
        return [part.strip() for part in value.split(";") if part.strip()]
    if column in jsons:
        try:
            return json.loads(value)
        except ValueError:
            return value  # reported by validation as the wrong type, with the field named
    return value


def _record(header: list[str], cells: list[str], kind: str) -> dict[str, Any]:
    if len(cells) > len(header):
        return {ROW_PROBLEM: f"{len(cells)} cells but the header names {len(header)} columns"}
    _, lists, jsons = COLUMNS[kind]
    record: dict[str, Any] = {}
    for column, value in zip(header, cells, strict=False):
        if value.strip() == "":
            continue
        target, _, part = column.partition(".")
        value = _cell(column, value.strip(), lists, jsons)
        if part:
            record.setdefault(target, {})[part] = value
        else:
            record[target] = value
    return record


def _csv(text: str, kind: str) -> list[tuple[int, str]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise _refuse("file", "the file is empty") from None
    plain, lists, jsons = COLUMNS[kind]
    known = plain | lists | jsons
    unknown = [name for name in header if name not in known]
    if unknown or len(set(header)) < len(header):
        problem = (
            f"unknown column(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            if unknown
            else "a column is named twice"
        )
        raise _refuse("header", problem)
    rows = []
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((reader.line_num, json.dumps(_record(header, cells, kind))))
    except csv.Error as exc:
        raise _refuse("file", f"line {reader.line_num}: {exc}") from exc
    return rows


def stage(data: bytes, file_format: str, kind: str, record_format: str) -> Staged:
    """The rows of an uploaded file, or a 422 for a file that cannot be read at all."""
    if file_format == "csv" and record_format != "talentmesh":
        raise _refuse("schema", f"{record_format} documents come as NDJSON, not CSV")
    text = decode(data)
    rows = _csv(text, kind) if file_format == "csv" else _ndjson(text)
    if not rows:
        raise _refuse("file", "the file has no rows")
    if len(rows) > MAX_ROWS:
        raise _refuse("file", f"the file has {len(rows)} rows; at most {MAX_ROWS} per import")
    return Staged(rows)
