"""Engine and session factory. Sessions are committed only at the boundary (request, task, CLI)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker


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
def pinned_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that keeps one connection across its commits (a factory's sessions give
    theirs back to the pool, which pings it on the next checkout): for a loop that commits
    after every small write. Under a factory bound to a connection (the tests'), a plain
    session of it."""
    bind = factory.kw.get("bind")
    if not isinstance(bind, Engine):
        with factory() as session:
            yield session
        return
    with bind.connect() as connection, Session(bind=connection) as session:
        yield session


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
