"""A digest of every row an organisation owns, table by table, read straight from Postgres:
a request that should have changed nothing must leave it equal, whatever it answered.

A row is owned through its ``organisation_id``, or through a foreign key to a row that is
owned (an application's events, a delivery's attempts). Tables that belong to no
organisation are listed in GLOBAL with the reason; a new table that is in neither fails."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Table,
    Text,
    cast,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from models import Base

GLOBAL = {
    "taxonomies": "reference data of the whole service, no API writes it",
    "taxonomy_concepts": "as above; thousands of rows, too many to digest per request",
    "taxonomy_labels": "as above (their embeddings are cached on first use)",
    "outbox_jobs": "jobs of any organisation, waiting for the broker",
    "idempotency_keys": "answers kept per API key and Idempotency-Key",
}
# The tables nobody owns that a refused request must leave as they were.
DIGESTED = ("outbox_jobs", "idempotency_keys")


def _owner(table: Table, organisation_id: UUID) -> ColumnElement[bool] | None:
    if table.name == "organisations":
        return table.c.id == organisation_id
    if "organisation_id" in table.c:
        return table.c.organisation_id == organisation_id
    for fk in sorted(table.foreign_keys, key=lambda fk: fk.parent.name):
        parent = fk.column.table
        if parent is table:
            continue
        owned = _owner(parent, organisation_id)
        if owned is not None:
            return fk.parent.in_(select(fk.column).where(owned))
    return None


def _digest(table: Table, where: ColumnElement[bool] | None) -> Select[str, str]:
    rows = select(table)
    if where is not None:
        rows = rows.where(where)
    row = cast(literal_column("t"), Text)
    joined = func.string_agg(row, aggregate_order_by(literal("|"), row))
    return select(literal(table.name), func.md5(func.coalesce(joined, ""))).select_from(
        rows.subquery("t")
    )


def unowned_tables() -> set[str]:
    """Tables with no way to an organisation (the GLOBAL ones, and any new one)."""
    probe = UUID(int=0)
    return {t.name for t in Base.metadata.sorted_tables if _owner(t, probe) is None}


def fingerprint(connection: Connection, organisation_id: str | None) -> dict[str, str]:
    """Digest per table of the organisation's rows; with ``None``, of the DIGESTED ones."""
    queries = []
    for table in Base.metadata.sorted_tables:
        if organisation_id is None:
            if table.name in DIGESTED:
                queries.append(_digest(table, None))
            continue
        owned = _owner(table, UUID(organisation_id))
        if owned is not None:
            queries.append(_digest(table, owned))
    # Rows, not the result: a result has keys() and would be read as a mapping.
    return dict(connection.execute(union_all(*queries)).all())


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))
