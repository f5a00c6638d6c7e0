"""A per-process cache of loaded sides (sections, vectors, concepts, declared skills).

Building the sides of a pool of 200 profiles from their section and mention rows is a third
of a match request (docs/benchmarks.md); the next page of the same list, a recruiter's
second look or another vacancy in the same field ask for the same profiles again.

An entry is used only while its stamp (the row's ``updated_at``, ``indexed_at`` and
``indexed_model``, read with the row in the same request) is unchanged: an edit changes
``updated_at`` and a re-index changes ``indexed_at``, so no process ever scores a stale
side, whichever process made the change. Entries also expire after ``max_age`` seconds, so
the texts of an erased profile leave the memory of every process within that time even if
its entry is never asked for again; the least recently used go first once ``size`` are held.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Generic, TypeVar

T = TypeVar("T")

DEFAULT_SIZE = 10_000
MAX_AGE_SECONDS = 600.0

# (owner kind, owner id, model); the id as a uuid, or as its text where the owners come as
# text from the database (matching/retrieval/scanned.py).
Key = tuple[str, uuid.UUID | str, str]


class SideCache(Generic[T]):
    """Key -> value, valid while the caller's stamp equals the stored one. ``size`` 0 keeps
    nothing. Safe to share between worker threads.

    ``size`` counts entries, or with ``weigh`` the sum of its values' weights (a value
    holding a thousand owners' vectors weighs a thousand)."""

    def __init__(
        self,
        size: int = DEFAULT_SIZE,
        max_age: float = MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        weigh: Callable[[T], int] | None = None,
    ) -> None:
        self.size = size
        self.max_age = max_age
        self._clock = clock
        self._weigh = weigh
        self._weight = 0
        self._lock = threading.Lock()
        self._entries: OrderedDict[Key, tuple[Hashable, float, T]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def weight(self) -> int:
        """What the entries held weigh (their number, without ``weigh``)."""
        return self._weight

    def _weight_of(self, value: T) -> int:
        return 1 if self._weigh is None else self._weigh(value)

    def _drop(self, key: Key) -> None:
        self._weight -= self._weight_of(self._entries.pop(key)[2])

    def _shrink(self, size: int) -> None:
        while self._entries and self._weight > max(size, 0):
            self._drop(next(iter(self._entries)))

    def room(self) -> int:
        """The weight that could be added without evicting a fresh entry (expired entries
        are dropped first: a full pass over them, for callers about to do far more)."""
        with self._lock:
            now = self._clock()
            for key in [key for key, entry in self._entries.items() if entry[1] <= now]:
                self._drop(key)
            return max(self.size - self._weight, 0)

    def get_many(self, wanted: Iterable[tuple[Key, Hashable]]) -> dict[Key, T]:
        """The fresh entries among ``(key, stamp)``; a stale or expired one is dropped."""
        found: dict[Key, T] = {}
        if self.size <= 0:
            return found
        now = self._clock()
        with self._lock:
            for key, stamp in wanted:
                entry = self._entries.get(key)
                if entry is None:
                    continue
                if entry[0] != stamp or entry[1] <= now:
                    self._drop(key)
                    continue
                self._entries.move_to_end(key)
                found[key] = entry[2]
        return found

    def put_many(self, items: Iterable[tuple[Key, Hashable, T]]) -> None:
        if self.size <= 0:
            return
        expires = self._clock() + self.max_age
        with self._lock:
            for key, stamp, value in items:
                if key in self._entries:
                    self._drop(key)
                self._entries[key] = (stamp, expires, value)
                self._weight += self._weight_of(value)
            self._shrink(self.size)

    def resize(self, size: int) -> None:
        with self._lock:
            self.size = size
            self._shrink(size)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._weight = 0
