"""Engine and session factory. Sessions are committed only at the boundary (request, task, CLI)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, Executable, create_engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

Params = Mapping[str, Any]


def make_engine(url: str, *, pool_size: int = 10, statement_timeout_ms: int = 0) -> Engine:
    # pre_ping replaces connections the database dropped (for example after a restart).
    # hide_parameters keeps bound values (names, emails) out of error messages and logs.
    options = f"-c statement_timeout={statement_timeout_ms}" if statement_timeout_ms else None
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=pool_size,
        hide_parameters=True,
        connect_args={"options": options} if options else {},
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def autocommit(factory: sessionmaker[Session]) -> Iterator[Callable[[Executable, Params], None]]:
    """A function that runs one statement and commits it, on one connection kept across
    calls: for a loop that commits after every small write. The connection is in autocommit
    mode, so each statement is one round trip with no ``BEGIN`` or ``COMMIT`` around it (a
    factory's sessions would also give their connection back to the pool, which pings it
    on the next checkout). Under a factory bound to a connection (the tests'), a session
    of it that commits after each statement."""
    bind = factory.kw.get("bind")
    if not isinstance(bind, Engine):
        with factory() as session:

            def execute_and_commit(statement: Executable, params: Params) -> None:
                session.execute(statement, params)
                session.commit()

            yield execute_and_commit
        return
    with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:

        def execute(statement: Executable, params: Params) -> None:
            connection.execute(statement, params)

        yield execute


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """The unit of work of one request, task or command: commit on success, roll back on
    any error, so nothing is left half-written."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def unique_write(
    session: Session, record: object, find_conflict: Callable[[], None]
) -> Iterator[None]:
    """Write ``record`` (the changes made in the ``with`` block) in a savepoint, flush it and
    read it back as stored.

    Services check unique values before writing, but a concurrent writer can slip in
    between the check and the insert. The unique constraint then fails the savepoint, and
    ``find_conflict`` (a closure over the values checked before the write) raises the same
    conflict a sequential duplicate gets; autoflush stays off meanwhile, or the failed write
    would be retried outside the savepoint. The changes must be made inside the block:
    opening a savepoint flushes whatever is pending, and that flush is not protected by it.
    """
    try:
        with session.begin_nested():
            yield
            session.flush()
    except IntegrityError:
        with session.no_autoflush:
            find_conflict()
        raise
    session.refresh(record)


def binary_rows(session: Session, statement: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Rows of a read in PostgreSQL's binary format, on the session's own connection (so
    inside its transaction). ``statement`` uses psycopg's ``%s`` placeholders.

    For reads whose cost is the result itself: a ``bytea`` or ``vector`` column travels
    as raw bytes instead of hex text, and uuids as 16 bytes. A pool of 200 profiles' 2,400
    section vectors arrives in 25 ms instead of 40 (docs/benchmarks.md, 2026-12-04).
    Columns of types psycopg does not know (``vector``) come back as their ``*_send`` bytes."""
    connection = session.connection().connection.driver_connection
    assert connection is not None
    with connection.cursor(binary=True) as cursor:
        cursor.execute(statement, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


def owner_rows(
    session: Session, statement: str, owner_ids: Sequence[uuid.UUID], *params: Any
) -> list[tuple[uuid.UUID, tuple[Any, ...]]]:
    """Rows about a pool of owners, each with its owner, by ``binary_rows``. ``statement``
    reads ``FROM unnest(%s::uuid[]) WITH ORDINALITY AS pool(id, place)`` (the ids are its
    first parameter, ``params`` follow) and selects ``pool.place`` first: an int is free to
    read and to group by, where a uuid per row cost a Python object, its hash and its
    comparisons (a third of loading a 200-profile pool). An owner named twice counts once."""
    ids = list(dict.fromkeys(owner_ids))
    rows = binary_rows(session, statement, (ids, *params))
    return [(ids[row[0] - 1], row[1:]) for row in rows]
