"""Index many records: the `reindex` command after a model change, and the Celery tasks that
bulk writes enqueue after their transaction commits.

Each batch is its own transaction, so an interrupted run keeps what it finished and a
re-run picks up only what is still stale.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from matching.embeddings.encoder import load_encoder
from matching.embeddings.store import ensure_vector_index
from matching.embeddings.waypoints import ensure_waypoints
from matching.indexing.service import index_many
from models import Candidate, Vacancy
from models.db import make_engine, make_session_factory, transaction
from runtime.resources import resolve_database_url
from runtime.settings import Settings

BATCH = 64
KINDS: dict[str, type[Candidate] | type[Vacancy]] = {"candidate": Candidate, "vacancy": Vacancy}


def _stale(
    model: type[Candidate] | type[Vacancy], embedding_model: str, everything: bool
) -> Select[uuid.UUID]:
    if everything:
        return select(model.id)
    return select(model.id).where(
        or_(model.indexed_model.is_(None), model.indexed_model != embedding_model)
    )


def stale_counts(
    session: Session, embedding_model: str, *, everything: bool = False
) -> dict[str, int]:
    return {
        kind: session.execute(
            select(func.count()).select_from(_stale(model, embedding_model, everything).subquery())
        ).scalar_one()
        for kind, model in KINDS.items()
    }


def index_records(
    session: Session, kind: str, ids: Sequence[uuid.UUID], embedding_model: str
) -> int:
    model = KINDS[kind]
    records = list(session.scalars(select(model).where(model.id.in_(ids))).all())
    index_many(session, records, embedding_model)  # type: ignore[arg-type]
    return len(records)


def reindex_stale(
    settings: Settings, *, everything: bool = False, progress: Callable[[int], None] | None = None
) -> int:
    engine = make_engine(resolve_database_url(settings), pool_size=1)
    factory = make_session_factory(engine)
    done = 0
    try:
        encoder = load_encoder(settings.embedding_model)
        ensure_vector_index(engine, encoder.name, encoder.dimension)
        ensure_waypoints(engine, encoder)
        for kind, model in KINDS.items():
            with factory() as session:
                ids = list(session.execute(_stale(model, encoder.name, everything)).scalars())
            for start in range(0, len(ids), BATCH):
                with transaction(factory) as session:
                    done += index_records(session, kind, ids[start : start + BATCH], encoder.name)
                if progress is not None:
                    progress(len(ids[start : start + BATCH]))
    finally:
        engine.dispose()
    return done
