"""/v1/posting: the organisation's posting channels (company pages, chat and intranet
webhooks, a mailing list) and its cross-posting rules."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response, status

from api.deps import DistributionRead, DistributionWrite, SessionDep, SettingsDep
from api.pagination import Page
from api.problems import problem_responses
from api.routing import StrictJsonRoute
from distribution.posting import channels as service
from distribution.posting import repository
from distribution.posting.schemas import (
    ChannelCreate,
    ChannelOut,
    ChannelUpdate,
    RuleCreate,
    RuleOut,
    RuleUpdate,
)

router = APIRouter(prefix="/v1/posting", tags=["posting"], route_class=StrictJsonRoute)


@router.post(
    "/channels",
    status_code=status.HTTP_201_CREATED,
    summary="Add a posting channel",
    responses=problem_responses(401, 403, 409, 422),
)
def create_channel(
    payload: ChannelCreate,
    principal: DistributionWrite,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> ChannelOut:
    """Add a channel: `linkedin` (an organisation page, Posts API), `facebook` (a page,
    Graph API), `x` (an account, API v2), `slack` or `teams` (an incoming webhook),
    `webhook` (signed JSON to an intranet) or `email` (a list of addresses, through the
    service's mail server). `credentials` are write-only: answers name the ones set, never
    their values. A channel posts only when it is enabled and its credentials are all set
    (`usable`). URLs must resolve to public addresses."""
    channel = service.create_channel(
        session, principal.organisation_id, payload, allow_private=settings.webhook_allow_private
    )
    response.headers["Location"] = f"/v1/posting/channels/{channel.id}"
    return service.channel_out(channel)


@router.get("/channels", summary="List posting channels", responses=problem_responses(401, 403))
def list_channels(principal: DistributionRead, session: SessionDep) -> Page[ChannelOut]:
    """Every channel of the organisation, oldest first, in one page."""
    rows = repository.channels(session, principal.organisation_id)
    return Page[ChannelOut](data=[service.channel_out(row) for row in rows], next_cursor=None)


@router.get(
    "/channels/{channel_id}",
    summary="Get a posting channel",
    responses=problem_responses(401, 403, 404, 422),
)
def get_channel(channel_id: UUID, principal: DistributionRead, session: SessionDep) -> ChannelOut:
    """One channel, with `last_error` when the platform last refused its credentials."""
    return service.channel_out(service.get_channel(session, principal.organisation_id, channel_id))


@router.patch(
    "/channels/{channel_id}",
    summary="Change a posting channel",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def update_channel(
    channel_id: UUID,
    payload: ChannelUpdate,
    principal: DistributionWrite,
    session: SessionDep,
    settings: SettingsDep,
) -> ChannelOut:
    """Rename, enable or disable a channel, or change settings and credentials (merged
    into the stored ones; an empty string removes one). New credentials clear the
    channel's `last_error`."""
    channel = service.update_channel(
        session,
        principal.organisation_id,
        channel_id,
        payload,
        allow_private=settings.webhook_allow_private,
    )
    return service.channel_out(channel)


@router.delete(
    "/channels/{channel_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a posting channel",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def delete_channel(channel_id: UUID, principal: DistributionWrite, session: SessionDep) -> None:
    """Delete a channel with its posts' history. A channel with posts that are (or may
    be) live answers 409: withdraw them first."""
    service.delete_channel(session, principal.organisation_id, channel_id)


@router.post(
    "/rules",
    status_code=status.HTTP_201_CREATED,
    summary="Add a cross-posting rule",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def create_rule(
    payload: RuleCreate, principal: DistributionWrite, session: SessionDep, response: Response
) -> RuleOut:
    """When a vacancy opens, post it to these channels, each with its own template,
    hashtags and language; optionally post it again after `repost_after_days` while it
    has fewer than `repost_below_applications` applications. Messages are cut to each
    platform's length limit (X: 280, links counted as 23) and always keep the link."""
    rule = service.create_rule(session, principal.organisation_id, payload)
    response.headers["Location"] = f"/v1/posting/rules/{rule.id}"
    return service.rule_with_channels(session, rule)


@router.get("/rules", summary="List cross-posting rules", responses=problem_responses(401, 403))
def list_rules(principal: DistributionRead, session: SessionDep) -> Page[RuleOut]:
    """Every rule of the organisation, oldest first, in one page."""
    rules = repository.rules(session, principal.organisation_id)
    entries = repository.rule_channels(session, [rule.id for rule in rules])
    data = [service.rule_out(rule, entries[rule.id]) for rule in rules]
    return Page[RuleOut](data=data, next_cursor=None)


@router.get(
    "/rules/{rule_id}",
    summary="Get a cross-posting rule",
    responses=problem_responses(401, 403, 404, 422),
)
def get_rule(rule_id: UUID, principal: DistributionRead, session: SessionDep) -> RuleOut:
    """One rule with its channels and templates."""
    rule = service.get_rule(session, principal.organisation_id, rule_id)
    return service.rule_with_channels(session, rule)


@router.patch(
    "/rules/{rule_id}",
    summary="Change a cross-posting rule",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def update_rule(
    rule_id: UUID, payload: RuleUpdate, principal: DistributionWrite, session: SessionDep
) -> RuleOut:
    """Change the fields sent (`channels` replaces the list); posts made already keep
    their round and text."""
    rule = service.update_rule(session, principal.organisation_id, rule_id, payload)
    return service.rule_with_channels(session, rule)


@router.delete(
    "/rules/{rule_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a cross-posting rule",
    responses=problem_responses(401, 403, 404, 422),
)
def delete_rule(rule_id: UUID, principal: DistributionWrite, session: SessionDep) -> None:
    """Delete the rule; its posts stay (and are still withdrawn when the vacancy closes)."""
    service.delete_rule(session, principal.organisation_id, rule_id)
