"""Employees at the service level: normalisation, fields vectors, CSV import (also through
the `talentmesh employees import` command) and the best-fit ranking."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from distribution.employees import csv_import, fit, service
from distribution.employees.schemas import (
    CHANNELS,
    EmployeeCreate,
    EmployeeUpdate,
    ImportResult,
)
from models import Application, Candidate, Employee, Organisation, SectionEmbedding, TrackedLink
from models.employee import SHARE_CHANNELS
from models.organisation import slugify
from runtime.cli import app as cli_app
from runtime.errors import ConflictError, FieldError, ValidationFailedError
from runtime.settings import get_settings
from tests.conftest import DEFAULT_MODEL, KeyMaker, bearer

ESCO = "http://data.europa.eu/esco/"
PYTHON = f"{ESCO}skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
LIBRARIAN = f"{ESCO}occupation/60f7eb23-a7ea-4cbe-98a5-1248291f62d5"
TEACHER = f"{ESCO}occupation/5efb2c08-ba3a-4659-a2e4-1883f54e77b6"
HEADER = "external_id,name,email,department,fields,channels,opted_out\n"


@pytest.fixture
def org(db: Session) -> uuid.UUID:
    organisation = Organisation(name=f"Bibliotheek {uuid.uuid4().hex[:8]}")
    db.add(organisation)
    db.flush()
    return organisation.id


def create(db: Session, org: uuid.UUID, **body: Any) -> Employee:
    return service.create(db, org, EmployeeCreate.model_validate(body), DEFAULT_MODEL)


def vectors(db: Session, owner_id: uuid.UUID) -> list[tuple[str, str, str, int]]:
    rows = db.execute(
        select(
            SectionEmbedding.owner_kind,
            SectionEmbedding.section,
            SectionEmbedding.text,
            SectionEmbedding.position,
        ).where(SectionEmbedding.owner_id == owner_id, SectionEmbedding.model == DEFAULT_MODEL)
    ).all()
    return [(row[0], row[1], row[2], row[3]) for row in rows]


def employees(db: Session, org: uuid.UUID) -> dict[str, dict[str, Any]]:
    """email -> stored state of every employee of the organisation."""
    db.expire_all()  # the import writes with set-based SQL, past the ORM objects
    rows = db.scalars(select(Employee).where(Employee.organisation_id == org))
    return {
        e.email: {
            "external_id": e.external_id,
            "name": e.name,
            "department": e.department,
            "fields": e.fields,
            "channels": e.channels,
            "opted_in": e.opted_in_at is not None,
            "opted_out": e.opted_out_at is not None,
        }
        for e in rows
    }


def test_api_channels_are_the_ones_the_table_accepts() -> None:
    assert CHANNELS == SHARE_CHANNELS


def test_create_normalises_and_embeds_fields_with_concept_labels(
    db: Session, org: uuid.UUID
) -> None:
    employee = create(
        db,
        org,
        name=" Anna de Vries ",
        email=" Anna.de.Vries@KB.example ",
        department="Digitale diensten",
        fields=["Linked Data", PYTHON, "linked data"],
        channels=["LinkedIn", "x", "linkedin"],
    )
    assert employee.email == "anna.de.vries@kb.example"
    assert employee.name == "Anna de Vries"
    assert employee.fields == ["Linked Data", PYTHON]
    assert employee.channels == ["linkedin", "x"]
    assert vectors(db, employee.id) == [
        (
            "employee",
            "fields",
            "Linked Data; Python (computerprogrammering) / Python (computer programming) "
            "(Digitale diensten)",
            0,
        )
    ]


def test_unknown_concept_and_duplicates_are_refused(db: Session, org: uuid.UUID) -> None:
    with pytest.raises(ValidationFailedError) as failed:
        create(db, org, name="A", email="a@kb.example", fields=["Python", f"{ESCO}skill/nope"])
    assert failed.value.errors == [
        FieldError("fields.1", f"no imported taxonomy has the concept '{ESCO}skill/nope'")
    ]
    first = create(db, org, name="A", email="a@kb.example", external_id="HR-1")
    with pytest.raises(ConflictError) as conflict:
        create(db, org, name="B", email="A@KB.example")
    assert conflict.value.extra == {"existing_id": str(first.id)}
    with pytest.raises(ConflictError) as conflict:
        create(db, org, name="B", email="b@kb.example", external_id="HR-1")
    assert conflict.value.extra == {"existing_id": str(first.id)}


def test_update_re_embeds_only_changed_text_and_drops_the_vector_without_fields(
    db: Session, org: uuid.UUID
) -> None:
    employee = create(db, org, name="A", email="a@kb.example", fields=["archiefbeheer"])
    first_id = db.scalar(
        select(SectionEmbedding.id).where(SectionEmbedding.owner_id == employee.id)
    )
    service.update(db, org, employee.id, EmployeeUpdate(name="Anna"), DEFAULT_MODEL)
    same_id = db.scalar(select(SectionEmbedding.id).where(SectionEmbedding.owner_id == employee.id))
    assert same_id == first_id  # the text did not change: not re-encoded
    service.update(db, org, employee.id, EmployeeUpdate(department="Collecties"), DEFAULT_MODEL)
    assert vectors(db, employee.id) == [("employee", "fields", "archiefbeheer (Collecties)", 0)]
    service.update(db, org, employee.id, EmployeeUpdate(fields=[]), DEFAULT_MODEL)
    assert vectors(db, employee.id) == []


def test_opt_out_and_in(db: Session, org: uuid.UUID) -> None:
    employee = create(db, org, name="A", email="a@kb.example")
    out = service.opt_out(db, org, employee.id)
    assert service.is_opted_out(out)
    first = out.opted_out_at
    assert first is not None
    assert service.opt_out(db, org, employee.id).opted_out_at == first
    back = service.opt_in(db, org, employee.id)
    assert back.opted_out_at is None
    assert back.opted_in_at is not None
    assert back.opted_in_at >= first


def test_delete_keeps_links_and_removes_vectors(
    client: TestClient, make_key: KeyMaker, db: Session
) -> None:
    headers = bearer(make_key(org="Nationaal Archief"))
    vacancy = client.post("/v1/vacancies", json={"title": "Archivaris"}, headers=headers).json()
    org = uuid.UUID(
        str(db.scalar(select(Organisation.id).where(Organisation.name == "Nationaal Archief")))
    )
    employee = create(db, org, name="A", email="a@na.example", fields=["archieven"])
    link = TrackedLink(
        organisation_id=org,
        code="abc123",
        vacancy_id=uuid.UUID(vacancy["id"]),
        employee_id=employee.id,
        root_employee_id=employee.id,
        channel="linkedin",
    )
    db.add(link)
    db.flush()
    service.delete(db, org, employee.id)
    db.expire_all()
    assert db.get(Employee, employee.id) is None
    assert vectors(db, employee.id) == []
    stored = db.get(TrackedLink, link.id)
    assert stored is not None
    assert (stored.code, stored.employee_id, stored.root_employee_id) == ("abc123", None, None)


# --- CSV import ---


def run(db: Session, org: uuid.UUID, body: str) -> ImportResult:
    return csv_import.import_csv(db, org, body, DEFAULT_MODEL)


def problems(db: Session, org: uuid.UUID, body: str) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailedError) as failed:
        run(db, org, body)
    return [(e.field, e.message) for e in failed.value.errors]


FILE = (
    HEADER + "HR-1,Anna de Vries,Anna@KB.example,Digitale diensten,Python;Linked Data,"
    "linkedin;x,\n"
    ",Bram Jansen,bram@kb.example,Collecties,bibliotheekwerk,email,false\n"
    "HR-3,Chris Peeters,chris@kb.example,,,,true\n"
)


def test_import_creates_then_is_unchanged_then_updates(db: Session, org: uuid.UUID) -> None:
    assert run(db, org, FILE) == ImportResult(created=3, updated=0, unchanged=0)
    assert employees(db, org) == {
        "anna@kb.example": {
            "external_id": "HR-1",
            "name": "Anna de Vries",
            "department": "Digitale diensten",
            "fields": ["Python", "Linked Data"],
            "channels": ["linkedin", "x"],
            "opted_in": False,
            "opted_out": False,
        },
        "bram@kb.example": {
            "external_id": None,
            "name": "Bram Jansen",
            "department": "Collecties",
            "fields": ["bibliotheekwerk"],
            "channels": ["email"],
            "opted_in": True,
            "opted_out": False,
        },
        "chris@kb.example": {
            "external_id": "HR-3",
            "name": "Chris Peeters",
            "department": None,
            "fields": [],
            "channels": [],
            "opted_in": False,
            "opted_out": True,
        },
    }
    anna = db.scalar(select(Employee.id).where(Employee.email == "anna@kb.example"))
    assert anna is not None
    assert [v[2] for v in vectors(db, anna)] == ["Python; Linked Data (Digitale diensten)"]

    assert run(db, org, FILE) == ImportResult(created=0, updated=0, unchanged=3)

    # Bram gets an external id (matched by email), Anna changes email (matched by
    # external_id), Chris opts in; columns left out (channels, opted_out) keep their values.
    second = (
        "email,name,external_id,fields\n"
        "anna.devries@kb.example,Anna de Vries,HR-1,Python;Linked Data\n"
        "bram@kb.example,Bram Jansen,HR-2,bibliotheekwerk\n"
        "chris@kb.example,Chris Peeters,HR-3,\n"
        "dirk@kb.example,Dirk,,archieven\n"
    )
    assert run(db, org, second) == ImportResult(created=1, updated=2, unchanged=1)
    state = employees(db, org)
    assert sorted(state) == [
        "anna.devries@kb.example",
        "bram@kb.example",
        "chris@kb.example",
        "dirk@kb.example",
    ]
    assert state["anna.devries@kb.example"]["channels"] == ["linkedin", "x"]
    assert state["bram@kb.example"]["external_id"] == "HR-2"
    assert state["chris@kb.example"]["opted_out"] is True
    opt_in = "external_id,name,email,opted_out\nHR-3,Chris Peeters,chris@kb.example,FALSE\n"
    assert run(db, org, opt_in) == ImportResult(created=0, updated=1, unchanged=0)
    assert employees(db, org)["chris@kb.example"]["opted_out"] is False


def test_import_with_a_bom_and_crlf(db: Session, org: uuid.UUID) -> None:
    data = '\ufeffname,email\r\nAnna,anna@kb.example\r\n\r\n"Jansen, Bram",bram@kb.example\r\n'
    body = csv_import.decode(data.encode())
    assert run(db, org, body) == ImportResult(created=2, updated=0, unchanged=0)
    assert sorted(e["name"] for e in employees(db, org).values()) == ["Anna", "Jansen, Bram"]


def test_header_problems_are_named(db: Session, org: uuid.UUID) -> None:
    assert problems(db, org, "name,e-mail,team\nAnna,a@kb.example,x\n") == [
        (
            "header",
            "unknown column(s) 'e-mail', 'team'; the columns are external_id, name, email, "
            "department, fields, channels, opted_out",
        ),
        ("header", "missing required column(s) email"),
    ]
    assert problems(db, org, "") == [("header", "the file is empty; a header row is required")]
    with pytest.raises(ValidationFailedError) as failed:
        csv_import.decode(b"name,email\nJos\xe9,j@kb.example\n")
    assert failed.value.errors == [FieldError("csv", "not UTF-8 text (invalid byte at offset 14)")]


def test_one_bad_row_imports_nothing_and_every_problem_is_listed(
    db: Session, org: uuid.UUID
) -> None:
    create(db, org, name="Eva", email="eva@kb.example", external_id="HR-9")
    body = (
        HEADER + "HR-1,Anna,anna@kb.example,,,linkedin,\n"  # line 2: fine
        "HR-2,Bram,not-an-email,,,,\n"  # line 3
        "HR-3,,chris@kb.example,,,fax,maybe\n"  # line 4
        "HR-4,Dirk,ANNA@kb.example,,,,\n"  # line 5: same email as line 2
        "HR-5,Eef,eef@kb.example,,,,,extra\n"  # line 6: a cell too many
    )
    found = problems(db, org, body)
    assert [field for field, _ in found] == [
        "line 3: email",
        "line 4: opted_out",
        "line 4: name",
        "line 4: channels.0",
        "line 5: email",
        "line 6",
    ]
    assert found[1][1] == "must be true, false or empty"
    assert found[2][1] == "Field required"
    assert found[4][1] == "same email as line 2"
    assert found[5][1] == "has 8 cells but the header names 7"
    # Checks against stored employees come after the file is valid, and are as strict.
    conflicting = HEADER + "HR-1,Anna,anna@kb.example,,,,\nHR-7,Eva,eva@kb.example,,,,\n"
    assert problems(db, org, conflicting) == [
        ("line 3: email", "belongs to the employee with external_id 'HR-9'")
    ]
    unknown = HEADER + f"HR-1,Anna,anna@kb.example,,{ESCO}skill/nope,,\n"
    assert problems(db, org, unknown) == [
        ("line 2: fields", f"no imported taxonomy has the concept '{ESCO}skill/nope'")
    ]
    assert sorted(employees(db, org)) == ["eva@kb.example"]


def test_a_row_may_not_take_another_employees_email(db: Session, org: uuid.UUID) -> None:
    run(db, org, HEADER + "HR-1,Anna,anna@kb.example,,,,\nHR-2,Bram,bram@kb.example,,,,\n")
    assert problems(db, org, "external_id,name,email\nHR-1,Anna,bram@kb.example\n")[0][0] == (
        "line 2: email"
    )


# --- the command line, in-process against the session database (it commits) ---


@pytest.fixture
def committed_org(engine: Engine) -> Iterator[str]:
    name = f"CLI {uuid.uuid4().hex[:8]}"
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO organisations (id, name, slug) VALUES (:id, :name, :slug)"),
            {"id": uuid.uuid4(), "name": name, "slug": slugify(name)},
        )
    yield name
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM organisations WHERE name = :n"), {"n": name})


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[None]:
    for key in list(os.environ):
        if key.startswith("TALENTMESH_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("TALENTMESH_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("cli_env")
def test_cli_import(committed_org: str, engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "medewerkers.csv"
    path.write_text("\ufeff" + FILE, encoding="utf-8")
    runner = CliRunner()
    done = runner.invoke(cli_app, ["employees", "import", str(path), "--org", committed_org])
    assert done.exit_code == 0, done.stderr
    assert done.stdout == ""
    assert "medewerkers.csv" in done.stderr  # the progress bar, on stderr
    assert "3/3" in done.stderr
    assert "medewerkers.csv: 3 created, 0 updated, 0 unchanged" in done.stderr
    again = runner.invoke(cli_app, ["employees", "import", str(path), "--org", committed_org])
    assert "0 created, 0 updated, 3 unchanged" in again.stderr

    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "HR-8,Fien,fien@kb.example,,,,\nHR-9,Gijs,gijs,,,,\n")
    failed = runner.invoke(cli_app, ["employees", "import", str(bad), "--org", committed_org])
    assert failed.exit_code == 2
    assert "error: the file was not imported: 1 problem(s) in 1 place(s)" in failed.stderr
    assert "line 3: email: value is not a valid email address" in failed.stderr
    unknown = runner.invoke(cli_app, ["employees", "import", str(path), "--org", "Nobody"])
    assert unknown.exit_code == 2
    assert "error: no organisation named 'Nobody'" in unknown.stderr
    with engine.connect() as connection:
        emails = connection.execute(
            text(
                "SELECT e.email FROM employees e JOIN organisations o "
                "ON o.id = e.organisation_id WHERE o.name = :n ORDER BY e.email"
            ),
            {"n": committed_org},
        ).scalars()
        assert list(emails) == ["anna@kb.example", "bram@kb.example", "chris@kb.example"]


# --- best fit ---


@pytest.fixture
def kb(client: TestClient, make_key: KeyMaker, db: Session) -> tuple[uuid.UUID, uuid.UUID]:
    """The organisation and its "developer digitale collecties" vacancy, created (and so
    indexed) through the API."""
    headers = bearer(make_key(org="KB best fit"))
    body = {
        "title": "Developer digitale collecties",
        "description": "Je bouwt software in Python voor de digitale collecties en werkt met "
        "Linked Data en IIIF.",
        "required_skills": ["Python", "Linked Data"],
    }
    response = client.post("/v1/vacancies", json=body, headers=headers)
    assert response.status_code == 201, response.text
    org = db.scalar(select(Organisation.id).where(Organisation.name == "KB best fit"))
    assert org is not None
    return org, uuid.UUID(response.json()["id"])


def refer(
    db: Session, org: uuid.UUID, vacancy: uuid.UUID, employee: uuid.UUID, hired: bool
) -> None:
    candidate = Candidate(organisation_id=org, name="Kandidaat")
    db.add(candidate)
    db.flush()
    db.add(
        Application(
            organisation_id=org,
            vacancy_id=vacancy,
            candidate_id=candidate.id,
            referrer_employee_id=employee,
            status="hired" if hired else "applied",
            hired_at=datetime.now(UTC) if hired else None,
        )
    )
    db.flush()


def test_best_fit_prefers_the_developer_and_skips_opted_out(
    db: Session, kb: tuple[uuid.UUID, uuid.UUID]
) -> None:
    org, vacancy = kb
    developer = create(
        db, org, name="Dev", email="dev@kb.example", fields=["Python", "softwareontwikkeling"],
        department="ICT",
    ).id  # fmt: skip
    librarian = create(db, org, name="Lib", email="lib@kb.example", fields=[LIBRARIAN]).id
    teacher = create(db, org, name="Tea", email="tea@kb.example", fields=[TEACHER]).id
    assert fit.best_fit_employees(db, org, vacancy, DEFAULT_MODEL, 1, ["linkedin"]) == [developer]
    ranked = fit.rank_employees(db, org, vacancy, DEFAULT_MODEL, 10, [])
    assert ranked[0].employee_id == developer
    assert {r.employee_id for r in ranked} == {developer, librarian, teacher}
    assert all(r.similarity is not None and r.referral == 0 for r in ranked)

    service.opt_out(db, org, developer)
    found = fit.best_fit_employees(db, org, vacancy, DEFAULT_MODEL, 10, ["linkedin"])
    assert developer not in found
    assert set(found) == {librarian, teacher}


def test_best_fit_channels_and_referral_success(
    db: Session, kb: tuple[uuid.UUID, uuid.UUID]
) -> None:
    org, vacancy = kb
    facebook = create(db, org, name="Fb", email="fb@kb.example", fields=["Python"],
                      channels=["facebook"]).id  # fmt: skip
    quiet = create(db, org, name="Quiet", email="quiet@kb.example").id
    referrer = create(db, org, name="Ref", email="ref@kb.example", channels=["linkedin"]).id
    refer(db, org, vacancy, referrer, hired=True)
    refer(db, org, vacancy, referrer, hired=False)

    ranked = fit.rank_employees(db, org, vacancy, DEFAULT_MODEL, 10, ["linkedin", "email"])
    # The facebook-only employee is not reachable on these channels; without vectors, the
    # referrer (one hire, two applications: 0.015 + 2 * 0.005) ranks before the quiet colleague.
    assert [(r.employee_id, r.similarity, r.hires, r.applications) for r in ranked] == [
        (referrer, None, 1, 2),
        (quiet, None, 0, 0),
    ]
    assert ranked[0].referral == pytest.approx(0.025)
    assert ranked[0].score == pytest.approx(0.025)
    assert fit.best_fit_employees(db, org, vacancy, DEFAULT_MODEL, 1, ["facebook"]) == [facebook]


def test_best_fit_breaks_ties_by_referral_success_then_id(
    db: Session, kb: tuple[uuid.UUID, uuid.UUID]
) -> None:
    org, vacancy = kb
    first = create(db, org, name="A", email="a@kb.example", fields=["Python"]).id
    second = create(db, org, name="B", email="b@kb.example", fields=["Python"]).id
    assert first < second
    assert fit.best_fit_employees(db, org, vacancy, DEFAULT_MODEL, 2, []) == [first, second]
    refer(db, org, vacancy, second, hired=False)
    assert fit.best_fit_employees(db, org, vacancy, DEFAULT_MODEL, 2, []) == [second, first]
