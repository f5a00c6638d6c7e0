"""Reading text fields of the pages' forms."""

from __future__ import annotations

import re

# Control characters other than tab and line breaks: nobody types them, and PostgreSQL
# refuses a NUL in text, which would turn a form post into a server error.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def form_text(raw: object, limit: int | None = None) -> str:
    """A form field as trimmed text without control characters; a field sent twice or as a
    file reads as empty. With ``limit``, text far longer is cut to one character past it,
    so the length check still sees it is too long."""
    if not isinstance(raw, str):
        return ""
    text = _CONTROL.sub("", raw).strip()
    return text if limit is None else text[: limit + 1]
