"""The XML feeds, built with ElementTree so every text is escaped (a description may hold
``<``, ``&`` or ``]]>``; nothing is pasted into markup), declared and encoded as UTF-8."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import format_datetime
from xml.etree import ElementTree as ET

from distribution.feeds.schemas import FeedItem

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
ATOM_NS = "http://www.w3.org/2005/Atom"
# XML 1.0 has no way to write these characters, escaped or not; a parser stops at them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Indeed's job types; ours without an equivalent (volunteer, per diem, other) are left out.
_JOB_TYPES = {
    "full_time": "fulltime",
    "part_time": "parttime",
    "contract": "contract",
    "temporary": "temporary",
    "internship": "internship",
}


def _clean(text: str | None) -> str:
    return _NOT_XML.sub("", text or "")


def http_date(moment: datetime) -> str:
    """RFC 2822 / RFC 9110 date, as RSS and Indeed feeds write it: ``Fri, 04 Dec 2026
    15:00:00 GMT``."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _add(parent: ET.Element, tag: str, text: str | None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    element.text = _clean(text)
    return element


def _document(root: ET.Element) -> bytes:
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def _amount(value: Decimal) -> str:
    return f"{value:f}".removesuffix(".00")


def salary_text(item: FeedItem) -> str | None:
    """``EUR 3500-4800 per month``; ``None`` without an amount."""
    low, high = item.salary_min, item.salary_max
    if low is None and high is None:
        return None
    if low is not None and high is not None and low != high:
        amount = f"{_amount(low)}-{_amount(high)}"
    else:
        amount = _amount(low if low is not None else high)  # type: ignore[arg-type]
    currency = f"{item.salary_currency} " if item.salary_currency else ""
    period = f" per {item.salary_period}" if item.salary_period else ""
    return f"{currency}{amount}{period}"


def indeed_xml(
    items: Iterable[FeedItem], *, company: str, home_url: str, built_at: datetime
) -> bytes:
    """The feed in the XML format Indeed introduced and most boards and aggregators read:
    ``<source>`` with the publisher, then one ``<job>`` per vacancy."""
    source = ET.Element("source")
    _add(source, "publisher", company)
    _add(source, "publisherurl", home_url)
    _add(source, "lastBuildDate", http_date(built_at))
    for item in items:
        job = ET.SubElement(source, "job")
        _add(job, "title", item.title)
        _add(job, "date", http_date(item.posted_at))
        _add(job, "referencenumber", item.reference)
        _add(job, "url", item.url)
        _add(job, "company", company)
        _add(job, "city", item.city)
        _add(job, "state", item.region)
        _add(job, "country", item.country)
        _add(job, "postalcode", item.postal_code)
        _add(job, "description", item.description)
        salary = salary_text(item)
        if salary is not None:
            _add(job, "salary", salary)
        if item.employment_type in _JOB_TYPES:
            _add(job, "jobtype", _JOB_TYPES[item.employment_type])
        if item.remote:
            _add(job, "remotetype", "Fully remote")
        if item.valid_through is not None:
            _add(job, "expirationdate", http_date(item.valid_through))
    return _document(source)


def rss(
    items: Iterable[FeedItem],
    *,
    title: str,
    home_url: str,
    feed_url: str,
    description: str,
    built_at: datetime,
) -> bytes:
    """An RSS 2.0 channel, one ``<item>`` per vacancy; the guid is the vacancy id (not a
    link: the tracked link differs per board, the vacancy does not)."""
    # Namespaces written as plain attributes: ElementTree's own namespace prefixes are
    # process-wide state.
    root = ET.Element("rss", {"version": "2.0", "xmlns:atom": ATOM_NS})
    channel = ET.SubElement(root, "channel")
    _add(channel, "title", title)
    _add(channel, "link", home_url)
    _add(channel, "description", description)
    _add(channel, "lastBuildDate", http_date(built_at))
    ET.SubElement(
        channel,
        "atom:link",
        {"href": _clean(feed_url), "rel": "self", "type": "application/rss+xml"},
    )
    for item in items:
        entry = ET.SubElement(channel, "item")
        _add(entry, "title", item.title)
        _add(entry, "link", item.url)
        _add(entry, "description", item.description)
        _add(entry, "guid", f"urn:uuid:{item.vacancy_id}", isPermaLink="false")
        _add(entry, "pubDate", http_date(item.posted_at))
    return _document(root)


def sitemap(items: Iterable[FeedItem]) -> bytes:
    """A sitemaps.org 0.9 ``urlset`` of the vacancies' own pages (canonical, not tracked:
    a search engine drops addresses that redirect), each with its last change."""
    root = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    for item in items:
        url = ET.SubElement(root, "url")
        _add(url, "loc", item.page_url)
        _add(url, "lastmod", item.updated_at.astimezone(UTC).isoformat(timespec="seconds"))
    return _document(root)
