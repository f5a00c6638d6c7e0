"""Vacancies posted by an organisation."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal, get_args

from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin, TimestampMixin
from models.location import LocationMixin, location_indexes
from models.matching import IndexedMixin

# The types the API validates and the values the table's CHECK constraints allow, in one place.
VacancyStatus = Literal["draft", "open", "closed"]
EmploymentType = Literal[
    "full_time",
    "part_time",
    "contract",
    "temporary",
    "internship",
    "volunteer",
    "per_diem",
    "other",
]
SalaryPeriod = Literal["hour", "day", "week", "month", "year"]
VACANCY_STATUSES: tuple[str, ...] = get_args(VacancyStatus)
EMPLOYMENT_TYPES: tuple[str, ...] = get_args(EmploymentType)
SALARY_PERIODS: tuple[str, ...] = get_args(SalaryPeriod)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Vacancy(IdMixin, TimestampMixin, LocationMixin, IndexedMixin, Base):
    __tablename__ = "vacancies"
    __table_args__ = (
        *location_indexes("vacancies"),
        UniqueConstraint("organisation_id", "external_id"),
        Index(None, "organisation_id", "updated_at"),
        Index(None, "search_document", postgresql_using="gin"),
        CheckConstraint(_in("status", VACANCY_STATUSES), name="status"),
        CheckConstraint(
            "employment_type IS NULL OR " + _in("employment_type", EMPLOYMENT_TYPES),
            name="employment_type",
        ),
        CheckConstraint(
            "salary_period IS NULL OR " + _in("salary_period", SALARY_PERIODS),
            name="salary_period",
        ),
        CheckConstraint(
            "salary_min IS NULL OR salary_max IS NULL OR salary_min <= salary_max",
            name="salary_range",
        ),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    external_id: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(2))
    required_skills: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    nice_to_have_skills: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    required_languages: Mapped[list[str]] = mapped_column(ARRAY(String(2)), default=list)
    remote: Mapped[bool] = mapped_column(Boolean, default=False)
    # For remote work: the countries applicants must be in (ISO 3166-1 alpha-2).
    remote_countries: Mapped[list[str]] = mapped_column(ARRAY(String(2)), default=list)
    employment_type: Mapped[str | None] = mapped_column(String(20))
    hours_per_week: Mapped[float | None] = mapped_column(Float)
    salary_min: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    salary_max: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    salary_currency: Mapped[str | None] = mapped_column(String(3))
    salary_period: Mapped[str | None] = mapped_column(String(10))
    apply_url: Mapped[str | None] = mapped_column(Text)
    valid_through: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the vacancy was first published (schema.org datePosted); the creation time if unset.
    posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(10), default="open")

    def is_public(self, now: datetime) -> bool:
        """Open and not past its closing date: shown on its page, taking applications."""
        return self.status == "open" and (self.valid_through is None or self.valid_through > now)
