"""GET /openapi.json: a valid OpenAPI 3.1 document in which every operation says what it
does, how it fails, and what a body looks like."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from openapi_spec_validator import validate

BODY_EXAMPLE_EXEMPT = {
    # Files and CSV text: the description shows the format.
    ("post", "/v1/candidates/parse"),
    ("post", "/v1/employees/import"),
    ("post", "/v1/imports"),
}


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, ops in spec["paths"].items() for m, op in ops.items()]


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref:
        resolved: dict[str, Any] = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
        return resolved
    return schema


def test_the_document_is_valid_openapi_3_1(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_every_operation_is_described_with_its_errors_and_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    problems = []
    for method, path, operation in _operations(spec):
        where = f"{method.upper()} {path}"
        if not operation.get("summary"):
            problems.append(f"{where}: no summary")
        if len(operation.get("description", "")) < 40:
            problems.append(f"{where}: no description worth the name")
        responses = operation["responses"]
        if not any(code.startswith("2") or code in ("301", "302") for code in responses):
            problems.append(f"{where}: no success response")
        if path.startswith("/v1/") and not {"401", "429"} <= responses.keys():
            problems.append(f"{where}: 401 or 429 not declared")
        for code in ("401", "422", "429"):
            if code in responses and "application/problem+json" not in responses[code]["content"]:
                problems.append(f"{where}: {code} is not a problem document")
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body and (method, path) not in BODY_EXAMPLE_EXEMPT:
            schema = _resolve(spec, body["schema"])
            alternatives = schema.get("oneOf") or schema.get("anyOf") or [schema]
            options = [_resolve(spec, s) for s in alternatives if s.get("type") != "null"]
            if not all(option.get("examples") for option in options):
                problems.append(f"{where}: no example body")
    assert problems == [], "\n".join(problems)
