"""/v1/taxonomies: listing, and normalisation of Dutch and English titles to the concepts of a
small taxonomy imported in the test."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from matching.taxonomy.loading import import_csv

OCC = "http://data.europa.eu/esco/occupation/api-test-"
HEADER = "conceptType,conceptUri,iscoGroup,preferredLabel,altLabels,hiddenLabels,status,code\n"
NL = HEADER + (
    f'Occupation,{OCC}librarian,2622,bibliothecaris,"bibliothecaresse\nbibliotheekmedewerker"'
    ",,released,2622.1\n"
    f'Occupation,{OCC}teacher,2330,leraar,"lerares\ndocent\nleerkracht",,released,2330.1\n'
    f'Occupation,{OCC}developer,2512,softwareontwikkelaar,"programmeur\nsoftware-engineer",'
    ",released,2512.4\n"
    f"Occupation,{OCC}baker,7512,bakker,broodbakker,,released,7512.1\n"
)
EN = HEADER + (
    f'Occupation,{OCC}librarian,2622,librarian,"library assistant\nlibrary clerk",,released,'
    "2622.1\n"
    f'Occupation,{OCC}teacher,2330,teacher,"schoolteacher\nsecondary school teacher",,released,'
    "2330.1\n"
    f'Occupation,{OCC}developer,2512,software developer,"programmer\nsoftware engineer",,'
    "released,2512.4\n"
    f"Occupation,{OCC}baker,7512,baker,bread baker,,released,7512.1\n"
)
TITLES = {
    # text: (expected first concept, its expected label or None). The label is in the text's
    # language when that can be told (function words); a bare title gives no such evidence.
    "bibliothecaris": ("librarian", None),
    "librarian": ("librarian", None),
    "leraar": ("teacher", None),
    "teacher": ("teacher", None),
    "softwareontwikkelaar": ("developer", None),
    "software developer": ("developer", None),
    "wij zoeken een bibliothecaris voor de openbare bibliotheek": ("librarian", "bibliothecaris"),
    "we are looking for a librarian for the public library": ("librarian", "librarian"),
    "senior softwareontwikkelaar bij de gemeente": ("developer", "softwareontwikkelaar"),
    "experienced software developer for our library": ("developer", "software developer"),
    "een leraar voor de basisschool": ("teacher", "leraar"),
}


@pytest.fixture
def taxonomy(db: Session) -> str:
    name = f"api-{uuid.uuid4().hex[:10]}"
    for lang, body in (("nl", NL), ("en", EN)):
        import_csv(db, name, "occupation", lang, io.StringIO(body, newline=""))
    db.commit()  # into the test's savepoint; the API's sessions share the connection
    return name


def normalize(client: TestClient, headers: dict[str, str], name: str, body: dict[str, Any]) -> Any:
    return client.post(f"/v1/taxonomies/{name}/normalize", json=body, headers=headers)


def assert_problem(response: Any, status: int, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body


def test_lists_esco_with_counts_and_attribution(client: TestClient, admin: dict[str, str]) -> None:
    response = client.get("/v1/taxonomies", headers=admin)
    assert response.status_code == 200
    esco = next(t for t in response.json() if t["name"] == "esco")
    assert set(esco["concepts"]) == {"occupation", "skill"}
    assert esco["concepts"]["occupation"] > 1000
    assert esco["concepts"]["skill"] > 1000
    assert esco["revision"] >= 1
    assert "ESCO classification of the European Commission" in esco["attribution"]


def test_lists_a_new_taxonomy_with_its_counts(
    client: TestClient, admin: dict[str, str], taxonomy: str
) -> None:
    listed = {t["name"]: t for t in client.get("/v1/taxonomies", headers=admin).json()}
    assert listed[taxonomy]["concepts"] == {"occupation": 4}
    assert listed[taxonomy]["attribution"] is None


def test_dutch_and_english_titles_find_their_concept_first(
    client: TestClient, admin: dict[str, str], taxonomy: str
) -> None:
    body = {"kind": "occupation", "texts": list(TITLES), "top_k": 3}
    response = normalize(client, admin, taxonomy, body)
    assert response.status_code == 200, response.text
    out = response.json()
    assert (out["taxonomy"], out["kind"]) == (taxonomy, "occupation")
    assert [r["text"] for r in out["results"]] == list(TITLES)
    for result in out["results"]:
        concepts = result["concepts"]
        assert len(concepts) == 3, result
        scores = [c["score"] for c in concepts]
        assert all(0 <= s <= 1 for s in scores)
        assert scores == sorted(scores, reverse=True)
        assert all(c["uri"].startswith(OCC) for c in concepts)  # only this taxonomy's concepts
        concept, label = TITLES[result["text"]]
        assert concepts[0]["uri"] == OCC + concept, result
        if label is not None:
            assert concepts[0]["label"] == label, result


def test_top_k_and_kind_limit_the_results(
    client: TestClient, admin: dict[str, str], taxonomy: str
) -> None:
    one = normalize(
        client, admin, taxonomy, {"kind": "occupation", "texts": ["bakker"], "top_k": 1}
    )
    assert [c["uri"] for c in one.json()["results"][0]["concepts"]] == [OCC + "baker"]
    many = normalize(client, admin, taxonomy, {"kind": "occupation", "texts": ["bakker"]})
    assert len(many.json()["results"][0]["concepts"]) == 4  # default 10, only 4 concepts exist
    # This taxonomy has no skills: nothing to rank (and nothing from the default taxonomy).
    skills = normalize(client, admin, taxonomy, {"kind": "skill", "texts": ["brood bakken"]})
    assert skills.status_code == 200
    assert skills.json()["results"] == [{"text": "brood bakken", "concepts": []}]


def test_unknown_taxonomy_is_404(client: TestClient, admin: dict[str, str]) -> None:
    response = normalize(client, admin, "no-such-taxonomy", {"kind": "skill", "texts": ["x"]})
    assert_problem(response, 404)
    assert "no-such-taxonomy" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "job", "texts": ["leraar"]}, "kind"),
        ({"kind": "occupation", "texts": []}, "texts"),
        ({"kind": "occupation", "texts": ["leraar"], "top_k": 0}, "top_k"),
        ({"kind": "occupation", "texts": ["leraar", "x" * 501]}, "texts.1"),
        ({"kind": "occupation", "texts": ["leraar"], "language": "nl"}, "language"),
    ],
)
def test_invalid_requests_are_422_naming_the_field(
    client: TestClient, admin: dict[str, str], body: dict[str, Any], field: str
) -> None:
    assert_problem(normalize(client, admin, "esco", body), 422, field)


def test_requires_an_api_key(client: TestClient) -> None:
    assert_problem(client.get("/v1/taxonomies"), 401)
    body = {"kind": "occupation", "texts": ["leraar"]}
    assert_problem(client.post("/v1/taxonomies/esco/normalize", json=body), 401)
