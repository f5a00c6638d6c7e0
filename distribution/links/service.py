"""Tracked links: following one (click recorded, redirect target), resharing one (a child
link for the visitor), and the chain of links a visitor came through.

Services flush; the caller (request, task, CLI) commits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote_plus, urlencode, urlsplit, urlunsplit
from uuid import UUID

from sqlalchemy.orm import Session

from distribution.links import repository
from distribution.links.bots import is_bot
from distribution.links.clicks import ClickBuffer
from distribution.links.codes import is_code, link_url, new_code, visitor_key
from distribution.links.schemas import LinkChannel, ReshareOut
from distribution.links.share import share_urls
from models import TrackedLink
from models.base import uuid7
from runtime.errors import NotFoundError, PermissionDeniedError, UnprocessableError

# A vacancy may travel this many steps from the employee's own link (depth 0).
MAX_DEPTH = 10
# One answer for every link that cannot be followed, so a probe learns nothing.
NOT_FOUND_DETAIL = "This link does not exist or is no longer valid."
UTM_MEDIUM = "referral"
# Parameters the redirect sets; the target's own values of these are replaced.
TRACKING_PARAMS = frozenset({"utm_source", "utm_medium", "utm_campaign", "tm_ref"})
# A fresh code collides with an existing one about once in 2**60 draws; retrying a few
# times only guards against a broken random source looping forever.
_CODE_ATTEMPTS = 5


@dataclass(frozen=True)
class Visit:
    """Who follows or reshares a link: the address the connection came from (never stored),
    the user agent, and when (an aware UTC time: clicks are counted per UTC day)."""

    ip: str
    user_agent: str
    at: datetime

    def visitor(self, secret: str) -> str:
        return visitor_key(secret, self.ip, self.user_agent, self.at.date())


def _gone() -> NotFoundError:
    return NotFoundError(NOT_FOUND_DETAIL)


def vacancy_page_url(public_url: str, organisation_slug: str, vacancy_id: UUID) -> str:
    """The public page of a vacancy (``api/pages``)."""
    return f"{public_url.rstrip('/')}/jobs/{organisation_slug}/{vacancy_id}"


def campaign_tag(campaign_id: UUID | None, vacancy_id: UUID) -> str:
    """The ``utm_campaign`` value: the campaign id, or ``vacancy-<id>`` for a link made
    outside a campaign."""
    return str(campaign_id) if campaign_id is not None else f"vacancy-{vacancy_id}"


def redirect_url(target: repository.Target, code: str, public_url: str) -> str:
    """The vacancy's ``apply_url`` (or its public page) with the tracking parameters added.
    The target's other query parameters and fragment are kept exactly as written."""
    base = target.apply_url or vacancy_page_url(
        public_url, target.organisation_slug, target.vacancy_id
    )
    scheme, netloc, path, query, fragment = urlsplit(base)
    kept = [
        part
        for part in query.split("&")
        if part and unquote_plus(part.split("=", 1)[0]) not in TRACKING_PARAMS
    ]
    tracking = urlencode(
        {
            "utm_source": target.channel,
            "utm_medium": UTM_MEDIUM,
            "utm_campaign": campaign_tag(target.campaign_id, target.vacancy_id),
            "tm_ref": code,
        }
    )
    return urlunsplit((scheme, netloc, path, "&".join([*kept, tracking]), fragment))


def link_state(session: Session, code: str) -> repository.LinkState | None:
    """What ``click`` needs of ``code`` (``None`` for a malformed or unknown code); the
    result may be cached a few seconds (``cache.LinkCache``)."""
    if not is_code(code):
        return None
    return repository.link_state(session, code)


def link_states(session: Session, codes: Sequence[str]) -> dict[str, repository.LinkState | None]:
    """``link_state`` of each of ``codes``, in one query."""
    found = repository.link_states(session, [code for code in codes if is_code(code)])
    return {code: found.get(code) for code in codes}


def click(
    state: repository.LinkState | None,
    code: str,
    visit: Visit,
    buffer: ClickBuffer,
    *,
    secret: str,
    public_url: str,
) -> str:
    """Count a click on the link ``state`` (of ``code``) in ``buffer`` and return the URL
    to redirect to: a 404 for a malformed, unknown or expired code and for a vacancy that is
    not open; one visitor's requests on one link and UTC day make one click, every request
    a hit, counted once the buffer is flushed. Expiry dates are checked against ``visit.at``; the
    vacancy's status is as fresh as ``state``."""
    if state is None or not state.live(visit.at):
        raise _gone()
    buffer.add(
        state.id,
        visit.visitor(secret),
        visit.at.date(),
        bot=is_bot(visit.user_agent),
        at=visit.at,
    )
    return redirect_url(state.target, code, public_url)


def resolve(session: Session, code: str) -> TrackedLink | None:
    """The link with this code, whatever its state (no expiry or vacancy checks)."""
    if not is_code(code):
        return None
    return repository.get_by_code(session, code)


def chain(session: Session, link_id: UUID) -> list[TrackedLink]:
    """The referral chain of a link: its ancestors from the root (the employee's own link)
    down to the link itself. Empty for an unknown id."""
    return repository.ancestors(session, link_id)


def _insert(
    session: Session, values: dict[str, Any], find_existing: Callable[[], TrackedLink | None]
) -> tuple[TrackedLink, bool]:
    for _ in range(_CODE_ATTEMPTS):
        link = repository.insert_unless_exists(
            session, {"id": uuid7(), "code": new_code(), **values}
        )
        if link is not None:
            return link, True
        # Either an equal link was written concurrently, or the code was taken.
        existing = find_existing()
        if existing is not None:
            return existing, False
    raise RuntimeError("no unused link code found; is the random source broken?")


def ensure_link(
    session: Session,
    *,
    organisation_id: UUID,
    vacancy_id: UUID,
    channel: LinkChannel,
    campaign_id: UUID | None = None,
    employee_id: UUID | None = None,
    expires_at: datetime | None = None,
) -> TrackedLink:
    """A root link (depth 0) for a vacancy, credited to ``employee_id``. With a campaign and
    an employee there is one per campaign, employee and channel: a retried fan-out gets the
    existing link back (its expiry unchanged)."""

    def find() -> TrackedLink | None:
        if campaign_id is None or employee_id is None:
            return None
        return repository.find_root(session, campaign_id, employee_id, channel)

    existing = find()
    if existing is not None:
        return existing
    link, _ = _insert(
        session,
        {
            "organisation_id": organisation_id,
            "vacancy_id": vacancy_id,
            "campaign_id": campaign_id,
            "employee_id": employee_id,
            "root_employee_id": employee_id,
            "channel": channel,
            "depth": 0,
            "expires_at": expires_at,
        },
        find,
    )
    return link


def reshare(
    session: Session,
    code: str,
    visit: Visit,
    *,
    channel: LinkChannel,
    secret: str,
    public_url: str,
) -> tuple[ReshareOut, bool]:
    """A child link of ``code`` for this visitor and channel, and whether it is new. The
    same visitor (same keyed address and user agent, same UTC day) and channel get the same
    link back. The child inherits vacancy, campaign, expiry and the root employee; it is
    credited through the chain (``chain``). Same 404 rules as ``follow``; a link already
    ``MAX_DEPTH`` steps from its root cannot be reshared (422); a bot or script user agent
    gets 403."""
    found = repository.get_live(session, code, visit.at) if is_code(code) else None
    if found is None:
        raise _gone()
    parent, vacancy, organisation = found
    if is_bot(visit.user_agent):
        # Crawlers and scripts do not pass vacancies on to friends; refusing them keeps
        # automated clients from growing chains nobody shared.
        raise PermissionDeniedError("automated clients cannot reshare a link")
    visitor = visit.visitor(secret)
    link = repository.find_child(session, parent.id, visitor, channel)
    created = False
    if link is None:
        if parent.depth >= MAX_DEPTH:
            raise UnprocessableError(
                f"this link has been passed on {MAX_DEPTH} times, the most a chain may be; "
                "share the link you arrived through instead"
            )
        values = {
            "organisation_id": parent.organisation_id,
            "vacancy_id": parent.vacancy_id,
            "campaign_id": parent.campaign_id,
            "employee_id": None,
            "root_employee_id": parent.root_employee_id,
            "channel": channel,
            "parent_id": parent.id,
            "depth": parent.depth + 1,
            "visitor": visitor,
            "expires_at": parent.expires_at,
        }
        link, created = _insert(
            session, values, lambda: repository.find_child(session, parent.id, visitor, channel)
        )
    url = link_url(public_url, link.code)
    out = ReshareOut(
        code=link.code,
        url=url,
        parent_code=parent.code,
        depth=link.depth,
        channel=channel,
        share=share_urls(title=vacancy.title, organisation=organisation, url=url),
    )
    return out, created
