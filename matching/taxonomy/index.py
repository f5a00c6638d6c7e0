"""In-memory ranker linking free-text job titles / skill phrases to taxonomy concepts.

Two channels, each aggregated per concept (a concept is as good as its best surface form in
that channel) and then mixed linearly:

* lexical: TF-IDF over character n-grams (inside words) of normalised, compound-split text.
  It nails spelling variants and same-language near matches ("softwareontwikkelaar" vs
  "software-ontwikkelaar") and needs no model.
* dense: cosine of sentence-encoder vectors (a multilingual encoder bridges Dutch queries to
  English labels, where character overlap is almost nil).

Both are computed for every label, so a query costs one matrix product plus one sparse
accumulation; no approximate index is needed at taxonomy scale (tens of thousands of labels).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matching.embeddings.encoder import Encoder, Vectors
from matching.taxonomy.text import char_ngrams, split_compounds, vocabulary

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

# --- Fusion constants: the only tuned numbers. -------------------------------------------
# LEXICAL_WEIGHT was picked from a 0..0.6 grid on the MELO Dutch benchmark (nl->nl, nl->en) and
# the English job-title similarity set with multilingual-e5-small, and checked with a 2-fold
# split (tune on half the queries, score the other half: same optimum on both halves). The
# optimum is flat between 0.1 and 0.25; cross-lingual labels prefer less lexical weight.
LEXICAL_WEIGHT = 0.2  # share of the lexical score in the fused score (dense gets the rest)
# The dense score is the cosine rescaled per query so that the query's median label maps to 0
# and a perfect match to 1: encoders differ wildly in their cosine range (e5 ~0.8 for unrelated
# titles, MiniLM ~0.1), and this keeps LEXICAL_WEIGHT meaningful for any of them.
# Weight of a concept's second-best label (per channel). Tried 0, 0.001, 0.01, 0.03, 0.05 on
# the same sets: any small value helps about equally (+0.004 to +0.005 MRR on MELO, from
# breaking ties between concepts sharing a label); larger values start to favour concepts with
# many near-duplicate labels.
SUPPORT = 0.01
NGRAM_RANGE = (2, 4)  # char n-grams within words, as scikit-learn's char_wb
_CHUNK = 256  # queries per block: bounds memory at 256 x n_labels floats


@dataclass(frozen=True)
class LabelRow:
    concept: int  # dense concept number 0..n_concepts-1
    text: str
    lang: str | None  # "nl", "en" or None


class _CharTfidf:
    """Char n-gram TF-IDF (smooth idf, l2 rows) held as an inverted index of postings."""

    def __init__(self, docs: Sequence[str]) -> None:
        self._ids: dict[str, int] = {}
        doc_grams: list[Counter[int]] = []
        for doc in docs:
            counts = Counter(self._ids.setdefault(g, len(self._ids)) for g in char_ngrams(doc))
            doc_grams.append(counts)
        n_docs = len(docs)
        df = np.zeros(len(self._ids), dtype=np.float64)
        for counts in doc_grams:
            df[list(counts)] += 1
        self._idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        for row, counts in enumerate(doc_grams):
            grams = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            weights = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            weights *= self._idf[grams]
            weights /= max(float(np.linalg.norm(weights)), 1e-12)
            rows.extend([row] * len(grams))
            cols.extend(grams.tolist())
            vals.extend(weights.tolist())
        # Postings sorted by n-gram: gram g's labels are _post_doc[_ptr[g]:_ptr[g + 1]].
        order = np.argsort(np.asarray(cols, dtype=np.int64), kind="stable")
        self._post_doc: IntArray = np.asarray(rows, dtype=np.int64)[order]
        self._post_w: FloatArray = np.asarray(vals, dtype=np.float32)[order]
        counts_per_gram = np.bincount(np.asarray(cols, dtype=np.int64), minlength=len(self._ids))
        self._ptr: IntArray = np.concatenate([[0], np.cumsum(counts_per_gram)]).astype(np.int64)
        self._n_docs = n_docs

    def scores(self, text: str) -> FloatArray:
        """Cosine between the query and every label (0 where nothing is shared)."""
        counts = Counter(self._ids[g] for g in char_ngrams(text) if g in self._ids)
        if not counts:
            return np.zeros(self._n_docs, dtype=np.float32)
        grams = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        weights = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        weights *= self._idf[grams]
        weights /= float(np.linalg.norm(weights))
        starts, ends = self._ptr[grams], self._ptr[grams + 1]
        lengths = ends - starts
        # Gather every posting of the query's n-grams in one vectorised step.
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        idx = np.arange(int(lengths.sum()), dtype=np.int64) + offsets
        contrib = self._post_w[idx] * np.repeat(weights, lengths)
        out = np.bincount(self._post_doc[idx], weights=contrib, minlength=self._n_docs)
        return out.astype(np.float32)


class ConceptIndex:
    """Ranks concepts for free-text queries; build once, search many times (thread-safe reads)."""

    def __init__(
        self,
        concepts: IntArray,
        lexical: _CharTfidf,
        vocab: frozenset[str],
        encoder: Encoder | None,
        vectors: Vectors | None,
    ) -> None:
        self._concepts = concepts  # label -> concept, labels sorted by concept
        self._n_concepts = int(concepts.max()) + 1 if len(concepts) else 0
        starts = np.flatnonzero(np.diff(concepts, prepend=-1)) if len(concepts) else concepts
        self._starts: IntArray = starts.astype(np.int64)
        self._present: IntArray = concepts[self._starts] if len(concepts) else concepts
        self._sizes: IntArray = np.diff(np.append(self._starts, len(concepts))).astype(np.int64)
        self._lexical = lexical
        self._vocab = vocab
        self._encoder = encoder
        self._vectors = vectors

    @classmethod
    def build(
        cls,
        labels: Sequence[LabelRow],
        encoder: Encoder | None,
        *,
        label_vectors: Vectors | None = None,
    ) -> ConceptIndex:
        """Index ``labels``; ``label_vectors`` are ``encoder.encode(texts, role="passage")``
        rows in label order (pass them when cached, else they are computed here)."""
        if label_vectors is not None and len(label_vectors) != len(labels):
            raise ValueError("label_vectors must have one row per label")
        order = sorted(range(len(labels)), key=lambda i: labels[i].concept)
        concepts = np.asarray([labels[i].concept for i in order], dtype=np.int64)
        texts = [labels[i].text for i in order]
        vocab = vocabulary(texts)
        lexical = _CharTfidf([split_compounds(t, vocab) for t in texts])
        vectors: Vectors | None = None
        if encoder is not None:
            if label_vectors is None:
                label_vectors = encoder.encode([labels[i].text for i in range(len(labels))])
            vectors = np.ascontiguousarray(label_vectors[order], dtype=np.float32)
        return cls(concepts, lexical, vocab, encoder, vectors)

    @property
    def n_concepts(self) -> int:
        return self._n_concepts

    def concept_scores(self, texts: Sequence[str]) -> FloatArray:
        """Fused score in [0, 1] of every concept for every query (queries x concepts).

        Concepts without any label score 0.
        """
        out = np.zeros((len(texts), self._n_concepts), dtype=np.float32)
        if not texts or not len(self._concepts):
            return out
        query_vectors = self._encode_queries(texts)
        for lo in range(0, len(texts), _CHUNK):
            hi = min(lo + _CHUNK, len(texts))
            block = texts[lo:hi]
            lexical = np.stack(
                [self._lexical.scores(split_compounds(t, self._vocab)) for t in block]
            )
            fused = self._per_concept(lexical)
            if query_vectors is not None and self._vectors is not None:
                cosine = query_vectors[lo:hi] @ self._vectors.T
                floor = np.median(cosine, axis=1, keepdims=True)
                dense = np.clip((cosine - floor) / np.maximum(1.0 - floor, 1e-6), 0.0, 1.0)
                # Mixing after the per-concept max (not per label) lets a concept win on its
                # best lexical form and its best paraphrase even when they are different labels.
                fused = LEXICAL_WEIGHT * fused + (1.0 - LEXICAL_WEIGHT) * self._per_concept(dense)
            out[lo:hi, self._present] = fused
        return out

    def _per_concept(self, label_scores: npt.NDArray[np.floating]) -> FloatArray:
        """Best label per concept, plus SUPPORT x the best strictly lower label.

        The second term mostly breaks ties: taxonomies repeat a label across concepts
        ("officieren" on two ISCO levels), and a concept whose other labels also fit the query
        is the better guess.
        """
        best = np.maximum.reduceat(label_scores, self._starts, axis=1)
        below = np.where(label_scores < np.repeat(best, self._sizes, axis=1), label_scores, 0.0)
        second = np.maximum.reduceat(below, self._starts, axis=1)
        return np.asarray((best + SUPPORT * second) / (1.0 + SUPPORT), dtype=np.float32)

    def search(self, texts: Sequence[str], top_k: int = 10) -> list[list[tuple[int, float]]]:
        """Per query, up to ``top_k`` ``(concept, score)`` pairs, best first, score in [0, 1]."""
        results: list[list[tuple[int, float]]] = []
        k = min(top_k, self._n_concepts)
        for lo in range(0, len(texts), _CHUNK):
            block = self.concept_scores(texts[lo : lo + _CHUNK])
            for row in block:
                if k <= 0:
                    results.append([])
                    continue
                top = np.argpartition(-row, k - 1)[:k]
                top = top[np.argsort(-row[top], kind="stable")]
                results.append([(int(c), float(row[c])) for c in top if row[c] > 0.0])
        return results

    def _encode_queries(self, texts: Sequence[str]) -> Vectors | None:
        if self._encoder is None or self._vectors is None:
            return None
        # Taxonomy labels are mostly lower case; a capitalised query title ("Loopbaanadviseur")
        # is encoded as lower case too, which measurably helps cross-lingual matching.
        return self._encoder.encode([t.lower() for t in texts], role="query")
