"""Each distinct text is encoded once, short texts once per process, with the same vectors
the encoder gives."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from matching.embeddings.encoder import Encoder, Role, Vectors, load_encoder
from matching.embeddings.reuse import encode_distinct
from tests.conftest import DEFAULT_MODEL


class Counting:
    """The real encoder, counting the texts it is given."""

    def __init__(self, encoder: Encoder) -> None:
        self.inner = encoder
        self.name = encoder.name
        self.dimension = encoder.dimension
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str], *, role: Role = "passage") -> Vectors:
        self.seen += texts
        return self.inner.encode(texts, role=role)


def test_distinct_texts_are_encoded_once_with_the_same_vectors() -> None:
    encoder = Counting(load_encoder(DEFAULT_MODEL))
    long_text = "I catalogue new acquisitions and keep the collection metadata in order. " * 2
    texts = ["reuse-test lesgeven", long_text, "reuse-test lesgeven", long_text, "reuse-test IIIF"]
    vectors = encode_distinct(encoder, texts)
    assert encoder.seen == ["reuse-test lesgeven", long_text, "reuse-test IIIF"]
    np.testing.assert_allclose(vectors, encoder.inner.encode(texts), atol=1e-5)
    # Short texts are remembered across calls; long ones are not kept.
    encoder.seen.clear()
    again = encode_distinct(encoder, ["reuse-test IIIF", long_text])
    assert encoder.seen == [long_text]
    np.testing.assert_allclose(again, vectors[[4, 1]], atol=1e-5)
    assert encode_distinct(encoder, []).shape == (0, encoder.dimension)
