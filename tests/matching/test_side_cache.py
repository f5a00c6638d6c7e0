"""The per-process cache of loaded sides: an entry is used only while its row's stamp
(updated_at, indexed_at, indexed_model) is unchanged, so an edit or a re-index is seen at
once; entries expire, and the least recently used leave first."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from matching.indexing.bulk import index_records
from matching.scoring.profiles import SIDES, load_candidates
from matching.scoring.side_cache import SideCache
from runtime.settings import DEFAULT_EMBEDDING_MODEL
from tests.matching.test_reindex import indexed_librarian


def _key(n: int) -> tuple[str, uuid.UUID, str]:
    return ("candidates", uuid.UUID(int=n), "model")


def test_an_entry_serves_only_its_own_stamp() -> None:
    cache = SideCache[str](size=10)
    cache.put_many([(_key(1), "v1", "side one")])
    assert cache.get_many([(_key(1), "v1")]) == {_key(1): "side one"}
    # Another stamp (the row was edited or re-indexed) drops the entry for good.
    assert cache.get_many([(_key(1), "v2")]) == {}
    assert cache.get_many([(_key(1), "v1")]) == {}


def test_a_weighed_cache_holds_up_to_its_size_in_weight() -> None:
    cache = SideCache[list[int]](size=10, weigh=len)
    cache.put_many([(_key(1), 0, [1] * 4), (_key(2), 0, [2] * 4)])
    assert cache.weight == 8
    cache.put_many([(_key(1), 0, [1] * 2)])  # replaced: its old weight goes
    assert cache.weight == 6
    cache.put_many([(_key(3), 0, [3] * 5)])  # 11 > 10: the least recently used leaves
    assert set(cache.get_many([(_key(n), 0) for n in (1, 2, 3)])) == {_key(1), _key(3)}
    assert cache.weight == 7
    assert cache.get_many([(_key(1), 1)]) == {}  # a stale entry leaves with its weight
    assert cache.weight == 5
    cache.resize(4)
    assert cache.weight == 0
    assert len(cache) == 0


def test_room_counts_expired_entries_as_free() -> None:
    now = [0.0]
    cache = SideCache[int](size=5, max_age=60, clock=lambda: now[0])
    cache.put_many([(_key(1), 0, 1), (_key(2), 0, 2)])
    assert cache.room() == 3
    now[0] = 30.0
    cache.put_many([(_key(3), 0, 3)])
    now[0] = 61.0  # the first two have expired, the third has not
    assert cache.room() == 4
    assert len(cache) == 1


def test_entries_expire_and_the_least_recently_used_leave_first() -> None:
    now = [0.0]
    cache = SideCache[int](size=2, max_age=60, clock=lambda: now[0])
    cache.put_many([(_key(1), 0, 1), (_key(2), 0, 2)])
    assert cache.get_many([(_key(1), 0)]) == {_key(1): 1}  # 1 is now the most recent
    cache.put_many([(_key(3), 0, 3)])
    assert cache.get_many([(_key(n), 0) for n in (1, 2, 3)]) == {_key(1): 1, _key(3): 3}
    now[0] = 60.0
    assert cache.get_many([(_key(1), 0), (_key(3), 0)]) == {}
    assert len(cache) == 0


def test_size_zero_keeps_nothing() -> None:
    cache = SideCache[int](size=0)
    cache.put_many([(_key(1), 0, 1)])
    assert cache.get_many([(_key(1), 0)]) == {}
    cache = SideCache[int](size=3)
    cache.put_many([(_key(n), 0, n) for n in range(3)])
    cache.resize(1)
    assert len(cache) == 1


def test_a_loaded_side_is_reused_until_its_profile_changes(db: Session) -> None:
    candidate = indexed_librarian(db, "Side cache")
    [first] = load_candidates(db, [candidate], DEFAULT_EMBEDDING_MODEL)
    [again] = load_candidates(db, [candidate], DEFAULT_EMBEDDING_MODEL)
    assert again is first
    assert [s.text for s in first.skills][:1] == ["catalogiseren"]

    # An edit not yet written is read from the row, not from the cache.
    candidate.skills = ["Python", "catalogiseren"]
    [pending] = load_candidates(db, [candidate], DEFAULT_EMBEDDING_MODEL)
    assert [s.text for s in pending.skills][:2] == ["Python", "catalogiseren"]

    # Written and re-indexed: a new stamp, a new side with the new skill's vector.
    db.flush()
    assert index_records(db, "candidate", [candidate.id], DEFAULT_EMBEDDING_MODEL) == 1
    [edited] = load_candidates(db, [candidate], DEFAULT_EMBEDDING_MODEL)
    assert edited is not first
    assert edited.skills[0].text == "Python"
    assert edited.skills[0].vector is not None

    # A re-index alone (the same text, a new indexed_at) also loads the side again.
    assert index_records(db, "candidate", [candidate.id], DEFAULT_EMBEDDING_MODEL) == 1
    [reindexed] = load_candidates(db, [candidate], DEFAULT_EMBEDDING_MODEL)
    assert reindexed is not edited
    assert SIDES.get_many([(("candidates", candidate.id, "other model"), None)]) == {}
