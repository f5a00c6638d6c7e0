"""The message of a post: a template per channel and language, filled from the vacancy,
with hashtags, brought within the platform's length limit without ever losing the link.

Templates name fields in braces: ``{title}``, ``{organisation}``, ``{city}`` (which reads
`` (Den Haag)``, or nothing), ``{summary}``, ``{url}``, ``{hashtags}``. Anything else in
braces is left as written (no attribute lookups, unlike ``str.format``). A template
without ``{url}`` gets the link on a line of its own at the end.
"""

from __future__ import annotations

import re
from collections.abc import Callable

FIELDS = ("title", "organisation", "city", "summary", "url", "hashtags")
DEFAULT_TEMPLATES = {
    "en": "{organisation} is hiring: {title}{city}.\n\n{summary}\n\nApply: {url}\n\n{hashtags}",
    "nl": "{organisation} zoekt: {title}{city}.\n\n{summary}\n\nSolliciteer: {url}\n\n{hashtags}",
}
# How much of the description a message starts from; the limit may cut it further.
SUMMARY_CHARS = 280
# X counts every link as this many characters, whatever its length (t.co wrapping).
X_URL_WEIGHT = 23
_FIELD = re.compile(r"\{(" + "|".join(FIELDS) + r")\}")
_URL = re.compile(r"https?://\S+")
_HASHTAG = re.compile(r"[^\w]+")


def x_length(text: str) -> int:
    return len(_URL.sub("x" * X_URL_WEIGHT, text))


def hashtag(tag: str) -> str:
    """``#`` and the tag's words run together: ``digital heritage`` -> ``#digitalheritage``."""
    return "#" + _HASHTAG.sub("", tag)


def cut(text: str, size: int) -> str:
    """``text`` within ``size`` characters, cut at a word and ending in an ellipsis."""
    if len(text) <= size:
        return text
    if size <= 1:
        return ""
    head = text[: size - 1]
    if " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,.;:-") + "…"


def _fill(template: str, values: dict[str, str]) -> str:
    text = _FIELD.sub(lambda match: values[match.group(1)], template)
    # Empty fields leave empty lines and spaces behind: tidy them.
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def render(
    template: str | None,
    *,
    language: str,
    title: str,
    organisation: str,
    city: str | None,
    description: str,
    url: str,
    hashtags: list[str],
    limit: int,
    measure: Callable[[str], int] = len,
) -> str:
    """The message, at most ``limit`` long as ``measure`` counts. What gives way first is
    the summary (word by word), then the hashtags (last first), then the title; the link
    always stays, whole."""
    chosen = template or DEFAULT_TEMPLATES.get(language, DEFAULT_TEMPLATES["en"])
    if "{url}" not in chosen:
        chosen = chosen.rstrip() + "\n{url}"
    tags = [hashtag(tag) for tag in hashtags if hashtag(tag) != "#"]
    words = " ".join(description.split())
    words = cut(words, SUMMARY_CHARS)
    values = {
        "title": " ".join(title.split()),
        "organisation": organisation,
        "city": f" ({city})" if city else "",
        "url": url,
    }

    def attempt(summary: str, kept: list[str]) -> str:
        return _fill(chosen, values | {"summary": summary, "hashtags": " ".join(kept)})

    summary_words = words.split(" ") if words else []
    text = attempt(words, tags)
    while measure(text) > limit and summary_words:
        summary_words.pop()
        summary = " ".join(summary_words)
        text = attempt(summary.rstrip(" ,.;:-") + "…" if summary_words else "", tags)
    while measure(text) > limit and tags:
        tags.pop()
        text = attempt("", tags)
    if measure(text) > limit:
        # Only the title is left to give way; the link stays whole.
        room = limit - measure(attempt("", []).replace(values["title"], ""))
        values["title"] = cut(values["title"], max(room, 0))
        text = attempt("", [])
    if measure(text) > limit:
        text = url
    return text
