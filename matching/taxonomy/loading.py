"""Feed taxonomy files into the import service: official ESCO CSV files, and the compact
bundle the project ships as its default taxonomy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from sqlalchemy.orm import Session

from matching.taxonomy import repository
from matching.taxonomy.bundle import BUNDLE_PATH, read_bundle
from matching.taxonomy.esco_csv import read_esco_csv
from matching.taxonomy.service import (
    DEFAULT_TAXONOMY,
    ImportConcept,
    ImportResult,
    Kind,
    import_concepts,
)

Progress = Callable[[int], None]


def csv_concepts(stream: TextIO, kind: Kind) -> Iterator[ImportConcept]:
    for record in read_esco_csv(stream):
        yield ImportConcept(
            uri=record.uri,
            kind=kind,
            preferred=record.preferred,
            alt=record.alt,
            hidden=record.hidden,
            description=record.description,
            isco_group=record.isco_group,
        )


def import_csv(
    session: Session,
    name: str,
    kind: Kind,
    lang: str,
    stream: TextIO,
    progress: Progress | None = None,
) -> ImportResult:
    return import_concepts(session, name, lang, csv_concepts(stream, kind), progress=progress)


def _bundle_concepts(path: Path, lang: str) -> Iterator[ImportConcept]:
    _, concepts = read_bundle(path)
    for concept in concepts:
        labels = concept.labels.get(lang)
        if labels is None:
            continue
        yield ImportConcept(
            uri=concept.uri,
            kind=concept.kind,
            preferred=labels.preferred,
            alt=labels.alt,
            hidden=labels.hidden,
            description=concept.description.get(lang, ""),
            isco_group=concept.isco_group,
            broader=concept.broader,
        )


def bundle_languages(path: Path = BUNDLE_PATH) -> list[str]:
    _, concepts = read_bundle(path)
    seen: set[str] = set()
    for concept in concepts:
        seen.update(concept.labels)
    return sorted(seen)


def import_bundle(
    session: Session,
    path: Path = BUNDLE_PATH,
    name: str | None = None,
    progress: Progress | None = None,
) -> list[ImportResult]:
    header, _ = read_bundle(path)
    results = []
    for lang in bundle_languages(path):
        results.append(
            import_concepts(
                session,
                name or header.name,
                lang,
                _bundle_concepts(path, lang),
                attribution=header.attribution,
                source=header.source,
                progress=progress,
            )
        )
    return results


def ensure_default_taxonomy(session: Session, progress: Progress | None = None) -> bool:
    """Load the bundled ESCO taxonomy when the database has none yet; True if it loaded."""
    if repository.get_by_name(session, DEFAULT_TAXONOMY) is not None:
        return False
    import_bundle(session, BUNDLE_PATH, DEFAULT_TAXONOMY, progress)
    return True
