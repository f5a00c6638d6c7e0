"""Build the fast mode's common direction (matching/embeddings/data/static_e5_direction.npy).

Means of word vectors all lean the same way: two unrelated long texts in the fast mode have
cosine near 0.97, which squeezes similarities together and makes the ANN graph hard to walk.
SIF's second step (Arora et al., 2017) removes that shared direction from every vector. The
direction of each role (query, passage) is the normalised mean of the fast mode's vectors of
the taxonomy bundle's descriptions (both languages, those longer than one unit), so it comes
from the data the service ships with, not from an evaluation set.

A developer tool, not used by the running service; it takes about three minutes on 2 cores,
most of it the default model encoding the descriptions' distinct words once per role.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/build_fast_mode_direction.py [--output PATH]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a plain script from a checkout, without installing

from matching.embeddings.static_e5 import (  # noqa: E402
    DIRECTION_PATH,
    PHRASE_WORDS,
    ROLES,
    StaticE5Encoder,
    words,
)
from matching.taxonomy.bundle import read_bundle  # noqa: E402


def descriptions() -> list[str]:
    _, concepts = read_bundle()
    return [
        text
        for concept in concepts
        for text in concept.description.values()
        if len(words(text)) > PHRASE_WORDS
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--output", type=Path, default=DIRECTION_PATH)
    args = parser.parse_args()
    texts = descriptions()
    # The raw word means, without a direction removed: the direction is what is measured.
    encoder = StaticE5Encoder(direction=None)
    means = np.stack([encoder.encode(texts, role=role).mean(axis=0) for role in ROLES])
    norms = np.linalg.norm(means, axis=1, keepdims=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    np.save(args.output, (means / norms).astype(np.float32))
    print(
        f"{args.output}: from {len(texts)} descriptions; mean norm per role "
        + ", ".join(f"{role} {norm:.4f}" for role, norm in zip(ROLES, norms[:, 0], strict=True))
    )


if __name__ == "__main__":
    main()
