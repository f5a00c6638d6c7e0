"""Ready-made share texts and share-intent URLs per channel.

A share text is the whole post as it should appear, the tracked link included: a headline
(``"<organisation> is hiring: <title>."``), the sender's message (or a short call to action),
then the link. When it is too long for the channel the message is cut at a word boundary and
ends in an ellipsis, then, if still needed, the headline; the link is never cut.

Intent URLs open the platform's own share dialog:

* LinkedIn ``share-offsite`` and Facebook ``sharer.php`` take only the link (both dropped
  their text parameters); the share text is for the employee to paste.
* X: ``https://twitter.com/intent/tweet``, the long-documented web intent, which X still
  serves and redirects to x.com; the mobile apps open it directly.
* WhatsApp: ``https://wa.me/?text=`` with the link inside the text (its only parameter).
* Email: ``mailto:`` with ``subject`` and ``body`` (RFC 6068: every reserved character
  percent-encoded, spaces as ``%20`` and line breaks as ``%0D%0A``, never ``+``).
* Intranet and direct: the link itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

CHANNELS = ("linkedin", "facebook", "x", "whatsapp", "email", "intranet", "direct")
ELLIPSIS = "…"
DEFAULT_CALL_TO_ACTION = "Know someone who would fit? Have a look and pass it on."


@dataclass(frozen=True)
class ChannelLimit:
    """How long a share text may be on a channel, and how its characters are counted."""

    max_chars: int
    # X counts every URL as 23 characters (t.co) and most non-Latin characters as 2.
    weighted: bool
    why: str


LIMITS: dict[str, ChannelLimit] = {
    "linkedin": ChannelLimit(3000, False, "LinkedIn post text limit"),
    "facebook": ChannelLimit(
        500, False, "suggested text; posts may be longer, but short ones are read"
    ),
    "x": ChannelLimit(280, True, "X post limit; a URL counts as 23, CJK and emoji as 2"),
    "whatsapp": ChannelLimit(
        1000, False, "a chat message read on a phone; keeps the wa.me URL short"
    ),
    "email": ChannelLimit(
        1800, False, "body; mailto: URLs much beyond 2,000 characters fail in some clients"
    ),
    "intranet": ChannelLimit(500, False, "intranet and chat post"),
    "direct": ChannelLimit(500, False, "text shown with a link copied by hand"),
}
# RFC 5322 recommends lines of at most 78 characters; longer subjects are folded or cut.
EMAIL_SUBJECT_MAX_CHARS = 78
X_URL_WEIGHT = 23

# Separator between headline and message, and before the link.
_SEPARATOR = {"x": " "}
_PARAGRAPH = "\n\n"
_SPACE_RUN = re.compile(r"\s+")
# Left at the end of a cut text, before the ellipsis, they read as mistakes.
_TRIM = " \t\r\n,;:-–—"


def _x_char_weight(char: str) -> int:
    # twitter-text v3: these ranges (Latin, general punctuation) count 1, everything else 2.
    # Emoji sequences are counted per code point, which can only overestimate.
    point = ord(char)
    if point <= 4351 or 8192 <= point <= 8205 or 8208 <= point <= 8223 or 8242 <= point <= 8247:
        return 1
    return 2


def _measure(channel: str, url: str) -> Callable[[str], int]:
    if not LIMITS[channel].weighted:
        return len

    def weighted(text: str) -> int:
        pieces = text.split(url) if url else [text]
        count = sum(_x_char_weight(c) for piece in pieces for c in piece)
        return count + X_URL_WEIGHT * (len(pieces) - 1)

    return weighted


def _trim(text: str) -> str:
    return text.rstrip(_TRIM)


def truncate(text: str, budget: int, measure: Callable[[str], int] = len) -> str:
    """``text`` if it fits ``budget``, else its longest prefix ending at a word boundary that
    fits with an ellipsis (cut inside the first word when even that is too long); empty when
    not even the ellipsis fits."""
    if measure(text) <= budget:
        return text
    if measure(ELLIPSIS) > budget:
        return ""

    def fits(end: int) -> bool:
        return measure(_trim(text[:end]) + ELLIPSIS) <= budget

    # Prefixes only grow when they get longer, so a binary search finds the longest one.
    ends = [match.start() for match in _SPACE_RUN.finditer(text) if match.start() > 0]
    low, high, best = 0, len(ends) - 1, -1
    while low <= high:
        middle = (low + high) // 2
        if fits(ends[middle]):
            best, low = ends[middle], middle + 1
        else:
            high = middle - 1
    if best < 0 or not _trim(text[:best]):
        low, high = 0, len(text)
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if fits(middle) else (low, middle - 1)
        best = low
    return _trim(text[:best]) + ELLIPSIS


def _check(channel: str) -> ChannelLimit:
    try:
        return LIMITS[channel]
    except KeyError:
        raise ValueError(f"unknown share channel {channel!r}; use one of {CHANNELS}") from None


def _one_line(text: str) -> str:
    return _SPACE_RUN.sub(" ", text).strip()


def _compose(channel: str, headline: str, message: str, url: str) -> str:
    """Headline, message and link in the channel's layout, within its limit."""
    limit = _check(channel).max_chars
    measure = _measure(channel, url)
    separator = _SEPARATOR.get(channel, _PARAGRAPH)

    def join(*parts: str) -> str:
        return separator.join(part for part in parts if part)

    full = join(headline, message, url)
    if measure(full) <= limit:
        return full
    room_for_message = limit - measure(join(headline, url)) - measure(separator)
    if message and room_for_message > measure(ELLIPSIS):
        return join(headline, truncate(message, room_for_message, measure), url)
    room_for_headline = limit - measure(url) - measure(separator)
    return join(truncate(headline, room_for_headline, measure), url)


def share_text(
    channel: str, *, title: str, organisation: str, url: str, message: str | None = None
) -> str:
    """The post for ``channel``: headline, the sender's ``message`` (default: a short call to
    action), then ``url``, cut to the channel's limit (see ``LIMITS``) without cutting
    ``url``. X gets one line; the other channels paragraphs."""
    _check(channel)
    title = _one_line(title)
    stop = "" if title.endswith((".", "!", "?")) else "."
    headline = f"{_one_line(organisation)} is hiring: {title}{stop}"
    body = (message or "").strip() or DEFAULT_CALL_TO_ACTION
    if channel == "x":
        body = _one_line(body)
    return _compose(channel, headline, body, url)


def share_subject(*, title: str, organisation: str) -> str:
    """An email subject for a vacancy, at most ``EMAIL_SUBJECT_MAX_CHARS`` long."""
    subject = f"Vacancy: {_one_line(title)} ({_one_line(organisation)})"
    if len(subject) <= EMAIL_SUBJECT_MAX_CHARS:
        return subject
    return truncate(f"Vacancy: {_one_line(title)}", EMAIL_SUBJECT_MAX_CHARS)


def _with_url(channel: str, text: str, url: str) -> str:
    """``text`` with ``url`` in it, within the channel's limit: a text that already fits
    (a ``share_text``) is kept as it is; otherwise the part without the link is cut."""
    measure = _measure(channel, url)
    if url in text:
        candidate = text
    elif text.strip():
        candidate = f"{text.rstrip()}{_SEPARATOR.get(channel, _PARAGRAPH)}{url}"
    else:
        candidate = url
    if measure(candidate) <= LIMITS[channel].max_chars:
        return candidate
    rest = text.replace(url, " ").strip()
    return _compose(channel, "", rest, url)


def _q(value: str) -> str:
    return quote(value, safe="")


def intent_url(channel: str, *, url: str, text: str, subject: str) -> str:
    """The URL that opens ``channel``'s share dialog for ``url``. ``text`` is the post
    (usually from ``share_text``; the link is added when it is missing, and the text is cut
    to the channel's limit); ``subject`` is used by email only (cut to 78 characters)."""
    _check(channel)
    if channel == "linkedin":
        return f"https://www.linkedin.com/sharing/share-offsite/?url={_q(url)}"
    if channel == "facebook":
        return f"https://www.facebook.com/sharer/sharer.php?u={_q(url)}"
    if channel == "x":
        # X appends the url parameter after the text, separated by a space.
        words = _one_line(_with_url("x", _one_line(text), url).replace(url, " "))
        return f"https://twitter.com/intent/tweet?text={_q(words)}&url={_q(url)}"
    if channel == "whatsapp":
        return f"https://wa.me/?text={_q(_with_url('whatsapp', text, url))}"
    if channel == "email":
        body = _with_url("email", text, url).replace("\r\n", "\n").replace("\n", "\r\n")
        short_subject = truncate(_one_line(subject), EMAIL_SUBJECT_MAX_CHARS)
        return f"mailto:?subject={_q(short_subject)}&body={_q(body)}"
    return url


def share_urls(
    *, title: str, organisation: str, url: str, message: str | None = None
) -> dict[str, str]:
    """Intent URLs of every channel for one link, each with its own ready-made text."""
    subject = share_subject(title=title, organisation=organisation)
    return {
        channel: intent_url(
            channel,
            url=url,
            text=share_text(
                channel, title=title, organisation=organisation, url=url, message=message
            ),
            subject=subject,
        )
        for channel in CHANNELS
    }
