"""ConceptIndex ranks taxonomy concepts for free-text titles: lexical-only and with encoders."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

from matching.embeddings.encoder import Encoder, load_encoder
from matching.taxonomy.index import ConceptIndex, LabelRow
from matching.taxonomy.text import normalise, split_compounds, split_word, vocabulary

# Concept numbers of a small Dutch occupation taxonomy (several surface forms per concept).
LIBRARIAN, PRIMARY_TEACHER, SOFTWARE_DEV, BAKER, NURSE = range(5)
DUTCH = [
    LabelRow(LIBRARIAN, "bibliothecaris", "nl"),
    LabelRow(LIBRARIAN, "bibliotheekmedewerker", "nl"),
    LabelRow(PRIMARY_TEACHER, "leraar basisonderwijs", "nl"),
    LabelRow(PRIMARY_TEACHER, "leerkracht basisschool", "nl"),
    LabelRow(PRIMARY_TEACHER, "onderwijzer", "nl"),
    LabelRow(SOFTWARE_DEV, "software-ontwikkelaar", "nl"),
    LabelRow(SOFTWARE_DEV, "programmeur", "nl"),
    LabelRow(BAKER, "bakker", "nl"),
    LabelRow(BAKER, "broodbakker", "nl"),
    LabelRow(NURSE, "verpleegkundige", "nl"),
]
ENGLISH = [
    LabelRow(LIBRARIAN, "librarian", "en"),
    LabelRow(PRIMARY_TEACHER, "primary school teacher", "en"),
    LabelRow(SOFTWARE_DEV, "software developer", "en"),
    LabelRow(SOFTWARE_DEV, "computer programmer", "en"),
    LabelRow(BAKER, "baker", "en"),
    LabelRow(NURSE, "nurse", "en"),
]


@lru_cache(maxsize=1)
def minilm() -> Encoder:
    return load_encoder("all-MiniLM-L6-v2")


def top(index: ConceptIndex, text: str) -> int:
    return index.search([text], top_k=1)[0][0][0]


def test_text_normalisation_folds_gender_and_markers() -> None:
    assert normalise("Medewerker/ster Klantenservice (m/v)") == "medewerker klantenservice"
    assert normalise("leraar/lerares basisonderwijs") == "leraar basisonderwijs"
    assert normalise("Universitair (hoofd)docent") == "universitair docent"
    assert normalise("Kopieer / printbedrijf") == "kopieer printbedrijf"
    assert normalise("Crèche-leidster") == "creche leidster"


def test_compound_splitting_uses_label_vocabulary() -> None:
    vocab = vocabulary(["software ontwikkelaar", "arbeid bemiddelaar", "boek winkel"])
    assert split_word("softwareontwikkelaar", vocab) == ["software", "ontwikkelaar"]
    assert split_word("arbeidsbemiddelaar", vocab) == ["arbeid", "bemiddelaar"]  # linking -s-
    assert split_word("boekenwinkel", vocab) == ["boek", "winkel"]  # linking -en-
    assert split_word("bakker", vocab) == ["bakker"]  # too short / not a compound
    assert split_compounds("Senior Softwareontwikkelaar", vocab) == "senior software ontwikkelaar"


def test_lexical_only_ranks_spelling_variants_and_compounds() -> None:
    index = ConceptIndex.build(DUTCH, None)
    assert index.n_concepts == 5
    assert top(index, "Bibliothecaris") == LIBRARIAN
    assert top(index, "softwareontwikkelaar") == SOFTWARE_DEV  # closed vs hyphenated
    assert top(index, "Leraar/lerares basisonderwijs (m/v)") == PRIMARY_TEACHER
    assert top(index, "Verpleegkundige") == NURSE


def test_results_are_sorted_unit_scores_one_per_concept() -> None:
    index = ConceptIndex.build(DUTCH, None)
    (hits,) = index.search(["leraar basisschool"], top_k=10)
    concepts = [c for c, _ in hits]
    scores = [s for _, s in hits]
    assert concepts[0] == PRIMARY_TEACHER
    assert len(set(concepts)) == len(concepts)  # concepts, not surface forms
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert len(index.search(["leraar"], top_k=2)[0]) <= 2
    assert index.search([], top_k=3) == []


def test_unrelated_query_scores_nothing_lexically() -> None:
    index = ConceptIndex.build(DUTCH, None)
    assert index.search(["xyz"], top_k=5) == [[]]


def test_dense_channel_handles_synonyms_without_overlap() -> None:
    index = ConceptIndex.build(ENGLISH, minilm())
    assert top(index, "coder") == SOFTWARE_DEV
    assert top(index, "pastry chef") == BAKER
    assert top(index, "elementary school teacher") == PRIMARY_TEACHER
    assert top(index, "registered nurse") == NURSE


def test_precomputed_label_vectors_give_the_same_ranking() -> None:
    encoder = minilm()
    vectors = encoder.encode([row.text for row in ENGLISH], role="passage")
    cached = ConceptIndex.build(ENGLISH, encoder, label_vectors=vectors)
    fresh = ConceptIndex.build(ENGLISH, encoder)
    queries = ["library assistant", "app developer", "care worker"]
    for a, b in zip(cached.search(queries, top_k=3), fresh.search(queries, top_k=3), strict=True):
        assert [c for c, _ in a] == [c for c, _ in b]
        assert np.allclose([s for _, s in a], [s for _, s in b], atol=1e-5)
    with pytest.raises(ValueError, match="one row per label"):
        ConceptIndex.build(ENGLISH, encoder, label_vectors=vectors[:2])


def test_concept_ids_need_not_follow_label_order() -> None:
    shuffled = [ENGLISH[i] for i in (5, 2, 0, 4, 3, 1)]
    index = ConceptIndex.build(shuffled, minilm())
    assert top(index, "librarian") == LIBRARIAN
    assert top(index, "programmer") == SOFTWARE_DEV


def test_multilingual_encoder_links_dutch_queries_to_english_labels() -> None:
    index = ConceptIndex.build(ENGLISH, load_encoder("multilingual-e5-small-q4"))
    assert top(index, "bibliothecaris") == LIBRARIAN
    assert top(index, "verpleegkundige") == NURSE
    assert top(index, "leraar basisonderwijs") == PRIMARY_TEACHER
    assert top(index, "softwareontwikkelaar") == SOFTWARE_DEV
