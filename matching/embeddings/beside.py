"""Read-only statements run on a second connection while the request's own connection works.

A vacancy's dense channel is three HNSW searches of 3-6 ms each, run one after another by
one database process while the machine's other core waits. Splitting them over two
connections took the dense channel from 15.1 to 11.2 ms at p50 on its own, and within whole
match requests (interleaved with unsplit ones, 100,000 profiles) from 21.8 to 18.4 ms at
p95, the requests' p95 from 44.7 to 40.4 ms (docs/benchmarks.md, 2026-12-05, night).

A second connection sees committed rows only, so the work may go beside the session only
when nothing the session's transaction wrote could change the answer: the caller checks that
its transaction has written nothing and reads at READ COMMITTED (where every statement takes
a fresh snapshot anyway). Sessions bound to a single connection (the tests' transactions)
never go beside, and neither does any request when the pool has no connection to spare:
waiting for one would cost more than it saves and, under load, could hold every connection.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

T = TypeVar("T")

# At most this many statements beside requests at once, process-wide: with 2 cores a third
# would only queue for a core, and each holds a pooled connection.
SLOTS = 2
_WORKERS = ThreadPoolExecutor(max_workers=SLOTS, thread_name_prefix="beside")
_FREE = threading.BoundedSemaphore(SLOTS)

# One round trip: whether the session's transaction has written nothing yet (no transaction
# id assigned) and reads at READ COMMITTED.
READS_COMMITTED_ONLY = (
    "pg_current_xact_id_if_assigned() IS NULL"
    " AND current_setting('transaction_isolation') = 'read committed'"
)


def spare_engine(session: Session) -> Engine | None:
    """The session's engine, if it is bound to one whose pool has a connection to spare now
    (an idle one, or room below its base size): taking it never waits."""
    bind = session.get_bind()
    if not isinstance(bind, Engine):
        return None
    pool = bind.pool
    if not isinstance(pool, QueuePool) or pool.checkedout() >= pool.size():
        return None
    return bind


def run_beside(engine: Engine, work: Callable[[Connection], T]) -> Future[T] | None:
    """Run ``work`` on another connection of ``engine`` in a worker thread, inside a
    transaction that is rolled back afterwards; None when every slot is taken."""
    if not _FREE.acquire(blocking=False):
        return None

    def task() -> T:
        try:
            with engine.connect() as connection:
                try:
                    return work(connection)
                finally:
                    connection.rollback()
        finally:
            _FREE.release()

    try:
        return _WORKERS.submit(task)
    except BaseException:
        _FREE.release()
        raise
