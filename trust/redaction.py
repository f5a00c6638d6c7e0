"""Removing a person's details from stored JSON (event data, audit payloads)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

REDACTED = "[erased]"


def usable_terms(values: Sequence[str | None]) -> list[str]:
    """The person's identifying texts worth searching for. Very short ones would blank
    unrelated text ("Jo" in "job"); names, emails and phone numbers are longer."""
    return sorted({v.strip() for v in values if v and len(v.strip()) >= 3})


def scrub(value: Any, terms: Sequence[str], keys: Collection[str] = ()) -> Any:
    """``value`` with every non-empty value under one of ``keys`` and every string that
    contains one of ``terms`` (case-insensitive) replaced by ``[erased]``."""
    lowered = [term.lower() for term in terms]

    def walk(item: Any) -> Any:
        if isinstance(item, dict):
            return {
                k: REDACTED if k in keys and v not in (None, "", []) else walk(v)
                for k, v in item.items()
            }
        if isinstance(item, list):
            return [walk(v) for v in item]
        if isinstance(item, str) and any(term in item.lower() for term in lowered):
            return REDACTED
        return item

    return walk(value)
