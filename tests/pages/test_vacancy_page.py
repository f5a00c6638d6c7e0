"""The public vacancy page and its apply form, through the app (no browser)."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.pages.apply import form_token
from models import Application, Candidate, CandidateDocument, SectionEmbedding
from runtime.settings import Settings
from tests.distribution.test_links import Seed, seed
from tests.matching.test_cv_parsing import english_cv_pdf

GOOGLE_REQUIRED = ("title", "description", "datePosted", "hiringOrganization", "jobLocation")


def page_seed(db: Session, **changes: Any) -> Seed:
    data = seed(db, apply_url=None)
    vacancy = data.vacancy
    vacancy.language = "nl"
    vacancy.hours_per_week = 32
    vacancy.employment_type = "part_time"
    vacancy.salary_min, vacancy.salary_max = Decimal("3500"), Decimal("4800.50")
    vacancy.salary_currency, vacancy.salary_period = "EUR", "month"
    vacancy.valid_through = datetime.now(UTC) + timedelta(days=30)
    vacancy.required_skills = ["Python", "Linked Data"]
    for name, value in changes.items():
        setattr(vacancy, name, value)
    db.commit()
    return data


def path_of(data: Seed) -> str:
    return f"/jobs/{data.organisation.slug}/{data.vacancy.id}"


def jsonld_of(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert match is not None
    document: dict[str, Any] = json.loads(match.group(1))
    return document


def google_problems(document: dict[str, Any]) -> list[str]:
    """What Google for Jobs would reject in a JobPosting (its required properties and their
    shapes, as documented for structured data)."""
    problems = [f"missing {name}" for name in GOOGLE_REQUIRED if not document.get(name)]
    if document.get("@context") not in ("https://schema.org/", "https://schema.org"):
        problems.append("@context is not schema.org")
    if document.get("@type") != "JobPosting":
        problems.append("@type is not JobPosting")
    for name in ("datePosted", "validThrough"):
        if name in document:
            try:
                datetime.fromisoformat(document[name])
            except ValueError:
                problems.append(f"{name} is not ISO 8601")
    organisation = document.get("hiringOrganization", {})
    if organisation.get("@type") != "Organization" or not organisation.get("name"):
        problems.append("hiringOrganization needs @type Organization and a name")
    place = document.get("jobLocation", {})
    address = place.get("address", {}) if isinstance(place, dict) else {}
    if place.get("@type") != "Place" or address.get("@type") != "PostalAddress":
        problems.append("jobLocation must be a Place with a PostalAddress")
    if not address.get("addressCountry"):
        problems.append("jobLocation.address needs addressCountry")
    salary = document.get("baseSalary")
    if salary is not None:
        value = salary.get("value", {})
        if not salary.get("currency") or value.get("unitText") not in {
            "HOUR",
            "DAY",
            "WEEK",
            "MONTH",
            "YEAR",
        }:
            problems.append("baseSalary needs a currency and a unitText")
    return problems


def test_page_carries_valid_jobposting_and_link_preview(client: TestClient, db: Session) -> None:
    data = page_seed(db, description="Je maakt </script><b>collecties</b> toegankelijk. " * 20)
    response = client.get(path_of(data))
    assert response.status_code == 200
    page = response.text
    document = jsonld_of(page)
    assert google_problems(document) == []
    assert document["title"] == data.vacancy.title
    assert document["hiringOrganization"]["name"] == data.organisation.name
    assert document["url"].endswith(path_of(data))
    assert document["baseSalary"]["value"]["minValue"] == 3500
    # A stored </script> cannot end the JSON-LD block early.
    assert page.count("</script>") == 2
    for tag in ("og:title", "og:description", "og:url", "og:type", "og:site_name"):
        assert f'<meta property="{tag}" content="' in page
    assert '<meta property="og:locale" content="nl_NL">' in page
    description = re.search(r'<meta property="og:description" content="([^"]*)"', page)
    assert description is not None
    assert len(html.unescape(description.group(1))) <= 200
    assert f'<link rel="canonical" href="http://testserver{path_of(data)}">' in page or (
        f'{path_of(data)}">' in page
    )


def test_page_speaks_the_vacancy_language_and_switches(client: TestClient, db: Session) -> None:
    data = page_seed(db)
    dutch = client.get(path_of(data)).text
    assert '<html lang="nl">' in dutch
    assert "32 uur per week" in dutch
    assert "Deeltijd" in dutch
    assert "EUR 3.500 – 4.800,50 per maand" in dutch
    assert "Verstuur mijn sollicitatie" in dutch
    english = client.get(f"{path_of(data)}?lang=en&tm_ref={data.link.code}").text
    assert '<html lang="en">' in english
    assert "32 hours a week" in english
    assert "EUR 3,500 – 4,800.50 a month" in english
    assert "Send my application" in english
    # The language switch keeps the visitor's tracked link.
    assert f"tm_ref={data.link.code}&amp;lang=nl" in english
    assert f'name="tm_ref" value="{data.link.code}"' in english


def test_page_and_its_assets_weigh_under_100_kb(client: TestClient, db: Session) -> None:
    data = page_seed(db)
    page = client.get(f"{path_of(data)}?tm_ref={data.link.code}")
    assets = re.findall(r'(?:href|src)="(/assets/[^"]+)"', page.text)
    assert len(assets) == 2
    total = len(page.content) + sum(len(client.get(a).content) for a in assets)
    assert total < 100_000, total
    css = client.get(assets[0])
    assert "immutable" in css.headers["cache-control"]


def form_fields(data: Seed, settings: Settings, **changes: str) -> dict[str, str]:
    fields = {
        "name": "Eva de Vries",
        "email": "Eva.de.Vries@example.org",
        "phone": "+31 6 1234 5678",
        "motivation": "Ik werk graag met erfgoeddata.",
        "consent": "yes",
        "tm_ref": data.link.code,
        "lang": "nl",
        "form_token": form_token(settings.secret_key.get_secret_value(), data.vacancy.id),
    }
    fields.update(changes)
    return {k: v for k, v in fields.items() if v != "<drop>"}


def cv_file(content: bytes | None = None) -> dict[str, tuple[str, bytes, str]]:
    return {"cv": ("eva-cv.pdf", content or english_cv_pdf(), "application/pdf")}


def count(db: Session, model: Any, **where: Any) -> int:
    query = select(func.count()).select_from(model).filter_by(**where)
    return int(db.scalar(query) or 0)


def test_apply_creates_candidate_file_and_credited_application(
    client: TestClient, db: Session, settings: Settings
) -> None:
    data = page_seed(db)
    pdf = english_cv_pdf()
    response = client.post(
        f"{path_of(data)}/apply",
        data=form_fields(data, settings),
        files=cv_file(pdf),
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == (
        f"{path_of(data)}/applied?lang=nl&tm_ref={data.link.code}"
    )
    thanks = client.get(response.headers["location"])
    assert "Bedankt voor je sollicitatie" in thanks.text
    # The thank-you page offers the visitor a link of their own.
    assert f'action="/r/{data.link.code}/reshare"' in thanks.text
    db.expire_all()
    candidate = db.scalars(
        select(Candidate).where(Candidate.organisation_id == data.organisation.id)
    ).one()
    assert (candidate.name, candidate.email) == ("Eva de Vries", "eva.de.vries@example.org")
    assert candidate.phone == "+31 6 1234 5678"
    assert candidate.consent_given_at is not None
    assert candidate.consent_retention_until is not None
    assert "Python" in candidate.skills  # drafted from the CV
    document = db.scalars(select(CandidateDocument)).one()
    assert document.candidate_id == candidate.id
    assert document.content == pdf
    application = db.scalars(select(Application)).one()
    assert application.source == "apply_form"
    assert application.motivation == "Ik werk graag met erfgoeddata."
    assert application.ref_link_id == data.link.id
    assert application.referrer_employee_id == data.employee.id
    assert count(db, SectionEmbedding, owner_id=candidate.id) > 0


def test_applying_twice_looks_like_applying_once_and_stores_nothing_more(
    client: TestClient, db: Session, settings: Settings
) -> None:
    data = page_seed(db)
    url = f"{path_of(data)}/apply"
    answers = [
        client.post(url, data=form_fields(data, settings), files=cv_file(), follow_redirects=False)
        for _ in range(2)
    ]
    # The form must not tell a stranger whether this email already applied.
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["location"] == answers[1].headers["location"]
    assert count(db, Application) == 1
    assert count(db, CandidateDocument) == 1


def test_control_characters_in_fields_are_dropped(
    client: TestClient, db: Session, settings: Settings
) -> None:
    data = page_seed(db)
    fields = form_fields(data, settings, name="Eva\x00 de Vries", motivation="Ja\x00\nzeker")
    response = client.post(f"{path_of(data)}/apply", data=fields, files=cv_file())
    assert response.status_code == 200
    assert db.scalars(select(Candidate.name)).one() == "Eva de Vries"
    assert db.scalars(select(Application.motivation)).one() == "Ja\nzeker"


def test_apply_without_form_token_is_refused_and_keeps_the_values(
    client: TestClient, db: Session, settings: Settings
) -> None:
    data = page_seed(db)
    url = f"{path_of(data)}/apply"
    for token in ("<drop>", "forged", form_token("another secret", data.vacancy.id)):
        response = client.post(
            url, data=form_fields(data, settings, form_token=token), files=cv_file()
        )
        assert response.status_code == 403
        assert "kwam van elders" in response.text
        assert 'value="Eva de Vries"' in response.text
        assert "Ik werk graag met erfgoeddata." in response.text
        # A fresh token comes with the form shown again.
        assert re.search(r'name="form_token" value="[\w-]{40,}"', response.text)
    assert count(db, Application) == 0
    assert count(db, Candidate) == 0


def test_apply_with_mistakes_names_each_field_and_stores_nothing(
    client: TestClient, db: Session, settings: Settings
) -> None:
    data = page_seed(db)
    fields = form_fields(
        data, settings, name=" ", email="eva@", phone="call me", consent="<drop>", lang="en"
    )
    response = client.post(f"{path_of(data)}/apply", data=fields, files=cv_file(b"%PDF-1.7 broken"))
    assert response.status_code == 422
    page = response.text
    for message in (
        "Please fill in your name.",
        "Please fill in a valid email address.",
        "Please fill in a valid phone number",
        "We can only take your application with your consent.",
        "We could not read this file",
    ):
        assert message in page
    assert 'aria-invalid="true"' in page
    assert 'value="eva@"' in page
    assert "add your CV again" in page
    assert count(db, Application) == 0
    assert count(db, Candidate) == 0
    missing = client.post(f"{path_of(data)}/apply", data=form_fields(data, settings, lang="en"))
    assert missing.status_code == 422
    assert "Please add your CV." in missing.text


def test_apply_to_another_organisations_vacancy_is_404(
    client: TestClient, db: Session, settings: Settings
) -> None:
    data = page_seed(db)
    other = seed(db, org="Stadsarchief", apply_url=None)
    response = client.post(
        f"/jobs/{other.organisation.slug}/{data.vacancy.id}/apply",
        data=form_fields(data, settings),
        files=cv_file(),
    )
    assert response.status_code == 404
    assert count(db, Application) == 0


def test_a_foreign_or_stale_ref_does_not_block_the_application(
    client: TestClient, db: Session, settings: Settings
) -> None:
    data = page_seed(db)
    other = seed(db, org="Stadsarchief", apply_url=None)
    response = client.post(
        f"{path_of(data)}/apply",
        data=form_fields(data, settings, tm_ref=other.link.code),
        files=cv_file(),
    )
    assert response.status_code == 200
    application = db.scalars(select(Application)).one()
    assert application.ref_link_id is None
    assert application.ownership == "unreferred"


def test_a_file_far_over_the_limit_gets_a_page_and_stores_nothing(
    client: TestClient, db: Session, settings: Settings
) -> None:
    data = page_seed(db)
    huge = b"%PDF-1.7\n" + b"0" * (settings.max_upload_bytes + 100_000)
    response = client.post(
        f"{path_of(data)}/apply",
        data=form_fields(data, settings),
        files=cv_file(huge),
        headers={"Accept": "text/html,application/xhtml+xml"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "larger than 10 MB" in response.text
    assert count(db, Application) == 0
    just_over = b"%PDF-1.7\n" + b"0" * settings.max_upload_bytes
    response = client.post(
        f"{path_of(data)}/apply", data=form_fields(data, settings), files=cv_file(just_over)
    )
    assert response.status_code == 422
    assert "groter dan 10 MB" in response.text
