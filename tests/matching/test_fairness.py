"""Identity never reaches matching: what neutralise removes and keeps."""

from __future__ import annotations

from matching.fairness import _PRONOUNS, neutralise


def test_contact_details_and_own_name_are_removed() -> None:
    text = (
        "Anna de Vries (anna.devries@example.org, +31 6 12345678, https://anna.example) "
        "is a librarian; Anna catalogues collections."
    )
    out = neutralise(text, ["Anna de Vries"])
    assert "anna" not in out.lower()
    assert "example" not in out
    assert "12345678" not in out
    assert "librarian" in out
    assert "catalogues collections" in out


def test_pronoun_variants_become_the_same_text() -> None:
    she = neutralise("She leads the team. Her projects won prizes; she mentors herself too.")
    he = neutralise("He leads the team. His projects won prizes; he mentors himself too.")
    assert she == he
    assert neutralise("Zij geeft les; haar leerlingen") == neutralise(
        "Hij geeft les; zijn leerlingen"
    )


def test_names_of_different_people_give_identical_text() -> None:
    summary = "{name} built archives. {first} speaks Dutch."
    a = neutralise(summary.format(name="Pieter Jansen", first="Pieter"), ["Pieter Jansen"])
    b = neutralise(summary.format(name="Fatima Zahra", first="Fatima"), ["Fatima Zahra"])
    assert a == b


def test_work_words_are_kept() -> None:
    text = "Python developer, SQL, 10 years in 2 archives"
    assert neutralise(text) == text


def test_surname_particles_stay_ordinary_words() -> None:
    text = "Ik ondersteun de accountant bij de jaarlijkse controle in Den Haag."
    assert neutralise(text, ["Esther de Vries"]) == neutralise(text, ["Jan van den Berg"]) == text


def test_each_gendered_word_is_replaced_whole_and_nothing_that_only_begins_like_one() -> None:
    for word, neutral in _PRONOUNS.items():
        assert neutralise(f"x {word} y") == f"x {neutral} y"
        assert neutralise(f"x {word.upper()}. y") == f"x {neutral.capitalize()}. y"
        assert neutralise(f"x {word}q qq{word} y") == f"x {word}q qq{word} y"
    text = "hemel herbs shell mrsa mevrouwen zijnde meneertje Hers. herself's"
    assert (
        neutralise(text) == "hemel herbs shell mrsa mevrouwen zijnde meneertje Theirs. themselves's"
    )


def test_blank_runs_become_one_space_and_the_ends_are_trimmed() -> None:
    assert neutralise(" \tcatalogues  \t collections\t") == "catalogues collections"
    assert neutralise("line one\nline  two") == "line one\nline two"
