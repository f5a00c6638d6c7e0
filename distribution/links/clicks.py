"""Clicks buffered in the process and written in batches.

A redirect adds its click here and answers at once; :meth:`ClickBuffer.flush` writes what
has gathered in one statement (``repository.add_clicks``), one row per link, visitor and
day with the hits summed, and commits it (waiting for the disk, so a committed flush
survives a database crash). The API flushes every ``click_flush_seconds`` and once more
when it shuts down (``api/click_flusher.py``).

Exactly once: a hit is either in the buffer or in a committed flush, never both. A flush
that fails puts its rows back and a later flush writes them. What a crash of the API
process loses is what the buffer held: the clicks since the last flush (at most one
interval). Should the database stay away so long that the buffer holds ``max_rows`` rows,
clicks of new rows are dropped, counted and logged, rather than memory growing without
bound; hits on rows already held are still added.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeAlias
from uuid import UUID

from sqlalchemy.orm import Session, sessionmaker

from distribution.links import repository
from models.db import transaction

logger = logging.getLogger(__name__)

ClickKey: TypeAlias = tuple[UUID, str, date]


@dataclass
class PendingClick:
    bot: bool
    hits: int
    first_at: datetime
    last_at: datetime


class ClickBuffer:
    """Hits per (link id, visitor, day) not yet written. ``add`` may be called from the
    event loop and worker threads at once; flushes run one at a time."""

    def __init__(self, *, flush_seconds: float = 1.0, max_rows: int = 200_000) -> None:
        # 0: the caller flushes after every click (tests, and anyone who wants no window).
        self.flush_seconds = flush_seconds
        self.max_rows = max_rows
        self.dropped_hits = 0
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._rows: dict[ClickKey, PendingClick] = {}

    def add(self, link_id: UUID, visitor: str, day: date, *, bot: bool, at: datetime) -> None:
        key = (link_id, visitor, day)
        with self._lock:
            row = self._rows.get(key)
            if row is not None:
                row.hits += 1
                row.last_at = max(row.last_at, at)
            elif len(self._rows) < self.max_rows:
                self._rows[key] = PendingClick(bot=bot, hits=1, first_at=at, last_at=at)
            else:
                self.dropped_hits += 1

    def pending_hits(self) -> int:
        with self._lock:
            return sum(row.hits for row in self._rows.values())

    def flush(self, factory: sessionmaker[Session]) -> int:
        """Write the buffered clicks in one transaction; the number of hits written. On an
        error the rows go back into the buffer (merged with clicks added meanwhile) and the
        error is raised."""
        with self._flush_lock:
            with self._lock:
                rows, self._rows = self._rows, {}
                dropped, self.dropped_hits = self.dropped_hits, 0
            if dropped:
                logger.error("click buffer full: %d clicks were dropped, not counted", dropped)
            if not rows:
                return 0
            try:
                with transaction(factory) as session:
                    repository.add_clicks(session, rows)
            except BaseException:
                self._put_back(rows)
                raise
            return sum(row.hits for row in rows.values())

    def _put_back(self, rows: dict[ClickKey, PendingClick]) -> None:
        # Rows already held are kept whatever the bound: they were counted once.
        with self._lock:
            for key, old in rows.items():
                new = self._rows.get(key)
                if new is None:
                    self._rows[key] = old
                else:
                    new.hits += old.hits
                    new.first_at = min(new.first_at, old.first_at)
                    new.last_at = max(new.last_at, old.last_at)
