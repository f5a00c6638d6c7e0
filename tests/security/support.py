"""What the hostile-input tests share: the rows of every table, to prove a refused request
stored nothing anywhere, and the shape of a problem answer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from api.problems import PROBLEM_MEDIA_TYPE
from models import Base

# The taxonomy is read-only here and large; every other table is counted.
_SKIPPED = ("taxonomy", "taxonomies")


def row_counts(db: Session) -> dict[str, int]:
    """Rows per table, in one query."""
    tables = [t for t in Base.metadata.sorted_tables if not t.name.startswith(_SKIPPED)]
    query = union_all(
        *(
            select(literal(t.name).label("name"), func.count().label("n")).select_from(t)
            for t in tables
        )
    )
    return {name: int(n) for name, n in db.execute(query)}


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {name: (before[name], after[name]) for name in before if before[name] != after[name]}


def problem_text(response: Any) -> str:
    """Detail and field messages of a problem answer, for checking that it names the
    problem; '' when the answer is not a problem document."""
    if response.headers.get("content-type") != PROBLEM_MEDIA_TYPE:
        return ""
    body = response.json()
    messages = [f"{e['field']}: {e['message']}" for e in body.get("errors") or []]
    return " | ".join([str(body.get("detail") or ""), *messages])


def problem_failure(response: Any, statuses: tuple[int, ...], fragment: str) -> str | None:
    """Why ``response`` is not a problem with one of ``statuses`` naming ``fragment``
    (case-insensitive), or ``None`` when it is."""
    if response.status_code not in statuses:
        return f"answered {response.status_code}: {response.text[:300]}"
    if response.headers.get("content-type") != PROBLEM_MEDIA_TYPE:
        return f"answered {response.headers.get('content-type')}, not a problem document"
    body = response.json()
    if body.get("status") != response.status_code or not body.get("type") or not body.get("title"):
        return f"incomplete problem document: {body}"
    text = problem_text(response)
    if fragment.lower() not in text.lower():
        return f"the problem does not name {fragment!r}: {text[:300]}"
    return None
