"""Section vectors in pgvector.

The ``embedding`` column has no fixed dimension, so changing the model needs no migration.
Each (model, owner kind, section kind) gets its own partial HNSW index over a cast to the
model's dimension; queries repeat that exact expression and predicate so the planner can use
it, and a nearest-neighbour search is one index search per section kind.

One graph per section kind: in one graph over every section, a short query (a vacancy's
title) lies far from all of them, and the walk often ended among another kind of section (a
Dutch skills list for "Special educational needs teacher"). At 100,000 profiles recall@20
rose from 0.802 to 0.893 at the same request time (titles from 0.478 to 0.725). At a
million it did not rise (0.775 against 0.802, searching 400 deep), but the graphs built in
1,375 s against 3,370 s (docs/benchmarks.md, 2026-12-05, late evening).

The indexes leave out single-skill sections. Nearest-neighbour search never needs them (the
``skills`` section lists every skill of a profile; single skills are read for scoring
only), and they are near-duplicates by nature: at 100,000 generated profiles, 670,047
single-skill vectors held 288 distinct values. With them in the index, recall@20 stayed at
0.84 even with ``ef_search`` 400; without them it measured 0.954, and the index is about half
the size (docs/benchmarks.md, 2026-12-04).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple, TypeVar
from weakref import WeakKeyDictionary

import numpy as np
import psycopg
from pgvector.psycopg.vector import register_vector_info
from psycopg.types import TypeInfo
from sqlalchemy import Connection, Engine, delete, text
from sqlalchemy.orm import Session

from matching.embeddings import beside
from matching.embeddings.encoder import Vectors
from matching.embeddings.sections import (
    CANDIDATE_SECTIONS,
    VACANCY_SECTIONS,
    WAYPOINT_SECTIONS,
    Section,
)
from models import SectionEmbedding
from models.db import owner_rows

OWNER_KINDS = ("candidate", "vacancy")
# Per index search, one per section kind, for tables of up to EF_SEARCH_ROWS owners. At
# 100,000 profiles the final top 20 of a match agreed with an exact dense channel's in
# 0.945 of places at 100 and 0.948 at 40; with twice the rows per search, 0.955 at 100 and
# 0.958 at 400, but a match then took 44 and 52 ms median in process against 36.
EF_SEARCH = 100
# Larger tables search further, in proportion to their owners, up to EF_SEARCH_MAX: a
# graph's recall at one ``ef_search`` falls as it grows, while the time a match may take
# grows too. At a million profiles recall@20 measured 0.695 at 100, 0.802 at 400 and 0.852
# at 800, but at 800 a match took 104 ms median (46 at 100) and, with the profiles not
# cached, 168 ms at p95 (docs/benchmarks.md, 2026-12-05, late evening).
EF_SEARCH_ROWS = 100_000
EF_SEARCH_MAX = 400


def ef_search_for(table_rows: float) -> int:
    """The ``ef_search`` of index searches over the sections of a table of this many owners."""
    scaled = int(EF_SEARCH * max(table_rows, 0.0) / EF_SEARCH_ROWS)
    return min(EF_SEARCH_MAX, max(EF_SEARCH, scaled))


# The section kinds with a graph of their own, and so the only ones nearest-neighbour search
# returns.
INDEXED_SECTIONS: dict[str, tuple[str, ...]] = {
    "candidate": CANDIDATE_SECTIONS,
    "vacancy": VACANCY_SECTIONS,
}
# The index's vector type. ``halfvec`` halves the index (724 against 1,279 bytes per vector at
# 100,000 profiles) but measured slightly lower recall@20 (0.949 against 0.954 at
# ef_search 400; docs/benchmarks.md, 2026-12-04), so the index stays float32. Exact scans
# (``exact``, ``within``) always compare the stored float32 vectors.
INDEX_TYPE = "vector"
# How the graphs are built. With pgvector's defaults (m 16, ef_construction 64) a short query
# such as a job title often ended its walk far from its nearest sections, and a deeper
# search barely helped. Twice the links and a wider search while building raised recall@20
# of the vacancy sections at 100,000 profiles from 0.822 to 0.896 in builds made side by
# side (descriptions 0.872 to 0.997), for a build 3.4 times as long: 243 against 72 s
# (docs/benchmarks.md, 2026-12-05, before midnight). A change here renames the indexes, so
# that they are built again.
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 200
HNSW_BUILD = f"m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION}"
# How many index tuples a filtered search may visit (pgvector's default is 20,000). A
# filter passing 1.4 % of the owners needs about 28,000 visited sections for the 400 rows a
# query asks for; the limit bounds the cost of a filter that passes almost nobody.
FILTERED_MAX_SCAN_TUPLES = 100_000
_DEFAULT_MAX_SCAN_TUPLES = 20_000  # pgvector's own
# Without a filter, a search still walks past other organisations' rows and past the
# waypoints (waypoints.py) until it has its rows. Near a job title the nearest rows of the
# summary and experience graphs are waypoints, hundreds of them: up to pgvector's 20,000
# visited tuples, a title's searches took 28 against 13 ms at 100,000 profiles. So the walk
# goes as far as the organisation's share of the rows needs, twice over, and this many
# tuples more: with 1,000, recall@20 of the vacancy sections measured 0.959 (0.967 without
# a bound) and a title's searches 15-17 ms (docs/benchmarks.md, 2026-12-05, before midnight).
WAYPOINT_SCAN_TUPLES = 1_000


def scan_tuples_for(rows: int, share: float | None) -> int:
    """How many index tuples a search without a filter may visit to find ``rows`` rows of an
    organisation holding ``share`` of the table (None: unknown, and small)."""
    if share is None or share <= 0:
        return _DEFAULT_MAX_SCAN_TUPLES
    return int(min(_DEFAULT_MAX_SCAN_TUPLES, WAYPOINT_SCAN_TUPLES + 2 * rows / share))


# Sections each index search returns per owner asked for. A profile has sections of several
# kinds, so the searches of one query together return several times ``limit`` sections;
# twice as many rows per search cost 7 ms per match at 100,000 profiles for 0.01 of final
# top-20 recall (docs/benchmarks.md, 2026-12-05, late evening).
ROWS_PER_OWNER = 1
# From this many owners an exact scan is split over two connections. At 100,000 profiles a
# filtered match took 65 against 85 ms for 5,928 owners split, and 38 against 38 ms for 1,465
# (docs/benchmarks.md, 2026-12-05, late evening).
SPLIT_SCAN_OWNERS = 2_000
# The advisory lock that section writers hold shared, so that a reader can learn up to which
# id every section is committed (since.py).
SECTION_WRITES_LOCK = 0x5EC7_1015
_SAFE_MODEL = re.compile(r"^[\w./:@+-]{1,200}$")


class OwnerFilter(NamedTuple):
    """A condition on ``section_embeddings`` rows (an ``EXISTS`` over the owners' table, say)
    that an index search checks while walking the graph, and its parameters."""

    sql: str
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StoredSection:
    owner_id: uuid.UUID
    section: str
    position: int
    text: str
    vector: Vectors


def _literal(model: str) -> str:
    """The model name as an SQL literal. Partial-index predicates must be constants, and
    the name comes from settings, so it is checked against a strict pattern first."""
    if not _SAFE_MODEL.match(model):
        raise ValueError(f"unsupported characters in model name {model!r}")
    return "'" + model.replace("'", "''") + "'"


def _digest(model: str) -> str:
    return hashlib.sha1(model.encode(), usedforsecurity=False).hexdigest()[:10]


def _graph(model: str) -> str:
    """What an index's graph depends on: the model and the build settings."""
    return f"{model} m={HNSW_M} ef_construction={HNSW_EF_CONSTRUCTION}"


def index_name(model: str, owner_kind: str, section: str) -> str:
    return f"ix_section_embeddings_ann_{owner_kind}_{section}_{_digest(_graph(model))}"


def index_names(model: str, owner_kind: str) -> list[str]:
    """The indexes of one owner kind's sections, one per section kind."""
    return [index_name(model, owner_kind, section) for section in INDEXED_SECTIONS[owner_kind]]


def _former_index_names(model: str, owner_kind: str) -> list[str]:
    """Per section kind with pgvector's default build settings; before them, one index over
    every section, and before it, one that also held single skills."""
    return [
        *(
            f"ix_section_embeddings_ann_{owner_kind}_{section}_{_digest(model)}"
            for section in INDEXED_SECTIONS[owner_kind]
        ),
        f"ix_section_embeddings_ann_{owner_kind}_{_digest(model)}",
        f"ix_section_embeddings_hnsw_{owner_kind}_{_digest(model)}",
    ]


def ensure_vector_index(engine: Engine, model: str, dimension: int) -> None:
    """Create the HNSW indexes for ``model`` if missing, without blocking writers, then drop
    the former ones.

    A graph of a waypoint section is built with the waypoints only where they lie after
    every title section in the table, so that the build, which inserts rows in table order,
    adds them last; otherwise they are removed first and added again afterwards
    (waypoints.ensure_waypoints). Built among the sections, the occupation names linked
    mostly to each other, and title queries found 0.64 of their exact top 20 where the same
    names added after the build led to 0.92 (docs/benchmarks.md, 2026-12-05, night)."""
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        if _missing_indexes(
            connection, model, "candidate", WAYPOINT_SECTIONS
        ) and not _waypoints_last(connection, model):
            connection.execute(
                text(
                    "DELETE FROM section_embeddings WHERE organisation_id IS NULL "
                    "AND model = :model"
                ),
                {"model": model},
            )
        for kind in OWNER_KINDS:
            for section in INDEXED_SECTIONS[kind]:
                connection.execute(
                    text(
                        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS "
                        f"{index_name(model, kind, section)} ON section_embeddings USING hnsw "
                        f"((embedding::{INDEX_TYPE}({int(dimension)})) {INDEX_TYPE}_cosine_ops) "
                        f"WITH ({HNSW_BUILD}) WHERE {index_predicate(model, kind, section)}"
                    )
                )
            for former in _former_index_names(model, kind):
                connection.execute(text(f"DROP INDEX CONCURRENTLY IF EXISTS {former}"))


def _waypoints_last(connection: Connection, model: str) -> bool:
    """Whether the model's waypoints all lie after its title sections in the table (by ctid,
    the order a build reads). A scan of the table, run only when a graph is to be built."""
    return bool(
        connection.execute(
            text(
                "SELECT max(ctid) FILTER (WHERE organisation_id IS NOT NULL "
                "AND owner_kind = 'candidate' AND section = ANY(:sections)) "
                "< min(ctid) FILTER (WHERE organisation_id IS NULL) "
                "FROM section_embeddings WHERE model = :model"
            ),
            {"model": model, "sections": list(WAYPOINT_SECTIONS)},
        ).scalar()
    )


def _missing_indexes(
    connection: Connection, model: str, owner_kind: str, sections: Sequence[str]
) -> list[str]:
    names = [index_name(model, owner_kind, section) for section in sections]
    present = set(
        connection.execute(
            text("SELECT relname FROM pg_class WHERE relkind = 'i' AND relname = ANY(:names)"),
            {"names": names},
        ).scalars()
    )
    return [name for name in names if name not in present]


def index_predicate(model: str, owner_kind: str, section: str) -> str:
    """The partial index's predicate, which a search must repeat to use it."""
    if owner_kind not in OWNER_KINDS or section not in INDEXED_SECTIONS[owner_kind]:
        raise ValueError(f"no index for {owner_kind} sections {section!r}")
    return f"model = {_literal(model)} AND owner_kind = '{owner_kind}' AND section = '{section}'"


class OwnerSections(NamedTuple):
    """The sections of one owner and their vectors, in the same order. Only waypoints
    (waypoints.py) have no organisation."""

    organisation_id: uuid.UUID | None
    owner_kind: str
    owner_id: uuid.UUID
    sections: Sequence[Section]
    vectors: Vectors


def replace_sections(session: Session, model: str, owners: Sequence[OwnerSections]) -> None:
    """Replace every owner's sections: one delete and one insert for all of them."""
    if not owners:
        return
    session.execute(
        delete(SectionEmbedding).where(
            SectionEmbedding.owner_id.in_([owner.owner_id for owner in owners])
        )
    )
    insert_sections(session, model, owners)


def insert_sections(session: Session, model: str, owners: Sequence[OwnerSections]) -> None:
    """Add every owner's sections, in one statement."""
    rows = [
        (
            owner.organisation_id,
            owner.owner_kind,
            owner.owner_id,
            section.name,
            section.position,
            section.text,
            model,
            np.asarray(vector, dtype=np.float32),
        )
        for owner in owners
        for section, vector in zip(owner.sections, owner.vectors, strict=True)
    ]
    if not rows:
        return
    # Held to the end of the transaction: until then its sections' ids are not committed.
    session.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": SECTION_WRITES_LOCK})
    connection = session.connection().connection.driver_connection
    assert connection is not None
    with connection.cursor() as cursor:
        # Vectors travel in pgvector's binary form: as text, formatting 384 floats took
        # 0.6 ms a vector in Python, a fifth of the indexing path outside the encoder.
        # Registered on this cursor only, so reads elsewhere still get the raw bytes.
        register_vector_info(cursor, _vector_type(connection))
        cursor.executemany(
            "INSERT INTO section_embeddings (organisation_id, owner_kind, owner_id, section,"
            " position, text, model, embedding) VALUES (%s, %s, %s, %s, %s, %s, %s, %b)",
            rows,
        )


_VECTOR_TYPES: WeakKeyDictionary[psycopg.Connection[Any], TypeInfo] = WeakKeyDictionary()


def _vector_type(connection: psycopg.Connection[Any]) -> TypeInfo:
    info = _VECTOR_TYPES.get(connection)
    if info is None:
        info = TypeInfo.fetch(connection, "vector")
        if info is None:
            raise RuntimeError("the pgvector extension is not installed in this database")
        _VECTOR_TYPES[connection] = info
    return info


def vectors_from_binary(values: Sequence[bytes]) -> np.ndarray:
    """Vectors from pgvector's binary form (``vector_send``: dimension and a reserved field,
    two big-endian int16, then big-endian float32s), all of one dimension, as the rows of
    one matrix. Reading them costs one copy, where the text form costs a float parse per
    component (most of a match request's time once a pool of 200 profiles brings a few
    thousand vectors)."""
    dimension = int.from_bytes(values[0][:2], "big")
    layout = np.dtype([("header", ">i4"), ("vector", ">f4", (dimension,))])
    # A value may hold several vectors one after another (``string_agg`` of them).
    records = np.frombuffer(b"".join(values), dtype=layout)
    return records["vector"].astype(np.float32)


def sections_of(
    session: Session, owner_ids: Sequence[uuid.UUID], model: str
) -> dict[uuid.UUID, list[StoredSection]]:
    # One row per owner, its sections as arrays and its vectors as one bytea: a pool of 200
    # brings 200 rows instead of about 2,500, and the per-row work of the driver and of
    # Python (most of reading a pool) is paid 200 times.
    rows = owner_rows(
        session,
        "SELECT pool.place, array_agg(s.section ORDER BY s.id),"
        " array_agg(s.position ORDER BY s.id), array_agg(s.text ORDER BY s.id),"
        " string_agg(vector_send(s.embedding), ''::bytea ORDER BY s.id)"
        " FROM unnest(%s::uuid[]) WITH ORDINALITY AS pool(id, place)"
        " JOIN section_embeddings s ON s.owner_id = pool.id AND s.model = %s"
        " GROUP BY pool.place ORDER BY pool.place",
        owner_ids,
        model,
    )
    out: dict[uuid.UUID, list[StoredSection]] = {}
    if not rows:
        return out
    matrix = vectors_from_binary([row[3] for _, row in rows])
    start = 0
    for owner_id, (names, positions, texts, _) in rows:
        # Each owner's vectors as a block of its own: a side kept in a cache
        # (matching/scoring/side_cache.py) must not hold on to the whole pool's matrix.
        block = matrix[start : start + len(names)].copy()
        start += len(names)
        out[owner_id] = [
            StoredSection(owner_id, name, position, section_text, vector)
            for name, position, section_text, vector in zip(
                names, positions, texts, block, strict=True
            )
        ]
    return out


def where_owned(model: str, owner_kind: str) -> str:
    """Every indexed section of the organisation's owners, for exact scans."""
    kind = owner_kind if owner_kind in OWNER_KINDS else "x"
    sections = ", ".join(f"'{section}'" for section in INDEXED_SECTIONS.get(kind, ("-",)))
    return (
        f"model = {_literal(model)} AND owner_kind = '{kind}' AND section IN ({sections}) "
        "AND organisation_id = :org"
    )


def _best_per_owner(
    rows: Sequence[tuple[uuid.UUID, float]], limit: int
) -> list[tuple[uuid.UUID, float]]:
    best: dict[uuid.UUID, float] = {}
    for owner_id, similarity in rows:
        # relaxed_order returns rows only roughly sorted: keep each owner's best section.
        best[owner_id] = max(best.get(owner_id, -1.0), float(similarity))
    return sorted(best.items(), key=lambda item: -item[1])[:limit]


def nearest_owners(
    session: Session,
    organisation_id: uuid.UUID,
    owner_kind: str,
    model: str,
    query: Vectors,
    *,
    limit: int,
    exact: bool = False,
    within: Sequence[uuid.UUID] | None = None,
    ef_search: int = EF_SEARCH,
) -> list[tuple[uuid.UUID, float]]:
    """Owners whose closest section (single skills aside) is nearest to ``query``, best
    first, by cosine similarity.

    Several sections of one owner may come back; each owner is kept once at its best
    similarity. ``exact`` skips the index (the oracle for recall measurements); ``within``
    restricts the search to some owners, scanned exactly (selective filters defeat HNSW).
    """
    if not exact and within is None:
        [found] = nearest_owners_many(
            session, organisation_id, owner_kind, model, [query], limit=limit, ef_search=ef_search
        )
        return found
    dimension = int(query.shape[-1])
    cast = f"embedding::vector({dimension})"
    session.execute(text("SET LOCAL enable_indexscan = off"))
    restrict = "AND owner_id = ANY(:ids) " if within is not None else ""
    rows = session.execute(
        text(
            f"SELECT owner_id, 1 - ({cast} <=> CAST(:q AS vector({dimension}))) AS similarity "  # noqa: S608
            f"FROM section_embeddings WHERE {where_owned(model, owner_kind)} {restrict}"
            f"ORDER BY {cast} <=> CAST(:q AS vector({dimension})) LIMIT :k"
        ),
        {
            "q": str(query.tolist()),
            "org": organisation_id,
            "k": limit * 4,
            "ids": list(within or []),
        },
    ).all()
    session.execute(text("SET LOCAL enable_indexscan = on"))
    return _best_per_owner([(row[0], row[1]) for row in rows], limit)


def nearest_owners_many(
    session: Session,
    organisation_id: uuid.UUID,
    owner_kind: str,
    model: str,
    queries: Sequence[Vectors],
    *,
    limit: int,
    ef_search: int = EF_SEARCH,
    concurrent: bool = True,
    passing: OwnerFilter | None = None,
    share: float | None = None,
) -> list[list[tuple[uuid.UUID, float]]]:
    """For each query, the owners nearest to it through the indexes (as ``nearest_owners``):
    one index search per query and section kind, ``limit`` sections each, as one
    ``UNION ALL`` after one statement for the search settings. One round trip per query and
    per setting had cost a third of the dense channel.

    With ``passing``, only rows meeting it are returned, and the iterative scan walks on
    until it has ``limit`` of them (up to ``FILTERED_MAX_SCAN_TUPLES``). Without, it walks as
    far as the organisation's ``share`` of the rows needs (``scan_tuples_for``).
    Filtering the index's answer afterwards instead left 11-21 of 200 owners for a filter
    passing 5.9 % of 100,000 profiles (docs/benchmarks.md, 2026-12-05, afternoon).

    With ``concurrent``, the second half of the searches runs on another connection at the
    same time, where that cannot change the answer (matching/embeddings/beside.py)."""
    if not queries:
        return []
    searches = [
        (i, section) for i in range(len(queries)) for section in INDEXED_SECTIONS[owner_kind]
    ]
    scan = (
        FILTERED_MAX_SCAN_TUPLES
        if passing is not None
        else scan_tuples_for(limit * ROWS_PER_OWNER, share)
    )
    search = partial(
        _search_many,
        queries=queries,
        organisation_id=organisation_id,
        owner_kind=owner_kind,
        model=model,
        limit=limit,
        ef_search=ef_search,
        passing=passing,
        scan_tuples=scan,
    )
    engine = beside.spare_engine(session) if concurrent and len(searches) > 1 else None
    if engine is None:
        return search(session, searches)
    if not _search_settings(session, ef_search, scan, check=True):
        return search(session, searches, settings_done=True)
    # Here the settings are made already; the other connection makes its own.
    halves = _in_halves(
        session, engine, searches, partial(search, settings_done=True), search, limit
    )
    return halves if halves is not None else search(session, searches, settings_done=True)


Found = list[list[tuple[uuid.UUID, float]]]
T = TypeVar("T")


def _in_halves(
    session: Session,
    engine: Engine,
    parts: Sequence[T],
    here: Callable[[Session, Sequence[T]], Found],
    there: Callable[[Connection, Sequence[T]], Found],
    limit: int,
) -> Found | None:
    """``here`` on the first half of ``parts`` and ``there`` on the second half, on another
    connection at the same time, merged per query: the best ``limit`` owners, ties by owner
    as in the database's own ranking. None when no second connection is free."""
    split = (len(parts) + 1) // 2
    other = beside.run_beside(engine, lambda connection: there(connection, parts[split:]))
    if other is None:
        return None
    ours = here(session, parts[:split])
    return [
        _best_per_owner(sorted(mine + theirs, key=lambda hit: (-hit[1], hit[0])), limit)
        for mine, theirs in zip(ours, other.result(), strict=True)
    ]


def _search_settings(
    executor: Session | Connection, ef_search: int, scan_tuples: int, *, check: bool
) -> bool:
    """Set the index search's settings for the transaction; with ``check``, also say whether
    the transaction has written nothing and reads committed rows (beside.py)."""
    # Filters (organisation, ``passing``) are applied while walking the graph, not after it.
    row = executor.execute(
        text(
            "SELECT set_config('hnsw.ef_search', :ef, true),"
            " set_config('hnsw.iterative_scan', 'relaxed_order', true),"
            " set_config('hnsw.max_scan_tuples', :scan, true), "
            + (beside.READS_COMMITTED_ONLY if check else "true")
        ),
        # Set every time: the settings last the transaction.
        {"ef": str(int(ef_search)), "scan": str(int(scan_tuples))},
    ).one()
    return bool(row[3])


def _search_many(
    executor: Session | Connection,
    searches: Sequence[tuple[int, str]],
    *,
    queries: Sequence[Vectors],
    organisation_id: uuid.UUID,
    owner_kind: str,
    model: str,
    limit: int,
    ef_search: int,
    passing: OwnerFilter | None,
    scan_tuples: int,
    settings_done: bool = False,
) -> list[list[tuple[uuid.UUID, float]]]:
    """The owners found by ``searches`` (query number, section kind), best first per query;
    every query has a list, empty where none of its searches were given."""
    if not settings_done:
        _search_settings(executor, ef_search, scan_tuples, check=False)
    dimension = int(queries[0].shape[-1])
    cast = f"embedding::{INDEX_TYPE}({dimension})"
    condition = f"AND {passing.sql} " if passing is not None else ""
    selects = [
        f"(SELECT {i} AS q, owner_id, "  # noqa: S608
        f"1 - ({cast} <=> CAST(:q{i} AS {INDEX_TYPE}({dimension}))) AS similarity "
        f"FROM section_embeddings WHERE {index_predicate(model, owner_kind, section)} "
        f"AND organisation_id = :org {condition}"
        f"ORDER BY {cast} <=> CAST(:q{i} AS {INDEX_TYPE}({dimension})) LIMIT :rows)"
        for i, section in searches
    ]
    # Each owner once per query at its best section, the best ``limit`` per query: the
    # database sends 300 rows instead of 1,200 (most of the dense channel's Python time).
    params: dict[str, Any] = {
        "org": organisation_id,
        "limit": limit,
        "rows": limit * ROWS_PER_OWNER,
        **{f"q{i}": str(queries[i].tolist()) for i in sorted({i for i, _ in searches})},
    }
    if passing is not None:
        if params.keys() & passing.params.keys():
            raise ValueError(f"filter parameters clash: {sorted(params.keys() & passing.params)}")
        params |= passing.params
    rows = executor.execute(
        text(
            "SELECT q, owner_id, similarity FROM ("  # noqa: S608
            " SELECT q, owner_id, max(similarity) AS similarity, row_number() OVER"
            " (PARTITION BY q ORDER BY max(similarity) DESC, owner_id) AS place"
            f" FROM ({' UNION ALL '.join(selects)}) AS found GROUP BY q, owner_id"
            ") AS best WHERE place <= :limit ORDER BY q, place"
        ),
        params,
    ).all()
    per_query: list[list[tuple[uuid.UUID, float]]] = [[] for _ in queries]
    for i, owner_id, similarity in rows:
        per_query[i].append((owner_id, float(similarity)))
    return per_query


def nearest_owners_within(
    session: Session,
    organisation_id: uuid.UUID,
    owner_kind: str,
    model: str,
    queries: Sequence[Vectors],
    within: str,
    *,
    limit: int,
    concurrent: bool = True,
) -> list[list[tuple[uuid.UUID, float]]]:
    """For each query, what ``nearest_owners(..., within=...)`` returns for the owners of
    ``within`` (a ``uuid[]`` literal, ``{id,id,...}``), from one exact scan of their sections
    (each owner's best similarity to every query in one pass, rather than one scan per
    query).

    With ``concurrent`` and at least ``SPLIT_SCAN_OWNERS`` owners, half of them are scanned
    on another connection at the same time, where that cannot change the answer (beside.py):
    the scan is the whole of a filtered match's dense channel, and one database process
    scans on one core."""
    if not queries or within == "{}":
        return [[] for _ in queries]
    scan = partial(
        _scan_within,
        organisation_id=organisation_id,
        owner_kind=owner_kind,
        model=model,
        queries=queries,
        limit=limit,
    )
    ids = within[1:-1].split(",")
    engine = beside.spare_engine(session) if concurrent and len(ids) >= SPLIT_SCAN_OWNERS else None
    if (
        engine is None
        or not session.execute(text(f"SELECT {beside.READS_COMMITTED_ONLY}")).scalar()
    ):
        return scan(session, within)

    def part_scan(executor: Session | Connection, part: Sequence[str]) -> Found:
        return scan(executor, "{" + ",".join(part) + "}")

    halves = _in_halves(session, engine, ids, part_scan, part_scan, limit)
    return halves if halves is not None else scan(session, within)


def best_per_owner_sql(queries: Sequence[Vectors]) -> tuple[str, str]:
    """The SQL of an exact scan's two steps: the select list of each owner's best
    similarity to every query (``s0``, ``s1``, ... over the scanned rows, grouped by owner),
    and the best ``:k`` owners per query from a relation ``best`` of them, as rows
    (q, owner_id, similarity). The best owners are picked in SQL: sending every owner's
    similarities (1,465 rows for a 1.5 % filter at 100,000) and sorting them in Python cost
    as much as the scan.

    The similarity is the inner product, the cosine of unit vectors (every encoder's output,
    encoder.py), taken once per owner rather than per row: pgvector's ``<#>`` sums one
    product per dimension where ``<=>`` also sums both norms, and a filtered match at a
    million profiles scans about 75,000 rows for each of three queries (111 against 103 ms
    for a 1.4 % filter, docs/benchmarks.md, 2026-12-06, evening)."""
    dimension = int(queries[0].shape[-1])
    cast = f"embedding::vector({dimension})"
    columns = ", ".join(
        f"-min({cast} <#> CAST(:q{i} AS vector({dimension}))) AS s{i}" for i in range(len(queries))
    )
    ranked = " UNION ALL ".join(
        f"(SELECT {i} AS q, owner_id, s{i} AS similarity FROM best "  # noqa: S608
        f"ORDER BY s{i} DESC, owner_id LIMIT :k)"
        for i in range(len(queries))
    )
    return columns, ranked


def _scan_within(
    executor: Session | Connection,
    within: str,
    *,
    organisation_id: uuid.UUID,
    owner_kind: str,
    model: str,
    queries: Sequence[Vectors],
    limit: int,
) -> list[list[tuple[uuid.UUID, float]]]:
    columns, ranked = best_per_owner_sql(queries)
    rows = executor.execute(
        text(
            f"WITH best AS (SELECT owner_id, {columns} FROM section_embeddings "  # noqa: S608
            f"WHERE {where_owned(model, owner_kind)} AND owner_id = ANY(CAST(:ids AS uuid[])) "
            "GROUP BY owner_id) "
            f"{ranked}"
        ),
        {
            "org": organisation_id,
            "ids": within,
            "k": limit,
            **{f"q{i}": str(query.tolist()) for i, query in enumerate(queries)},
        },
    ).all()
    out: list[list[tuple[uuid.UUID, float]]] = [[] for _ in queries]
    for i, owner_id, similarity in rows:
        out[i].append((owner_id, float(similarity)))
    return out
