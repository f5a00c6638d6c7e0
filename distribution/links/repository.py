"""All queries of tracked links and clicks.

Links are looked up by their code alone: a code is a bearer token, not scoped to an
organisation, because the people who follow it are anonymous.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
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
    return link_states(session, [code]).get(code)


def link_states(session: Session, codes: Sequence[str]) -> dict[str, LinkState]:
    """The links of ``codes`` with their vacancies' states, by code, in one query; unknown
    codes are left out."""
    rows = session.execute(
        select(
            TrackedLink.code,
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
        .where(TrackedLink.code.in_(list(codes)))
    ).all()
    states: dict[str, LinkState] = {}
    for row in rows:
        target = Target(
            vacancy_id=row.vacancy_id,
            channel=row.channel,
            campaign_id=row.campaign_id,
            apply_url=row.apply_url,
            organisation_slug=row.slug,
        )
        states[row.code] = LinkState(row.id, target, row.expires_at, row.status, row.valid_through)
    return states


# Buffered clicks, one row per link, visitor and day (``clicks.ClickBuffer``), in one
# statement however many. Organisation and vacancy come from the link, and a link deleted
# since its clicks were buffered takes them with it, as its rows would have gone. Rows are
# written in key order, so two processes flushing at once lock them in the same order and
# cannot deadlock. The commit waits for the disk: a flush that committed is never lost.
# The rows travel as one JSON document: ``json.dumps`` encodes them in C, where binding
# seven arrays quoted each element in Python, holding the API process's GIL long enough to
# stall the redirects it was serving.
_ADD_CLICKS = text(
    """
    INSERT INTO clicks AS c
        (organisation_id, vacancy_id, link_id, visitor, day, bot, hits, first_at, last_at)
    SELECT l.organisation_id, l.vacancy_id, v.link_id, v.visitor, v.day, v.bot, v.hits,
           to_timestamp(v.first_at), to_timestamp(v.last_at)
    FROM json_to_recordset(CAST(:rows AS json))
         AS v (link_id uuid, visitor text, day date, bot boolean, hits integer,
               first_at double precision, last_at double precision)
    JOIN tracked_links AS l ON l.id = v.link_id
    ORDER BY v.link_id, v.visitor, v.day
    ON CONFLICT (link_id, visitor, day)
    DO UPDATE SET hits = c.hits + excluded.hits, last_at = greatest(c.last_at, excluded.last_at)
    """
)


def add_clicks(session: Session, rows: dict[ClickKey, PendingClick]) -> None:
    """Add buffered hits to ``clicks``: new rows are inserted, existing ones get the hits."""
    document = json.dumps(
        [
            {
                "link_id": str(link_id),
                "visitor": visitor,
                "day": day.isoformat(),
                "bot": row.bot,
                "hits": row.hits,
                # Seconds since the epoch: cheaper to write than ISO text, exact to the µs.
                "first_at": row.first_at.timestamp(),
                "last_at": row.last_at.timestamp(),
            }
            for (link_id, visitor, day), row in rows.items()
        ]
    )
    session.execute(_ADD_CLICKS, {"rows": document})


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
