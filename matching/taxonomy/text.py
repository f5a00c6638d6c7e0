"""Text helpers for matching job titles and skill phrases against taxonomy labels.

Everything here is rule-based and language-light: lower-casing, accent folding, dropping
gender/"(m/v)" markers that never distinguish occupations, and splitting Dutch/German-style
closed compounds against a vocabulary taken from the labels being ranked.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

# "(m/v)", "(m/v/x)", "m/v", "(v/m)", "(h/f)", "(m/w/d)": gender markers in vacancy titles.
_GENDER_MARKER = re.compile(r"\(?\b[mvwhfxd](?:\s*/\s*[mvwhfxd]){1,2}\b\)?", re.IGNORECASE)
# "huishoud(st)ers", "(hoofd)docent", "(bak)fietsen": an optional piece glued to a word.
# Dropping it keeps the base form, which is how taxonomies usually spell the label.
_INWORD_PARENS = re.compile(r"(?<=\w)\(\w{1,12}\)|\(\w{1,12}\)(?=\w)")
# "a/b" or "a / b" between two words.
_SLASH_PAIR = re.compile(r"(\w+)\s*/\s*(\w+)")
# "medewerker/ster", "verkoper/ster", "directeur/trice": the slash half is only a suffix.
_FEMININE_SUFFIXES = frozenset({"e", "es", "in", "ne", "se", "ster", "sse", "euse", "trice", "a"})
_NON_WORD = re.compile(r"[^\w]+")
_SPACES = re.compile(r"\s+")

# Dutch linking morphemes between compound parts ("arbeid-s-bemiddelaar", "boek-en-winkel").
_LINKERS = ("", "s", "e", "en", "er")
MIN_PART = 4  # shorter parts over-split ("bakker" -> "bak" + "ker")


def fold_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _fold_slash(match: re.Match[str]) -> str:
    first, second = match.group(1), match.group(2)
    # "medewerker/ster", "leraar/lerares", "steward/stewardess": the second half is a
    # gendered variant (a suffix, or shares a stem) -> keep the first.
    if second in _FEMININE_SUFFIXES or _shared_prefix(first, second) >= 4:
        return first
    # "kopieer / printbedrijf", "setter/operator": two real alternatives -> keep both words.
    return f"{first} {second}"


def _shared_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def normalise(text: str) -> str:
    """Lower-case, accent-free, punctuation-free form used by the lexical channel."""
    text = fold_accents(text).lower()
    text = _GENDER_MARKER.sub(" ", text)
    text = _INWORD_PARENS.sub("", text)
    text = _SLASH_PAIR.sub(_fold_slash, text)
    text = _NON_WORD.sub(" ", text).replace("_", " ")
    return _SPACES.sub(" ", text).strip()


def words(text: str) -> list[str]:
    return normalise(text).split()


def vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """Standalone words of the labels: the parts compounds may be split into."""
    return frozenset(w for t in texts for w in words(t) if len(w) >= MIN_PART)


def split_word(word: str, vocab: frozenset[str]) -> list[str]:
    """Split a closed compound into known words, longest head first; unknown -> unchanged.

    "softwareontwikkelaar" -> ["software", "ontwikkelaar"] when both are label words. The
    head (last part) carries the occupation, so it must be a known word; earlier parts may
    recurse.
    """
    if word in vocab or len(word) < 2 * MIN_PART:
        return [word]
    for cut in range(len(word) - MIN_PART, MIN_PART - 1, -1):
        head = word[cut:]
        if head not in vocab:
            continue
        left = word[:cut]
        for linker in _LINKERS:
            if linker and not left.endswith(linker):
                continue
            stem = left[: len(left) - len(linker)] if linker else left
            if len(stem) < MIN_PART:
                continue
            parts = split_word(stem, vocab)
            if parts != [stem] or stem in vocab:
                return [*parts, head]
    return [word]


def split_compounds(text: str, vocab: frozenset[str]) -> str:
    """Normalised text with every compound split into label words ("" parts kept)."""
    return " ".join(_split_all(normalise(text).split(), vocab))


def _split_all(tokens: list[str], vocab: frozenset[str]) -> Iterator[str]:
    for token in tokens:
        yield from split_word(token, vocab)


def char_ngrams(text: str, low: int = 2, high: int = 4) -> list[str]:
    """Character n-grams inside space-padded words (scikit-learn's ``char_wb``)."""
    grams: list[str] = []
    for word in text.split():
        padded = f" {word} "
        for n in range(low, high + 1):
            if n > len(padded):
                break
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams
