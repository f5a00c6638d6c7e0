"""The OpenAPI document: what FastAPI generates, plus the parts it cannot see (request body
models of routes that read several formats, and the responses every /v1 route can give)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

REF = "#/components/schemas/"


def _add_models(spec: dict[str, Any], models: list[type[BaseModel]]) -> None:
    schemas: dict[str, Any] = spec["components"]["schemas"]
    for model in models:
        schema = model.model_json_schema(ref_template=REF + "{model}", mode="validation")
        definitions = schema.pop("$defs", {})
        text = json.dumps({model.__name__: schema, **definitions})
        # FastAPI names a model used both ways "Name-Input"; point at that one.
        for name in definitions:
            if name not in schemas and f"{name}-Input" in schemas:
                text = text.replace(f'"{REF}{name}"', f'"{REF}{name}-Input"')
        for name, body in json.loads(text).items():
            if name not in definitions or name in schemas:
                schemas.setdefault(name, body)
            elif f"{name}-Input" not in schemas:
                schemas[name] = body


def install_openapi(
    app: FastAPI,
    *,
    extra_models: list[type[BaseModel]],
    finish: Callable[[dict[str, Any]], None] | None = None,
) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                description=app.description,
                license_info=app.license_info,
                tags=app.openapi_tags,
                routes=app.routes,
            )
            _add_models(spec, extra_models)
            if finish is not None:
                finish(spec)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


_INT = {"schema": {"type": "integer"}}
RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": {"description": "Requests allowed per window for this key.", **_INT},
    "RateLimit-Remaining": {"description": "Requests left right now.", **_INT},
    "RateLimit-Reset": {"description": "Seconds until the full allowance is back.", **_INT},
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any string up to 255 characters. A repeat with the same key and body "
    "within 24 hours answers the stored response (with `Idempotent-Replayed: true`) and does "
    "nothing again; the same key with another body answers 422; while the first request "
    "still runs, 409.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}
_BODY_METHODS = {"post", "put", "patch"}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait.", **_INT}}


def _problem(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    from api.problems import problem_response

    response = problem_response(description)
    if headers:
        response["headers"] = headers
    return response


def finish_spec(spec: dict[str, Any]) -> None:
    """Declare what middleware adds to every route: rate limits on /v1, the idempotency
    key on POST, 413 for bodies too large, problem details for every 422, and the 503 of a
    database that is not available."""
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses: dict[str, Any] = operation["responses"]
            responses.setdefault(
                "503",
                _problem(
                    "The database is not available at the moment (a restart, a failover); "
                    "retry after `Retry-After` seconds, a POST with the same Idempotency-Key.",
                    _RETRY_AFTER,
                ),
            )
            if "422" in responses and "HTTPValidationError" in json.dumps(responses["422"]):
                responses["422"] = _problem("Validation failed; `errors` names each field.")
            if method in _BODY_METHODS and "requestBody" in operation:
                responses.setdefault("413", _problem("The request body is too large."))
                responses.setdefault(
                    "400",
                    _problem(
                        "The body cannot be read (bytes that are not UTF-8 text, "
                        "broken multipart data)."
                    ),
                )
            if not path.startswith("/v1/"):
                continue
            if method == "post":
                operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
                responses.setdefault(
                    "409", _problem("A request with this Idempotency-Key is still running.")
                )
                responses.setdefault(
                    "422", _problem("This Idempotency-Key was used with another request.")
                )
            for status, response in responses.items():
                if status.startswith("2"):
                    response.setdefault("headers", {}).update(RATE_LIMIT_HEADERS)
            responses["429"] = _problem(
                "Too many requests for this API key.", _RETRY_AFTER | RATE_LIMIT_HEADERS
            )
    schemas = spec["components"]["schemas"]
    text = json.dumps(spec["paths"])
    for unused in ("HTTPValidationError", "ValidationError"):
        if f"{REF}{unused}" not in text:
            schemas.pop(unused, None)
