"""Mapping between the nested API shapes (location, salary) and flat, filterable columns."""

from __future__ import annotations

from typing import Any

from models.location import LocationMixin

_LOCATION_FIELDS = ("street", "postal_code", "city", "region", "country", "lat", "lon")


def location_columns(location: dict[str, Any] | None) -> dict[str, Any]:
    location = location or {}
    return {f"location_{name}": location.get(name) for name in _LOCATION_FIELDS}


def location_out(record: LocationMixin) -> dict[str, Any] | None:
    values = {name: getattr(record, f"location_{name}") for name in _LOCATION_FIELDS}
    return values if any(v is not None for v in values.values()) else None


def plain(value: Any) -> Any:
    """Turn validated pydantic values (URLs, nested models) into what the columns store."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if value is not None and type(value).__name__ in {"HttpUrl", "Url", "AnyUrl"}:
        return str(value)
    return value
