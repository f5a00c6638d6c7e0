"""All queries of posting: channels, rules with their channels, posts, what is due, and
what the periodic sweep looks for (expired vacancies' posts, reposts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from models import (
    Application,
    Organisation,
    Post,
    PostingChannel,
    PostingRule,
    PostingRuleChannel,
    Vacancy,
)

# Statuses with work still to do, and those of a post that is (or may be) on the platform.
DUE = ("scheduled", "publishing", "updating", "withdrawing")
LIVE = ("scheduled", "publishing", "published", "updating")


def channel(session: Session, organisation_id: UUID, channel_id: UUID) -> PostingChannel | None:
    return session.scalar(
        select(PostingChannel).where(
            PostingChannel.organisation_id == organisation_id, PostingChannel.id == channel_id
        )
    )


def channels(session: Session, organisation_id: UUID) -> Sequence[PostingChannel]:
    return session.scalars(
        select(PostingChannel)
        .where(PostingChannel.organisation_id == organisation_id)
        .order_by(PostingChannel.created_at, PostingChannel.id)
    ).all()


def channel_by_name(session: Session, organisation_id: UUID, name: str) -> PostingChannel | None:
    return session.scalar(
        select(PostingChannel).where(
            PostingChannel.organisation_id == organisation_id, PostingChannel.name == name
        )
    )


def channels_by_id(session: Session, ids: Sequence[UUID]) -> dict[UUID, PostingChannel]:
    rows = session.scalars(select(PostingChannel).where(PostingChannel.id.in_(ids)))
    return {row.id: row for row in rows}


def rule(session: Session, organisation_id: UUID, rule_id: UUID) -> PostingRule | None:
    return session.scalar(
        select(PostingRule).where(
            PostingRule.organisation_id == organisation_id, PostingRule.id == rule_id
        )
    )


def rule_by_name(session: Session, organisation_id: UUID, name: str) -> PostingRule | None:
    return session.scalar(
        select(PostingRule).where(
            PostingRule.organisation_id == organisation_id, PostingRule.name == name
        )
    )


def rules(session: Session, organisation_id: UUID, *, on_open: bool = False) -> list[PostingRule]:
    query = select(PostingRule).where(PostingRule.organisation_id == organisation_id)
    if on_open:
        query = query.where(PostingRule.on_open, PostingRule.enabled)
    return list(session.scalars(query.order_by(PostingRule.created_at, PostingRule.id)))


def rule_channels(
    session: Session, rule_ids: Sequence[UUID]
) -> dict[UUID, list[PostingRuleChannel]]:
    result: dict[UUID, list[PostingRuleChannel]] = {rule_id: [] for rule_id in rule_ids}
    rows = session.scalars(
        select(PostingRuleChannel)
        .where(PostingRuleChannel.rule_id.in_(rule_ids))
        .order_by(PostingRuleChannel.rule_id, PostingRuleChannel.channel_id)
    )
    for row in rows:
        result[row.rule_id].append(row)
    return result


def delete_rule_channels(session: Session, rule_id: UUID) -> None:
    for row in session.scalars(
        select(PostingRuleChannel).where(PostingRuleChannel.rule_id == rule_id)
    ):
        session.delete(row)
    session.flush()


def vacancy(session: Session, organisation_id: UUID, vacancy_id: UUID) -> Vacancy | None:
    return session.scalar(
        select(Vacancy).where(Vacancy.organisation_id == organisation_id, Vacancy.id == vacancy_id)
    )


def organisation(session: Session, organisation_id: UUID) -> Organisation:
    return session.get_one(Organisation, organisation_id)


def posts_of_vacancy(session: Session, organisation_id: UUID, vacancy_id: UUID) -> list[Post]:
    return list(
        session.scalars(
            select(Post)
            .where(Post.organisation_id == organisation_id, Post.vacancy_id == vacancy_id)
            .order_by(Post.created_at, Post.id)
            .with_for_update()
        )
    )


def last_round(session: Session, vacancy_id: UUID, channel_id: UUID) -> Post | None:
    return session.scalar(
        select(Post)
        .where(Post.vacancy_id == vacancy_id, Post.channel_id == channel_id)
        .order_by(Post.round.desc())
        .limit(1)
    )


def live_posts_of_channel(session: Session, channel_id: UUID) -> int:
    return (
        session.scalar(
            select(func.count()).where(
                Post.channel_id == channel_id,
                Post.status.in_((*LIVE, "withdrawing")),
                Post.platform_id.is_not(None),
            )
        )
        or 0
    )


def claim_due(session: Session, now: datetime, lease: timedelta, limit: int) -> list[Post]:
    """Lease due posts (their time came, and nobody holds them or their lease lapsed);
    ``SKIP LOCKED``, so concurrent workers take different ones."""
    posts = list(
        session.scalars(
            select(Post)
            .where(
                Post.status.in_(DUE),
                Post.next_attempt_at <= now,
                or_(Post.leased_until.is_(None), Post.leased_until < now),
            )
            .order_by(Post.next_attempt_at, Post.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if posts:
        session.execute(
            update(Post).where(Post.id.in_([p.id for p in posts])).values(leased_until=now + lease)
        )
    return posts


def lock_post(session: Session, post_id: UUID) -> Post | None:
    return session.scalar(select(Post).where(Post.id == post_id).with_for_update())


def next_due(session: Session) -> datetime | None:
    return session.scalar(select(func.min(Post.next_attempt_at)).where(Post.status.in_(DUE)))


def expired_live_posts(session: Session, now: datetime, limit: int) -> list[Post]:
    """Live posts of vacancies that are no longer public: past their closing date, closed
    or deleted without their posts being withdrawn (a write outside the service)."""
    return list(
        session.scalars(
            select(Post)
            .outerjoin(Vacancy, Vacancy.id == Post.vacancy_id)
            .where(
                Post.status.in_(LIVE),
                or_(
                    Vacancy.id.is_(None),
                    Vacancy.status != "open",
                    and_(Vacancy.valid_through.is_not(None), Vacancy.valid_through <= now),
                ),
            )
            .limit(limit)
            .with_for_update(of=Post, skip_locked=True)
        )
    )


def repost_candidates(session: Session, now: datetime, limit: int) -> list[Post]:
    """The latest round of each public vacancy on each channel, published by a repost rule
    whose wait has passed, while the vacancy has fewer applications than the rule's
    threshold and the rule allows another round."""
    latest = (
        select(
            Post.id,
            func.row_number()
            .over(partition_by=(Post.vacancy_id, Post.channel_id), order_by=Post.round.desc())
            .label("rank"),
        )
        .where(Post.vacancy_id.is_not(None))
        .subquery()
    )
    applications = (
        select(func.count())
        .where(Application.vacancy_id == Post.vacancy_id)
        .correlate(Post)
        .scalar_subquery()
    )
    wait = func.make_interval(0, 0, 0, PostingRule.repost_after_days)
    return list(
        session.scalars(
            select(Post)
            .join(latest, and_(latest.c.id == Post.id, latest.c.rank == 1))
            .join(PostingRule, PostingRule.id == Post.rule_id)
            .join(Vacancy, Vacancy.id == Post.vacancy_id)
            .where(
                Post.status == "published",
                PostingRule.enabled,
                PostingRule.repost_after_days.is_not(None),
                Post.round < PostingRule.max_rounds,
                Post.published_at + wait <= now,
                applications < PostingRule.repost_below_applications,
                Vacancy.status == "open",
                or_(Vacancy.valid_through.is_(None), Vacancy.valid_through > now),
            )
            .order_by(Post.published_at)
            .limit(limit)
        )
    )
