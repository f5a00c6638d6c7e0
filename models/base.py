"""Declarative base, naming convention and shared column helpers."""

from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# A fixed naming convention keeps constraint names stable, so migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


_uuid7_lock = threading.Lock()
_uuid7_last = 0


def uuid7() -> uuid.UUID:
    """A time-ordered UUID (RFC 9562 version 7), strictly increasing within this process.

    Ordering by id then follows creation order, which makes keyset pagination stable and
    keeps B-tree inserts local. Ids made in the same millisecond are ordered too: the
    random part then counts up from the previous id (RFC 9562, section 6.2, method 2).
    """
    global _uuid7_last
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    with _uuid7_lock:
        if value <= _uuid7_last:
            value = _next_after(_uuid7_last)
        _uuid7_last = value
    return uuid.UUID(int=value)


def _next_after(previous: int) -> int:
    """The next version-7 value after ``previous``: add one to the 74 random bits, skipping
    over the version and variant fields."""
    rand_a = (previous >> 64) & 0xFFF
    rand_b = previous & ((1 << 62) - 1)
    counter = ((rand_a << 62) | rand_b) + 1
    millis = previous >> 80
    if counter >> 74:  # the counter ran over: borrow the next millisecond
        millis, counter = millis + 1, 0
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= (counter >> 62) << 64
    value |= 0b10 << 62
    value |= counter & ((1 << 62) - 1)
    return value


def utcnow() -> datetime:
    return datetime.now(UTC)


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now(), onupdate=utcnow
    )
