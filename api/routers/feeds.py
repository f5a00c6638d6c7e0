"""An organisation's public job feeds (no API key): ``/feeds/{organisation}/jobs.xml``
(Indeed-style XML), ``jobs.json`` (JSON Feed), ``rss.xml`` (RSS 2.0) and ``sitemap.xml``.
Every answer carries an ETag and Last-Modified; a client whose copy is current gets 304."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from api.deps import SessionDep, SettingsDep
from api.problems import problem_responses
from api.routing import StrictJsonRoute
from distribution.feeds import service
from distribution.feeds.schemas import FeedBoard, FeedKind, JsonFeed
from distribution.feeds.xml import http_date

router = APIRouter(prefix="/feeds", tags=["feeds"], route_class=StrictJsonRoute)

# Shared caches may keep a feed but must ask again each time (a 304 costs two aggregate
# queries): a vacancy closed by hand leaves every copy at once, as the issue demands.
CACHE_CONTROL = "public, no-cache"

OrganisationPath = Annotated[
    str,
    Path(
        description="The organisation's public slug, as in its vacancy pages "
        "`/jobs/{organisation}/{vacancy_id}`.",
        max_length=80,
    ),
]
BoardQuery = Annotated[
    FeedBoard,
    Query(
        description="The job board reading the feed. Each vacancy's URL is that board's own "
        "tracked link (`/r/{code}`, `utm_source` the board), so its clicks and applications "
        "are credited to the board in the funnel and attribution. `feed` for a reader that "
        "is none of these; any other value is a 422."
    ),
]


class JsonFeedResponse(Response):
    # Declares the media type, so the document lists the JsonFeed schema under it.
    media_type = "application/feed+json"


def _not_modified(request: Request, validators: service.Validators) -> bool:
    """RFC 9110 section 13.2.2: If-None-Match decides when sent; If-Modified-Since only
    without it (a date cannot tell a closed vacancy from an earlier state)."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or validators.etag in tags
    if_modified_since = request.headers.get("if-modified-since")
    if not if_modified_since:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False  # an unreadable date is ignored, as the RFC says
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return validators.last_modified.replace(microsecond=0) <= since


def last_modified_header(changed: datetime, now: datetime) -> str | None:
    """The Last-Modified value for a document last changed at `changed`, or None for now.

    A date names whole seconds: a change later in the second of the last one would not
    move it, and a client revalidating by date would keep a stale copy. So the date is
    sent once its second is over (RFC 9110 section 8.8.2.2); the ETag always is."""
    if changed.replace(microsecond=0) < now.replace(microsecond=0):
        return http_date(changed)
    return None


def _feed(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    organisation: str,
    kind: FeedKind,
    board: str | None,
) -> Response:
    now = datetime.now(UTC)
    public_url = settings.resolved_public_url
    org, validators = service.validators(
        session, organisation, kind, board, now=now, public_url=public_url
    )
    headers = {"ETag": validators.etag, "Cache-Control": CACHE_CONTROL}
    if (modified := last_modified_header(validators.last_modified, now)) is not None:
        headers["Last-Modified"] = modified
    if _not_modified(request, validators):
        return Response(status_code=304, headers=headers)
    body = service.render(
        session,
        org,
        kind,
        board,
        now=now,
        changed=validators.last_modified,
        public_url=public_url,
    )
    return Response(body, media_type=service.MEDIA_TYPES[kind], headers=headers)


def _responses(media_type: str, description: str, **ok: Any) -> dict[int | str, Any]:
    return {
        200: {"description": description, "content": {media_type: {}}, **ok},
        304: {
            "description": "The copy named by `If-None-Match` or `If-Modified-Since` is "
            "current; no body."
        },
        **problem_responses(404, 422),
    }


@router.get(
    "/{organisation}/jobs.xml",
    response_class=Response,
    summary="Job feed in Indeed-style XML",
    responses=_responses("application/xml", "`<source>` with one `<job>` per open vacancy."),
)
def jobs_xml(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    organisation: OrganisationPath,
    board: BoardQuery = "feed",
) -> Response:
    """The organisation's open vacancies in the XML format Indeed introduced and most job
    boards and aggregators read: `<source>` (`publisher`, `publisherurl`, `lastBuildDate`)
    with one `<job>` per vacancy: `title`, `date`, `referencenumber` (the vacancy's
    `external_id`, else its id), `url` (the board's tracked link), `company`, `city`,
    `state`, `country`, `postalcode`, `description`, and when known `salary`
    (`EUR 3500-4800 per month`), `jobtype` (`fulltime`, `parttime`, `contract`,
    `temporary`, `internship`), `remotetype` and `expirationdate`. Dates as RFC 2822.

    Lists what the vacancy pages show: open vacancies not past `valid_through`, newest
    first; one closed or expired is gone from the next response. Send the `ETag` back as
    `If-None-Match` (or `Last-Modified` as `If-Modified-Since`) to get 304 while nothing
    changed. 404 for an unknown organisation."""
    return _feed(request, session, settings, organisation, "xml", board)


@router.get(
    "/{organisation}/jobs.json",
    response_class=JsonFeedResponse,
    summary="Job feed as JSON Feed 1.1",
    responses=_responses("application/feed+json", "A JSON Feed document.", model=JsonFeed),
)
def jobs_json(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    organisation: OrganisationPath,
    board: BoardQuery = "feed",
) -> Response:
    """The organisation's open vacancies as a [JSON Feed 1.1](https://jsonfeed.org/version/1.1)
    document: per item `id` (the vacancy id), `url` (the board's tracked link), `title`,
    `content_text`, `date_published`, `date_modified`, and the job fields in the extension
    object `_job` (reference, company, location, remote, employment type, salary,
    `valid_through`, and `page_url`, the vacancy's own page). Same listing, caching and 304
    rules as `jobs.xml`."""
    return _feed(request, session, settings, organisation, "json", board)


@router.get(
    "/{organisation}/rss.xml",
    response_class=Response,
    summary="Job feed as RSS 2.0",
    responses=_responses("application/rss+xml", "An RSS 2.0 channel."),
)
def jobs_rss(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    organisation: OrganisationPath,
    board: BoardQuery = "feed",
) -> Response:
    """The organisation's open vacancies as an RSS 2.0 channel: per `<item>` the `title`,
    `link` (the board's tracked link), `description`, `guid` (`urn:uuid:` and the vacancy
    id) and `pubDate`. Same listing, caching and 304 rules as `jobs.xml`."""
    return _feed(request, session, settings, organisation, "rss", board)


@router.get(
    "/{organisation}/sitemap.xml",
    response_class=Response,
    summary="Sitemap of the vacancy pages",
    responses=_responses("application/xml", "A sitemaps.org 0.9 `urlset`."),
)
def sitemap(
    request: Request, session: SessionDep, settings: SettingsDep, organisation: OrganisationPath
) -> Response:
    """A [sitemaps.org 0.9](https://www.sitemaps.org/protocol.html) `urlset` of the open
    vacancies' public pages `/jobs/{organisation}/{vacancy_id}` with `lastmod`, for search
    engines (Google for Jobs reads the JobPosting JSON-LD on each page). The addresses are
    the pages themselves, not tracked links: a search engine drops an address that
    redirects. Same listing, caching and 304 rules as `jobs.xml`."""
    return _feed(request, session, settings, organisation, "sitemap", None)
