"""The heavy, read-only things matching needs: the encoder, the concept extractor built from
the default taxonomy, and the ISCO group of each occupation. Built once per process and
rebuilt only when the taxonomy's revision changes."""

from __future__ import annotations

import gc
import threading
from dataclasses import dataclass
from typing import Literal, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from matching.embeddings.encoder import Encoder, load_encoder
from matching.extraction.extractor import Extractor, TermLabel
from matching.taxonomy.service import DEFAULT_TAXONOMY
from models import Taxonomy, TaxonomyConcept, TaxonomyLabel


@dataclass(frozen=True)
class MatchingResources:
    encoder: Encoder
    extractor: Extractor
    isco_groups: dict[str, str]  # occupation URI -> ISCO unit group code
    taxonomy_revision: int | None


ConceptKind = Literal["occupation", "skill"]
Lang = Literal["nl", "en"]
_lock = threading.Lock()
_cache: dict[tuple[str, str], MatchingResources] = {}
# The extractor and the ISCO groups per taxonomy, apart from the encoder: they do not depend
# on the model, and a process holding two models (the default and the fast mode) builds them
# once, not twice (about 8 s each on 2 cores).
_taxonomy_parts: dict[str, tuple[int | None, Extractor, dict[str, str]]] = {}


def _taxonomy_revision(session: Session, name: str) -> tuple[object, int] | None:
    row = session.execute(
        select(Taxonomy.id, Taxonomy.revision).where(Taxonomy.name == name)
    ).one_or_none()
    return (row[0], row[1]) if row is not None else None


def _build_extractor(session: Session, taxonomy_id: object) -> tuple[Extractor, dict[str, str]]:
    # Hidden labels are search aids (misspellings, run-together label lists), not phrases
    # people write, so only preferred and alternative labels become patterns.
    rows = session.execute(
        select(TaxonomyConcept.uri, TaxonomyConcept.kind, TaxonomyLabel.lang, TaxonomyLabel.text)
        .join(TaxonomyLabel, TaxonomyLabel.concept_id == TaxonomyConcept.id)
        .where(
            TaxonomyConcept.taxonomy_id == taxonomy_id,
            TaxonomyLabel.label_type.in_(("preferred", "alt")),
            TaxonomyLabel.lang.in_(("nl", "en")),
        )
    ).all()
    labels = [
        TermLabel(uri=r[0], kind=cast(ConceptKind, r[1]), lang=cast(Lang, r[2]), text=r[3])
        for r in rows
    ]
    isco: dict[str, str] = dict(
        session.execute(  # type: ignore[arg-type]
            select(TaxonomyConcept.uri, TaxonomyConcept.isco_group).where(
                TaxonomyConcept.taxonomy_id == taxonomy_id,
                TaxonomyConcept.isco_group.is_not(None),
            )
        ).all()
    )
    return Extractor.build(labels), isco


def matching_resources(
    session: Session, model: str, taxonomy: str = DEFAULT_TAXONOMY
) -> MatchingResources:
    current = _taxonomy_revision(session, taxonomy)
    revision = current[1] if current is not None else None
    key = (model, taxonomy)
    cached = _cache.get(key)
    if cached is not None and cached.taxonomy_revision == revision:
        return cached
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached.taxonomy_revision == revision:
            return cached
        parts = _taxonomy_parts.get(taxonomy)
        if parts is not None and parts[0] == revision:
            _, extractor, isco = parts
        else:
            if current is None:
                extractor, isco = Extractor.build([]), dict[str, str]()
            else:
                extractor, isco = _build_extractor(session, current[0])
            _taxonomy_parts[taxonomy] = (revision, extractor, isco)
        resources = MatchingResources(load_encoder(model), extractor, isco, revision)
        _cache[key] = resources
        _freeze_long_lived()
        return resources


def _freeze_long_lived() -> None:
    """Leave what now lives until the next taxonomy revision (the encoder, spaCy, the
    concept index: some 240,000 objects) out of the collector's full passes. Loaded after
    the process froze its start-up objects (api/lifespan.py), they were walked by every
    full pass: 250-350 ms, a stall of every request in flight. Unfrozen first, so that
    what an earlier revision left is collected once, not kept."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
