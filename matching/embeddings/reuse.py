"""Encoding each distinct text once. Profiles of one batch share texts (skill names above
all), and short texts recur across batches, so a bulk import encodes far fewer texts than
it stores. A text's vector does not depend on what else is in the batch, so reuse changes
nothing but the time."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from matching.embeddings.encoder import Encoder, Role, Vectors

# Texts this short (skills, degrees, titles) recur; their vectors are kept across calls.
SHORT_TEXT_CHARS = 64
CACHE_SIZE = 50_000  # about 75 MB of 384-dimensional vectors

_lock = threading.Lock()
_cache: OrderedDict[tuple[str, Role, str], np.ndarray] = OrderedDict()


def _remember(key: tuple[str, Role, str], vector: np.ndarray) -> None:
    with _lock:
        _cache[key] = vector
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def _recall(key: tuple[str, Role, str]) -> np.ndarray | None:
    with _lock:
        vector = _cache.get(key)
        if vector is not None:
            _cache.move_to_end(key)
        return vector


def encode_distinct(encoder: Encoder, texts: Sequence[str], *, role: Role = "passage") -> Vectors:
    """``encoder.encode(texts)``, with every distinct text encoded at most once."""
    found: dict[str, np.ndarray] = {}
    missing: list[str] = []
    for text in dict.fromkeys(texts):
        cached = _recall((encoder.name, role, text)) if len(text) <= SHORT_TEXT_CHARS else None
        if cached is not None:
            found[text] = cached
        else:
            missing.append(text)
    if missing:
        for text, vector in zip(missing, encoder.encode(missing, role=role), strict=True):
            found[text] = vector
            if len(text) <= SHORT_TEXT_CHARS:
                _remember((encoder.name, role, text), vector)
    if not texts:
        return np.zeros((0, encoder.dimension), dtype=np.float32)
    return np.stack([found[text] for text in texts]).astype(np.float32, copy=False)
