"""Keep identity out of matching.

Names, email addresses, phone numbers and gendered pronouns must not move a score, so every
text that reaches embeddings, lexical search or concept extraction passes through
``neutralise`` first. Two profiles that differ only in name or pronouns then produce the same
text, and therefore the same vectors, mentions and scores.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<!\w)\+?\d[\d ()./-]{7,}\d(?!\w)")
_URL = re.compile(r"\bhttps?://\S+", re.IGNORECASE)

# Gendered pronouns map to one neutral form per grammatical role. Dutch "zijn" and "haar"
# are also a verb and a noun; mapping every use keeps variants identical, which is what
# matters here, at a small cost in fluency that the embedding models tolerate.
_PRONOUNS = {
    "he": "they",
    "she": "they",
    "him": "them",
    "his": "their",
    "hers": "theirs",
    "her": "their",
    "himself": "themselves",
    "herself": "themselves",
    "hij": "die",
    "zij": "die",
    "ze": "die",
    "hem": "hen",
    "haar": "hun",
    "zijn": "hun",
    "mr": "mx",
    "mrs": "mx",
    "ms": "mx",
    "dhr": "mx",
    "mevr": "mx",
    "meneer": "mx",
    "mevrouw": "mx",
}


def _trie(words: Iterable[str]) -> str:
    """A pattern matching exactly ``words``, written as a tree of their shared prefixes:
    ``re`` tries a flat alternation's words one by one at every word in the text, and this
    scan runs on every field of every profile (twice as fast on generated profiles)."""
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + pattern(node[char]) for char in sorted(node) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return pattern(tree)


# Each pronoun is a whole word, so a tree of prefixes matches what the list of words would.
_PRONOUN = re.compile(r"\b(" + _trie(_PRONOUNS) + r")\b", re.IGNORECASE)


def _keep_case(original: str, replacement: str) -> str:
    return replacement.capitalize() if original[:1].isupper() else replacement


# Surname particles are ordinary words too ("de", "van", "den Haag"): removing them from the
# text would make two profiles that differ only in name read differently.
_PARTICLES = frozenset(
    "de den der van von ten ter te het la le el al bin ben da di du dos das del van't".split()
)


def _name_pattern(names: Iterable[str | None]) -> re.Pattern[str] | None:
    return _pattern_for(tuple(names))


# A profile's dozen fields are neutralised with the same name, so its pattern is built once
# rather than per field. Bounded like ``re``'s own cache of compiled patterns (512), which
# keeps these patterns, names and all, anyway.
@functools.lru_cache(maxsize=64)
def _pattern_for(names: tuple[str | None, ...]) -> re.Pattern[str] | None:
    parts = {
        part
        for name in names
        if name
        for part in re.findall(r"[^\W\d_][\w'-]*", name)
        if len(part) > 1 and part.casefold() not in _PARTICLES
    }
    if not parts:
        return None
    alternatives = "|".join(re.escape(p) for p in sorted(parts, key=len, reverse=True))
    return re.compile(rf"\b({alternatives})\b", re.IGNORECASE)


def _pronoun(match: re.Match[str]) -> str:
    return _keep_case(match.group(0), _PRONOUNS[match.group(0).lower()])


# Runs of blanks become one space; a single space is left alone rather than replaced by one.
_SPACES = re.compile(r"[ \t]{2,}|\t")


def neutralise(text: str, names: Iterable[str | None] = ()) -> str:
    """``text`` without contact details, the person's own name and gendered pronouns."""
    if not text:
        return ""
    # Every field of every profile passes through here, a dozen per profile on each write
    # and import: a pattern's scan is skipped where the text lacks what it must contain.
    if "@" in text:
        text = _EMAIL.sub(" ", text)
    if "://" in text:
        text = _URL.sub(" ", text)
    text = _PHONE.sub(" ", text)
    pattern = _name_pattern(names)
    if pattern is not None:
        text = pattern.sub("the candidate", text)
    text = _PRONOUN.sub(_pronoun, text)
    return _SPACES.sub(" ", text).strip()
