"""Taxonomy mention extraction on real Dutch and English sentences.

The taxonomy here is a hand-made handful of labels in both languages, shaped like ESCO
(preferred and alternative labels per concept URI); the pipelines are the real spaCy blank
pipelines with the spacy-lookups-data lemma tables.
"""

from __future__ import annotations

from itertools import pairwise

import pytest

from matching.extraction import Extractor, Mention, TermLabel
from matching.extraction.extractor import EVIDENCE_MAX_CHARS, evidence_window
from matching.extraction.pipeline import annotate

OCC = "http://data.europa.eu/esco/occupation/"
SKILL = "http://data.europa.eu/esco/skill/"
LIBRARIAN = OCC + "librarian"
TEACHER = OCC + "teacher"
DEVELOPER = OCC + "software-developer"
PYTHON = SKILL + "python"
JAVASCRIPT = SKILL + "javascript"
TEACH = SKILL + "teach"
MANAGE_COLLECTIONS = SKILL + "manage-library-collections"
LIBRARY_MATERIALS = SKILL + "library-materials"
DIGITISATION = SKILL + "digitisation"
SQL = SKILL + "sql"
IT = SKILL + "information-technology"
C_LANGUAGE = SKILL + "c"
DEVELOP_SOFTWARE = SKILL + "develop-software"
STOPWORD_CONCEPT = SKILL + "stopword-label"
JS_LIBRARY = SKILL + "javascript-library"

_LABELS = {
    (LIBRARIAN, "occupation", "en"): ["librarian", "library assistant"],
    (LIBRARIAN, "occupation", "nl"): ["bibliothecaris", "bibliotheekmedewerker"],
    (TEACHER, "occupation", "en"): ["teacher", "secondary school teacher"],
    (TEACHER, "occupation", "nl"): ["leraar", "docent"],
    (DEVELOPER, "occupation", "en"): ["software developer", "developer"],
    (DEVELOPER, "occupation", "nl"): ["softwareontwikkelaar", "ontwikkelaar"],
    (PYTHON, "skill", "en"): ["Python (computer programming)", "Python"],
    (PYTHON, "skill", "nl"): ["Python (computerprogrammering)", "Python"],
    (JAVASCRIPT, "skill", "en"): ["JavaScript"],
    (JAVASCRIPT, "skill", "nl"): ["JavaScript"],
    (TEACH, "skill", "en"): ["teach", "give lessons"],
    (TEACH, "skill", "nl"): ["lesgeven", "onderwijzen"],
    (MANAGE_COLLECTIONS, "skill", "en"): ["manage library collections", "library collection"],
    (MANAGE_COLLECTIONS, "skill", "nl"): ["bibliotheekcollecties beheren", "bibliotheek"],
    (LIBRARY_MATERIALS, "skill", "en"): ["library materials", "library"],
    (DIGITISATION, "skill", "en"): ["digitisation", "digitise"],
    (DIGITISATION, "skill", "nl"): ["digitalisering"],
    (SQL, "skill", "en"): ["SQL"],
    (SQL, "skill", "nl"): ["SQL"],
    (IT, "skill", "en"): ["IT"],
    (IT, "skill", "nl"): ["ICT", "IT"],
    (C_LANGUAGE, "skill", "en"): ["C"],
    (DEVELOP_SOFTWARE, "skill", "nl"): ["software ontwikkelen", "ontwikkelen"],
    (STOPWORD_CONCEPT, "skill", "en"): ["it", "of the"],
}


@pytest.fixture(scope="module")
def labels() -> list[TermLabel]:
    return [
        TermLabel(uri, kind, lang, text)  # type: ignore[arg-type]
        for (uri, kind, lang), texts in _LABELS.items()
        for text in texts
    ]


@pytest.fixture(scope="module")
def extractor(labels: list[TermLabel]) -> Extractor:
    return Extractor.build(labels)


def found(mentions: list[Mention]) -> set[tuple[str, str]]:
    return {(m.uri, m.text) for m in mentions}


def uris(mentions: list[Mention]) -> set[str]:
    return {m.uri for m in mentions}


@pytest.mark.parametrize(
    ("lang", "word", "lemma"),
    [
        ("en", "teaching", "teach"),
        ("en", "Teaching", "teach"),  # the English table is case-sensitive; we are not
        ("en", "taught", "teach"),
        ("en", "libraries", "library"),
        ("en", "developed", "develop"),  # the table says "develope"; the index check fixes it
        ("nl", "bibliotheken", "bibliotheek"),
        ("nl", "ontwikkelde", "ontwikkelen"),  # missing from the table; suffix rules find it
        ("nl", "docenten", "docent"),
        ("nl", "gaf", "geven"),
        ("nl", "beheerde", "beheren"),
    ],
)
def test_lemmas_come_from_the_lookup_tables(lang: str, word: str, lemma: str) -> None:
    doc = next(annotate(lang, [word]))  # type: ignore[arg-type]
    assert doc[0].lemma_ == lemma


def test_english_inflections_match_through_the_lemma(extractor: Extractor) -> None:
    text = "For six years I taught Dutch classes and was teaching Python to adults."
    mentions = extractor.extract(text, "en")
    assert found(mentions) == {(TEACH, "taught"), (TEACH, "teaching"), (PYTHON, "Python")}
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.text
        assert mention.lang == "en"
    assert next(m for m in mentions if m.text == "taught").label == "teach"


def test_dutch_inflections_match_through_the_lemma(extractor: Extractor) -> None:
    text = "Zij werkte als docent in twee bibliotheken en ontwikkelde lesmateriaal."
    mentions = extractor.extract(text, "nl")
    assert found(mentions) == {
        (TEACHER, "docent"),
        (MANAGE_COLLECTIONS, "bibliotheken"),
        (DEVELOP_SOFTWARE, "ontwikkelde"),
    }
    bib = next(m for m in mentions if m.uri == MANAGE_COLLECTIONS)
    assert (bib.label, bib.lang, bib.kind) == ("bibliotheek", "nl", "skill")


def test_offsets_and_evidence_point_at_the_sentence(extractor: Extractor) -> None:
    text = "Profiel.\n\nIk ben bibliothecaris.  Daarnaast werk ik aan digitalisering van archieven."
    mentions = extractor.extract(text, "nl")
    by_uri = {m.uri: m for m in mentions}
    librarian = by_uri[LIBRARIAN]
    assert (librarian.start, librarian.end) == (17, 31)
    assert text[librarian.start : librarian.end] == "bibliothecaris"
    assert librarian.evidence == "Ik ben bibliothecaris."
    digital = by_uri[DIGITISATION]
    assert digital.text == "digitalisering"
    assert digital.evidence == "Daarnaast werk ik aan digitalisering van archieven."


def test_long_sentences_are_cut_around_the_match(extractor: Extractor) -> None:
    filler = " ".join(["woord"] * 80)
    text = f"{filler} ik was docent Nederlands {filler}."
    [mention] = extractor.extract(text, "nl")
    assert mention.text == "docent"
    assert len(mention.evidence) <= EVIDENCE_MAX_CHARS
    assert "docent Nederlands" in mention.evidence
    assert not mention.evidence.startswith("oord")  # no cut words at the edges
    assert evidence_window("abc", 0, 3, 0, 3) == "abc"


def test_longest_match_wins_and_spans_do_not_overlap(extractor: Extractor) -> None:
    text = "Senior software developer and secondary school teacher."
    mentions = extractor.extract(text, "en")
    assert found(mentions) == {
        (DEVELOPER, "software developer"),
        (TEACHER, "secondary school teacher"),
    }
    assert next(m for m in mentions if m.uri == DEVELOPER).label == "software developer"
    assert all(a.end <= b.start for a, b in pairwise(mentions))


def test_one_mention_per_concept_and_span_with_the_closest_label(extractor: Extractor) -> None:
    # "teach" and "give lessons" are one concept: two spans, two mentions; the span "Teaching"
    # is not reported twice although "teach" is its lemma and its label.
    mentions = extractor.extract("Teaching: I give lessons. Teaching.", "en")
    assert [(m.text, m.label) for m in mentions] == [
        ("Teaching", "teach"),
        ("give lessons", "give lessons"),
        ("Teaching", "teach"),
    ]


def test_library_in_the_software_sense_is_not_a_librarian(extractor: Extractor) -> None:
    text = "Maintainer of a popular open-source JavaScript library (React components)."
    assert found(extractor.extract(text, "en")) == {(JAVASCRIPT, "JavaScript")}
    for software in [
        "I wrote a library for Node.js and maintain it.",
        "Author of an open source library.",
        "We use a React-based component library.",
        "A small library (Python) for parsing dates.",
    ]:
        assert uris(extractor.extract(software, "en")).isdisjoint(
            {LIBRARY_MATERIALS, MANAGE_COLLECTIONS, LIBRARIAN}
        ), software
    dutch = "Ik onderhoud een JavaScript-bibliotheek voor React-componenten."
    assert found(extractor.extract(dutch, "nl")) == {(JAVASCRIPT, "JavaScript")}


def test_library_keeps_its_library_sense(extractor: Extractor) -> None:
    text = "Volunteer at the public library, where I also taught Python and JavaScript."
    assert found(extractor.extract(text, "en")) == {
        (LIBRARY_MATERIALS, "library"),
        (TEACH, "taught"),
        (PYTHON, "Python"),
        (JAVASCRIPT, "JavaScript"),
    }
    nl = "Ik werk in de bibliotheek en geef Python-les."
    assert (MANAGE_COLLECTIONS, "bibliotheek") in found(extractor.extract(nl, "nl"))


def test_the_software_sense_label_wins_by_length(labels: list[TermLabel]) -> None:
    extra = TermLabel(JS_LIBRARY, "skill", "en", "JavaScript library")
    extractor = Extractor.build([*labels, extra])
    text = "Maintainer of a popular open-source JavaScript library."
    assert found(extractor.extract(text, "en")) == {(JS_LIBRARY, "JavaScript library")}


def test_short_abbreviations_need_their_exact_case(extractor: Extractor) -> None:
    text = "Ten years in IT support; it was fun. SQL and sql, C and c."
    mentions = extractor.extract(text, "en")
    assert found(mentions) == {(IT, "IT"), (SQL, "SQL")}
    assert {m.start for m in mentions if m.uri == IT} == {text.index("IT")}
    # "C" is shorter than two characters and the lowercase labels "it"/"of the" are stopwords.
    assert uris(extractor.extract("Good knowledge of the C language.", "en")) == set()


def test_language_is_detected_when_not_given(extractor: Extractor) -> None:
    dutch = "Wij zoeken een leraar die ook ervaring heeft met digitalisering van de collectie."
    mentions = extractor.extract(dutch)
    assert found(mentions) == {(TEACHER, "leraar"), (DIGITISATION, "digitalisering")}
    assert {m.lang for m in mentions} == {"nl"}


def test_a_mixed_cv_is_read_per_sentence(extractor: Extractor) -> None:
    text = (
        "Ik werkte vijf jaar als bibliothecaris in een openbare bibliotheek. "
        "After that I was a software developer and I taught programming at a school."
    )
    mentions = extractor.extract(text)
    assert {(m.uri, m.text, m.lang) for m in mentions} == {
        (LIBRARIAN, "bibliothecaris", "nl"),
        (MANAGE_COLLECTIONS, "bibliotheek", "nl"),
        (DEVELOPER, "software developer", "en"),
        (TEACH, "taught", "en"),
    }
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.text
        assert mention.text in mention.evidence
    assert next(m for m in mentions if m.uri == TEACH).evidence.startswith("After that")


def test_undetectable_text_runs_both_languages(extractor: Extractor) -> None:
    mentions = extractor.extract("Python, SQL, lesgeven")
    assert found(mentions) == {(PYTHON, "Python"), (SQL, "SQL"), (TEACH, "lesgeven")}
    assert len([m for m in mentions if m.uri == PYTHON]) == 1  # one mention per span


def test_empty_text_and_empty_taxonomy() -> None:
    assert Extractor.build([]).extract("Software developer met Python.") == []
    assert Extractor.build([TermLabel(SQL, "skill", "en", "SQL")]).extract("  \n") == []
