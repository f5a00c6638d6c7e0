"""``talentmesh taxonomy ...`` and ``talentmesh reindex``."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine

from runtime.cli_support import fail, open_session, settings_for_cli
from runtime.settings import Settings

taxonomy_app = typer.Typer(help="Import taxonomies and normalise text to their concepts.")

KindOption = Annotated[
    Literal["occupation", "skill"], typer.Option("--kind", help="occupation or skill")
]


@contextmanager
def progress_bar(label: str) -> Iterator[Progress]:
    columns = [TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, transient=False, console=Console(stderr=True)) as progress:
        yield progress


def _count_rows(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return max(0, sum(1 for _ in csv.reader(stream)) - 1)


@taxonomy_app.command("import")
def taxonomy_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="ESCO CSV file.")],
    name: Annotated[str, typer.Option("--name", help="Taxonomy name; created if new.")],
    kind: KindOption,
    lang: Annotated[Literal["nl", "en"], typer.Option("--lang", help="Language of the labels.")],
) -> None:
    """Import concepts from an ESCO CSV file (conceptUri, preferredLabel, altLabels,
    hiddenLabels, description). Importing a second language adds its labels to the same
    concepts; importing the same file again changes nothing."""
    from matching.taxonomy.esco_csv import EscoFormatError
    from matching.taxonomy.loading import import_csv
    from runtime.errors import TalentMeshError

    settings = settings_for_cli()
    total = _count_rows(file)
    try:
        with progress_bar(file.name) as bar, open_session(settings) as session:
            task = bar.add_task("import", total=total)
            with file.open(encoding="utf-8-sig", newline="") as stream:
                result = import_csv(
                    session, name, kind, lang, stream, lambda n: bar.advance(task, n)
                )
    except (EscoFormatError, TalentMeshError) as exc:
        raise fail(str(exc)) from exc
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(result.counts.items()))
    typer.echo(
        f"{name}: {result.concepts} concepts read, {result.changed} rows changed ({counts})",
        err=True,
    )


@taxonomy_app.command("normalize")
def taxonomy_normalize(
    name: Annotated[str, typer.Option("--name", help="Taxonomy name.")],
    kind: KindOption,
    queries: Annotated[
        Path, typer.Option("--queries", exists=True, dir_okay=False, help="TSV: id<TAB>text")
    ],
    output: Annotated[Path, typer.Option("--output", help="TREC run file to write.")],
    top: Annotated[int, typer.Option("--top", min=1, max=1000)] = 100,
) -> None:
    """Rank the taxonomy's concepts for every query and write a TREC run
    (``qid Q0 uri rank score talentmesh``)."""
    from matching.embeddings.encoder import load_encoder
    from matching.taxonomy.normalize import normalize
    from runtime.errors import TalentMeshError

    settings = settings_for_cli()
    rows = [line.rstrip("\n").split("\t", 1) for line in queries.open(encoding="utf-8")]
    pairs = [(row[0], row[1]) for row in rows if len(row) == 2 and row[1].strip()]
    if len(pairs) != len([r for r in rows if any(r)]):
        raise fail(f"{queries}: every line must be id<TAB>text")
    encoder = load_encoder(settings.embedding_model)
    try:
        with progress_bar("normalise") as bar, open_session(settings) as session:
            task = bar.add_task("normalise", total=len(pairs))
            with output.open("w", encoding="utf-8") as out:
                for start in range(0, len(pairs), 256):
                    batch = pairs[start : start + 256]
                    ranked, _ = normalize(
                        session, name, kind, [text for _, text in batch], top, encoder
                    )
                    for (qid, _), concepts in zip(batch, ranked, strict=True):
                        for rank, concept in enumerate(concepts, start=1):
                            out.write(f"{qid} Q0 {concept.uri} {rank} {concept.score} talentmesh\n")
                    bar.advance(task, len(batch))
    except TalentMeshError as exc:
        raise fail(str(exc)) from exc


@taxonomy_app.command("embed")
def taxonomy_embed(name: Annotated[str, typer.Option("--name", help="Taxonomy name.")]) -> None:
    """Embed the taxonomy's labels with the configured model now; otherwise the first
    normalisation request after an import does it (minutes for all of ESCO)."""
    from matching.embeddings.encoder import load_encoder
    from matching.taxonomy.normalize import warm
    from runtime.errors import TalentMeshError

    settings = settings_for_cli()
    try:
        with open_session(settings) as session:
            warm(session, name, load_encoder(settings.embedding_model))
    except TalentMeshError as exc:
        raise fail(str(exc)) from exc
    typer.echo(f"{name}: labels embedded with {settings.embedding_model}", err=True)


@taxonomy_app.command("list")
def taxonomy_list() -> None:
    """List taxonomies with their concept counts."""
    from matching.taxonomy import repository

    with open_session(settings_for_cli()) as session:
        for taxonomy in repository.list_all(session):
            counts = repository.concept_counts(session, taxonomy.id)
            text = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
            sys.stdout.write(f"{taxonomy.name}\trevision {taxonomy.revision}\t{text}\n")


def reindex(
    all_: Annotated[
        bool, typer.Option("--all", help="Re-embed everything, not only stale records.")
    ] = False,
) -> None:
    """Re-embed and re-extract every vacancy and candidate whose vectors were made by
    another model than TALENTMESH_EMBEDDING_MODEL (or all of them with --all)."""
    from matching.indexing.bulk import reindex_stale, stale_counts

    settings = settings_for_cli()
    with open_session(settings) as session:
        total = sum(stale_counts(session, settings.embedding_model, everything=all_).values())
    with progress_bar("reindex") as bar:
        task = bar.add_task("reindex", total=total)
        done = reindex_stale(settings, everything=all_, progress=lambda n: bar.advance(task, n))
    typer.echo(f"re-indexed {done} records with {settings.embedding_model}", err=True)


def prepare_matching(engine: Engine, settings: Settings) -> None:
    """On start: load the default taxonomy into an empty database, create the vector indexes
    of the configured model, build the concept extractor and add the graphs' waypoints."""
    from matching.embeddings.encoder import load_encoder
    from matching.embeddings.store import ensure_vector_index
    from matching.embeddings.waypoints import ensure_waypoints
    from matching.indexing.resources import matching_resources
    from matching.taxonomy.loading import ensure_default_taxonomy
    from models.db import make_session_factory, transaction

    with progress_bar("loading the ESCO taxonomy") as bar:
        task = bar.add_task("esco", total=None)
        with transaction(make_session_factory(engine)) as session:
            ensure_default_taxonomy(session, lambda n: bar.advance(task, n))
    encoder = load_encoder(settings.embedding_model)
    ensure_vector_index(engine, encoder.name, encoder.dimension)
    # Build the extractor now, so the first write does not wait for it.
    with transaction(make_session_factory(engine)) as session:
        matching_resources(session, settings.embedding_model)
    # Places the occupation names once the graphs hold enough title sections (none on an
    # empty database), or again once they have outgrown them.
    ensure_waypoints(engine, encoder)
