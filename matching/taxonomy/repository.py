"""All taxonomy queries. Writes use set-based upserts so an import of tens of thousands of
concepts is a few hundred statements, and re-running it changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from models import Taxonomy, TaxonomyConcept, TaxonomyLabel


@dataclass(frozen=True)
class LabelRecord:
    label_id: int
    concept_id: uuid.UUID
    uri: str
    lang: str
    label_type: str
    text: str
    embedding: Any  # numpy row or None when no vector of the wanted model is stored
    isco_group: str | None


def get_by_name(session: Session, name: str) -> Taxonomy | None:
    return session.scalars(select(Taxonomy).where(Taxonomy.name == name)).one_or_none()


def list_all(session: Session) -> Sequence[Taxonomy]:
    return session.scalars(select(Taxonomy).order_by(Taxonomy.name)).all()


def get_or_create(session: Session, name: str) -> Taxonomy:
    session.execute(insert(Taxonomy).values(id=uuid.uuid4(), name=name).on_conflict_do_nothing())
    taxonomy = get_by_name(session, name)
    assert taxonomy is not None
    return taxonomy


def concept_counts(session: Session, taxonomy_id: uuid.UUID) -> dict[str, int]:
    rows = session.execute(
        select(TaxonomyConcept.kind, func.count())
        .where(TaxonomyConcept.taxonomy_id == taxonomy_id)
        .group_by(TaxonomyConcept.kind)
    ).all()
    return {str(kind): int(count) for kind, count in rows}


def existing_kinds(session: Session, taxonomy_id: uuid.UUID, uris: Sequence[str]) -> dict[str, str]:
    rows = session.execute(
        text(
            "SELECT uri, kind FROM taxonomy_concepts "
            "WHERE taxonomy_id = :taxonomy AND uri = ANY(CAST(:uris AS text[]))"
        ),
        {"taxonomy": taxonomy_id, "uris": list(uris)},
    ).all()
    return {str(uri): str(kind) for uri, kind in rows}


# One statement per batch with array parameters: statements with a parameter per value take
# longer to compile than to run at this size.
_UPSERT_CONCEPTS = text(
    """
    INSERT INTO taxonomy_concepts (id, taxonomy_id, uri, kind, isco_group, broader, description)
    SELECT gen_random_uuid(), :taxonomy, u, k, i,
           COALESCE(CAST(b AS text[]), '{}'),
           CASE WHEN d = '' THEN '{}'::jsonb ELSE jsonb_build_object(CAST(:lang AS text), d) END
    FROM unnest(CAST(:uris AS text[]), CAST(:kinds AS text[]), CAST(:iscos AS text[]),
                CAST(:broaders AS text[]), CAST(:descriptions AS text[])) AS new(u, k, i, b, d)
    ON CONFLICT (taxonomy_id, uri) DO UPDATE SET
        isco_group = COALESCE(EXCLUDED.isco_group, taxonomy_concepts.isco_group),
        broader = COALESCE(NULLIF(EXCLUDED.broader, '{}'), taxonomy_concepts.broader),
        description = taxonomy_concepts.description || EXCLUDED.description
    WHERE (taxonomy_concepts.isco_group, taxonomy_concepts.broader, taxonomy_concepts.description)
          IS DISTINCT FROM (COALESCE(EXCLUDED.isco_group, taxonomy_concepts.isco_group),
                            COALESCE(NULLIF(EXCLUDED.broader, '{}'), taxonomy_concepts.broader),
                            taxonomy_concepts.description || EXCLUDED.description)
    RETURNING uri
    """
)


def upsert_concepts(
    session: Session, taxonomy_id: uuid.UUID, rows: Sequence[dict[str, Any]], lang: str
) -> tuple[dict[str, uuid.UUID], int]:
    """Insert or update concepts; returns their ids by URI and how many rows changed.

    A description arrives per language and is merged into the JSON object, so importing the
    second language keeps the first one's text.
    """
    uris = [row["uri"] for row in rows]
    changed = session.execute(
        _UPSERT_CONCEPTS,
        {
            "taxonomy": taxonomy_id,
            "lang": lang,
            "uris": uris,
            "kinds": [row["kind"] for row in rows],
            "iscos": [row["isco_group"] for row in rows],
            # Postgres arrays cannot nest ragged lists, so each list travels as an array
            # literal and is cast back per row.
            "broaders": [_array_literal(row["broader"]) for row in rows],
            "descriptions": [row["description"] for row in rows],
        },
    ).all()
    ids = session.execute(
        text(
            "SELECT uri, id FROM taxonomy_concepts "
            "WHERE taxonomy_id = :taxonomy AND uri = ANY(CAST(:uris AS text[]))"
        ),
        {"taxonomy": taxonomy_id, "uris": uris},
    ).all()
    return {str(uri): concept_id for uri, concept_id in ids}, len(changed)


def _array_literal(values: Sequence[str]) -> str:
    quoted = ('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return "{" + ",".join(quoted) + "}"


_UPSERT_LABELS = text(
    """
    INSERT INTO taxonomy_labels (concept_id, lang, label_type, text)
    SELECT c, :lang, k, t FROM unnest(CAST(:concepts AS uuid[]), CAST(:kinds AS text[]),
                                      CAST(:texts AS text[])) AS new(c, k, t)
    ON CONFLICT (concept_id, lang, text) DO UPDATE SET label_type = EXCLUDED.label_type
    WHERE taxonomy_labels.label_type <> EXCLUDED.label_type
    RETURNING id
    """
)
_DELETE_STALE_LABELS = text(
    """
    DELETE FROM taxonomy_labels AS l
    WHERE l.concept_id = ANY(CAST(:ids AS uuid[])) AND l.lang = :lang
      AND (l.concept_id, l.text) NOT IN (
        SELECT c, t FROM unnest(CAST(:concepts AS uuid[]), CAST(:texts AS text[])) AS keep(c, t))
    """
)


def replace_labels(
    session: Session, lang: str, labels: Sequence[tuple[uuid.UUID, str, str]]
) -> int:
    """Make the ``lang`` labels of the given concepts exactly ``labels`` (concept id, type,
    text); returns how many rows were added, changed or removed. Kept labels keep their
    cached embeddings. Arrays rather than one parameter per value keep a batch of tens of
    thousands of labels to a single short statement."""
    params = {
        "lang": lang,
        "ids": sorted({concept_id for concept_id, _, _ in labels}),
        "concepts": [concept_id for concept_id, _, _ in labels],
        "kinds": [kind for _, kind, _ in labels],
        "texts": [label for _, _, label in labels],
    }
    changed = len(session.execute(_UPSERT_LABELS, params).all()) if labels else 0
    result = session.execute(_DELETE_STALE_LABELS, params)
    return changed + (result.rowcount or 0)  # type: ignore[attr-defined]


def bump_revision(session: Session, taxonomy_id: uuid.UUID) -> None:
    session.execute(
        update(Taxonomy)
        .where(Taxonomy.id == taxonomy_id)
        .values(revision=Taxonomy.revision + 1, updated_at=func.now())
    )


def labels_for(
    session: Session, taxonomy_id: uuid.UUID, kind: str, model: str | None
) -> list[LabelRecord]:
    """Every label of one kind, in a stable order, with the stored vector of ``model``."""
    rows = session.execute(
        select(
            TaxonomyLabel.id,
            TaxonomyConcept.id,
            TaxonomyConcept.uri,
            TaxonomyLabel.lang,
            TaxonomyLabel.label_type,
            TaxonomyLabel.text,
            TaxonomyLabel.embedding,
            TaxonomyLabel.embedding_model,
            TaxonomyConcept.isco_group,
        )
        .join(TaxonomyConcept, TaxonomyConcept.id == TaxonomyLabel.concept_id)
        .where(TaxonomyConcept.taxonomy_id == taxonomy_id, TaxonomyConcept.kind == kind)
        .order_by(TaxonomyLabel.id)
    ).all()
    return [
        LabelRecord(
            label_id=row[0],
            concept_id=row[1],
            uri=row[2],
            lang=row[3],
            label_type=row[4],
            text=row[5],
            embedding=row[6] if model is not None and row[7] == model else None,
            isco_group=row[8],
        )
        for row in rows
    ]


def store_label_vectors(
    session: Session, model: str, vectors: Sequence[tuple[int, Sequence[float]]]
) -> None:
    session.execute(
        update(TaxonomyLabel),
        [{"id": label_id, "embedding": vec, "embedding_model": model} for label_id, vec in vectors],
    )
