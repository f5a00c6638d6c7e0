"""Reader for the official ESCO CSV download format (occupations or skills).

The official files have one concept per row with `conceptUri`, `preferredLabel`, `altLabels`,
`hiddenLabels` (both newline-separated inside one quoted cell) and `description`; occupations also
carry `iscoGroup` and `code`. Some redistributions (the ESCO v1.1.1 export used by Tabiya) spell
the headers in upper case and call the URI `ORIGINURI` and the group `ISCOGROUPCODE`, so header
names are matched case-insensitively through an alias table. Rows are streamed: full ESCO exports
are tens of MB and are read once during an import, never held in memory.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TextIO

__all__ = ["ConceptRecord", "EscoFormatError", "read_esco_csv"]


class EscoFormatError(ValueError):
    """The file is not in the ESCO CSV format (missing column, empty URI/label, broken quoting)."""


@dataclass(frozen=True)
class ConceptRecord:
    uri: str
    preferred: str
    alt: tuple[str, ...]
    hidden: tuple[str, ...]
    description: str
    isco_group: str | None


# Lower-cased header name -> field. Other columns (status, inScheme, modifiedDate, ...) are ignored.
_ALIASES = {
    "concepturi": "uri",
    "originuri": "uri",
    "preferredlabel": "preferred",
    "altlabels": "alt",
    "hiddenlabels": "hidden",
    "description": "description",
    "iscogroup": "isco_group",
    "iscogroupcode": "isco_group",
    "code": "code",
}
# Only these are needed to make a concept; the English v1.1.1 export has no hiddenLabels column,
# and skill files have no ISCO group, so everything else is optional.
_REQUIRED = {"uri": "conceptUri", "preferred": "preferredLabel"}


def split_labels(cell: str, exclude: Iterable[str] = ()) -> tuple[str, ...]:
    """Newline-separated cell -> stripped, non-empty labels, de-duplicated case-insensitively
    (first spelling wins); labels in `exclude` (e.g. the preferred label) are dropped."""
    seen = {label.casefold() for label in exclude}
    labels: list[str] = []
    for raw in cell.splitlines():
        label = raw.strip()
        key = label.casefold()
        if label and key not in seen:
            seen.add(key)
            labels.append(label)
    return tuple(labels)


def _column_map(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        # A UTF-8 BOM survives into the first header cell when the stream was opened as "utf-8"
        # rather than "utf-8-sig"; the official download has one.
        field = _ALIASES.get(name.lstrip("\ufeff").strip().lower())
        if field is not None and field not in columns:
            columns[field] = index
    missing = [label for field, label in _REQUIRED.items() if field not in columns]
    if missing:
        raise EscoFormatError(
            f"not an ESCO CSV file: missing column(s) {', '.join(missing)} "
            f"in header {', '.join(header)!r}"
        )
    return columns


def _isco_group(group: str, code: str) -> str | None:
    if group:
        return group
    # Occupation codes are "<ISCO unit group>.<n>[.<n>...]": the group is the part before the dot.
    head = code.split(".", 1)[0]
    return head if len(head) == 4 and head.isdigit() else None


def read_esco_csv(stream: TextIO) -> Iterator[ConceptRecord]:
    """Yield one record per data row of an ESCO occupations or skills CSV file.

    Raises EscoFormatError naming the missing column, or the (first physical) line of a row with
    an empty URI or preferred label or broken quoting.
    """
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        raise EscoFormatError("not an ESCO CSV file: the file is empty") from None
    except csv.Error as exc:
        raise EscoFormatError(f"line 1: unreadable CSV header: {exc}") from exc
    columns = _column_map(header)

    def cell(row: list[str], field: str) -> str:
        index = columns.get(field)
        return row[index].strip() if index is not None and index < len(row) else ""

    line = reader.line_num + 1  # quoted cells span several lines; report where a row starts
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise EscoFormatError(f"line {line}: unreadable CSV row: {exc}") from exc
        start, line = line, reader.line_num + 1
        if not any(value.strip() for value in row):
            continue
        uri, preferred = cell(row, "uri"), cell(row, "preferred")
        if not uri:
            raise EscoFormatError(f"line {start}: empty conceptUri")
        if not preferred:
            raise EscoFormatError(f"line {start}: empty preferredLabel for {uri}")
        alt = split_labels(cell(row, "alt"), exclude=(preferred,))
        yield ConceptRecord(
            uri=uri,
            preferred=preferred,
            alt=alt,
            hidden=split_labels(cell(row, "hidden"), exclude=(preferred, *alt)),
            description=cell(row, "description"),
            isco_group=_isco_group(cell(row, "isco_group"), cell(row, "code")),
        )
