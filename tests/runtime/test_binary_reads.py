"""Reads about a pool of owners in PostgreSQL's binary format (models.db.owner_rows)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from models import Organisation
from models.db import owner_rows

POOL_READ = (
    "SELECT pool.place, o.name FROM unnest(%s::uuid[]) WITH ORDINALITY AS pool(id, place)"
    " JOIN organisations o ON o.id = pool.id WHERE o.name LIKE %s ORDER BY pool.place"
)


def test_rows_come_back_with_their_owner_in_pool_order_once_each(db: Session) -> None:
    tag = uuid.uuid4().hex[:8]
    first, second = Organisation(name=f"A {tag}"), Organisation(name=f"B {tag}")
    db.add_all([first, second])
    db.flush()
    try:
        missing = uuid.uuid4()
        rows = owner_rows(db, POOL_READ, [second.id, missing, first.id, second.id], f"% {tag}")
        assert rows == [(second.id, (f"B {tag}",)), (first.id, (f"A {tag}",))]
        assert owner_rows(db, POOL_READ, [], f"% {tag}") == []
    finally:
        db.rollback()
