"""The fast mode (``multilingual-e5-small-q4-static-v3``) with the real default model: unit
vectors, deterministic, the same cold as warm, without the common direction word means share,
and close enough to tell related texts from unrelated ones in Dutch and English."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matching.embeddings.encoder import load_encoder
from matching.embeddings.static_e5 import (
    DIRECTION_PATH,
    RAW_STATIC_E5_NAME,
    ROLES,
    STATIC_E5_NAME,
    Cut,
    StaticE5Encoder,
    cut,
    words,
)

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


SHORT = ["Python", "data engineer", "Leraar geschiedenis", "  verpleegkundige  "]


def test_short_texts_get_the_full_models_vector_without_the_common_direction(
    fast: StaticE5Encoder,
) -> None:
    full = load_encoder("multilingual-e5-small-q4")
    stripped = [" ".join(text.split()) for text in SHORT]
    for role, common in zip(ROLES, np.load(DIRECTION_PATH), strict=True):
        expected = full.encode(stripped, role=role)
        expected -= np.outer(expected @ common, common)
        expected /= np.linalg.norm(expected, axis=1, keepdims=True)
        np.testing.assert_allclose(fast.encode(SHORT, role=role), expected, atol=1e-5)


def test_without_a_direction_short_texts_get_exactly_the_full_models_vector() -> None:
    full = load_encoder("multilingual-e5-small-q4")
    raw = StaticE5Encoder(full, direction=None)
    assert raw.name == RAW_STATIC_E5_NAME
    stripped = [" ".join(text.split()) for text in SHORT]
    for role in ROLES:
        np.testing.assert_allclose(
            raw.encode(SHORT, role=role), full.encode(stripped, role=role), atol=1e-6
        )


def test_the_common_direction_is_removed(fast: StaticE5Encoder) -> None:
    raw = StaticE5Encoder(load_encoder("multilingual-e5-small-q4"), direction=None)
    for texts in (LONG_NL, LONG_EN):
        for role in ROLES:
            # Word means all lean one way: a developer and a nurse have cosine above 0.9
            # without the removal.
            (developer, _, nurse), (developer_, _, nurse_) = (
                encoder.encode(texts, role=role) for encoder in (raw, fast)
            )
            assert developer @ nurse > 0.9
            assert developer_ @ nurse_ < 0.5


def test_a_direction_file_of_the_wrong_shape_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "direction.npy"
    np.save(path, np.ones(384, dtype=np.float32))  # one row, not one per role
    with pytest.raises(ValueError, match="one 384-vector per role"):
        StaticE5Encoder(load_encoder("multilingual-e5-small-q4"), direction=path)


@pytest.mark.parametrize("texts", [LONG_NL, LONG_EN], ids=["nl", "en"])
def test_related_texts_are_closer_than_unrelated(fast: StaticE5Encoder, texts: list[str]) -> None:
    developer, programmer, nurse = fast.encode(texts)
    assert developer @ programmer > developer @ nurse + 0.1
    assert developer @ programmer > programmer @ nurse + 0.1


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
    assert cut("  Data   Engineer ") == Cut(["Data Engineer"], bag=False)
    assert cut("Senior data engineer bij een grote bank") == Cut(
        ["senior", "data", "engineer", "bij", "een", "grote", "bank"], bag=True
    )


def test_a_list_of_short_items_is_its_items() -> None:
    assert cut("SAP, Excel,  financial reporting") == Cut(
        ["SAP", "Excel", "financial reporting"], bag=False
    )
    assert cut("MSc Informatica; BSc Wiskunde\nPython") == Cut(
        ["MSc Informatica", "BSc Wiskunde", "Python"], bag=False
    )
    # One item longer than a phrase: the text is prose, read as a bag of words.
    assert cut("Python, and building web services for the library").bag
    # One item: a short text stays one unit.
    assert cut("data engineer,") == Cut(["data engineer,"], bag=False)
    # A decimal comma separates nothing.
    assert cut("1,5 jaar ervaring") == Cut(["1,5 jaar ervaring"], bag=False)
    assert cut("Excel, 1,5 jaar SAP").units == ["Excel", "1,5 jaar SAP"]


def test_a_list_is_the_mean_of_its_items_whatever_their_order(fast: StaticE5Encoder) -> None:
    raw = StaticE5Encoder(load_encoder("multilingual-e5-small-q4"), direction=None)
    items = raw.encode(["SAP", "Excel", "financial reporting"])
    expected = items.sum(axis=0) / np.linalg.norm(items.sum(axis=0))
    np.testing.assert_allclose(
        raw.encode(["SAP, Excel, financial reporting"])[0], expected, atol=1e-6
    )
    np.testing.assert_allclose(
        fast.encode(["financial reporting; SAP; Excel"]),
        fast.encode(["SAP, Excel, financial reporting"]),
        atol=1e-6,
    )


def test_a_list_needs_no_model_call_once_its_items_are_known() -> None:
    fast = StaticE5Encoder(load_encoder("multilingual-e5-small-q4"))
    fast.encode(["Python", "SQL", "Docker", "data analysis"])
    known = fast.table_size()
    fast.encode(["Docker, Python", "SQL, data analysis, Python", "Python; Docker; SQL"])
    assert fast.table_size() == known


def test_frequent_words_weigh_less(fast: StaticE5Encoder) -> None:
    assert fast._weight("de") < fast._weight("the") < fast._weight("verpleegkundige")
