"""The share page of an ambassador (``/share/{token}``): everything one employee needs to
share one campaign's vacancy, reached from the campaign message. The token names the
campaign and the employee and is signed, so it cannot be guessed or altered; it does not
expire, and the page goes away when the vacancy closes."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.orm import Session

from distribution.campaigns import repository
from distribution.campaigns.notify import ShareLink, share_links
from models import Campaign, Vacancy
from models.base import utcnow
from runtime.signed_tokens import sign, unsign

_PURPOSE = "share-page"


def share_token(secret: str, campaign_id: UUID, employee_id: UUID) -> str:
    return sign(secret, _PURPOSE, campaign_id.bytes + employee_id.bytes)


def read_share_token(secret: str, token: str) -> tuple[UUID, UUID] | None:
    payload = unsign(secret, _PURPOSE, token)
    if payload is None or len(payload) != 32:
        return None
    return UUID(bytes=payload[:16]), UUID(bytes=payload[16:])


def share_page_url(public_url: str, secret: str, campaign_id: UUID, employee_id: UUID) -> str:
    return f"{public_url.rstrip('/')}/share/{share_token(secret, campaign_id, employee_id)}"


@dataclass(frozen=True)
class SharePage:
    organisation: str
    organisation_slug: str
    vacancy: Vacancy
    campaign: Campaign
    employee_name: str
    links: list[ShareLink]


def load(
    session: Session, campaign_id: UUID, employee_id: UUID, *, public_url: str
) -> SharePage | None:
    """The page's content; ``None`` when the campaign, the employee or an open vacancy is
    missing (nothing tells which)."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return None
    vacancy = repository.vacancy(session, campaign.organisation_id, campaign.vacancy_id)
    employees = repository.employees(session, [employee_id])
    if vacancy is None or not vacancy.is_public(utcnow()) or not employees:
        return None
    employee = employees[0]
    if employee.organisation_id != campaign.organisation_id:
        return None
    organisation = repository.organisation(session, campaign.organisation_id)
    links = repository.links(session, campaign.id, [employee.id]).get(employee.id, [])
    return SharePage(
        organisation=organisation.name,
        organisation_slug=organisation.slug,
        vacancy=vacancy,
        campaign=campaign,
        employee_name=employee.name,
        links=share_links(
            links,
            public_url,
            title=vacancy.title,
            organisation=organisation.name,
            message=campaign.message,
        ),
    )
