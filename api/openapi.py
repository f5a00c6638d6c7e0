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
