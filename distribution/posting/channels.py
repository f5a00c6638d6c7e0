"""Posting channels and cross-posting rules: create, read, change, delete. Services
flush; the caller commits. Secrets go in and never come out."""

from __future__ import annotations

from functools import partial
from typing import Any
from uuid import UUID

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session

from distribution.posting import repository
from distribution.posting.adapters.registry import KINDS, missing_credentials, urls_of
from distribution.posting.schemas import (
    ChannelCreate,
    ChannelOut,
    ChannelUpdate,
    RuleChannel,
    RuleCreate,
    RuleOut,
    RuleUpdate,
)
from integration.webhooks import targets
from models import PostingChannel, PostingRule, PostingRuleChannel
from models.db import unique_write
from runtime.errors import ConflictError, FieldError, NotFoundError, ValidationFailedError


def channel_out(channel: PostingChannel) -> ChannelOut:
    missing = missing_credentials(channel)
    return ChannelOut(
        id=channel.id,
        kind=channel.kind,
        name=channel.name,
        config=channel.config,
        credentials_set=sorted(name for name, value in channel.credentials.items() if value),
        missing_credentials=missing,
        usable=channel.enabled and not missing,
        enabled=channel.enabled,
        last_error=channel.last_error,
        last_error_at=channel.last_error_at,
        created_at=channel.created_at,
        updated_at=channel.updated_at,
    )


def _check(
    kind: str, config: dict[str, Any], credentials: dict[str, Any], *, allow_private: bool
) -> None:
    spec = KINDS[kind]
    errors: list[FieldError] = []
    known = {*spec.config, *spec.optional}
    errors += [
        FieldError(f"config.{name}", f"not a setting of {kind} channels; known: {sorted(known)}")
        for name in config
        if name not in known
    ]
    errors += [
        FieldError(f"config.{name}", f"required for {kind} channels")
        for name in spec.config
        if not config.get(name)
    ]
    errors += [
        FieldError(f"credentials.{name}", f"not a credential of {kind} channels")
        for name in credentials
        if name not in spec.credentials
    ]
    for name, value in config.items():
        expected_list = name == "recipients"
        if isinstance(value, list) != expected_list:
            shape = "a list of addresses" if expected_list else "a string"
            errors.append(FieldError(f"config.{name}", f"must be {shape}"))
    if kind == "linkedin" and not str(config.get("author", "")).startswith(
        ("urn:li:organization:", "urn:li:person:")
    ):
        errors.append(FieldError("config.author", "an urn:li:organization: (or person) URN"))
    if config.get("language") not in (None, "nl", "en"):
        errors.append(FieldError("config.language", "`nl` or `en`"))
    if isinstance(config.get("recipients"), list):
        bad = [a for a in config["recipients"] if "@" not in a or any(c in a for c in "\r\n,")]
        if bad or not config["recipients"]:
            errors.append(FieldError("config.recipients", "one or more e-mail addresses"))
    if not errors:
        for url in urls_of(config, credentials, kind):
            refused = "not an http(s) URL" if not url.startswith(("https://", "http://")) else None
            if refused is None and not allow_private:
                refused = targets.refusal(url)
            if refused is not None:
                errors.append(FieldError("url", f"this URL cannot be called: {refused}"))
    if errors:
        raise ValidationFailedError("the channel's settings are not valid", errors=errors)


def get_channel(session: Session, organisation_id: UUID, channel_id: UUID) -> PostingChannel:
    channel = repository.channel(session, organisation_id, channel_id)
    if channel is None:
        raise NotFoundError(f"no posting channel with id {channel_id}")
    return channel


def _name_conflict(session: Session, organisation_id: UUID, name: str, own: UUID | None) -> None:
    existing = repository.channel_by_name(session, organisation_id, name)
    if existing is not None and existing.id != own:
        raise ConflictError(f"a channel named {name!r} exists", existing_id=existing.id)


def create_channel(
    session: Session, organisation_id: UUID, payload: ChannelCreate, *, allow_private: bool
) -> PostingChannel:
    _check(payload.kind, payload.config, payload.credentials, allow_private=allow_private)
    conflict = partial(_name_conflict, session, organisation_id, payload.name, None)
    conflict()
    channel = PostingChannel(
        organisation_id=organisation_id,
        kind=payload.kind,
        name=payload.name,
        config=payload.config,
        credentials=payload.credentials,
        enabled=payload.enabled,
    )
    with unique_write(session, channel, conflict):
        session.add(channel)
    return channel


def update_channel(
    session: Session,
    organisation_id: UUID,
    channel_id: UUID,
    payload: ChannelUpdate,
    *,
    allow_private: bool,
) -> PostingChannel:
    channel = get_channel(session, organisation_id, channel_id)
    changes = payload.model_dump(exclude_unset=True, exclude_none=True)
    config = {k: v for k, v in (channel.config | changes.get("config", {})).items() if v != ""}
    credentials = {
        k: v for k, v in (channel.credentials | changes.get("credentials", {})).items() if v
    }
    _check(channel.kind, config, credentials, allow_private=allow_private)
    name = changes.get("name", channel.name)
    conflict = partial(_name_conflict, session, organisation_id, name, channel.id)
    conflict()
    with unique_write(session, channel, conflict):
        channel.name = name
        channel.config = config
        if credentials != channel.credentials:
            channel.credentials = credentials
            # New credentials: the old error no longer says anything about the channel.
            channel.last_error = None
            channel.last_error_at = None
        if "enabled" in changes:
            channel.enabled = changes["enabled"]
    return channel


def delete_channel(session: Session, organisation_id: UUID, channel_id: UUID) -> None:
    channel = get_channel(session, organisation_id, channel_id)
    if repository.live_posts_of_channel(session, channel.id):
        raise ConflictError(
            "the channel has posts that are (or may be) live: withdraw them first, so that "
            "nothing stays posted that can no longer be taken down"
        )
    session.delete(channel)
    session.flush()


def rule_out(rule: PostingRule, channels: list[PostingRuleChannel]) -> RuleOut:
    return RuleOut(
        id=rule.id,
        name=rule.name,
        on_open=rule.on_open,
        channels=[
            RuleChannel(
                channel_id=c.channel_id,
                template=c.template,
                hashtags=c.hashtags,
                language=c.language,
            )
            for c in channels
        ],
        repost_after_days=rule.repost_after_days,
        repost_below_applications=rule.repost_below_applications,
        max_rounds=rule.max_rounds,
        enabled=rule.enabled,
        created_at=rule.created_at,
        updated_at=rule.updated_at,
    )


def get_rule(session: Session, organisation_id: UUID, rule_id: UUID) -> PostingRule:
    rule = repository.rule(session, organisation_id, rule_id)
    if rule is None:
        raise NotFoundError(f"no posting rule with id {rule_id}")
    return rule


def rule_with_channels(session: Session, rule: PostingRule) -> RuleOut:
    return rule_out(rule, repository.rule_channels(session, [rule.id])[rule.id])


def _rule_conflict(session: Session, organisation_id: UUID, name: str, own: UUID | None) -> None:
    existing = repository.rule_by_name(session, organisation_id, name)
    if existing is not None and existing.id != own:
        raise ConflictError(f"a rule named {name!r} exists", existing_id=existing.id)


def _write_rule(
    session: Session, organisation_id: UUID, rule: PostingRule, payload: RuleCreate
) -> PostingRule:
    for index, entry in enumerate(payload.channels):
        if repository.channel(session, organisation_id, entry.channel_id) is None:
            raise NotFoundError(
                f"no posting channel with id {entry.channel_id}",
                errors=[FieldError(f"channels.{index}.channel_id", "no such channel")],
            )
    conflict = partial(_rule_conflict, session, organisation_id, payload.name, rule.id)
    conflict()
    with unique_write(session, rule, conflict):
        rule.name = payload.name
        rule.on_open = payload.on_open
        rule.repost_after_days = payload.repost_after_days
        rule.repost_below_applications = payload.repost_below_applications
        rule.max_rounds = payload.max_rounds
        rule.enabled = payload.enabled
        session.add(rule)
    repository.delete_rule_channels(session, rule.id)
    session.add_all(
        PostingRuleChannel(
            rule_id=rule.id,
            channel_id=entry.channel_id,
            template=entry.template,
            hashtags=entry.hashtags,
            language=entry.language,
        )
        for entry in payload.channels
    )
    session.flush()
    return rule


def create_rule(session: Session, organisation_id: UUID, payload: RuleCreate) -> PostingRule:
    return _write_rule(
        session, organisation_id, PostingRule(organisation_id=organisation_id), payload
    )


def update_rule(
    session: Session, organisation_id: UUID, rule_id: UUID, payload: RuleUpdate
) -> PostingRule:
    """Change the fields sent; the result must still be a valid rule."""
    rule = get_rule(session, organisation_id, rule_id)
    current = rule_with_channels(session, rule).model_dump(
        include={
            "name",
            "on_open",
            "channels",
            "repost_after_days",
            "repost_below_applications",
            "max_rounds",
            "enabled",
        }
    )
    merged = current | payload.model_dump(exclude_unset=True)
    try:
        replacement = RuleCreate.model_validate(merged)
    except PydanticValidationError as exc:
        errors = [
            FieldError(".".join(map(str, e["loc"])) or "body", e["msg"]) for e in exc.errors()
        ]
        raise ValidationFailedError("the rule would not be valid", errors=errors) from exc
    return _write_rule(session, organisation_id, rule, replacement)


def delete_rule(session: Session, organisation_id: UUID, rule_id: UUID) -> None:
    session.delete(get_rule(session, organisation_id, rule_id))
    session.flush()
