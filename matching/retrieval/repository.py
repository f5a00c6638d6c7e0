"""Retrieval queries: lexical search over search documents, the filters of a match, and the
stored match pools."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Text,
    and_,
    any_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg
from sqlalchemy.orm import Session, defer

from matching.embeddings.scan import stamp_sql
from matching.embeddings.store import OwnerFilter
from matching.indexing.service import ts_config
from matching.retrieval.schemas import MatchFilters
from matching.retrieval.terms import query_terms, tsquery_text
from models import Candidate, ConceptMention, MatchPool, Vacancy
from models.base import utcnow

Owner = type[Candidate] | type[Vacancy]


def _among(model: Owner, ids: Sequence[uuid.UUID]) -> ColumnElement[bool]:
    """``id = ANY(:ids)`` with the ids as one array parameter. ``IN`` renders one parameter
    per id, and compiling and binding 200-300 of them cost a few ms of every match."""
    return model.id == any_(bindparam("among", list(ids), type_=ARRAY(PG_UUID(as_uuid=True))))


def _or_query(config: str, text: str) -> ColumnElement[object]:
    """Any of the words, not all of them: plainto_tsquery joins with AND, which is far too
    strict for a vacancy text against a profile."""
    cfg: ColumnElement[object] = literal_column(f"'{config}'::regconfig")

    def any_of(c: ColumnElement[object]) -> ColumnElement[object]:
        words = cast(func.plainto_tsquery(c, text), Text)
        return cast(func.replace(words, "&", "|"), TSQUERY)

    return any_of(cfg).op("||")(any_of(literal_column("'simple'::regconfig")))


def _has_skill(model: Owner, skill: str) -> ColumnElement[bool]:
    column = model.skills if model is Candidate else model.required_skills  # type: ignore[union-attr]
    declared = exists(
        select(1)
        .select_from(func.unnest(column).alias("s"))
        .where(func.lower(literal_column("s")) == skill.casefold())
    )
    recognised = exists(
        select(1).where(
            ConceptMention.owner_id == model.id,
            ConceptMention.kind == "skill",
            func.lower(ConceptMention.label) == skill.casefold(),
        )
    )
    return or_(declared, recognised)


def filter_clause(model: Owner, filters: MatchFilters) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = [true()]
    if model is Candidate:
        if filters.languages:
            spoken = func.array_append(
                Candidate.languages, Candidate.language, type_=ARRAY(Candidate.language.type)
            )
            clauses.append(spoken.contains(filters.languages))
        if filters.remote is not None:
            clauses.append(Candidate.remote.is_(filters.remote))
    else:
        clauses.append(Vacancy.status == "open")
        if filters.languages:
            clauses.append(Vacancy.language.in_(filters.languages))
        if filters.remote is not None:
            clauses.append(Vacancy.remote.is_(filters.remote))
    if filters.country:
        clauses.append(model.location_country == filters.country)
    if filters.city:
        clauses.append(func.lower(model.location_city) == filters.city.casefold())
    clauses += [_has_skill(model, skill) for skill in filters.skills]
    return and_(*clauses)


# ``:name`` parameters, the style of the index search's ``text()`` statement.
_NAMED_PARAMS = pg_psycopg.dialect(paramstyle="named")  # type: ignore[no-untyped-call]


def index_filter(model: Owner, organisation_id: uuid.UUID, filters: MatchFilters) -> OwnerFilter:
    """The filters as a condition on ``section_embeddings`` rows, for an index search to
    check while it walks the graph: their owner passes ``filter_clause``."""
    condition = exists(
        select(1).where(
            model.id == literal_column("section_embeddings.owner_id"),
            model.organisation_id == organisation_id,
            filter_clause(model, filters),
        )
    )
    compiled = condition.compile(dialect=_NAMED_PARAMS)
    # The dialect casts each parameter (``:lower_1::VARCHAR``); ``text()`` would read the
    # cast's colons as part of a parameter's name unless they are escaped.
    return OwnerFilter(str(compiled).replace("::", r"\:\:"), dict(compiled.params))


def lexical(
    session: Session,
    model: Owner,
    organisation_id: uuid.UUID,
    text: str,
    language: str | None,
    filters: MatchFilters,
    limit: int,
    within: Sequence[uuid.UUID] | None = None,
) -> list[uuid.UUID]:
    """Owners matching words of ``text``, best ``ts_rank`` first; with ``within``, only
    those owners are ranked (an index lookup by id, however common the words)."""
    found = lexical_scored(session, model, organisation_id, text, language, filters, limit, within)
    return [owner_id for owner_id, _ in found]


def lexical_scored(
    session: Session,
    model: Owner,
    organisation_id: uuid.UUID,
    text: str,
    language: str | None,
    filters: MatchFilters,
    limit: int,
    within: Sequence[uuid.UUID] | None = None,
) -> list[tuple[uuid.UUID, float]]:
    """``lexical`` with each owner's ``ts_rank``.

    ``ts_rank`` (how often the words occur), not ``ts_rank_cd`` (how close together): the
    query is an OR of 30-40 words, for which every occurrence is a cover of its own, and
    cover density cost 45 us per profile against 10 us (13 ms against 3 ms for the 300
    owners of a dense pool at 100,000 profiles; docs/benchmarks.md)."""
    if not text.strip() or within == []:
        return []
    config = ts_config(language)
    terms = query_terms(session, model.__tablename__, config, text)
    if terms == []:
        return []
    query = _or_query(config, text) if terms is None else cast(tsquery_text(terms), TSQUERY)
    rank = func.ts_rank(model.search_document, query)
    restrict = _among(model, within) if within is not None else true()
    rows = session.execute(
        select(model.id, rank)
        .where(
            model.organisation_id == organisation_id,
            restrict,
            model.search_document.op("@@")(query),
            filter_clause(model, filters),
        )
        .order_by(rank.desc(), model.id)
        .limit(limit)
    ).all()
    return [(owner_id, float(score)) for owner_id, score in rows]


class Filtered(NamedTuple):
    """The owners passing some filters, up to a cap."""

    total: int
    # Their ids as one ``uuid[]`` literal, passed back to the database as it came: a
    # Python object per id, and psycopg's quoting check per id, cost 4 ms for 1,465 ids.
    ids: str
    # Where few enough pass (``stamped_up_to``): each owner's stamp
    # (matching/embeddings/scan.py), in the same order, comma-separated.
    stamps: str | None = None


def filtered_ids(
    session: Session,
    model: Owner,
    organisation_id: uuid.UUID,
    filters: MatchFilters,
    cap: int,
    *,
    stamped_up_to: int = 0,
) -> Filtered:
    """Every owner passing the filters, up to ``cap``+1 (more than ``cap`` means the filters
    are not selective, and the index can do the work); where at most ``stamped_up_to`` pass,
    their stamps too (each hash costs about a microsecond, wasted on a list not kept)."""
    passing = (
        select(model.id, model.updated_at, model.indexed_at, model.indexed_model)
        .where(model.organisation_id == organisation_id, filter_clause(model, filters))
        .limit(cap + 1)
        .subquery("passing")
    )
    stamp = case(
        (
            func.count().over() <= stamped_up_to,
            literal_column(stamp_sql("passing"), BigInteger),
        ),
        else_=null(),
    )
    counted = select(passing.c.id, stamp.label("stamp")).subquery("counted")
    # Joined as text, not cast from an array: the array's output checks every element for
    # quoting, 21 against 11 ms for 14,406 ids at a million profiles. Both aggregates read
    # the rows in the same order.
    count, ids, stamps = session.execute(
        select(
            func.count(),
            func.coalesce(func.string_agg(cast(counted.c.id, Text), literal(",")), ""),
            func.string_agg(cast(counted.c.stamp, Text), literal(",")),
        )
    ).one()
    return Filtered(int(count), "{" + str(ids) + "}", stamps)


R = TypeVar("R", Candidate, Vacancy)

# The search document is only searched in SQL, and the widest column to read. A
# candidate's JSON columns took 4 ms of every match to decode (600 documents for a pool
# of 200) and are shown by no match.
_NOT_FOR_MATCHING: dict[Owner, tuple[Any, ...]] = {
    Candidate: (
        Candidate.search_document,
        Candidate.experience,
        Candidate.education,
        Candidate.profiles,
    ),
    Vacancy: (Vacancy.search_document,),
}


def load(
    session: Session,
    model: type[R],
    organisation_id: uuid.UUID,
    ids: Sequence[uuid.UUID],
    filters: MatchFilters,
) -> list[R]:
    """The owners among ``ids`` that belong to the organisation and pass the filters.
    Columns that neither scoring nor a match's summary reads stay in the database until
    an attribute is asked for."""
    return list(
        session.scalars(
            select(model)
            .options(*(defer(column) for column in _NOT_FOR_MATCHING[model]))
            .where(
                model.organisation_id == organisation_id,
                _among(model, ids),
                filter_clause(model, filters),
            )
        ).all()
    )


class Stamps(NamedTuple):
    id: uuid.UUID
    updated_at: datetime
    indexed_at: datetime | None
    indexed_model: str | None


def stamps(
    session: Session, model: Owner, organisation_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> list[Stamps]:
    """The stamp columns of the owners among ``ids`` that belong to the organisation (one
    primary-key lookup each; no other column is read or decoded)."""
    rows = session.execute(
        select(model.id, model.updated_at, model.indexed_at, model.indexed_model).where(
            model.organisation_id == organisation_id, _among(model, ids)
        )
    ).all()
    return [Stamps(*row) for row in rows]


def match_pool(session: Session, vacancy_id: uuid.UUID, model: str) -> MatchPool | None:
    """The vacancy's stored pool for ``model``, if any."""
    return session.get(MatchPool, (vacancy_id, model))


def save_match_pool(
    session: Session,
    vacancy_id: uuid.UUID,
    model: str,
    through_section: int,
    queries: bytes,
    ranking: Sequence[tuple[uuid.UUID, float]],
    lexical: Sequence[tuple[uuid.UUID, float]] | None,
    scored: Sequence[tuple[uuid.UUID, float, int]],
    scored_with: bytes,
) -> None:
    """Store (or replace) the vacancy's pool with its candidates' scores (owner, score,
    stamp), in one statement: two refreshes of the same vacancy at once leave the later
    one's."""
    values = {
        "vacancy_id": vacancy_id,
        "model": model,
        "through_section": through_section,
        "queries": queries,
        "owner_ids": [owner_id for owner_id, _ in ranking],
        "similarities": [similarity for _, similarity in ranking],
        "lexical_ids": None if lexical is None else [owner_id for owner_id, _ in lexical],
        "lexical_scores": None if lexical is None else [score for _, score in lexical],
        "scored_ids": [owner_id for owner_id, _, _ in scored],
        "scores": [score for _, score, _ in scored],
        "scored_stamps": [stamp for _, _, stamp in scored],
        "scored_with": scored_with,
        "computed_at": utcnow(),
    }
    statement = pg_insert(MatchPool).values(**values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[MatchPool.vacancy_id, MatchPool.model],
            set_={k: statement.excluded[k] for k in values if k not in ("vacancy_id", "model")},
        )
    )
