"""The fast mode (``multilingual-e5-small-q4-static``) with the real default model: unit
vectors, deterministic, the same cold as warm, and close enough to tell related texts from
unrelated ones in Dutch and English."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matching.embeddings.encoder import load_encoder
from matching.embeddings.static_e5 import STATIC_E5_NAME, StaticE5Encoder, units, words

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

LONG_NL = [
    "Software ontwikkelaar die webapplicaties en API's bouwt in Python en Django",
    "Backend programmeur met ervaring in Java, databases en het bouwen van webservices",
    "Verpleegkundige op de afdeling cardiologie die patiënten verzorgt en medicatie toedient",
]
LONG_EN = [
    "Software developer building web applications and APIs in Python and Django",
    "Backend programmer experienced in Java, databases and building web services",
    "Nurse on the cardiology ward caring for patients and giving medication",
]


@pytest.fixture(scope="module")
def fast() -> StaticE5Encoder:
    encoder = load_encoder(STATIC_E5_NAME)
    assert isinstance(encoder, StaticE5Encoder)
    return encoder


def test_selectable_by_name_and_the_same_instance(fast: StaticE5Encoder) -> None:
    assert load_encoder(STATIC_E5_NAME) is fast
    assert fast.name == STATIC_E5_NAME
    assert fast.dimension == 384


def test_unit_vectors_and_deterministic(fast: StaticE5Encoder) -> None:
    texts = [*LONG_NL, *LONG_EN, "Python", "Verpleegkundige"]
    first = fast.encode(texts)
    assert first.shape == (len(texts), 384)
    assert first.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(fast.encode(texts), first)
    np.testing.assert_array_equal(fast.encode(texts[::-1])[::-1], first)


def test_cold_table_gives_the_vectors_of_a_warm_one(fast: StaticE5Encoder, tmp_path: Path) -> None:
    texts = [*LONG_NL, *LONG_EN, "collectiebeheer", "data engineer"]
    warm = fast.encode(texts, role="passage")
    cold = StaticE5Encoder(load_encoder("multilingual-e5-small-q4"))
    assert cold.table_size() == 0
    np.testing.assert_array_equal(cold.encode(texts[3:]), warm[3:])
    np.testing.assert_array_equal(cold.encode(texts), warm)
    # A table written to disk and read back by a new instance: same vectors, no model call.
    fast.save(tmp_path / "table.npz")
    restored = StaticE5Encoder(load_encoder("multilingual-e5-small-q4"))
    assert restored.load(tmp_path / "table.npz") >= cold.table_size()
    np.testing.assert_array_equal(restored.encode(texts), warm)


def test_short_texts_get_the_full_models_vector(fast: StaticE5Encoder) -> None:
    full = load_encoder("multilingual-e5-small-q4")
    short = ["Python", "data engineer", "Leraar geschiedenis", "  verpleegkundige  "]
    stripped = [" ".join(text.split()) for text in short]
    for role in ("query", "passage"):
        np.testing.assert_allclose(
            fast.encode(short, role=role), full.encode(stripped, role=role), atol=1e-6
        )


@pytest.mark.parametrize("texts", [LONG_NL, LONG_EN], ids=["nl", "en"])
def test_related_texts_are_closer_than_unrelated(fast: StaticE5Encoder, texts: list[str]) -> None:
    developer, programmer, nurse = fast.encode(texts)
    # Means of word vectors share a large common part: similarities are high and close
    # together, but the order holds.
    assert developer @ programmer > developer @ nurse + 0.005
    assert developer @ programmer > programmer @ nurse + 0.005


def test_dutch_and_english_of_the_same_text_are_close(fast: StaticE5Encoder) -> None:
    dutch = fast.encode(LONG_NL, role="query")
    english = fast.encode(LONG_EN, role="passage")
    similarity = dutch @ english.T
    assert (similarity.argmax(axis=1) == np.arange(len(LONG_NL))).all()


def test_unknown_words_empty_and_whitespace(fast: StaticE5Encoder) -> None:
    texts = [
        "",
        "   \n\t ",
        "!!! ???",
        "Xqzvbrt wlompf grunkelaar met ervaring in zorgvlietmanagement en kwibbelwerk",
    ]
    vectors = fast.encode(texts)
    assert vectors.shape == (4, 384)
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert fast.encode([]).shape == (0, 384)


def test_units_keep_compounds_and_short_texts_whole() -> None:
    assert words("Full-stack Node.js ontwikkelaar, C++ en ICT-beheerder") == [
        "full-stack",
        "node.js",
        "ontwikkelaar",
        "c++",
        "en",
        "ict-beheerder",
    ]
    assert units("  Data   Engineer ") == ["Data Engineer"]
    assert units("Senior data engineer bij een grote bank") == [
        "senior",
        "data",
        "engineer",
        "bij",
        "een",
        "grote",
        "bank",
    ]


def test_frequent_words_weigh_less(fast: StaticE5Encoder) -> None:
    assert fast._weight("de") < fast._weight("the") < fast._weight("verpleegkundige")
