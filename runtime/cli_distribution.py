"""``talentmesh employees ...``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from runtime.cli_matching import progress_bar
from runtime.cli_support import fail, open_session, settings_for_cli

employees_app = typer.Typer(help="Manage employees (ambassadors).", no_args_is_help=True)


@employees_app.command("import")
def employees_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV file.")],
    org: Annotated[str, typer.Option("--org", help="Name of the organisation.")],
) -> None:
    """Create and update an organisation's employees from a CSV file (UTF-8): columns
    external_id, name, email, department, fields, channels, opted_out; name and email are
    required, fields and channels are ;-separated. A row updates the employee with its
    external_id, else the one with its email, else creates one. If any row is invalid
    nothing is imported, every problem is listed and the exit code is 2."""
    from api.auth import repository as auth_repository
    from distribution.employees import csv_import
    from runtime.errors import TalentMeshError

    settings = settings_for_cli()
    try:
        parsed = csv_import.parse(csv_import.decode(file.read_bytes()))
        with open_session(settings) as session:
            organisation = auth_repository.get_organisation_by_name(session, org)
            if organisation is None:
                raise fail(f"no organisation named {org!r}")
            with progress_bar(file.name) as bar:
                task = bar.add_task("import", total=len(parsed.rows))
                result = csv_import.import_rows(
                    session,
                    organisation.id,
                    parsed,
                    settings.embedding_model,
                    lambda n: bar.advance(task, n),
                )
    except TalentMeshError as exc:
        exit_ = fail(exc.detail)
        for error in exc.errors:
            typer.echo(f"{error.field}: {error.message}", err=True)
        raise exit_ from exc
    typer.echo(
        f"{file.name}: {result.created} created, {result.updated} updated, "
        f"{result.unchanged} unchanged",
        err=True,
    )
