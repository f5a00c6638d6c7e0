"""The operations of the OpenAPI document, what they take, and a minimal body for each."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from api.app import create_app
from distribution.links.codes import CODE_PATTERN
from runtime.settings import Settings

_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


@cache
def document() -> dict[str, Any]:
    # The document only: the app is built without touching a database or broker.
    offline = Settings(database_url="postgresql+psycopg://-@localhost/-", broker_url="redis://-")
    spec: dict[str, Any] = create_app(offline).openapi()
    return spec


@dataclass(frozen=True)
class Operation:
    method: str
    path: str

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def spec(self) -> dict[str, Any]:
        op: dict[str, Any] = document()["paths"][self.path][self.method.lower()]
        return op

    @property
    def path_params(self) -> list[str]:
        return _PARAM.findall(self.path)

    @property
    def authenticated(self) -> bool:
        return bool(self.spec.get("security"))

    @property
    def creates(self) -> bool:
        """A POST to a collection under a parent (it answers 201 with a new resource)."""
        last = self.path.rsplit("/", 1)[-1]
        return self.method == "POST" and "{" not in last and "201" in self.spec["responses"]

    def url(self, values: dict[str, str]) -> str:
        return _PARAM.sub(lambda m: values[m.group(1)], self.path)


def operations() -> list[Operation]:
    return [
        Operation(method.upper(), path)
        for path, methods in document()["paths"].items()
        for method in methods
    ]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document()["components"]["schemas"][name]
    return schema


def minimal(schema: dict[str, Any]) -> Any:
    """The schema's first example, or the smallest value with only the required fields."""
    schema = _resolve(schema)
    for key in ("examples", "example", "default", "const", "enum"):
        if key in schema:
            value = schema[key]
            return value[0] if key in ("examples", "enum") else value
    for key in ("oneOf", "anyOf"):
        if key in schema:
            options = [o for o in schema[key] if _resolve(o).get("type") != "null"]
            return minimal(options[0]) if options else None
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: minimal(properties[name]) for name in schema.get("required", [])}
    if kind == "array":
        return [minimal(schema["items"]) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        formats = {
            "uuid": str(uuid.uuid4()),
            "email": "iemand@example.org",
            "date-time": datetime.now(UTC).isoformat(),
            "uri": "https://example.org/",
        }
        return formats.get(schema.get("format", ""), "x" * max(1, schema.get("minLength", 1)))
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return True
    return None


def json_body(op: Operation) -> Any:
    """A minimal JSON body, or None when the operation takes none; raises LookupError when it
    takes another kind of body."""
    body = op.spec.get("requestBody")
    if body is None:
        return None
    content = body["content"]
    if "application/json" not in content:
        raise LookupError(f"{op.label} takes {', '.join(content)}, not JSON")
    return minimal(content["application/json"]["schema"])


def _references(schema: dict[str, Any], path: str, seen: frozenset[str]) -> Iterator[str]:
    ref = schema.get("$ref")
    if ref is not None:
        if ref in seen:
            return
        yield from _references(_resolve(schema), path, seen | {ref})
        return
    if schema.get("format") == "uuid" or schema.get("pattern") == CODE_PATTERN:
        yield path
    for key in ("oneOf", "anyOf", "allOf"):
        for option in schema.get(key, []):
            yield from _references(option, path, seen)
    if "items" in schema:
        yield from _references(schema["items"], path, seen)
    for name, prop in schema.get("properties", {}).items():
        yield from _references(prop, f"{path}.{name}" if path else name, seen)


def references(op: Operation) -> set[str]:
    """Query parameters and body fields that name a record by id or a tracked link by code:
    `query:vacancy_id`, `body:audience.employee_ids`, ..."""
    found = {
        f"query:{p['name']}"
        for p in op.spec.get("parameters", [])
        if p["in"] == "query" and any(True for _ in _references(p["schema"], "", frozenset()))
    }
    for content in op.spec.get("requestBody", {}).get("content", {}).values():
        found |= {f"body:{f}" for f in _references(content["schema"], "", frozenset())}
    return found
