"""Normalise free text (job titles, skill phrases) to the concepts of one named taxonomy.

The in-memory index (matching/taxonomy/index.py) is built from the taxonomy's labels once per
process and rebuilt when an import changes the taxonomy's revision. Label embeddings are
cached in the database per model, so only labels never embedded before cost encoder time.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from typing import Literal

import numpy as np
from sqlalchemy.orm import Session

from matching.documents.language import detect_language
from matching.embeddings.encoder import Encoder
from matching.taxonomy import repository
from matching.taxonomy.index import ConceptIndex, LabelRow
from matching.taxonomy.service import Kind, get

_ENCODE_BATCH = 2048
Mode = Literal["hybrid", "lexical"]


@dataclass(frozen=True)
class RankedConcept:
    uri: str
    label: str
    score: float


@dataclass(frozen=True)
class _Built:
    index: ConceptIndex
    uris: list[str]
    # concept -> language -> preferred label (another label of the language when none is)
    labels: list[dict[str, str]]


_lock = threading.Lock()
_cache: dict[tuple[uuid.UUID, str, int, str], _Built] = {}


def _label_vectors(
    session: Session, records: list[repository.LabelRecord], encoder: Encoder
) -> np.ndarray:
    missing = [i for i, r in enumerate(records) if r.embedding is None]
    vectors = np.zeros((len(records), encoder.dimension), dtype=np.float32)
    for i, record in enumerate(records):
        if record.embedding is not None:
            vectors[i] = np.asarray(record.embedding, dtype=np.float32)
    for start in range(0, len(missing), _ENCODE_BATCH):
        batch = missing[start : start + _ENCODE_BATCH]
        encoded = encoder.encode([records[i].text for i in batch], role="passage")
        vectors[batch] = encoded
        repository.store_label_vectors(
            session,
            encoder.name,
            [(records[i].label_id, encoded[j].tolist()) for j, i in enumerate(batch)],
        )
    return vectors


def _build(
    session: Session, records: list[repository.LabelRecord], encoder: Encoder | None
) -> _Built:
    numbers: dict[uuid.UUID, int] = {}
    uris: list[str] = []
    labels: list[dict[str, str]] = []
    rows = []
    for record in records:
        number = numbers.get(record.concept_id)
        if number is None:
            number = numbers[record.concept_id] = len(uris)
            uris.append(record.uri)
            labels.append({})
        names = labels[number]
        if record.label_type == "preferred":
            names[record.lang] = record.text
        else:
            names.setdefault(record.lang, record.text)
        rows.append(LabelRow(concept=number, text=record.text, lang=record.lang))
    vectors = _label_vectors(session, records, encoder) if encoder is not None else None
    index = ConceptIndex.build(rows, encoder, label_vectors=vectors)
    return _Built(index, uris, labels)


def _index(
    session: Session, name: str, kind: Kind, encoder: Encoder | None, embed_limit: int | None
) -> tuple[_Built, Mode]:
    """The cached index; built with the dense channel when every label has a vector of the
    model or at most ``embed_limit`` are missing (``None``: embed any number), else lexical
    only until the labels are embedded (``talentmesh taxonomy embed``)."""
    taxonomy = get(session, name)
    if encoder is not None:
        hybrid = (taxonomy.id, kind, taxonomy.revision, encoder.name)
        if hybrid in _cache:
            return _cache[hybrid], "hybrid"
    with _lock:
        model = encoder.name if encoder is not None else None
        records = repository.labels_for(session, taxonomy.id, kind, model)
        missing = sum(1 for r in records if r.embedding is None)
        if encoder is not None and (embed_limit is None or missing <= embed_limit):
            use, mode = encoder, "hybrid"
        else:
            use, mode = None, "lexical"
        key = (taxonomy.id, kind, taxonomy.revision, use.name if use is not None else "")
        built = _cache.get(key)
        if built is None:
            built = _build(session, records, use)
            for old in [k for k in _cache if k[:2] == key[:2] and k[2] != key[2]]:
                del _cache[old]
            _cache[key] = built
    return built, mode  # type: ignore[return-value]


def _label(names: dict[str, str], lang: str | None, text: str) -> str:
    if lang is None:
        # A bare title has no function words to detect a language from: answer in the
        # language of the label that contains it (or that it contains).
        folded = text.casefold()
        for label in names.values():
            if folded in label.casefold() or label.casefold() in folded:
                return label
    for candidate in (lang, "en", "nl"):
        if candidate and candidate in names:
            return names[candidate]
    return next(iter(names.values()), "")


def normalize(
    session: Session,
    name: str,
    kind: Kind,
    texts: list[str],
    top_k: int,
    encoder: Encoder | None,
    *,
    embed_limit: int | None = None,
) -> tuple[list[list[RankedConcept]], Mode]:
    """Per text, up to ``top_k`` concepts of taxonomy ``name``, best first, and whether the
    dense channel took part (see ``_index`` for ``embed_limit``)."""
    built, mode = _index(session, name, kind, encoder, embed_limit)
    results = built.index.search(texts, top_k)
    out = []
    for text, ranked in zip(texts, results, strict=True):
        lang = detect_language(text, min_votes=1)
        out.append(
            [
                RankedConcept(built.uris[c], _label(built.labels[c], lang, text), round(score, 4))
                for c, score in ranked
            ]
        )
    return out, mode


def warm(session: Session, name: str, encoder: Encoder | None) -> None:
    """Build (and embed the labels of) both kinds' indexes now rather than on first use."""
    for kind in ("occupation", "skill"):
        _index(session, name, kind, encoder, None)
