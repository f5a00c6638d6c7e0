"""An organisation's job feeds: which vacancies they list, the validators a client
revalidates its copy with, the board's tracked link of each vacancy, and the documents.

A feed lists the vacancies the public page shows (open, not past their closing date), so
one closed by hand or expired is gone from the next response. Each listed vacancy's URL is
the board's own tracked link (made on the board's first read, then reused), so clicks and
applications from a board count for it in the funnel and attribution.

Services flush; the caller (request, task, CLI) commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy.orm import Session

from distribution.feeds import repository, xml
from distribution.feeds.schemas import FeedItem, FeedKind, JsonFeed, JsonFeedItem, JsonFeedJob
from distribution.links.codes import link_url, new_code
from distribution.links.service import vacancy_page_url
from models import Organisation, Vacancy
from models.base import uuid7
from runtime.errors import NotFoundError

# The most URLs a sitemap may hold (sitemaps.org); the other feeds keep to it as well.
MAX_ITEMS = 50_000
# Part of every ETag: change it when a format's output changes, so cached copies refresh.
FORMAT_VERSION = "1"
# A fresh code collides with an existing one about once in 2**60 draws (links.service).
_CODE_ATTEMPTS = 5
MEDIA_TYPES: dict[FeedKind, str] = {
    "xml": "application/xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
    "sitemap": "application/xml; charset=utf-8",
}
FEED_PATHS: dict[FeedKind, str] = {
    "xml": "jobs.xml",
    "json": "jobs.json",
    "rss": "rss.xml",
    "sitemap": "sitemap.xml",
}


@dataclass(frozen=True)
class Validators:
    """A strong ETag (it changes with every change of the document) and the moment of the
    last change that could have changed it."""

    etag: str
    last_modified: datetime


def feed_url(public_url: str, slug: str, kind: FeedKind, board: str | None = None) -> str:
    query = f"?board={board}" if board is not None and kind != "sitemap" else ""
    return f"{public_url.rstrip('/')}/feeds/{slug}/{FEED_PATHS[kind]}{query}"


def validators(
    session: Session,
    slug: str,
    kind: FeedKind,
    board: str | None,
    *,
    now: datetime,
    public_url: str,
) -> tuple[Organisation, Validators]:
    """The organisation of ``slug`` (404 without one) and its feed's validators, from two
    aggregate queries: a client whose copy is current is answered without building it."""
    organisation = repository.organisation(session, slug)
    if organisation is None:
        raise NotFoundError("no organisation publishes feeds at this address")
    listing = repository.listing(session, organisation.id, now)
    key = "|".join(
        [
            FORMAT_VERSION,
            kind,
            board or "",
            public_url,
            str(organisation.id),
            organisation.slug,
            organisation.name,
            organisation.updated_at.isoformat(),
            str(listing.count),
            listing.digest,
        ]
    )
    etag = f'"{hashlib.sha256(key.encode()).hexdigest()[:32]}"'
    changed = organisation.updated_at
    if listing.last_change is not None:
        changed = max(changed, listing.last_change)
    return organisation, Validators(etag=etag, last_modified=changed)


def board_links(
    session: Session, organisation_id: UUID, vacancy_ids: Sequence[UUID], board: str
) -> dict[UUID, str]:
    """The board's link code of each vacancy (vacancy id -> code). The first read of a
    board makes them, in one statement; a concurrent read that made some first is found by
    the unique index (one link per vacancy and board) and its links are used."""
    codes = repository.board_codes(session, vacancy_ids, board) if vacancy_ids else {}
    for _ in range(_CODE_ATTEMPTS):
        missing = [vacancy_id for vacancy_id in vacancy_ids if vacancy_id not in codes]
        if not missing:
            return codes
        written = repository.insert_board_links(
            session,
            [
                {
                    "id": uuid7(),
                    "code": new_code(),
                    "organisation_id": organisation_id,
                    "vacancy_id": vacancy_id,
                    "channel": board,
                    "depth": 0,
                }
                for vacancy_id in missing
            ],
        )
        codes.update(written)
        # The others were written concurrently (found now), or drew a taken code (retried).
        unwritten = [vacancy_id for vacancy_id in missing if vacancy_id not in written]
        if unwritten:
            codes.update(repository.board_codes(session, unwritten, board))
    raise RuntimeError("no unused link code found; is the random source broken?")


def _item(vacancy: Vacancy, url: str, page_url: str) -> FeedItem:
    return FeedItem(
        vacancy_id=vacancy.id,
        reference=vacancy.external_id or str(vacancy.id),
        title=vacancy.title,
        description=vacancy.description,
        url=url,
        page_url=page_url,
        posted_at=vacancy.posted_at or vacancy.created_at,
        updated_at=vacancy.updated_at,
        valid_through=vacancy.valid_through,
        city=vacancy.location_city,
        region=vacancy.location_region,
        postal_code=vacancy.location_postal_code,
        country=vacancy.location_country,
        remote=vacancy.remote,
        employment_type=vacancy.employment_type,
        salary_min=vacancy.salary_min,
        salary_max=vacancy.salary_max,
        salary_currency=vacancy.salary_currency,
        salary_period=vacancy.salary_period,
    )


def items(
    session: Session,
    organisation: Organisation,
    board: str | None,
    *,
    now: datetime,
    public_url: str,
) -> list[FeedItem]:
    """The listed vacancies, newest first, each with the board's tracked link (without a
    board, as for the sitemap, the URL is the vacancy's own page)."""
    vacancies = repository.listed_vacancies(session, organisation.id, now, MAX_ITEMS)
    codes = (
        board_links(session, organisation.id, [v.id for v in vacancies], board)
        if board is not None
        else {}
    )
    result = []
    for vacancy in vacancies:
        page_url = vacancy_page_url(public_url, organisation.slug, vacancy.id)
        url = link_url(public_url, codes[vacancy.id]) if board is not None else page_url
        result.append(_item(vacancy, url, page_url))
    return result


def json_feed(
    listed: list[FeedItem], organisation: Organisation, board: str, *, public_url: str
) -> JsonFeed:
    return JsonFeed(
        title=f"Vacancies at {organisation.name}",
        home_page_url=public_url,
        feed_url=feed_url(public_url, organisation.slug, "json", board),
        description=f"Open vacancies at {organisation.name}.",
        items=[
            JsonFeedItem(
                id=str(item.vacancy_id),
                url=item.url,
                title=item.title,
                content_text=item.description,
                date_published=item.posted_at,
                date_modified=item.updated_at,
                job=JsonFeedJob(
                    reference=item.reference,
                    company=organisation.name,
                    city=item.city,
                    region=item.region,
                    postal_code=item.postal_code,
                    country=item.country,
                    remote=item.remote,
                    employment_type=item.employment_type,
                    salary_min=item.salary_min,
                    salary_max=item.salary_max,
                    salary_currency=item.salary_currency,
                    salary_period=item.salary_period,
                    valid_through=item.valid_through,
                    page_url=item.page_url,
                ),
            )
            for item in listed
        ],
    )


def render(
    session: Session,
    organisation: Organisation,
    kind: FeedKind,
    board: str | None,
    *,
    now: datetime,
    changed: datetime,
    public_url: str,
) -> bytes:
    """The feed document, UTF-8 encoded; ``board`` is ignored by the sitemap and required
    by the others. ``changed`` (the validators' last change) is the build date the XML feeds
    state: the same document, byte for byte, for as long as its ETag holds."""
    if kind == "sitemap":
        return xml.sitemap(items(session, organisation, None, now=now, public_url=public_url))
    if board is None:
        raise ValueError(f"the {kind} feed needs a board")
    listed = items(session, organisation, board, now=now, public_url=public_url)
    if kind == "json":
        document = json_feed(listed, organisation, board, public_url=public_url)
        return document.model_dump_json(by_alias=True).encode()
    if kind == "rss":
        return xml.rss(
            listed,
            title=f"Vacancies at {organisation.name}",
            home_url=public_url,
            feed_url=feed_url(public_url, organisation.slug, "rss", board),
            description=f"Open vacancies at {organisation.name}.",
            built_at=changed,
        )
    return xml.indeed_xml(listed, company=organisation.name, home_url=public_url, built_at=changed)
