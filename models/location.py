"""Location columns shared by vacancies and candidates (kept as columns so they can be filtered)."""

from __future__ import annotations

from sqlalchemy import Float, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column


class LocationMixin:
    location_street: Mapped[str | None] = mapped_column(String(300))
    location_postal_code: Mapped[str | None] = mapped_column(String(20))
    location_city: Mapped[str | None] = mapped_column(String(200))
    location_region: Mapped[str | None] = mapped_column(String(200))
    location_country: Mapped[str | None] = mapped_column(String(2))
    location_lat: Mapped[float | None] = mapped_column(Float)
    location_lon: Mapped[float | None] = mapped_column(Float)


# What a filtered match reads of each owner a city passes: its id and its stamp
# (matching/embeddings/scan.py). Carried in the city index so that the owners come from the
# index alone: at a million profiles the 14,406 in Berlin took 21 ms to fetch from as many
# table pages (migration 0016). The city itself too: the planner uses an index alone only
# where it holds every column a query names, and ``lower(location_city)`` names it.
FILTER_READS = ("location_city", "id", "updated_at", "indexed_at", "indexed_model")


def location_indexes(table: str) -> tuple[Index, Index]:
    """The indexes of the match filters by city (case-insensitive) and country, within an
    organisation: without them a filter read the whole table (migration 0010)."""
    return (
        Index(
            f"ix_{table}_organisation_id_city",
            "organisation_id",
            text("lower(location_city)"),
            postgresql_include=list(FILTER_READS),
        ),
        Index(None, "organisation_id", "location_country"),
    )
