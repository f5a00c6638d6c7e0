"""Filtered matches' exact scans from section vectors kept in the process.

A match whose filters pass few enough owners scans all of them exactly (generation.py).
In the database, that reads every passing owner's sections again on every request, rows
scattered over the section table; a recruiter's next vacancy with the same filter, or the
next page, asks for the same owners. Here each owner's indexed section vectors are read
once (matching/embeddings/scan.py) and kept, and the scan is one matrix product.

The owners a filter passes are also kept stacked in one matrix (a block), while the filter
passes the same owners with the same stamps: stacking Berlin's 14,406 owners at a million
profiles (117 MB) cost more than the product itself, and looking each owner up 8 ms more.

An entry is used only while the owner row's stamp, read with the filter in the same
request, equals the one read with the vectors, so no process scans sections that an edit,
a re-index or an erasure has replaced (a block, while every stamp it was made with holds);
entries also expire and are evicted as the scoring sides' cache does
(matching/scoring/side_cache.py). With no room (``match_cache_scan_profiles`` 0), more
owners than it holds, or many owners to read that would push other filters' owners out
(READ_WITHOUT_ROOM), the scan runs in the database as before.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import numpy as np
from sqlalchemy.orm import Session

from matching.embeddings import scan, store
from matching.embeddings.encoder import Vectors
from matching.embeddings.store import Found
from matching.retrieval.repository import Filtered
from matching.scoring.side_cache import SideCache

# Owners whose vectors a process keeps: about 8 KiB each with a 384-dimensional model and
# five indexed sections; the owners of several filters.
DEFAULT_OWNERS = 20_000

# Each owner's id with its vectors: the id as a uuid is made once, not per scan.
VECTORS: SideCache[tuple[uuid.UUID, np.ndarray]] = SideCache(size=DEFAULT_OWNERS)
# The blocks, keyed by the filter's owner list as the database wrote it, stamped with their
# stamps as written; as many owners again as VECTORS holds (they are copies).
BLOCKS: SideCache[scan.Stacked] = SideCache(size=DEFAULT_OWNERS, weigh=lambda s: len(s.owners))


# A list with more owners than this to read is read only where they fit beside the vectors
# kept: evicting another filter's owners for it would have the two filters read each other
# out in turn, and reading Berlin's 14,406 owners at a million profiles costs more than the
# database's scan of them. Such a list is scanned in the database instead.
READ_WITHOUT_ROOM = store.SPLIT_SCAN_OWNERS


def resize(owners: int) -> None:
    """Keep up to ``owners`` owners' vectors, and as many again in blocks."""
    VECTORS.resize(owners)
    BLOCKS.resize(owners)


def most() -> int:
    """The most owners a scan is served from kept vectors for (0: none)."""
    return VECTORS.size


def keeps(owners: int) -> bool:
    """Whether a scan of this many owners is served from kept vectors."""
    return 0 < owners <= most()


def nearest_within(
    session: Session,
    organisation_id: uuid.UUID,
    owner_kind: str,
    model: str,
    queries: Sequence[Vectors],
    filtered: Filtered,
    *,
    limit: int,
) -> Found:
    """What ``store.nearest_owners_within`` returns for the owners of ``filtered``, from the
    kept vectors where their stamps still hold, the rest read (and kept) first."""
    if not queries or filtered.ids == "{}":
        return [[] for _ in queries]
    searched = (session, organisation_id, owner_kind, model)
    if filtered.stamps is None or not keeps(filtered.total):
        return store.nearest_owners_within(*searched, queries, filtered.ids, limit=limit)
    # The list's text is the key: the same owners in the same order (the filter's index
    # order), and stamps that still hold.
    block_key = (owner_kind, filtered.ids, model)
    kept = BLOCKS.get_many([(block_key, filtered.stamps)]).get(block_key)
    if kept is None:
        owners = _owner_vectors(*searched, filtered.ids, filtered.stamps)
        if owners is None:
            return store.nearest_owners_within(*searched, queries, filtered.ids, limit=limit)
        kept = scan.stack(owners)
        BLOCKS.put_many([(block_key, filtered.stamps, kept)])
    return scan.nearest(kept, queries, limit)


def _owner_vectors(
    session: Session,
    organisation_id: uuid.UUID,
    owner_kind: str,
    model: str,
    owner_ids: str,
    owner_stamps: str,
) -> list[tuple[uuid.UUID, np.ndarray]] | None:
    """The vectors of the owners of a filter's list, kept ones where their stamps still
    hold, the rest read (and kept) first; None where too many are to be read without room
    for them (READ_WITHOUT_ROOM)."""
    ids = owner_ids[1:-1].split(",")
    stamps = [int(stamp) for stamp in owner_stamps.split(",")]
    found = VECTORS.get_many(
        ((owner_kind, owner_id, model), stamp) for owner_id, stamp in zip(ids, stamps, strict=True)
    )
    missing = [owner_id for owner_id in ids if (owner_kind, owner_id, model) not in found]
    if len(missing) > READ_WITHOUT_ROOM and len(missing) > VECTORS.room():
        return None
    if missing:
        read = {
            (owner_kind, owner_id, model): (got.stamp, (uuid.UUID(owner_id), got.matrix))
            for owner_id, got in scan.read_vectors(
                session, organisation_id, owner_kind, model, missing
            ).items()
        }
        VECTORS.put_many((key, stamp, value) for key, (stamp, value) in read.items())
        found.update((key, value) for key, (_, value) in read.items())
    return list(found.values())
