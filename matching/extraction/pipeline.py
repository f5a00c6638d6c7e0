"""spaCy pipelines for taxonomy matching: tokenizer, lookup lemmatizer and sentencizer.

No trained model is involved: ``spacy.blank`` plus the lemma tables of spacy-lookups-data,
so the pipelines load offline in about a second and behave the same on every machine.

The lookup tables alone are not enough for matching, which is why lemmas are refined here:

* the English table is case-sensitive ("Teaching" has no entry, "teaching" has) while the
  Dutch lemmatizer lowercases, so a refined lemma is always lowercased and looked up in
  lowercase as a fallback;
* the tables have holes and a few wrong entries: Dutch "ontwikkelde" is missing, English
  "developed" maps to "develope". When the table has no answer, or an answer that is not a
  known lemma, the suffix rules of the same data package are tried and a candidate is only
  accepted when the lemma index lists it ("ontwikkelde" -> "ontwikkelen", "developed" ->
  "develop"). A word that the index already knows as a lemma is left alone, so the rules
  never strip real words ("process", "news").

Labels and texts go through the same function, so whatever it does to a word happens on both
sides of the match; lookup lemmatization ignores context, which is what makes that true.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from typing import Literal

import spacy
from spacy.lang.char_classes import ALPHA, HYPHENS
from spacy.language import Language
from spacy.lookups import Table
from spacy.tokens import Doc
from spacy.util import compile_infix_regex

Lang = Literal["nl", "en"]
LANGS: tuple[Lang, ...] = ("nl", "en")

# Parts of speech whose suffix rules may produce a lemma, most useful first: taxonomy labels
# are mostly nouns (occupations) and verb phrases (skills).
_RULE_POS = ("noun", "verb", "adj")
_CACHE_LIMIT = 500_000


def _table(lang: Lang, name: str) -> dict[str, object]:
    path = resources.files("spacy_lookups_data") / "data" / f"{lang}_{name}.json.gz"
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as handle:
        table: dict[str, object] = json.load(handle)
    return table


class LemmaRefiner:
    """Turn the lookup lemmatizer's output into a lowercased, index-checked lemma."""

    def __init__(self, lang: Lang, lookup: Table) -> None:
        # ``lookup`` is the lemmatizer component's own table, so it is loaded only once.
        self._lookup = lookup
        index = _table(lang, "lemma_index")
        self._index: dict[str, frozenset[str]] = {
            pos: frozenset(str(w) for w in words)  # type: ignore[attr-defined]
            for pos, words in index.items()
        }
        self._known: frozenset[str] = frozenset().union(*self._index.values())
        rules = _table(lang, "lemma_rules")
        self._rules: dict[str, list[tuple[str, str]]] = {
            pos: [(str(old), str(new)) for old, new in pairs]  # type: ignore[attr-defined]
            for pos, pairs in rules.items()
        }
        self._cache: dict[str, str] = {}

    def __call__(self, text: str, lemma: str) -> str:
        """``lemma`` is what the lookup lemmatizer said for ``text``."""
        refined = self._cache.get(text)
        if refined is None:
            refined = self._refine(text, None if lemma.lower() == text.lower() else lemma)
            if len(self._cache) < _CACHE_LIMIT:
                self._cache[text] = refined
        return refined

    def _refine(self, text: str, looked_up: str | None) -> str:
        lower = text.lower()
        if looked_up is None and lower != text:
            found = self._lookup.get(lower)
            looked_up = found if isinstance(found, str) else None
        if looked_up is not None and looked_up.lower() in self._known:
            return looked_up.lower()
        if not lower.isalpha() or (looked_up is None and lower in self._known):
            return (looked_up or lower).lower()
        for pos in _RULE_POS:
            known = self._index.get(pos, frozenset())
            for old, new in self._rules.get(pos, []):
                if lower.endswith(old) and len(lower) - len(old) >= 2:
                    candidate = lower[: len(lower) - len(old)] + new
                    if candidate in known:
                        return candidate
        return (looked_up or lower).lower()


def _add_hyphen_infix(nlp: Language) -> None:
    # Dutch writes compounds with a hyphen ("ICT-afdeling", "JavaScript-bibliotheek") and the
    # Dutch tokenizer keeps them whole, so neither part could ever match a label. English
    # already splits letter-hyphen-letter; do the same for Dutch (labels get the same split).
    infix = rf"(?<=[{ALPHA}0-9])(?:{HYPHENS})(?=[{ALPHA}])"
    nlp.tokenizer.infix_finditer = compile_infix_regex(  # type: ignore[union-attr]
        [*(nlp.Defaults.infixes or []), infix]
    ).finditer


@cache
def load_pipeline(lang: Lang) -> Language:
    """The shared blank pipeline for ``lang`` (loading the lemma tables takes ~1 s)."""
    nlp = spacy.blank(lang)
    if lang == "nl":
        _add_hyphen_infix(nlp)
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.add_pipe("sentencizer")
    nlp.initialize()  # loads lemma_lookup from spacy-lookups-data; raises if it is missing
    return nlp


@cache
def lemma_refiner(lang: Lang) -> LemmaRefiner:
    lemmatizer = load_pipeline(lang).get_pipe("lemmatizer")
    return LemmaRefiner(lang, lemmatizer.lookups.get_table("lemma_lookup"))  # type: ignore[attr-defined]


def annotate(
    lang: Lang, texts: Iterable[str], *, sentences: bool = True, batch_size: int = 256
) -> Iterator[Doc]:
    """Run the pipeline and replace every token's lemma with the refined, lowercased one.

    ``sentences=False`` skips the sentencizer, for taxonomy labels.
    """
    nlp = load_pipeline(lang)
    refine = lemma_refiner(lang)
    disable = [] if sentences else ["sentencizer"]
    for doc in nlp.pipe(texts, batch_size=batch_size, disable=disable):
        for token in doc:
            token.lemma_ = refine(token.text, token.lemma_)
        yield doc
