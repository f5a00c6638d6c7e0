"""Taxonomy import from official-format ESCO CSV files: through matching.taxonomy.loading and
through the `talentmesh taxonomy` commands, against the session's embedded Postgres."""

from __future__ import annotations

import io
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from matching.taxonomy.esco_csv import EscoFormatError
from matching.taxonomy.loading import import_csv
from matching.taxonomy.service import ImportResult, Kind
from runtime.errors import UnprocessableError

TALENTMESH = str(Path(__file__).resolve().parents[2] / ".venv" / "bin" / "talentmesh")
OCC = "http://data.europa.eu/esco/occupation/test-"
HEADER = (
    "conceptType,conceptUri,iscoGroup,preferredLabel,altLabels,hiddenLabels,status,"
    "modifiedDate,description,code\n"
)
# The official download: a BOM, one row per concept, labels newline-separated in quoted cells.
NL = (
    "\ufeff" + HEADER + f"Occupation,{OCC}librarian,2622,bibliothecaris,"
    '"bibliothecaresse\nbibliotheekmedewerker",,released,2024-01-01,'
    '"Beheert de collectie, en adviseert bezoekers.",2622.1\n'
    f'Occupation,{OCC}teacher,2330,leraar,"lerares\ndocent\n  leerkracht  ",,released,'
    "2024-01-01,Geeft les.,2330.1\n"
    f'Occupation,{OCC}developer,2512,softwareontwikkelaar,"programmeur\nsoftware-engineer",'
    "softwarebouwer,released,2024-01-01,Ontwikkelt software.,2512.4\n"
)
EN = (
    "\ufeff" + HEADER + f'Occupation,{OCC}librarian,2622,librarian,"library assistant\n'
    'library clerk",,released,2024-01-01,Manages a library collection.,2622.1\n'
    f'Occupation,{OCC}teacher,2330,teacher,"schoolteacher\nsecondary school teacher",,'
    "released,2024-01-01,Teaches.,2330.1\n"
    f'Occupation,{OCC}developer,2512,software developer,"programmer\nsoftware engineer",,'
    "released,2024-01-01,Develops software.,2512.4\n"
)
NL_LABELS, EN_LABELS = 11, 9
SKILLS = (
    "conceptType,conceptUri,skillType,reuseLevel,preferredLabel,altLabels,hiddenLabels,"
    "status,description\n"
    "KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/test-cataloguing,skill/competence,"
    'sector-specific,catalogiseren,"catalogiseren van collecties\ncatalogusbeheer",,released,\n'
    f"KnowledgeSkillCompetence,{OCC}librarian,skill/competence,sector-specific,"
    "bibliotheekwerk,,,released,\n"
)


def run_import(
    db: Session, name: str, body: str, lang: str, kind: Kind = "occupation"
) -> ImportResult:
    return import_csv(db, name, kind, lang, io.StringIO(body, newline=""))


def revision(db: Session, name: str) -> int:
    return int(
        db.execute(
            text("SELECT revision FROM taxonomies WHERE name = :n"), {"n": name}
        ).scalar_one()
    )


def labels(db: Session, name: str, lang: str | None = None) -> dict[str, set[tuple[str, str]]]:
    """URI -> {(label type, text)} of one taxonomy, optionally of one language."""
    rows = db.execute(
        text(
            "SELECT c.uri, l.label_type, l.text FROM taxonomy_labels l "
            "JOIN taxonomy_concepts c ON c.id = l.concept_id "
            "JOIN taxonomies t ON t.id = c.taxonomy_id "
            "WHERE t.name = :n AND (CAST(:lang AS text) IS NULL OR l.lang = :lang)"
        ),
        {"n": name, "lang": lang},
    ).all()
    out: dict[str, set[tuple[str, str]]] = {}
    for uri, label_type, label in rows:
        out.setdefault(uri.removeprefix(OCC), set()).add((label_type, label))
    return out


def label_ids(db: Session, name: str) -> list[int]:
    query = (
        "SELECT l.id FROM taxonomy_labels l JOIN taxonomy_concepts c ON c.id = l.concept_id "
        "JOIN taxonomies t ON t.id = c.taxonomy_id WHERE t.name = :n ORDER BY l.id"
    )
    return list(db.execute(text(query), {"n": name}).scalars())


def row_counts(db: Session, name: str) -> tuple[int, int]:
    concepts, label_rows = db.execute(
        text(
            "SELECT count(DISTINCT c.id), count(l.id) FROM taxonomies t "
            "JOIN taxonomy_concepts c ON c.taxonomy_id = t.id "
            "LEFT JOIN taxonomy_labels l ON l.concept_id = c.id WHERE t.name = :n"
        ),
        {"n": name},
    ).one()
    return int(concepts), int(label_rows)


@pytest.fixture
def name() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


def test_import_creates_concepts_and_labels(db: Session, name: str) -> None:
    result = run_import(db, name, NL, "nl")
    assert (result.concepts, result.counts) == (3, {"occupation": 3})
    assert result.changed == 3 + NL_LABELS
    assert labels(db, name)["librarian"] == {
        ("preferred", "bibliothecaris"),
        ("alt", "bibliothecaresse"),
        ("alt", "bibliotheekmedewerker"),
    }
    assert ("alt", "leerkracht") in labels(db, name)["teacher"]  # stripped
    assert ("hidden", "softwarebouwer") in labels(db, name)["developer"]
    isco, description = db.execute(
        text("SELECT isco_group, description FROM taxonomy_concepts WHERE uri = :u"),
        {"u": f"{OCC}librarian"},
    ).one()
    assert (isco, description) == ("2622", {"nl": "Beheert de collectie, en adviseert bezoekers."})


def test_second_language_adds_labels_to_the_same_concepts(db: Session, name: str) -> None:
    run_import(db, name, NL, "nl")
    result = run_import(db, name, EN, "en")
    assert result.counts == {"occupation": 3}
    assert row_counts(db, name) == (3, NL_LABELS + EN_LABELS)
    assert labels(db, name, "en")["developer"] == {
        ("preferred", "software developer"),
        ("alt", "programmer"),
        ("alt", "software engineer"),
    }
    assert len(labels(db, name, "nl")["developer"]) == 4  # the Dutch labels stay
    description = db.execute(
        text("SELECT description FROM taxonomy_concepts WHERE uri = :u"), {"u": f"{OCC}teacher"}
    ).scalar_one()
    assert description == {"nl": "Geeft les.", "en": "Teaches."}


def test_reimporting_the_same_file_changes_nothing(db: Session, name: str) -> None:
    run_import(db, name, NL, "nl")
    run_import(db, name, EN, "en")
    before = revision(db, name)
    ids = label_ids(db, name)
    for body, lang in ((NL, "nl"), (EN, "en")):
        result = run_import(db, name, body, lang)
        assert (result.changed, result.concepts) == (0, 3)
    assert revision(db, name) == before
    # Kept rows keep their ids (and so their cached embeddings).
    assert label_ids(db, name) == ids


def test_changed_label_replaces_the_old_one_and_bumps_the_revision(db: Session, name: str) -> None:
    run_import(db, name, NL, "nl")
    run_import(db, name, EN, "en")
    before = revision(db, name)
    result = run_import(db, name, NL.replace("bibliotheekmedewerker", "mediathecaris"), "nl")
    assert result.changed == 2  # one label added, one removed
    assert revision(db, name) == before + 1
    assert labels(db, name, "nl")["librarian"] == {
        ("preferred", "bibliothecaris"),
        ("alt", "bibliothecaresse"),
        ("alt", "mediathecaris"),
    }
    assert len(labels(db, name, "en")["librarian"]) == 3  # other language untouched
    assert row_counts(db, name) == (3, NL_LABELS + EN_LABELS)


def test_concept_imported_with_another_kind_is_refused_whole(db: Session, name: str) -> None:
    run_import(db, name, NL, "nl")
    before = row_counts(db, name)
    savepoint = db.begin_nested()
    with pytest.raises(UnprocessableError) as error:
        run_import(db, name, SKILLS, "nl", kind="skill")
    message = str(error.value)
    assert f"{OCC}librarian" in message
    assert "cannot be imported as kind 'skill'" in message
    # The kinds are checked before the batch is written: not even the new skill is there.
    assert row_counts(db, name) == before
    savepoint.rollback()
    assert row_counts(db, name) == before
    assert db.execute(
        text("SELECT kind FROM taxonomy_concepts WHERE uri = :u"), {"u": f"{OCC}librarian"}
    ).scalars().all() == ["occupation"]


def test_missing_concept_uri_column_is_named(db: Session, name: str) -> None:
    body = NL.replace("conceptUri", "uri", 1)
    with pytest.raises(EscoFormatError, match=r"missing column\(s\) conceptUri"):
        run_import(db, name, body, "nl")


# --- the command line, as a separate process that commits into the session database ---


class CliRunner:
    def __init__(self, database_url: str) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TALENTMESH_")}
        self.env.update(TALENTMESH_DATABASE_URL=database_url, HF_HUB_OFFLINE="1")

    def __call__(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [TALENTMESH, *map(str, args)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )


@pytest.fixture
def cli(engine: Engine, database_url: str, name: str) -> Iterator[CliRunner]:
    runner = CliRunner(database_url)
    yield runner
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM taxonomies WHERE name = :n"), {"n": name})


def test_cli_imports_and_writes_a_trec_run(
    cli: CliRunner, name: str, engine: Engine, tmp_path: Path
) -> None:
    for lang, body in (("nl", NL), ("en", EN)):
        path = tmp_path / f"occupations_{lang}.csv"
        path.write_text(body, encoding="utf-8")
        done = cli(
            "taxonomy", "import", "--name", name, "--kind", "occupation", "--lang", lang, path
        )
        assert done.returncode == 0, done.stderr
        assert path.name in done.stderr  # the progress bar, on stderr
        assert "3/3" in done.stderr
        assert done.stdout == ""
        assert f"{name}: 3 concepts read" in done.stderr
        assert "occupation: 3" in done.stderr
    with Session(engine) as session:
        assert row_counts(session, name) == (3, NL_LABELS + EN_LABELS)

    queries = tmp_path / "queries.tsv"
    queries.write_text("q1\tbibliothecaris\nq2\tsoftware developer\nq3\tleraar Nederlands\n")
    run = tmp_path / "run.txt"
    done = cli(
        "taxonomy", "normalize", "--name", name, "--kind", "occupation",
        "--queries", queries, "--top", "5", "--output", run,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = [line.split(" ") for line in run.read_text().splitlines()]
    assert all(len(f) == 6 and f[1] == "Q0" and f[5] == "talentmesh" for f in lines), lines
    by_query: dict[str, list[list[str]]] = {}
    for fields in lines:
        by_query.setdefault(fields[0], []).append(fields)
    assert set(by_query) == {"q1", "q2", "q3"}
    for ranked in by_query.values():
        assert [int(f[3]) for f in ranked] == list(range(1, len(ranked) + 1))
        assert 1 <= len(ranked) <= 5
        scores = [float(f[4]) for f in ranked]
        assert scores == sorted(scores, reverse=True)
        assert {f[2] for f in ranked} <= {
            f"{OCC}{c}" for c in ("librarian", "teacher", "developer")
        }
    top = {qid: ranked[0][2].removeprefix(OCC) for qid, ranked in by_query.items()}
    assert top == {"q1": "librarian", "q2": "developer", "q3": "teacher"}


def test_cli_errors_exit_2_with_a_message(
    cli: CliRunner, name: str, engine: Engine, tmp_path: Path
) -> None:
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text(NL.replace("conceptUri", "uri", 1), encoding="utf-8")
    done = cli(
        "taxonomy", "import", "--name", name, "--kind", "occupation", "--lang", "nl", bad_csv
    )
    assert done.returncode == 2
    assert "error:" in done.stderr
    assert "conceptUri" in done.stderr
    with engine.connect() as connection:  # rolled back: not even the taxonomy was created
        found = connection.execute(text("SELECT 1 FROM taxonomies WHERE name = :n"), {"n": name})
        assert found.first() is None

    queries = tmp_path / "queries.tsv"
    queries.write_text("q1\tbibliothecaris\nq2 without a tab\n")
    run = tmp_path / "run.txt"
    args: list[str | Path] = ["taxonomy", "normalize", "--kind", "skill", "--output", run]
    done = cli(*args, "--name", "esco", "--queries", queries)
    assert done.returncode == 2
    assert "every line must be id<TAB>text" in done.stderr

    queries.write_text("q1\tbibliothecaris\n")
    done = cli(*args, "--name", name, "--queries", queries)
    assert done.returncode == 2
    assert f"no taxonomy named {name!r}" in done.stderr
