"""schema.org JobPosting and JSON Resume: documents round-trip through import and export
without losing a field the format defines and the product stores; problems are named by
the format's own properties."""

from __future__ import annotations

import copy
from typing import Any

from fastapi.testclient import TestClient

from models.organisation import slugify

ORG = "Koninklijke Bibliotheek"
# Every property Google for Jobs requires or recommends that the product stores, written
# the way the export writes it.
JOB_POSTING: dict[str, Any] = {
    "@context": "https://schema.org/",
    "@type": "JobPosting",
    "identifier": {"@type": "PropertyValue", "name": ORG, "value": "KB-2026-041"},
    "title": "Developer digitale collecties",
    "description": "<p>Bouw mee aan <b>Delpher</b> en de digitale collecties.</p>",
    "datePosted": "2026-12-01T09:00:00+00:00",
    "validThrough": "2027-01-31T23:00:00+00:00",
    "employmentType": "PART_TIME",
    "hiringOrganization": {"@type": "Organization", "name": ORG},
    "jobLocation": {
        "@type": "Place",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": "Prins Willem-Alexanderhof 5",
            "addressLocality": "Den Haag",
            "addressRegion": "Zuid-Holland",
            "postalCode": "2595 BE",
            "addressCountry": "NL",
        },
        "geo": {"@type": "GeoCoordinates", "latitude": 52.0808, "longitude": 4.3269},
    },
    "jobLocationType": "TELECOMMUTE",
    "applicantLocationRequirements": [
        {"@type": "Country", "name": "NL"},
        {"@type": "Country", "name": "BE"},
    ],
    "baseSalary": {
        "@type": "MonetaryAmount",
        "currency": "EUR",
        "value": {
            "@type": "QuantitativeValue",
            "minValue": 3500.0,
            "maxValue": 5200.0,
            "unitText": "MONTH",
        },
    },
    "workHours": "32 hours per week",
    "skills": ["Python", "IIIF", "linked data"],
    "url": "https://werkenbij.kb.example/vacatures/41",
}
GOOGLE_REQUIRED = (
    "title",
    "description",
    "datePosted",
    "validThrough",
    "hiringOrganization",
    "employmentType",
    "baseSalary",
)

JSON_RESUME: dict[str, Any] = {
    "$schema": "https://raw.githubusercontent.com/jsonresume/resume-schema/v1.0.0/schema.json",
    "basics": {
        "name": "Eva de Vries",
        "label": "Docent geschiedenis",
        "email": "eva@example.org",
        "phone": "+31 6 1234 5678",
        "url": "https://evadevries.example/",
        "summary": "Docent die archieven naar de klas brengt.",
        "location": {
            "address": "Oudegracht 1",
            "postalCode": "3511 AA",
            "city": "Utrecht",
            "region": "Utrecht",
            "countryCode": "NL",
        },
        "profiles": [
            {
                "network": "LinkedIn",
                "username": "evadevries",
                "url": "https://www.linkedin.com/in/evadevries",
            }
        ],
    },
    "work": [
        {
            "name": "Stedelijk Gymnasium Utrecht",
            "position": "Docent geschiedenis",
            "startDate": "2018-08",
            "summary": "Lessen over de Tweede Wereldoorlog met bronnen uit het archief.",
            "highlights": ["Erfgoedprijs 2022", "Lesmethode met 40 scholen gedeeld"],
        },
        {
            "name": "Het Utrechts Archief",
            "position": "Educatief medewerker",
            "startDate": "2015-02",
            "endDate": "2018-07",
        },
    ],
    "education": [
        {
            "institution": "Universiteit Utrecht",
            "area": "Geschiedenis",
            "studyType": "Master",
            "endDate": "2014",
        }
    ],
    "skills": [{"name": "lesgeven"}, {"name": "archiefonderzoek"}],
    "languages": [{"language": "Dutch"}, {"language": "English"}],
    "meta": {"externalId": "ATS-88"},
}


def test_job_posting_round_trips(client: TestClient, admin: dict[str, str]) -> None:
    # The admin key belongs to the organisation named ORG.
    sent = copy.deepcopy(JOB_POSTING) | {"industry": "Libraries", "directApply": True}
    created = client.post(
        "/v1/vacancies", params={"format": "jobposting"}, json=sent, headers=admin
    )
    assert created.status_code == 201, created.text
    assert created.headers["ignored-properties"] == "industry, directApply"
    vacancy = created.json()
    assert vacancy["remote"] is True
    assert vacancy["hours_per_week"] == 32
    assert vacancy["employment_type"] == "part_time"
    assert vacancy["remote_countries"] == ["NL", "BE"]

    exported = client.get(f"/v1/vacancies/{vacancy['id']}.jsonld", headers=admin)
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "application/ld+json"
    assert exported.json() == JOB_POSTING
    assert all(exported.json().get(key) for key in GOOGLE_REQUIRED)

    # The export imports again to the same document.
    again = copy.deepcopy(JOB_POSTING)
    again["identifier"]["value"] = "KB-2026-042"
    second = client.post(
        "/v1/vacancies", params={"format": "jobposting"}, json=again, headers=admin
    ).json()
    assert client.get(f"/v1/vacancies/{second['id']}.jsonld", headers=admin).json() == again


def test_a_vacancy_exports_with_its_page_and_the_organisation(
    client: TestClient, admin: dict[str, str]
) -> None:
    vacancy = client.post(
        "/v1/vacancies",
        json={"title": "Archivaris", "location": {"city": "Leiden", "country": "NL"}},
        headers=admin,
    ).json()
    document = client.get(f"/v1/vacancies/{vacancy['id']}.jsonld", headers=admin).json()
    assert document["hiringOrganization"]["name"] == ORG
    assert document["identifier"]["value"] == vacancy["id"]
    assert document["url"].endswith(f"/jobs/{slugify(ORG)}/{vacancy['id']}")
    assert document["datePosted"] == vacancy["created_at"].replace("Z", "+00:00")
    assert document["jobLocation"]["address"]["addressLocality"] == "Leiden"
    assert "jobLocationType" not in document
    assert "baseSalary" not in document


def test_job_posting_problems_are_named_by_property(
    client: TestClient, admin: dict[str, str]
) -> None:
    bad = {
        "@type": "JobPosting",
        "employmentType": "SOMETIMES",
        "datePosted": "gisteren",
        "jobLocation": {"address": {"addressCountry": "Atlantis"}},
        "url": "not a url",
    }
    response = client.post(
        "/v1/vacancies", params={"format": "jobposting"}, json=bad, headers=admin
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"employmentType", "datePosted", "jobLocation.address.addressCountry"}
    # Once those are right, the product's own rules speak in the format's names too.
    fixed = {"@type": "JobPosting", "url": "not a url", "title": "x"}
    response = client.post(
        "/v1/vacancies", params={"format": "jobposting"}, json=fixed, headers=admin
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["url"]
    other = client.post(
        "/v1/vacancies",
        params={"format": "jobposting"},
        json={"@type": "Event", "title": "Open dag"},
        headers=admin,
    )
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "@type"
    broken = client.post(
        "/v1/vacancies",
        params={"format": "jobposting"},
        content=b"{not json",
        headers=admin | {"content-type": "application/ld+json"},
    )
    assert broken.status_code == 422
    assert broken.json()["errors"][0]["field"] == "body"
    nothing = client.get("/v1/vacancies", headers=admin).json()["data"]
    assert nothing == []


def test_json_resume_round_trips(client: TestClient, admin: dict[str, str]) -> None:
    sent = copy.deepcopy(JSON_RESUME) | {"awards": [{"title": "Erfgoedprijs"}]}
    sent["languages"][0]["fluency"] = "Native speaker"
    created = client.post(
        "/v1/candidates", params={"format": "jsonresume"}, json=sent, headers=admin
    )
    assert created.status_code == 201, created.text
    assert created.headers["ignored-properties"] == "awards, languages.0.fluency"
    candidate = created.json()
    assert candidate["external_id"] == "ATS-88"
    assert candidate["languages"] == ["nl", "en"]
    assert candidate["experience"][0]["start"] == "2018-08"
    assert candidate["experience"][0]["highlights"] == JSON_RESUME["work"][0]["highlights"]

    exported = client.get(f"/v1/candidates/{candidate['id']}.resume.json", headers=admin).json()
    meta = exported.pop("meta")
    assert meta["externalId"] == "ATS-88"
    assert meta["canonical"] == f"/v1/candidates/{candidate['id']}.resume.json"
    assert meta["lastModified"].startswith(candidate["updated_at"][:19])
    expected = copy.deepcopy(JSON_RESUME)
    expected.pop("meta")
    assert exported == expected


def test_json_resume_keywords_dates_and_problems(client: TestClient, admin: dict[str, str]) -> None:
    document = {
        "basics": {"name": "Sam Jansen"},
        "work": [{"company": "Rijksmuseum", "position": "Registrar", "startDate": "2019"}],
        "skills": [{"name": "Collection management", "keywords": ["Adlib", "CIDOC CRM"]}],
        "languages": [{"language": "Nederlands"}, {"language": "de"}],
    }
    created = client.post(
        "/v1/candidates", params={"format": "jsonresume"}, json=document, headers=admin
    ).json()
    assert created["skills"] == ["Collection management", "Adlib", "CIDOC CRM"]
    assert created["experience"][0]["organisation"] == "Rijksmuseum"
    assert created["experience"][0]["start"] == "2019-01"
    assert created["languages"] == ["nl", "de"]

    bad = {
        "basics": {"email": "not-an-email"},
        "work": [{"name": "Ergens"}],
        "languages": [{"language": "Klingon"}],
    }
    response = client.post(
        "/v1/candidates", params={"format": "jsonresume"}, json=bad, headers=admin
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"work.0.position", "languages.0.language"}
    only_email = client.post(
        "/v1/candidates",
        params={"format": "jsonresume"},
        json={"basics": {"email": "not-an-email"}},
        headers=admin,
    )
    assert [e["field"] for e in only_email.json()["errors"]] == ["basics.email"]
    assert client.get("/v1/candidates", headers=admin).json()["data"] == [created]
