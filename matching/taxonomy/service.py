"""Taxonomy use cases: import concepts and labels, and normalise free text to concepts.

Services flush; the caller (request, task, CLI) commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Literal

from sqlalchemy.orm import Session

from matching.taxonomy import repository
from models import Taxonomy
from runtime.errors import NotFoundError, UnprocessableError

Kind = Literal["occupation", "skill"]
DEFAULT_TAXONOMY = "esco"
_BATCH = 1000


@dataclass(frozen=True)
class ImportConcept:
    """One concept in one language, as an import file describes it."""

    uri: str
    kind: Kind
    preferred: str
    alt: Sequence[str] = ()
    hidden: Sequence[str] = ()
    description: str = ""
    isco_group: str | None = None
    broader: Sequence[str] = ()


@dataclass
class ImportResult:
    taxonomy: str
    lang: str
    concepts: int = 0
    changed: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def get(session: Session, name: str) -> Taxonomy:
    taxonomy = repository.get_by_name(session, name)
    if taxonomy is None:
        raise NotFoundError(f"no taxonomy named {name!r}")
    return taxonomy


def _batches(items: Iterable[ImportConcept]) -> Iterator[list[ImportConcept]]:
    iterator = iter(items)
    while batch := list(islice(iterator, _BATCH)):
        yield batch


def _labels(concept: ImportConcept) -> list[tuple[str, str]]:
    """(type, text) pairs with case-insensitive duplicates removed; the first type wins, so a
    text that is both preferred and alternative stays preferred."""
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    groups = (("preferred", [concept.preferred]), ("alt", concept.alt), ("hidden", concept.hidden))
    for label_type, texts in groups:
        for text in texts:
            clean = " ".join(text.split())
            if clean and clean.casefold() not in seen:
                seen.add(clean.casefold())
                out.append((label_type, clean))
    return out


def import_concepts(
    session: Session,
    name: str,
    lang: str,
    concepts: Iterable[ImportConcept],
    *,
    attribution: str | None = None,
    source: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Add ``lang`` labels to the concepts of taxonomy ``name`` (created if new).

    Idempotent: importing the same file again changes no row and leaves the revision as it
    was. A concept keeps its kind: a file that imports an occupation as a skill is refused.
    """
    taxonomy = repository.get_or_create(session, name)
    if attribution is not None:
        taxonomy.attribution = attribution
    if source is not None:
        taxonomy.source = source
    result = ImportResult(taxonomy=name, lang=lang)
    for batch in _batches(concepts):
        unique = {concept.uri: concept for concept in batch}
        _check_kinds(session, taxonomy, list(unique.values()))
        rows = [
            {
                "uri": c.uri,
                "kind": c.kind,
                "isco_group": c.isco_group,
                "broader": list(c.broader),
                "description": c.description.strip(),
            }
            for c in unique.values()
        ]
        ids, changed = repository.upsert_concepts(session, taxonomy.id, rows, lang)
        labels = [
            (ids[c.uri], label_type, text)
            for c in unique.values()
            for label_type, text in _labels(c)
        ]
        changed += repository.replace_labels(session, lang, labels)
        result.concepts += len(unique)
        result.changed += changed
        if progress is not None:
            progress(len(batch))
    if result.changed:
        repository.bump_revision(session, taxonomy.id)
    session.flush()
    result.counts = repository.concept_counts(session, taxonomy.id)
    return result


def _check_kinds(session: Session, taxonomy: Taxonomy, batch: Sequence[ImportConcept]) -> None:
    stored = repository.existing_kinds(session, taxonomy.id, [c.uri for c in batch])
    for concept in batch:
        kind = stored.get(concept.uri)
        if kind is not None and kind != concept.kind:
            raise UnprocessableError(
                f"concept {concept.uri} is already of kind {kind!r} in taxonomy "
                f"{taxonomy.name!r}; it cannot be imported as kind {concept.kind!r}"
            )
