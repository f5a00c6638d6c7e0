"""``talentmesh import``: a bulk import from the command line, with a progress bar."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer

from runtime.cli_matching import progress_bar
from runtime.cli_support import fail, settings_for_cli


def import_file(
    file: Annotated[
        Path | None,
        typer.Argument(exists=True, dir_okay=False, help="NDJSON or CSV file."),
    ] = None,
    org: Annotated[str | None, typer.Option("--org", help="Name of the organisation.")] = None,
    kind: Annotated[str, typer.Option(help="candidates, vacancies or employees.")] = "candidates",
    file_format: Annotated[
        str | None,
        typer.Option("--format", help="ndjson or csv; default: from the file name."),
    ] = None,
    schema: Annotated[
        str, typer.Option(help="talentmesh, jsonresume (candidates) or jobposting (vacancies).")
    ] = "talentmesh",
    mode: Annotated[str, typer.Option(help="create, or upsert by external_id/email.")] = ("create"),
    errors: Annotated[
        Path | None, typer.Option(help="Write the failed rows here, one JSON object a line.")
    ] = None,
    resume: Annotated[
        UUID | None, typer.Option(help="Go on with an interrupted import (its id).")
    ] = None,
) -> None:
    """Import vacancies, candidates or employees from a file, the same way POST /v1/imports
    does: bad rows are reported, good rows are imported, embedded in batches. Runs in this
    process with a progress bar; if it is interrupted, --resume ID (or a worker, within
    minutes) goes on where it stopped. Exit code 0 when every row was imported, 1 when
    some failed (see --errors), 2 on an error."""
    from api.auth import repository as auth_repository
    from integration.imports import runner, service
    from models.db import make_engine, make_session_factory, transaction
    from runtime.celery_app import celery_for_settings
    from runtime.errors import TalentMeshError
    from runtime.resources import resolve_database_url

    settings = settings_for_cli()
    engine = make_engine(resolve_database_url(settings), pool_size=1)
    factory = make_session_factory(engine)
    try:
        with transaction(factory) as session:
            if resume is not None:
                job = service.get_any(session, resume)
            else:
                if file is None or org is None:
                    raise fail("name a FILE and --org, or --resume an import")
                organisation = auth_repository.get_organisation_by_name(session, org)
                if organisation is None:
                    raise fail(f"no organisation named {org!r}")
                fmt = file_format or ("csv" if file.suffix.lower() == ".csv" else "ndjson")
                job = service.create(
                    session,
                    organisation.id,
                    file.read_bytes(),
                    kind=kind,
                    file_format=fmt,
                    record_format=schema,
                    mode=mode,
                    filename=file.name,
                    enqueue_run=False,
                )
            job_id, total = job.id, job.total_rows
            already = job.succeeded_rows + job.failed_rows
        typer.echo(f"import {job_id}: {total} rows", err=True)
        with progress_bar(f"{kind} import") as bar:
            task = bar.add_task("rows", total=total, completed=already)
            runner.run(
                factory,
                celery_for_settings(),
                job_id,
                settings.embedding_model,
                budget=float("inf"),
                progress=lambda r: bar.advance(task, r.done + r.failed),
            )
        with transaction(factory) as session:
            out = service.to_out(service.get_any(session, job_id))
            failed_rows = service.all_errors(session, job_id) if errors else []
    except TalentMeshError as exc:
        exit_ = fail(exc.detail)
        for error in exc.errors:
            typer.echo(f"{error.field}: {error.message}", err=True)
        raise exit_ from exc
    finally:
        engine.dispose()
    if errors is not None:
        with errors.open("w", encoding="utf-8") as stream:
            for row in failed_rows:
                stream.write(json.dumps(row.model_dump(mode="json")) + "\n")
    typer.echo(
        f"{out.status}: {out.succeeded_rows} imported, {out.failed_rows} failed"
        + (f" (see {errors})" if errors and out.failed_rows else ""),
        err=True,
    )
    if out.failed_rows:
        raise typer.Exit(code=1)
