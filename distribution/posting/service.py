"""Posts of vacancies: scheduled when a vacancy opens (the organisation's on-open rules)
or by hand, withdrawn when it closes, expires or is deleted, edited when its title
changes, and posted again by the repost rules. Services flush; the caller commits, and the
delivery job (``worker.py``) reaches the broker only after that commit (the outbox).

A post's status says what is due next: ``scheduled`` (publish), ``updating``,
``withdrawing``; or what became of it: ``published``, ``withdrawn``, ``failed`` (the error
is on the post). ``publishing`` is a publish in flight.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from sqlalchemy.orm import Session

from distribution.links.codes import new_code
from distribution.posting import repository
from distribution.posting.adapters.registry import missing_credentials
from distribution.posting.channels import get_channel
from distribution.posting.schemas import PostOut
from models import Post, PostingChannel, PostingRule, TrackedLink, Vacancy
from models.base import utcnow
from models.posting import POST_LINK_CHANNELS
from runtime.errors import FieldError, NotFoundError, ValidationFailedError
from runtime.outbox import enqueue

RUN_TASK = "distribution.posting.run"
_KICKED = "posting_kicked"
SWEEP_BATCH = 500


def usable(channel: PostingChannel) -> bool:
    return channel.enabled and not missing_credentials(channel)


def post_out(post: Post, channel: PostingChannel) -> PostOut:
    return PostOut(
        id=post.id,
        vacancy_id=post.vacancy_id,
        channel_id=post.channel_id,
        channel_kind=channel.kind,
        rule_id=post.rule_id,
        round=post.round,
        status=post.status,
        text=post.text,
        url=post.link_url,
        platform_id=post.platform_id,
        platform_url=post.platform_url,
        attempts=post.attempts,
        next_attempt_at=post.next_attempt_at if post.status in repository.DUE else None,
        last_error=post.last_error,
        published_at=post.published_at,
        withdrawn_at=post.withdrawn_at,
        created_at=post.created_at,
        updated_at=post.updated_at,
    )


def _kick(session: Session) -> None:
    """The delivery job, handed to the broker once this transaction commits; one per
    transaction, however many vacancies it wrote (a bulk import writes thousands)."""
    transaction = session.get_transaction()
    if transaction is not None and session.info.get(_KICKED) is transaction:
        return
    session.info[_KICKED] = transaction
    enqueue(session, RUN_TASK)


def _link_id(session: Session, vacancy: Vacancy, channel: PostingChannel) -> UUID:
    """The channel's tracked link of the vacancy: made with the first round, reused by
    later rounds, so the funnel counts one link per vacancy and posting channel."""
    earlier = repository.last_round(session, vacancy.id, channel.id)
    if earlier is not None and earlier.link_id is not None:
        return earlier.link_id
    link = TrackedLink(
        organisation_id=vacancy.organisation_id,
        vacancy_id=vacancy.id,
        code=new_code(),
        channel=POST_LINK_CHANNELS[channel.kind],
        depth=0,
    )
    session.add(link)
    session.flush()
    return link.id


def _schedule(
    session: Session,
    vacancy: Vacancy,
    channel: PostingChannel,
    *,
    rule_id: UUID | None,
    now: datetime,
    round_: int | None = None,
) -> Post | None:
    """A new round on the channel, unless a post of the vacancy is live there already (or
    ``round_`` exists): scheduling twice posts once."""
    last = repository.last_round(session, vacancy.id, channel.id)
    if round_ is None:
        if last is not None and last.status in repository.LIVE:
            return None
        round_ = last.round + 1 if last is not None else 1
    elif last is not None and last.round >= round_:
        return None
    post = Post(
        organisation_id=vacancy.organisation_id,
        vacancy_id=vacancy.id,
        channel_id=channel.id,
        rule_id=rule_id,
        round=round_,
        status="scheduled",
        title=vacancy.title,
        link_id=_link_id(session, vacancy, channel),
        attempts=0,
        next_attempt_at=now,
    )
    session.add(post)
    session.flush()
    return post


def _withdraw(post: Post, now: datetime) -> bool:
    """Start withdrawing a post; one that never reached the platform is withdrawn at once."""
    if post.status in ("withdrawn", "withdrawing"):
        return False
    if post.status == "failed" and post.platform_id is None:
        return False
    if post.platform_id is None and post.status in ("scheduled", "updating"):
        post.status = "withdrawn"
        post.withdrawn_at = now
        post.next_attempt_at = None
        return True
    # Published, failed while live, or a publish in flight: the worker takes it down.
    post.status = "withdrawing"
    post.attempts = 0
    post.last_error = None
    post.next_attempt_at = now
    return True


def on_open(session: Session, vacancy: Vacancy, now: datetime) -> list[Post]:
    """Posts for every enabled on-open rule of the organisation, on its usable channels."""
    rules = repository.rules(session, vacancy.organisation_id, on_open=True)
    if not rules:
        return []
    entries = repository.rule_channels(session, [rule.id for rule in rules])
    channel_ids = [entry.channel_id for rule in rules for entry in entries[rule.id]]
    channels = repository.channels_by_id(session, channel_ids)
    made = []
    for rule in rules:
        for entry in entries[rule.id]:
            channel = channels[entry.channel_id]
            if usable(channel):
                post = _schedule(session, vacancy, channel, rule_id=rule.id, now=now)
                if post is not None:
                    made.append(post)
    if made:
        _kick(session)
    return made


def withdraw_posts(session: Session, posts: Iterable[Post], now: datetime) -> int:
    changed = sum(_withdraw(post, now) for post in posts)
    if changed:
        session.flush()
        _kick(session)
    return changed


def vacancy_written(
    session: Session, vacancy: Vacancy, was_public: bool | None, now: datetime | None = None
) -> None:
    """What follows a write of a vacancy (create: ``was_public`` None; change: whether it
    was public before). It became public (created open, opened, its closing date moved
    into the future), so the on-open rules post it; it is not public (closed, draft, past
    its closing date), so its posts are withdrawn; it stayed public with a new title, so
    its posts are edited."""
    now = now or utcnow()
    if vacancy.is_public(now):
        if not was_public:
            on_open(session, vacancy, now)
            return
        changed = [
            post
            for post in repository.posts_of_vacancy(session, vacancy.organisation_id, vacancy.id)
            if post.status == "published" and post.title != vacancy.title
        ]
        for post in changed:
            post.status = "updating"
            post.attempts = 0
            post.next_attempt_at = now
        if changed:
            session.flush()
            _kick(session)
        return
    if was_public is not None:
        vacancy_closed(session, vacancy.organisation_id, vacancy.id, now)


def vacancy_closed(
    session: Session, organisation_id: UUID, vacancy_id: UUID, now: datetime | None = None
) -> int:
    """Withdraw every post of the vacancy (closed or about to be deleted)."""
    posts = repository.posts_of_vacancy(session, organisation_id, vacancy_id)
    return withdraw_posts(session, posts, now or utcnow())


def _vacancy(session: Session, organisation_id: UUID, vacancy_id: UUID) -> Vacancy:
    vacancy = repository.vacancy(session, organisation_id, vacancy_id)
    if vacancy is None:
        raise NotFoundError(f"no vacancy with id {vacancy_id}")
    return vacancy


def publish(
    session: Session,
    organisation_id: UUID,
    vacancy_id: UUID,
    channel_ids: list[UUID],
    now: datetime | None = None,
) -> list[Post]:
    """Post a public vacancy to channels by hand; a channel where it is live is left as is."""
    now = now or utcnow()
    vacancy = _vacancy(session, organisation_id, vacancy_id)
    if not vacancy.is_public(now):
        raise ValidationFailedError(
            "only an open vacancy (not past its closing date) can be posted",
            errors=[FieldError("vacancy_id", "the vacancy is not open")],
        )
    channels = [get_channel(session, organisation_id, channel_id) for channel_id in channel_ids]
    unusable = [
        FieldError(f"channel_ids.{i}", "disabled, or credentials missing")
        for i, channel in enumerate(channels)
        if not usable(channel)
    ]
    if unusable:
        raise ValidationFailedError("some channels cannot post", errors=unusable)
    made = [
        post
        for channel in channels
        if (post := _schedule(session, vacancy, channel, rule_id=None, now=now)) is not None
    ]
    if made:
        _kick(session)
    return made


def withdraw(
    session: Session,
    organisation_id: UUID,
    vacancy_id: UUID,
    channel_ids: list[UUID] | None,
    now: datetime | None = None,
) -> int:
    """Withdraw a vacancy's posts by hand, from the channels named or from all."""
    _vacancy(session, organisation_id, vacancy_id)
    if channel_ids is not None:
        for channel_id in channel_ids:
            get_channel(session, organisation_id, channel_id)
    posts = [
        post
        for post in repository.posts_of_vacancy(session, organisation_id, vacancy_id)
        if channel_ids is None or post.channel_id in channel_ids
    ]
    return withdraw_posts(session, posts, now or utcnow())


def list_posts(session: Session, organisation_id: UUID, vacancy_id: UUID) -> list[PostOut]:
    _vacancy(session, organisation_id, vacancy_id)
    posts = repository.posts_of_vacancy(session, organisation_id, vacancy_id)
    channels = repository.channels_by_id(session, [post.channel_id for post in posts])
    return [post_out(post, channels[post.channel_id]) for post in posts]


def sweep(session: Session, now: datetime | None = None) -> tuple[int, int]:
    """Periodic: withdraw the live posts of vacancies that stopped being public without a
    write (their closing date passed), and post again where a repost rule says so.
    Returns (posts withdrawn, reposts scheduled)."""
    now = now or utcnow()
    withdrawn = withdraw_posts(
        session, repository.expired_live_posts(session, now, SWEEP_BATCH), now
    )
    reposted = 0
    for post in repository.repost_candidates(session, now, SWEEP_BATCH):
        assert post.vacancy_id is not None
        assert post.rule_id is not None
        vacancy = session.get_one(Vacancy, post.vacancy_id)
        channel = session.get_one(PostingChannel, post.channel_id)
        rule = session.get_one(PostingRule, post.rule_id)
        if not usable(channel) or not rule.enabled:
            continue
        made = _schedule(session, vacancy, channel, rule_id=rule.id, now=now, round_=post.round + 1)
        reposted += made is not None
    if reposted:
        _kick(session)
    return withdrawn, reposted
