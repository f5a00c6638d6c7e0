"""``talentmesh privacy``: data-subject rights from the command line."""

from __future__ import annotations

import typer

from runtime.cli_support import settings_for_cli

privacy_app = typer.Typer(help="Data-subject rights and retention.", no_args_is_help=True)


@privacy_app.command("retention")
def privacy_retention() -> None:
    """Erase now every candidate whose consented retention has passed (the worker's beat
    does this hourly) and print what was done: the ids erased and any that failed."""
    from models.base import utcnow
    from models.db import make_engine, make_session_factory, transaction
    from runtime.resources import resolve_database_url
    from trust.privacy import retention

    settings = settings_for_cli()
    engine = make_engine(resolve_database_url(settings), pool_size=1)
    factory = make_session_factory(engine)
    try:
        report = retention.run(lambda: transaction(factory), utcnow())
    finally:
        engine.dispose()
    for candidate_id in report.erased:
        typer.echo(f"erased\t{candidate_id}")
    for candidate_id in report.failed:
        typer.echo(f"failed\t{candidate_id}")
    typer.echo(f"{len(report.erased)} erased, {len(report.failed)} failed")
    if report.failed:
        raise typer.Exit(1)


@privacy_app.command("compact")
def privacy_compact() -> None:
    """Rewrite the tables that hold personal data and flush the WAL, so erased people are
    gone from the database files too. Locks each table while it is rewritten: run it
    off-peak (for example weekly)."""
    from models.db import make_engine
    from runtime.resources import resolve_database_url
    from trust.privacy.compaction import compact

    settings = settings_for_cli()
    engine = make_engine(resolve_database_url(settings), pool_size=1)
    try:
        report = compact(engine)
    finally:
        engine.dispose()
    typer.echo(f"compacted {len(report.tables)} tables: {', '.join(report.tables)}")
    if report.problem:
        typer.echo(report.problem, err=True)
        raise typer.Exit(1)
