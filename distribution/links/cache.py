"""A per-process cache of link lookups, so a followed link costs no database round trip.

Entries live at most ``ttl`` seconds: a vacancy closed or a link changed in the database
is seen within that time. Each entry's life is drawn between half the TTL and the whole:
links first read together (a campaign's links, a process just started) would otherwise
expire together and be read again in one burst, queueing the redirects behind it.
Expiry dates are checked against the clock on every click, so an expired link stops at
once. Unknown codes are cached too (as ``None``), so a probe of random codes cannot make
every request a query; the least recently used entries go first once ``size`` entries are
held.
"""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


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
        self._entries: OrderedDict[str, tuple[float, T | None]] = OrderedDict()

    def get(self, code: str) -> tuple[bool, T | None]:
        """``(True, value)`` for a fresh entry, ``(False, None)`` when the code must be
        looked up."""
        if self.ttl <= 0:
            return False, None
        with self._lock:
            entry = self._entries.get(code)
            if entry is None:
                return False, None
            if entry[0] <= self._clock():
                del self._entries[code]
                return False, None
            self._entries.move_to_end(code)
            return True, entry[1]

    def put(self, code: str, value: T | None) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            life = self.ttl * (0.5 + 0.5 * random.random())
            self._entries[code] = (self._clock() + life, value)
            self._entries.move_to_end(code)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
