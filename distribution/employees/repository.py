"""All employee queries; every one is scoped to an organisation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import ARRAY, Row, Text, any_, bindparam, delete, or_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from models import Employee, RewardEntry, SectionEmbedding, TaxonomyConcept, TaxonomyLabel

# Every column an import may set; the order is the order of ``EmployeeRow`` below.
IMPORT_COLUMNS = (
    "id",
    "external_id",
    "name",
    "email",
    "department",
    "fields",
    "channels",
    "opted_in_at",
    "opted_out_at",
)
EMPLOYEE_OWNER = "employee"
FIELDS_SECTION = "fields"


def get(session: Session, organisation_id: UUID, employee_id: UUID) -> Employee | None:
    return session.scalar(
        select(Employee).where(
            Employee.organisation_id == organisation_id, Employee.id == employee_id
        )
    )


def get_by_external_id(
    session: Session, organisation_id: UUID, external_id: str
) -> Employee | None:
    return session.scalar(
        select(Employee).where(
            Employee.organisation_id == organisation_id, Employee.external_id == external_id
        )
    )


def get_by_email(session: Session, organisation_id: UUID, email: str) -> Employee | None:
    return session.scalar(
        select(Employee).where(Employee.organisation_id == organisation_id, Employee.email == email)
    )


def list_page(
    session: Session,
    organisation_id: UUID,
    *,
    limit: int,
    after_id: UUID | None = None,
    department: str | None = None,
    external_id: str | None = None,
    opted_out: bool | None = None,
) -> list[Employee]:
    """Keyset page ordered by id (time-ordered UUIDs); one row more than asked tells if there
    is a next page."""
    query = select(Employee).where(Employee.organisation_id == organisation_id)
    if after_id is not None:
        query = query.where(Employee.id > after_id)
    if department is not None:
        query = query.where(Employee.department == department)
    if external_id is not None:
        query = query.where(Employee.external_id == external_id)
    if opted_out is not None:
        column = Employee.opted_out_at
        query = query.where(column.is_not(None) if opted_out else column.is_(None))
    return list(session.scalars(query.order_by(Employee.id).limit(limit + 1)))


def rows_matching(
    session: Session, organisation_id: UUID, external_ids: Sequence[str], emails: Sequence[str]
) -> Sequence[Row[Any]]:
    """The stored state of every employee an import may touch, as plain rows (no ORM
    objects, so the set-based upsert that follows leaves nothing stale in the session)."""
    columns = [getattr(Employee, name) for name in IMPORT_COLUMNS]
    # Arrays, not IN lists: a large file would pass the driver's limit of bind parameters.
    external = bindparam("external_ids", list(external_ids), type_=ARRAY(Text))
    addresses = bindparam("emails", list(emails), type_=ARRAY(Text))
    return session.execute(
        select(*columns).where(
            Employee.organisation_id == organisation_id,
            or_(Employee.external_id == any_(external), Employee.email == any_(addresses)),
        )
    ).all()


def upsert(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert new employees and overwrite changed ones in one statement per call. Rows carry
    their final id (new ones a fresh one), so the conflict target is the primary key."""
    if not rows:
        return
    statement = pg_insert(Employee)
    changed = [*IMPORT_COLUMNS[1:], "updated_at"]
    statement = statement.on_conflict_do_update(
        index_elements=[Employee.id],
        set_={name: statement.excluded[name] for name in changed},
    )
    session.execute(statement, list(rows))


def concept_labels(session: Session, uris: Sequence[str]) -> dict[str, list[str]]:
    """Preferred labels of taxonomy concepts by URI, Dutch before English, any taxonomy."""
    if not uris:
        return {}
    rows = session.execute(
        select(TaxonomyConcept.uri, TaxonomyLabel.text)
        .join(TaxonomyLabel, TaxonomyLabel.concept_id == TaxonomyConcept.id)
        .where(TaxonomyConcept.uri.in_(uris), TaxonomyLabel.label_type == "preferred")
        .order_by(TaxonomyConcept.uri, TaxonomyLabel.lang.desc(), TaxonomyLabel.text)
    ).all()
    labels: dict[str, list[str]] = {}
    for uri, label in rows:
        known = labels.setdefault(uri, [])
        if label not in known:
            known.append(label)
    return labels


def fields_texts(session: Session, owner_ids: Sequence[UUID], model: str) -> dict[UUID, str]:
    """The text each employee's stored fields vector was made from, for ``model``."""
    if not owner_ids:
        return {}
    rows = session.execute(
        select(SectionEmbedding.owner_id, SectionEmbedding.text).where(
            SectionEmbedding.owner_id.in_(owner_ids),
            SectionEmbedding.owner_kind == EMPLOYEE_OWNER,
            SectionEmbedding.section == FIELDS_SECTION,
            SectionEmbedding.model == model,
        )
    ).all()
    return {row.owner_id: row.text for row in rows}


def delete_vectors(session: Session, owner_ids: Sequence[UUID], model: str | None = None) -> None:
    """Employees' vectors: of one model (a re-embedding), or of every model (a delete)."""
    if owner_ids:
        query = delete(SectionEmbedding).where(
            SectionEmbedding.owner_kind == "employee", SectionEmbedding.owner_id.in_(owner_ids)
        )
        if model is not None:
            query = query.where(SectionEmbedding.model == model)
        session.execute(query)


def insert_vectors(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(pg_insert(SectionEmbedding), list(rows))


@dataclass(frozen=True)
class FitRow:
    employee_id: UUID
    similarity: float | None
    applications: int
    hires: int
    referral: float
    score: float


# One exact scan over the organisation's eligible employees: per employee the best cosine
# similarity between its fields vector and any section of the vacancy (vectors are unit
# length, so 1 - cosine distance), plus the capped referral term.
_BEST_FIT = text(
    """
    WITH pool AS (
        SELECT id FROM employees
        WHERE organisation_id = :org AND opted_out_at IS NULL
          AND (cardinality(CAST(:channels AS text[])) = 0 OR cardinality(channels) = 0
               OR channels && CAST(:channels AS text[]))
    ), vacancy AS (
        SELECT embedding FROM section_embeddings
        WHERE organisation_id = :org AND owner_kind = 'vacancy' AND owner_id = :vacancy
          AND model = :model
    ), similarity AS (
        SELECT s.owner_id AS id, max(1 - (s.embedding <=> v.embedding)) AS similarity
        FROM section_embeddings s
        JOIN pool ON pool.id = s.owner_id
        CROSS JOIN vacancy v
        WHERE s.organisation_id = :org AND s.owner_kind = 'employee' AND s.model = :model
          AND s.section = 'fields'
        GROUP BY s.owner_id
    ), referrals AS (
        SELECT a.referrer_employee_id AS id, count(*) AS applications,
               count(*) FILTER (WHERE a.status = 'hired') AS hires
        FROM applications a
        JOIN pool ON pool.id = a.referrer_employee_id
        WHERE a.organisation_id = :org
        GROUP BY a.referrer_employee_id
    ), scored AS (
        SELECT pool.id, similarity.similarity,
               coalesce(referrals.applications, 0) AS applications,
               coalesce(referrals.hires, 0) AS hires,
               least(:cap, :per_hire * coalesce(referrals.hires, 0)
                           + :per_application * coalesce(referrals.applications, 0)) AS referral
        FROM pool
        LEFT JOIN similarity ON similarity.id = pool.id
        LEFT JOIN referrals ON referrals.id = pool.id
    )
    SELECT id, similarity, applications, hires, referral,
           coalesce(similarity, 0) + referral AS score
    FROM scored
    ORDER BY score DESC, similarity IS NULL, id
    LIMIT :limit
    """
)


def best_fit(
    session: Session,
    organisation_id: UUID,
    vacancy_id: UUID,
    model: str,
    *,
    limit: int,
    channels: Sequence[str],
    per_hire: float,
    per_application: float,
    cap: float,
) -> list[FitRow]:
    rows = session.execute(
        _BEST_FIT,
        {
            "org": organisation_id,
            "vacancy": vacancy_id,
            "model": model,
            "channels": list(channels),
            "per_hire": per_hire,
            "per_application": per_application,
            "cap": cap,
            "limit": limit,
        },
    ).all()
    return [
        FitRow(
            employee_id=row.id,
            similarity=None if row.similarity is None else float(row.similarity),
            applications=int(row.applications),
            hires=int(row.hires),
            referral=float(row.referral),
            score=float(row.score),
        )
        for row in rows
    ]


def by_ids(session: Session, ids: Sequence[UUID]) -> list[Employee]:
    return list(session.scalars(select(Employee).where(Employee.id.in_(ids)).order_by(Employee.id)))


def has_rewards(session: Session, employee_id: UUID) -> bool:
    found = session.scalar(
        select(RewardEntry.id).where(RewardEntry.employee_id == employee_id).limit(1)
    )
    return found is not None
