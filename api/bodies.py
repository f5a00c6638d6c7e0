"""Request bodies that come in more than one format (``?format=``): read as JSON, then
validated by the chosen format, with errors reported like any other validation error."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from runtime import strict_json

M = TypeVar("M", bound=BaseModel)

IGNORED_HEADER = "Ignored-Properties"
IGNORED_HEADER_DOC = {
    IGNORED_HEADER: {
        "description": "Properties of the document that the product does not store.",
        "schema": {"type": "string"},
    }
}


@dataclass(frozen=True)
class Converted(Generic[M]):
    """A payload in the product's shape, and the source properties it does not store."""

    payload: M
    ignored: list[str]

    def headers(self) -> dict[str, str]:
        # A header line has its limits; the first properties tell the story.
        return {IGNORED_HEADER: ", ".join(self.ignored[:50])} if self.ignored else {}


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


async def json_body(request: Request) -> Any:
    # As FastAPI reads the bodies of the other routes: JSON only when it says it is JSON.
    if not _is_json(request.headers.get("content-type", "")):
        raise RequestValidationError(
            [
                {
                    "type": "model_attributes_type",
                    "loc": ("body",),
                    "msg": "the body must be JSON, sent as Content-Type: application/json",
                }
            ]
        )
    raw = await request.body()
    try:
        return strict_json.loads(raw)
    except strict_json.JsonError as exc:
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body",), "msg": f"JSON decode error: {exc}"}]
        ) from exc


def validate(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        raise RequestValidationError(errors) from exc


async def converted(
    request: Request,
    model: type[M],
    format_: str,
    converters: dict[str, Callable[[Any], tuple[M, list[str]]]],
) -> Converted[M]:
    data = await json_body(request)
    if format_ in converters:
        payload, ignored = converters[format_](data)
        return Converted(payload, ignored)
    return Converted(validate(model, data), [])


def body_schema(
    model: type[BaseModel], *alternatives: dict[str, Any], ld_json: bool = False
) -> dict[str, Any]:
    """``openapi_extra`` declaring the JSON body: the model, or a document of another
    format (``alternatives``, JSON schemas) when ``?format=`` names it."""
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    schema = {"oneOf": [ref, *alternatives]} if alternatives else ref
    content: dict[str, Any] = {"application/json": {"schema": schema}}
    if ld_json:
        content["application/ld+json"] = {"schema": schema}
    return {"requestBody": {"required": True, "content": content}}
