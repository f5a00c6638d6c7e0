"""Funnel and leaderboard endpoints: JSON and CSV, content negotiation, scopes and
isolation. The scenario and its figures are described in tests/distribution/test_funnel.py."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import KeyMaker, bearer
from tests.distribution.test_funnel import (
    C1_CHANNELS,
    C1_EMPLOYEES,
    C1_TOTAL,
    LEADERBOARD_ALL_TIME,
    V_TOTAL,
    Scenario,
    build_scenario,
    employee_lines,
    entries,
)

FIGURES = (
    "reached",
    "links",
    "links_shared",
    "clicks",
    "requests",
    "bot_requests",
    "unique_visitors",
    "applications",
    "interviews",
    "hires",
)
RATIOS = (
    "reached_to_links_shared",
    "links_shared_to_clicks",
    "clicks_to_applications",
    "applications_to_interviews",
    "interviews_to_hires",
)
LINE_HEADER = [
    "level",
    "channel",
    "employee_id",
    "external_id",
    "name",
    "department",
    "opted_out",
    *FIGURES,
    *RATIOS,
]


@pytest.fixture
def scenario(client: TestClient, db: Session, admin: dict[str, str]) -> Scenario:
    return build_scenario(client, db, admin)


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [jsonable(item) for item in value]
    return str(value) if isinstance(value, uuid.UUID) else value


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def csv_cells(values: dict[str, Any]) -> dict[str, str]:
    """The CSV cells of a line of figures: null is empty, the conversions are flattened."""
    cells = {name: str(values[name]) for name in FIGURES}
    for name, ratio in values["conversion"].items():
        cells[name] = "" if ratio is None else str(ratio)
    return cells


def test_campaign_funnel_json(
    client: TestClient, admin: dict[str, str], scenario: Scenario
) -> None:
    response = client.get(f"/v1/campaigns/{scenario.c1}/funnel", headers=admin)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["vary"] == "Accept"
    assert response.json() == jsonable(
        {
            "vacancy_id": scenario.vacancy_id,
            "campaign_id": scenario.c1,
            "total": C1_TOTAL,
            "channels": [{**v, "channel": k} for k, v in C1_CHANNELS.items()],
            "employees": employee_lines(scenario, C1_EMPLOYEES),
        }
    )


def test_campaign_funnel_csv(client: TestClient, admin: dict[str, str], scenario: Scenario) -> None:
    response = client.get(f"/v1/campaigns/{scenario.c1}/funnel?format=csv", headers=admin)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="campaign-{scenario.c1}-funnel.csv"'
    )
    assert response.text.splitlines()[0] == ",".join(LINE_HEADER)
    assert response.text.endswith("\r\n")
    rows = read_csv(response.text)
    assert [(row["level"], row["channel"], row["name"]) for row in rows] == [
        ("total", "", ""),
        ("channel", "email", ""),
        ("channel", "linkedin", ""),
        ("channel", "whatsapp", ""),
        ("employee", "", "Anna de Vries"),
        ("employee", "", "Bram Jansen"),
        # Formula injection: the apostrophe keeps a spreadsheet from running it.
        ("employee", "", "'=Chris"),
        ("employee", "", "Dirk de Boer"),
        ("employee", "", "Eva Bakker"),
    ]
    assert {k: rows[0][k] for k in (*FIGURES, *RATIOS)} == csv_cells(C1_TOTAL)
    for row, values in zip(rows[1:4], C1_CHANNELS.values(), strict=True):
        assert {k: row[k] for k in (*FIGURES, *RATIOS)} == csv_cells(values)
    for row, (key, values) in zip(rows[4:], C1_EMPLOYEES.items(), strict=True):
        assert {k: row[k] for k in (*FIGURES, *RATIOS)} == csv_cells(values)
        assert row["employee_id"] == str(scenario.employees[key])
        assert row["external_id"] == f"HR-{key}"
    chris = rows[6]
    assert (chris["department"], chris["opted_out"]) == ("'+Digitaal", "false")
    assert (rows[8]["opted_out"], rows[8]["department"]) == ("true", "")
    # Empty cells for null conversions, not "None".
    assert rows[1]["links_shared_to_clicks"] == ""


def test_vacancy_funnel_json_and_csv(
    client: TestClient, admin: dict[str, str], scenario: Scenario
) -> None:
    path = f"/v1/vacancies/{scenario.vacancy_id}/funnel"
    body = client.get(path, headers=admin).json()
    assert body["total"] == V_TOTAL
    assert body["campaign_ids"] == [str(scenario.c1), str(scenario.c2)]
    assert (body["applications_total"], body["interviews_total"], body["hires_total"]) == (5, 4, 2)
    assert [line["channel"] for line in body["channels"]] == [
        "direct",
        "email",
        "facebook",
        "linkedin",
        "whatsapp",
    ]

    response = client.get(path, headers={**admin, "Accept": "text/csv"})
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="vacancy-{scenario.vacancy_id}-funnel.csv"'
    )
    header = response.text.splitlines()[0].split(",")
    assert header == [*LINE_HEADER, "applications_total", "interviews_total", "hires_total"]
    rows = read_csv(response.text)
    assert len(rows) == 1 + 5 + 5
    totals = [(r["applications_total"], r["interviews_total"], r["hires_total"]) for r in rows]
    assert totals == [("5", "4", "2")] + [("", "", "")] * 10
    assert {k: rows[0][k] for k in (*FIGURES, *RATIOS)} == csv_cells(V_TOTAL)


@pytest.mark.parametrize(
    ("query", "accept", "expected"),
    [
        ("", "text/csv", "text/csv; charset=utf-8"),
        ("", "application/json, text/csv", "application/json"),
        ("", "text/csv;q=0.5, application/json;q=0.9", "application/json"),
        ("", "application/json;q=0.5, text/csv", "text/csv; charset=utf-8"),
        ("", "*/*", "application/json"),
        ("?format=json", "text/csv", "application/json"),
        ("?format=csv", "application/json", "text/csv; charset=utf-8"),
    ],
)
def test_content_negotiation(
    client: TestClient,
    admin: dict[str, str],
    scenario: Scenario,
    query: str,
    accept: str,
    expected: str,
) -> None:
    response = client.get(
        f"/v1/campaigns/{scenario.c2}/funnel{query}", headers={**admin, "Accept": accept}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == expected


def test_unknown_format_is_a_validation_error(
    client: TestClient, admin: dict[str, str], scenario: Scenario
) -> None:
    response = client.get(f"/v1/campaigns/{scenario.c1}/funnel?format=xlsx", headers=admin)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["format"]


def test_leaderboard_json_and_csv(
    client: TestClient, admin: dict[str, str], scenario: Scenario
) -> None:
    response = client.get("/v1/employees/leaderboard", headers=admin)
    assert response.status_code == 200, response.text
    assert response.json() == jsonable(
        {"since": None, "until": None, "data": entries(scenario, LEADERBOARD_ALL_TIME)}
    )

    period: dict[str, str | int] = {
        "since": "2026-03-03T00:00:00Z",
        "until": "2026-04-01T00:00:00+00:00",
        "limit": 3,
    }
    top = client.get("/v1/employees/leaderboard", params=period, headers=admin).json()
    assert (top["since"], top["until"]) == ("2026-03-03T00:00:00Z", "2026-04-01T00:00:00Z")
    assert [(e["rank"], e["name"], e["hires"], e["clicks"]) for e in top["data"]] == [
        (1, "Anna de Vries", 1, 3),
        (2, "Bram Jansen", 0, 1),
        (3, "Dirk de Boer", 0, 2),
    ]

    exported = client.get("/v1/employees/leaderboard?format=csv", headers=admin)
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert exported.headers["content-disposition"] == (
        'attachment; filename="employee-leaderboard.csv"'
    )
    rows = read_csv(exported.text)
    assert [(r["rank"], r["name"], r["department"], r["opted_out"]) for r in rows] == [
        ("1", "Anna de Vries", "Collecties", "false"),
        ("2", "Dirk de Boer", "", "false"),
        ("3", "Bram Jansen", "ICT", "false"),
        ("4", "Eva Bakker", "", "true"),
        ("5", "'=Chris", "'+Digitaal", "false"),
        ("5", "Femke Smit", "", "false"),
    ]
    assert list(rows[0].values())[1:] == [
        str(scenario.employees["E1"]),
        "HR-E1",
        "Anna de Vries",
        "Collecties",
        "false",
        "1",
        "1",
        "5",
        "2",
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("since=2026-03-05T00:00:00Z&until=2026-03-01T00:00:00Z", "until"),
        ("since=2026-03-05T00:00:00", "since"),
        ("limit=101", "limit"),
        ("limit=0", "limit"),
    ],
)
def test_leaderboard_rejects_bad_parameters(
    client: TestClient, admin: dict[str, str], query: str, field: str
) -> None:
    response = client.get(f"/v1/employees/leaderboard?{query}", headers=admin)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_other_organisation_sees_nothing(
    client: TestClient, make_key: KeyMaker, scenario: Scenario
) -> None:
    archive = bearer(make_key(org="Stadsarchief"))
    for path in (
        f"/v1/campaigns/{scenario.c1}/funnel",
        f"/v1/vacancies/{scenario.vacancy_id}/funnel",
        f"/v1/campaigns/{scenario.c1}/funnel?format=csv",
        f"/v1/campaigns/{uuid.uuid4()}/funnel",
    ):
        response = client.get(path, headers=archive)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
    board = client.get("/v1/employees/leaderboard", headers=archive).json()
    assert board["data"] == []
    assert client.get("/v1/campaigns/not-a-uuid/funnel", headers=archive).status_code == 422


def test_scopes(client: TestClient, make_key: KeyMaker, scenario: Scenario) -> None:
    paths = (
        f"/v1/campaigns/{scenario.c1}/funnel",
        f"/v1/vacancies/{scenario.vacancy_id}/funnel",
        "/v1/employees/leaderboard",
    )
    vacancies_only = bearer(make_key(scopes="vacancies:read candidates:read"))
    reader = bearer(make_key(scopes="distribution:read"))
    for path in paths:
        assert client.get(path).status_code == 401
        denied = client.get(path, headers=vacancies_only)
        assert denied.status_code == 403
        assert denied.headers["content-type"] == "application/problem+json"
        assert client.get(path, headers=reader).status_code == 200


def test_openapi_documents_definitions_and_csv(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    funnel = paths["/v1/campaigns/{campaign_id}/funnel"]["get"]
    assert "text/csv" in funnel["responses"]["200"]["content"]
    assert "`links_shared`: those with at least" in funnel["description"]
    board = paths["/v1/employees/leaderboard"]["get"]
    assert "share a `rank`" in board["description"]
