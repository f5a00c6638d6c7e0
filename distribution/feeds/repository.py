"""All queries of the feeds: an organisation by slug, its listed vacancies, what their
validators (ETag, Last-Modified) are computed from, and the boards' tracked links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, String, cast, func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by, insert
from sqlalchemy.orm import Session

from models import Event, Organisation, TrackedLink, Vacancy


@dataclass(frozen=True)
class Listing:
    """What decides a feed's content besides its format: the listed vacancies (count and a
    digest of their ids and change times) and the last change of any of the organisation's
    vacancies, listed, unlisted or deleted (one closed by hand has left the list but
    changed it)."""

    count: int
    digest: str
    last_change: datetime | None


def organisation(session: Session, slug: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.slug == slug))


def _listed(organisation_id: UUID, now: datetime) -> list[ColumnElement[bool]]:
    # The same rule as the vacancy page (Vacancy.is_public): open and not past its closing date.
    return [
        Vacancy.organisation_id == organisation_id,
        Vacancy.status == "open",
        Vacancy.valid_through.is_(None) | (Vacancy.valid_through > now),
    ]


def listing(session: Session, organisation_id: UUID, now: datetime) -> Listing:
    """The listing's validators in two aggregate queries, without reading any vacancy."""
    entry = cast(Vacancy.id, String) + "@" + cast(func.extract("epoch", Vacancy.updated_at), String)
    count, digest = session.execute(
        select(
            func.count(),
            func.coalesce(
                func.md5(
                    func.string_agg(entry, aggregate_order_by(literal_column("','"), Vacancy.id))
                ),
                "",
            ),
        ).where(*_listed(organisation_id, now))
    ).one()
    # A vacancy that passed its closing date left the list at that moment; one deleted
    # left no row, only its event (a partial index holds just these).
    expired = func.max(Vacancy.valid_through).filter(Vacancy.valid_through <= now)
    changed = (
        select(func.greatest(func.max(Vacancy.updated_at), expired))
        .where(Vacancy.organisation_id == organisation_id)
        .scalar_subquery()
    )
    deleted = (
        select(func.max(Event.occurred_at))
        .where(Event.organisation_id == organisation_id, Event.type == "vacancy.deleted")
        .scalar_subquery()
    )
    last_change = session.scalar(select(func.greatest(changed, deleted)))
    return Listing(count=count, digest=digest, last_change=last_change)


def listed_vacancies(
    session: Session, organisation_id: UUID, now: datetime, limit: int
) -> Sequence[Vacancy]:
    """The listed vacancies, newest first."""
    published = func.coalesce(Vacancy.posted_at, Vacancy.created_at)
    return session.scalars(
        select(Vacancy)
        .where(*_listed(organisation_id, now))
        .order_by(published.desc(), Vacancy.id.desc())
        .limit(limit)
    ).all()


def board_codes(session: Session, vacancy_ids: Sequence[UUID], board: str) -> dict[UUID, str]:
    """The codes of the board's links of these vacancies that exist (vacancy id -> code)."""
    rows = session.execute(
        select(TrackedLink.vacancy_id, TrackedLink.code).where(
            TrackedLink.vacancy_id.in_(vacancy_ids),
            TrackedLink.channel == board,
            TrackedLink.parent_id.is_(None),
            TrackedLink.campaign_id.is_(None),
            TrackedLink.employee_id.is_(None),
        )
    )
    return {row.vacancy_id: row.code for row in rows}


def insert_board_links(session: Session, values: list[dict[str, object]]) -> dict[UUID, str]:
    """Insert board links; a row whose vacancy already has the board's link (written
    concurrently) or whose code is taken is skipped. Returns those written."""
    if not values:
        return {}
    statement = (
        insert(TrackedLink)
        .values(values)
        .on_conflict_do_nothing()
        .returning(TrackedLink.vacancy_id, TrackedLink.code)
    )
    return {row.vacancy_id: row.code for row in session.execute(statement)}
