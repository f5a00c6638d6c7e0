"""A per-process cache of link lookups, so a followed link costs no database round trip.

Entries live at most ``ttl`` seconds: a vacancy closed or a link changed in the database
is seen within that time. A link that is followed is read again before its entry expires:
the first request past the entry's refresh time (drawn between half the TTL and nine
tenths of it) is answered from the entry and sets off a lookup in the background, whose
result replaces the entry. A busy link is therefore never looked up on a request's path; a
lookup on the path waits for a thread and a connection, which under load took long enough
to set the 99th percentile (docs/benchmarks.md). The draw spreads the reads of links first
read together (a campaign's links, a process just started). Expiry dates are checked
against the clock on every click, so an expired link stops at once. Unknown codes are
cached too (as ``None``), so a probe of random codes cannot make every request a query;
the least recently used entries go first once ``size`` entries are held.
"""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

T = TypeVar("T")


class Cached(NamedTuple, Generic[T]):
    """What :meth:`LinkCache.get` found: ``found`` False means the code must be looked up
    now; ``refresh`` True asks the caller to look it up in the background (once per entry)."""

    found: bool
    value: T | None
    refresh: bool = False


@dataclass(slots=True)
class _Entry(Generic[T]):
    value: T | None
    refresh_at: float
    expires_at: float
    refreshing: bool = False


class LinkCache(Generic[T]):
    """Code -> looked-up value (or ``None`` for an unknown code), each for ``ttl`` seconds.
    ``ttl`` 0 caches nothing. Safe to share between the event loop and worker threads."""

    def __init__(
        self, ttl: float, size: int = 50_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.size = size
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, _Entry[T]] = OrderedDict()

    def get(self, code: str) -> Cached[T]:
        if self.ttl <= 0:
            return Cached(False, None)
        with self._lock:
            entry = self._entries.get(code)
            if entry is None:
                return Cached(False, None)
            now = self._clock()
            if entry.expires_at <= now:
                del self._entries[code]
                return Cached(False, None)
            self._entries.move_to_end(code)
            refresh = not entry.refreshing and entry.refresh_at <= now
            entry.refreshing |= refresh
            return Cached(True, entry.value, refresh)

    def put(self, code: str, value: T | None) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            now = self._clock()
            refresh_at = now + self.ttl * (0.5 + 0.4 * random.random())
            self._entries[code] = _Entry(value, refresh_at, now + self.ttl)
            self._entries.move_to_end(code)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def refresh_failed(self, code: str) -> None:
        """A background lookup of ``code`` failed: a later request may set off another."""
        with self._lock:
            entry = self._entries.get(code)
            if entry is not None:
                entry.refreshing = False

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
