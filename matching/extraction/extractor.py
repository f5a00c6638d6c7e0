"""Find taxonomy skills and occupations in Dutch and English text, with evidence.

One PhraseMatcher per language matches on the refined lemma (see ``pipeline``), so inflected
forms find their label ("taught" -> "teach", "bibliotheken" -> "bibliotheek") and matching is
case-insensitive. Short labels written with capitals ("IT", "Go", "SAP", "C#") are a second
matcher on the exact spelling instead, because their lowercase twins are ordinary words.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from matching.documents.language import detect_language
from matching.extraction.ambiguity import in_technology_sense
from matching.extraction.pipeline import LANGS, Lang, annotate, load_pipeline

Kind = Literal["occupation", "skill"]
EVIDENCE_MAX_CHARS = 200
# Labels up to this length that contain a capital are matched on the exact spelling.
EXACT_CASE_MAX_CHARS = 3


@dataclass(frozen=True)
class TermLabel:
    uri: str  # concept URI
    kind: Kind
    lang: Lang
    text: str  # one label (preferred, alt or hidden label)


@dataclass(frozen=True)
class Mention:
    uri: str
    kind: Kind
    lang: Lang
    label: str  # the taxonomy label that matched
    start: int  # character offsets into the input text
    end: int
    text: str  # the matched text as written
    evidence: str  # the sentence (or a window of at most EVIDENCE_MAX_CHARS) around it


@dataclass(frozen=True)
class _Chunk:
    """A processed piece of the input: the whole text, or one sentence of a mixed text."""

    lang: Lang
    offset: int
    doc: Doc


def _match_mode(text: str, doc: Doc, stop_words: set[str]) -> Literal["lemma", "exact"] | None:
    """How a label is matched, or None when it must never match."""
    content = [t for t in doc if not (t.is_punct or t.is_space)]
    if len(text) < 2 or not content:
        return None
    if all(t.lower_ in stop_words for t in content):
        # "it", "of", "The" are noise; an acronym that looks like one ("IT", "WHO") is not.
        return "exact" if text.isupper() else None
    if len(text) <= EXACT_CASE_MAX_CHARS and any(c.isupper() for c in text):
        return "exact"
    return "lemma"


def evidence_window(text: str, sent_start: int, sent_end: int, start: int, end: int) -> str:
    """The sentence around ``text[start:end]``, cut to EVIDENCE_MAX_CHARS at word boundaries."""
    sent_start, sent_end = min(sent_start, start), max(sent_end, end)
    while sent_start < start and text[sent_start].isspace():
        sent_start += 1
    while sent_end > end and text[sent_end - 1].isspace():
        sent_end -= 1
    if sent_end - sent_start <= EVIDENCE_MAX_CHARS:
        return text[sent_start:sent_end]
    room = max(0, EVIDENCE_MAX_CHARS - (end - start))
    left = max(sent_start, start - room // 2)
    right = min(sent_end, left + EVIDENCE_MAX_CHARS)
    left = max(sent_start, right - EVIDENCE_MAX_CHARS)  # use the room the sentence end left
    # Do not start or end inside a word; never cut into the match itself.
    if left > sent_start and not text[left - 1].isspace():
        space = text.find(" ", left, start)
        left = space + 1 if space != -1 else left
    if right < sent_end and not text[right].isspace():
        space = text.rfind(" ", end, right)
        right = space if space != -1 else right
    return text[left:right].strip()


class Extractor:
    """Taxonomy mention finder; build once (seconds for ~100k labels), then share."""

    def __init__(
        self,
        matchers: dict[Lang, tuple[PhraseMatcher, PhraseMatcher]],
        entries: dict[int, list[TermLabel]],
    ) -> None:
        self._matchers = matchers  # per language: (lemma matcher, exact-case matcher)
        self._entries = entries  # match id -> the labels that share that pattern

    @classmethod
    def build(cls, labels: Iterable[TermLabel]) -> Extractor:
        grouped: dict[Lang, dict[str, list[TermLabel]]] = {lang: {} for lang in LANGS}
        for label in labels:
            text = " ".join(label.text.split())  # ESCO has double spaces and newlines
            grouped[label.lang].setdefault(text, []).append(label)
        matchers: dict[Lang, tuple[PhraseMatcher, PhraseMatcher]] = {}
        entries: dict[int, list[TermLabel]] = {}
        for lang, by_text in grouped.items():
            nlp = load_pipeline(lang)
            stop_words = nlp.Defaults.stop_words
            lemma = PhraseMatcher(nlp.vocab, attr="LEMMA")
            exact = PhraseMatcher(nlp.vocab, attr="ORTH")
            texts = list(by_text)
            # Tokenizer + lemmatizer only: the sentencizer has nothing to do on a label.
            for text, doc in zip(texts, annotate(lang, texts, sentences=False), strict=True):
                mode = _match_mode(text, doc, stop_words)
                if mode is None:
                    continue
                words = [t.lemma_ if mode == "lemma" else t.text for t in doc]
                key = f"{lang}|{mode}|{' '.join(words)}"
                match_id = nlp.vocab.strings.add(key)
                if match_id not in entries:
                    (lemma if mode == "lemma" else exact).add(key, [doc])
                    entries[match_id] = []
                entries[match_id].extend(by_text[text])
            matchers[lang] = (lemma, exact)
        return cls(matchers, entries)

    def extract(self, text: str, lang: Lang | None = None) -> list[Mention]:
        """Mentions in ``text``, in text order; ``lang=None`` detects it per sentence."""
        if not text.strip():
            return []
        found: dict[tuple[int, int], dict[str, TermLabel]] = {}
        sentence_of: dict[tuple[int, int], tuple[int, int]] = {}
        for chunk in self._chunks(text, lang):
            for start, end, labels, sentence in self._match(chunk):
                concepts = found.setdefault((start, end), {})
                surface = text[start:end].casefold()
                for label in labels:
                    # Several labels of one concept can hit one span ("teach", "teaching");
                    # report the one spelled like the text.
                    best = concepts.get(label.uri)
                    if best is None or (
                        best.text.casefold() != surface and label.text.casefold() == surface
                    ):
                        concepts[label.uri] = label
                sentence_of[(start, end)] = sentence
        mentions: list[Mention] = []
        taken = bytearray(len(text))
        # Longest spans first, then leftmost: "software developer" beats "developer".
        for start, end in sorted(found, key=lambda span: (span[0] - span[1], span[0])):
            if any(taken[start:end]):
                continue
            taken[start:end] = b"\x01" * (end - start)
            surface = text[start:end]
            evidence = evidence_window(text, *sentence_of[(start, end)], start, end)
            for label in found[(start, end)].values():
                mentions.append(
                    Mention(
                        label.uri, label.kind, label.lang, label.text, start, end, surface, evidence
                    )
                )
        mentions.sort(key=lambda m: (m.start, m.end, m.kind, m.uri))
        return mentions

    def _chunks(self, text: str, lang: Lang | None) -> Iterator[_Chunk]:
        if lang is not None:
            yield _Chunk(lang, 0, next(annotate(lang, [text])))
            return
        # A CV often switches language between sections, so the language is decided per
        # sentence; a sentence too short to tell takes the document's language, and when
        # neither is clear both matchers run and the overlap rule picks between them.
        doc_lang = detect_language(text)
        whole = next(annotate(doc_lang or "en", [text]))
        plans: list[tuple[tuple[Lang, ...], int, int]] = []
        for sent in whole.sents:
            # Two function words decide a sentence ("of a ..."); a whole text needs three.
            sent_lang = detect_language(sent.text, min_votes=2) or doc_lang
            plans.append(((sent_lang,) if sent_lang else LANGS, sent.start_char, sent.end_char))
        if doc_lang is not None and all(langs == (doc_lang,) for langs, _, _ in plans):
            yield _Chunk(doc_lang, 0, whole)  # one language throughout: reuse the parse
            return
        for chunk_lang in LANGS:
            spans = [(s, e) for langs, s, e in plans if chunk_lang in langs]
            docs = annotate(chunk_lang, [text[s:e] for s, e in spans])
            for (s, _), doc in zip(spans, docs, strict=True):
                yield _Chunk(chunk_lang, s, doc)

    def _match(self, chunk: _Chunk) -> Iterator[tuple[int, int, list[TermLabel], tuple[int, int]]]:
        doc, offset = chunk.doc, chunk.offset
        for matcher in self._matchers[chunk.lang]:
            for match_id, start, end in matcher(doc):
                if in_technology_sense(chunk.lang, doc, start, end):
                    continue
                span = doc[start:end]
                sent = span.sent
                yield (
                    span.start_char + offset,
                    span.end_char + offset,
                    self._entries[match_id],
                    (sent.start_char + offset, sent.end_char + offset),
                )
