"""All queries of tracked links and clicks.

Links are looked up by their code alone: a code is a bearer token, not scoped to an
organisation, because the people who follow it are anonymous.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from models import Organisation, TrackedLink, Vacancy

if TYPE_CHECKING:
    from distribution.links.clicks import ClickKey, PendingClick


@dataclass(frozen=True)
class Target:
    """What a followed link redirects to."""

    vacancy_id: UUID
    channel: str
    campaign_id: UUID | None
    apply_url: str | None
    organisation_slug: str


# One round trip: find the live link and its open vacancy, and count the click on it. A
# data-modifying CTE runs whether or not the outer query reads it, and inserts nothing when
# the link is unknown, expired or closed. The upsert serialises concurrent hits of one
# visitor on the row, so no hit is lost.
#
# A click is a counter, and the visitor waits for the redirect: the transaction does not
# wait for the disk flush of its commit (``synchronous_commit`` off for this transaction
# only; about 6 ms on the development machine, ten times the rest of the request). The
# database stays consistent; a crash of the database server can lose the clicks of its last
# fraction of a second (at most three times ``wal_writer_delay``), nothing else. The setting
# rides in the same statement (``set_config(..., true)`` is ``SET LOCAL``) to save a round
# trip.
_FOLLOW = text(
    """
    WITH async_commit AS (
        SELECT set_config('synchronous_commit', 'off', true)
    ), link AS (
        SELECT l.id, l.organisation_id, l.vacancy_id, l.channel, l.campaign_id, v.apply_url,
               o.slug
        FROM tracked_links AS l JOIN vacancies AS v ON v.id = l.vacancy_id
        JOIN organisations AS o ON o.id = l.organisation_id
        WHERE l.code = :code AND v.status = 'open'
          AND (l.expires_at IS NULL OR l.expires_at > :now)
          AND (v.valid_through IS NULL OR v.valid_through > :now)
    ), click AS (
        INSERT INTO clicks AS c
            (organisation_id, vacancy_id, link_id, visitor, day, bot, hits, first_at, last_at)
        SELECT organisation_id, vacancy_id, id, :visitor, :day, :bot, 1, :now, :now FROM link
        ON CONFLICT (link_id, visitor, day)
        DO UPDATE SET hits = c.hits + 1, last_at = excluded.last_at
    )
    SELECT vacancy_id, channel, campaign_id, apply_url, slug FROM link, async_commit
    """
)


def follow(
    session: Session, code: str, *, visitor: str, day: date, bot: bool, now: datetime
) -> Target | None:
    """Record a click on the live link ``code`` and return where it leads; ``None`` (and no
    click) when the code is unknown, expired or its vacancy is not open. The transaction
    this runs in commits without waiting for the disk (see ``_FOLLOW``): give it a
    transaction of its own."""
    row = session.execute(
        _FOLLOW, {"code": code, "visitor": visitor, "day": day, "bot": bot, "now": now}
    ).one_or_none()
    if row is None:
        return None
    return Target(
        vacancy_id=row[0],
        channel=row[1],
        campaign_id=row[2],
        apply_url=row[3],
        organisation_slug=row[4],
    )


@dataclass(frozen=True)
class LinkState:
    """A link as the redirect needs it, whatever its state: where it leads, and what
    decides whether it may still be followed (checked per click, see ``service``)."""

    id: UUID
    target: Target
    expires_at: datetime | None
    vacancy_status: str
    valid_through: datetime | None

    def live(self, now: datetime) -> bool:
        return (
            self.vacancy_status == "open"
            and (self.expires_at is None or self.expires_at > now)
            and (self.valid_through is None or self.valid_through > now)
        )


def link_state(session: Session, code: str) -> LinkState | None:
    """The link ``code`` with its vacancy's state; ``None`` for an unknown code."""
    row = session.execute(
        select(
            TrackedLink.id,
            TrackedLink.vacancy_id,
            TrackedLink.channel,
            TrackedLink.campaign_id,
            TrackedLink.expires_at,
            Vacancy.apply_url,
            Vacancy.status,
            Vacancy.valid_through,
            Organisation.slug,
        )
        .join(Vacancy, Vacancy.id == TrackedLink.vacancy_id)
        .join(Organisation, Organisation.id == TrackedLink.organisation_id)
        .where(TrackedLink.code == code)
    ).one_or_none()
    if row is None:
        return None
    target = Target(
        vacancy_id=row.vacancy_id,
        channel=row.channel,
        campaign_id=row.campaign_id,
        apply_url=row.apply_url,
        organisation_slug=row.slug,
    )
    return LinkState(row.id, target, row.expires_at, row.status, row.valid_through)


# Buffered clicks, one row per link, visitor and day (``clicks.ClickBuffer``), in one
# statement however many. Organisation and vacancy come from the link, and a link deleted
# since its clicks were buffered takes them with it, as its rows would have gone. Rows are
# written in key order, so two processes flushing at once lock them in the same order and
# cannot deadlock. The commit waits for the disk: a flush that committed is never lost.
_ADD_CLICKS = text(
    """
    INSERT INTO clicks AS c
        (organisation_id, vacancy_id, link_id, visitor, day, bot, hits, first_at, last_at)
    SELECT l.organisation_id, l.vacancy_id, v.link_id, v.visitor, v.day, v.bot, v.hits,
           v.first_at, v.last_at
    FROM unnest(CAST(:link_ids AS uuid[]), CAST(:visitors AS text[]), CAST(:days AS date[]),
                CAST(:bots AS boolean[]), CAST(:hits AS integer[]),
                CAST(:first_ats AS timestamptz[]), CAST(:last_ats AS timestamptz[]))
         AS v (link_id, visitor, day, bot, hits, first_at, last_at)
    JOIN tracked_links AS l ON l.id = v.link_id
    ORDER BY v.link_id, v.visitor, v.day
    ON CONFLICT (link_id, visitor, day)
    DO UPDATE SET hits = c.hits + excluded.hits, last_at = greatest(c.last_at, excluded.last_at)
    """
)


def add_clicks(session: Session, rows: dict[ClickKey, PendingClick]) -> None:
    """Add buffered hits to ``clicks``: new rows are inserted, existing ones get the hits."""
    keys = list(rows)
    session.execute(
        _ADD_CLICKS,
        {
            "link_ids": [key[0] for key in keys],
            "visitors": [key[1] for key in keys],
            "days": [key[2] for key in keys],
            "bots": [rows[key].bot for key in keys],
            "hits": [rows[key].hits for key in keys],
            "first_ats": [rows[key].first_at for key in keys],
            "last_ats": [rows[key].last_at for key in keys],
        },
    )


def get_by_code(session: Session, code: str) -> TrackedLink | None:
    return session.scalar(select(TrackedLink).where(TrackedLink.code == code))


def get_live(session: Session, code: str, now: datetime) -> tuple[TrackedLink, Vacancy, str] | None:
    """The link ``code`` with its vacancy and organisation name, if it may still be followed
    (the same rules as :func:`follow`)."""
    row = session.execute(
        select(TrackedLink, Vacancy, Organisation.name)
        .join(Vacancy, Vacancy.id == TrackedLink.vacancy_id)
        .join(Organisation, Organisation.id == TrackedLink.organisation_id)
        .where(
            TrackedLink.code == code,
            Vacancy.status == "open",
            (TrackedLink.expires_at.is_(None)) | (TrackedLink.expires_at > now),
            Vacancy.valid_through.is_(None) | (Vacancy.valid_through > now),
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1], row[2])


def find_child(session: Session, parent_id: UUID, visitor: str, channel: str) -> TrackedLink | None:
    return session.scalar(
        select(TrackedLink).where(
            TrackedLink.parent_id == parent_id,
            TrackedLink.visitor == visitor,
            TrackedLink.channel == channel,
        )
    )


def find_root(
    session: Session, campaign_id: UUID, employee_id: UUID, channel: str
) -> TrackedLink | None:
    return session.scalar(
        select(TrackedLink).where(
            TrackedLink.campaign_id == campaign_id,
            TrackedLink.employee_id == employee_id,
            TrackedLink.channel == channel,
            TrackedLink.parent_id.is_(None),
        )
    )


def insert_unless_exists(session: Session, values: dict[str, Any]) -> TrackedLink | None:
    """Insert a link; ``None`` when a unique index (code, or one link per campaign, employee
    and channel, or per parent, visitor and channel) already holds an equal one. A
    concurrent writer then makes the caller find the other link rather than fail."""
    statement = insert(TrackedLink).values(**values).on_conflict_do_nothing().returning(TrackedLink)
    return session.scalars(statement).one_or_none()


def ancestors(session: Session, link_id: UUID) -> list[TrackedLink]:
    """The link and its ancestors, root first. ``UNION`` (not ``UNION ALL``) ends the walk
    should a cycle ever be written."""
    walk = (
        select(TrackedLink.id, TrackedLink.parent_id)
        .where(TrackedLink.id == link_id)
        .cte("walk", recursive=True)
    )
    walk = walk.union(
        select(TrackedLink.id, TrackedLink.parent_id).join(walk, TrackedLink.id == walk.c.parent_id)
    )
    return list(
        session.scalars(
            select(TrackedLink)
            .join(walk, walk.c.id == TrackedLink.id)
            .order_by(TrackedLink.depth, TrackedLink.created_at)
        )
    )


def open_vacancy(
    session: Session, vacancy_id: UUID, organisation_slug: str | None = None
) -> tuple[Vacancy, Organisation] | None:
    """An open vacancy with its organisation (public pages); with ``organisation_slug``,
    only if the vacancy belongs to that organisation."""
    query = (
        select(Vacancy, Organisation)
        .join(Organisation, Organisation.id == Vacancy.organisation_id)
        .where(
            Vacancy.id == vacancy_id,
            Vacancy.status == "open",
            # Past its closing date a vacancy takes no more applications.
            Vacancy.valid_through.is_(None) | (Vacancy.valid_through > func.now()),
        )
    )
    if organisation_slug is not None:
        query = query.where(Organisation.slug == organisation_slug)
    row = session.execute(query).one_or_none()
    return None if row is None else (row[0], row[1])
