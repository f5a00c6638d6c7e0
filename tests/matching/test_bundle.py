"""The taxonomy bundle format, and the ESCO bundle shipped in the package."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from matching.taxonomy.bundle import (
    BUNDLE_PATH,
    ESCO_ATTRIBUTION,
    BundleConcept,
    BundleFormatError,
    BundleHeader,
    LanguageLabels,
    read_bundle,
    write_bundle,
)

HEADER = BundleHeader(name="test", attribution=ESCO_ATTRIBUTION, source="unit test", licence="x")
CONCEPTS = [
    BundleConcept(
        uri="http://data.europa.eu/esco/occupation/a",
        kind="occupation",
        isco_group="2622",
        broader=("http://data.europa.eu/esco/isco/C2622",),
        labels={
            "nl": LanguageLabels("bibliothecaris", ("bibliothecaresse",), ("bieb",)),
            "en": LanguageLabels("librarian"),
        },
        description={"nl": "Beheert collecties.", "en": "Manages collections."},
    ),
    BundleConcept(uri="http://data.europa.eu/esco/skill/b", kind="skill", labels={}),
]
PYTHON_SKILL = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"


def test_round_trip_is_exact_and_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    assert write_bundle(first, HEADER, CONCEPTS) == 2
    write_bundle(second, HEADER, iter(CONCEPTS))
    assert first.read_bytes() == second.read_bytes()  # no mtime or file name in the gzip header
    header, concepts = read_bundle(first)
    assert header == HEADER
    assert list(concepts) == CONCEPTS


def write_raw(path: Path, *lines: object) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        for line in lines:
            stream.write(json.dumps(line) + "\n")
    return path


@pytest.mark.parametrize(
    ("head", "message"),
    [
        ({"format": "other", "version": 1}, "not a talentmesh-taxonomy bundle"),
        ({"format": "talentmesh-taxonomy", "version": 2}, "unsupported .* version 2"),
        ({"format": "talentmesh-taxonomy", "version": 1}, "lacks 'name'"),
        (["not", "an", "object"], "not a talentmesh-taxonomy bundle"),
    ],
)
def test_header_is_validated(tmp_path: Path, head: object, message: str) -> None:
    with pytest.raises(BundleFormatError, match=message):
        read_bundle(write_raw(tmp_path / "bad.jsonl.gz", head))


def test_not_gzip_or_empty(tmp_path: Path) -> None:
    plain = tmp_path / "plain.jsonl.gz"
    plain.write_text('{"format": "talentmesh-taxonomy"}\n')
    with pytest.raises(BundleFormatError, match="not a gzip file"):
        read_bundle(plain)
    with pytest.raises(BundleFormatError, match="empty bundle"):
        read_bundle(write_raw(tmp_path / "empty.jsonl.gz"))


def test_bad_concept_line_is_named(tmp_path: Path) -> None:
    head = {"format": "talentmesh-taxonomy", "version": 1, "name": "t", "attribution": "a"}
    path = write_raw(tmp_path / "b.jsonl.gz", head, {"uri": "u", "kind": "animal", "labels": {}})
    _, concepts = read_bundle(path)
    with pytest.raises(BundleFormatError, match=r"line 2: .*unknown kind 'animal'"):
        list(concepts)


def test_write_refuses_other_versions(tmp_path: Path) -> None:
    old = BundleHeader(name="x", attribution="a", source="", licence="", version=0)
    with pytest.raises(BundleFormatError):
        write_bundle(tmp_path / "x.jsonl.gz", old, [])
    assert not list(tmp_path.iterdir())  # nothing half-written left behind


@pytest.fixture(scope="module")
def shipped() -> tuple[BundleHeader, dict[str, BundleConcept]]:
    header, concepts = read_bundle(BUNDLE_PATH)
    return header, {concept.uri: concept for concept in concepts}


def test_shipped_bundle_carries_the_esco_attribution(
    shipped: tuple[BundleHeader, dict[str, BundleConcept]],
) -> None:
    header, _ = shipped
    assert header.name == "esco"
    assert header.attribution == (
        "This service uses the ESCO classification of the European Commission."
    )
    assert header.licence
    assert header.source


def test_shipped_occupations_are_bilingual(
    shipped: tuple[BundleHeader, dict[str, BundleConcept]],
) -> None:
    _, concepts = shipped
    occupations = [c for c in concepts.values() if c.kind == "occupation"]
    assert len(occupations) > 3000
    bilingual = [c for c in occupations if {"nl", "en"} <= c.labels.keys()]
    assert len(bilingual) > 2900
    nl_preferred = {c.labels["nl"].preferred: c for c in bilingual}
    librarian = nl_preferred["bibliothecaris"]
    assert librarian.labels["en"].preferred == "librarian"
    assert librarian.isco_group == "2622"
    assert librarian.broader  # linked into the ISCO hierarchy
    assert 0 < len(librarian.description["nl"]) <= 301
    assert all(c.isco_group and len(c.isco_group) == 4 for c in occupations)


def test_shipped_skills_have_recovered_english_labels(
    shipped: tuple[BundleHeader, dict[str, BundleConcept]],
) -> None:
    _, concepts = shipped
    python = concepts[PYTHON_SKILL]
    assert python.kind == "skill"
    assert python.labels["en"].preferred == "Python (computer programming)"
    assert python.labels["nl"].preferred == "Python (computerprogrammering)"
    assert "Python 3K" in " ".join(python.labels["en"].hidden)  # the whole label run stays
    assert python.description["en"].startswith("The techniques and principles")
    skills = [c for c in concepts.values() if c.kind == "skill"]
    assert len(skills) > 13900
    assert sum("nl" in c.labels for c in skills) == 5453


def test_shipped_concepts_are_sorted_and_unique() -> None:
    _, concepts = read_bundle(BUNDLE_PATH)
    uris = [concept.uri for concept in concepts]
    assert uris == sorted(set(uris))
