"""/v1/taxonomies: the taxonomies loaded, and normalisation of free text to their concepts."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.problems import problem_responses
from api.routing import StrictJsonRoute
from matching.embeddings.encoder import load_encoder
from matching.taxonomy import repository
from matching.taxonomy.normalize import normalize
from matching.taxonomy.schemas import (
    NormalizedText,
    NormalizeRequest,
    NormalizeResponse,
    RankedConcept,
    TaxonomyOut,
)
from matching.taxonomy.service import get

# More new labels than this are not embedded inside a request (minutes for all of ESCO).
INLINE_EMBED_LIMIT = 5000

router = APIRouter(prefix="/v1/taxonomies", tags=["taxonomies"], route_class=StrictJsonRoute)


@router.get("", summary="List taxonomies", responses=problem_responses(401))
def list_taxonomies(principal: PrincipalDep, session: SessionDep) -> list[TaxonomyOut]:
    """Every taxonomy loaded in this service, with concept counts. The default is `esco`.
    This service uses the ESCO classification of the European Commission."""
    return [
        TaxonomyOut(
            name=t.name,
            revision=t.revision,
            concepts=repository.concept_counts(session, t.id),
            attribution=t.attribution,
        )
        for t in repository.list_all(session)
    ]


@router.post(
    "/{name}/normalize",
    summary="Normalise texts to taxonomy concepts",
    responses=problem_responses(401, 404, 422),
)
def normalize_texts(
    name: str,
    payload: NormalizeRequest,
    principal: PrincipalDep,
    session: SessionDep,
    settings: SettingsDep,
) -> NormalizeResponse:
    """For each text (a job title or skill phrase, Dutch or English), the `top_k` closest
    concepts of the named taxonomy and kind, best first, with scores in [0, 1]. Only the
    concepts of this taxonomy are ranked. The first call after an import builds the index and
    embeds up to a few thousand new labels, so it is slower than the ones after it; a larger
    taxonomy whose labels are not embedded yet (`talentmesh taxonomy embed`) is ranked by its
    lexical channel alone, and `mode` says so."""
    get(session, name)
    ranked, mode = normalize(
        session,
        name,
        payload.kind,
        payload.texts,
        payload.top_k,
        load_encoder(settings.embedding_model),
        embed_limit=INLINE_EMBED_LIMIT,
    )
    return NormalizeResponse(
        taxonomy=name,
        kind=payload.kind,
        mode=mode,
        results=[
            NormalizedText(
                text=text,
                concepts=[RankedConcept(uri=c.uri, label=c.label, score=c.score) for c in concepts],
            )
            for text, concepts in zip(payload.texts, ranked, strict=True)
        ],
    )
